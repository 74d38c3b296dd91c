"""The CII XML, business term by business term (EN 16931 BT numbers), from a ledger entry, the creditor's
details and the agency's profile. Expected values are written by hand from the demo data's facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from lxml import etree

from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
from mesfactures.documents.facturx import cii_document, render_cii
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DocumentLine, EntryType, LedgerEntry
from tests.builders import invoice_of_lines

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
HEADER = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
SELLER = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
BUYER = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"
LINES = "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"


def _invoice(*lines: DocumentLine, creditor: Creditor = Creditor.PRESSIMMO) -> LedgerEntry:
    return invoice_of_lines(*lines, number="FA-2026-000123", issued_on=date(2026, 2, 10), creditor=creditor)


def _xml(entry: LedgerEntry, referenced: dict[str, date] | None = None) -> etree._Element:
    profile = profile_for(DEMO_AGENCIES[0], entry.creditor, 0)
    return etree.fromstring(
        render_cii(cii_document(entry, creditor_details(entry.creditor), profile, referenced))
    )


def _one(root: etree._Element, path: str) -> str:
    (found,) = root.xpath(path, namespaces=NS)
    return str(found.text if isinstance(found, etree._Element) else found)


def _all(root: etree._Element, path: str) -> list[str]:
    return [
        str(found.text if isinstance(found, etree._Element) else found)
        for found in root.xpath(path, namespaces=NS)
    ]


TWO_RATES = _invoice(
    DocumentLine("Pack visibilité Premium", 3, 14_900, 2000),
    DocumentLine("Frais d'annonce légale (débours)", 1, 2_500, 0),
)


def test_the_document_header_terms() -> None:
    root = _xml(TWO_RATES)

    assert _one(root, "rsm:ExchangedDocument/ram:ID") == "FA-2026-000123"  # BT-1
    assert _one(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == "20260210"  # BT-2
    assert _one(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString/@format") == "102"
    assert _one(root, "rsm:ExchangedDocument/ram:TypeCode") == "380"  # BT-3
    assert _one(root, f"{HEADER}/ram:InvoiceCurrencyCode") == "EUR"  # BT-5
    assert (
        _one(root, f"{HEADER}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
        == "20260312"
    )  # BT-9
    assert (
        _one(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference")
        == "C100100"
    )  # BT-10
    assert _one(root, f"{HEADER}/ram:PaymentReference") == "FA-2026-000123"  # BT-83
    assert _one(root, f"{HEADER}/ram:SpecifiedTradePaymentTerms/ram:Description") == (
        "À régler au plus tard le 12/03/2026, par virement ou par carte sur le portail."
        " Pas d'escompte pour paiement anticipé."
    )  # BT-20
    context = "rsm:ExchangedDocumentContext"
    assert (
        _one(root, f"{context}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "S1"
    )  # BT-23
    assert (
        _one(root, f"{context}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
        == "urn:cen.eu:en16931:2017"
    )  # BT-24


def test_the_notes_carry_the_recovery_indemnity_penalties_discount_and_the_debits_option() -> None:
    root = _xml(TWO_RATES)
    notes = dict(
        zip(
            _all(root, "rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode"),
            _all(root, "rsm:ExchangedDocument/ram:IncludedNote/ram:Content"),
            strict=True,
        )
    )

    assert sorted(notes) == ["AAB", "BAR", "PMD", "PMT", "TXD"]  # BT-21
    assert "40 €" in notes["PMT"] and "recouvrement" in notes["PMT"]  # BT-22
    assert "trois fois le taux d'intérêt légal" in notes["PMD"]
    assert notes["AAB"] == "Pas d'escompte pour paiement anticipé."
    assert notes["BAR"] == "B2B"
    assert notes["TXD"] == "Option pour le paiement de la taxe d'après les débits."


def test_a_creditor_without_the_debits_option_has_no_such_note_and_vat_due_on_payment() -> None:
    root = _xml(_invoice(DocumentLine("Pack", 1, 10_000, 2000), creditor=Creditor.POLIRIS))

    assert "TXD" not in _all(root, "rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode")
    assert _all(root, f"{HEADER}/ram:ApplicableTradeTax/ram:DueDateTypeCode") == ["72"]  # BT-8: paid to date


def test_the_seller_terms() -> None:
    root = _xml(TWO_RATES)

    assert _one(root, f"{SELLER}/ram:Name") == "PRESSIMMO SAS"  # BT-27
    assert _one(root, f"{SELLER}/ram:GlobalID") == "41234567000019"  # BT-29 (SIRET)
    assert _one(root, f"{SELLER}/ram:GlobalID/@schemeID") == "0009"
    assert _one(root, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID") == "412345670"  # BT-30 (SIREN)
    assert _one(root, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
    assert _one(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID") == "FR96412345670"  # BT-31
    assert _one(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == "VA"
    assert (
        _one(root, f"{SELLER}/ram:Description") == "SAS au capital de 1 000 000 € – RCS Paris 412 345 670"
    )  # BT-33
    assert _one(root, f"{SELLER}/ram:URIUniversalCommunication/ram:URIID") == "412345670"  # BT-34
    assert _one(root, f"{SELLER}/ram:URIUniversalCommunication/ram:URIID/@schemeID") == "0225"
    assert _one(root, f"{SELLER}/ram:PostalTradeAddress/ram:LineOne") == "8 rue du Sentier"  # BT-35
    assert _one(root, f"{SELLER}/ram:PostalTradeAddress/ram:CityName") == "Paris"  # BT-37
    assert _one(root, f"{SELLER}/ram:PostalTradeAddress/ram:PostcodeCode") == "75002"  # BT-38
    assert _one(root, f"{SELLER}/ram:PostalTradeAddress/ram:CountryID") == "FR"  # BT-40


def test_the_buyer_terms() -> None:
    root = _xml(TWO_RATES)

    assert _one(root, f"{BUYER}/ram:Name") == "Agence Exemple Immobilier"  # BT-44
    assert _one(root, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID") == "512345679"  # BT-47 (SIREN)
    assert _one(root, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
    assert _one(root, f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID") == "FR75512345679"  # BT-48
    assert _one(root, f"{BUYER}/ram:URIUniversalCommunication/ram:URIID") == "512345679"  # BT-49
    assert _one(root, f"{BUYER}/ram:URIUniversalCommunication/ram:URIID/@schemeID") == "0225"
    assert _one(root, f"{BUYER}/ram:PostalTradeAddress/ram:LineOne") == "12 avenue de la République"  # BT-50
    assert _one(root, f"{BUYER}/ram:PostalTradeAddress/ram:CityName") == "Lyon"  # BT-52
    assert _one(root, f"{BUYER}/ram:PostalTradeAddress/ram:PostcodeCode") == "69003"  # BT-53
    assert _one(root, f"{BUYER}/ram:PostalTradeAddress/ram:CountryID") == "FR"  # BT-55


def test_the_service_period_is_the_month_of_the_invoice() -> None:
    root = _xml(TWO_RATES)

    assert (
        _one(root, f"{HEADER}/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString") == "20260201"
    )  # BT-73
    assert (
        _one(root, f"{HEADER}/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString") == "20260228"
    )  # BT-74


def test_the_lines() -> None:
    root = _xml(TWO_RATES)

    assert _all(root, f"{LINES}/ram:AssociatedDocumentLineDocument/ram:LineID") == ["1", "2"]  # BT-126
    assert _all(root, f"{LINES}/ram:SpecifiedTradeProduct/ram:Name") == [
        "Pack visibilité Premium",
        "Frais d'annonce légale (débours)",
    ]  # BT-153
    assert _all(root, f"{LINES}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity") == ["3", "1"]  # BT-129
    assert _all(root, f"{LINES}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode") == [
        "C62",
        "C62",
    ]  # BT-130
    price = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"
    assert _all(root, f"{LINES}/{price}") == ["149.00", "25.00"]  # BT-146
    summation = "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
    total = f"{summation}/ram:LineTotalAmount"
    assert _all(root, f"{LINES}/{total}") == ["447.00", "25.00"]  # BT-131
    tax = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
    assert _all(root, f"{LINES}/{tax}/ram:CategoryCode") == ["S", "E"]  # BT-151
    assert _all(root, f"{LINES}/{tax}/ram:RateApplicablePercent") == ["20", "0"]  # BT-152


def test_the_vat_breakdown_with_its_exemption_and_the_totals() -> None:
    root = _xml(TWO_RATES)
    tax = f"{HEADER}/ram:ApplicableTradeTax"

    assert _all(root, f"{tax}/ram:CategoryCode") == ["S", "E"]  # BT-118
    assert _all(root, f"{tax}/ram:RateApplicablePercent") == ["20", "0"]  # BT-119
    assert _all(root, f"{tax}/ram:BasisAmount") == ["447.00", "25.00"]  # BT-116
    assert _all(root, f"{tax}/ram:CalculatedAmount") == ["89.40", "0.00"]  # BT-117
    assert _all(root, f"{tax}/ram:ExemptionReasonCode") == ["VATEX-EU-79-C"]  # BT-121
    assert _all(root, f"{tax}/ram:ExemptionReason")[0].startswith("Débours")  # BT-120
    assert _all(root, f"{tax}/ram:DueDateTypeCode") == ["5"]  # BT-8: VAT on the invoice's date (débits)
    sums = f"{HEADER}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert _one(root, f"{sums}/ram:LineTotalAmount") == "472.00"  # BT-106
    assert _one(root, f"{sums}/ram:TaxBasisTotalAmount") == "472.00"  # BT-109
    assert _one(root, f"{sums}/ram:TaxTotalAmount") == "89.40"  # BT-110
    assert _one(root, f"{sums}/ram:TaxTotalAmount/@currencyID") == "EUR"
    assert _one(root, f"{sums}/ram:GrandTotalAmount") == "561.40"  # BT-112
    assert _one(root, f"{sums}/ram:DuePayableAmount") == "561.40"  # BT-115


def test_reduced_rates_are_written_as_the_french_rules_list_them() -> None:
    root = _xml(
        _invoice(
            DocumentLine("A", 1, 1_000, 550),
            DocumentLine("B", 1, 1_000, 210),
            DocumentLine("C", 1, 1_000, 1000),
        )
    )

    assert _all(root, f"{HEADER}/ram:ApplicableTradeTax/ram:RateApplicablePercent") == ["10", "5.5", "2.1"]
    assert _all(root, f"{HEADER}/ram:ApplicableTradeTax/ram:CalculatedAmount") == ["1.00", "0.55", "0.21"]


def test_a_credit_note_references_the_invoice_it_corrects_with_its_date() -> None:
    credit_note = replace(
        _invoice(DocumentLine("Geste commercial", 1, 1_000, 2000), creditor=Creditor.POLIRIS),
        type=EntryType.CREDIT_NOTE,
        number="AV-2026-000045",
        due_on=None,
        settles=("FA-2026-000123",),
    )
    root = _xml(credit_note, {"FA-2026-000123": date(2026, 1, 31)})

    assert _one(root, "rsm:ExchangedDocument/ram:TypeCode") == "381"  # BT-3
    assert (
        _one(root, f"{HEADER}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == "FA-2026-000123"
    )  # BT-25
    assert (
        _one(root, f"{HEADER}/ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString")
        == "20260131"
    )  # BT-26
    assert (
        _one(root, f"{HEADER}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount")
        == "12.00"
    )
    assert root.xpath(f"{HEADER}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime", namespaces=NS) == []
    assert _one(root, f"{HEADER}/ram:SpecifiedTradePaymentTerms/ram:Description") == (
        "Avoir à imputer sur les sommes dues au titre des factures référencées."
    )  # BT-20


def test_text_from_the_ledger_is_escaped_and_read_back_as_written() -> None:
    label = 'Encart « <b>Côte & Mer</b> » "été"'
    root = _xml(_invoice(DocumentLine(label, 1, 1_000, 2000)))

    assert _all(root, f"{LINES}/ram:SpecifiedTradeProduct/ram:Name") == [label]
