"""Fixtures shared by the tiers. Unit tests need nothing; the other tiers share one local stack, started
once per session on ports of its own (so `make test` runs beside `make run`) with a fresh data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")

from devstack import stack as devstack
from devstack.config import StackConfig
from tests.support import Portal


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    config = StackConfig(
        gateway_port=18080,
        dynamodb_port=18000,
        moto_port=15000,
        meter_port=18001,
        stripe_port=12112,
        data_dir=Path(tmp_path_factory.mktemp("stack")),
        table_name="mesfactures-test",
        bucket_name="mesfactures-documents-test",
    )
    running = devstack.start(config)
    try:
        yield Portal(config.gateway_url, running)
    finally:
        running.stop()
