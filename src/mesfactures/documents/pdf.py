"""Invoices and credit notes as Factur-X: a PDF/A-3 page (or several) with the CII XML attached.

Why this renderer: pydyf (the PDF writer under WeasyPrint) is pure Python, ~30 kB, with no dependency, so
it runs on Lambda at no cost to the package or the cold start; WeasyPrint needs Pango, and ReportLab or
fpdf2 bring Pillow (MBs). The text is set in DejaVu Sans, shipped in the package and subset per document
(`truetype.py`), so any text prints as written; the page flows (`layout.py`): long labels wrap, lines go
on to further pages, the totals are never drawn over anything. The content-stream template prints
numbers and encoded text only, so no text from the ledger can alter the page's operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mesfactures.documents.facturx import (
    EXEMPTION_CODE,
    PENALTY_NOTE,
    RECOVERY_NOTE,
    cii_document,
    render_cii,
    service_period,
)
from mesfactures.documents.formatting import format_date, format_eur, format_rate
from mesfactures.documents.layout import LEFT, RIGHT, Sheet, draw, wrap
from mesfactures.documents.pdfa import Attachment, Identity
from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.ledger import EntryType, LedgerEntry
from mesfactures.domain.money import vat_cents

FACTURX_FILENAME = "factur-x.xml"
FACTURX_LEVEL = "EN 16931"
# Columns of the lines' table (points from the left of the page).
LABEL_WIDTH, QUANTITY_X, PRICE_RIGHT, RATE_X = 236, 300, 420, 432


@dataclass(frozen=True)
class LineView:
    label: str
    quantity: str
    unit_price: str
    vat_rate: str
    net: str


@dataclass(frozen=True)
class VatRow:
    label: str
    vat: str


@dataclass(frozen=True)
class DocumentView:
    title: str
    number: str
    issued_on: str
    due_on: str
    seller: tuple[str, ...]
    buyer: tuple[str, ...]
    details: tuple[str, ...]
    lines: tuple[LineView, ...]
    vat_rows: tuple[VatRow, ...]
    net_total: str
    vat_total: str
    gross_total: str
    mentions: tuple[str, ...]
    author: str
    created_on: date
    xml: bytes


def document_view(
    entry: LedgerEntry,
    seller: CreditorDetails,
    buyer: AccountProfile,
    referenced: dict[str, date] | None = None,
) -> DocumentView:
    """What the document says, in French, from the ledger: totals are computed, never stored twice.
    `referenced`: the dates of the invoices a credit note corrects."""
    sign = -1 if entry.type is EntryType.CREDIT_NOTE else 1
    by_rate: dict[int, int] = {}
    for line in entry.lines:
        by_rate[line.vat_rate_basis_points] = by_rate.get(line.vat_rate_basis_points, 0) + line.net_cents
    vat_by_rate = {rate: vat_cents(base, rate) for rate, base in by_rate.items()}
    net = sum(by_rate.values())
    vat = sum(vat_by_rate.values())
    dates = referenced or {}
    return DocumentView(
        title="FACTURE" if entry.type is EntryType.INVOICE else "AVOIR",
        number=entry.number,
        issued_on=format_date(entry.issued_on),
        due_on=format_date(entry.due_on) if entry.due_on else "",
        seller=_seller(seller),
        buyer=_buyer(buyer),
        details=_details(entry, seller, dates),
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
            VatRow(_vat_label(rate, sign * by_rate[rate]), format_eur(sign * vat_by_rate[rate]))
            for rate in sorted(by_rate, reverse=True)
        ),
        net_total=format_eur(sign * net),
        vat_total=format_eur(sign * vat),
        gross_total=format_eur(sign * (net + vat)),
        mentions=_mentions(entry, 0 in by_rate),
        author=seller.legal_name,
        created_on=entry.issued_on,
        xml=render_cii(cii_document(entry, seller, buyer, dates)),
    )


def _seller(seller: CreditorDetails) -> tuple[str, ...]:
    address = seller.address
    registration = f"SIREN {seller.siren}" + (f" – SIRET {seller.siret}" if seller.siret else "")
    return tuple(
        text
        for text in (
            seller.legal_name,
            seller.legal_form,
            seller.rcs,
            address.street,
            f"{address.postal_code} {address.city}",
            registration,
            f"TVA intracommunautaire {seller.vat_number}",
        )
        if text
    )


def _buyer(buyer: AccountProfile) -> tuple[str, ...]:
    address = buyer.billing.address
    lines = [buyer.legal_name, address.street, f"{address.postal_code} {address.city}"]
    if buyer.identifiers is not None:
        lines += [
            f"SIREN {buyer.identifiers.siren}",
            f"TVA intracommunautaire {buyer.identifiers.vat_number}",
            f"Adresse électronique {buyer.identifiers.electronic_address}",
        ]
    lines.append(f"Compte client {buyer.account_number}")
    return tuple(lines)


def _details(entry: LedgerEntry, seller: CreditorDetails, dates: dict[str, date]) -> tuple[str, ...]:
    start, end = service_period(entry.issued_on)
    details = [
        "Nature de l'opération : prestations de services (cadre de facturation S1)",
        f"Période de service : du {format_date(start)} au {format_date(end)}",
    ]
    if seller.vat_on_debits:
        details.append("Option pour le paiement de la taxe d'après les débits")
    for number in entry.settles:
        known = f" du {format_date(dates[number])}" if number in dates else ""
        details.append(f"Facture concernée : {number}{known}")
    return tuple(details)


def _vat_label(rate: int, base_cents: int) -> str:
    if rate == 0:
        return f"Exonéré (débours) sur {format_eur(base_cents)}"
    return f"TVA {format_rate(rate)} sur {format_eur(base_cents)}"


def _mentions(entry: LedgerEntry, exempt_lines: bool) -> tuple[str, ...]:
    exemption = (
        (
            "Lignes à 0 % : débours, sommes remboursées au nom et pour le compte du client, exonérées de TVA"
            f" (art. 267 II 2° du CGI ; art. 79 c de la directive 2006/112/CE ; code {EXEMPTION_CODE}).",
        )
        if exempt_lines
        else ()
    )
    if entry.type is EntryType.CREDIT_NOTE:
        return ("Cet avoir vient en déduction des sommes dues au titre des factures référencées.", *exemption)
    due = format_date(entry.due_on or entry.issued_on)
    return (
        f"Conditions de paiement : à régler au plus tard le {due}. Pas d'escompte pour paiement anticipé.",
        PENALTY_NOTE,
        RECOVERY_NOTE,
        *exemption,
    )


def render_pdf(view: DocumentView) -> bytes:
    """The Factur-X PDF: the page(s) laid out, the CII XML attached as `factur-x.xml` (relationship Data)."""
    identity = Identity(
        f"{view.title.capitalize()} {view.number}", view.author, view.created_on, FACTURX_LEVEL
    )
    attachment = Attachment(FACTURX_FILENAME, view.xml, "text/xml", "Data", "Factur-X")
    return draw(document_sheet(view), identity, attachment)


def document_sheet(view: DocumentView) -> Sheet:
    """The pages laid out: header, the lines (a table whose header repeats on each page), the totals
    placed whole, then the mentions."""
    sheet = Sheet()
    _header(sheet, view)
    _lines(sheet, view)
    _totals(sheet, view)
    sheet.down(10)
    for mention in view.mentions:
        sheet.paragraph(mention, size=7.5)
    sheet.footer(f"{view.title.capitalize()} {view.number}")
    return sheet


def _header(sheet: Sheet, view: DocumentView) -> None:
    sheet.text(LEFT, view.title, 20, bold=True)
    sheet.text(350, f"Date : {view.issued_on}", 10)
    sheet.down(18)
    sheet.text(LEFT, f"N° {view.number}", 10)
    if view.due_on:
        sheet.text(350, f"Échéance : {view.due_on}", 10, y=sheet.y + 2)
    sheet.down(28)
    top = sheet.y
    sheet.text(350, "Client", 8, y=top + 12)
    seller_y = _block(sheet, LEFT, top, view.seller)
    buyer_y = _block(sheet, 350, top, view.buyer)
    sheet.y = min(seller_y, buyer_y) - 8
    for detail in view.details:
        sheet.paragraph(detail, size=8.5)
    sheet.down(8)


def _block(sheet: Sheet, x: float, top: float, texts: tuple[str, ...]) -> float:
    y = top
    for index, text in enumerate(texts):
        for line in wrap(text, 245 if x == LEFT else RIGHT - x, 9, bold=index == 0):
            sheet.text(x, line, 9, bold=index == 0, y=y)
            y -= 11.5
    return y


def _table_header(sheet: Sheet) -> None:
    sheet.band(LEFT, RIGHT - LEFT, 16)
    sheet.text(LEFT + 4, "Désignation", 9, bold=True)
    sheet.text(QUANTITY_X, "Qté", 9, bold=True)
    sheet.right(PRICE_RIGHT, "Prix unitaire HT", 9, bold=True)
    sheet.text(RATE_X, "TVA", 9, bold=True)
    sheet.right(RIGHT - 4, "Montant HT", 9, bold=True)
    sheet.down(18)


def _lines(sheet: Sheet, view: DocumentView) -> None:
    _table_header(sheet)
    sheet.repeat = _table_header
    for line in view.lines:
        labels = wrap(line.label, LABEL_WIDTH, 9)
        sheet.need(len(labels) * 11 + 3)
        sheet.text(QUANTITY_X, line.quantity)
        sheet.right(PRICE_RIGHT, line.unit_price)
        sheet.text(RATE_X, line.vat_rate)
        sheet.right(RIGHT - 4, line.net)
        for label in labels:
            sheet.text(LEFT + 4, label)
            sheet.down(11)
        sheet.down(3)
    sheet.repeat = None


def _totals(sheet: Sheet, view: DocumentView) -> None:
    """The totals block is placed whole: on this page if it fits, else at the top of the next."""
    sheet.need(20 + len(view.vat_rows) * 12 + 50)
    sheet.down(4)
    sheet.rule(LEFT, RIGHT, y=sheet.y + 10)
    sheet.down(6)
    for row in view.vat_rows:
        sheet.text(300, row.label)
        sheet.right(RIGHT - 4, row.vat)
        sheet.down(12)
    sheet.down(6)
    for label, value, size, bold in (
        ("Total HT", view.net_total, 10, False),
        ("Total TVA", view.vat_total, 10, False),
        ("Total TTC", view.gross_total, 11, True),
    ):
        sheet.text(300, label, size, bold)
        sheet.right(RIGHT - 4, value, size, bold)
        sheet.down(16)
