"""The import lease: which writer may create a creditor's new documents without a condition, and until when.

New documents of the feed go in bulk (BatchWriteItem cannot carry a condition), which is safe only while
nothing else can create one of their numbers between the consistent read that found them new and the write.
A writer writes in bulk only while it holds its creditor's lease: an item taken under a condition (absent,
ended, or already its own) for longer than the import function's timeout, renewed before a bulk write
when little is left, deleted when the writer's last chunk in flight is settled. Every other write that
creates a feed document checks the lease in its own transaction (`CreditorLeases.check_in`).
docs/decisions.md ("under a lease") says why, and what it costs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.observability import logger
from mesfactures.persistence import keys
from mesfactures.persistence.table import LedgerItem

_log = logger("mesfactures.imports")

# Longer than the import function's timeout (120 s): a holder that Lambda stopped cannot outlive its lease.
LEASE_SECONDS = 300
# No write without a condition when less than this is left of the lease: it is renewed first.
LEASE_MARGIN_SECONDS = 120


class ImportLeaseItem(LedgerItem, discriminator="import_lease"):
    """The writer that may write a creditor's new documents without a condition, until when (epoch
    seconds)."""

    holder = UnicodeAttribute()
    until = NumberAttribute()
    expires_at = TTLAttribute(attr_name="TTL")


class LeaseTaken(Exception):
    """Another import of this creditor is writing new documents: this row is tried again later (not a
    rejection: the importer counts it as a technical failure, and the queue delivers the slice again)."""


class CreditorLeases:
    """One writer's leases, one per creditor: taken by the writer's first chunk in flight for that
    creditor, given back by its last."""

    def __init__(self) -> None:
        self._holder = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._held: dict[Creditor, tuple[int, float]] = {}  # chunks in flight, and the lease's end

    def check_in(self, transaction: TransactWrite, creditor: Creditor) -> None:
        """Adds to `transaction` the check that the creditor's lease is free, ended, or this writer's."""
        free = (
            ImportLeaseItem.pk.does_not_exist()
            | (ImportLeaseItem.until < int(time.time()))
            | (ImportLeaseItem.holder == self._holder)
        )
        transaction.condition_check(
            ImportLeaseItem, keys.import_lease_pk(creditor), keys.IMPORT_LEASE_SK, condition=free
        )

    @contextmanager
    def holding(self, creditor: Creditor) -> Iterator[bool]:
        """Holds the creditor's lease for one chunk; False if another writer holds it."""
        with self._lock:
            count, _ = self._held.get(creditor, (0, 0.0))
            if count == 0 and not self._claim(creditor):
                held = False
            else:
                held = True
                self._held[creditor] = (count + 1, self._held[creditor][1])
        try:
            yield held
        finally:
            if held:
                with self._lock:
                    count, until = self._held[creditor]
                    self._held[creditor] = (count - 1, until)
                    if count == 1:
                        self._give_back(creditor)

    def lasts(self, creditor: Creditor) -> bool:
        """Whether the held lease has more than the margin left, renewing it if not. A lease that ended,
        even for a moment, is not taken again here: what a chunk read under it may be stale (False)."""
        with self._lock:
            _, until = self._held[creditor]
            left = until - time.time()
            if left > LEASE_MARGIN_SECONDS:
                return True
            return left > 0 and self._claim(creditor, renewal=True)

    def _claim(self, creditor: Creditor, *, renewal: bool = False) -> bool:
        """Takes the lease if it is free, ended or this writer's, or renews this writer's lease that has
        not ended (caller holds self._lock); False if the condition does not hold."""
        now = time.time()
        until = now + LEASE_SECONDS
        lease = ImportLeaseItem(
            keys.import_lease_pk(creditor),
            keys.IMPORT_LEASE_SK,
            holder=self._holder,
            until=int(until),
            expires_at=datetime.fromtimestamp(until, UTC) + timedelta(days=1),
        )
        mine = ImportLeaseItem.holder == self._holder
        if renewal:
            condition = mine & (ImportLeaseItem.until > int(now))
        else:
            condition = ImportLeaseItem.pk.does_not_exist() | (ImportLeaseItem.until < int(now)) | mine
        try:
            lease.save(condition=condition)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        count, _ = self._held.get(creditor, (0, 0.0))
        self._held[creditor] = (count, int(until))
        return True

    def _give_back(self, creditor: Creditor) -> None:
        """Deletes the lease if it is still this writer's; on failure it is left to end by itself (its
        chunks are written: a failure here must not undo them)."""
        lease = ImportLeaseItem(keys.import_lease_pk(creditor), keys.IMPORT_LEASE_SK)
        try:
            lease.delete(condition=ImportLeaseItem.holder == self._holder)
        except DeleteError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                _log.warning("import lease not given back: it ends by itself", exc_info=True)


class NumbersInFlight:
    """The documents one writer is creating at this moment, by key. The lease lets all of a writer's own
    writes through, so this is what keeps a bulk write (no condition) from running beside a conditioned
    creation of one of its numbers by the same writer, in another thread: a bulk write refuses numbers in
    flight (its chunk then goes row by row), a conditioned creation waits until they are written."""

    def __init__(self) -> None:
        self._busy: set[tuple[str, str]] = set()
        self._changed = threading.Condition()

    def try_take(self, numbers: Sequence[tuple[str, str]]) -> bool:
        with self._changed:
            if not self._busy.isdisjoint(numbers):
                return False
            self._busy.update(numbers)
            return True

    @contextmanager
    def taken(self, numbers: Sequence[tuple[str, str]]) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._busy.isdisjoint(numbers))
            self._busy.update(numbers)
        try:
            yield
        finally:
            self.give_back(numbers)

    def give_back(self, numbers: Sequence[tuple[str, str]]) -> None:
        with self._changed:
            self._busy.difference_update(numbers)
            self._changed.notify_all()
