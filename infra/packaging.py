"""Builds each function's deployment package as `chalice.cdk` does and reports its zipped size.

`python -m infra.packaging` prints `{"<service>": <bytes>, ...}` as JSON (the benchmarks' "package size").
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from chalice import api

from infra.portal.services import loading_app
from infra.vendoring import ROOT, SERVICES, vendor

# Chalice asks botocore for the region while packaging; nothing reaches AWS.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
# DESIGN.md section 5: each function's deployment package stays under 5 MB zipped.
BUDGET_BYTES = 5 * 1024 * 1024
# As infra/portal/services.py packages them: with a role of the stack's, so Chalice does not read app.py to
# write a policy (its policy analyzer fails on some valid code, and the policy is no part of the zip).
AS_DEPLOYED = {"manage_iam_role": False, "iam_role_arn": "arn:aws:iam::000000000000:role/packaging"}


def package_size(service: str) -> int:
    """The zipped size in bytes of one service's deployment package, vendored afresh."""
    vendor(service)
    project_dir = ROOT / "services" / service
    # Chalice reports its progress on stdout, which carries this module's JSON.
    with (
        tempfile.TemporaryDirectory() as out,
        loading_app(project_dir),
        contextlib.redirect_stdout(sys.stderr),
    ):
        api.package_app(project_dir=str(project_dir), output_dir=out, stage="dev", chalice_config=AS_DEPLOYED)
        return (Path(out) / "deployment.zip").stat().st_size


def package_sizes() -> dict[str, int]:
    return {service: package_size(service) for service in SERVICES}


if __name__ == "__main__":
    print(json.dumps(package_sizes(), indent=2))
