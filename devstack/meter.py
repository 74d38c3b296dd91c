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
        # Read and write capacity units, as DynamoDB bills them on demand (RRU, WRU): the meter asks
        # every call for its ConsumedCapacity, which DynamoDB Local computes as AWS does.
        self.units: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, operation: str, items_read: int = 0, units: dict[str, float] | None = None) -> None:
        with self._lock:
            self.operations[operation] += 1
            self.items[operation] += items_read
            self.units.update(units or {})

    def capacity_units(self) -> dict[str, float]:
        """Read and write request units the counted calls consumed (`read`, `write`)."""
        with self._lock:
            return {"read": float(self.units["read"]), "write": float(self.units["write"])}

    def items_read(self) -> Counter[str]:
        """Items the counted calls read (Query and Scan counts, found GetItems, BatchGetItem responses)."""
        with self._lock:
            return Counter(self.items)

    def reset(self) -> Counter[str]:
        """Returns what was counted since the last reset, and starts again from zero."""
        with self._lock:
            counted, self.operations, self.items = self.operations, Counter(), Counter()
            self.units = Counter()
        return counted

    def settle(
        self, quiet_seconds: float = 0.5, timeout: float = 15
    ) -> tuple[Counter[str], dict[str, float]]:
        """Waits until nothing has called DynamoDB for a while (background work, like the outbox, done),
        then resets: what is counted next belongs to what the caller does next. Returns the calls and
        capacity units counted meanwhile (the background work of the caller's last request)."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            with self._lock:
                total = sum(self.operations.values())
            if total == seen:
                break
            seen = total
            time.sleep(quiet_seconds)
        units = self.capacity_units()
        return self.reset(), units

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
        body = _asking_for_capacity(self, body)
        transaction = _transaction_units(body) if operation == "TransactWriteItems" else None
        forward(
            self,
            self.server.upstream_port,
            body,
            lambda status, payload: self.server.count(
                operation,
                _items_read(operation, payload) if status == 200 else 0,
                (transaction or _units(operation, payload)) if status == 200 else None,
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


_READS = ("Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems")
_WITH_CAPACITY = (*_READS, "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def _asking_for_capacity(handler: BaseHTTPRequestHandler, body: bytes) -> bytes:
    """The request with `ReturnConsumedCapacity: INDEXES` (the table's and each index's units, reads and
    writes apart), unless it asks already; the services ignore the extra field of the answer."""
    operation = handler.headers.get("x-amz-target", "").rpartition(".")[2]
    if operation not in _WITH_CAPACITY:
        return body
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return body
    if not isinstance(request, dict) or "ReturnConsumedCapacity" in request:
        return body
    request["ReturnConsumedCapacity"] = "INDEXES"
    changed = json.dumps(request).encode()
    del handler.headers["Content-Length"]
    handler.headers["Content-Length"] = str(len(changed))
    return changed


def _units(operation: str, payload: bytes) -> dict[str, float]:
    """Read and write units of an answer's ConsumedCapacity (one object, or a list for batches and
    transactions), table and indexes summed."""
    found = json.loads(payload or b"{}").get("ConsumedCapacity")
    if found is None:
        return {}
    units = {"read": 0.0, "write": 0.0}
    for consumed in found if isinstance(found, list) else [found]:
        parts = [consumed.get("Table") or {}]
        for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            parts.extend((consumed.get(kind) or {}).values())
        split = [part for part in parts if "ReadCapacityUnits" in part or "WriteCapacityUnits" in part]
        if split:
            units["read"] += sum(float(part.get("ReadCapacityUnits", 0)) for part in split)
            units["write"] += sum(float(part.get("WriteCapacityUnits", 0)) for part in split)
        else:
            kind = "read" if operation in _READS else "write"
            units[kind] += float(consumed.get("CapacityUnits", 0))
    return units


def _transaction_units(body: bytes) -> dict[str, float]:
    """A transaction's write units as AWS bills them: two per KB of each item written or checked (an
    update's or a check's item taken as 1 KB). DynamoDB Local reports a transaction's ConsumedCapacity
    wrongly (8 units for 2 items and for 10 alike), so it is computed from the request; the writes of
    the indexes the items enter are left out (a lower bound)."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return {}
    units = 0.0
    for action in request.get("TransactItems", []):
        put = action.get("Put")
        size = len(json.dumps(put["Item"], separators=(",", ":"))) if put else 1024
        units += 2 * max(1, -(-size // 1024))
    return {"read": 0.0, "write": units}
