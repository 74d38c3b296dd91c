"""Opening a document: a short-lived link to its PDF (a Factur-X) or to its XML alone, for the agency that
owns it only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput, NotFound
from mesfactures.domain.ledger import DocumentOnFile, LedgerEntry
from mesfactures.domain.statement import URL_LIFETIME_SECONDS, Disposition

DocumentFormat = Literal["pdf", "xml"]
_CONTENT_TYPES = {"pdf": "application/pdf", "xml": "application/xml"}


class Documents(Protocol):
    def document(self, agency_id: str, creditor: Creditor, number: str) -> DocumentOnFile: ...

    def note_stored(self, document: DocumentOnFile, files: set[str]) -> None: ...


class DocumentFiles(Protocol):
    def xml_key_for(self, pdf_key: str) -> str: ...

    def exists(self, key: str) -> bool: ...

    def put_pdf(self, key: str, content: bytes) -> None: ...

    def put_xml(self, key: str, content: bytes) -> None: ...

    def url(self, key: str, disposition: Disposition, filename: str, content_type: str = ...) -> str: ...


class Parties(Protocol):
    def creditor(self, creditor: Creditor) -> CreditorDetails: ...

    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile: ...


@dataclass(frozen=True)
class DocumentLink:
    url: str
    filename: str
    expires_in_seconds: int


def parse_disposition(raw: str | None) -> Disposition:
    if raw in (None, "", "inline"):
        return "inline"
    if raw == "attachment":
        return "attachment"
    raise InvalidInput("La disposition doit être « inline » (afficher) ou « attachment » (enregistrer).")


def parse_format(raw: str | None) -> DocumentFormat:
    if raw in (None, "", "pdf"):
        return "pdf"
    if raw == "xml":
        return "xml"
    raise InvalidInput("Le format doit être « pdf » (la facture Factur-X) ou « xml » (ses données seules).")


def document_link(
    agency_id: str,
    *,
    creditor: Creditor,
    number: str,
    disposition: Disposition,
    kind: DocumentFormat = "pdf",
    ledger: Documents,
    store: DocumentFiles,
    parties: Parties,
) -> DocumentLink:
    """The document is looked up under the agency's own account: another agency's number is not found.
    A PDF the ERP did not send is drawn (a Factur-X) on the document's first opening and kept, with its
    XML beside it: an import of 100,000 rows writes the ledger only, and most documents are never opened.
    The PDF and the XML alone are drawn together, so that they always say the same thing, even after the
    agency's details change; a PDF kept without its XML (the ERP's own) gets one written from the ledger.

    The ledger remembers which files the store holds (at the first opening): later openings read one item
    and sign a URL, without a request to the store (a third of a cold first opening, issue 17)."""
    found = ledger.document(agency_id, creditor, number)
    if found.key.endswith(".xml"):  # an e-invoice received in the feed (CII, UBL): served as it came
        filename = f"{number}.xml"
        url = store.url(found.key, disposition, filename, "application/xml")
        return DocumentLink(url, filename, URL_LIFETIME_SECONDS)
    wanted = store.xml_key_for(found.key) if kind == "xml" else found.key
    if wanted not in found.stored:
        ledger.note_stored(found, _store_files(found, wanted, ledger, store, parties))
    filename = f"{number}.{kind}"
    url = store.url(wanted, disposition, filename, _CONTENT_TYPES[kind])
    return DocumentLink(url, filename, URL_LIFETIME_SECONDS)


def _store_files(
    found: DocumentOnFile, wanted: str, ledger: Documents, store: DocumentFiles, parties: Parties
) -> set[str]:
    """Makes sure the store holds `wanted` (the PDF or the XML alone) and returns the keys it then knows
    to be there: found, drawn (the PDF with its XML), or the XML written beside the ERP's own PDF."""
    entry, pdf = found.entry, found.key
    if store.exists(wanted):
        return {wanted}
    if wanted != pdf and store.exists(pdf):
        store.put_xml(wanted, _xml(entry, ledger, parties))
        return {pdf, wanted}
    from mesfactures.documents.pdf import document_view, render_pdf  # jinja2, pydyf: on a first opening only

    seller, buyer = parties.creditor(entry.creditor), parties.profile(entry.agency_id, entry.creditor)
    view = document_view(entry, seller, buyer, _referenced(entry, ledger))
    store.put_pdf(pdf, render_pdf(view))
    store.put_xml(store.xml_key_for(pdf), view.xml)
    return {pdf, store.xml_key_for(pdf)}


def _xml(entry: LedgerEntry, ledger: Documents, parties: Parties) -> bytes:
    from mesfactures.documents.facturx import cii_document, render_cii  # jinja2: on a first request only

    seller, buyer = parties.creditor(entry.creditor), parties.profile(entry.agency_id, entry.creditor)
    return render_cii(cii_document(entry, seller, buyer, _referenced(entry, ledger)))


def _referenced(entry: LedgerEntry, ledger: Documents) -> dict[str, date]:
    """The dates of the invoices a credit note corrects (BT-26): one read each, at its first drawing."""
    dates = {}
    for number in entry.settles:
        try:
            dates[number] = ledger.document(entry.agency_id, entry.creditor, number).entry.issued_on
        except NotFound:
            continue  # an invoice the ledger never had: the reference keeps its number alone
    return dates
