"""The stack, synthesized once per session (about 20 s), offline, as `make synth` does."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.app import build
from infra.portal.stack import PortalStack
from infra.stages import stage_from

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

PROD_DOMAIN = {
    "domain_name": "factures.example-media.fr",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7",
}


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    out = tmp_path_factory.mktemp("synth")
    app = cdk.App(outdir=str(out / "cdk.out"), context={"stage": "dev"})
    with contextlib.chdir(out):  # chalice.cdk packages into ./chalice.out
        return Template.from_stack(build(app))


@pytest.fixture(scope="session")
def prod_template(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The prod stage, built on the packages the dev fixture vendored, on a domain of its own."""
    out = tmp_path_factory.mktemp("synth")
    app = cdk.App(outdir=str(out / "cdk.out"), context={"stage": "prod", **PROD_DOMAIN})
    stage = stage_from(app)
    with contextlib.chdir(out):
        return Template.from_stack(PortalStack(app, stage.prefix, stage=stage))


@pytest.fixture(scope="session")
def resources(template: Template) -> dict[str, Any]:
    resources: dict[str, Any] = template.to_json()["Resources"]
    return resources


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: resource for name, resource in resources.items() if resource["Type"] == kind}


ROOT = Path(__file__).resolve().parents[2]
