"""The relevé de compte: the statement's view (scope, dates, number) as a PDF, kept for a short-lived URL."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ids import new_id
from mesfactures.domain.statement import URL_LIFETIME_SECONDS, Disposition, Scope, StatementQuery
from mesfactures.statement.documents import DocumentLink, Parties
from mesfactures.statement.export import selected_entries
from mesfactures.statement.statement import Ledger, summarize


class ReleveFiles(Protocol):
    def releve_key_for(self, agency_id: str, creditor: Creditor, releve_id: str) -> str: ...

    def put_pdf(self, key: str, content: bytes) -> None: ...

    def url(self, key: str, disposition: Disposition, filename: str, content_type: str = ...) -> str: ...


def releve_de_compte(
    agency_id: str,
    *,
    creditor: Creditor,
    query: StatementQuery,
    disposition: Disposition,
    today: date,
    ledger: Ledger,
    store: ReleveFiles,
    parties: Parties,
) -> DocumentLink:
    """Draws the relevé of the entries the filters select, with the account's summary (total due,
    overdue, aging: the same figures as the statement's), stores it and answers its link."""
    from mesfactures.documents.releve import AccountFigures, releve_view, render_releve  # on request only

    entries = selected_entries(ledger, agency_id, creditor, query)
    summary = summarize(ledger.open_items(agency_id, creditor), today)
    aging = summary.aging
    figures = AccountFigures(
        summary.total_due.cents,
        summary.overdue.cents,
        summary.credit_available.cents,
        (
            aging.not_due.cents,
            aging.days_1_30.cents,
            aging.days_31_60.cents,
            aging.days_61_90.cents,
            aging.over_90.cents,
        ),
    )
    view = releve_view(
        entries,
        figures,
        parties.creditor(creditor),
        parties.profile(agency_id, creditor),
        selection(query),
        query.scope is Scope.OPEN,
        today,
    )
    key = store.releve_key_for(agency_id, creditor, new_id())
    store.put_pdf(key, render_releve(view))
    filename = f"releve-{creditor.value}-{today.isoformat()}.pdf"
    return DocumentLink(
        store.url(key, disposition, filename, "application/pdf"), filename, URL_LIFETIME_SECONDS
    )


def selection(query: StatementQuery) -> str:
    """The filters in words, printed under the header."""
    if query.scope is Scope.OPEN:
        what = "Factures restant dues et avoirs disponibles"
        if query.date_from or query.date_to:
            start = query.date_from.strftime("%d/%m/%Y") if query.date_from else "…"
            end = query.date_to.strftime("%d/%m/%Y") if query.date_to else "…"
            what += f", émises du {start} au {end}"
    else:
        start = query.date_from.strftime("%d/%m/%Y") if query.date_from else "…"
        end = query.date_to.strftime("%d/%m/%Y") if query.date_to else "…"
        what = f"Toutes les écritures du {start} au {end}"
    if query.number_prefix:
        what += f", n° de pièce commençant par {query.number_prefix}"
    return what + "."
