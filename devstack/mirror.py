"""Keeps the document store across restarts: moto keeps nothing, so the local stack mirrors the bucket to
var/s3/ (every few seconds and at shutdown) and puts it back at start. What a user uploaded or an import
produced survives a restart of `make run`, as the ledger does in DynamoDB Local's files."""

from __future__ import annotations

import json
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import boto3

from devstack.config import REGION
from mesfactures.observability import logger

_log = logger("devstack.mirror")


class BucketMirror:
    def __init__(self, bucket: str, folder: Path, interval_seconds: float = 5.0) -> None:
        self._bucket = bucket
        self._folder = folder
        self._index_path = folder / "index.json"
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="s3-mirror", daemon=True)
        self._lock = threading.Lock()
        self._s3: Any = boto3.client("s3", region_name=REGION)

    def _file(self, key: str) -> Path:
        return self._folder / urllib.parse.quote(key, safe="")

    def _index(self) -> dict[str, dict[str, str]]:
        if not self._index_path.exists():
            return {}
        return dict(json.loads(self._index_path.read_text()))

    def restore(self) -> int:
        """Puts back every mirrored object the bucket lacks; returns how many."""
        restored = 0
        present = {item["Key"] for item in self._objects()}
        for key, meta in self._index().items():
            source = self._file(key)
            if key in present or not source.exists():
                continue
            self._s3.put_object(
                Bucket=self._bucket, Key=key, Body=source.read_bytes(), ContentType=meta["type"]
            )
            restored += 1
        return restored

    def snapshot(self) -> int:
        """Copies what changed in the bucket since the last snapshot; returns how many objects."""
        with self._lock:
            self._folder.mkdir(parents=True, exist_ok=True)
            index = self._index()
            current = {item["Key"]: item["ETag"] for item in self._objects()}
            copied = 0
            for key, etag in current.items():
                if index.get(key, {}).get("etag") == etag:
                    continue
                answer = self._s3.get_object(Bucket=self._bucket, Key=key)
                self._file(key).write_bytes(answer["Body"].read())
                index[key] = {"etag": etag, "type": answer.get("ContentType", "application/octet-stream")}
                copied += 1
            for key in set(index) - set(current):
                self._file(key).unlink(missing_ok=True)
                del index[key]
            self._index_path.write_text(json.dumps(index))
            return copied

    def _objects(self) -> list[dict[str, Any]]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket)
        return [item for page in pages for item in page.get("Contents", [])]

    def start(self) -> BucketMirror:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.snapshot()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.snapshot()
            except Exception:
                _log.exception("snapshot of the document store failed; trying again")
