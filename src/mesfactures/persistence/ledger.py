"""Ledger entries (invoices, credit notes, payments) in the ledger table."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, QueryError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import BusinessRuleViolation, ConcurrentChange, InvalidInput, NotFound
from mesfactures.domain.ledger import (
    DocumentLine,
    EntryStatus,
    EntryType,
    LedgerEntry,
    UpsertOutcome,
    invoice_status,
)
from mesfactures.domain.lifecycle import DEPOSITED, LifecycleStatus, is_known
from mesfactures.domain.money import Money
from mesfactures.persistence import keys
from mesfactures.persistence.cursors import decode_cursor, encode_cursor
from mesfactures.persistence.models import EntryItem, LedgerItem, LineMap, ProfileItem
from mesfactures.persistence.transactions import shared_connection
from mesfactures.statement.statement import EntryPage, Scope, StatementQuery

_OPEN_STATUSES = {EntryStatus.OPEN, EntryStatus.PARTIALLY_PAID}


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

    def document(self, agency_id: str, creditor: Creditor, number: str) -> tuple[LedgerEntry, str]:
        """A document (invoice or credit note) with the key of its PDF, within the agency's own account."""
        try:
            item = EntryItem.get(keys.account_pk(agency_id, creditor), keys.document_sk(number))
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        if not item.document_key:
            raise NotFound("Document introuvable.")
        return entry_from_item(item), item.document_key

    def document_key(self, agency_id: str, creditor: Creditor, number: str) -> str:
        try:
            item = EntryItem.get(
                keys.account_pk(agency_id, creditor),
                keys.document_sk(number),
                attributes_to_get=["document_key"],
            )
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        if not item.document_key:
            raise NotFound("Document introuvable.")
        return item.document_key

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
    return LedgerEntry(
        entry_id=item.entry_id,
        agency_id=item.agency_id,
        creditor=Creditor(item.creditor),
        type=EntryType(item.entry_type),
        number=item.number,
        issued_on=date.fromisoformat(item.issued_on),
        due_on=date.fromisoformat(item.due_on) if item.due_on else None,
        label=item.label,
        amount=Money(int(item.amount_cents), item.currency),
        balance=Money(int(item.balance_cents), item.currency),
        status=EntryStatus(item.status),
        lines=tuple(
            DocumentLine(
                label=line.label,
                quantity=int(line.quantity),
                unit_net_cents=int(line.unit_net_cents),
                vat_rate_basis_points=int(line.vat_rate_basis_points),
            )
            for line in item.lines or ()
        ),
        settles=tuple(str(number) for number in item.settles or ()),
        dispute_id=item.dispute_id,
        payment_lock=item.payment_lock if (item.payment_lock_until or 0) > time.time() else None,
        lifecycle=_lifecycle(
            int(item.lifecycle_code) if item.lifecycle_code is not None else None, item.lifecycle_at
        ),
    )


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
        if existing.entry_type != entry.type.value:
            raise BusinessRuleViolation(f"le numéro {entry.number} désigne déjà une pièce d'un autre type")
        if int(existing.erp_version or 1) >= version:
            return UpsertOutcome.UNCHANGED
        if existing.payment_lock and (existing.payment_lock_until or 0) > time.time():
            raise BusinessRuleViolation(
                f"{entry.number} est en cours de paiement par carte : renvoyez la nouvelle version plus tard"
            )
        balance = int(existing.balance_cents) + entry.amount.cents - int(existing.amount_cents)
        if (balance < 0) if entry.type is EntryType.INVOICE else (balance > 0):
            raise BusinessRuleViolation(
                f"la nouvelle version de {entry.number} est inférieure à ce qui est réglé"
            )
        kept = replace(_with_balance(entry, balance), dispute_id=existing.dispute_id)
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
        """Each named invoice, in order, takes what it still owes until the payment is spent."""
        remaining = -payment.amount.cents
        updates = []
        for number in payment.settles:
            if remaining == 0:
                break
            invoice = self._invoice(pk, number)
            take = min(remaining, int(invoice.balance_cents))
            if take <= 0:
                raise BusinessRuleViolation(f"la facture {invoice.number} est déjà réglée")
            remaining -= take
            updates.append((invoice, int(invoice.balance_cents) - take))
        if remaining > 0:
            raise BusinessRuleViolation("le règlement dépasse le reste dû des factures qu'il désigne")
        return updates

    def _exists(self, pk: str, sk: str) -> bool:
        try:
            EntryItem.get(pk, sk, consistent_read=True, attributes_to_get=["PK"])
        except DoesNotExist:
            return False
        return True

    def _invoice(self, pk: str, number: str) -> EntryItem:
        try:
            item = EntryItem.get(pk, keys.document_sk(number), consistent_read=True)
        except DoesNotExist:
            raise BusinessRuleViolation(f"la facture {number} est inconnue sur ce compte") from None
        if item.entry_type != EntryType.INVOICE.value:
            raise BusinessRuleViolation(f"{number} n'est pas une facture")
        if item.payment_lock and (item.payment_lock_until or 0) > time.time():
            # A card payment of this invoice is under way: applying this one too could take its money
            # twice. The ERP sends the row again later (the report says so); the card payment settles first.
            raise BusinessRuleViolation(
                f"la facture {number} est en cours de paiement par carte : renvoyez la ligne plus tard"
            )
        return item


def _with_balance(entry: LedgerEntry, balance: int) -> LedgerEntry:
    status = invoice_status(entry.amount.cents, balance) if entry.type is EntryType.INVOICE else entry.status
    if entry.type is EntryType.CREDIT_NOTE and balance == 0:
        status = EntryStatus.APPLIED
    return replace(entry, balance=Money(balance, entry.amount.currency), status=status)
