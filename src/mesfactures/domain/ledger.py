"""Ledger entries: what a creditor billed an agency (invoices), credited it (credit notes), and received."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.lifecycle import LifecycleStatus, deposited
from mesfactures.domain.money import Money


def _numbers(*prefixes: str) -> re.Pattern[str]:
    return re.compile(rf"^({'|'.join(prefixes)})-[0-9]{{4}}-[0-9]{{6}}$")


# The one form of a document number (FA-2026-000123): invoices FA, credit notes AV; payments received RG
# come in the ERP's feed only. The HTTP contract, the import and the use cases all read these.
DOCUMENT_NUMBER = _numbers("FA", "AV")
ENTRY_NUMBER = _numbers("FA", "AV", "RG")


def is_document_number(value: object) -> bool:
    """An invoice's or a credit note's number as the creditors' ERP writes it (FA-2026-000123, AV-…)."""
    return isinstance(value, str) and DOCUMENT_NUMBER.fullmatch(value) is not None


class EntryType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {EntryType.INVOICE: "Facture", EntryType.CREDIT_NOTE: "Avoir", EntryType.PAYMENT: "Règlement"}


class EntryStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    APPLIED = "applied"
    RECEIVED = "received"


_STATUS_LABELS = {
    EntryStatus.OPEN: "À régler",
    EntryStatus.PARTIALLY_PAID: "Partiellement réglée",
    EntryStatus.PAID: "Réglée",
    EntryStatus.APPLIED: "Imputé",
    EntryStatus.RECEIVED: "Reçu",
}


def invoice_status(amount_cents: int, balance_cents: int) -> EntryStatus:
    """An invoice's status follows from what remains due of it."""
    if balance_cents == 0:
        return EntryStatus.PAID
    return EntryStatus.OPEN if balance_cents == amount_cents else EntryStatus.PARTIALLY_PAID


class UpsertOutcome(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class DocumentLine:
    label: str
    quantity: int
    unit_net_cents: int
    vat_rate_basis_points: int

    @property
    def net_cents(self) -> int:
        return self.quantity * self.unit_net_cents


@dataclass(frozen=True)
class LedgerEntry:
    """One line of an agency's account with a creditor.

    Amounts are signed from the agency's point of view: an invoice is positive (owed), a credit note or
    a payment negative. `balance` is what is still open of it: due for an invoice, unused for a credit.
    """

    entry_id: str
    agency_id: str
    creditor: Creditor
    type: EntryType
    number: str
    issued_on: date
    due_on: date | None
    label: str
    amount: Money
    balance: Money
    status: EntryStatus
    lines: tuple[DocumentLine, ...] = field(default=())
    settles: tuple[str, ...] = field(default=())
    dispute_id: str | None = None
    payment_lock: str | None = None
    lifecycle: LifecycleStatus | None = None  # None: no status message yet

    @property
    def has_document(self) -> bool:
        return self.type is not EntryType.PAYMENT

    @property
    def status_label(self) -> str:
        """The status in the statement's words (the site and the CSV): a credit still open is available."""
        if self.type is EntryType.CREDIT_NOTE and self.status is EntryStatus.OPEN:
            return "Disponible"
        return _STATUS_LABELS[self.status]

    @property
    def lifecycle_status(self) -> LifecycleStatus | None:
        """The current lifecycle status of an invoice or credit note ("Déposée" until a message comes);
        a payment has none."""
        if self.type is EntryType.PAYMENT:
            return None
        return self.lifecycle or deposited(self.issued_on)

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.balance.cents > 0 and self.due_on < today


@dataclass(frozen=True)
class DocumentOnFile:
    """An invoice or credit note with where its PDF is kept (`key`) and the files the store is known to
    hold for it (`stored`: keys; empty until its first opening found or drew them)."""

    entry: LedgerEntry
    key: str
    stored: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    creditors: tuple[Creditor, ...]
