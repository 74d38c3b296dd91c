"""Users (and an agency) made for the attack suites alone."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from devstack.config import REGION
from devstack.provisioning import DemoUser, ensure_user
from devstack.team import ensure_member
from tests.support import Portal

PASSWORD = "Securite-2026!"
TEMPORARY_PASSWORD = "Provisoire-2026!"


def agency_user(
    portal: Portal, email: str, role: str = "administrateur", agency_id: str = "AG-1001"
) -> DemoUser:
    """Another user of the demo agency AG-1001 (or of `agency_id`), made at once in the local user pool and
    the agency's team. Writing to a service is limited per user (5 messages an hour) and guessing passwords
    locks an identifier: the fuzzer and the input suite each act as users of their own, so that the demo
    users keep theirs for the journeys."""
    user = DemoUser(email, PASSWORD, agency_id=agency_id)
    pool_id = portal.running.identity.user_pool_id
    ensure_user(boto3.client("cognito-idp", region_name=REGION), pool_id, user)
    ensure_member(pool_id, email, role, "Test", email.split("@")[0])
    return user


def own_agency(agency_id: str, name: str) -> None:
    """An agency of a suite's own (no account, no entries): what it does to its team touches no other
    suite's."""
    from mesfactures import wiring
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.errors import NotFound
    from mesfactures.domain.ledger import Agency

    try:
        wiring.accounts().agency(agency_id)
    except NotFound:
        wiring.accounts().save_agency(Agency(agency_id, name, (Creditor.POLIRIS,)))


def invited_user(portal: Portal, email: str, agency_id: str, role: str = "lecture") -> tuple[DemoUser, str]:
    """A member invited and never signed in: Cognito holds a temporary password (`NEW_PASSWORD_REQUIRED` at
    the first sign-in). Returns the user, with that password, and their user id."""
    from mesfactures import wiring
    from mesfactures.domain.principal import Role
    from mesfactures.domain.team import Member

    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = portal.running.identity.user_pool_id
    try:
        found = cognito.admin_get_user(UserPoolId=pool_id, Username=email)["UserAttributes"]
    except cognito.exceptions.UserNotFoundException:
        found = cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            TemporaryPassword=TEMPORARY_PASSWORD,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:agency_id", "Value": agency_id},
            ],
        )["User"]["Attributes"]
    user_id = next(a["Value"] for a in found if a["Name"] == "sub")
    wiring.team().add(
        Member(
            agency_id=agency_id,
            user_id=user_id,
            email=email,
            first_name="Invité",
            last_name=email.split("@")[0],
            role=Role(role),
            active=True,
            signed_in_once=False,
            invited_at=datetime.now(UTC),
            invited_by="Suite de sécurité",
        )
    )
    return DemoUser(email, TEMPORARY_PASSWORD, agency_id=agency_id), user_id
