"""The rules of access — sign-in challenges, passwords, roles, the team — against in-memory fakes of the
ports (Cognito, the table): milliseconds, no infrastructure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from mesfactures.account.sessions import (
    ChallengeAsked,
    SignedIn,
    SignInPorts,
    answer_new_password,
    answer_totp,
    change_password,
    finish_totp_setup,
    reset_password,
    sign_in,
)
from mesfactures.account.team import TeamPorts, change_member, parse_invitation, resend_invitation
from mesfactures.auth.sessions import Authenticator
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import (
    ChallengeExpired,
    InvalidCode,
    InvalidFields,
    InvalidInput,
    InvalidPassword,
    NotAuthenticated,
    WrongPassword,
)
from mesfactures.domain.ledger import Agency
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission, Principal, Role
from mesfactures.domain.signing_in import Challenge, PendingSignIn, SignInOutcome, Tokens
from mesfactures.domain.team import Activity, ActivityPage, Member, broken_password_rules
from tests.fakes import FakeContext

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ADMIN = AgencyUser("u-admin", "admin@agence.fr", "AG-1", Role.ADMINISTRATEUR, "Ada", "Admin")


@dataclass
class FakeIdentity:
    """Cognito as the use cases see it: passwords, temporary ones, and TOTP codes it checks."""

    passwords: dict[str, str] = field(default_factory=dict)
    temporary: set[str] = field(default_factory=set)
    totp: set[str] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    enabled: dict[str, bool] = field(default_factory=dict)
    invitations_sent: list[str] = field(default_factory=list)

    def sign_in(self, username: str, password: str) -> SignInOutcome:
        if self.passwords.get(username) != password:
            from mesfactures.domain.errors import InvalidCredentials

            raise InvalidCredentials()
        return self._after_password(username)

    def _after_password(self, username: str) -> SignInOutcome:
        if username in self.temporary:
            return Challenge("new_password", f"cognito-{username}")
        if username in self.totp:
            return Challenge("totp", f"cognito-{username}")
        return Tokens(f"id:{username}", f"access:{username}")

    def complete_new_password(self, username: str, cognito_session: str, new_password: str) -> SignInOutcome:
        self.passwords[username] = new_password
        self.temporary.discard(username)
        return self._after_password(username)

    def complete_totp(self, username: str, cognito_session: str, code: str) -> SignInOutcome:
        if code != "123456":
            raise InvalidCode()
        return Tokens(f"id:{username}", f"access:{username}")

    def start_totp_setup(self, access_token: str) -> str:
        return "SECRETBASE32"

    def finish_totp_setup(self, access_token: str, code: str) -> None:
        if code != "123456":
            raise InvalidCode()
        self.totp.add(access_token.removeprefix("access:"))

    def request_password_reset(self, username: str) -> None:
        self.codes[username] = "654321"

    def reset_password(self, username: str, code: str, new_password: str) -> None:
        if self.codes.pop(username, None) != code:
            raise InvalidCode()
        self.passwords[username] = new_password

    def password_is_right(self, username: str, password: str) -> bool:
        return self.passwords.get(username) == password

    def set_password(self, username: str, new_password: str) -> None:
        self.passwords[username] = new_password

    def sign_out_everywhere(self, username: str) -> None: ...

    def invite(
        self, email: str, first_name: str, last_name: str, agency_id: str, role: Role, context: dict[str, str]
    ) -> str:
        self.invitations_sent.append(email)
        return f"u-{email}"

    def resend_invitation(self, email: str, context: dict[str, str]) -> None:
        self.invitations_sent.append(email)

    def set_role(self, email: str, role: Role) -> None:
        self.roles[email] = role

    def set_enabled(self, email: str, enabled: bool) -> None:
        self.enabled[email] = enabled


class FakeVerifier:
    """Tokens are `id:<email>`; finance people's e-mails end with @finance."""

    leeway_seconds = 30

    def principal(self, token: str) -> Principal:
        email = token.removeprefix("id:")
        if email.endswith("@finance"):
            return FinanceUser(f"u-{email}", email, frozenset({Creditor.POLIRIS}))
        return AgencyUser(f"u-{email}", email, "AG-1")

    def claims(self, token: str) -> dict[str, Any]:
        if not token.startswith("id:"):
            raise NotAuthenticated()
        return {"exp": 2_000_000_000, "iat": 1_700_000_000}


