"""The HTTP contract of the disputes service: its shapes and operations (generates its openapi.json)."""

from __future__ import annotations

from typing import Annotated, NotRequired, TypedDict

from mesfactures.contract import Answer, Body, Contract, Field, Operation, Param
from mesfactures.contract.common import (
    COMMON_DESCRIPTION,
    FOR_ROLE,
    PATH_PARAMS,
    TO_FILE,
    Comment,
    DateTime,
    DocumentNumber,
    Health,
    Ulid,
    refused,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import DisputeReason, DisputeStatus, EventKind


class DisputeInvoicesItem(TypedDict):
    number: str
    disputed_cents: int
    balance_cents: int


class DisputeAttachmentsItem(TypedDict):
    id: str
    filename: str
    content_type: str
    size_bytes: int


class Dispute(TypedDict):
    id: str
    reference: str
    creditor: Annotated[str, Field(enum=Creditor)]
    agency_id: str
    agency_name: Annotated[
        str,
        Field(description="the agency's name as it was when the request was made (its id for older ones)"),
    ]
    reason: Annotated[str, Field(enum=DisputeReason)]
    reason_label: str
    status: Annotated[str, Field(enum=DisputeStatus)]
    status_label: str
    opened_at: DateTime
    updated_at: DateTime
    opened_by: str
    amount_cents: int
    currency: str
    invoices: list[DisputeInvoicesItem]
    next_statuses: list[Annotated[str, Field(enum=DisputeStatus)]]
    attachments: list[DisputeAttachmentsItem]


class DisputeDetailHistoryItem(TypedDict):
    kind: Annotated[str, Field(enum=EventKind)]
    at: DateTime
    author: str
    author_role: Annotated[str, Field(enum=("agency", "finance"))]
    comment: str
    from_status: Annotated[
        str | None,
        Field(
            enum=(
                "open",
                "in_review",
                "waiting_customer",
                "resolved_accepted",
                "resolved_rejected",
                "closed",
                None,
            )
        ),
    ]
    to_status: Annotated[
        str | None,
        Field(
            enum=(
                "open",
                "in_review",
                "waiting_customer",
                "resolved_accepted",
                "resolved_rejected",
                "closed",
                None,
            )
        ),
    ]
    to_status_label: str | None


class DisputeDetail(Dispute):
    history: list[DisputeDetailHistoryItem]


class OpenDisputeRequestAttachmentsItem(TypedDict):
    id: Ulid
    filename: Annotated[str, Field(min_length=1, max_length=120)]


class OpenDisputeRequest(TypedDict):
    invoice_numbers: Annotated[list[DocumentNumber], Field(min_items=1, max_items=20, unique_items=True)]
    reason: Annotated[str, Field(enum=DisputeReason)]
    comment: Comment
    amounts: NotRequired[
        Annotated[
            dict[str, Annotated[int, Field(minimum=1)]],
            Field(description="the disputed amount of an invoice, when less than its balance"),
        ]
    ]
    attachments: NotRequired[Annotated[list[OpenDisputeRequestAttachmentsItem], Field(max_items=5)]]


class MyDisputesAnswer(TypedDict):
    disputes: list[Dispute]


class NewAttachmentRequest(TypedDict):
    filename: Annotated[str, Field(min_length=1, max_length=120)]
    content_type: Annotated[str, Field(enum=("application/pdf", "image/png", "image/jpeg"))]
    size_bytes: Annotated[int, Field(minimum=1, maximum=5242880)]


class NewAttachmentAnswer(TypedDict):
    id: str
    upload_url: str
    content_type: str


class CommentDisputeRequest(TypedDict):
    comment: Comment


class FinanceDisputesAnswer(TypedDict):
    disputes: list[Dispute]


class TransitionDisputeRequest(TypedDict):
    to: Annotated[str, Field(enum=DisputeStatus)]
    comment: Comment


OPERATIONS = (
    Operation(
        "GET",
        "/disputes/health",
        "disputesHealth",
        "The service's health check",
        answers={
            200: Answer("The service answers", Health),
        },
        signed_in=False,
    ),
    Operation(
        "POST",
        "/disputes/creditors/{creditor}/disputes",
        "openDispute",
        "Open a dispute on one or more open invoices",
        body=Body(OpenDisputeRequest),
        answers={
            201: Answer(
                "The dispute, opened in one transaction with its history and the finance e-mail", Dispute
            ),
        },
        refusals={**refused(400, 401, 404, 409, 422), 403: FOR_ROLE},
    ),
    Operation(
        "GET",
        "/disputes/creditors/{creditor}/disputes",
        "myDisputes",
        "The agency's disputes with this creditor",
        answers={
            200: Answer("The disputes, newest first", MyDisputesAnswer),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/disputes/creditors/{creditor}/attachments",
        "newAttachment",
        "A presigned upload for one PDF, PNG or JPEG of 5 MB at most",
        body=Body(NewAttachmentRequest),
        answers={
            201: Answer("Where the browser PUTs the file", NewAttachmentAnswer),
        },
        refusals={**refused(400, 401, 404), 403: FOR_ROLE},
    ),
    Operation(
        "GET",
        "/disputes/creditors/{creditor}/disputes/{dispute_id}",
        "myDispute",
        "One dispute with its history",
        answers={
            200: Answer("The dispute", DisputeDetail),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "GET",
        "/disputes/creditors/{creditor}/disputes/{dispute_id}/attachments/{attachment_id}",
        "myAttachment",
        "Download an attachment of one of the agency's disputes",
        answers={
            302: TO_FILE,
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/disputes/creditors/{creditor}/disputes/{dispute_id}/comments",
        "commentDispute",
        "Comment a dispute (finance is e-mailed)",
        body=Body(CommentDisputeRequest),
        answers={
            201: Answer("The dispute with its history", DisputeDetail),
        },
        refusals={**refused(400, 401, 404, 409, 422), 403: FOR_ROLE},
    ),
    Operation(
        "GET",
        "/disputes/finance/disputes",
        "financeDisputes",
        "Finance: the work list",
        query=(
            Param("creditor", "one creditor (all handled by default)", Annotated[str, Field(enum=Creditor)]),
            Param("status", "one status", Annotated[str, Field(enum=DisputeStatus)]),
        ),
        answers={
            200: Answer(
                "The disputes of the creditors the user handles, newest first", FinanceDisputesAnswer
            ),
        },
        refusals=refused(400, 401, 403, 404),
    ),
    Operation(
        "GET",
        "/disputes/finance/disputes/{dispute_id}",
        "financeDispute",
        "Finance: one dispute with its history",
        answers={
            200: Answer("The dispute", DisputeDetail),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "GET",
        "/disputes/finance/disputes/{dispute_id}/attachments/{attachment_id}",
        "financeAttachment",
        "Finance: download an attachment",
        answers={
            302: TO_FILE,
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "POST",
        "/disputes/finance/disputes/{dispute_id}/transitions",
        "transitionDispute",
        "Finance: move a dispute on (the agency is e-mailed)",
        body=Body(TransitionDisputeRequest),
        answers={
            201: Answer("The dispute with its history", DisputeDetail),
        },
        refusals=refused(400, 401, 403, 404, 409, 422),
    ),
)

CONTRACT = Contract(
    area="disputes",
    title="Mes Factures — disputes service",
    description=(
        "Suivi litiges: an agency disputes invoices and follows each dispute; "
        "the finance team moves it along."
    )
    + "\n\n"
    + COMMON_DESCRIPTION
    + ".",
    operations=OPERATIONS,
    components=(Dispute, DisputeDetail),
    path_params=PATH_PARAMS,
)
