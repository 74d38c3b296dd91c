"""Who is calling: a token whose signature and claims hold, that was not signed out since, and — for an
agency user — whose member is still active, with the role the agency gives them now."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from mesfactures.domain.errors import NotAuthenticated
from mesfactures.domain.principal import AgencyUser

if TYPE_CHECKING:
    from concurrent.futures import Future

    from mesfactures.auth.tokens import TokenVerifier
    from mesfactures.domain.principal import Principal
    from mesfactures.domain.team import Member

T = TypeVar("T")
Beside = Callable[[Callable[[], T]], "Future[T]"]


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
    beside: Beside[AgencyUser] | None = None  # runs the session read on another thread

    def principal(self, token: str) -> Principal:
        # The signature first: a forged token costs no lookup.
        claims = self.verifier.claims(token)
        principal = self.verifier.principal_from(claims)
        if not isinstance(principal, AgencyUser):
            return self._without_member(token, claims, principal)
        return self._member(token, claims, principal)

    def principal_beside(self, token: str) -> tuple[Principal, Callable[[], Principal]]:
        """For a read that needs only what the verified token says (its agency), not the member's role:
        the token's user at once, and `confirm`, which waits for the session read started beside the
        caller's own work and raises NotAuthenticated if the session was signed out or the member
        deactivated. The caller confirms before anything of its work leaves (docs/decisions.md)."""
        claims = self.verifier.claims(token)
        principal = self.verifier.principal_from(claims)
        if not isinstance(principal, AgencyUser):
            checked = self._without_member(token, claims, principal)
            return checked, lambda: checked
        if self.beside is None:
            member = self._member(token, claims, principal)
            return member, lambda: member
        agency_user = principal
        pending = self.beside(lambda: self._member(token, claims, agency_user))
        return principal, pending.result

    def _without_member(self, token: str, claims: dict[str, Any], principal: Principal) -> Principal:
        revoked, cutoff = self.revocations.revoked_and_cutoff(fingerprint(token), principal.user_id)
        if revoked or (cutoff is not None and int(claims["iat"]) <= cutoff):
            raise NotAuthenticated()
        return principal

    def _member(self, token: str, claims: dict[str, Any], principal: AgencyUser) -> AgencyUser:
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
