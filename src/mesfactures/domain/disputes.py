"""Disputes: an agency contests invoices; the creditor's finance team handles the dispute to its end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import BusinessRuleViolation
from mesfactures.domain.money import Money


class DisputeReason(StrEnum):
    WRONG_AMOUNT = "wrong_amount"
    NOT_DELIVERED = "not_delivered"
    DUPLICATE_INVOICE = "duplicate_invoice"
    ALREADY_PAID = "already_paid"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    DisputeReason.WRONG_AMOUNT: "Montant erroné",
    DisputeReason.NOT_DELIVERED: "Prestation non réalisée",
    DisputeReason.DUPLICATE_INVOICE: "Facture en double",
    DisputeReason.ALREADY_PAID: "Facture déjà réglée",
    DisputeReason.OTHER: "Autre motif",
}


class DisputeStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED_ACCEPTED = "resolved_accepted"
    RESOLVED_REJECTED = "resolved_rejected"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The status as the agency reads it."""
        return _STATUS_LABELS[self]

    @property
    def finance_label(self) -> str:
        """The status as the finance team reads it: "waiting for your answer" is the agency's view only."""
        return _FINANCE_STATUS_LABELS.get(self, _STATUS_LABELS[self])

    @property
    def is_active(self) -> bool:
        """While a dispute is active its invoices stay blocked: no payment, no second dispute."""
        return self in (DisputeStatus.OPEN, DisputeStatus.IN_REVIEW, DisputeStatus.WAITING_CUSTOMER)


_STATUS_LABELS = {
    DisputeStatus.OPEN: "Ouvert",
    DisputeStatus.IN_REVIEW: "En cours d'examen",
    DisputeStatus.WAITING_CUSTOMER: "En attente de votre réponse",
    DisputeStatus.RESOLVED_ACCEPTED: "Résolu — accepté",
    DisputeStatus.RESOLVED_REJECTED: "Résolu — refusé",
    DisputeStatus.CLOSED: "Clos",
}
_FINANCE_STATUS_LABELS = {DisputeStatus.WAITING_CUSTOMER: "En attente de l'agence"}

_RESOLUTIONS = {DisputeStatus.RESOLVED_ACCEPTED, DisputeStatus.RESOLVED_REJECTED}
NEXT_STATUSES: dict[DisputeStatus, frozenset[DisputeStatus]] = {
    DisputeStatus.OPEN: frozenset({DisputeStatus.IN_REVIEW, DisputeStatus.WAITING_CUSTOMER, *_RESOLUTIONS}),
    DisputeStatus.IN_REVIEW: frozenset({DisputeStatus.WAITING_CUSTOMER, *_RESOLUTIONS}),
    DisputeStatus.WAITING_CUSTOMER: frozenset({DisputeStatus.IN_REVIEW, *_RESOLUTIONS}),
    DisputeStatus.RESOLVED_ACCEPTED: frozenset({DisputeStatus.CLOSED}),
    DisputeStatus.RESOLVED_REJECTED: frozenset({DisputeStatus.CLOSED}),
    DisputeStatus.CLOSED: frozenset(),
}


def check_transition(current: DisputeStatus, target: DisputeStatus) -> None:
    if target not in NEXT_STATUSES[current]:
        raise BusinessRuleViolation(f"Un litige « {current.label} » ne peut pas passer à « {target.label} ».")


class EventKind(StrEnum):
    OPENED = "opened"
    COMMENT = "comment"
    STATUS_CHANGED = "status_changed"


@dataclass(frozen=True)
class DisputedInvoice:
    number: str
    disputed: Money
    balance: Money


@dataclass(frozen=True)
class Attachment:
    attachment_id: str
    filename: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class Dispute:
    dispute_id: str
    agency_id: str
    creditor: Creditor
    reason: DisputeReason
    status: DisputeStatus
    invoices: tuple[DisputedInvoice, ...]
    opened_at: datetime
    updated_at: datetime
    opened_by: str
    attachments: tuple[Attachment, ...] = ()
    # The agency's name when the dispute was opened, kept on the dispute so that the finance team's list
    # names agencies without one read per dispute; empty on disputes opened before it was kept.
    agency_name: str = ""

    @property
    def reference(self) -> str:
        return f"LIT-{self.dispute_id[-8:]}"

    @property
    def total(self) -> Money:
        return sum((invoice.disputed for invoice in self.invoices[1:]), self.invoices[0].disputed)


@dataclass(frozen=True)
class DisputeEvent:
    event_id: str
    kind: EventKind
    at: datetime
    author: str
    author_role: str
    comment: str
    from_status: DisputeStatus | None = None
    to_status: DisputeStatus | None = None


@dataclass(frozen=True)
class DisputeDetail:
    dispute: Dispute
    events: tuple[DisputeEvent, ...]


def payment_under_way(number: str) -> str:
    """Why an invoice being paid by card cannot be disputed (not "already in dispute": it is not)."""
    return (
        f"Un paiement par carte de la facture {number} est en cours : elle ne peut pas être contestée "
        "tant qu'il n'est pas terminé. Reprenez-le ou annulez-le depuis « Règlement »."
    )
