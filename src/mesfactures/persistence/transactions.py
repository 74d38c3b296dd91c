"""Transactions: the connection they share, and reading DynamoDB's answer to a cancelled one."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError


def shared_connection() -> Connection:
    """The one connection of every transaction in the process: the models' own (table.table_connection).
    A new Connection per transaction built a new botocore client each time, reading DynamoDB's service
    model from disk again (~12 ms of JSON parsing alone; make bench found 100 of them in an import of
    10,000 rows). botocore clients are thread-safe."""
    from mesfactures.persistence.table import table_connection

    return table_connection()


def condition_failed(error: TransactWriteError) -> bool:
    """True when a condition of the transaction did not hold (as opposed to a conflict or an outage).

    pynamodb orders a transaction's items by kind (checks, deletes, puts, updates), so the position of a
    reason says little about which item it was: callers tell the cases apart by what they know."""
    return any(
        reason and reason.code == "ConditionalCheckFailed" for reason in error.cancellation_reasons or []
    )
