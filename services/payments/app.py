"""Payments service: card payments of open invoices through Stripe Checkout, settled by webhook."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Chalice, Response

from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.payments import Payment
from mesfactures.domain.principal import AgencyUser, Permission
from mesfactures.http.edge import Edge
from mesfactures.http.errors import json_response
from mesfactures.observability import logger
from mesfactures.payments.use_cases import (
    PaymentPorts,
    cancel_payment,
    handle_event,
    parse_basket,
    payment_of,
    start_checkout,
)

app = Chalice(app_name="mesfactures-payments")
edge = Edge(app, wiring.authenticator)
log = logger("mesfactures.payments")


def _payment(payment: Payment, now: datetime) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "status": payment.status.value,
        "amount_cents": payment.amount.cents,
        "currency": payment.amount.currency,
        "invoices": [{"number": i.number, "amount_cents": i.amount.cents} for i in payment.invoices],
        "credit_notes": [{"number": c.number, "amount_cents": c.amount.cents} for c in payment.credits],
        "credit_applied_cents": payment.credit_applied.cents,
        "paid_by_credit": payment.paid_by_credit_alone,
        "checkout_url": payment.checkout_url if payment.resumable(now) else None,
        "created_at": payment.created_at.isoformat(),
        "settled_at": payment.settled_at.isoformat() if payment.settled_at else None,
        "receipt_number": payment.imputation_number
        if payment.paid_by_credit_alone
        else payment.receipt_number,
        "payer": payment.payer_name or payment.payer,
    }


@app.route("/payments/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "payments"}


@app.route("/payments/creditors/{creditor}/checkout", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.PAY)
def checkout(principal: AgencyUser, creditor: str) -> Response:
    now = datetime.now(UTC)
    payment = start_checkout(
        PaymentPorts(wiring.ledger(), wiring.payments(), wiring.payment_gateway(), wiring.accounts()),
        principal,
        Creditor.parse(creditor),
        parse_basket(edge.json_body()),
        now,
        wiring.settings().site_url,
    )
    return json_response(_payment(payment, now), status=201)


@app.route("/payments/creditors/{creditor}/payments/{payment_id}", methods=["GET"])
@edge.agency
def payment_status(principal: AgencyUser, creditor: str, payment_id: str) -> dict[str, Any]:
    payment = payment_of(wiring.payments(), principal, Creditor.parse(creditor), payment_id)
    return _payment(payment, datetime.now(UTC))


@app.route("/payments/creditors/{creditor}/payments/{payment_id}", methods=["DELETE"])
@edge.allowed(Permission.PAY)
def payment_cancellation(principal: AgencyUser, creditor: str, payment_id: str) -> dict[str, Any]:
    """ "Annuler ce paiement": 200 with the payment `cancelled`, its invoices free at once; 409 once it
    has an outcome (settled, or paid at Stripe a moment ago)."""
    now = datetime.now(UTC)
    payment = cancel_payment(
        wiring.payments(), wiring.payment_gateway(), principal, Creditor.parse(creditor), payment_id, now
    )
    return _payment(payment, now)


@app.route("/payments/stripe/webhook", methods=["POST"], content_types=["application/json"])
@edge.public
def stripe_webhook() -> dict[str, str]:
    """Stripe's events: the signature is checked on the raw body before anything is read from it."""
    request = app.current_request
    assert request is not None  # noqa: S101 (Chalice sets it for every route)
    raw = request.raw_body
    payload = raw if isinstance(raw, bytes) else raw.encode()
    event = wiring.payment_gateway().event(payload, request.headers.get("stripe-signature"))
    outcome = handle_event(
        wiring.payments(),
        wiring.accounts(),
        wiring.ledger(),
        event,
        datetime.now(UTC),
        wiring.settings().site_url,
    )
    log.info("stripe event", extra={"event_id": event.event_id, "type": event.type, "outcome": outcome})
    return {"received": outcome}
