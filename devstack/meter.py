"""A counting proxy in front of DynamoDB Local: what each request really costs, seen on the wire.

Tests and benchmarks point the services at it to count the DynamoDB operations (Query, GetItem,
TransactWriteItems…) that one HTTP request makes, whatever thread or client made them.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.faults import FaultPlan, answer_with, forward


class DynamoDBMeter(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default (5) resets connections when many users arrive at once

    def __init__(self, port: int, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", port), _Forward)
        self.upstream_port = upstream_port
        self.operations: Counter[str] = Counter()
        self.faults = FaultPlan()  # DynamoDB errors the tests inject (throttling), none unless asked
        self._lock = threading.Lock()

    def count(self, operation: str) -> None:
        with self._lock:
            self.operations[operation] += 1

    def reset(self) -> Counter[str]:
        """Returns what was counted since the last reset, and starts again from zero."""
        with self._lock:
            counted, self.operations = self.operations, Counter()
        return counted

    def settle(self, quiet_seconds: float = 0.5, timeout: float = 15) -> None:
        """Waits until nothing has called DynamoDB for a while (background work, like the outbox, done),
        then resets: what is counted next belongs to what the caller does next."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            with self._lock:
                total = sum(self.operations.values())
            if total == seen:
                break
            seen = total
            time.sleep(quiet_seconds)
        self.reset()

    def start(self) -> DynamoDBMeter:
        threading.Thread(target=self.serve_forever, name="dynamodb-meter", daemon=True).start()
        return self


class _Forward(BaseHTTPRequestHandler):
    server: DynamoDBMeter
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        operation = self.headers.get("x-amz-target", "").rpartition(".")[2] or "unknown"
        self.server.count(operation)
        fault = self.server.faults.take(operation)
        if fault is not None:
            answer_with(self, fault)
        else:
            forward(self, self.server.upstream_port, body)

    def log_message(self, format: str, *args: Any) -> None:
        return
