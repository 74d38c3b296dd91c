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
    REFUNDED = "refunded"
    # Stripe took money the ledger could not apply as agreed (a lock lost, an amount that differs):
    # nothing is applied, the finance team reviews it (refund or manual imputation).
    NEEDS_REVIEW = "needs_review"


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
    credits: tuple[PaidInvoice, ...] = ()  # credit notes offset against the invoices (amounts positive)
    payment_intent: str | None = None
    payer_name: str = ""  # who started it (name and e-mail); `payer` is where the receipt goes

    @property
    def amount(self) -> Money:
        """What the card pays: the invoices' balances less the credit notes offset against them."""
        owed = sum(invoice.amount.cents for invoice in self.invoices)
        return Money(owed - sum(credit.amount.cents for credit in self.credits))

    def card_lines(self) -> list[tuple[str, int]]:
        """One line per invoice, each reduced by the credit it absorbs (oldest credit first): Checkout
        takes no negative line. Invoices fully covered by credit are left out of the card lines."""
        credit = sum(c.amount.cents for c in self.credits)
        lines = []
        for invoice in self.invoices:
            used = min(credit, invoice.amount.cents)
            credit -= used
            if invoice.amount.cents - used > 0:
                label = f"Facture {invoice.number}" + (" (avoir déduit)" if used else "")
                lines.append((label, invoice.amount.cents - used))
        return lines

    @property
    def receipt_number(self) -> str:
        return f"CB-{self.created_at.year}-{self.payment_id[-8:]}"

    @property
    def refund_number(self) -> str:
        return f"RB-{self.created_at.year}-{self.payment_id[-8:]}"


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
    payment_intent: str | None = None
    payer_name: str = ""  # who started it (name and e-mail); `payer` is where the receipt goes
    fully_refunded: bool = False
    amount_total: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class CheckoutSession:
    """The card-payment page opened for a basket, as the payment gateway answers (no SDK type)."""

    session_id: str
    url: str
