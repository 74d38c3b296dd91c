"""The statement's rules, on entries made here: query parsing, the summary and aging, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money
from mesfactures.domain.statement import Scope
from mesfactures.statement.export import entries_to_csv
from mesfactures.statement.statement import statement_query, summarize

TODAY = date(2026, 11, 29)


def _entry(
    kind: EntryType, number: str, balance: int, days_late: int = 0, amount: int | None = None
) -> LedgerEntry:
    due = TODAY - timedelta(days=days_late)
    status = EntryStatus.OPEN
    return LedgerEntry(
        number,
        "AG-1001",
        Creditor.POLIRIS,
        kind,
        number,
        due - timedelta(days=30),
        due if kind is EntryType.INVOICE else None,
        f"Libellé {number}",
        Money(amount or balance),
        Money(balance),
        status,
    )


def test_the_summary_splits_what_is_due_by_days_past_due() -> None:
    open_items = [
        _entry(EntryType.INVOICE, "FA-1", 10_000, days_late=-5),
        _entry(EntryType.INVOICE, "FA-2", 20_000, days_late=0),
        _entry(EntryType.INVOICE, "FA-3", 30_000, days_late=1),
        _entry(EntryType.INVOICE, "FA-4", 40_000, days_late=31),
        _entry(EntryType.INVOICE, "FA-5", 50_000, days_late=61),
        _entry(EntryType.INVOICE, "FA-6", 60_000, days_late=91),
        _entry(EntryType.CREDIT_NOTE, "AV-1", -7_000),
    ]
    summary = summarize(open_items, TODAY)
    assert summary.total_due == Money(210_000)
    assert summary.overdue == Money(180_000)
    assert summary.credit_available == Money(7_000)
    assert summary.open_invoices == 6
    aging = summary.aging
    assert (aging.not_due, aging.days_1_30, aging.days_31_60, aging.days_61_90, aging.over_90) == (
        Money(30_000),
        Money(30_000),
        Money(40_000),
        Money(50_000),
        Money(60_000),
    )


def test_the_default_view_is_the_open_items_whatever_their_age() -> None:
    query = statement_query({}, TODAY)
    assert query.scope is Scope.OPEN
    assert query.date_from is None and query.date_to is None
    assert query.covers_every_open_item


def test_all_entries_default_to_the_last_twelve_months() -> None:
    query = statement_query({"scope": "all"}, TODAY)
    assert (query.date_from, query.date_to) == (date(2025, 11, 29), TODAY)


def test_a_number_is_searched_by_its_beginning_in_capitals() -> None:
    assert statement_query({"number": " fa-2026-0001 "}, TODAY).number_prefix == "FA-2026-0001"


@pytest.mark.parametrize(
    "params",
    [
        {"scope": "paid"},
        {"from": "29/11/2026"},
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"number": "FA#2026"},
        {"number": "' OR 1=1"},
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"cursor": "x" * 600},
    ],
)
def test_a_query_out_of_bounds_is_refused_clearly(params: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        statement_query(params, TODAY)


def test_the_csv_opens_in_a_french_excel_and_runs_no_formula() -> None:
    entries = [
        _entry(EntryType.INVOICE, "FA-2026-000001", 123_456),
        _entry(EntryType.CREDIT_NOTE, "AV-2026-000001", -1_005),
    ]
    entries[0] = LedgerEntry(**{**entries[0].__dict__, "label": '=HYPERLINK("http://x","clic")'})
    content = entries_to_csv(entries)
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0][0] == "Type" and rows[0][5] == "Montant TTC (€)"
    assert rows[1][:2] == ["Facture", "FA-2026-000001"]
    assert rows[1][4].startswith("'=")
    assert rows[1][5] == "1234,56"
    assert rows[2][0] == "Avoir" and rows[2][6] == "-10,05" and rows[2][7] == "Disponible"
