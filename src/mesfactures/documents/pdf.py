"""Invoices and credit notes as PDF, from a Jinja2 template of the page's content stream.

Why this renderer: pydyf (the PDF writer under WeasyPrint) is pure Python, ~30 kB, with no dependency, so
it runs on Lambda at no cost to the package or the cold start; WeasyPrint needs Pango, and ReportLab or
fpdf2 bring Pillow and fonts (MBs). The layout lives in the template; this module only makes every value
safe: each `{{ }}` prints either a number or a PDF hex string (WinAnsi), so no text from the ledger can
alter the page's operators.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any

import jinja2
import pydyf

from mesfactures.documents.formatting import format_date, format_eur, format_rate
from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.ledger import EntryType, LedgerEntry
from mesfactures.domain.money import vat_cents

A4 = (595, 842)
# Helvetica advance widths (1/1000 em) of the characters that amounts are made of; others count as 556.
_HELVETICA_WIDTHS = {" ": 278, "\u00a0": 278, ",": 278, ".": 278, "-": 333, "%": 889, "€": 556}


@dataclass(frozen=True)
class LineView:
    label: str
    quantity: str
    unit_price: str
    vat_rate: str
    net: str


@dataclass(frozen=True)
class VatRow:
    rate: str
    base: str
    vat: str


@dataclass(frozen=True)
class DocumentView:
    title: str
    number: str
    issued_on: str
    due_on: str
    seller: tuple[str, ...]
    buyer: tuple[str, ...]
    lines: tuple[LineView, ...]
    vat_rows: tuple[VatRow, ...]
    net_total: str
    vat_total: str
    gross_total: str
    references: tuple[str, ...]
    mentions: tuple[str, ...]


def document_view(entry: LedgerEntry, seller: CreditorDetails, buyer: AccountProfile) -> DocumentView:
    """What the document says, in French, from the ledger: totals are computed, never stored twice."""
    sign = -1 if entry.type is EntryType.CREDIT_NOTE else 1
    by_rate: dict[int, int] = {}
    for line in entry.lines:
        by_rate[line.vat_rate_basis_points] = by_rate.get(line.vat_rate_basis_points, 0) + line.net_cents
    vat_by_rate = {rate: vat_cents(base, rate) for rate, base in by_rate.items()}
    net = sum(by_rate.values())
    vat = sum(vat_by_rate.values())
    address = seller.address
    return DocumentView(
        title="FACTURE" if entry.type is EntryType.INVOICE else "AVOIR",
        number=entry.number,
        issued_on=format_date(entry.issued_on),
        due_on=format_date(entry.due_on) if entry.due_on else "",
        seller=(
            seller.legal_name,
            seller.legal_form,
            address.street,
            f"{address.postal_code} {address.city}",
            f"SIREN {seller.siren} – TVA intracommunautaire {seller.vat_number}",
        ),
        buyer=(
            buyer.legal_name,
            buyer.billing.address.street,
            f"{buyer.billing.address.postal_code} {buyer.billing.address.city}",
            f"Compte client {buyer.account_number}",
        ),
        lines=tuple(
            LineView(
                label=line.label,
                quantity=str(line.quantity),
                unit_price=format_eur(line.unit_net_cents),
                vat_rate=format_rate(line.vat_rate_basis_points),
                net=format_eur(sign * line.net_cents),
            )
            for line in entry.lines
        ),
        vat_rows=tuple(
            VatRow(format_rate(rate), format_eur(sign * by_rate[rate]), format_eur(sign * vat_by_rate[rate]))
            for rate in sorted(by_rate)
        ),
        net_total=format_eur(sign * net),
        vat_total=format_eur(sign * vat),
        gross_total=format_eur(sign * (net + vat)),
        references=tuple(f"Facture concernée : {number}" for number in entry.settles),
        mentions=_mentions(entry),
    )


def _mentions(entry: LedgerEntry) -> tuple[str, ...]:
    if entry.type is EntryType.CREDIT_NOTE:
        return ("Cet avoir vient en déduction des sommes dues au titre des factures référencées.",)
    due = format_date(entry.due_on or entry.issued_on)
    return (
        f"Conditions de paiement : à régler au plus tard le {due}. Pas d'escompte pour paiement anticipé.",
        "Tout retard de paiement entraîne des pénalités au taux de trois fois le taux d'intérêt légal"
        " (art. L441-10 du Code de commerce),",
        "ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 € (art. D441-5).",
    )


def render_pdf(view: DocumentView) -> bytes:
    content = _environment().get_template("documents/document.pdf.j2").render(doc=view)
    return _pdf(content.encode("ascii"))


def _pdf_value(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError("a boolean has no place on a page")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, str):
        return "<" + value.encode("cp1252", errors="replace").hex() + ">"
    raise TypeError(f"cannot print {type(value).__name__} on a page")


def _text_width(text: str, size: int) -> float:
    return sum(_HELVETICA_WIDTHS.get(ch, 556) for ch in text) * size / 1000


@functools.cache
def _environment() -> jinja2.Environment:
    # Not HTML but a PDF content stream: `finalize` encodes every value as a PDF string (bandit B701).
    environment = jinja2.Environment(  # nosec B701
        loader=jinja2.PackageLoader("mesfactures", "templates"),
        undefined=jinja2.StrictUndefined,
        finalize=_pdf_value,
        autoescape=False,  # noqa: S701 (not HTML: every value is encoded as a PDF string by finalize)
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["width"] = _text_width
    return environment


def _pdf(content: bytes) -> bytes:
    document = pydyf.PDF()
    fonts = {}
    for name, base_font in (("F1", "Helvetica"), ("F2", "Helvetica-Bold")):
        font = pydyf.Dictionary(
            {
                "Type": "/Font",
                "Subtype": "/Type1",
                "BaseFont": f"/{base_font}",
                "Encoding": "/WinAnsiEncoding",
            }
        )
        document.add_object(font)
        fonts[name] = font.reference
    stream = pydyf.Stream([content], compress=True)
    document.add_object(stream)
    page = pydyf.Dictionary(
        {
            "Type": "/Page",
            "Parent": document.pages.reference,
            "MediaBox": pydyf.Array([0, 0, *A4]),
            "Contents": stream.reference,
            "Resources": pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)}),
        }
    )
    document.add_page(page)
    output = io.BytesIO()
    document.write(output, compress=True)
    return output.getvalue()
