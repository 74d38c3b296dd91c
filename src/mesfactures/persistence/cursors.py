"""Paging cursors: the sort-key part of DynamoDB's LastEvaluatedKey, opaque to the client.

The partition key is never in a cursor: it is rebuilt from the session on the next request, so a cursor
cannot lead into another account. A cursor names the view and the filters it came from, and is refused
with any others (a key outside the query's range would otherwise make DynamoDB fail the request).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mesfactures.domain.errors import InvalidInput

_KEYS_OF_VIEW = {
    "number": {"SK"},
    "number_part": {"SK"},
    "open": {"SK", "OPEN_SK"},
    "all": {"SK", "BY_DATE"},
    "activity": {"SK"},
}
_INVALID = "Le curseur de pagination est invalide ; rechargez la liste."


def encode_cursor(
    view: str, filters: str, last_evaluated_key: dict[str, dict[str, Any]] | None
) -> str | None:
    if not last_evaluated_key:
        return None
    values = {name: value["S"] for name, value in last_evaluated_key.items() if name != "PK"}
    raw = json.dumps({"v": view, "f": filters, "k": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(view: str, filters: str, cursor: str | None, pk: str) -> dict[str, dict[str, Any]] | None:
    if cursor is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidInput(_INVALID) from None
    if (
        not isinstance(decoded, dict)
        or decoded.get("v") != view
        or decoded.get("f") != filters
        or not isinstance(decoded.get("k"), dict)
    ):
        raise InvalidInput(_INVALID)
    values = decoded["k"]
    if set(values) != _KEYS_OF_VIEW[view] or not all(
        isinstance(value, str) and 0 < len(value) <= 200 for value in values.values()
    ):
        raise InvalidInput(_INVALID)
    return {"PK": {"S": pk}, **{name: {"S": value} for name, value in values.items()}}
