"""The HTTP contract of the payments service: its shapes and operations (generates its openapi.json)."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired, TypedDict

from mesfactures.contract import Answer, Body, Contract, Field, Operation, Param
from mesfactures.contract.common import (
    COMMON_DESCRIPTION,
    FOR_ROLE,
    PATH_PARAMS,
    DateTime,
    DocumentNumber,
    Health,
    refused,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.payments import PaymentStatus


class PaymentInvoicesItem(TypedDict):
    number: str
    amount_cents: int


class PaymentCreditNotesItem(TypedDict):
    number: str
    amount_cents: int


class Payment(TypedDict):
    payment_id: str
    status: Annotated[
        str,
        Field(
            enum=PaymentStatus,
            description="pending while the Checkout session is open (or a delayed method is awaited); "
            "cancelled by the agency (DELETE); settled at once when credit notes cover the whole basket",
        ),
    ]
    amount_cents: Annotated[
        int, Field(description="what the card pays: the invoices less the credit applied")
    ]
    currency: str
    invoices: list[PaymentInvoicesItem]
    credit_notes: Annotated[
        list[PaymentCreditNotesItem],
        Field(
            description="the credit notes the basket uses, each for the part it gives (at most its balance)"
        ),
    ]
    credit_applied_cents: Annotated[int, Field(description="what the credit notes give in all")]
    paid_by_credit: Annotated[
        bool,
        Field(description="true when the credit notes covered the whole basket: settled without a card"),
    ]
    checkout_url: Annotated[
        str | None,
        Field(
            description="the same Stripe Checkout page while the payment can be resumed (pending, its "
            "session open); null otherwise"
        ),
    ]
    created_at: DateTime
    settled_at: Annotated[str | None, Field(format="date-time")]
    receipt_number: str | None
    payer: Annotated[str, Field(description="who started the payment: their name and e-mail")]


class ReportedStatus(TypedDict):
    message_id: str
    creditor: Annotated[str, Field(enum=Creditor)]
    agency_id: str
    number: str
    code: int
    label: str
    date: DateTime
    amount_cents: Annotated[
        int | None, Field(description="Encaissée: the amount received (negative: a refund's correction)")
    ]
    currency: str
    reason: str | None
    cause: Annotated[str, Field(enum=("payment", "refund", "dispute", "dispute_resolved"))]
    delivery: Annotated[str, Field(enum=("pending", "delivered"))]
    delivered_at: Annotated[str | None, Field(format="date-time")]
    file: Annotated[
        str | None,
        Field(
            description="the file written to the creditor's outbound channel (einvoicing/outbox/<CREDITOR>/…)"
        ),
    ]


class ReportedStatuses(TypedDict):
    messages: list[ReportedStatus]


class CheckoutRequest(TypedDict):
    invoice_numbers: Annotated[list[DocumentNumber], Field(min_items=1, max_items=20, unique_items=True)]
    credit_note_numbers: NotRequired[Annotated[list[DocumentNumber], Field(max_items=19, unique_items=True)]]


class StripeWebhookAnswer(TypedDict):
    received: str


OPERATIONS = (
    Operation(
        "GET",
        "/payments/health",
        "paymentsHealth",
        "The service's health check",
        answers={
            200: Answer("The service answers", Health),
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/payments/creditors/{creditor}/checkout",
        "checkout",
        "A Stripe Checkout session for the invoices less the part of each credit note they need; "
        "settled at once without a card when the credit notes cover the basket",
        body=Body(CheckoutRequest, description="Only document numbers are read: any amount sent is ignored"),
        answers={
            201: Answer("The payment, pending until Stripe tells", Payment),
        },
        refusals={**refused(400, 401, 404, 409, 422, 503), 403: FOR_ROLE},
    ),
    Operation(
        "GET",
        "/payments/creditors/{creditor}/payments/{payment_id}",
        "payment",
        "The status of a payment",
        answers={
            200: Answer("The payment", Payment),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "DELETE",
        "/payments/creditors/{creditor}/payments/{payment_id}",
        "cancelPayment",
        "Annuler ce paiement: expires the Checkout session at Stripe and frees the invoices at once",
        answers={
            200: Answer("The payment, cancelled", Payment),
        },
        refusals={
            **refused(401, 404, 503),
            403: FOR_ROLE,
            409: "The payment is no longer pending: `payment_settled` once settled, `payment_completing` "
            "when it was paid at Stripe a moment ago, `payment_not_pending` when already cancelled, "
            "expired, failed or refunded (the message says which)",
        },
    ),
    Operation(
        "GET",
        "/payments/finance/lifecycle-messages",
        "financeLifecycleMessages",
        "Finance: the lifecycle statuses the portal reported to the creditors' platforms (outbound CDAR), "
        "newest first, 90 days, with their delivery state",
        query=(
            Param(
                "creditor",
                "one creditor the finance user handles (all of them by default)",
                Annotated[str, Field(enum=Creditor)],
            ),
        ),
        answers={
            200: Answer("The messages", ReportedStatuses),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/payments/stripe/webhook",
        "stripeWebhook",
        "Stripe's events, signature verified on the raw body, deduplicated on the event id",
        headers=(Param("Stripe-Signature", "Stripe's signature of the raw body: 400 without a valid one"),),
        body=Body(
            Annotated[
                dict[str, Any], Field(description="a Stripe event (checkout.session.*, charge.refunded)")
            ]
        ),
        answers={
            200: Answer(
                "The event was handled (or was a duplicate, or of a type not handled)", StripeWebhookAnswer
            ),
        },
        refusals=refused(400),
        signed_in=False,
    ),
)

CONTRACT = Contract(
    area="payments",
    title="Mes Factures — payments service",
    description=(
        "Règlement: card payments of open invoices through Stripe Checkout, "
        "priced from the ledger, settled by Stripe's signed webhook."
    )
    + "\n\n"
    + COMMON_DESCRIPTION
    + ".",
    operations=OPERATIONS,
    components=(Payment, ReportedStatus),
    path_params=PATH_PARAMS,
)
