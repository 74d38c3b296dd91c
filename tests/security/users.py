"""Users of the demo agency made for the attack suites alone."""

from __future__ import annotations

import boto3

from devstack.config import REGION
from devstack.provisioning import DemoUser
from tests.support import Portal


def agency_user(portal: Portal, email: str) -> DemoUser:
    """Another user of the demo agency AG-1001, made at once in the local user pool. Writing to a service
    is limited per user (5 messages an hour): the fuzzer and the input suite each write as a user of their
    own, so that the demo users keep their messages for the browser journeys."""
    user = DemoUser(email, "Securite-2026!", agency_id="AG-1001")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = portal.running.identity.user_pool_id
    try:
        cognito.admin_get_user(UserPoolId=pool_id, Username=email)
    except cognito.exceptions.UserNotFoundException:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:agency_id", "Value": "AG-1001"},
            ],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=user.password, Permanent=True
        )
    return user
