"""The relevé de compte: entries in date order with a running balance, the account's figures, pages that
flow; expected figures are written by hand."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

import pypdf

from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
from mesfactures.documents.layout import Text, width
from mesfactures.documents.releve import AccountFigures, releve_sheet, releve_view, render_releve
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money
from mesfactures.domain.statement import Scope, StatementQuery
from mesfactures.statement.releve import selection

TODAY = date(2026, 11, 30)
FIGURES = AccountFigures(15_000, 12_000, 1_200, (3_000, 12_000, 0, 0, 0))


def _entry(kind: EntryType, number: str, issued: date, amount: int, balance: int) -> LedgerEntry:
    due = issued + timedelta(days=30) if kind is EntryType.INVOICE else None
    status = EntryStatus.OPEN if balance else EntryStatus.PAID
    return LedgerEntry(
        f"01J{number}", "AG-1001", Creditor.POLIRIS, kind, number, issued, due, f"Libellé {number}",
        Money(amount), Money(balance), status,
    )  # fmt: skip


def _text(entries: list[LedgerEntry], open_only: bool) -> str:
    view = releve_view(
        entries,
        FIGURES,
        creditor_details(Creditor.POLIRIS),
        profile_for(DEMO_AGENCIES[0], Creditor.POLIRIS, 2),
        "Factures restant dues et avoirs disponibles.",
        open_only,
        TODAY,
    )
    pages = pypdf.PdfReader(io.BytesIO(render_releve(view))).pages
    return "\n".join(page.extract_text() for page in pages).replace("\u00a0", " ")


def test_the_open_view_adds_up_what_remains_due_in_date_order() -> None:
    entries = [
        _entry(EntryType.CREDIT_NOTE, "AV-2026-000010", date(2026, 11, 5), -1_200, -1_200),
        _entry(EntryType.INVOICE, "FA-2026-000001", date(2026, 9, 1), 12_000, 12_000),
        _entry(EntryType.INVOICE, "FA-2026-000002", date(2026, 10, 1), 6_000, 3_000),
    ]

    text = _text(entries, open_only=True)

    assert text.index("FA-2026-000001") < text.index("FA-2026-000002") < text.index("AV-2026-000010")
    assert "120,00 € 120,00 € 120,00 €" in text
    assert "60,00 € 30,00 € 150,00 €" in text
    assert "-12,00 € -12,00 € 138,00 €" in text
    assert "Reste dû cumulé des écritures listées 138,00 €" in text


def test_the_view_of_every_entry_adds_up_the_amounts() -> None:
    entries = [
        _entry(EntryType.INVOICE, "FA-2026-000001", date(2026, 9, 1), 12_000, 0),
        _entry(EntryType.PAYMENT, "RG-2026-000001", date(2026, 9, 20), -12_000, 0),
        _entry(EntryType.INVOICE, "FA-2026-000002", date(2026, 10, 1), 6_000, 6_000),
    ]

    text = _text(entries, open_only=False)

    assert "-120,00 € 0,00 € 0,00 €" in text
    assert "Solde cumulé des écritures listées 60,00 €" in text


def test_the_account_figures_and_the_aging_are_printed_with_the_parties() -> None:
    text = _text([], open_only=True)

    for printed in (
        "RELEVÉ DE COMPTE",
        "Au 30/11/2026",
        "POLIRIS SA",
        "SIREN 433210986",
        "Agence Exemple Immobilier",
        "Compte client C100102",
        "Factures restant dues et avoirs disponibles.",
        "Total dû 150,00 €",
        "dont échu 120,00 €",
        "Avoirs disponibles 12,00 €",
        "Non échu 30,00 €",
        "1 à 30 jours 120,00 €",
        "Plus de 90 jours 0,00 €",
        "Aucune écriture ne correspond à cette sélection.",
    ):
        assert printed in text, printed


def test_the_filters_are_said_in_words() -> None:
    everything = StatementQuery(Scope.ALL, date(2025, 12, 1), date(2026, 11, 30), "FA-2026", None, 50)

    assert (
        selection(everything)
        == "Toutes les écritures du 01/12/2025 au 30/11/2026, n° de pièce commençant par FA-2026."
    )
    assert selection(StatementQuery(Scope.OPEN, None, None, None, None, 50)) == (
        "Factures restant dues et avoirs disponibles."
    )


def test_a_year_of_entries_flows_onto_further_pages_and_nothing_is_drawn_over_anything() -> None:
    entries = [
        _entry(EntryType.INVOICE, f"FA-2026-{n:06d}", date(2026, 1, 1) + timedelta(days=n), 123_456, 123_456)
        for n in range(120)
    ]
    profile = profile_for(DEMO_AGENCIES[0], Creditor.POLIRIS, 2)
    view = releve_view(
        entries, FIGURES, creditor_details(Creditor.POLIRIS), profile, "Toutes les écritures.", False, TODAY
    )

    pages = releve_sheet(view).pages

    assert len(pages) >= 3
    for page in pages:
        boxes = [
            (mark.x, mark.y - 2, mark.x + width(mark.text, mark.size, mark.bold), mark.y + mark.size * 0.75)
            for mark in page
            if isinstance(mark, Text) and mark.text
        ]
        for a, b in itertools.combinations(boxes, 2):
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
