"""The rendered document, read back as text: it must carry the mandatory mentions and the right totals,
and its pages must flow (long labels wrapped, further pages, nothing drawn over anything)."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace
from datetime import date

import pypdf

from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
from mesfactures.documents.layout import Text, width
from mesfactures.documents.pdf import document_sheet, document_view, render_pdf
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text().replace("\u00a0", " ") for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return "\n".join(_pages(pdf))


def _invoice(
    *lines: DocumentLine, label: str = "Abonnement", creditor: Creditor = Creditor.PRESSIMMO
) -> LedgerEntry:
    return LedgerEntry(
        "01J",
        "AG-1001",
        creditor,
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


def _credit_note() -> LedgerEntry:
    return replace(
        _invoice(DocumentLine("Geste commercial", 1, 1_000, 2000)),
        type=EntryType.CREDIT_NOTE,
        number="AV-2026-000045",
        issued_on=date(2026, 3, 5),
        due_on=None,
        settles=("FA-2026-000123",),
    )


def _render(entry: LedgerEntry, referenced: dict[str, date] | None = None) -> bytes:
    profile = profile_for(DEMO_AGENCIES[0], entry.creditor, 0)
    return render_pdf(document_view(entry, creditor_details(entry.creditor), profile, referenced))


def test_an_invoice_carries_the_french_mandatory_mentions() -> None:
    text = _text(_render(_invoice(DocumentLine("Pack visibilité Premium", 3, 14_900, 2000))))
    for mention in (
        "FACTURE",
        "FA-2026-000123",
        "01/03/2026",
        "31/03/2026",
        "PRESSIMMO SAS",
        "SIREN 412345670",
        "SIRET 41234567000019",
        "RCS Paris 412 345 670",
        "TVA intracommunautaire FR96412345670",
        "Agence Exemple Immobilier",
        "SIREN 512345679",
        "TVA intracommunautaire FR75512345679",
        "Adresse électronique 512345679",
        "prestations de services",
        "Période de service : du 01/03/2026 au 31/03/2026",
        "Total HT",
        "Total TTC",
        "pénalités",
        "40 €",
        "Pas d'escompte",
    ):
        assert mention in text, mention


def test_the_vat_on_debits_option_is_printed_only_when_the_creditor_chose_it() -> None:
    line = DocumentLine("Pack visibilité Premium", 1, 14_900, 2000)

    assert "d'après les débits" in _text(_render(_invoice(line, creditor=Creditor.PRESSIMMO)))
    assert "d'après les débits" not in _text(_render(_invoice(line, creditor=Creditor.POLIRIS)))


def test_totals_are_computed_per_vat_rate() -> None:
    text = _text(_render(_invoice(DocumentLine("A", 2, 10_000, 2000), DocumentLine("B", 1, 5_000, 550))))
    assert "250,00 €" in text  # total excluding tax
    assert "40,00 €" in text and "2,75 €" in text  # 20 % of 200 €, 5,5 % of 50 €
    assert "292,75 €" in text  # total including tax


def test_a_zero_rate_line_is_marked_exempt_with_its_reason() -> None:
    text = _text(_render(_invoice(DocumentLine("Frais d'insertion légale (débours)", 1, 5_000, 0))))

    assert "Exonéré (débours) sur 50,00 €" in text
    assert "art. 267 II 2° du CGI" in text and "VATEX-EU-79-C" in text


def test_a_credit_note_cites_the_invoice_it_corrects_with_its_date() -> None:
    text = _text(_render(_credit_note(), {"FA-2026-000123": date(2026, 3, 1)}))

    assert "AVOIR" in text and "AV-2026-000045" in text
    assert "Facture concernée : FA-2026-000123 du 01/03/2026" in text
    assert "-12,00 €" in text  # 10 € + 20 % VAT, credited


def test_text_from_the_ledger_cannot_inject_pdf_operators() -> None:
    hostile = "x) Tj ET BT /F2 40 Tf 10 10 Td (PIRATE"
    text = _text(_render(_invoice(DocumentLine(hostile, 1, 100, 2000))))
    assert "x) Tj ET BT" in text


def test_any_unicode_text_prints_as_written() -> None:
    label = "Œuvre d'art – Ελληνικά – Русский – Łódź – ½ ✓ ≥ 中文"
    text = " ".join(_text(_render(_invoice(DocumentLine(label, 1, 100, 2000)))).split())

    assert "Œuvre d'art – Ελληνικά – Русский – Łódź – ½ ✓ ≥ 中文" in text
    assert "?" not in text


def test_a_label_of_two_hundred_characters_is_printed_whole_over_several_lines() -> None:
    words = ("Campagne", "printemps", "diffusion", "multi-portails", "annonces", "premium", "vidéo")
    label = " ".join(itertools.islice(itertools.cycle(words), 200))[:200].strip()
    text = _text(_render(_invoice(DocumentLine(label, 1, 9_900, 2000))))

    assert " ".join(text.split()).count(" ".join(label.split())) == 1
    assert len(label) >= 195


def test_thirty_lines_at_five_rates_flow_onto_further_pages_with_the_totals_once_at_the_end() -> None:
    rates = (2000, 1000, 550, 210, 0)
    lines = tuple(
        DocumentLine(
            f"Option d'annonce n° {n} – diffusion sur les portails partenaires", 1, 1_000, rates[n % 5]
        )
        for n in range(30)
    )
    pages = _pages(_render(_invoice(*lines)))

    assert len(pages) >= 2
    assert all("Montant HT" in page for page in pages[: len(pages) - 1])  # the table's header repeats
    assert [page.count("Total TTC") for page in pages] == [0] * (len(pages) - 1) + [1]
    assert "Page 1 / " in pages[0] and f"Page {len(pages)} / {len(pages)}" in pages[-1]
    for n in range(30):
        assert sum(page.count(f"n° {n} –") for page in pages) == 1
    assert "60,00 €" in pages[-1]  # VAT: 6 lines of 10 € at each rate -> 12 + 6 + 3,30 + 1,26 + 0


def test_nothing_is_drawn_over_anything_on_a_page_of_thirty_lines() -> None:
    lines = tuple(
        DocumentLine("Libellé de ligne assez long pour passer à la ligne " * 2, 2, 1_234, 2000)
        for _ in range(30)
    )
    view = document_view(
        _invoice(*lines),
        creditor_details(Creditor.PRESSIMMO),
        profile_for(DEMO_AGENCIES[0], Creditor.PRESSIMMO, 0),
    )

    for page in document_sheet(view).pages:
        boxes = [
            (
                mark.x,
                mark.y - mark.size * 0.2,
                mark.x + width(mark.text, mark.size, mark.bold),
                mark.y + mark.size * 0.75,
            )
            for mark in page
            if isinstance(mark, Text) and mark.text
        ]
        for first, second in itertools.combinations(boxes, 2):
            overlaps = (
                first[0] < second[2]
                and second[0] < first[2]
                and first[1] < second[3]
                and second[1] < first[3]
            )
            assert not overlaps, (first, second)
        assert all(box[1] >= 20 for box in boxes)  # above the bottom of the page
