"""Statement service: an agency's entries with a creditor, its balance, its documents, the CSV export."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from chalice.app import Chalice, Response, SQSEvent

from mesfactures import wiring
from mesfactures.coldstart import hold_collector_through_first_event
from mesfactures.domain.calendar import today_in_paris
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import LedgerEntry
from mesfactures.domain.lifecycle import LifecycleStatus
from mesfactures.domain.money import Money
from mesfactures.domain.principal import AgencyUser
from mesfactures.http.edge import Edge
from mesfactures.observability import logger
from mesfactures.statement.documents import DocumentLink, document_link, parse_disposition, parse_format
from mesfactures.statement.export import export_csv, export_filename
from mesfactures.statement.releve import releve_de_compte
from mesfactures.statement.statement import Summary, statement_for, statement_query, summary_for

if TYPE_CHECKING:
    from mesfactures.contract import statement as shapes
    from mesfactures.domain.imports import ImportFile, Position

app = Chalice(app_name="mesfactures-statement")
hold_collector_through_first_event(app)
edge = Edge(app, wiring.authenticator, contract="statement")
log = logger("mesfactures.statement")
IMPORT_QUEUE = "mesfactures-imports"


def _money(money: Money) -> shapes.Money:
    return {"amount_cents": money.cents, "currency": money.currency}


def _entry(entry: LedgerEntry, overdue: bool) -> shapes.Entry:
    return {
        "id": entry.entry_id,
        "type": entry.type.value,
        "number": entry.number,
        "date": entry.issued_on.isoformat(),
        "due_date": entry.due_on.isoformat() if entry.due_on else None,
        "label": entry.label,
        "amount_cents": entry.amount.cents,
        "balance_cents": entry.balance.cents,
        "currency": entry.amount.currency,
        "status": entry.status.value,
        "status_label": entry.status_label,
        "overdue": overdue,
        "has_document": entry.has_document,
        "settles": list(entry.settles),
        "dispute_id": entry.dispute_id,
        "payment_lock": entry.payment_lock,
        "lifecycle": _status(entry.lifecycle_status),
    }


def _status(status: LifecycleStatus | None) -> shapes.Lifecycle | None:
    """The lifecycle status as the statement shows it: its code, its label (served here, never derived in
    the browser) and since when."""
    if status is None:
        return None
    return {"code": status.code, "label": status.label, "date": status.at.isoformat()}


def _summary(summary: Summary) -> shapes.Summary:
    aging = summary.aging
    return {
        "total_due": _money(summary.total_due),
        "overdue": _money(summary.overdue),
        "credit_available": _money(summary.credit_available),
        "open_invoices": summary.open_invoices,
        "aging": {
            "not_due": _money(aging.not_due),
            "days_1_30": _money(aging.days_1_30),
            "days_31_60": _money(aging.days_31_60),
            "days_61_90": _money(aging.days_61_90),
            "over_90": _money(aging.over_90),
        },
    }


@app.route("/statement/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "statement"}


@app.route("/statement/lifecycle-statuses", methods=["GET"])
@edge.agency
def lifecycle_statuses(principal: AgencyUser) -> shapes.LifecycleStatuses:
    """The lifecycle's codes and labels, for the statement's filter (the browser derives none)."""
    from mesfactures.domain.lifecycle import LABELS, MANDATORY

    return {
        "statuses": [
            {"code": code, "label": label, "mandatory": code in MANDATORY} for code, label in LABELS.items()
        ]
    }


@app.route("/statement/creditors/{creditor}/entries", methods=["GET"])
@edge.agency_reading
def entries(principal: AgencyUser, creditor: str) -> dict[str, Any]:
    today = today_in_paris()
    query = statement_query(edge.query_params(), today)
    page = statement_for(wiring.ledger(), principal.agency_id, Creditor.parse(creditor), query, today)
    return {
        "entries": [_entry(entry, entry.is_overdue(today)) for entry in page.entries],
        "next_cursor": page.next_cursor,
        "summary": _summary(page.summary) if page.summary else None,
    }


@app.route("/statement/creditors/{creditor}/summary", methods=["GET"])
@edge.agency_reading
def summary(principal: AgencyUser, creditor: str) -> shapes.Summary:
    today = today_in_paris()
    return _summary(summary_for(wiring.ledger(), principal.agency_id, Creditor.parse(creditor), today))


@app.route("/statement/creditors/{creditor}/documents/{number}", methods=["GET"])
@edge.agency_reading
def document(principal: AgencyUser, creditor: str, number: str) -> Response | dict[str, Any]:
    params = edge.query_params()
    link = document_link(
        principal.agency_id,
        creditor=Creditor.parse(creditor),
        number=number,
        disposition=parse_disposition(params.get("disposition")),
        ledger=wiring.ledger(),
        store=wiring.documents(),
        parties=wiring.accounts(),
        kind=parse_format(params.get("format")),
    )
    return _link(link, params)


def _link(link: DocumentLink, params: dict[str, str]) -> Response | dict[str, Any]:
    """A document's short-lived URL, or with `redirect=true` a 302 to it (for a plain link in the site)."""
    if params.get("redirect") == "true":
        return Response(body="", status_code=302, headers={"Location": link.url, "Cache-Control": "no-store"})
    return {"url": link.url, "filename": link.filename, "expires_in": link.expires_in_seconds}


