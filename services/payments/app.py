"""Payments service: card payments of open invoices through Stripe Checkout, settled by webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Chalice, Response

from mesfactures import wiring
from mesfactures.coldstart import hold_collector_through_first_event
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.lifecycle import OutboundMessage, label_of
from mesfactures.domain.payments import Payment
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission
from mesfactures.http.edge import Edge
from mesfactures.http.errors import json_response
from mesfactures.observability import logger
from mesfactures.payments.use_cases import (
    cancel_payment,
    parse_basket,
    payment_of_account,
    receive_stripe_event,
    start_checkout,
)

if TYPE_CHECKING:
    from mesfactures.contract import payments as shapes

app = Chalice(app_name="mesfactures-payments")
hold_collector_through_first_event(app)
edge = Edge(app, wiring.authenticator, contract="payments")
log = logger("mesfactures.payments")


def _payment(payment: Payment) -> shapes.Payment:
    now = wiring.context().now()
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
    payment = start_checkout(
        principal,
        creditor=Creditor.parse(creditor),
        basket=parse_basket(edge.json_body()),
        entries=wiring.ledger(),
        payments=wiring.payments(),
        gateway=wiring.payment_gateway(),
        agencies=wiring.accounts(),
        context=wiring.context(),
    )
    return json_response(_payment(payment), status=201)


@app.route("/payments/creditors/{creditor}/payments/{payment_id}", methods=["GET"])
@edge.agency
def payment_status(principal: AgencyUser, creditor: str, payment_id: str) -> shapes.Payment:
    payment = payment_of_account(
        principal, creditor=Creditor.parse(creditor), payment_id=payment_id, payments=wiring.payments()
    )
    return _payment(payment)


@app.route("/payments/creditors/{creditor}/payments/{payment_id}", methods=["DELETE"])
@edge.allowed(Permission.PAY)
def payment_cancellation(principal: AgencyUser, creditor: str, payment_id: str) -> shapes.Payment:
    """ "Annuler ce paiement": 200 with the payment `cancelled`, its invoices free at once; 409 once it
    has an outcome (settled, or paid at Stripe a moment ago)."""
    payment = cancel_payment(
        principal,
        creditor=Creditor.parse(creditor),
        payment_id=payment_id,
        payments=wiring.payments(),
        gateway=wiring.payment_gateway(),
        context=wiring.context(),
    )
    return _payment(payment)


@app.route("/payments/finance/lifecycle-messages", methods=["GET"])
@edge.finance
def finance_lifecycle_messages(principal: FinanceUser) -> shapes.ReportedStatuses:
    """Finance: the lifecycle statuses the portal reported to the creditors' platforms (a card payment's
    "Encaissée", its refund's correction, …), each with its delivery state."""
    from mesfactures.lifecycle.use_cases import outbound_messages

    params = edge.query_params()
    creditor = Creditor.parse(params["creditor"]) if params.get("creditor") else None
    found = outbound_messages(wiring.status_messages(), principal, creditor)
    return {"messages": [_reported(message) for message in found]}


def _reported(message: OutboundMessage) -> shapes.ReportedStatus:
    status = message.status
    return {
        "message_id": status.message_id,
        "creditor": status.creditor.value,
        "agency_id": status.agency_id,
        "number": status.number,
        "code": status.code,
        "label": label_of(status.code),
        "date": status.at.isoformat(),
        "amount_cents": status.amount_cents,
        "currency": status.currency,
        "reason": status.reason,
        "cause": status.cause,
        "delivery": "delivered" if message.delivered else "pending",
        "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None,
        "file": message.file_key,
    }


@app.route("/payments/stripe/webhook", methods=["POST"], content_types=["application/json"])
@edge.public
def stripe_webhook() -> dict[str, str]:
    """Stripe's events: the signature is checked on the raw body before anything is read from it."""
    request = app.current_request
    assert request is not None  # noqa: S101 (Chalice sets it for every route)
    raw = request.raw_body
    payload = raw if isinstance(raw, bytes) else raw.encode()
    event, outcome = receive_stripe_event(
        payload,
        request.headers.get("stripe-signature"),
        events=wiring.payment_gateway(),
        payments=wiring.payments(),
        agencies=wiring.accounts(),
        entries=wiring.ledger(),
        context=wiring.context(),
    )
    log.info("stripe event", extra={"event_id": event.event_id, "type": event.type, "outcome": outcome})
    return {"received": outcome}
