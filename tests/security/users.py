"""Users of the demo agency made for the attack suites alone."""

from __future__ import annotations

import boto3

from devstack.config import REGION
from devstack.provisioning import DemoUser, ensure_user
from tests.support import Portal


def agency_user(portal: Portal, email: str) -> DemoUser:
    """Another user of the demo agency AG-1001, made at once in the local user pool. Writing to a service
    is limited per user (5 messages an hour) and guessing passwords locks an identifier: the fuzzer and the
    input suite each act as users of their own, so that the demo users keep theirs for the journeys."""
    user = DemoUser(email, "Securite-2026!", agency_id="AG-1001")
    ensure_user(boto3.client("cognito-idp", region_name=REGION), portal.running.identity.user_pool_id, user)
    return user
