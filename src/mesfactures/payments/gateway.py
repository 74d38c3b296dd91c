"""The payment gateway over Stripe's official SDK: Checkout sessions (with an idempotency key per basket
attempt and network retries) and webhook events (signature verified on the raw body, no fallback).

`stripe` is imported on first use: it is the heaviest package of the payments function."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mesfactures.domain.errors import ConfigurationError, InvalidInput, PaymentUnavailable
from mesfactures.domain.payments import SESSION_MINUTES, CheckoutEvent, CheckoutSession, Payment

if TYPE_CHECKING:
    import stripe
    from stripe.params.checkout import SessionCreateParams


class StripeGateway:
    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None) -> None:
        if not secret_key or not webhook_secret:
            raise ConfigurationError("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are needed for payments")
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._api_base = api_base

    @functools.cached_property
    def _client(self) -> stripe.StripeClient:
        import stripe

        bases: Any = {"api": self._api_base} if self._api_base else None
        return stripe.StripeClient(self._secret_key, base_addresses=bases, max_network_retries=2)

    def create_session(self, payment: Payment, success_url: str, cancel_url: str) -> CheckoutSession:
        import stripe

        metadata = {
            "payment_id": payment.payment_id,
            "agency_id": payment.agency_id,
            "creditor": payment.creditor.value,
        }
        params: SessionCreateParams = {
            "mode": "payment",
            "client_reference_id": payment.payment_id,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            # The session ends before the invoices' lock does (a delayed method extends the lock).
            "expires_at": int(payment.created_at.timestamp()) + SESSION_MINUTES * 60,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": "eur", "unit_amount": cents, "product_data": {"name": label}},
                }
                for label, cents in payment.card_lines()
            ],
        }
        try:
            session = self._client.v1.checkout.sessions.create(
                params, {"idempotency_key": f"checkout-{payment.payment_id}"}
            )
        except stripe.StripeError as error:
            raise PaymentUnavailable() from error
        if not session.url:
            raise PaymentUnavailable()
        return CheckoutSession(session.id, session.url)

    def expire_session(self, session_id: str) -> str:
        """Ends an open Checkout session (nobody can pay on its page any more) and returns the session's
        status: `expired`, or `complete` when it was paid first (Stripe then refuses to expire it)."""
        import stripe

        try:
            return str(self._client.v1.checkout.sessions.expire(session_id).status)
        except stripe.InvalidRequestError:
            pass  # only an open session can be expired: say what it is instead
        except stripe.StripeError as error:
            raise PaymentUnavailable() from error
        try:
            return str(self._client.v1.checkout.sessions.retrieve(session_id).status)
        except stripe.StripeError as error:
            raise PaymentUnavailable() from error

    def event(self, payload: bytes, signature: str | None) -> CheckoutEvent:
        """The event, if and only if its signature (and age) check out against our webhook secret."""
        import stripe

        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (ValueError, stripe.SignatureVerificationError):
            raise InvalidInput("Signature Stripe invalide.") from None
        session: dict[str, Any] = event.data.object.to_dict()
        metadata = dict(session.get("metadata") or {})
        return CheckoutEvent(
            event_id=event.id,
            type=event.type,
            session_id=str(session.get("id", "")),
            payment_status=str(session.get("payment_status", "")),
            payment_id=metadata.get("payment_id"),
            agency_id=metadata.get("agency_id"),
            creditor=metadata.get("creditor"),
            payment_intent=session.get("payment_intent"),
            fully_refunded=bool(session.get("refunded"))
            and session.get("amount_refunded") == session.get("amount"),
            amount_total=session.get("amount_total"),
            currency=session.get("currency"),
        )
