"""The HTTP contract of the statement service: its shapes and operations (generates its openapi.json)."""

from __future__ import annotations

from typing import Annotated, TypedDict

from mesfactures.contract import Answer, Contract, Field, Operation, Param
from mesfactures.contract.common import (
    COMMON_DESCRIPTION,
    DISPOSITION,
    PATH_PARAMS,
    REDIRECT,
    TO_FILE,
    DateTime,
    Day,
    Health,
    refused,
)
from mesfactures.domain.ledger import EntryStatus, EntryType


class Money(TypedDict):
    amount_cents: int
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")]


class Lifecycle(TypedDict):
    """An e-invoice's lifecycle status (French e-invoicing, codes 200–228): its code, its label as the portal
    words it, and since when. A document without any status message is "Déposée" (200) since its issue
    date."""

    code: Annotated[int, Field(minimum=200, maximum=228)]
    label: str
    date: DateTime


class LifecycleStatusesItem(TypedDict):
    code: int
    label: str
    mandatory: Annotated[
        bool, Field(description="one of the four statuses every platform must exchange (200, 210, 212, 213)")
    ]


class LifecycleStatuses(TypedDict):
    statuses: list[LifecycleStatusesItem]


class DocumentLifecycleHistoryItem(TypedDict):
    code: int
    label: str
    date: DateTime
    reason: str | None
    by: Annotated[
        str,
        Field(
            description="who sent the status: the creditor's platform, or Mes Factures for what it reported"
        ),
    ]
    amount_cents: Annotated[int | None, Field(description="Encaissée: the amount received")]


class DocumentLifecycle(TypedDict):
    number: str
    current: Annotated[Lifecycle | None, Field(description="null for a payment, which has no lifecycle")]
    history: list[DocumentLifecycleHistoryItem]


class Entry(TypedDict):
    id: str
    type: Annotated[str, Field(enum=EntryType)]
    number: str
    date: Day
    due_date: Annotated[str | None, Field(format="date")]
    label: str
    amount_cents: int
    balance_cents: int
    currency: str
    status: Annotated[str, Field(enum=EntryStatus)]
    status_label: Annotated[str, Field(description="the status in French, as the statement shows it")]
    overdue: bool
    has_document: bool
    settles: list[str]
    dispute_id: str | None
    payment_lock: str | None
    lifecycle: Annotated[Lifecycle | None, Field(description="the lifecycle status; null for a payment")]


class SummaryAging(TypedDict):
    not_due: Money
    days_1_30: Money
    days_31_60: Money
    days_61_90: Money
    over_90: Money


class Summary(TypedDict):
    total_due: Money
    overdue: Money
    credit_available: Money
    open_invoices: int
    aging: SummaryAging


class StatementEntriesAnswer(TypedDict):
    entries: list[Entry]
    next_cursor: str | None
    summary: Summary | None


class StatementDocumentAnswer(TypedDict):
    url: str
    filename: str
    expires_in: int


_FILTERS = (
    Param(
        "scope",
        "open (default): what is still due; all: every entry of a date range",
        Annotated[str, Field(enum=("open", "all"))],
    ),
    Param("from", "first issue date (all: a year before `to` by default)", Day),
    Param("to", "last issue date (all: today by default)", Day),
    Param(
        "number",
        "a document number or its beginning, or any part of it after its prefix (`000168` finds "
        "AV-2026-000168), in capitals or not",
        Annotated[
            str,
            Field(
                pattern="^([A-Za-z]{1,4}(-[0-9]{0,4}(-[0-9A-Za-z]{0,10})?)?|[0-9-][0-9A-Za-z-]{0,19})$",
                max_length=20,
            ),
        ],
    ),
    Param(
        "lifecycle",
        "only the invoices and credit notes at this lifecycle status (a filter on the page's own Query: a "
        "page may hold fewer entries than `limit`, `next_cursor` goes on)",
        Annotated[int, Field(minimum=200, maximum=228)],
    ),
)

OPERATIONS = (
    Operation(
        "GET",
        "/statement/health",
        "statementHealth",
        "The service's health check",
        answers={
            200: Answer("The service answers", Health),
        },
        signed_in=False,
    ),
    Operation(
        "GET",
        "/statement/lifecycle-statuses",
        "lifecycleStatuses",
        "The lifecycle's status codes and their labels (the statement's filter)",
        answers={
            200: Answer("The statuses", LifecycleStatuses),
        },
        refusals=refused(401, 403),
    ),
    Operation(
        "GET",
        "/statement/creditors/{creditor}/documents/{number}/lifecycle",
        "documentLifecycle",
        "A document's lifecycle: its current status and the history of its status messages, newest first",
        answers={
            200: Answer("The lifecycle", DocumentLifecycle),
        },
        refusals=refused(400, 401, 403, 404),
    ),
    Operation(
        "GET",
        "/statement/creditors/{creditor}/entries",
        "statementEntries",
        "One page of the statement",
        query=(
            *_FILTERS,
            Param("cursor", "the `next_cursor` of the previous page", Annotated[str, Field(max_length=512)]),
            Param("limit", "entries per page", Annotated[int, Field(minimum=1, maximum=200)]),
        ),
        answers={
            200: Answer(
                "A page of entries; `summary` when the page is the whole open set", StatementEntriesAnswer
            ),
        },
        refusals=refused(400, 401, 403, 404),
    ),
    Operation(
        "GET",
        "/statement/creditors/{creditor}/summary",
        "statementSummary",
        "Total due, overdue, credit available and aging",
        answers={
            200: Answer("The balance summary", Summary),
        },
        refusals=refused(401, 403, 404),
    ),
    Operation(
        "GET",
        "/statement/creditors/{creditor}/documents/{number}",
        "statementDocument",
        "A 60-second link to a document's PDF (Factur-X) or its XML",
        query=(
            DISPOSITION,
            Param(
                "format",
                "pdf (default): the Factur-X PDF/A-3; xml: its CII XML alone, for accounting software",
                Annotated[str, Field(enum=("pdf", "xml"))],
            ),
            REDIRECT,
        ),
        answers={200: Answer("The link", StatementDocumentAnswer), 302: TO_FILE},
        refusals=refused(400, 401, 403, 404),
    ),
    Operation(
        "GET",
        "/statement/creditors/{creditor}/statement.pdf",
        "statementReleve",
        "The relevé de compte (statement of account) of the view shown, as a PDF: a 60-second link",
        query=(
            *_FILTERS,
            DISPOSITION,
            REDIRECT,
        ),
        answers={200: Answer("The link", StatementDocumentAnswer), 302: TO_FILE},
        refusals=refused(400, 401, 403, 404),
    ),
    Operation(
        "GET",
        "/statement/creditors/{creditor}/export.csv",
        "statementExport",
        "The statement as CSV (`;`, decimal commas, UTF-8 with BOM)",
        query=(
            *_FILTERS,
            Param("cursor", "the `next_cursor` of the previous page", Annotated[str, Field(max_length=512)]),
            Param("limit", "entries per page", Annotated[int, Field(minimum=1, maximum=200)]),
        ),
        answers={
            200: Answer("The CSV file", str, media_type="text/csv"),
        },
        refusals=refused(400, 401, 403, 404),
    ),
)

CONTRACT = Contract(
    area="statement",
    title="Mes Factures — statement service",
    description=(
        "État de compte: an agency's entries with one creditor, its balance and"
        " aging, its documents, the CSV export."
    )
    + "\n\n"
    + COMMON_DESCRIPTION
    + ".",
    operations=OPERATIONS,
    components=(Money, Lifecycle, Entry, Summary),
    path_params=PATH_PARAMS,
)
