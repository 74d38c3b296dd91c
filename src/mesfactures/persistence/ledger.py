"""Ledger entries (invoices, credit notes, payments): their item in the ledger table and the one mapping
between the two, shared by every aggregate that changes an entry (payments, disputes, lifecycle, imports)."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.expressions.condition import Condition

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.lifecycle import LifecycleStatus, is_known
from mesfactures.domain.money import Money
from mesfactures.persistence import keys
from mesfactures.persistence.table import LedgerItem


class LineMap(MapAttribute[str, Any]):
    label = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_net_cents = NumberAttribute()
    vat_rate_basis_points = NumberAttribute()


class EntryItem(LedgerItem, discriminator="entry"):
    entry_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    entry_type = UnicodeAttribute()
    number = UnicodeAttribute()
    issued_on = UnicodeAttribute()
    due_on = UnicodeAttribute(null=True)
    label = UnicodeAttribute()
    currency = UnicodeAttribute()
    amount_cents = NumberAttribute()
    balance_cents = NumberAttribute()
    status = UnicodeAttribute()
    lines = ListAttribute(of=LineMap, null=True)
    settles = ListAttribute(of=UnicodeAttribute, null=True)
    document_key = UnicodeAttribute(null=True)
    # The document store's keys known to hold this document's files (its PDF, its XML alone): written at
    # its first opening, so that later openings sign a URL without asking the store. A new version of
    # the document replaces the item, and the set with it.
    stored_files = UnicodeSetAttribute(null=True)
    erp_version = NumberAttribute(default=1)
    dispute_id = UnicodeAttribute(null=True)
    payment_lock = UnicodeAttribute(null=True)
    payment_lock_until = NumberAttribute(null=True)
    # The current lifecycle status (absent: "Déposée" on the date of issue) and the stamp of the message
    # that set it (date then id): a message is applied only if its stamp is later (a condition).
    lifecycle_code = NumberAttribute(null=True)
    lifecycle_at = UnicodeAttribute(null=True)
    lifecycle_stamp = UnicodeAttribute(null=True)


_OPEN_STATUSES = {EntryStatus.OPEN, EntryStatus.PARTIALLY_PAID}


def unlocked(now: int) -> Condition:
    """No checkout session holds the invoice (or the one that did has expired)."""
    free: Condition = EntryItem.payment_lock.does_not_exist() | (EntryItem.payment_lock_until < now)
    return free


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
