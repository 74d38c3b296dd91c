"""The demo agencies' teams in the ledger: each agency user is a member with a role (Cognito holds their
credentials; the table, who they are in the agency)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from devstack.config import REGION

# email → (role, first name, last name)
DEMO_MEMBERS = {
    "demo@agence-exemple.fr": ("administrateur", "Claire", "Martin"),
    "compta@agence-exemple.fr": ("comptable", "Julien", "Bernard"),
    "lecture@agence-exemple.fr": ("lecture", "Sophie", "Petit"),
    "autre@agence-exemple.fr": ("administrateur", "Marc", "Durand"),
}


def ensure_member(user_pool_id: str, email: str, role: str, first_name: str, last_name: str) -> bool:
    """Adds the member of an agency user that Cognito knows, unless the table has it; True if added."""
    from mesfactures import wiring
    from mesfactures.domain.principal import Role
    from mesfactures.domain.team import Member

    cognito: Any = boto3.client("cognito-idp", region_name=REGION)
    try:
        user = cognito.admin_get_user(UserPoolId=user_pool_id, Username=email)
    except cognito.exceptions.UserNotFoundException:
        return False
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    agency_id = attributes.get("custom:agency_id")
    if not agency_id:
        return False
    member = Member(
        agency_id=agency_id,
        user_id=attributes.get("sub") or user["Username"],
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=Role(role),
        active=True,
        signed_in_once=True,
        invited_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        invited_by="Mes Factures",
    )
    return wiring.team().add(member)


def ensure_demo_members(user_pool_id: str) -> int:
    """The members of the demo agency users; returns how many were added."""
    return sum(
        ensure_member(user_pool_id, email, role, first_name, last_name)
        for email, (role, first_name, last_name) in DEMO_MEMBERS.items()
    )
