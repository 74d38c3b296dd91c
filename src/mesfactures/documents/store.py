"""The document store over S3: keys are built from ids, never from user input; reads go by presigned URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.statement import URL_LIFETIME_SECONDS

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from mesfactures.documents.presign import ReadUrls
    from mesfactures.domain.ledger import LedgerEntry
    from mesfactures.domain.statement import Disposition


def document_key(agency_id: str, creditor: Creditor, entry_id: str, version: int | None = None) -> str:
    """Where a document's PDF is kept; with the ERP's version, so that a new version is a new PDF."""
    suffix = f"-v{version}" if version is not None else ""
    return f"documents/{agency_id}/{creditor.value}/{entry_id}{suffix}.pdf"


def releve_key(agency_id: str, creditor: Creditor, releve_id: str) -> str:
    """Where a relevé de compte is kept for its short-lived URL (the bucket forgets it after a day)."""
    return f"documents/releves/{agency_id}/{creditor.value}/{releve_id}.pdf"


def xml_key(pdf_key: str) -> str:
    """Where a document's Factur-X XML is kept alone (for accounting software): beside its PDF."""
    return pdf_key.removesuffix(".pdf") + ".xml"


def received_key(agency_id: str, creditor: Creditor, entry_id: str, version: int) -> str:
    """Where an e-invoice received in the feed (CII XML) is kept as it came: the legal document."""
    return f"documents/{agency_id}/{creditor.value}/{entry_id}-v{version}.xml"


def upload_key(agency_id: str, creditor: Creditor, attachment_id: str) -> str:
    """Where the browser may write, for a few minutes, with its presigned URL."""
    return f"uploads/{agency_id}/{creditor.value}/{attachment_id}"


def attachment_key(agency_id: str, creditor: Creditor, attachment_id: str) -> str:
    """Where a checked attachment lives: no URL handed to a browser can write there."""
    return f"attachments/{agency_id}/{creditor.value}/{attachment_id}"


class DocumentStore:
    def __init__(self, client: Callable[[], S3Client], bucket: str, read_urls: ReadUrls) -> None:
        self._client = client  # made on first use: a document link needs none (read_urls signs it)
        self._bucket = bucket
        self._read_urls = read_urls

    def document_key_for(self, entry: LedgerEntry, version: int) -> str:
        """Where the import keeps a version of a document's PDF: use cases name no key of the store."""
        return document_key(entry.agency_id, entry.creditor, entry.entry_id, version)

    def received_key_for(self, entry: LedgerEntry, version: int) -> str:
        """Where the import keeps a version of an e-invoice received as XML."""
        return received_key(entry.agency_id, entry.creditor, entry.entry_id, version)

    def xml_key_for(self, pdf_key: str) -> str:
        """Where a document's Factur-X XML is kept alone, beside its PDF."""
        return xml_key(pdf_key)

    def releve_key_for(self, agency_id: str, creditor: Creditor, releve_id: str) -> str:
        """Where a relevé de compte is kept for its short-lived link."""
        return releve_key(agency_id, creditor, releve_id)

    def put_pdf(self, key: str, content: bytes) -> None:
        self._client().put_object(Bucket=self._bucket, Key=key, Body=content, ContentType="application/pdf")

    def put_xml(self, key: str, content: bytes) -> None:
        self._client().put_object(
            Bucket=self._bucket, Key=key, Body=content, ContentType="application/xml; charset=utf-8"
        )

    def put_json(self, key: str, content: bytes) -> None:
        self._client().put_object(
            Bucket=self._bucket, Key=key, Body=content, ContentType="application/json; charset=utf-8"
        )

    def exists(self, key: str) -> bool:
        answer = self._client().list_objects_v2(Bucket=self._bucket, Prefix=key, MaxKeys=1)
        return any(item.get("Key") == key for item in answer.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self._client().get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def read_version(self, key: str, version_id: str | None) -> bytes:
        """One version of an object (an import reads the very file S3 announced), or the current one."""
        if version_id is None:
            return self.read(key)
        return self._client().get_object(Bucket=self._bucket, Key=key, VersionId=version_id)["Body"].read()

    def upload_url(self, key: str, content_type: str, size_bytes: int) -> str:
        """A short-lived URL to PUT one file of that type and size (S3 checks both against the signature;
        the server checks again before using the file, since local emulators do not)."""
        return self._client().generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size_bytes,
            },
            ExpiresIn=URL_LIFETIME_SECONDS * 5,
        )

    def head(self, key: str) -> tuple[int, str] | None:
        """The size and type of a stored object, or None if there is none."""
        answer = self._client().list_objects_v2(Bucket=self._bucket, Prefix=key, MaxKeys=1)
        if not any(item.get("Key") == key for item in answer.get("Contents", [])):
            return None
        head = self._client().head_object(Bucket=self._bucket, Key=key)
        return int(head["ContentLength"]), str(head.get("ContentType", ""))

    def first_bytes(self, key: str, count: int) -> bytes:
        return (
            self._client()
            .get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{count - 1}")["Body"]
            .read()
        )

    def move(self, source: str, target: str) -> None:
        self._client().copy_object(
            Bucket=self._bucket, Key=target, CopySource={"Bucket": self._bucket, "Key": source}
        )
        self._client().delete_object(Bucket=self._bucket, Key=source)

    def delete(self, key: str) -> None:
        self._client().delete_object(Bucket=self._bucket, Key=key)

    def url(
        self, key: str, disposition: Disposition, filename: str, content_type: str = "application/pdf"
    ) -> str:
        """A short-lived URL to view (inline) or save (attachment) a document the caller may see."""
        safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "document.pdf"
        query = {
            "response-content-type": content_type,
            "response-content-disposition": f'{disposition}; filename="{safe_name}"',
        }
        return self._read_urls.signed(key, query, URL_LIFETIME_SECONDS)
