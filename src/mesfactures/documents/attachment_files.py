"""Dispute attachments in the document store: the adapter that turns an account and an attachment id into
the store's keys (`uploads/…` where the browser puts a file, `attachments/…` where the server keeps it)."""

from __future__ import annotations

from mesfactures.documents.store import DocumentStore, attachment_key, upload_key
from mesfactures.domain.creditors import Creditor


class AttachmentFiles:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def upload_url(
        self, agency_id: str, creditor: Creditor, attachment_id: str, content_type: str, size_bytes: int
    ) -> str:
        return self._store.upload_url(
            upload_key(agency_id, creditor, attachment_id), content_type, size_bytes
        )

    def receive(self, agency_id: str, creditor: Creditor, attachment_id: str) -> tuple[int, str] | None:
        uploaded = upload_key(agency_id, creditor, attachment_id)
        kept = attachment_key(agency_id, creditor, attachment_id)
        if self._store.head(uploaded) is not None:
            self._store.move(uploaded, kept)
        return self._store.head(kept)

    def first_bytes(self, agency_id: str, creditor: Creditor, attachment_id: str, count: int) -> bytes:
        return self._store.first_bytes(attachment_key(agency_id, creditor, attachment_id), count)

    def discard(self, agency_id: str, creditor: Creditor, attachment_id: str) -> None:
        self._store.delete(attachment_key(agency_id, creditor, attachment_id))

    def link(
        self, agency_id: str, creditor: Creditor, attachment_id: str, filename: str, content_type: str
    ) -> str:
        key = attachment_key(agency_id, creditor, attachment_id)
        return self._store.url(key, "attachment", filename, content_type)
