"""Drops ERP files into the running stack's import inbox, as the ERPs do, and waits for the report."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from devstack.config import REGION, StackConfig
from mesfactures.domain.creditors import Creditor
from mesfactures.imports.importer import DATA_SUFFIXES, XML_SUFFIXES, creditor_inbox, report_key


def drop(
    config: StackConfig, creditor: Creditor, files: list[Path], timeout: float = 120
) -> list[dict[str, Any]]:
    """Uploads the PDFs first, then the data files (which trigger the import), and returns the reports."""
    s3: Any = boto3.client("s3", region_name=REGION)
    folder = f"{creditor_inbox(creditor)}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    data = [path for path in files if path.suffix in (*DATA_SUFFIXES, *XML_SUFFIXES)]
    for path in [path for path in files if path not in data] + data:
        s3.put_object(Bucket=config.bucket_name, Key=f"{folder}/{path.name}", Body=path.read_bytes())
    reports = []
    for path in data:
        key = report_key(f"{folder}/{path.name}")
        deadline = time.monotonic() + timeout
        while True:
            try:
                body = s3.get_object(Bucket=config.bucket_name, Key=key)["Body"].read()
                reports.append(json.loads(body))
                break
            except s3.exceptions.NoSuchKey:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no report for {path.name} after {timeout:.0f} s") from None
                time.sleep(0.2)
    return reports
