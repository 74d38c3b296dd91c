"""The ERP feed's writes in the ledger table: its documents upserted by version and its payments applied to
invoices (EntryWriter), and the checkpoints of its imports: one item per version of a file, advanced by
conditional writes so that only one delivery of a slice counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import ConcurrentChange
from mesfactures.domain.feed import allocate, new_version, payable_by_transfer
from mesfactures.domain.imports import COUNTS, Checkpoint, ImportFile, ImportReport, Phase, Position
from mesfactures.domain.ledger import LedgerEntry, UpsertOutcome, invoice_status
from mesfactures.observability import logger
from mesfactures.persistence import keys
from mesfactures.persistence.import_lease import CreditorLeases, LeaseTaken, NumbersInFlight
from mesfactures.persistence.ledger import EntryItem, entry_from_item, item_from_entry, unlocked
from mesfactures.persistence.table import LedgerItem, table_connection
from mesfactures.persistence.transactions import shared_connection

_log = logger("mesfactures.imports")


class ImportProgressItem(LedgerItem, discriminator="import_progress"):
    """Where the import of one version of an ERP file stands, between the invocations that share it: the
    next slice's position (`phase` "done" at the end), the report's counts so far, and the report parts
    holding the slices' rejections (in the document store: they may outgrow an item)."""

    file = UnicodeAttribute()
    phase = UnicodeAttribute()
    next_row = NumberAttribute()
    next_sent = BooleanAttribute(default=False)
    accepted = NumberAttribute(default=0)
    inserted = NumberAttribute(default=0)
    updated = NumberAttribute(default=0)
    unchanged = NumberAttribute(default=0)
    parts = ListAttribute(of=UnicodeAttribute, null=True)
    expires_at = TTLAttribute(attr_name="TTL")


DONE = "done"
KEEP_DAYS = 30  # long after the queue (and its dead-letter queue) could bring a message of the file back


def _condition_failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def _at(position: Position) -> Condition:
    at: Condition = (ImportProgressItem.phase == position.phase.value) & (
        ImportProgressItem.next_row == position.row
    )
    return at


