"""API Gateway (REST, proxy integration) events as AWS sends them to a function, and a Lambda context, to
call a Chalice app's Lambda entry point `app(event, context)` in-process, with no local gateway between.

Standard library only: the cold-start processes import this before the app, and it must cost nothing.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import quote


def api_event(
    method: str,
    resource: str,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    cookie: str | None = None,
    body: dict[str, Any] | str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event of one request: `resource` is the route as declared (`/statement/creditors/{creditor}/
    entries`), `path_parameters` fill it, `cookie` is the `Cookie` header's value."""
    parameters = path_parameters or {}
    path = resource
    for name, value in parameters.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    sent = {
        "Accept": "application/json",
        "Host": "abcdef1234.execute-api.eu-west-3.amazonaws.com",
        "User-Agent": "Amazon CloudFront",
        "Via": "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
        "X-Forwarded-For": "192.0.2.10, 130.176.0.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Amzn-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
    }
    if cookie is not None:
        sent["Cookie"] = cookie
    raw_body = None
    if body is not None:
        raw_body = body if isinstance(body, str) else json.dumps(body)
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": dict(parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": request_id[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "path": f"/api{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "api",
            "domainPrefix": "abcdef1234",
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": request_id,
            "identity": {"sourceIp": "130.176.0.1", "userAgent": "Amazon CloudFront"},
            "domainName": "abcdef1234.execute-api.eu-west-3.amazonaws.com",
            "apiId": "abcdef1234",
        },
        "body": raw_body,
        "isBase64Encoded": False,
    }


class LambdaContext:
    """What the Python runtime passes as `context` (the fields Chalice and the apps read)."""

    def __init__(self, function_name: str, memory_mb: int = 512, timeout_seconds: float = 30) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-3:123456789012:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/11/30/[$LATEST]0123456789abcdef"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
