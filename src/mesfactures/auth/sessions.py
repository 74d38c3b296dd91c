"""Who is calling: a token whose signature and claims hold, and that was not signed out since."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mesfactures.domain.errors import NotAuthenticated

if TYPE_CHECKING:
    from mesfactures.auth.tokens import TokenVerifier
    from mesfactures.domain.principal import Principal


def fingerprint(secret: str) -> str:
    """What the table keeps of a token or an identifier: its SHA-256, never the value itself."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class Revocations(Protocol):
    def is_revoked(self, fingerprint: str) -> bool: ...


@dataclass(frozen=True)
class Authenticator:
    verifier: TokenVerifier
    revocations: Revocations

    def principal(self, token: str) -> Principal:
        # The signature first: a forged token costs no lookup.
        principal = self.verifier.principal(token)
        if self.revocations.is_revoked(fingerprint(token)):
            raise NotAuthenticated()
        return principal