@dataclass
class FakeSessions:
    held_items: dict[str, tuple[PendingSignIn, datetime]] = field(default_factory=dict)
    counters: dict[tuple[str, str, str], int] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)

    def take(self, subject: str, window: str, limit: int, forget_at: datetime, action: str = "login") -> bool:
        key = (subject, window, action)
        if self.counters.get(key, 0) >= limit:
            return False
        self.counters[key] = self.counters.get(key, 0) + 1
        return True

    def forget(self, subject: str, window: str) -> None:
        self.counters.pop((subject, window, "login"), None)

    def revoke(self, fingerprint: str, until: datetime, now: datetime) -> None:
        self.revoked.add(fingerprint)

    def hold(self, fingerprint: str, pending: PendingSignIn, until: datetime) -> None:
        self.held_items[fingerprint] = (pending, until)

    def held(self, fingerprint: str, now: datetime) -> PendingSignIn | None:
        found = self.held_items.get(fingerprint)
        return found[0] if found and found[1] >= now else None

    def release(self, fingerprint: str) -> bool:
        return self.held_items.pop(fingerprint, None) is not None

    def revoked_and_cutoff(self, fingerprint: str, user_id: str) -> tuple[bool, int | None]:
        return fingerprint in self.revoked, None

    def sign_out_user(self, user_id: str, before_epoch: int) -> None: ...

    def revoked_and_member(
        self, fingerprint: str, agency_id: str, user_id: str
    ) -> tuple[bool, Member | None]:
        return fingerprint in self.revoked, None


@dataclass
class FakeTeam:
    """The team as the table keeps it, with the last-administrator condition the table enforces."""

    people: dict[str, Member] = field(default_factory=dict)
    journal: list[Activity] = field(default_factory=list)

    def members(self, agency_id: str) -> list[Member]:
        return [m for m in self.people.values() if m.agency_id == agency_id]

    def member(self, agency_id: str, user_id: str) -> Member:
        from mesfactures.domain.errors import NotFound

        found = self.people.get(user_id)
        if found is None or found.agency_id != agency_id:
            raise NotFound()
        return found

    def add(self, member: Member, activity: Activity | None = None) -> bool:
        self.people[member.user_id] = member
        self.journal += [activity] if activity else []
        return True

    def change(self, before: Member, after: Member, activity: Activity) -> None:
        from mesfactures.domain.errors import LastAdministrator

        admins = sum(m.counts_as_admin for m in self.members(before.agency_id))
        if before.counts_as_admin and not after.counts_as_admin and admins <= 1:
            raise LastAdministrator()
        self.people[after.user_id] = after
        self.journal.append(activity)

    def record(self, activity: Activity) -> None:
        self.journal.append(activity)

    def record_sign_in(self, agency_id: str, user_id: str) -> None:
        self.people[user_id] = replace(self.people[user_id], signed_in_once=True)

    def sign_out_everywhere(self, agency_id: str, user_id: str, before_epoch: int) -> None:
        self.people[user_id] = replace(self.people[user_id], signed_out_before=before_epoch)


class FakeAgencies:
    def agency(self, agency_id: str) -> Agency:
        return Agency(agency_id, "Agence Une", (Creditor.POLIRIS,))

    def has_account(self, agency_id: str, creditor: Creditor) -> bool:
        return agency_id == "AG-1" and creditor is Creditor.POLIRIS


class FakeJournal:
    def page(
        self, agency_id: str, user_id: str | None, day_from: date, day_to: date, cursor: str | None
    ) -> ActivityPage:
        return ActivityPage([], None)


def _member(email: str, role: Role, **changes: Any) -> Member:
    member = Member("AG-1", f"u-{email}", email, "Prénom", "Nom", role, True, True, NOW, "x")
    return replace(member, **changes)


def _ports(identity: FakeIdentity, team: FakeTeam | None = None) -> SignInPorts:
    return SignInPorts(identity, FakeVerifier(), FakeSessions(), team or FakeTeam(), FakeContext(NOW))


def test_a_temporary_password_leads_to_a_session_only_after_a_new_password() -> None:
    identity = FakeIdentity(passwords={"lea@agence.fr": "Temp-2026!x"}, temporary={"lea@agence.fr"})
    team = FakeTeam()
    team.add(_member("lea@agence.fr", Role.COMPTABLE, signed_in_once=False))
    ports = _ports(identity, team)

    asked = sign_in(ports, "lea@agence.fr", "Temp-2026!x")
    assert isinstance(asked, ChallengeAsked) and asked.challenge == "new_password"
    done = answer_new_password(ports, asked.session, "Nouveau-2026!")

    assert isinstance(done, SignedIn) and done.token == "id:lea@agence.fr"
    assert identity.passwords["lea@agence.fr"] == "Nouveau-2026!"
    assert team.people["u-lea@agence.fr"].signed_in_once
    with pytest.raises(ChallengeExpired):
        answer_new_password(ports, asked.session, "Nouveau-2026!")


