"""Every document the portal draws is a Factur-X: a PDF/A-3 file whose structure is checked here (no PDF/A
validator is installable: docs/einvoicing.md), carrying a CII XML that passes the Factur-X XSD and the
official EN 16931 and French (BR-FR) schematrons, for every kind of document the portal draws."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pypdf
import pytest
from pypdf.generic import IndirectObject

from devstack.demo_data import DEMO_AGENCIES, account_entries, creditor_details, profile_for
from mesfactures.documents.pdf import document_view, render_pdf
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DocumentLine, EntryType, LedgerEntry
from tests.builders import invoice_of_lines
from tests.einvoicing import all_failures, embedded_xml, xsd_valid


def _entry(*lines: DocumentLine, creditor: Creditor = Creditor.POLIRIS) -> LedgerEntry:
    return invoice_of_lines(*lines, number="FA-2026-000321", issued_on=date(2026, 9, 14), creditor=creditor)


def _pdf(entry: LedgerEntry, referenced: dict[str, date] | None = None) -> bytes:
    profile = profile_for(DEMO_AGENCIES[0], entry.creditor, 0)
    return render_pdf(document_view(entry, creditor_details(entry.creditor), profile, referenced))


PRODUCT = DocumentLine("Abonnement Pro – diffusion des annonces", 1, 39_000, 2000)
KINDS: dict[str, Callable[[], bytes]] = {
    "invoice of one line": lambda: _pdf(_entry(PRODUCT)),
    "invoice of VAT on debits": lambda: _pdf(_entry(PRODUCT, creditor=Creditor.PRESSIMMO)),
    "credit note": lambda: _pdf(
        replace(
            _entry(PRODUCT),
            type=EntryType.CREDIT_NOTE,
            number="AV-2026-000046",
            due_on=None,
            settles=("FA-2026-000300",),
        ),
        {"FA-2026-000300": date(2026, 9, 1)},
    ),
    "several VAT rates": lambda: _pdf(
        _entry(
            PRODUCT,
            DocumentLine("Magazine imprimé", 3, 450, 550),
            DocumentLine("Presse", 2, 333, 210),
            DocumentLine("Transport", 1, 1_999, 1000),
        )
    ),
    "exemption at 0 %": lambda: _pdf(
        _entry(PRODUCT, DocumentLine("Frais d'annonce légale (débours)", 1, 8_000, 0))
    ),
    "labels of 200 characters": lambda: _pdf(
        _entry(DocumentLine(("Campagne d'été « Côte & Mer » <premium> " * 6)[:200], 2, 12_345, 2000))
    ),
    "thirty lines": lambda: _pdf(
        _entry(
            *(
                DocumentLine(f"Option n° {n}", 1 + n % 4, 990 + 37 * n, (2000, 1000, 550, 210, 0)[n % 5])
                for n in range(30)
            )
        )
    ),
}


def _demo_documents() -> dict[str, bytes]:
    """One document of each kind the demo data holds: open, paid, partly paid invoices, credit notes
    used and unused."""
    agency = DEMO_AGENCIES[1]
    creditor = Creditor.POLIRIS
    today = date(2026, 11, 30)
    entries = list(account_entries(agency.agency_id, creditor, today, 5))
    issued = {entry.number: entry.issued_on for entry in entries}
    picked: dict[str, LedgerEntry] = {}
    for entry in entries:
        if entry.has_document:
            picked.setdefault(f"demo {entry.type.value} {entry.status.value}", entry)
    profile = profile_for(agency, creditor, 1)
    return {
        kind: render_pdf(document_view(entry, creditor_details(creditor), profile, issued))
        for kind, entry in picked.items()
    }


DEMO = _demo_documents()


def test_the_demo_data_holds_every_kind_of_document() -> None:
    assert set(DEMO) == {
        "demo invoice paid",
        "demo invoice open",
        "demo invoice partially_paid",
        "demo credit_note applied",
        "demo credit_note open",
    }


@pytest.mark.parametrize("kind", [*KINDS, *DEMO])
def test_each_kind_of_document_carries_a_factur_x_valid_against_the_xsd_and_both_schematrons(
    kind: str,
) -> None:
    pdf = DEMO[kind] if kind in DEMO else KINDS[kind]()

    filename, xml = embedded_xml(pdf)

    assert filename == "factur-x.xml"
    assert xsd_valid(xml)
    assert all_failures(xml) == []


def test_the_schematrons_do_report_a_document_that_breaks_the_french_rules() -> None:
    profile = profile_for(DEMO_AGENCIES[0], Creditor.POLIRIS, 0)
    anonymous = replace(profile, identifiers=None)  # no SIREN, VAT number nor electronic address
    pdf = render_pdf(document_view(_entry(PRODUCT), creditor_details(Creditor.POLIRIS), anonymous))

    rules = {rule for rule, _message in all_failures(embedded_xml(pdf)[1])}

    assert {"BR-FR-11_BT-47", "BR-FR-12_BT-49"} <= rules


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _fonts(reader: pypdf.PdfReader) -> list[Any]:
    fonts = []
    for page in reader.pages:
        for font in _resolved(page["/Resources"])["/Font"].values():
            fonts.append(_resolved(font))
    return fonts


@pytest.mark.parametrize("kind", ["invoice of one line", "thirty lines"])
def test_every_font_is_embedded_subset_and_extractable(kind: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(KINDS[kind]()))

    fonts = _fonts(reader)

    assert {str(font["/BaseFont"]).split("+")[1] for font in fonts} == {"DejaVuSans", "DejaVuSansBold"}
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(Bold)?", str(font["/BaseFont"]))
        assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
        assert "/ToUnicode" in font
        descendant = _resolved(font["/DescendantFonts"][0])
        assert descendant["/Subtype"] == "/CIDFontType2"
        program = _resolved(_resolved(descendant["/FontDescriptor"])["/FontFile2"]).get_data()
        assert program[:4] == b"\0\1\0\0"
        assert len(program) < 40_000  # a subset: the whole DejaVu Sans is 740 KB


def test_the_file_declares_pdf_a_3b_and_factur_x_en_16931_in_its_xmp_metadata() -> None:
    reader = pypdf.PdfReader(io.BytesIO(KINDS["invoice of one line"]()))
    catalog = _resolved(reader.trailer["/Root"])

    metadata = _resolved(catalog["/Metadata"])
    xmp = metadata.get_data().decode("utf-8")

    assert metadata["/Subtype"] == "/XML" and "/Filter" not in metadata
    for element in (
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<fx:DocumentType>INVOICE</fx:DocumentType>",
        "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
        "<fx:Version>1.0</fx:Version>",
        "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
        "<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>",
        '<rdf:li xml:lang="x-default">Facture FA-2026-000321</rdf:li>',
    ):
        assert element in xmp, element
    assert reader.metadata is not None and reader.metadata.title == "Facture FA-2026-000321"
    assert "/ID" in reader.trailer


def test_the_file_has_an_srgb_output_intent() -> None:
    reader = pypdf.PdfReader(io.BytesIO(KINDS["invoice of one line"]()))

    (intent,) = [_resolved(item) for item in _resolved(reader.trailer["/Root"])["/OutputIntents"]]
    profile = _resolved(intent["/DestOutputProfile"])
    icc = profile.get_data()

    assert intent["/S"] == "/GTS_PDFA1"
    assert profile["/N"] == 3
    assert icc[36:40] == b"acsp" and icc[12:20] == b"mntrRGB " and int.from_bytes(icc[:4], "big") == len(icc)


def test_the_xml_is_attached_as_factur_x_with_its_relationship_and_listed_in_the_catalog() -> None:
    reader = pypdf.PdfReader(io.BytesIO(KINDS["credit note"]()))
    catalog = _resolved(reader.trailer["/Root"])

    names = catalog["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = _resolved(names[1])
    (associated,) = [_resolved(item) for item in catalog["/AF"]]
    file = _resolved(spec["/EF"]["/F"])

    assert names[0] == "factur-x.xml" and spec["/F"] == "factur-x.xml" and spec["/UF"] == "factur-x.xml"
    assert spec["/AFRelationship"] == "/Data"
    assert associated == spec
    assert file["/Subtype"] == "/text/xml"
    assert b"<ram:TypeCode>381</ram:TypeCode>" in file.get_data()


def test_a_one_line_invoice_weighs_less_than_sixty_kilobytes() -> None:
    assert len(KINDS["invoice of one line"]()) < 60 * 1024


def test_each_document_names_its_own_subset_fonts() -> None:
    one, other = KINDS["invoice of one line"](), KINDS["thirty lines"]()

    first = {str(font["/BaseFont"]) for font in _fonts(pypdf.PdfReader(io.BytesIO(one)))}
    second = {str(font["/BaseFont"]) for font in _fonts(pypdf.PdfReader(io.BytesIO(other)))}

    assert first.isdisjoint(second)  # different glyph sets, different subset tags
