"""Attachments of a dispute: PDFs and images, uploaded by the browser straight to the document store,
then checked by the server (size, declared type, and the file's own first bytes) before being linked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mesfactures.domain.account_access import KnownAccounts, account_must_exist
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import Attachment, Dispute
from mesfactures.domain.errors import InvalidInput, NotFound
from mesfactures.domain.ids import new_id

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
SIGNATURES = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_TOO_BIG = "Une pièce jointe est limitée à 5 Mo."


class AttachmentStore(Protocol):
    """The files of disputes, named by the account and the attachment's id: where they are kept (the
    document store's keys) is the adapter's business (documents/attachment_files.py)."""

    def upload_url(
        self, agency_id: str, creditor: Creditor, attachment_id: str, content_type: str, size_bytes: int
    ) -> str: ...

    def receive(self, agency_id: str, creditor: Creditor, attachment_id: str) -> tuple[int, str] | None:
        """Moves an uploaded file out of the browser's reach (if it is still there); the size and type of
        the kept file, None when there is none."""
        ...

    def first_bytes(self, agency_id: str, creditor: Creditor, attachment_id: str, count: int) -> bytes: ...

    def discard(self, agency_id: str, creditor: Creditor, attachment_id: str) -> None: ...

    def link(
        self, agency_id: str, creditor: Creditor, attachment_id: str, filename: str, content_type: str
    ) -> str: ...


@dataclass(frozen=True)
class UploadTicket:
    attachment_id: str
    url: str
    content_type: str


def _filename(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 120:
        raise InvalidInput("Le nom du fichier joint est invalide.")
    return "".join(ch for ch in value.strip() if ch.isprintable() and ch not in '/\\"')


def prepare_upload(
    store: AttachmentStore,
    accounts: KnownAccounts,
    agency_id: str,
    creditor: Creditor,
    body: Mapping[str, Any],
) -> UploadTicket:
    content_type = body.get("content_type")
    size = body.get("size_bytes")
    if not isinstance(content_type, str) or content_type not in SIGNATURES:
        raise InvalidInput("Seuls les fichiers PDF, PNG et JPEG peuvent être joints.")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_BYTES:
        raise InvalidInput(_TOO_BIG)
    _filename(body.get("filename"))
    account_must_exist(accounts, agency_id, creditor)
    attachment_id = new_id()
    url = store.upload_url(agency_id, creditor, attachment_id, str(content_type), size)
    return UploadTicket(attachment_id, url, str(content_type))


def verified_attachments(
    store: AttachmentStore, agency_id: str, creditor: Creditor, given: Sequence[Any]
) -> tuple[Attachment, ...]:
    """The uploaded files named by the request, each moved out of the browser's reach, then checked; a bad
    one is deleted and refused (checking before moving would let a second upload swap the file)."""
    if len(given) > MAX_FILES:
        raise InvalidInput(f"Au plus {MAX_FILES} pièces jointes par litige.")
    attachments = []
    for entry in given:
        if not isinstance(entry, dict) or not _ULID.match(str(entry.get("id", ""))):
            raise InvalidInput("Pièce jointe inconnue.")
        attachment_id = entry["id"]
        found = store.receive(agency_id, creditor, attachment_id)
        if found is None:
            raise InvalidInput("Une pièce jointe n'a pas été reçue : recommencez l'envoi.")
        size, content_type = found
        signature = SIGNATURES.get(content_type)
        if (
            size > MAX_BYTES
            or signature is None
            or not store.first_bytes(agency_id, creditor, attachment_id, 8).startswith(signature)
        ):
            store.discard(agency_id, creditor, attachment_id)
            raise InvalidInput("Une pièce jointe n'est pas un PDF, PNG ou JPEG de 5 Mo au plus.")
        attachments.append(Attachment(entry["id"], _filename(entry.get("filename")), content_type, size))
    return tuple(attachments)


def attachment_link(store: AttachmentStore, dispute: Dispute, attachment_id: str) -> str:
    attachment = next((a for a in dispute.attachments if a.attachment_id == attachment_id), None)
    if attachment is None:
        raise NotFound("Pièce jointe introuvable.")
    return store.link(
        dispute.agency_id, dispute.creditor, attachment_id, attachment.filename, attachment.content_type
    )
