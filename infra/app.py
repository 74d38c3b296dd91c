"""The CDK entry point (`cdk.json`): vendors the shared package into each service, then synthesizes the
stage named by `-c stage=dev|prod` into cdk.out/. Offline: no credentials, no lookups."""

from __future__ import annotations

import os

import aws_cdk as cdk

from infra.portal.stack import PortalStack
from infra.stages import stage_from
from infra.vendoring import vendor_all


def build(app: cdk.App) -> PortalStack:
    stage = stage_from(app)
    vendor_all()
    stack = PortalStack(
        app,
        f"{stage.prefix}",
        stage=stage,
        description=f"Mes Factures ({stage.name}): ledger, documents, identity, mail, services, CDN, alarms",
    )
    cdk.Tags.of(stack).add("project", "mesfactures")
    cdk.Tags.of(stack).add("stage", stage.name)
    return stack


def main() -> None:
    # The cdk CLI says where through CDK_OUTDIR; `make synth` runs this module alone.
    app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
