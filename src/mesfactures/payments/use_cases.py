"""Règlement: pay open invoices by card. The amounts come from the ledger, never from the browser; the
invoices are locked while the checkout session is open; Stripe's webhook settles or releases them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from mesfactures.documents.formatting import format_date, format_eur
from mesfactures.domain.context import Context
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import (
    BusinessRuleViolation,
    InvalidInput,
    InvoiceAlreadyPaid,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
)
from mesfactures.domain.ids import new_id
from mesfactures.domain.ledger import Agency, EntryType, LedgerEntry, is_document_number
from mesfactures.domain.payments import CheckoutEvent, CheckoutSession, PaidInvoice, Payment, PaymentStatus
from mesfactures.domain.principal import AgencyUser
from mesfactures.domain.team import Action, Activity, activity_of
from mesfactures.notifications.messages import InvoiceLine, MailMessage, PaymentReceipt
from mesfactures.observability import logger

MAX_INVOICES = 20
LOCK_MINUTES = 35  # the Checkout session is created to expire after 30 minutes; the lock outlives it
DELAYED_METHOD_DAYS = 5  # a delayed method (SEPA debit, say) reports its outcome within days
_log = logger("mesfactures.payments")


class Entries(Protocol):
    def entries_by_number(
        self, agency_id: str, creditor: Creditor, numbers: list[str]
    ) -> dict[str, LedgerEntry]: ...


class Payments(Protocol):
    def payment(self, agency_id: str, creditor: Creditor, payment_id: str) -> Payment: ...

    def lock(self, payment: Payment, until: datetime, activity: Activity | None = None) -> None: ...

    def attach_session(self, payment: Payment, session_id: str, url: str) -> None: ...

    def release(
        self, payment: Payment, status: PaymentStatus, event_id: str | None, now: datetime
    ) -> bool: ...

    def settle(self, payment: Payment, event_id: str, receipt: MailMessage, now: datetime) -> bool: ...

    def seen(self, event_id: str, now: datetime) -> bool: ...

    def by_intent(self, payment_intent: str) -> Payment | None: ...

    def extend_lock(self, payment: Payment, until: datetime) -> None: ...

    def refund(
        self, payment: Payment, documents: dict[str, LedgerEntry], event_id: str, now: datetime
    ) -> bool: ...


class Gateway(Protocol):
    def create_session(self, payment: Payment, success_url: str, cancel_url: str) -> CheckoutSession: ...


class EventSource(Protocol):
    def event(self, payload: bytes, signature: str | None) -> CheckoutEvent:
        """The event, if and only if its signature checks out; InvalidInput otherwise."""
        ...


class Agencies(Protocol):
    def agency(self, agency_id: str) -> Agency: ...


def parse_basket(body: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Only document numbers are read from the browser (invoices, and credit notes to offset): any amount
    it sends is ignored."""
    numbers = body.get("invoice_numbers")
    credits = body.get("credit_note_numbers") or []
    if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
        raise InvalidInput("Sélectionnez au moins une facture à régler.")
    if not isinstance(credits, list) or not all(isinstance(n, str) for n in credits):
        raise InvalidInput("Les avoirs à déduire sont une liste de numéros.")
    if not all(is_document_number(number) for number in (*numbers, *credits)):
        raise InvalidInput("Un numéro de pièce ressemble à FA-2026-000123 ou AV-2026-000045.")
    if len(numbers) + len(credits) > MAX_INVOICES or len(set(numbers) | set(credits)) != len(numbers) + len(
        credits
    ):
        raise InvalidInput(f"Un règlement porte sur 1 à {MAX_INVOICES} pièces différentes.")
    return tuple(numbers), tuple(credits)


