"""E-invoices in the feed: a CII XML (UN/CEFACT Cross Industry Invoice, EN 16931) the creditor's platform
or ERP emits, or the one a Factur-X PDF carries, becomes a ledger entry, with the same validation as a
row of a data file, and the file itself is kept as the legal document (served as received, never drawn).

What is checked in the import function (docs/decisions.md): the file is parsed with DTDs refused; it must
be valid against the Factur-X EN 16931 XSD (`xsd/`, checked with the pure-Python `xmlschema`); then the
EN 16931 rules the ledger relies on, each reported with its official id — totals and VAT breakdown
(BR-CO-10, BR-CO-13, BR-CO-14, BR-CO-15, BR-S-08) — and the portal's own rules (ids `MF-…`).
A file rejected is reported whole (`line` 0) with the rule's id and message; nothing is written."""

from __future__ import annotations

import functools
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import EntryType
from mesfactures.domain.money import vat_cents
from mesfactures.imports.rows import ImportRow, RawRow, RowError, validate

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CII_ROOT = f"{{{RSM}}}CrossIndustryInvoice"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_NS = {
    "rsm": RSM,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
XSD_FOLDER = Path(__file__).with_name("xsd")


@dataclass(frozen=True)
class Syntax:
    """Where a syntax (CII, UBL) holds what the ledger reads: the same checks run on either."""

    name: str
    xsd: str  # under xsd/
    number: str
    type_code: str
    issued: str
    due: str
    currency: str
    buyer: str
    lines: str
    line_name: str
    line_quantity: str
    line_price: str
    line_rate: str
    line_total: str
    total_lines: str
    total_basis: str
    total_vat: str
    total_grand: str
    breakdown: str
    breakdown_vat: str
    breakdown_basis: str
    breakdown_rate: str
    allowances: str
    corrected: str


_CII_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_CII_TOTALS = f"{_CII_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
CII = Syntax(
    name="CII",
    xsd="Factur-X_EN16931.xsd",
    number="rsm:ExchangedDocument/ram:ID",
    type_code="rsm:ExchangedDocument/ram:TypeCode",
    issued="rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    due=f"{_CII_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    currency=f"{_CII_SETTLEMENT}/ram:InvoiceCurrencyCode",
    buyer=".//ram:BuyerTradeParty/ram:ID",
    lines="rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    line_name="ram:SpecifiedTradeProduct/ram:Name",
    line_quantity="ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",
    line_price="ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
    line_rate=".//ram:ApplicableTradeTax/ram:RateApplicablePercent",
    line_total=".//ram:LineTotalAmount",
    total_lines=f"{_CII_TOTALS}/ram:LineTotalAmount",
    total_basis=f"{_CII_TOTALS}/ram:TaxBasisTotalAmount",
    total_vat=f"{_CII_TOTALS}/ram:TaxTotalAmount",
    total_grand=f"{_CII_TOTALS}/ram:GrandTotalAmount",
    breakdown=f"{_CII_SETTLEMENT}/ram:ApplicableTradeTax",
    breakdown_vat="ram:CalculatedAmount",
    breakdown_basis="ram:BasisAmount",
    breakdown_rate="ram:RateApplicablePercent",
    allowances=f"{_CII_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge",
    corrected=f"{_CII_SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID",
)


def _ubl(kind: str) -> Syntax:
    """UBL 2.1 (EN 16931's other syntax): an Invoice, or a CreditNote whose lines are named after it."""
    line, quantity = ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    if kind == "CreditNote":
        line, quantity = ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    return Syntax(
        name="UBL",
        xsd=f"ubl/maindoc/UBL-{kind}-2.1.xsd",
        number="cbc:ID",
        type_code=f"cbc:{kind}TypeCode",
        issued="cbc:IssueDate",
        due="cbc:DueDate" if kind == "Invoice" else "cac:PaymentMeans/cbc:PaymentDueDate",
        currency="cbc:DocumentCurrencyCode",
        buyer="cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID",
        lines=line,
        line_name="cac:Item/cbc:Name",
        line_quantity=quantity,
        line_price="cac:Price/cbc:PriceAmount",
        line_rate="cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",
        line_total="cbc:LineExtensionAmount",
        total_lines="cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        total_basis="cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        total_vat="cac:TaxTotal/cbc:TaxAmount",
        total_grand="cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        breakdown="cac:TaxTotal/cac:TaxSubtotal",
        breakdown_vat="cbc:TaxAmount",
        breakdown_basis="cbc:TaxableAmount",
        breakdown_rate="cac:TaxCategory/cbc:Percent",
        allowances="cac:AllowanceCharge",
        corrected="cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
    )


SYNTAXES = {
    CII_ROOT: CII,
    f"{{{UBL_INVOICE}}}Invoice": _ubl("Invoice"),
    f"{{{UBL_CREDIT_NOTE}}}CreditNote": _ubl("CreditNote"),
}
MAX_BYTES = 5 * 1024 * 1024
MAX_PDF_BYTES = 10 * 1024 * 1024
FACTURX_NAME = "factur-x.xml"
_VERSION = re.compile(r"-v([0-9]{1,4})\.(xml|pdf)$")
_KINDS = {"380": EntryType.INVOICE, "381": EntryType.CREDIT_NOTE}
_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_TOTALS = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


class EInvoiceRejected(Exception):
    """The file breaks a rule: its id (`XSD`, `BR-CO-15`, `MF-…`) and its message, in French."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule} : {message}")
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class EInvoice:
    row: ImportRow  # the ledger entry, validated as a data file's row would be, and its version


def is_einvoice(content: bytes) -> bool:
    """Whether an XML file of the inbox is an invoice, CII or UBL (rather than a lifecycle message)."""
    head = content[:4096]
    return b"CrossIndustryInvoice" in head or UBL_INVOICE.encode() in head or UBL_CREDIT_NOTE.encode() in head


def facturx_xml(content: bytes) -> bytes | None:
    """The CII a Factur-X PDF carries (`factur-x.xml`), or None: a PDF without one (the attachment of a
    data file) or one that cannot be read is not an e-invoice. The PDF/A-3 structure is not checked here."""
    if not content.startswith(b"%PDF-") or len(content) > MAX_PDF_BYTES:
        return None
    from pypdf import PdfReader  # loaded by a PDF of the inbox only
    from pypdf.errors import PyPdfError

    try:
        attached = PdfReader(io.BytesIO(content)).attachments.get(FACTURX_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    return attached[0] if attached else None


def version_of(file_name: str) -> int:
    """An e-invoice carries no version of its own: a corrected file is sent as `<name>-v2.xml`."""
    found = _VERSION.search(file_name)
    return int(found.group(1)) if found else 1


def read_einvoice(content: bytes, creditor: Creditor, file_name: str) -> EInvoice:
    """The ledger entry of a CII or UBL invoice or credit note; EInvoiceRejected with the first rule it
    breaks."""
    if len(content) > MAX_BYTES:
        raise EInvoiceRejected("MF-TAILLE", "le fichier dépasse 5 Mo")
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException) as error:
        raise EInvoiceRejected("XML", f"XML refusé ({type(error).__name__})") from None
    syntax = SYNTAXES.get(root.tag)
    if syntax is None:
        raise EInvoiceRejected("XML", "ce n'est ni une facture CII (CrossIndustryInvoice) ni une facture UBL")
    invalid = next(iter(_schema(syntax.xsd).iter_errors(root)), None)
    if invalid is not None:
        raise EInvoiceRejected("XSD", _prefixed(f"{invalid.reason} ({invalid.path})"))
    _check_rules(root, syntax)
    fields = _fields(root, creditor, file_name, syntax)
    try:
        return EInvoice(validate(RawRow(0, fields), creditor))
    except RowError as error:
        raise EInvoiceRejected("MF-LIGNE", str(error)) from None


def _prefixed(text: str) -> str:
    """`{urn:…:ReusableAggregateBusinessInformationEntity:100}TypeCode` as `ram:TypeCode`."""
    for prefix, uri in _NS.items():
        text = text.replace(f"{{{uri}}}", f"{prefix}:")
    return text


@functools.cache
def _schema(name: str) -> Any:
    """Loaded once per process (CII 0.9 s, UBL several seconds): the import function keeps them."""
    import xmlschema

    return xmlschema.XMLSchema(str(XSD_FOLDER / name))


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, _NS)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _amount(element: ET.Element, path: str, rule: str) -> int:
    """An amount in cents; the XSD allows more decimals than a cent, the ledger does not."""
    raw = _text(element, path)
    try:
        value = Decimal(raw or "")
    except InvalidOperation:
        raise EInvoiceRejected(rule, f"montant absent ou illisible : {path.rsplit('/', 1)[-1]}") from None
    cents = value * 100
    if cents != cents.to_integral_value():
        raise EInvoiceRejected("MF-CENTIMES", f"{raw} : un montant s'exprime au centime près")
    return int(cents)


def _rate_bp(element: ET.Element, path: str) -> int:
    raw = _text(element, path) or "0"
    try:
        bp = Decimal(raw) * 100
    except InvalidOperation:
        raise EInvoiceRejected("MF-TVA", f"taux de TVA illisible : {raw}") from None
    if bp != bp.to_integral_value():
        raise EInvoiceRejected("MF-TVA", f"taux de TVA non accepté : {raw} %")
    return int(bp)


def _check_rules(root: ET.Element, syntax: Syntax) -> None:
    """EN 16931's rules on totals and VAT that the ledger's amounts rest on, by their official ids."""
    lines = root.findall(syntax.lines, _NS)
    line_net = [_amount(line, syntax.line_total, "BR-24") for line in lines]
    by_rate: dict[int, int] = defaultdict(int)
    for line, net in zip(lines, line_net, strict=True):
        by_rate[_rate_bp(line, syntax.line_rate)] += net
    total_lines = _amount(root, syntax.total_lines, "BR-12")
    basis = _amount(root, syntax.total_basis, "BR-13")
    vat_total = _amount(root, syntax.total_vat, "BR-CO-14")
    grand = _amount(root, syntax.total_grand, "BR-14")
    if sum(line_net) != total_lines:
        raise EInvoiceRejected("BR-CO-10", "la somme des nets des lignes diffère du total des lignes")
    if root.find(syntax.allowances, _NS) is not None:
        raise EInvoiceRejected("MF-REMISE", "remises et frais de pied de facture non pris en charge")
    if basis != total_lines:
        raise EInvoiceRejected("BR-CO-13", "le total hors TVA diffère du total des lignes")
    breakdown = root.findall(syntax.breakdown, _NS)
    if sum(_amount(tax, syntax.breakdown_vat, "BR-CO-14") for tax in breakdown) != vat_total:
        raise EInvoiceRejected("BR-CO-14", "le total de TVA diffère de la somme des montants par taux")
    for tax in breakdown:
        rate = _rate_bp(tax, syntax.breakdown_rate)
        base = _amount(tax, syntax.breakdown_basis, "BR-S-08")
        if base != by_rate.get(rate, 0):
            raise EInvoiceRejected("BR-S-08", f"la base de TVA à {rate / 100:g} % diffère des lignes")
        # The ledger's own rule (as for a data file's row), stricter than BR-CO-17 as the official
        # schematron runs it (tests/unit/test_einvoice_schematron.py): hence a portal id.
        if _amount(tax, syntax.breakdown_vat, "BR-CO-14") != vat_cents(base, rate):
            raise EInvoiceRejected("MF-TVA", f"la TVA à {rate / 100:g} % n'est pas base × taux arrondie")
    if grand != basis + vat_total:
        raise EInvoiceRejected("BR-CO-15", "le total TTC diffère du total hors TVA plus la TVA")


def _fields(root: ET.Element, creditor: Creditor, file_name: str, syntax: Syntax) -> dict[str, Any]:
    """The invoice as a row of the JSON Lines feed, so that it is judged by the same validation."""
    kind = _KINDS.get(_text(root, syntax.type_code) or "")
    if kind is None:
        raise EInvoiceRejected("MF-TYPE", "seules les factures (380) et les avoirs (381) sont pris en charge")
    currency = _text(root, syntax.currency)
    if currency != "EUR":
        raise EInvoiceRejected("MF-DEVISE", f"devise {currency} : le portail tient les comptes en euros")
    lines = [_line(line, syntax) for line in root.findall(syntax.lines, _NS)]
    due = _text(root, syntax.due)
    first_label = str(lines[0]["label"]) if lines else ""
    return {
        "creditor": creditor.value,
        "agency_id": _text(root, syntax.buyer) or "",
        "type": kind.value,
        "number": _text(root, syntax.number) or "",
        "issued_on": _iso(_text(root, syntax.issued) or ""),
        "due_on": _iso(due) if due else "",
        "label": first_label + (f" (+{len(lines) - 1} ligne(s))" if len(lines) > 1 else ""),
        "lines": lines,
        "vat_cents": _amount(root, syntax.total_vat, "BR-CO-14"),
        "gross_cents": _amount(root, syntax.total_grand, "BR-14"),
        "settles": _text(root, syntax.corrected) or "",
        "version": version_of(file_name),
    }


def _line(line: ET.Element, syntax: Syntax) -> dict[str, Any]:
    quantity = _text(line, syntax.line_quantity) or ""
    try:
        whole = Decimal(quantity)
    except InvalidOperation:
        whole = Decimal("0.5")
    if whole != whole.to_integral_value():
        raise EInvoiceRejected("MF-QUANTITE", f"quantité {quantity} : le portail compte en unités entières")
    return {
        "label": (_text(line, syntax.line_name) or "")[:200],
        "quantity": int(whole),
        "unit_net_cents": _amount(line, syntax.line_price, "BR-26"),
        "vat_rate_bp": _rate_bp(line, syntax.line_rate),
    }


def _iso(compact: str) -> str:
    """`20261102` (format 102) as `2026-11-02`; anything else is left for the row's date check."""
    return f"{compact[:4]}-{compact[4:6]}-{compact[6:8]}" if re.fullmatch(r"[0-9]{8}", compact) else compact
