"""The document store's read URLs are signed without an S3 client (documents/presign.py): each must be the
very URL botocore's client signs for the same object, in AWS (virtual host of the deployed region) and on
the local stack (path style), or browsers would get S3's SignatureDoesNotMatch."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from mesfactures.documents.store import DocumentStore, document_key
from mesfactures.domain.creditors import Creditor
from mesfactures.settings import Settings, settings_from
from mesfactures.wiring import read_urls_for, s3_client_for

KEY = document_key("AG-1001", Creditor.POLIRIS, "01JENTRY", 2)


def _pair(settings: Settings, session: Any) -> tuple[str, str]:
    """Our URL and the client's, signed within the same second (their X-Amz-Date)."""
    client = s3_client_for(settings, session)
    store = DocumentStore(lambda: client, settings.bucket_name, read_urls_for(settings, session))
    for _ in range(5):
        ours = store.url(KEY, "attachment", "FA-2026-000001.pdf")
        theirs = client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": settings.bucket_name,
                "Key": KEY,
                "ResponseContentType": "application/pdf",
                "ResponseContentDisposition": 'attachment; filename="FA-2026-000001.pdf"',
            },
            ExpiresIn=60,
        )
        if parse_qs(urlsplit(ours).query)["X-Amz-Date"] == parse_qs(urlsplit(theirs).query)["X-Amz-Date"]:
            return ours, theirs
    raise AssertionError("never signed within the same second")


@pytest.mark.parametrize(
    ("endpoint", "origin"),
    [
        (None, "https://mesfactures-documents.s3.eu-west-3.amazonaws.com"),
        ("http://127.0.0.1:15000", "http://127.0.0.1:15000"),
    ],
)
@pytest.mark.parametrize("token", [None, "a-session-token"])
def test_a_read_url_is_the_one_the_s3_client_signs(
    endpoint: str | None, origin: str, token: str | None
) -> None:
    environment = {
        "AWS_DEFAULT_REGION": "eu-west-3",
        "COGNITO_USER_POOL_ID": "eu-west-3_pool",
        "LEDGER_TABLE": "mesfactures",
        "DOCUMENT_BUCKET": "mesfactures-documents",
        "COGNITO_CLIENT_ID": "client",
    }
    settings = settings_from({**environment, **({"AWS_ENDPOINT_URL_S3": endpoint} if endpoint else {})})
    session = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret", aws_session_token=token
    )

    ours, theirs = _pair(settings, session)

    assert ours == theirs
    assert ours.startswith(f"{origin}/")
    assert parse_qs(urlsplit(ours).query).get("X-Amz-Security-Token") == ([token] if token else None)
