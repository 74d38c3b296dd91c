"""The team of an agency: inviting, re-sending an invitation, changing a role, deactivating and
reactivating; finance inviting an agency's first administrator; and the activity journal."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from mesfactures.domain.context import Context
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import AgencyHasAdministrator, InvalidFields, InvalidInput, NotFound
from mesfactures.domain.ids import new_id
from mesfactures.domain.ledger import Agency
from mesfactures.domain.principal import AgencyUser, FinanceUser, Role
from mesfactures.domain.team import Action, Activity, ActivityPage, Member, activity_of

# Narrower than a billing address (account/validation.py): this one becomes a Cognito identifier, and
# Cognito refuses some characters RFC 5322 allows.
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_NAME_MAX = 60
ACTIVITY_DEFAULT_DAYS = 90
ACTIVITY_MAX_DAYS = 366


class TeamIdentity(Protocol):
    def invite(
        self, email: str, first_name: str, last_name: str, agency_id: str, role: Role, context: dict[str, str]
    ) -> str: ...

    def resend_invitation(self, email: str, context: dict[str, str]) -> None: ...

    def set_role(self, email: str, role: Role) -> None: ...

    def set_enabled(self, email: str, enabled: bool) -> None: ...


class Team(Protocol):
    def members(self, agency_id: str) -> list[Member]: ...

    def member(self, agency_id: str, user_id: str) -> Member: ...

    def add(self, member: Member, activity: Activity | None = None) -> bool: ...

    def change(self, before: Member, after: Member, activity: Activity) -> None: ...

    def record(self, activity: Activity) -> None: ...


class Agencies(Protocol):
    def agency(self, agency_id: str) -> Agency: ...

    def has_account(self, agency_id: str, creditor: Creditor) -> bool: ...


class Journal(Protocol):
    def page(
        self, agency_id: str, user_id: str | None, day_from: date, day_to: date, cursor: str | None
    ) -> ActivityPage: ...


@dataclass(frozen=True)
class TeamPorts:
    identity: TeamIdentity
    team: Team
    agencies: Agencies
    context: Context


@dataclass(frozen=True)
class Invitation:
    email: str
    first_name: str
    last_name: str
    role: Role


def parse_invitation(body: dict[str, Any], role_required: bool = True) -> Invitation:
    """The invitation form, each field refused with its own French message."""
    errors: dict[str, str] = {}
    email = body.get("email")
    if not isinstance(email, str) or not _EMAIL.match(email.strip()) or len(email.strip()) > 254:
        errors["email"] = "Saisissez une adresse e-mail valide."
    names: dict[str, str] = {}
    for field, label in (("first_name", "le prénom"), ("last_name", "le nom")):
        value = body.get(field)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > _NAME_MAX:
            errors[field] = f"Saisissez {label} ({_NAME_MAX} caractères au plus)."
        else:
            names[field] = value.strip()
    role = Role.ADMINISTRATEUR
    if role_required:
        try:
            role = Role(str(body.get("role")))
        except ValueError:
            errors["role"] = "Choisissez un rôle : administrateur, comptable ou lecture."
    if errors:
        raise InvalidFields(errors)
    assert isinstance(email, str)  # noqa: S101 (checked above)
    return Invitation(email.strip().lower(), names["first_name"], names["last_name"], role)


def team_of(admin: AgencyUser, *, team: Team) -> list[Member]:
    """The agency's members, for its administrator."""
    return team.members(admin.agency_id)


def invite_member(ports: TeamPorts, admin: AgencyUser, invitation: Invitation) -> Member:
    """Cognito creates the person and e-mails the invitation; the team records them with their role."""
    now = ports.context.now()
    return _invite(ports, admin.agency_id, admin.user_id, admin.display_name, invitation, now)


def invite_first_administrator(
    ports: TeamPorts,
    finance: FinanceUser,
    creditor: Creditor,
    agency_id: str,
    invitation: Invitation,
) -> Member:
    """Finance onboards an agency that has an account at one of its creditors (the ERP feed brought it)."""
    now = ports.context.now()
    if not finance.handles(creditor) or not ports.agencies.has_account(agency_id, creditor):
        raise NotFound("Aucun compte de cette agence chez ce créancier.")
    if any(m.counts_as_admin and m.signed_in_once for m in ports.team.members(agency_id)):
        # Finance opens an agency's door; once an administrator has come in, they invite (finance cannot
        # make itself, or anyone, an administrator of an agency that has one). An invitation that was
        # never used (lost, expired) does not close the door.
        raise AgencyHasAdministrator()
    first = replace(invitation, role=Role.ADMINISTRATEUR)
    by = f"Service financier {creditor.display_name}"
    context = {"agency_name": ports.agencies.agency(agency_id).name, "invited_by_creditor": creditor.value}
    return _invite(ports, agency_id, finance.user_id, by, first, now, context)


