"""Signing in (with its challenges: first password, TOTP, TOTP set-up), passwords, signing out, and
describing who is signed in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from mesfactures.auth.sessions import as_member, fingerprint
from mesfactures.domain.context import Context
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import (
    ChallengeExpired,
    ForbiddenForRole,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    InvalidPassword,
    NotAuthenticated,
    NotFound,
    SecondFactorAlreadyOn,
    TooManySignIns,
    WrongPassword,
)
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission, Principal, Role
from mesfactures.domain.signing_in import PendingSignIn, SignInOutcome, Tokens
from mesfactures.domain.team import PASSWORD_MAX_LENGTH, broken_password_rules

if TYPE_CHECKING:
    from mesfactures.domain.ledger import Agency
    from mesfactures.domain.team import Member


MAX_FAILED_SIGN_INS = 5
SIGN_IN_WINDOW_MINUTES = 15
CHALLENGE_SECONDS = 300
TOTP_ISSUER = "Mes Factures"
_FORGOT = "forgot"
_RESET = "reset"
_CHANGE = "password"
_CODE_LENGTH = 6


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal


@dataclass(frozen=True)
class ChallengeAsked:
    """What the browser must answer before a session is given: the handle it sends back, and for a TOTP
    set-up the secret to enrol."""

    challenge: str
    session: str
    secret: str | None = None
    otpauth_uri: str | None = None


SignInStep = SignedIn | ChallengeAsked


@dataclass(frozen=True)
class Me:
    user_id: str
    email: str
    role: str
    role_label: str
    first_name: str
    last_name: str
    permissions: tuple[str, ...]
    agency_id: str | None
    agency_name: str | None
    creditors: tuple[Creditor, ...]


class Verifier(Protocol):
    """The token verifier as the use cases need it (auth.tokens.TokenVerifier in production)."""

    @property
    def leeway_seconds(self) -> int: ...

    def principal(self, token: str) -> Principal: ...

    def claims(self, token: str) -> dict[str, Any]: ...


class Identity(Protocol):
    def sign_in(self, username: str, password: str) -> SignInOutcome: ...

    def complete_new_password(
        self, username: str, cognito_session: str, new_password: str
    ) -> SignInOutcome: ...

    def complete_totp(self, username: str, cognito_session: str, code: str) -> SignInOutcome: ...

    def start_totp_setup(self, access_token: str) -> str: ...

    def finish_totp_setup(self, access_token: str, code: str) -> None: ...

    def request_password_reset(self, username: str) -> None: ...

    def reset_password(self, username: str, code: str, new_password: str) -> None: ...

    def password_is_right(self, username: str, password: str) -> bool: ...

    def set_password(self, username: str, new_password: str) -> None: ...

    def sign_out_everywhere(self, username: str) -> None: ...


class SessionStore(Protocol):
    def take(self, subject: str, window: str, limit: int, forget_at: datetime, action: str = ...) -> bool: ...

    def forget(self, subject: str, window: str) -> None: ...

    def revoke(self, fingerprint: str, until: datetime, now: datetime) -> None: ...

    def hold(self, fingerprint: str, pending: PendingSignIn, until: datetime) -> None: ...

    def held(self, fingerprint: str, now: datetime) -> PendingSignIn | None: ...

    def release(self, fingerprint: str) -> bool: ...

    def sign_out_user(self, user_id: str, before_epoch: int) -> None: ...


class Members(Protocol):
    def member(self, agency_id: str, user_id: str) -> Member: ...

    def record_sign_in(self, agency_id: str, user_id: str) -> None: ...

    def sign_out_everywhere(self, agency_id: str, user_id: str, before_epoch: int) -> None: ...


class Agencies(Protocol):
    def agency(self, agency_id: str) -> Agency: ...


@dataclass(frozen=True)
class SignInPorts:
    identity: Identity
    verifier: Verifier
    sessions: SessionStore
    members: Members
    context: Context


def sign_in(ports: SignInPorts, username: str, password: str) -> SignInStep:
    """Signs in, unless the identifier had too many attempts in the current quarter of an hour: then even
    the right password is refused until the quarter ends, so guessing gets five tries, not thousands. The
    attempt is counted before the password is checked, in one conditional write: guesses sent all at once
    cannot all read "no failure yet" and pass. A successful sign-in forgets the count."""
    now = ports.context.now()
    username = username.strip()
    subject, window = _count_attempt(ports.sessions, username, now)
    outcome = ports.identity.sign_in(username, password)
    ports.sessions.forget(subject, window)
    return _next_step(ports, username, outcome, now)


def answer_new_password(ports: SignInPorts, handle: str, new_password: str) -> SignInStep:
    """The first sign-in's new password; the policy is checked here first, so each broken rule is named."""
    now = ports.context.now()
    _check_password(new_password)
    pending = _pending(ports, handle, "new_password", now)
    outcome = ports.identity.complete_new_password(
        pending.username, pending.cognito_session or "", new_password
    )
    _release(ports, handle)
    return _next_step(ports, pending.username, outcome, now)