def _usable_credit(number: str, entry: LedgerEntry | None) -> PaidInvoice:
    if entry is None or entry.type is not EntryType.CREDIT_NOTE:
        raise NotFound(f"Avoir {number} introuvable.")
    if entry.balance.cents >= 0:
        raise InvoiceAlreadyPaid(f"L'avoir {number} est déjà imputé.")
    if entry.payment_lock:
        raise PaymentInProgress(f"L'avoir {number} est déjà utilisé par un paiement en cours.")
    return PaidInvoice(number, -entry.balance)


def _payable(number: str, entry: LedgerEntry | None) -> PaidInvoice:
    if entry is None or entry.type is not EntryType.INVOICE:
        raise NotFound(f"Facture {number} introuvable.")
    if entry.balance.cents <= 0:
        raise InvoiceAlreadyPaid(f"La facture {number} est déjà réglée.")
    if entry.dispute_id:
        raise InvoiceInDispute(
            f"La facture {number} est en litige : elle ne peut pas être réglée avant sa résolution."
        )
    if entry.payment_lock:
        raise PaymentInProgress(f"Un paiement de la facture {number} est déjà en cours.")
    return PaidInvoice(number, entry.balance)


def start_checkout(
    user: AgencyUser,
    *,
    creditor: Creditor,
    basket: tuple[tuple[str, ...], tuple[str, ...]],
    entries: Entries,
    payments: Payments,
    gateway: Gateway,
    context: Context,
) -> Payment:
    """Prices the basket from the ledger, locks its documents, and opens Stripe's payment page; `basket`
    is the invoice numbers and the credit-note numbers to offset (parse_basket)."""
    now, site_url = context.now(), context.site_url
    numbers, credit_numbers = basket
    found = entries.entries_by_number(user.agency_id, creditor, [*numbers, *credit_numbers])
    invoices = tuple(_payable(number, found.get(number)) for number in numbers)
    credits = tuple(_usable_credit(number, found.get(number)) for number in credit_numbers)
    payment = Payment(
        new_id(),
        user.agency_id,
        creditor,
        user.email,
        invoices,
        PaymentStatus.PENDING,
        now,
        credits=credits,
        payer_name=user.signature,
    )
    if payment.amount.cents <= 0:
        raise BusinessRuleViolation(
            "Les avoirs choisis couvrent les factures : retirez un avoir, ou écrivez au service recouvrement "
            "pour les imputer."
        )
    documents = tuple(i.number for i in (*invoices, *credits))
    journal = activity_of(
        user, Action.PAYMENT_STARTED, now, creditor, documents, format_eur(payment.amount.cents)
    )
    payments.lock(payment, now + timedelta(minutes=LOCK_MINUTES), journal)
    back = f"{site_url}/#/c/{creditor.value}/reglement/{payment.payment_id}"
    try:
        session = gateway.create_session(payment, back, f"{back}?annule=1")
        payments.attach_session(payment, session.session_id, session.url)
    except Exception:
        payments.release(payment, PaymentStatus.FAILED, None, now)  # nothing stays locked by a failed start
        raise
    return Payment(
        **{**payment.__dict__, "checkout_session_id": session.session_id, "checkout_url": session.url}
    )


def _refund(payments: Payments, entries: Entries, event: CheckoutEvent, now: datetime) -> str:
    """A full refund reopens what the payment settled; a partial one is left to the finance team (which
    part of which invoice it gives back is theirs to say), and only recorded."""
    payment = payments.by_intent(event.payment_intent) if event.payment_intent else None
    if not event.fully_refunded:
        return "recorded" if payments.seen(event.event_id, now) else "duplicate"
    if payment is None:
        # The index that finds it may lag: fail, so that Stripe delivers the refund again.
        raise RuntimeError(f"no payment found yet for refunded intent {event.payment_intent}")
    numbers = [i.number for i in payment.invoices] + [c.number for c in payment.credits]
    documents = entries.entries_by_number(payment.agency_id, payment.creditor, numbers)
    return "reopened" if payments.refund(payment, documents, event.event_id, now) else "unchanged"