@app.route("/statement/creditors/{creditor}/statement.pdf", methods=["GET"])
@edge.agency
def releve(principal: AgencyUser, creditor: str) -> Response | dict[str, Any]:
    """The relevé de compte of the view shown (the entries' filters), answered as a document is."""
    today = today_in_paris()
    params = edge.query_params()
    link = releve_de_compte(
        principal.agency_id,
        creditor=Creditor.parse(creditor),
        query=statement_query(params, today),
        disposition=parse_disposition(params.get("disposition")),
        today=today,
        ledger=wiring.ledger(),
        store=wiring.documents(),
        parties=wiring.accounts(),
    )
    return _link(link, params)


@app.route("/statement/creditors/{creditor}/documents/{number}/lifecycle", methods=["GET"])
@edge.agency
def document_lifecycle(principal: AgencyUser, creditor: str, number: str) -> shapes.DocumentLifecycle:
    from mesfactures.lifecycle.use_cases import lifecycle_of

    found = lifecycle_of(wiring.lifecycle(), principal.agency_id, Creditor.parse(creditor), number)
    return {
        "number": found.number,
        "current": _status(found.current),
        "history": [
            {
                "code": event.code,
                "label": event.label,
                "date": event.at.isoformat(),
                "reason": event.reason,
                "by": event.by,
                "amount_cents": event.amount_cents,
            }
            for event in found.history
        ],
    }


@app.route("/statement/creditors/{creditor}/export.csv", methods=["GET"])
@edge.agency_reading
def export(principal: AgencyUser, creditor: str) -> Response:
    today = today_in_paris()
    code = Creditor.parse(creditor)
    query = statement_query(edge.query_params(), today)
    content = export_csv(wiring.ledger(), principal.agency_id, code, query)
    return Response(
        body=content,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{export_filename(code, today)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class ImportIncomplete(Exception):
    """Raised so that the queue retries a slice some of whose rows failed for a technical reason."""


@app.on_sqs_message(queue=IMPORT_QUEUE, batch_size=1)
def import_files(event: SQSEvent) -> None:
    """S3 tells the queue of each file dropped in the import inbox; a file is imported in slices, each
    within this invocation's time, each handing the next its position through the same queue."""
    from mesfactures.imports.importer import import_from_store  # loaded by imports only

    time_is_up = _time_is_up(event.context)
    for record in event:
        for file, position in _slices(json.loads(record.body)):
            report = import_from_store(file, position, wiring.ImportPorts(), time_is_up)
            if report is None:
                continue
            log.info(
                "import done",
                extra={"file": file.key, "accepted": report.accepted, "rejected": len(report.rejected)},
            )
            if not report.complete:
                # The queue delivers the slice again (then to its dead-letter queue): rows already written
                # come back unchanged, the ones that failed for a technical reason get their second chance.
                raise ImportIncomplete(f"{report.retry_later} rows of {file.key} to try again")


def _slices(body: dict[str, Any]) -> list[tuple[ImportFile, Position | None]]:
    """The next slice of an import under way, or the files of S3's notice (from their beginning)."""
    from mesfactures.imports.queue import continuation

    handed_on = continuation(body)
    if handed_on is not None:
        return [handed_on]
    return [(_announced(notice["s3"]["object"]), None) for notice in body.get("Records", [])]


def _announced(stored: dict[str, Any]) -> ImportFile:
    """The file of an S3 notice: its version id where the bucket keeps versions, else the event's order."""
    from mesfactures.domain.imports import ImportFile

    version_id = stored.get("versionId") or None
    version = version_id or stored.get("sequencer") or stored.get("eTag") or ""
    return ImportFile(unquote_plus(stored["key"]), version, version_id)


def _time_is_up(context: Any) -> Callable[[], bool]:
    """Whether this invocation must stop after its current unit of work, keeping the reserve for that
    unit, the checkpoint and the next message (Lambda kills an invocation at its timeout)."""
    from mesfactures.imports.importer import SLICE_RESERVE_SECONDS

    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: False
    deadline = time.monotonic() + remaining() / 1000 - SLICE_RESERVE_SECONDS
    return lambda: time.monotonic() >= deadline
