"""Verifies a Cognito ID token: RS256 signature against the pool's JWKS, issuer, client, use and expiry.

The signature is checked with `rsa` (pure Python, a few kB) rather than `cryptography` (MBs in every
Lambda package); the claims are then checked here, in a few lines: PyJWT did the same, but its import
(with `cryptography` where installed) was the largest part of a function's first request. Nothing of the
token is trusted before both pass.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotAuthenticated
from mesfactures.domain.principal import AgencyUser, FinanceUser, Principal

if TYPE_CHECKING:
    # rsa (with pyasn1) is imported by the first request that verifies a token, not by the app.
    import rsa

    KeySet = Mapping[str, rsa.PublicKey]

FINANCE_GROUP = "finance"
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "token_use"]
_ID_USE = "id"  # an ID token: access tokens carry no agency and are refused
_JWKS_REFRESH_SECONDS = 300


def _b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def parse_jwks(document: Mapping[str, Any]) -> dict[str, rsa.PublicKey]:
    import rsa

    return {
        key["kid"]: rsa.PublicKey(_b64url_int(key["n"]), _b64url_int(key["e"]))
        for key in document.get("keys", [])
        if key.get("kty") == "RSA" and key.get("alg", "RS256") == "RS256" and "kid" in key
    }


def fetch_jwks(url: str) -> dict[str, rsa.PublicKey]:
    parts = urllib.parse.urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    if not (parts.scheme == "https" or local):
        raise ValueError(f"refusing to fetch keys from {url}")
    # urllib3, already loaded by botocore in every function, rather than urllib.request (its own import
    # was a tenth of a first request).
    import urllib3

    answer = urllib3.PoolManager().request("GET", url, timeout=5.0, retries=False)
    if answer.status != 200:
        raise ValueError(f"the pool's keys answered {answer.status}")
    return parse_jwks(json.loads(answer.data))


class CachedKeySet:
    """The pool's public keys, fetched on first use and again (rate-limited) when an unknown kid appears."""

    def __init__(self, load: Callable[[], KeySet], clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._clock = clock
        self._keys: KeySet = {}
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> rsa.PublicKey | None:
        with self._lock:
            stale = self._loaded_at is None or self._clock() - self._loaded_at > _JWKS_REFRESH_SECONDS
            if kid not in self._keys and stale:
                self._keys = self._load()
                self._loaded_at = self._clock()
            return self._keys.get(kid)


@dataclass(frozen=True)
class TokenVerifier:
    issuer: str
    client_id: str
    keys: CachedKeySet
    leeway_seconds: int = 30

    def principal(self, token: str) -> Principal:
        return principal_from_claims(self.claims(token))

    @staticmethod
    def principal_from(claims: Mapping[str, Any]) -> Principal:
        return principal_from_claims(claims)

    def claims(self, token: str) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3:
            raise NotAuthenticated()
        header = _json_segment(parts[0])
        if header.get("alg") != "RS256":
            raise NotAuthenticated()
        key = self.keys.key(str(header.get("kid")))
        if key is None or not _signature_is_valid(token, key):
            raise NotAuthenticated()
        claims = _json_segment(parts[1])
        if not self._claims_hold(claims, time.time()):
            raise NotAuthenticated()
        return claims

    def _claims_hold(self, claims: dict[str, Any], now: float) -> bool:
        """Issuer, client, use, expiry, issue time (and not-before, if any), each of the expected type."""
        if any(name not in claims for name in _REQUIRED_CLAIMS):
            return False
        moments = [claims["exp"], claims["iat"], claims.get("nbf", 0)]
        if not all(isinstance(m, int | float) and not isinstance(m, bool) for m in moments):
            return False
        audience = claims["aud"]
        audiences = audience if isinstance(audience, list) else [audience]
        return (
            claims["iss"] == self.issuer
            and self.client_id in audiences
            and claims["token_use"] == _ID_USE
            and now - self.leeway_seconds <= claims["exp"]
            and claims["iat"] <= now + self.leeway_seconds
            and claims.get("nbf", 0) <= now + self.leeway_seconds
        )


def _json_segment(segment: str) -> dict[str, Any]:
    """A token's header or payload: base64url JSON object, or the token is refused."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise NotAuthenticated() from None
    if not isinstance(decoded, dict):
        raise NotAuthenticated()
    return decoded


def _signature_is_valid(token: str, key: rsa.PublicKey) -> bool:
    import rsa

    signing_input, _, encoded_signature = token.rpartition(".")
    try:
        signature = base64.urlsafe_b64decode(encoded_signature + "=" * (-len(encoded_signature) % 4))
    except ValueError:
        return False
    # Only the one canonical spelling: padding or stray characters would make a signed-out token, whose
    # fingerprint is refused, a different string with the same valid signature.
    if base64.urlsafe_b64encode(signature).rstrip(b"=").decode() != encoded_signature:
        return False
    try:
        return bool(rsa.verify(signing_input.encode("ascii"), signature, key) == "SHA-256")
    except rsa.VerificationError:
        return False


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    email = str(claims.get("email", ""))
    if FINANCE_GROUP in claims.get("cognito:groups", []):
        codes = str(claims.get("custom:creditors", "")).split(",")
        creditors = frozenset(Creditor(code) for code in codes if code in Creditor.__members__)
        return FinanceUser(user_id=str(claims["sub"]), email=email, creditors=creditors)
    agency_id = claims.get("custom:agency_id")
    if not agency_id:
        raise NotAuthenticated()
    return AgencyUser(user_id=str(claims["sub"]), email=email, agency_id=str(agency_id))
