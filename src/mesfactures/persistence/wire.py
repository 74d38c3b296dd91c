"""DynamoDB's answers read as they come: their JSON is already the low-level shape pynamodb reads.

botocore walks every answer against the service model to turn JSON into Python types: for DynamoDB that
walk only decodes binary attributes (this table has none: a test keeps it so) and rebuilds every
attribute value's dict, one call per node — most of a statement page's time in the function, more than
DynamoDB's own. Errors keep botocore's parsing (codes, cancellation reasons, retries).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.parsers import JSONParser, ResponseParserFactory


class _AsSentJSONParser(JSONParser):
    def _do_parse(self, response: dict[str, Any], shape: Any) -> dict[str, Any]:
        body = response["body"]
        parsed: dict[str, Any] = json.loads(body) if shape is not None and body else {}
        request_id = response["headers"].get("x-amzn-requestid")
        if request_id is not None:
            parsed.setdefault("ResponseMetadata", {})["RequestId"] = request_id
        return parsed


class AsSentParsers(ResponseParserFactory):
    """botocore's parser factory, with DynamoDB's (JSON protocol) successful answers taken as sent."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return _AsSentJSONParser()
        return super().create_parser(protocol_name)


class AsGivenSerializer:
    """botocore's JSON serializer, with DynamoDB's requests written as given: their parameters are
    already the wire's shape (pynamodb serializes every attribute value), and botocore's walk of them
    against the service model, one call per node, only encodes blobs and timestamps (this table has
    none). It was the largest part of an import's own time: 160 µs an item of a 100-item transaction,
    more than reading, validating and building the item together (docs/decisions.md). Parameters that
    plain JSON cannot write (bytes, datetimes, decimals, NaN) go through botocore's serializer."""

    def __init__(self, botocore_serializer: Any) -> None:
        self._botocore = botocore_serializer

    def serialize_to_request(self, parameters: dict[str, Any], operation_model: Any) -> dict[str, Any]:
        try:
            body = json.dumps(parameters, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError):
            return dict(self._botocore.serialize_to_request(parameters, operation_model))
        request: dict[str, Any] = self._botocore.serialize_to_request({}, operation_model)
        request["body"] = body
        return request