def answer_totp(ports: SignInPorts, handle: str, code: str) -> SignInStep:
    now = ports.context.now()
    _check_code(code)
    pending = _pending(ports, handle, "totp", now)
    outcome = ports.identity.complete_totp(pending.username, pending.cognito_session or "", code)
    _release(ports, handle)
    return _next_step(ports, pending.username, outcome, now, second_factor_done=True)


def finish_totp_setup(ports: SignInPorts, handle: str, code: str) -> SignedIn:
    """Enrols the authenticator app that produced `code`, then opens the session held since the password."""
    now = ports.context.now()
    _check_code(code)
    pending = _pending(ports, handle, "totp_setup", now)
    ports.identity.finish_totp_setup(pending.access_token or "", code)
    _release(ports, handle)
    return _signed_in(ports, pending.id_token or "")


def start_own_totp(ports: SignInPorts, principal: Principal, password: str) -> ChallengeAsked:
    """An administrator turns on the second factor for themselves: their password again (a session left
    open must not enrol someone else's phone), then the secret to scan, answered by `finish_own_totp`."""
    now = ports.context.now()
    if not isinstance(principal, AgencyUser) or principal.role is not Role.ADMINISTRATEUR:
        raise ForbiddenForRole("La double authentification est proposée aux administrateurs de l'agence.")
    if not password or len(password) > PASSWORD_MAX_LENGTH:
        raise WrongPassword()
    if not _within_limit(ports.sessions, principal.email, _CHANGE, now):
        raise TooManySignIns()
    try:
        outcome = ports.identity.sign_in(principal.email, password)
    except InvalidCredentials:
        raise WrongPassword() from None
    if not isinstance(outcome, Tokens):
        raise SecondFactorAlreadyOn()
    secret = ports.identity.start_totp_setup(outcome.access_token)
    pending = PendingSignIn(principal.email, "own_totp", access_token=outcome.access_token)
    return _enrolment(_ask(ports, pending, now), principal.email, secret)


def finish_own_totp(ports: SignInPorts, principal: Principal, handle: str, code: str) -> None:
    now = ports.context.now()
    _check_code(code)
    pending = _pending(ports, handle, "own_totp", now)
    if pending.username != principal.email:
        raise ChallengeExpired()
    ports.identity.finish_totp_setup(pending.access_token or "", code)
    _release(ports, handle)


def request_password_reset(ports: SignInPorts, username: str) -> None:
    """Cognito e-mails a code if the identifier exists; the answer is the same either way, and requests
    are limited per identifier like sign-ins (known or not)."""
    now = ports.context.now()
    username = _username(username)
    if not _within_limit(ports.sessions, username, _FORGOT, now):
        raise TooManySignIns()
    ports.identity.request_password_reset(username)


def reset_password(ports: SignInPorts, username: str, code: str, new_password: str) -> None:
    now = ports.context.now()
    username = _username(username)
    _check_code(code)
    _check_password(new_password)
    if not _within_limit(ports.sessions, username, _RESET, now):
        raise TooManySignIns()
    ports.identity.reset_password(username, code, new_password)


def change_password(ports: SignInPorts, principal: Principal, current: str, new: str) -> None:
    """Needs the current password, guessed no more often than a sign-in (a stolen session must not become
    a stolen account)."""
    now = ports.context.now()
    if not current or len(current) > PASSWORD_MAX_LENGTH:
        raise WrongPassword()
    _check_password(new)
    if not _within_limit(ports.sessions, principal.email, _CHANGE, now):
        raise TooManySignIns()
    if not ports.identity.password_is_right(principal.email, current):
        raise WrongPassword()
    ports.identity.set_password(principal.email, new)


def sign_out(token: str | None, *, verifier: Verifier, sessions: SessionStore, context: Context) -> None:
    """Refuses the session's token from now until it expires, wherever a copy of it is replayed."""
    now = context.now()
    if token is None:
        return
    try:
        claims = verifier.claims(token)
    except NotAuthenticated:
        return  # expired or never valid: nothing left to refuse
    until = datetime.fromtimestamp(int(claims["exp"]) + verifier.leeway_seconds, UTC)
    sessions.revoke(fingerprint(token), until, now)


def sign_out_everywhere(ports: SignInPorts, principal: Principal, token: str) -> None:
    """Every device: Cognito revokes the refresh tokens; the portal refuses every ID token issued until now
    (agency users, through their member) and this one (everyone)."""
    now = ports.context.now()
    ports.identity.sign_out_everywhere(principal.email)
    if isinstance(principal, AgencyUser):
        ports.members.sign_out_everywhere(principal.agency_id, principal.user_id, int(now.timestamp()))
    else:
        ports.sessions.sign_out_user(principal.user_id, int(now.timestamp()))
    sign_out(token, verifier=ports.verifier, sessions=ports.sessions, context=ports.context)


