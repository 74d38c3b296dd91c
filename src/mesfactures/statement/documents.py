"""Opening a document: a short-lived link to its PDF, for the agency that owns it only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mesfactures.documents.store import URL_LIFETIME_SECONDS, Disposition
from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput
from mesfactures.domain.ledger import LedgerEntry


class Documents(Protocol):
    def document(self, agency_id: str, creditor: Creditor, number: str) -> tuple[LedgerEntry, str]: ...


class DocumentFiles(Protocol):
    def exists(self, key: str) -> bool: ...

    def put_pdf(self, key: str, content: bytes) -> None: ...

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


def document_link(
    ledger: Documents,
    store: DocumentFiles,
    parties: Parties,
    agency_id: str,
    creditor: Creditor,
    number: str,
    disposition: Disposition,
) -> DocumentLink:
    """The document is looked up under the agency's own account: another agency's number is not found.
    A PDF the ERP did not send is drawn on the document's first opening and kept: an import of 100,000
    rows writes the ledger only, and most documents are never opened."""
    entry, key = ledger.document(agency_id, creditor, number)
    if key.endswith(".xml"):  # an e-invoice received in the feed: served as it came, never drawn
        filename = f"{number}.xml"
        url = store.url(key, disposition, filename, "application/xml")
        return DocumentLink(url, filename, URL_LIFETIME_SECONDS)
    if not store.exists(key):
        store.put_pdf(key, _drawn(entry, parties))
    filename = f"{number}.pdf"
    return DocumentLink(store.url(key, disposition, filename), filename, URL_LIFETIME_SECONDS)


def _drawn(entry: LedgerEntry, parties: Parties) -> bytes:
    from mesfactures.documents.pdf import document_view, render_pdf  # jinja2, pydyf: on a first opening only

    seller, buyer = parties.creditor(entry.creditor), parties.profile(entry.agency_id, entry.creditor)
    return render_pdf(document_view(entry, seller, buyer))
