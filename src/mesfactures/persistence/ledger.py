"""Ledger entries (invoices, credit notes, payments) in the ledger table."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, QueryError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import ConcurrentChange, InvalidInput, NotFound
from mesfactures.domain.feed import allocate, new_version, payable_by_transfer
from mesfactures.domain.ledger import (
    DocumentLine,
    DocumentOnFile,
    EntryStatus,
    EntryType,
    LedgerEntry,
    UpsertOutcome,
    invoice_status,
)
from mesfactures.domain.lifecycle import DEPOSITED, LifecycleStatus, is_known
from mesfactures.domain.money import Money
from mesfactures.domain.statement import EntryPage, Scope, StatementQuery
from mesfactures.persistence import keys
from mesfactures.persistence.cursors import decode_cursor, encode_cursor
from mesfactures.persistence.models import EntryItem, LedgerItem, LineMap, ProfileItem
from mesfactures.persistence.transactions import shared_connection

_OPEN_STATUSES = {EntryStatus.OPEN, EntryStatus.PARTIALLY_PAID}
# Documents a number search by part reads per page (about 1 KB each: within the 1 MB a Query reads at most).
NUMBER_SEARCH_READS = 500


class LedgerRepository:
    def entry(self, agency_id: str, creditor: Creditor, number: str) -> LedgerEntry:
        """One entry by its number, within the agency's own account: another's is simply not found."""
        try:
            item = EntryItem.get(keys.account_pk(agency_id, creditor), keys.document_sk(number))
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        return entry_from_item(item)

    def page(self, agency_id: str, creditor: Creditor, query: StatementQuery) -> EntryPage:
        """One page of an account's entries: exactly one Query, whatever the filters."""
        pk = keys.account_pk(agency_id, creditor)
        if query.number_part:
            return self._numbers_containing(pk, query)
        view = "number" if query.number_prefix else query.scope.value
        filters = (
            f"{query.scope.value}|{query.date_from}|{query.date_to}|{query.number_prefix}|{query.lifecycle}"
        )
        start = decode_cursor(view, filters, query.cursor, pk)
        dates = _all_of(_issued_between(query), _at_lifecycle(query.lifecycle))
        results: ResultIterator[Any]
        if query.number_prefix:
            only_open = EntryItem.open_sk.exists() if query.scope is Scope.OPEN else None
            results = EntryItem.query(
                pk,
                EntryItem.sk.startswith(keys.document_sk_prefix(query.number_prefix)),
                filter_condition=_all_of(only_open, dates),
                consistent_read=True,
                page_size=query.limit,
                last_evaluated_key=start,
            )
        elif query.scope is Scope.OPEN:
            results = LedgerItem.open_items_index.query(
                pk,
                filter_condition=dates,
                consistent_read=True,
                page_size=query.limit,
                last_evaluated_key=start,
            )
        else:
            assert query.date_from and query.date_to  # noqa: S101 (statement_query sets them for this view)
            low, high = keys.by_date_range(query.date_from, query.date_to)
            results = LedgerItem.by_date_index.query(
                pk,
                LedgerItem.by_date.between(low, high),
                filter_condition=_at_lifecycle(query.lifecycle),
                consistent_read=True,
                scan_index_forward=False,
                page_size=query.limit,
                last_evaluated_key=start,
            )
        try:
            page = next(results.page_iter)
        except QueryError as error:
            if start is None:
                raise
            raise InvalidInput("Le curseur de pagination est invalide ; rechargez la liste.") from error
        entries = tuple(entry_from_raw(raw) for raw in page.get("Items", []))
        return EntryPage(entries, encode_cursor(view, filters, results.page_iter.last_evaluated_key))

    def _numbers_containing(self, pk: str, query: StatementQuery) -> EntryPage:
        """Documents whose number contains a part ("000168"): still one Query per page, on the account's
        documents (`begins_with(SK, DOC#)`) filtered by `contains(number, part)`. DynamoDB filters after
        reading, so the Query reads up to NUMBER_SEARCH_READS documents and the page keeps the first
        `limit` found; the cursor resumes after the last one kept, or where the reading stopped."""
        filters = f"{query.scope.value}|{query.date_from}|{query.date_to}|{query.number_part}"
        start = decode_cursor("number_part", filters, query.cursor, pk)
        only_open = EntryItem.open_sk.exists() if query.scope is Scope.OPEN else None
        results = EntryItem.query(
            pk,
            EntryItem.sk.startswith(keys.DOCUMENT_PREFIX),
            filter_condition=_all_of(
                EntryItem.number.contains(query.number_part), only_open, _issued_between(query)
            ),
            consistent_read=True,
            page_size=NUMBER_SEARCH_READS,
            last_evaluated_key=start,
        )
        try:
            page = next(results.page_iter)
        except QueryError as error:
            if start is None:
                raise
            raise InvalidInput("Le curseur de pagination est invalide ; rechargez la liste.") from error
        found = page.get("Items", [])
        last_key = results.page_iter.last_evaluated_key
        if len(found) > query.limit:
            found = found[: query.limit]
            last_key = {"PK": found[-1]["PK"], "SK": found[-1]["SK"]}
        entries = tuple(entry_from_raw(raw) for raw in found)
        return EntryPage(entries, encode_cursor("number_part", filters, last_key))

    def entries_by_number(
        self, agency_id: str, creditor: Creditor, numbers: list[str]
    ) -> dict[str, LedgerEntry]:
        """The named entries of the agency's own account (one BatchGetItem); unknown numbers are absent."""
        pk = keys.account_pk(agency_id, creditor)
        wanted = []
        for number in numbers:
            try:
                wanted.append((pk, keys.document_sk(number)))
            except ValueError:
                continue
        items = EntryItem.batch_get(wanted, consistent_read=True) if wanted else []
        return {item.number: entry_from_item(item) for item in items}

    def open_items(self, agency_id: str, creditor: Creditor) -> tuple[LedgerEntry, ...]:
        """Every open invoice and credit of an account (a Query on the sparse index: a few dozen items)."""
        pk = keys.account_pk(agency_id, creditor)
        return tuple(
            entry_from_item(item)
            for item in LedgerItem.open_items_index.query(pk, consistent_read=True)
            if isinstance(item, EntryItem)
        )

    def has_account(self, agency_id: str, creditor: Creditor) -> bool:
        try:
            ProfileItem.get(keys.account_pk(agency_id, creditor), keys.PROFILE_SK, attributes_to_get=["PK"])
        except (DoesNotExist, ValueError):  # ValueError: an id that cannot be a key part is no one's account
            return False
        return True

    def document(self, agency_id: str, creditor: Creditor, number: str) -> DocumentOnFile:
        """A document (invoice or credit note) with the key of its PDF, within the agency's own account."""
        try:
            item = EntryItem.get(keys.account_pk(agency_id, creditor), keys.document_sk(number))
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        if not item.document_key:
            raise NotFound("Document introuvable.")
        return DocumentOnFile(entry_from_item(item), item.document_key, frozenset(item.stored_files or ()))

    def note_stored(self, document: DocumentOnFile, files: set[str]) -> None:
        """Records that the store holds these files of the document, as long as the document still has the
        key it was read with (a new version, written meanwhile, has files of its own)."""
        entry = document.entry
        item = EntryItem(keys.account_pk(entry.agency_id, entry.creditor), keys.document_sk(entry.number))
        try:
            item.update(
                actions=[EntryItem.stored_files.add(files)],
                condition=EntryItem.document_key == document.key,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def add_entry_if_absent(self, entry: LedgerEntry, document_key: str | None) -> bool:
        """Writes a new entry; an entry with the same number is left untouched (loaders are idempotent)."""
        item = item_from_entry(entry, document_key)
        try:
            item.save(condition=EntryItem.sk.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


def unlocked(now: int) -> Condition:
    """No checkout session holds the invoice (or the one that did has expired)."""
    free: Condition = EntryItem.payment_lock.does_not_exist() | (EntryItem.payment_lock_until < now)
    return free


def _issued_between(query: StatementQuery) -> Condition | None:
    if query.date_from is None and query.date_to is None:
        return None
    low = (query.date_from or date.min).isoformat()
    high = (query.date_to or date.max).isoformat()
    return EntryItem.issued_on.between(low, high)


def _at_lifecycle(code: int | None) -> Condition | None:
    """The statement filtered by lifecycle status: a filter on the page's own Query (a page may then hold
    fewer entries than asked, its cursor going on: docs/access-patterns.md). An entry without a status
    message is "Déposée"; a payment has no lifecycle."""
    if code is None:
        return None
    at_code: Condition = EntryItem.lifecycle_code == code
    if code == DEPOSITED:
        at_code = at_code | EntryItem.lifecycle_code.does_not_exist()
    documents: Condition = EntryItem.entry_type != EntryType.PAYMENT.value
    both: Condition = at_code & documents
    return both


def _all_of(*conditions: Condition | None) -> Condition | None:
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    combined = present[0]
    for condition in present[1:]:
        combined = combined & condition
    return combined


def item_from_entry(entry: LedgerEntry, document_key: str | None) -> EntryItem:
    is_open = entry.status in _OPEN_STATUSES and entry.balance.cents != 0
    return EntryItem(
        keys.account_pk(entry.agency_id, entry.creditor),
        keys.document_sk(entry.number),
        by_date=keys.by_date_sk(entry.issued_on, entry.number),
        open_sk=keys.open_item_sk(entry.due_on or entry.issued_on, entry.number) if is_open else None,
        entry_id=entry.entry_id,
        agency_id=entry.agency_id,
        creditor=entry.creditor.value,
        entry_type=entry.type.value,
        number=entry.number,
        issued_on=entry.issued_on.isoformat(),
        due_on=entry.due_on.isoformat() if entry.due_on else None,
        label=entry.label,
        currency=entry.amount.currency,
        amount_cents=entry.amount.cents,
        balance_cents=entry.balance.cents,
        status=entry.status.value,
        lines=[
            LineMap(
                label=line.label,
                quantity=line.quantity,
                unit_net_cents=line.unit_net_cents,
                vat_rate_basis_points=line.vat_rate_basis_points,
            )
            for line in entry.lines
        ]
        or None,
        settles=list(entry.settles) or None,
        document_key=document_key,
        dispute_id=entry.dispute_id,
        payment_lock=entry.payment_lock,
        lifecycle_code=entry.lifecycle.code if entry.lifecycle else None,
        lifecycle_at=entry.lifecycle.at.isoformat() if entry.lifecycle else None,
    )


def entry_from_raw(raw: dict[str, Any]) -> LedgerEntry:
    """entry_from_item, read straight from the item as DynamoDB returns it, without building a pynamodb
    model: a statement page holds 50 entries, and the models' generic deserialization of them cost more
    than the Query itself (make bench: a page through the gateway at 3x the bare Query, over its 2x)."""

    def text(name: str) -> str | None:
        value = raw.get(name)
        return str(value["S"]) if value and "S" in value else None

    def number(name: str) -> int | None:
        value = raw.get(name)
        return int(value["N"]) if value and "N" in value else None

    currency = str(raw["currency"]["S"])
    due_on = text("due_on")
    lock_until = number("payment_lock_until") or 0
    return LedgerEntry(
        entry_id=str(raw["entry_id"]["S"]),
        agency_id=str(raw["agency_id"]["S"]),
        creditor=Creditor(raw["creditor"]["S"]),
        type=EntryType(raw["entry_type"]["S"]),
        number=str(raw["number"]["S"]),
        issued_on=date.fromisoformat(raw["issued_on"]["S"]),
        due_on=date.fromisoformat(due_on) if due_on else None,
        label=str(raw["label"]["S"]),
        amount=Money(int(raw["amount_cents"]["N"]), currency),
        balance=Money(int(raw["balance_cents"]["N"]), currency),
        status=EntryStatus(raw["status"]["S"]),
        lines=tuple(
            DocumentLine(
                label=str(line["M"]["label"]["S"]),
                quantity=int(line["M"]["quantity"]["N"]),
                unit_net_cents=int(line["M"]["unit_net_cents"]["N"]),
                vat_rate_basis_points=int(line["M"]["vat_rate_basis_points"]["N"]),
            )
            for line in raw.get("lines", {}).get("L", ())
        ),
        settles=tuple(str(number["S"]) for number in raw.get("settles", {}).get("L", ())),
        dispute_id=text("dispute_id"),
        payment_lock=text("payment_lock") if lock_until > time.time() else None,
        lifecycle=_lifecycle(number("lifecycle_code"), text("lifecycle_at")),
    )


def entry_from_item(item: EntryItem) -> LedgerEntry:
    """The entry of a model read through pynamodb: the one mapping, entry_from_raw, of its serialized form."""
    return entry_from_raw(item.serialize())


def _lifecycle(code: int | None, at: str | None) -> LifecycleStatus | None:
    if code is None or at is None or not is_known(code):
        return None
    return LifecycleStatus(code, datetime.fromisoformat(at))


MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
REPLACE_ATTEMPTS = 3


class EntryWriter:
    """The ERP feed's writes: documents upserted by version, payments applied to invoices atomically."""

    def upsert_document(self, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome:
        """Inserts a new invoice or credit note; replaces an older version, keeping what was paid of it."""
        item = item_from_entry(entry, document_key)
        item.erp_version = version
        try:
            item.save(condition=EntryItem.sk.does_not_exist())
            return UpsertOutcome.INSERTED
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
        # A status message (or another writer) may change the entry between the read and the write: the
        # write is conditioned on what was read, and read again then, a few times, before giving up.
        for _ in range(REPLACE_ATTEMPTS - 1):
            try:
                return self._replace(item, entry, version, document_key)
            except ConcurrentChange:
                continue
        return self._replace(item, entry, version, document_key)

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
        """Inserts up to 100 new documents (entry, version, document key) in one transaction, each on the
        condition that its number is new: all go in, or none does and False says so (a number already
        known, or twice in the list); the caller then takes them one by one with upsert_document."""
        if not 0 < len(documents) <= MAX_TRANSACTION_ITEMS:
            raise ValueError(f"1 to {MAX_TRANSACTION_ITEMS} documents per transaction")
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                for entry, version, document_key in documents:
                    item = item_from_entry(entry, document_key)
                    item.erp_version = version
                    transaction.save(item, condition=EntryItem.sk.does_not_exist())
        except TransactWriteError as error:
            # Cancelled (a number known, a concurrent write) or refused (a number twice in the list).
            if error.cause_response_code in ("TransactionCanceledException", "ValidationException"):
                return False
            raise
        return True

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
