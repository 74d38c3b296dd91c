"""Card payments of open invoices: one Stripe Checkout session per basket, settled by Stripe's webhook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.money import Money


class PaymentStatus(StrEnum):
    PENDING = "pending"  # the invoices are locked while the checkout session is open
    SETTLED = "settled"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class PaidInvoice:
    number: str
    amount: Money  # what was still due when the basket was paid: the whole balance


@dataclass(frozen=True)
class Payment:
    payment_id: str
    agency_id: str
    creditor: Creditor
    payer: str
    invoices: tuple[PaidInvoice, ...]
    status: PaymentStatus
    created_at: datetime
    checkout_session_id: str | None = None
    checkout_url: str | None = None
    settled_at: datetime | None = None

    @property
    def amount(self) -> Money:
        return Money(sum(invoice.amount.cents for invoice in self.invoices))

    @property
    def receipt_number(self) -> str:
        return f"CB-{self.created_at.year}-{self.payment_id[-8:]}"


@dataclass(frozen=True)
class CheckoutEvent:
    """What the webhook needs of a Stripe event about a checkout session, once its signature is verified."""

    event_id: str
    type: str
    session_id: str
    payment_status: str
    payment_id: str | None
    agency_id: str | None
    creditor: str | None
