"""The invoice or credit note as Factur-X data: the UN/CEFACT CII XML of the EN 16931 profile, with the
French rules (BR-FR), written from the ledger entry, the creditor's details and the agency's profile.

The XML is written by a Jinja2 template (autoescaped, strict): nothing here but the mapping of each
business term (BT) to text. Amounts are integer cents written with two decimals, never through a float.
Where the ledger is silent, the mapping decides (docs/einvoicing.md): the service period is the month of
the invoice, and a 0 % line is a disbursement ("débours"), exempt under article 79 c of the VAT directive.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import jinja2

from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.ledger import EntryType, LedgerEntry
from mesfactures.domain.money import vat_cents

PROFILE_URN = "urn:cen.eu:en16931:2017"
# BT-23, "cadre de facturation": S1, an invoice of services (advertising), not yet paid.
SERVICES_FRAMEWORK = "S1"
INVOICE, CREDIT_NOTE = "380", "381"
# UNTDID 2475 as CII writes BT-8: VAT due on the invoice's date (the "débits" option) or when paid.
VAT_DUE_ON_INVOICE, VAT_DUE_ON_PAYMENT = "5", "72"
EXEMPTION_CODE = "VATEX-EU-79-C"
EXEMPTION_REASON = "Débours : sommes remboursées au nom et pour le compte du client (art. 267 II 2° du CGI)"
PENALTY_NOTE = (
    "Tout retard de paiement entraîne des pénalités au taux de trois fois le taux d'intérêt légal"
    " (art. L441-10 du Code de commerce)."
)
RECOVERY_NOTE = (
    "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €"
    " (art. L441-10 et D441-5 du Code de commerce)."
)
DISCOUNT_NOTE = "Pas d'escompte pour paiement anticipé."
DEBITS_NOTE = "Option pour le paiement de la taxe d'après les débits."


@dataclass(frozen=True)
class Note:
    subject: str
    content: str


@dataclass(frozen=True)
class Party:
    name: str
    siren: str
    vat_number: str
    electronic_address: str
    street: str
    postal_code: str
    city: str
    country: str
    siret: str = ""
    legal_information: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Line:
    line_id: str
    name: str
    quantity: str
    unit_price: str
    net: str
    vat_category: str
    vat_rate: str


@dataclass(frozen=True)
class VatBreakdown:
    category: str
    rate: str
    base: str
    vat: str
    exemption_reason: str
    exemption_code: str
    due_date_code: str


@dataclass(frozen=True)
class Reference:
    number: str
    issued_on: str


@dataclass(frozen=True)
class CiiDocument:
    number: str
    type_code: str
    billing_framework: str
    issued_on: str
    due_on: str
    payment_terms: str
    currency: str
    notes: tuple[Note, ...]
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    vat_breakdown: tuple[VatBreakdown, ...]
    period_start: str
    period_end: str
    net_total: str
    vat_total: str
    gross_total: str
    references: tuple[Reference, ...]


def amount(cents: int) -> str:
    """Cents as the decimal CII writes: 1234 -> "12.34", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units}.{rest:02d}"


