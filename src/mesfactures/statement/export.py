"""The statement as CSV for Excel in France: semicolons, decimal commas, UTF-8 with a BOM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from mesfactures.domain.account_access import account_must_exist
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import LedgerEntry
from mesfactures.domain.statement import StatementQuery
from mesfactures.statement.statement import Ledger

MAX_ROWS = 10_000
HEADER = (
    "Type",
    "Numéro",
    "Date",
    "Échéance",
    "Libellé",
    "Montant TTC (€)",
    "Reste dû (€)",
    "Statut",
    "Cycle de vie",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def decimal_comma(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros},{rest:02d}"


def _text(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _row(entry: LedgerEntry) -> tuple[str, ...]:
    return (
        entry.type.label,
        entry.number,
        entry.issued_on.strftime("%d/%m/%Y"),
        entry.due_on.strftime("%d/%m/%Y") if entry.due_on else "",
        _text(entry.label),
        decimal_comma(entry.amount.cents),
        decimal_comma(entry.balance.cents),
        entry.status_label,
        _lifecycle(entry),
    )


def _lifecycle(entry: LedgerEntry) -> str:
    """The lifecycle status as "212 Encaissée" (a payment has none)."""
    status = entry.lifecycle_status
    return f"{status.code} {status.label}" if status else ""


def entries_to_csv(entries: Iterable[LedgerEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(_row(entry) for entry in entries)
    return "\ufeff" + buffer.getvalue()


def export_csv(ledger: Ledger, agency_id: str, creditor: Creditor, query: StatementQuery) -> str:
    """Every entry the statement's filters select (all pages, at most MAX_ROWS)."""
    return entries_to_csv(selected_entries(ledger, agency_id, creditor, query))


def selected_entries(
    ledger: Ledger, agency_id: str, creditor: Creditor, query: StatementQuery
) -> list[LedgerEntry]:
    """Every entry the statement's filters select, in the statement's order (all pages, at most
    MAX_ROWS): what the CSV export and the relevé de compte list."""
    entries: list[LedgerEntry] = []
    cursor: str | None = None
    while len(entries) < MAX_ROWS:
        page = ledger.page(agency_id, creditor, replace(query, cursor=cursor, limit=200))
        entries.extend(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            break
    account_must_exist(ledger, agency_id, creditor, unless_found=entries)
    return entries[:MAX_ROWS]


def export_filename(creditor: Creditor, today: date) -> str:
    return f"etat-de-compte-{creditor.value}-{today.isoformat()}.csv"
