"""Fixtures shared by the tiers. Unit tests need nothing (and import nothing of the stack: the unit tier
stays in seconds); the other tiers share one local stack, started once per session on ports of its own (so
`make test` runs beside `make run`) with a fresh data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")

if TYPE_CHECKING:
    from tests.support import Portal


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    from devstack import stack as devstack
    from devstack.config import StackConfig
    from tests.support import Portal

    # Another checkout of the project can run its tests at the same time on ports of its own.
    offset = int(os.environ.get("MESFACTURES_TEST_PORT_OFFSET", "0"))
    config = StackConfig(
        gateway_port=18080 + offset,
        dynamodb_port=18000 + offset,
        moto_port=15000 + offset,
        cognito_port=15001 + offset,
        meter_port=18001 + offset,
        mail_link_port=18002 + offset,
        stripe_port=12112 + offset,
        data_dir=Path(tmp_path_factory.mktemp("stack")),
        table_name="mesfactures-test",
        bucket_name="mesfactures-documents-test",
    )
    running = devstack.start(config)
    try:
        yield Portal(config.gateway_url, running)
    finally:
        running.stop()


# Sessions of the demo users, one per module that asks for them.


@pytest.fixture(scope="module")
def demo(portal: Portal) -> dict[str, str]:
    from tests.support import DEMO

    return portal.session_cookie(DEMO)


@pytest.fixture(scope="module")
def other(portal: Portal) -> dict[str, str]:
    from tests.support import OTHER

    return portal.session_cookie(OTHER)


@pytest.fixture(scope="module")
def finance(portal: Portal) -> dict[str, str]:
    from tests.support import FINANCE

    return portal.session_cookie(FINANCE)