def test_a_new_password_names_every_rule_it_breaks_and_keeps_the_challenge() -> None:
    identity = FakeIdentity(passwords={"lea@agence.fr": "Temp-2026!x"}, temporary={"lea@agence.fr"})
    ports = _ports(identity)
    asked = sign_in(ports, "lea@agence.fr", "Temp-2026!x")
    assert isinstance(asked, ChallengeAsked)

    with pytest.raises(InvalidPassword) as refused:
        answer_new_password(ports, asked.session, "court")

    assert refused.value.rules == [
        "Au moins 10 caractères",
        "Au moins une lettre majuscule",
        "Au moins un chiffre",
        "Au moins un caractère spécial (par exemple ! ? @ # - _)",
    ]
    assert "lea@agence.fr" in identity.temporary  # nothing changed: the same challenge can be answered again


def test_a_finance_user_without_totp_gets_no_session_before_enrolling_one() -> None:
    identity = FakeIdentity(passwords={"f@finance": "Finance-2026!"})
    ports = _ports(identity)

    asked = sign_in(ports, "f@finance", "Finance-2026!")

    assert isinstance(asked, ChallengeAsked) and asked.challenge == "totp_setup"
    assert asked.otpauth_uri is not None and "secret=SECRETBASE32" in asked.otpauth_uri
    with pytest.raises(InvalidCode):
        finish_totp_setup(ports, asked.session, "000000")
    done = finish_totp_setup(ports, asked.session, "123456")
    assert isinstance(done, SignedIn)
    again = sign_in(ports, "f@finance", "Finance-2026!")
    assert isinstance(again, ChallengeAsked) and again.challenge == "totp"
    assert isinstance(answer_totp(ports, again.session, "123456"), SignedIn)


def test_a_challenge_handle_answers_only_its_own_challenge() -> None:
    identity = FakeIdentity(passwords={"f@finance": "Finance-2026!"}, totp={"f@finance"})
    ports = _ports(identity)
    asked = sign_in(ports, "f@finance", "Finance-2026!")
    assert isinstance(asked, ChallengeAsked)

    with pytest.raises(ChallengeExpired):
        answer_new_password(ports, asked.session, "Nouveau-2026!")


def test_a_code_that_is_not_six_digits_is_refused_before_cognito_is_asked() -> None:
    identity = FakeIdentity(passwords={"a@agence.fr": "Ancien-2026!"})
    identity.request_password_reset("a@agence.fr")
    with pytest.raises(InvalidCode):
        reset_password(_ports(identity), "a@agence.fr", "65432", "Nouveau-2026!")
    assert identity.codes == {"a@agence.fr": "654321"}


def test_a_password_change_needs_the_current_password() -> None:
    identity = FakeIdentity(passwords={"a@agence.fr": "Ancien-2026!"})
    user = AgencyUser("u-a", "a@agence.fr", "AG-1")
    with pytest.raises(WrongPassword):
        change_password(_ports(identity), user, "Faux-2026!", "Nouveau-2026!")
    change_password(_ports(identity), user, "Ancien-2026!", "Nouveau-2026!")
    assert identity.passwords["a@agence.fr"] == "Nouveau-2026!"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMINISTRATEUR, set(Permission)),
        (Role.COMPTABLE, {Permission.PAY, Permission.DISPUTE, Permission.MESSAGE, Permission.EDIT_PROFILE}),
        (Role.LECTURE, set()),
    ],
)
def test_each_role_grants_what_the_access_table_says(role: Role, allowed: set[Permission]) -> None:
    assert {p for p in Permission if role.may(p)} == allowed


def test_the_last_active_administrator_cannot_leave_but_another_can() -> None:
    from mesfactures.domain.errors import LastAdministrator

    team = FakeTeam()
    team.add(_member("admin@agence.fr", Role.ADMINISTRATEUR))
    ports = TeamPorts(FakeIdentity(), team, FakeAgencies(), FakeContext(NOW))
    with pytest.raises(LastAdministrator):
        change_member(ports, ADMIN, "u-admin@agence.fr", {"role": "lecture"})
    team.add(_member("second@agence.fr", Role.ADMINISTRATEUR))
    changed = change_member(ports, ADMIN, "u-admin@agence.fr", {"active": False})
    assert not changed.active and changed.signed_out_before == int(NOW.timestamp())


def test_a_role_change_reaches_cognito_and_the_journal() -> None:
    identity, team = FakeIdentity(), FakeTeam()
    team.add(_member("lea@agence.fr", Role.LECTURE))
    changed = change_member(
        TeamPorts(identity, team, FakeAgencies(), FakeContext(NOW)),
        ADMIN,
        "u-lea@agence.fr",
        {"role": "comptable"},
    )
    assert changed.role is Role.COMPTABLE and identity.roles == {"lea@agence.fr": Role.COMPTABLE}
    assert [(a.action.value, a.user_name) for a in team.journal] == [("role_changed", "Ada Admin")]


