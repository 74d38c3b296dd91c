"""Telling AWS being unavailable (throttled, unreachable, timing out) from a bug: the first is a 503 the
user may retry in a moment, the second a 500 that someone must look at."""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from pynamodb.exceptions import PynamoDBException, TransactWriteError

_BUSY = {
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "Throttling",
    "ThrottlingError",
    "SlowDown",
    "ServiceUnavailable",
    "InternalServerError",
    "InternalError",
    "RequestTimeout",
}
_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)


def is_outage(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _busy(current) or isinstance(current, _UNREACHABLE):
            return True
        current = current.__cause__ or current.__context__
    return False


def _busy(error: BaseException) -> bool:
    if isinstance(error, TransactWriteError) and any(
        reason and reason.code in _BUSY for reason in error.cancellation_reasons or []
    ):
        return True
    if isinstance(error, PynamoDBException):
        return error.cause_response_code in _BUSY
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in _BUSY
    return False
