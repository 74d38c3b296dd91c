"""Card payments of open invoices: one Stripe Checkout session per basket, settled by Stripe's webhook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.money import Money


class PaymentStatus(StrEnum):
    PENDING = "pending"  # the invoices are locked while the checkout session is open
    SETTLED = "settled"
    CANCELLED = "cancelled"  # by the agency, from the portal: the session expired at Stripe, invoices freed
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    # Stripe took money the ledger could not apply as agreed (a lock lost, an amount that differs):
    # nothing is applied, the finance team reviews it (refund or manual imputation).
    NEEDS_REVIEW = "needs_review"


SESSION_MINUTES = (
    30  # a Checkout session lives 30 minutes (Stripe's minimum); the invoices' lock a little more
)


@dataclass(frozen=True)
class PaidInvoice:
    number: str
    # An invoice: what was still due when the basket was paid (its whole balance). A credit note: the part
    # of it the basket uses (what the invoices need, at most its remaining balance).
    amount: Money


def credits_applied(owed_cents: int, available: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """How much of each credit note (number, cents still available, in the basket's order) a basket owing
    `owed_cents` uses: each in turn gives what is still owed, at most what it has; the rest of a credit note
    stays available for later, and a credit note the basket no longer needs is left out."""
    applied = []
    for number, cents in available:
        used = min(cents, owed_cents)
        if used <= 0:
            continue
        applied.append((number, used))
        owed_cents -= used
    return tuple(applied)


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

    def resumable(self, now: datetime) -> bool:
        """Whether the agency can go back to the same Checkout page: pending, and its session still open."""
        return (
            self.status is PaymentStatus.PENDING
            and self.checkout_url is not None
            and now < self.created_at + timedelta(minutes=SESSION_MINUTES)
        )

    @property
    def credit_applied(self) -> Money:
        return Money(sum(credit.amount.cents for credit in self.credits))

    @property
    def paid_by_credit_alone(self) -> bool:
        """The credit notes cover the whole basket: settled at once, without a card."""
        return self.amount.cents == 0

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

    @property
    def imputation_number(self) -> str:
        """The ledger entry of a basket settled by credit notes alone (no money moved)."""
        return f"IA-{self.created_at.year}-{self.payment_id[-8:]}"


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