class ImportCheckpoints:
    def begin(self, file: ImportFile) -> None:
        """The checkpoint of a file's first slice, unless S3's notice was delivered before."""
        item = ImportProgressItem(
            keys.import_pk(file.key, file.version),
            keys.IMPORT_SK,
            file=file.key,
            phase=Phase.DOCUMENTS.value,
            next_row=0,
            next_sent=True,  # the notice itself is the first slice's message
            expires_at=datetime.now(UTC) + timedelta(days=KEEP_DAYS),
        )
        try:
            item.save(condition=ImportProgressItem.pk.does_not_exist())
        except PutError as error:
            if not _condition_failed(error):
                raise

    def load(self, file: ImportFile) -> Checkpoint | None:
        try:
            item = ImportProgressItem.get(
                keys.import_pk(file.key, file.version), keys.IMPORT_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return _checkpoint(item)

    def advance(
        self,
        file: ImportFile,
        done: Position,
        following: Position | None,
        report: ImportReport,
        part: str | None,
    ) -> Checkpoint | None:
        """Moves the checkpoint from `done` to `following` (None: the file is done) with the slice's counts;
        None if it was no longer at `done` (another delivery of the slice moved it)."""
        item = ImportProgressItem(keys.import_pk(file.key, file.version), keys.IMPORT_SK)
        actions = [
            ImportProgressItem.phase.set(following.phase.value if following else DONE),
            ImportProgressItem.next_row.set(following.row if following else 0),
            ImportProgressItem.next_sent.set(False),
            *(getattr(ImportProgressItem, name).add(getattr(report, name)) for name in COUNTS),
        ]
        if part is not None:
            actions.append(ImportProgressItem.parts.set((ImportProgressItem.parts | []).append([part])))
        try:
            item.update(actions=actions, condition=_at(done))
        except UpdateError as error:
            if _condition_failed(error):
                return None
            raise
        return _checkpoint(item)

    def next_sent(self, file: ImportFile, position: Position) -> None:
        item = ImportProgressItem(keys.import_pk(file.key, file.version), keys.IMPORT_SK)
        try:
            item.update(actions=[ImportProgressItem.next_sent.set(True)], condition=_at(position))
        except UpdateError as error:
            if not _condition_failed(error):
                raise


def _checkpoint(item: ImportProgressItem) -> Checkpoint:
    position = None if item.phase == DONE else Position(Phase(item.phase), int(item.next_row))
    return Checkpoint(
        position=position,
        counts={name: int(getattr(item, name)) for name in COUNTS},
        parts=tuple(str(part) for part in item.parts or ()),
        next_sent=bool(item.next_sent),
    )


# One slot of each transaction is the lease's check: 99 documents, and the bulk path takes as many.
MAX_TRANSACTION_ITEMS = 99
BATCH_WRITE_ITEMS = 25  # DynamoDB's limit for one BatchWriteItem
UNPROCESSED_ATTEMPTS = 8  # sends of a batch's unprocessed items (DynamoDB wrote the others)
CONFLICT_ATTEMPTS = 3  # a creation cancelled by a concurrent write of the lease item is sent again
REPLACE_ATTEMPTS = 3


class EntryWriter:
    """The ERP feed's writes: documents upserted by version, payments applied to invoices atomically.

    New documents go in bulk without a condition (BatchWriteItem cannot carry one), which is safe only
    because nothing else can create one of their numbers between the consistent read that finds them new
    and the write: the writer holds its creditor's lease (an item taken under a condition, for longer
    than the function's timeout), and every other write that creates a document of the feed checks that
    lease in its own transaction. The card payments' entries (`CB-`, `RB-`, `IA-`) never collide with the
    feed's numbers (`FA-`, `AV-`, `RG-`, checked by the import). Within one writer, NumbersInFlight keeps
    its own bulk and conditioned creations of one number apart.

    A bulk write is sent once, without botocore's retries: an attempt that landed but whose answer was
    lost would be written again over what changed since. On any error the chunk goes row by row, under
    conditions (what the lost attempt wrote then counts as unchanged)."""

    def __init__(self) -> None:
        self._leases = CreditorLeases()
        self._in_flight = NumbersInFlight()
        self._lock = threading.Lock()
        self._once: Any = None  # the client of bulk writes, without retries (made on first use)

    def add_entry_if_absent(self, entry: LedgerEntry, document_key: str | None) -> bool:
        """Writes a new entry; an entry with the same number is left untouched (loaders are idempotent)."""
        return self._create(item_from_entry(entry, document_key), entry.creditor)

    def upsert_document(self, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome:
        """Inserts a new invoice or credit note; replaces an older version, keeping what was paid of it."""
        item = item_from_entry(entry, document_key)
        item.erp_version = version
        if self._create(item, entry.creditor):
            return UpsertOutcome.INSERTED
        # A status message (or another writer) may change the entry between the read and the write: the
        # write is conditioned on what was read, and read again then, a few times, before giving up.
        for _ in range(REPLACE_ATTEMPTS - 1):
            try:
                return self._replace(item, entry, version, document_key)
            except ConcurrentChange:
                continue
        return self._replace(item, entry, version, document_key)

    def _create(self, item: EntryItem, creditor: Creditor) -> bool:
        """Puts a new entry, on the condition that its number is new and that no other writer holds the
        creditor's lease; False if the number is known, LeaseTaken if the lease is someone else's."""
        with self._in_flight.taken([(item.pk, item.sk)]):
            attempt = 0
            while True:
                try:
                    with TransactWrite(connection=shared_connection()) as transaction:
                        self._leases.check_in(transaction, creditor)
                        transaction.save(item, condition=EntryItem.sk.does_not_exist())
                    return True
                except TransactWriteError as error:
                    # pynamodb sends a transaction's condition checks before its puts: the lease, the entry.
                    reasons = [reason.code if reason else None for reason in error.cancellation_reasons or []]
                    if len(reasons) == 2 and reasons[1] == "ConditionalCheckFailed":
                        return False  # a number known: the caller replaces it under its own conditions
                    if reasons and reasons[0] == "ConditionalCheckFailed":
                        raise LeaseTaken(creditor.value) from error
                    attempt += 1
                    if "TransactionConflict" not in reasons or attempt == CONFLICT_ATTEMPTS:
                        raise
                    time.sleep(0.05 * 2 ** (attempt - 1))  # the lease item, written at that moment

    def _replace(self, item: EntryItem, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome:
        existing = EntryItem.get(item.pk, item.sk, consistent_read=True)
        kept = new_version(entry_from_item(existing), int(existing.erp_version or 1), entry, version)
        if kept is None:
            return UpsertOutcome.UNCHANGED
        replacement = item_from_entry(kept, document_key)
        replacement.erp_version = version
        # A new version of the document is the same invoice: its lifecycle goes on.
        replacement.lifecycle_code = existing.lifecycle_code
        replacement.lifecycle_at = existing.lifecycle_at
        replacement.lifecycle_stamp = existing.lifecycle_stamp
        same_lifecycle = (
            EntryItem.lifecycle_stamp == existing.lifecycle_stamp
            if existing.lifecycle_stamp
            else EntryItem.lifecycle_stamp.does_not_exist()
        )
        unchanged_dispute = (
            EntryItem.dispute_id == existing.dispute_id
            if existing.dispute_id
            else EntryItem.dispute_id.does_not_exist()
        )
        condition = (
            (EntryItem.erp_version == existing.erp_version)
            & (EntryItem.balance_cents == existing.balance_cents)
            & unchanged_dispute
            & same_lifecycle
            & unlocked(int(time.time()))
        )
        try:
            replacement.save(condition=condition)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ConcurrentChange() from error
            raise
        return UpsertOutcome.UPDATED

    def insert_new_documents(self, documents: Sequence[tuple[LedgerEntry, int, str]]) -> bool:
        """Inserts up to 99 new documents (entry, version, document key) of one creditor: all go in, or none
        does and False says so (a number already known, or twice in the list, or being written by this
        writer); the caller then takes them one by one with upsert_document. In bulk under the creditor's
        lease when this writer can hold it, else in one transaction conditioned on every number being new."""
        if not 0 < len(documents) <= MAX_TRANSACTION_ITEMS:
            raise ValueError(f"1 to {MAX_TRANSACTION_ITEMS} documents per transaction")
        items = []
        for entry, version, document_key in documents:
            item = item_from_entry(entry, document_key)
            item.erp_version = version
            items.append(item)
        numbers = [(item.pk, item.sk) for item in items]
        creditors = {entry.creditor for entry, _, _ in documents}
        if len(set(numbers)) != len(numbers) or len(creditors) != 1:
            return False
        creditor = creditors.pop()
        with self._leases.holding(creditor) as held:
            if not held:
                with self._in_flight.taken(numbers):
                    return self._insert_together(items, creditor)
            if not self._in_flight.try_take(numbers):
                return False  # being written row by row: this chunk follows it, row by row
            try:
                return self._insert_in_bulk(items, creditor)
            finally:
                self._in_flight.give_back(numbers)

    def _insert_together(self, items: list[EntryItem], creditor: Creditor) -> bool:
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                self._leases.check_in(transaction, creditor)
                for item in items:
                    transaction.save(item, condition=EntryItem.sk.does_not_exist())
        except TransactWriteError as error:
            # Cancelled (a number known, the lease taken, a concurrent write) or refused (a number twice).
            if error.cause_response_code in ("TransactionCanceledException", "ValidationException"):
                return False
            raise
        return True

    def _insert_in_bulk(self, items: list[EntryItem], creditor: Creditor) -> bool:
        """A consistent read that every number is new, then batch writes, each while the lease lasts."""
        table = LedgerItem.Meta.table_name
        client: Any = table_connection().client
        serialized = [item.serialize() for item in items]
        wanted = [{"PK": item["PK"], "SK": item["SK"]} for item in serialized]
        found = client.batch_get_item(
            RequestItems={table: {"Keys": wanted, "ConsistentRead": True, "ProjectionExpression": "SK"}}
        )
        if found.get("Responses", {}).get(table) or found.get("UnprocessedKeys"):
            return False  # a number known (or DynamoDB could not say): row by row, under conditions
        for first in range(0, len(serialized), BATCH_WRITE_ITEMS):
            batch = serialized[first : first + BATCH_WRITE_ITEMS]
            pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in batch]}
            for attempt in range(UNPROCESSED_ATTEMPTS):
                if not pending:
                    break
                if attempt:
                    time.sleep(0.05 * 2**attempt)  # DynamoDB said which items it did not write
                if not self._leases.lasts(creditor):
                    return False  # what was written is found again row by row, unchanged
                try:
                    pending = self._sent_once().batch_write_item(RequestItems=pending).get("UnprocessedItems")
                except Exception:
                    _log.warning("bulk write failed: its chunk goes row by row", exc_info=True)
                    return False
            if pending:
                return False
        return True

    def _sent_once(self) -> Any:
        """The table's client, without botocore's retries (made on first use, shared by the threads)."""
        with self._lock:
            if self._once is None:
                import botocore.client

                connection = table_connection()
                self._once = connection.session.create_client(
                    "dynamodb",
                    connection.region,
                    endpoint_url=connection.host,
                    config=botocore.client.Config(
                        parameter_validation=False, retries={"total_max_attempts": 1}, max_pool_connections=10
                    ),
                )
            return self._once

    def record_payment(self, payment: LedgerEntry) -> UpsertOutcome:
        """Records a payment received by other means and settles the invoices it names, oldest first, in
        one transaction conditioned on their balances: a replay changes nothing, a race changes nothing."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        if self._exists(pk, keys.document_sk(payment.number)):
            return UpsertOutcome.UNCHANGED
        updates = self._allocate(pk, payment)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(item_from_entry(payment, None), condition=EntryItem.sk.does_not_exist())
                for invoice, balance in updates:
                    actions: list[Any] = [
                        EntryItem.balance_cents.set(balance),
                        EntryItem.status.set(invoice_status(int(invoice.amount_cents), balance).value),
                    ]
                    if balance == 0:
                        actions.append(EntryItem.open_sk.remove())
                    transaction.update(
                        invoice,
                        actions=actions,
                        condition=(EntryItem.balance_cents == invoice.balance_cents)
                        & unlocked(int(time.time())),
                    )
        except TransactWriteError as error:
            reasons = [reason.code if reason else None for reason in error.cancellation_reasons or []]
            if "ConditionalCheckFailed" not in reasons:
                raise
            # pynamodb orders a transaction's items by kind, so the reasons' positions say little: whether
            # the payment is now recorded tells a replay (nothing to do) from a race on a balance.
            if self._exists(pk, keys.document_sk(payment.number)):
                return UpsertOutcome.UNCHANGED
            raise ConcurrentChange() from error
        return UpsertOutcome.INSERTED

    def _allocate(self, pk: str, payment: LedgerEntry) -> list[tuple[EntryItem, int]]:
        """The invoices the payment settles (domain.feed.allocate), each with the item its update is
        conditioned on."""
        items: dict[str, EntryItem] = {}

        def invoice_of(number: str) -> LedgerEntry:
            item = self._invoice(pk, number)
            if item is not None:
                items[number] = item
            return payable_by_transfer(number, entry_from_item(item) if item else None)

        return [(items[invoice.number], balance) for invoice, balance in allocate(payment, invoice_of)]

    def _exists(self, pk: str, sk: str) -> bool:
        try:
            EntryItem.get(pk, sk, consistent_read=True, attributes_to_get=["PK"])
        except DoesNotExist:
            return False
        return True

    def _invoice(self, pk: str, number: str) -> EntryItem | None:
        try:
            return EntryItem.get(pk, keys.document_sk(number), consistent_read=True)
        except DoesNotExist:
            return None
