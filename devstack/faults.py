"""Faults injected where the portal meets AWS: answers that DynamoDB or SES give when they throttle.

The services never know: their SDK gets the same error response the real service sends, retries as it
would, and the code above it must fail cleanly, retry later, and lose nothing.
"""

from __future__ import annotations

import http.client
import re
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack.mailbox import Postmarks


@dataclass(frozen=True)
class Fault:
    status: int
    body: bytes
    content_type: str


DYNAMODB_THROTTLING = Fault(
    400,
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
    b'"message":"The level of configured provisioned throughput for the table was exceeded (injected)."}',
    "application/x-amz-json-1.0",
)
SES_THROTTLING = Fault(
    400,
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Maximum sending rate exceeded (injected).</Message></Error></ErrorResponse>",
    "text/xml",
)


class FaultPlan:
    """Which calls fail next: those of the given operations, after `skip` of them went through, `times` of
    them (or all until healed)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._matches: Callable[[str], bool] = lambda _: True
        self._remaining: int | None = None
        self._skip = 0
        self.injected = 0

    def inject(
        self, fault: Fault, *, operations: set[str] | None = None, times: int | None = None, skip: int = 0
    ) -> None:
        with self._lock:
            self._fault, self._remaining, self._skip, self.injected = fault, times, skip, 0
            self._matches = (lambda operation: operation in operations) if operations else (lambda _: True)

    def heal(self) -> None:
        with self._lock:
            self._fault = None

    def take(self, operation: str) -> Fault | None:
        with self._lock:
            if self._fault is None or not self._matches(operation):
                return None
            if self._skip > 0:
                self._skip -= 1
                return None
            fault = self._fault
            if self._remaining is not None:
                self._remaining -= 1
                if self._remaining <= 0:
                    self._fault = None
            self.injected += 1
            return fault


def forward(
    handler: BaseHTTPRequestHandler,
    upstream_port: int,
    body: bytes,
    before_answering: Callable[[int, bytes], None] | None = None,
) -> tuple[int, bytes]:
    """Sends the request on to the emulator and its answer back, unchanged; returns that answer.
    `before_answering` sees the answer before the caller does: what it records (a count) is there by the
    time the caller goes on."""
    upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
    try:
        upstream.request(handler.command, handler.path, body=body, headers=dict(handler.headers.items()))
        answer = upstream.getresponse()
        payload = answer.read()
        if before_answering is not None:
            before_answering(answer.status, payload)
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
    finally:
        upstream.close()
    return answer.status, payload


def answer_with(handler: BaseHTTPRequestHandler, fault: Fault) -> None:
    handler.send_response(fault.status)
    handler.send_header("Content-Type", fault.content_type)
    handler.send_header("Content-Length", str(len(fault.body)))
    handler.end_headers()
    handler.wfile.write(fault.body)


_SENDS = ("SendEmail", "SendRawEmail")
_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")


class MailLink(ThreadingHTTPServer):
    """Stands between the portal and moto's SES: passes every call on, unless a fault is planned, and
    postmarks each mail that leaves (its time and text part, which moto does not keep)."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, upstream_port: int, postmarks: Postmarks | None = None) -> None:
        super().__init__(("127.0.0.1", port), _MailHandler)  # port 0: any free port
        self.upstream_port = upstream_port
        self.faults = FaultPlan()
        self.postmarks = postmarks or Postmarks()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> MailLink:
        threading.Thread(target=self.serve_forever, name="mail-link", daemon=True).start()
        return self


class _MailHandler(BaseHTTPRequestHandler):
    server: MailLink
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        action = form.get("Action", [""])[0]
        fault = self.server.faults.take(action)
        if fault is not None:
            answer_with(self, fault)
            return
        status, payload = forward(self, self.server.upstream_port, body)
        sent = _MESSAGE_ID.search(payload) if status == 200 and action in _SENDS else None
        if sent is not None:
            text = form.get("Message.Body.Text.Data", [None])[0]
            reply_to = tuple(form.get("ReplyToAddresses.member.1", []))
            self.server.postmarks.stamp(sent.group(1).decode(), text, reply_to)

    def log_message(self, format: str, *args: Any) -> None:
        return
