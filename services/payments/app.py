"""Payments service: card payments of open invoices through Stripe Checkout, settled by webhook."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Chalice, Response

from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.lifecycle import OutboundMessage, label_of
from mesfactures.domain.payments import Payment
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission
from mesfactures.http.edge import Edge
from mesfactures.http.errors import json_response
from mesfactures.observability import logger
from mesfactures.payments.use_cases import handle_event, parse_basket, start_checkout

app = Chalice(app_name="mesfactures-payments")
edge = Edge(app, wiring.authenticator)
log = logger("mesfactures.payments")


def _payment(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "status": payment.status.value,
        "amount_cents": payment.amount.cents,
        "currency": payment.amount.currency,
        "invoices": [{"number": i.number, "amount_cents": i.amount.cents} for i in payment.invoices],
        "credit_notes": [{"number": c.number, "amount_cents": c.amount.cents} for c in payment.credits],
        "checkout_url": payment.checkout_url,
        "created_at": payment.created_at.isoformat(),
        "settled_at": payment.settled_at.isoformat() if payment.settled_at else None,
        "receipt_number": payment.receipt_number,
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
        wiring.ledger(),
        wiring.payments(),
        wiring.payment_gateway(),
        principal,
        Creditor.parse(creditor),
        parse_basket(edge.json_body()),
        datetime.now(UTC),
        wiring.settings().site_url,
    )
    return json_response(_payment(payment), status=201)


@app.route("/payments/creditors/{creditor}/payments/{payment_id}", methods=["GET"])
@edge.agency
def payment_status(principal: AgencyUser, creditor: str, payment_id: str) -> dict[str, Any]:
    return _payment(wiring.payments().payment(principal.agency_id, Creditor.parse(creditor), payment_id))


@app.route("/payments/finance/lifecycle-messages", methods=["GET"])
@edge.finance
def finance_lifecycle_messages(principal: FinanceUser) -> dict[str, Any]:
    """Finance: the lifecycle statuses the portal reported to the creditors' platforms (a card payment's
    "Encaissée", its refund's correction, …), each with its delivery state."""
    from mesfactures.lifecycle.use_cases import outbound_messages

    params = edge.query_params()
    creditor = Creditor.parse(params["creditor"]) if params.get("creditor") else None
    found = outbound_messages(wiring.status_messages(), principal, creditor)
    return {"messages": [_reported(message) for message in found]}


def _reported(message: OutboundMessage) -> dict[str, Any]:
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