def resend_invitation(ports: TeamPorts, admin: AgencyUser, user_id: str) -> Member:
    now = ports.context.now()
    member = ports.team.member(admin.agency_id, user_id)
    if member.signed_in_once or not member.active:
        raise InvalidInput("Cette personne a déjà choisi son mot de passe : rien à renvoyer.")
    agency = ports.agencies.agency(admin.agency_id)
    ports.identity.resend_invitation(member.email, _context(agency, admin.display_name))
    ports.team.record(activity_of(admin, Action.INVITATION_RESENT, now, detail=member.email))
    return member


def change_member(ports: TeamPorts, admin: AgencyUser, user_id: str, body: dict[str, Any]) -> Member:
    """A new role and/or activity; the agency always keeps an active administrator (a table condition)."""
    now = ports.context.now()
    if not {"role", "active"} & set(body):
        raise InvalidInput("Indiquez un rôle ou un état (actif ou non).")
    before = ports.team.member(admin.agency_id, user_id)
    after, changes = _changed_member(before, body, now)
    if not changes:
        return before
    action = changes[0][0]
    ports.team.change(
        before, after, activity_of(admin, action, now, detail=" ; ".join(d for _, d in changes))
    )
    if after.role is not before.role:
        ports.identity.set_role(before.email, after.role)
    if after.active != before.active:
        ports.identity.set_enabled(before.email, after.active)
    return after


def _changed_member(
    before: Member, body: dict[str, Any], now: datetime
) -> tuple[Member, list[tuple[Action, str]]]:
    after, changes = before, []
    if "role" in body:
        try:
            role = Role(str(body["role"]))
        except ValueError:
            raise InvalidFields({"role": "Rôle inconnu."}) from None
        if role is not before.role:
            after = replace(after, role=role)
            changes.append((Action.ROLE_CHANGED, f"{before.email} : {before.role.label} → {role.label}"))
    active = body.get("active", before.active)
    if not isinstance(active, bool):
        raise InvalidFields({"active": "Indiquez true ou false."})
    if active != before.active:
        # Deactivated: every session of theirs is refused from now on, even after a reactivation.
        refused_before = before.signed_out_before if active else int(now.timestamp())
        after = replace(after, active=active, signed_out_before=refused_before)
        changes.append((Action.MEMBER_REACTIVATED if active else Action.MEMBER_DEACTIVATED, before.email))
    return after, changes


def activity_page(journal: Journal, admin: AgencyUser, params: dict[str, str], today: date) -> ActivityPage:
    user = params.get("user") or None
    day_to = _day(params.get("to"), "to") or today
    day_from = _day(params.get("from"), "from") or max(
        date(2000, 1, 1), day_to - timedelta(days=ACTIVITY_DEFAULT_DAYS)
    )
    if day_from > day_to:
        raise InvalidInput("La date de début doit précéder la date de fin.")
    if (day_to - day_from).days > ACTIVITY_MAX_DAYS:
        raise InvalidInput("Choisissez une période d'un an au plus.")
    return journal.page(admin.agency_id, user, day_from, day_to, params.get("cursor") or None)


def _invite(
    ports: TeamPorts,
    agency_id: str,
    by_id: str,
    by_name: str,
    invitation: Invitation,
    now: datetime,
    context: dict[str, str] | None = None,
) -> Member:
    agency = ports.agencies.agency(agency_id)
    user_id = ports.identity.invite(
        invitation.email,
        invitation.first_name,
        invitation.last_name,
        agency_id,
        invitation.role,
        context or _context(agency, by_name),
    )
    member = Member(
        agency_id=agency_id,
        user_id=user_id,
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        role=invitation.role,
        active=True,
        signed_in_once=False,
        invited_at=now,
        invited_by=by_name,
    )
    journal = Activity(
        new_id(),
        agency_id,
        now,
        by_id,
        by_name,
        Action.MEMBER_INVITED,
        detail=f"{member.email} ({member.role.label})",
    )
    ports.team.add(member, journal)
    return member


def _context(agency: Agency, invited_by: str) -> dict[str, str]:
    return {"agency_name": agency.name, "invited_by": invited_by}


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or day.year < 2000:
        label = "de début" if name == "from" else "de fin"
        raise InvalidInput(f"La date {label} doit être au format AAAA-MM-JJ, en 2000 ou après.")
    return day
