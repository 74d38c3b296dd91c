"""The feature areas: one Chalice app each under services/<area>/, one Lambda function each in AWS.

The gateway, the CDK app, the packaging, the benchmarks and the tests all read this list."""

from __future__ import annotations

API_AREAS = ("statement", "disputes", "account", "payments")  # behind API Gateway, under /api/<area>/
EVENT_AREAS = ("notifications",)  # no route: the table's stream and queues only
AREAS = API_AREAS + EVENT_AREAS