def receive_stripe_event(
    payload: bytes,
    signature: str | None,
    *,
    events: EventSource,
    payments: Payments,
    agencies: Agencies,
    entries: Entries,
    context: Context,
) -> tuple[CheckoutEvent, str]:
    """Stripe's webhook: the event is read only once its signature checks out on the raw body; returns it
    with what happened, for the logs."""
    event = events.event(payload, signature)
    outcome = handle_event(event, payments=payments, agencies=agencies, entries=entries, context=context)
    return event, outcome


def payment_of_account(
    user: AgencyUser, *, creditor: Creditor, payment_id: str, payments: Payments
) -> Payment:
    """One of the agency's payments; another agency's is not found."""
    return payments.payment(user.agency_id, creditor, payment_id)


def handle_event(
    event: CheckoutEvent, *, payments: Payments, agencies: Agencies, entries: Entries, context: Context
) -> str:
    """What the webhook does with a verified event; returns what happened, for the logs."""
    now, site_url = context.now(), context.site_url
    if event.type == "charge.refunded":
        return _refund(payments, entries, event, now)
    handled = (
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    )
    if event.type not in handled or not (event.payment_id and event.agency_id and event.creditor):
        return "ignored" if payments.seen(event.event_id, now) else "duplicate"
    try:
        payment = payments.payment(event.agency_id, Creditor(event.creditor), event.payment_id)
    except (NotFound, ValueError):
        return "ignored" if payments.seen(event.event_id, now) else "duplicate"
    if event.type in ("checkout.session.async_payment_failed", "checkout.session.expired"):
        status = PaymentStatus.EXPIRED if event.type.endswith("expired") else PaymentStatus.FAILED
        return "released" if payments.release(payment, status, event.event_id, now) else "unchanged"
    if event.type == "checkout.session.completed" and event.payment_status != "paid":
        payments.extend_lock(payment, now + timedelta(days=DELAYED_METHOD_DAYS))  # a delayed method: wait
        return "awaiting" if payments.seen(event.event_id, now) else "duplicate"
    if event.amount_total is not None and (
        event.amount_total != payment.amount.cents or (event.currency or "").lower() != "eur"
    ):
        _log.error("paid amount differs from the basket", extra={"payment_id": payment.payment_id})
        return _to_review(payments, payment, event, now)
    agency = agencies.agency(payment.agency_id)
    receipt = PaymentReceipt(
        agency_name=agency.name,
        creditor_name=payment.creditor.display_name,
        receipt_number=payment.receipt_number,
        paid_on=format_date(now.date()),
        invoices=[InvoiceLine(i.number, format_eur(i.amount.cents)) for i in payment.invoices]
        + [InvoiceLine(f"Avoir {c.number} déduit", format_eur(-c.amount.cents)) for c in payment.credits],
        total=format_eur(payment.amount.cents),
        link=f"{site_url}/#/c/{payment.creditor.value}/etat-de-compte",
    )
    payment = replace(payment, payment_intent=event.payment_intent)
    if payments.settle(payment, event.event_id, MailMessage(new_id(), (payment.payer,), receipt), now):
        return "settled"
    if (
        payments.payment(payment.agency_id, payment.creditor, payment.payment_id).status
        is PaymentStatus.PENDING
    ):
        # Paid, but the invoices changed under the lock: apply nothing, keep the trace for finance.
        _log.error("payment could not be applied", extra={"payment_id": payment.payment_id})
        return _to_review(payments, payment, event, now)
    return "unchanged"


def _to_review(payments: Payments, payment: Payment, event: CheckoutEvent, now: datetime) -> str:
    """Money Stripe took that the ledger cannot apply as agreed: recorded as such (never lost), for the
    finance team to refund or impute; the invoices are freed."""
    return (
        "needs_review"
        if payments.release(payment, PaymentStatus.NEEDS_REVIEW, event.event_id, now)
        else "unchanged"
    )