def who_is(principal: Principal, accounts: Agencies) -> Me:
    """The principal as authenticated (an agency user's role and names come from their member, read with
    the session check): only the agency is read here."""
    if isinstance(principal, FinanceUser):
        handled = tuple(creditor for creditor in Creditor if principal.handles(creditor))
        return Me(
            principal.user_id,
            principal.email,
            "finance",
            "Service financier",
            "",
            "",
            (),
            None,
            None,
            handled,
        )
    agency = accounts.agency(principal.agency_id)
    return Me(
        user_id=principal.user_id,
        email=principal.email,
        role=principal.role.value,
        role_label=principal.role.label,
        first_name=principal.first_name,
        last_name=principal.last_name,
        permissions=tuple(p.value for p in Permission if principal.may(p)),
        agency_id=agency.agency_id,
        agency_name=agency.name,
        creditors=agency.creditors,
    )


def password_policy() -> dict[str, Any]:
    from mesfactures.domain.team import PASSWORD_MIN_LENGTH, PASSWORD_RULES

    return {
        "min_length": PASSWORD_MIN_LENGTH,
        "rules": [{"code": code, "label": label} for code, label, _ in PASSWORD_RULES],
    }


def _next_step(
    ports: SignInPorts, username: str, outcome: SignInOutcome, now: datetime, second_factor_done: bool = False
) -> SignInStep:
    if not isinstance(outcome, Tokens):
        return _ask(
            ports, PendingSignIn(username, outcome.name, cognito_session=outcome.cognito_session), now
        )
    principal = ports.verifier.principal(outcome.id_token)
    if isinstance(principal, FinanceUser) and not second_factor_done:
        # Finance validates bank details: no session without a second factor. Cognito's MFA is optional
        # pool-wide (agency users choose), so the portal asks for the set-up itself.
        secret = ports.identity.start_totp_setup(outcome.access_token)
        pending = PendingSignIn(
            username, "totp_setup", id_token=outcome.id_token, access_token=outcome.access_token
        )
        return _enrolment(_ask(ports, pending, now), principal.email, secret)
    return _signed_in(ports, outcome.id_token)


def _enrolment(asked: ChallengeAsked, email: str, secret: str) -> ChallengeAsked:
    """The secret, and the otpauth:// address an authenticator app scans (as a QR code)."""
    label, issuer = quote(f"{TOTP_ISSUER}:{email}"), quote(TOTP_ISSUER)
    uri = f"otpauth://totp/{label}?secret={secret}&issuer={issuer}"
    return ChallengeAsked(asked.challenge, asked.session, secret=secret, otpauth_uri=uri)


def _signed_in(ports: SignInPorts, id_token: str) -> SignedIn:
    principal = ports.verifier.principal(id_token)
    if isinstance(principal, AgencyUser):
        try:
            member = ports.members.member(principal.agency_id, principal.user_id)
        except NotFound:
            raise InvalidCredentials() from None  # in Cognito, but in no agency's team
        if not member.active:
            raise InvalidCredentials()
        if not member.signed_in_once:
            ports.members.record_sign_in(principal.agency_id, principal.user_id)
        principal = as_member(principal, member)
    return SignedIn(token=id_token, principal=principal)


def _ask(ports: SignInPorts, pending: PendingSignIn, now: datetime) -> ChallengeAsked:
    handle = secrets.token_urlsafe(32)
    ports.sessions.hold(fingerprint(handle), pending, now + timedelta(seconds=CHALLENGE_SECONDS))
    return ChallengeAsked(pending.challenge, handle)


def _pending(ports: SignInPorts, handle: str, challenge: str, now: datetime) -> PendingSignIn:
    if not handle or len(handle) > 128:
        raise ChallengeExpired()
    pending = ports.sessions.held(fingerprint(handle), now)
    if pending is None or pending.challenge != challenge:
        raise ChallengeExpired()
    return pending


def _release(ports: SignInPorts, handle: str) -> None:
    if not ports.sessions.release(fingerprint(handle)):
        raise ChallengeExpired()  # answered twice at once: the first one won


def _count_attempt(sessions: SessionStore, username: str, now: datetime) -> tuple[str, str]:
    subject = fingerprint(username.casefold())
    window = _sign_in_window(now)
    forget_at = now + timedelta(minutes=2 * SIGN_IN_WINDOW_MINUTES)
    if not sessions.take(subject, window, MAX_FAILED_SIGN_INS, forget_at):
        raise TooManySignIns()
    return subject, window


def _within_limit(sessions: SessionStore, username: str, action: str, now: datetime) -> bool:
    forget_at = now + timedelta(minutes=2 * SIGN_IN_WINDOW_MINUTES)
    return sessions.take(
        fingerprint(username.casefold()), _sign_in_window(now), MAX_FAILED_SIGN_INS, forget_at, action
    )


def _username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 128:
        raise InvalidInput("Saisissez votre identifiant (votre adresse e-mail).")
    return username


def _check_code(code: str) -> None:
    if not (len(code) == _CODE_LENGTH and code.isascii() and code.isdigit()):
        raise InvalidCode("Saisissez le code à 6 chiffres.")


def _check_password(password: str) -> None:
    broken = broken_password_rules(password)
    if broken:
        raise InvalidPassword(broken)


def _sign_in_window(now: datetime) -> str:
    quarter = now.minute // SIGN_IN_WINDOW_MINUTES * SIGN_IN_WINDOW_MINUTES
    return f"{now:%Y-%m-%dT%H}:{quarter:02d}"