def percent(basis_points: int) -> str:
    """A VAT rate as BR-FR-16 lists them: 2000 -> "20", 550 -> "5.5", 210 -> "2.1"."""
    whole, rest = divmod(basis_points, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def day(value: date) -> str:
    return value.strftime("%Y%m%d")


def service_period(issued_on: date) -> tuple[date, date]:
    """The month the invoice was issued in: advertising is billed by the month."""
    start = issued_on.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def cii_document(
    entry: LedgerEntry,
    seller: CreditorDetails,
    buyer: AccountProfile,
    referenced: dict[str, date] | None = None,
) -> CiiDocument:
    """The business terms of one invoice or credit note. `referenced` gives the dates of the invoices a
    credit note corrects (BT-26), read from the ledger."""
    by_rate: dict[int, int] = {}
    for line in entry.lines:
        by_rate[line.vat_rate_basis_points] = by_rate.get(line.vat_rate_basis_points, 0) + line.net_cents
    vat_by_rate = {rate: vat_cents(base, rate) for rate, base in by_rate.items()}
    net, vat = sum(by_rate.values()), sum(vat_by_rate.values())
    start, end = service_period(entry.issued_on)
    due_code = VAT_DUE_ON_INVOICE if seller.vat_on_debits else VAT_DUE_ON_PAYMENT
    dates = referenced or {}
    return CiiDocument(
        number=entry.number,
        type_code=CREDIT_NOTE if entry.type is EntryType.CREDIT_NOTE else INVOICE,
        billing_framework=SERVICES_FRAMEWORK,
        issued_on=day(entry.issued_on),
        due_on=day(entry.due_on) if entry.due_on else "",
        payment_terms=_payment_terms(entry),
        currency=entry.amount.currency,
        notes=_notes(seller),
        seller=_seller(seller),
        buyer=_buyer(buyer),
        lines=tuple(
            Line(
                line_id=str(index),
                name=line.label,
                quantity=str(line.quantity),
                unit_price=amount(line.unit_net_cents),
                net=amount(line.net_cents),
                vat_category=_category(line.vat_rate_basis_points),
                vat_rate=percent(line.vat_rate_basis_points),
            )
            for index, line in enumerate(entry.lines, start=1)
        ),
        vat_breakdown=tuple(
            VatBreakdown(
                category=_category(rate),
                rate=percent(rate),
                base=amount(by_rate[rate]),
                vat=amount(vat_by_rate[rate]),
                exemption_reason=EXEMPTION_REASON if rate == 0 else "",
                exemption_code=EXEMPTION_CODE if rate == 0 else "",
                due_date_code="" if rate == 0 else due_code,
            )
            for rate in sorted(by_rate, reverse=True)
        ),
        period_start=day(start),
        period_end=day(end),
        net_total=amount(net),
        vat_total=amount(vat),
        gross_total=amount(net + vat),
        references=tuple(
            Reference(number, day(dates[number]) if number in dates else "") for number in entry.settles
        ),
    )


def _payment_terms(entry: LedgerEntry) -> str:
    """BT-20: when an invoice is to be paid; a credit note is set against what is due."""
    if entry.type is EntryType.CREDIT_NOTE:
        return "Avoir à imputer sur les sommes dues au titre des factures référencées."
    due = (entry.due_on or entry.issued_on).strftime("%d/%m/%Y")
    return f"À régler au plus tard le {due}, par virement ou par carte sur le portail. {DISCOUNT_NOTE}"


def _category(basis_points: int) -> str:
    return "E" if basis_points == 0 else "S"


def _notes(seller: CreditorDetails) -> tuple[Note, ...]:
    notes = [
        Note("PMT", RECOVERY_NOTE),
        Note("PMD", PENALTY_NOTE),
        Note("AAB", DISCOUNT_NOTE),
        Note("BAR", "B2B"),
    ]
    if seller.vat_on_debits:
        notes.append(Note("TXD", DEBITS_NOTE))
    return tuple(notes)


def _seller(seller: CreditorDetails) -> Party:
    address = seller.address
    legal = " – ".join(part for part in (seller.legal_form, seller.rcs) if part)
    return Party(
        name=seller.legal_name,
        siren=seller.siren,
        vat_number=seller.vat_number,
        electronic_address=seller.electronic_address or seller.siren,
        street=address.street,
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
        siret=seller.siret,
        legal_information=legal,
    )


def _buyer(buyer: AccountProfile) -> Party:
    address = buyer.billing.address
    identifiers = buyer.identifiers
    return Party(
        name=buyer.legal_name,
        siren=identifiers.siren if identifiers else "",
        vat_number=identifiers.vat_number if identifiers else "",
        electronic_address=identifiers.electronic_address if identifiers else "",
        street=address.street,
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
        reference=buyer.account_number,
    )


def render_cii(document: CiiDocument) -> bytes:
    return _environment().get_template("documents/factur-x.xml.j2").render(doc=document).encode("utf-8")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("mesfactures", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
