"""Who is calling, as established from a verified token: an agency user or a finance user, and what the
agency user's role lets them do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mesfactures.domain.creditors import Creditor


class Permission(StrEnum):
    """What a role may do besides reading; the site hides what the role lacks, the server refuses it."""

    PAY = "pay"
    DISPUTE = "dispute"
    MESSAGE = "message"
    EDIT_PROFILE = "edit_profile"
    EDIT_BANK = "edit_bank"
    TEAM = "team"
    ACTIVITY = "activity"


class Role(StrEnum):
    ADMINISTRATEUR = "administrateur"
    COMPTABLE = "comptable"
    LECTURE = "lecture"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]

    @property
    def description(self) -> str:
        return _ROLE_DESCRIPTIONS[self]

    @property
    def permissions(self) -> frozenset[Permission]:
        return _PERMISSIONS[self]

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


_ACCOUNTANT = frozenset({Permission.PAY, Permission.DISPUTE, Permission.MESSAGE, Permission.EDIT_PROFILE})
_PERMISSIONS = {
    Role.ADMINISTRATEUR: _ACCOUNTANT | {Permission.EDIT_BANK, Permission.TEAM, Permission.ACTIVITY},
    Role.COMPTABLE: _ACCOUNTANT,
    Role.LECTURE: frozenset[Permission](),
}
_ROLE_LABELS = {
    Role.ADMINISTRATEUR: "Administrateur",
    Role.COMPTABLE: "Comptable",
    Role.LECTURE: "Lecture seule",
}
_ROLE_DESCRIPTIONS = {
    Role.ADMINISTRATEUR: "Tout, y compris l'équipe, le journal d'activité et les coordonnées bancaires.",
    Role.COMPTABLE: (
        "Payer, déclarer et commenter des litiges, écrire aux services, modifier le contact et la "
        "facturation."
    ),
    Role.LECTURE: "Consulter et télécharger : relevé, documents, litiges, informations du compte.",
}


@dataclass(frozen=True)
class AgencyUser:
    user_id: str
    email: str
    agency_id: str
    # The least privilege until the agency's member record (read on every request) says otherwise.
    role: Role = Role.LECTURE
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def may(self, permission: Permission) -> bool:
        return self.role.may(permission)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def signature(self) -> str:
        """How an action is signed where it is listed (histories, payments): the person and their e-mail."""
        return f"{self.name} ({self.email})" if self.name else self.email


@dataclass(frozen=True)
class FinanceUser:
    user_id: str
    email: str
    creditors: frozenset[Creditor]

    def handles(self, creditor: Creditor) -> bool:
        return creditor in self.creditors

    @property
    def display_name(self) -> str:
        return self.email


Principal = AgencyUser | FinanceUser
