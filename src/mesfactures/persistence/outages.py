"""Telling AWS refusing a request (throttled, or not reached at all) from a bug: the first is a 503 the user
may retry in a moment, knowing nothing was done; anything else, a timeout after the request left included
(it may have been applied), stays a 500 that someone must look at."""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError
from pynamodb.exceptions import PynamoDBException, TransactWriteError

_BUSY = {
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "Throttling",
    "ThrottlingError",
    "SlowDown",
}
_UNREACHABLE = (EndpointConnectionError, ConnectTimeoutError)  # the request never left


def is_outage(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _busy(current) or isinstance(current, _UNREACHABLE):
            return True
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
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