def test_an_invitation_is_resent_only_to_someone_who_never_signed_in() -> None:
    identity, team = FakeIdentity(), FakeTeam()
    team.add(_member("lea@agence.fr", Role.LECTURE))
    with pytest.raises(InvalidInput):
        resend_invitation(
            TeamPorts(identity, team, FakeAgencies(), FakeContext(NOW)), ADMIN, "u-lea@agence.fr"
        )
    assert identity.invitations_sent == []


def test_an_invitation_names_each_wrong_field() -> None:
    with pytest.raises(InvalidFields) as refused:
        parse_invitation({"email": "pas un mail", "first_name": " ", "last_name": "X" * 61, "role": "chef"})
    assert set(refused.value.fields) == {"email", "first_name", "last_name", "role"}
    assert (
        parse_invitation(
            {"email": " Lea@Agence.FR ", "first_name": "Léa", "last_name": "Roux", "role": "lecture"}
        ).email
        == "lea@agence.fr"
    )


def test_the_password_rules_accept_a_strong_password() -> None:
    assert broken_password_rules("Nouveau-Mdp-2026!") == []
    assert broken_password_rules(" Nouveau-Mdp-2026!") == ["Pas d'espace au début ni à la fin"]
    # Cognito does not count an accented letter as a special character: neither does the portal.
    assert broken_password_rules("Eteeeeeee1é") == ["Au moins un caractère spécial (par exemple ! ? @ # - _)"]


@dataclass
class MemberSessions(FakeSessions):
    member: Member | None = None

    def revoked_and_member(
        self, fingerprint: str, agency_id: str, user_id: str
    ) -> tuple[bool, Member | None]:
        return fingerprint in self.revoked, self.member


class AuthVerifier(FakeVerifier):
    def claims(self, token: str) -> dict[str, Any]:
        return {"exp": 2_000_000_000, "iat": 1_700_000_000, "sub": "u-lea@agence.fr"}

    def principal_from(self, claims: dict[str, Any]) -> Principal:
        return AgencyUser("u-lea@agence.fr", "lea@agence.fr", "AG-1")


@pytest.mark.parametrize(
    "member",
    [
        None,
        _member("lea@agence.fr", Role.COMPTABLE, active=False),
        _member("lea@agence.fr", Role.COMPTABLE, signed_out_before=1_700_000_000),
    ],
)
def test_a_session_is_refused_without_an_active_member_or_after_signing_out_everywhere(
    member: Member | None,
) -> None:
    authenticator = Authenticator(AuthVerifier(), MemberSessions(member=member))  # type: ignore[arg-type]
    with pytest.raises(NotAuthenticated):
        authenticator.principal("id:lea@agence.fr")


def test_the_role_comes_from_the_member_not_from_the_token() -> None:
    member = _member("lea@agence.fr", Role.LECTURE, signed_out_before=1_699_999_999)
    authenticator = Authenticator(AuthVerifier(), MemberSessions(member=member))  # type: ignore[arg-type]
    principal = authenticator.principal("id:lea@agence.fr")
    assert isinstance(principal, AgencyUser) and principal.role is Role.LECTURE
    assert not principal.may(Permission.PAY)


@pytest.mark.parametrize(
    "member",
    [
        None,
        _member("lea@agence.fr", Role.COMPTABLE, active=False),
        _member("lea@agence.fr", Role.COMPTABLE, signed_out_before=1_700_000_000),
    ],
)
def test_a_read_made_beside_the_session_check_is_refused_when_the_check_refuses(
    member: Member | None,
) -> None:
    with ThreadPoolExecutor(max_workers=1) as beside:
        authenticator = Authenticator(
            AuthVerifier(),  # type: ignore[arg-type]
            MemberSessions(member=member),
            beside.submit,
        )
        _principal, confirm = authenticator.principal_beside("id:lea@agence.fr")
        with pytest.raises(NotAuthenticated):
            confirm()


def test_a_read_made_beside_the_session_check_is_confirmed_with_the_members_role() -> None:
    member = _member("lea@agence.fr", Role.LECTURE, signed_out_before=1_699_999_999)
    with ThreadPoolExecutor(max_workers=1) as beside:
        authenticator = Authenticator(
            AuthVerifier(),  # type: ignore[arg-type]
            MemberSessions(member=member),
            beside.submit,
        )
        principal, confirm = authenticator.principal_beside("id:lea@agence.fr")
        confirmed = confirm()
    assert isinstance(principal, AgencyUser) and principal.agency_id == "AG-1"
    assert isinstance(confirmed, AgencyUser) and confirmed.role is Role.LECTURE
