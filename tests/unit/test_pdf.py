"""The rendered document, read back as text: it must carry the mandatory mentions and the right totals."""

from __future__ import annotations

import io
from datetime import date

import pypdf

from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
from mesfactures.documents.pdf import document_view, render_pdf
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money


def _text(pdf: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\u00a0", " ")


def _invoice(*lines: DocumentLine, label: str = "Abonnement") -> LedgerEntry:
    return LedgerEntry(
        "01J",
        "AG-1001",
        Creditor.PRESSIMMO,
        EntryType.INVOICE,
        "FA-2026-000123",
        date(2026, 3, 1),
        date(2026, 3, 31),
        label,
        Money(0),
        Money(0),
        EntryStatus.OPEN,
        lines,
    )


def _render(entry: LedgerEntry) -> str:
    profile = profile_for(DEMO_AGENCIES[0], Creditor.PRESSIMMO, 0)
    return _text(render_pdf(document_view(entry, creditor_details(Creditor.PRESSIMMO), profile)))


def test_an_invoice_carries_the_french_mandatory_mentions() -> None:
    text = _render(_invoice(DocumentLine("Pack visibilité Premium", 3, 14_900, 2000)))
    for mention in (
        "FACTURE",
        "FA-2026-000123",
        "01/03/2026",
        "31/03/2026",
        "PRESSIMMO SAS",
        "SIREN",
        "TVA intracommunautaire",
        "Agence Exemple Immobilier",
        "Total HT",
        "Total TTC",
        "pénalités",
        "40 €",
    ):
        assert mention in text, mention


def test_totals_are_computed_per_vat_rate() -> None:
    text = _render(_invoice(DocumentLine("A", 2, 10_000, 2000), DocumentLine("B", 1, 5_000, 550)))
    assert "250,00 €" in text  # total excluding tax
    assert "40,00 €" in text and "2,75 €" in text  # 20 % of 200 €, 5,5 % of 50 €
    assert "292,75 €" in text  # total including tax


def test_text_from_the_ledger_cannot_inject_pdf_operators() -> None:
    hostile = "x) Tj ET BT /F2 40 Tf 10 10 Td (PIRATE"
    text = _render(_invoice(DocumentLine(hostile, 1, 100, 2000)))
    assert "x) Tj ET BT" in text
