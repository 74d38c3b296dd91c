"""Who is calling: a token whose signature and claims hold, that was not signed out since, and — for an
agency user — whose member is still active, with the role the agency gives them now."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from mesfactures.domain.errors import NotAuthenticated
from mesfactures.domain.principal import AgencyUser

if TYPE_CHECKING:
    from mesfactures.auth.tokens import TokenVerifier
    from mesfactures.domain.principal import Principal
    from mesfactures.domain.team import Member


def fingerprint(secret: str) -> str:
    """What the table keeps of a token or an identifier: its SHA-256, never the value itself."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class Revocations(Protocol):
    def revoked_and_cutoff(self, fingerprint: str, user_id: str) -> tuple[bool, int | None]: ...

    def revoked_and_member(
        self, fingerprint: str, agency_id: str, user_id: str
    ) -> tuple[bool, Member | None]: ...


@dataclass(frozen=True)
class Authenticator:
    verifier: TokenVerifier
    revocations: Revocations

    def principal(self, token: str) -> Principal:
        # The signature first: a forged token costs no lookup.
        claims = self.verifier.claims(token)
        principal = self.verifier.principal_from(claims)
        if not isinstance(principal, AgencyUser):
            revoked, cutoff = self.revocations.revoked_and_cutoff(fingerprint(token), principal.user_id)
            if revoked or (cutoff is not None and int(claims["iat"]) <= cutoff):
                raise NotAuthenticated()
            return principal
        revoked, member = self.revocations.revoked_and_member(
            fingerprint(token), principal.agency_id, principal.user_id
        )
        if revoked or member is None or not member.active:
            raise NotAuthenticated()
        # `iat` counts whole seconds: a token of the very second of the sign-out is refused too.
        if member.signed_out_before is not None and int(claims["iat"]) <= member.signed_out_before:
            raise NotAuthenticated()
        return as_member(principal, member)


def as_member(user: AgencyUser, member: Member) -> AgencyUser:
    """The person as their agency's team knows them now: role and names from the member, not the token."""
    return replace(user, role=member.role, first_name=member.first_name, last_name=member.last_name)
