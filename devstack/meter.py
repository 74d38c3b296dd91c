"""A counting proxy in front of DynamoDB Local: what each request really costs, seen on the wire.

Tests and benchmarks point the services at it to count the DynamoDB operations (Query, GetItem,
TransactWriteItems…) that one HTTP request makes, whatever thread or client made them.
"""

from __future__ import annotations

import json
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
        self.items: Counter[str] = Counter()  # items read, per operation, as the responses tell
        self._lock = threading.Lock()

    def count(self, operation: str, items_read: int = 0) -> None:
        with self._lock:
            self.operations[operation] += 1
            self.items[operation] += items_read

    def items_read(self) -> Counter[str]:
        """Items the counted calls read (Query and Scan counts, found GetItems, BatchGetItem responses)."""
        with self._lock:
            return Counter(self.items)

    def reset(self) -> Counter[str]:
        """Returns what was counted since the last reset, and starts again from zero."""
        with self._lock:
            counted, self.operations, self.items = self.operations, Counter(), Counter()
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
    disable_nagle_algorithm = True  # as the gateway: no 40 ms wait between headers and body

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        operation = self.headers.get("x-amz-target", "").rpartition(".")[2] or "unknown"
        fault = self.server.faults.take(operation)
        if fault is not None:
            self.server.count(operation)
            answer_with(self, fault)
            return
        # Counted before the service gets its answer: counted after, a call could land past the caller's
        # reset (make bench saw a settling transaction missing from its request and dropped by the next
        # settle).
        forward(
            self,
            self.server.upstream_port,
            body,
            lambda status, payload: self.server.count(
                operation, _items_read(operation, payload) if status == 200 else 0
            ),
        )

    def log_message(self, format: str, *args: Any) -> None:
        return


def _items_read(operation: str, payload: bytes) -> int:
    if operation not in ("Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems"):
        return 0
    answer = json.loads(payload or b"{}")
    if operation in ("Query", "Scan"):
        return int(answer.get("Count", 0))
    if operation == "GetItem":
        return 1 if "Item" in answer else 0
    responses = answer.get("Responses", {})
    if isinstance(responses, list):  # TransactGetItems
        return sum(1 for response in responses if "Item" in response)
    return sum(len(items) for items in responses.values())
