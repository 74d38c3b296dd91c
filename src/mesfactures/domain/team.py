"""An agency is a team: its members, each with one role, and the journal of what each of them did."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ids import new_id
from mesfactures.domain.principal import AgencyUser, Role


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"

    @property
    def label(self) -> str:
        return {
            MemberStatus.INVITED: "Invitation envoyée",
            MemberStatus.ACTIVE: "Actif",
            MemberStatus.DEACTIVATED: "Désactivé",
        }[self]


@dataclass(frozen=True)
class Member:
    agency_id: str
    user_id: str
    email: str
    first_name: str
    last_name: str
    role: Role
    active: bool
    signed_in_once: bool
    invited_at: datetime
    invited_by: str
    # Every token issued before this instant is refused ("sign out of every device").
    signed_out_before: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def status(self) -> MemberStatus:
        if not self.active:
            return MemberStatus.DEACTIVATED
        return MemberStatus.ACTIVE if self.signed_in_once else MemberStatus.INVITED

    @property
    def counts_as_admin(self) -> bool:
        return self.active and self.role is Role.ADMINISTRATEUR


class Action(StrEnum):
    """What the activity journal records, in the business's words."""

    PAYMENT_STARTED = "payment_started"
    PAYMENT_CANCELLED = "payment_cancelled"
    PAID_BY_CREDIT = "paid_by_credit"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_COMMENTED = "dispute_commented"
    MESSAGE_SENT = "message_sent"
    PROFILE_CHANGED = "profile_changed"
    BANK_CHANGE_REQUESTED = "bank_change_requested"
    MEMBER_INVITED = "member_invited"
    INVITATION_RESENT = "invitation_resent"
    ROLE_CHANGED = "role_changed"
    MEMBER_DEACTIVATED = "member_deactivated"
    MEMBER_REACTIVATED = "member_reactivated"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    Action.PAYMENT_STARTED: "Paiement par carte lancé",
    Action.PAYMENT_CANCELLED: "Paiement par carte annulé",
    Action.PAID_BY_CREDIT: "Factures réglées par avoir",
    Action.DISPUTE_OPENED: "Litige déclaré",
    Action.DISPUTE_COMMENTED: "Commentaire sur un litige",
    Action.MESSAGE_SENT: "Message envoyé à un service",
    Action.PROFILE_CHANGED: "Coordonnées modifiées",
    Action.BANK_CHANGE_REQUESTED: "Changement de coordonnées bancaires demandé",
    Action.MEMBER_INVITED: "Collaborateur invité",
    Action.INVITATION_RESENT: "Invitation renvoyée",
    Action.ROLE_CHANGED: "Rôle modifié",
    Action.MEMBER_DEACTIVATED: "Collaborateur désactivé",
    Action.MEMBER_REACTIVATED: "Collaborateur réactivé",
}


@dataclass(frozen=True)
class Activity:
    """One line of an agency's activity journal: when, who, what, on which documents."""

    activity_id: str
    agency_id: str
    at: datetime
    user_id: str
    user_name: str
    action: Action
    creditor: Creditor | None = None
    documents: tuple[str, ...] = ()
    detail: str = ""


def activity_of(
    user: AgencyUser,
    action: Action,
    now: datetime,
    creditor: Creditor | None = None,
    documents: tuple[str, ...] = (),
    detail: str = "",
) -> Activity:
    """The journal line of an action by `user`, written by the repository in the action's transaction."""
    return Activity(
        activity_id=new_id(),
        agency_id=user.agency_id,
        at=now,
        user_id=user.user_id,
        user_name=user.display_name,
        action=action,
        creditor=creditor,
        documents=documents,
        detail=detail,
    )


@dataclass(frozen=True)
class ActivityPage:
    events: list[Activity]
    next_cursor: str | None


# The user pool's password policy (infra and the local stack set the same), checked here first so that
# each broken rule gets its own French message before Cognito is asked.
PASSWORD_MIN_LENGTH = 10
PASSWORD_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "length",
        f"Au moins {PASSWORD_MIN_LENGTH} caractères",
        re.compile(rf"^.{{{PASSWORD_MIN_LENGTH},}}$", re.S),
    ),
    ("lowercase", "Au moins une lettre minuscule", re.compile(r"[a-z]")),
    ("uppercase", "Au moins une lettre majuscule", re.compile(r"[A-Z]")),
    ("digit", "Au moins un chiffre", re.compile(r"[0-9]")),
    # Cognito's own list of special characters: an accented letter is not one (it refused "é" as a symbol).
    (
        "symbol",
        "Au moins un caractère spécial (par exemple ! ? @ # - _)",
        re.compile(r"[\^$*.\[\]{}()?\"!@#%&/\\,><':;|_~`=+\-]"),
    ),
)
PASSWORD_MAX_LENGTH = 256


def broken_password_rules(password: str) -> list[str]:
    """The French label of every rule the password breaks (empty: it complies)."""
    broken = [label for _, label, pattern in PASSWORD_RULES if not pattern.search(password)]
    if len(password) > PASSWORD_MAX_LENGTH:
        broken.append(f"Au plus {PASSWORD_MAX_LENGTH} caractères")
    if password != password.strip():
        broken.append("Pas d'espace au début ni à la fin")
    return broken
