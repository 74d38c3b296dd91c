"""Signing in and describing who is signed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from mesfactures.auth.sessions import fingerprint
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotAuthenticated, TooManySignIns
from mesfactures.domain.principal import AgencyUser, FinanceUser, Principal

if TYPE_CHECKING:  # the adapters (boto3, pynamodb) load on first use, not with the app (cold start)
    from mesfactures.auth.identity import CognitoIdentity
    from mesfactures.auth.tokens import TokenVerifier
    from mesfactures.persistence.accounts import AccountRepository


MAX_FAILED_SIGN_INS = 5
SIGN_IN_WINDOW_MINUTES = 15


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal


@dataclass(frozen=True)
class Me:
    email: str
    role: str
    agency_id: str | None
    agency_name: str | None
    creditors: tuple[Creditor, ...]


class SignInAttempts(Protocol):
    def take(self, subject: str, window: str, limit: int, forget_at: datetime) -> bool: ...

    def forget(self, subject: str, window: str) -> None: ...


class SignedOutSessions(Protocol):
    def revoke(self, fingerprint: str, until: datetime, now: datetime) -> None: ...


def sign_in(
    identity: CognitoIdentity,
    verifier: TokenVerifier,
    attempts: SignInAttempts,
    username: str,
    password: str,
    now: datetime,
) -> SignedIn:
    """Signs in, unless the identifier had too many attempts in the current quarter of an hour: then even
    the right password is refused until the quarter ends, so guessing gets five tries, not thousands. The
    attempt is counted before the password is checked, in one conditional write: guesses sent all at once
    cannot all read "no failure yet" and pass. A successful sign-in forgets the count."""
    subject = fingerprint(username.strip().casefold())
    window = _sign_in_window(now)
    forget_at = now + timedelta(minutes=2 * SIGN_IN_WINDOW_MINUTES)
    if not attempts.take(subject, window, MAX_FAILED_SIGN_INS, forget_at):
        raise TooManySignIns()
    token = identity.sign_in(username.strip(), password)
    attempts.forget(subject, window)
    return SignedIn(token=token, principal=verifier.principal(token))


def sign_out(token: str | None, verifier: TokenVerifier, sessions: SignedOutSessions, now: datetime) -> None:
    """Refuses the session's token from now until it expires, wherever a copy of it is replayed."""
    if token is None:
        return
    try:
        claims = verifier.claims(token)
    except NotAuthenticated:
        return  # expired or never valid: nothing left to refuse
    until = datetime.fromtimestamp(int(claims["exp"]) + verifier.leeway_seconds, UTC)
    sessions.revoke(fingerprint(token), until, now)


def _sign_in_window(now: datetime) -> str:
    quarter = now.minute // SIGN_IN_WINDOW_MINUTES * SIGN_IN_WINDOW_MINUTES
    return f"{now:%Y-%m-%dT%H}:{quarter:02d}"


def who_is(principal: Principal, accounts: AccountRepository) -> Me:
    if isinstance(principal, FinanceUser):
        handled = tuple(creditor for creditor in Creditor if principal.handles(creditor))
        return Me(principal.email, "finance", None, None, handled)
    assert isinstance(principal, AgencyUser)  # noqa: S101 (Principal is a closed union)
    agency = accounts.agency(principal.agency_id)
    return Me(principal.email, "agency", agency.agency_id, agency.name, agency.creditors)
