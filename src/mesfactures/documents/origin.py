"""Where browsers reach the document store, decided in one place for the two sides that must agree: the
S3 client that signs upload URLs in the functions, and the site's CSP (`connect-src`) that lets the
browser PUT to them.

botocore signs for the global host `<bucket>.s3.amazonaws.com` unless the client is told the addressing
style: a CSP naming the regional host then blocks every attachment upload in AWS, while locally both are
127.0.0.1 and nothing shows it (tests/infra/test_documents.py signs a URL as deployed and checks it)."""

from __future__ import annotations

from typing import Any


def document_origin(bucket: str, region: str, url_suffix: str = "amazonaws.com") -> str:
    """The origin of the URLs the deployed functions sign: the bucket's regional virtual host."""
    return f"https://{bucket}.s3.{region}.{url_suffix}"


def site_content_security_policy(document_origin: str) -> str:
    """The site's CSP, the same from CloudFront (infra/portal/edge.py) and from the local gateway: the
    browser also PUTs dispute attachments straight to the document store (presigned URL)."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {document_origin}; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    )


def s3_client_options(endpoint_url: str | None) -> dict[str, Any]:
    """The keyword arguments of the functions' S3 client (`config` as botocore.config.Config's).

    In AWS (no endpoint): virtual-hosted addressing, which botocore resolves to the regional host of
    `document_origin`, and no endpoint taken from the environment or a config file. Locally (an
    emulator's endpoint): path-style, the bucket in the path of that one origin."""
    if endpoint_url is None:
        config = {"signature_version": "s3v4", "s3": {"addressing_style": "virtual"}}
        return {"config": {**config, "ignore_configured_endpoint_urls": True}}
    return {
        "endpoint_url": endpoint_url,
        "config": {"signature_version": "s3v4", "s3": {"addressing_style": "path"}},
    }
