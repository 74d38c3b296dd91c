"""Reading DynamoDB's answer to a cancelled transaction."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError


def condition_failed(error: TransactWriteError) -> bool:
    """True when a condition of the transaction did not hold (as opposed to a conflict or an outage).

    pynamodb orders a transaction's items by kind (checks, deletes, puts, updates), so the position of a
    reason says little about which item it was: callers tell the cases apart by what they know."""
    return any(
        reason and reason.code == "ConditionalCheckFailed" for reason in error.cancellation_reasons or []
    )
