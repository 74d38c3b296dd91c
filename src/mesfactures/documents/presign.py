"""Short-lived URLs to read a stored file, signed as botocore's S3 client signs them (SigV4, query string)
without building that client: the client reads S3's service model and endpoint rules, about a third of a
document link's cold first request, for a signature that needs neither (issue 17).

The URL's origin is documents/origin.py's, the one the site's CSP names; tests/unit/test_presign.py checks
that the URLs are the S3 client's own, in AWS (virtual host) and locally (path style)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from mesfactures.documents.origin import document_origin


@dataclass(frozen=True)
class ReadUrls:
    bucket: str
    region: str
    endpoint_url: str | None  # an emulator's (path-style addressing); None in AWS
    credentials: Callable[[], Any]  # botocore's ReadOnlyCredentials, from the function's role

    def signed(self, key: str, query: Mapping[str, str], expires_in: int) -> str:
        from botocore.auth import S3SigV4QueryAuth
        from botocore.awsrequest import AWSRequest

        if self.endpoint_url is None:
            base = f"{document_origin(self.bucket, self.region)}/{quote(key, safe='/~')}"
        else:
            base = f"{self.endpoint_url.rstrip('/')}/{self.bucket}/{quote(key, safe='/~')}"
        request = AWSRequest(method="GET", url=f"{base}?{urlencode(query, quote_via=quote)}")
        S3SigV4QueryAuth(self.credentials(), "s3", self.region, expires=expires_in).add_auth(request)
        url: str = request.prepare().url
        return url
