"""Opening a document: a short-lived link to its PDF, for the agency that owns it only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mesfactures.documents.store import URL_LIFETIME_SECONDS, Disposition
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput


class DocumentKeys(Protocol):
    def document_key(self, agency_id: str, creditor: Creditor, number: str) -> str: ...


class DocumentUrls(Protocol):
    def url(self, key: str, disposition: Disposition, filename: str) -> str: ...


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
    ledger: DocumentKeys,
    store: DocumentUrls,
    agency_id: str,
    creditor: Creditor,
    number: str,
    disposition: Disposition,
) -> DocumentLink:
    """The key is looked up under the agency's own account: another agency's number is not found."""
    key = ledger.document_key(agency_id, creditor, number)
    filename = f"{number}.pdf"
    return DocumentLink(store.url(key, disposition, filename), filename, URL_LIFETIME_SECONDS)
