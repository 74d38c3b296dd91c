"""Creates what AWS would hold: the ledger table, the document bucket, the sender, the user pool and users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import requests

from devstack import totp
from devstack.config import REGION, StackConfig
from mesfactures.persistence.table import LedgerItem, bind_table


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    agency_id: str | None = None
    finance_creditors: tuple[str, ...] = ()
    role: str = ""  # an agency user's: administrateur, comptable or lecture; "finance" for the finance team
    first_name: str = ""
    last_name: str = ""
    totp: bool = False  # signs in with a TOTP code (devstack/totp.py)


# The three users of the design card, in this order (tests unpack them).
DEMO_USERS = (
    DemoUser(
        "demo@agence-exemple.fr",
        "Demo-2026!",
        agency_id="AG-1001",
        role="administrateur",
        first_name="Claire",
        last_name="Martin",
    ),
    DemoUser(
        "autre@agence-exemple.fr",
        "Autre-2026!",
        agency_id="AG-2002",
        role="administrateur",
        first_name="Marc",
        last_name="Durand",
    ),
    DemoUser(
        "finance@mesfactures.example",
        "Finance-2026!",
        finance_creditors=("PRESSIMMO", "BELLES_DEMEURES", "POLIRIS"),
        role="finance",
        first_name="Nadia",
        last_name="Lefèvre",
        totp=True,
    ),
)
# The rest of AG-1001's team: one user per role.
TEAM_DEMO_USERS = (
    DemoUser(
        "compta@agence-exemple.fr",
        "Compta-2026!",
        agency_id="AG-1001",
        role="comptable",
        first_name="Julien",
        last_name="Bernard",
    ),
    DemoUser(
        "lecture@agence-exemple.fr",
        "Lecture-2026!",
        agency_id="AG-1001",
        role="lecture",
        first_name="Sophie",
        last_name="Petit",
    ),
)
ALL_DEMO_USERS = DEMO_USERS + TEAM_DEMO_USERS


@dataclass(frozen=True)
class DemoMember:
    """An agency's demo user as the agency's team lists it; `user_id` is the user's Cognito sub."""

    agency_id: str
    user_id: str
    email: str
    first_name: str
    last_name: str
    role: str


@dataclass(frozen=True)
class Identity:
    user_pool_id: str
    client_id: str
    members: tuple[DemoMember, ...] = ()


def ensure_table(config: StackConfig) -> None:
    """Creates the table from the models; on a table from an earlier version, adds the missing indexes."""
    bind_table(config.table_name)
    if not LedgerItem.exists():
        LedgerItem.create_table(wait=True)
        return
    dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
    table = dynamodb.describe_table(TableName=config.table_name)["Table"]
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    schema = LedgerItem._get_schema()
    for index in schema["global_secondary_indexes"]:
        if index["index_name"] in present:
            continue
        dynamodb.update_table(
            TableName=config.table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": index["index_name"],
                        "KeySchema": index["key_schema"],
                        "Projection": index["projection"],
                    }
                }
            ],
        )


def ensure_bucket(config: StackConfig) -> None:
    s3: Any = boto3.client("s3", region_name=REGION)
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if config.bucket_name not in existing:
        s3.create_bucket(Bucket=config.bucket_name, CreateBucketConfiguration={"LocationConstraint": REGION})


def ensure_mail_sender(sender: str) -> None:
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=sender)


def ensure_identity(config: StackConfig) -> Identity:
    """The user pool, its public client and the demo users; moto keeps nothing, so this runs every start.

    moto is seeded first: its ids (the pool's, the client's, the demo users' subs) are then the same at
    every start. This talks to moto itself, not through the local Cognito: the demo users are made afresh
    at each start, not kept like the users the portal creates."""
    requests.post(f"{config.moto_url}/moto-api/seed", params={"a": "2026"}, timeout=5)
    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=config.moto_url)
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((pool["Id"] for pool in pools if pool["Name"] == config.user_pool_name), None)
    if pool_id is None:
        pool_id = _create_pool(cognito, config.user_pool_name)
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((client["ClientId"] for client in clients if client["ClientName"] == "site"), None)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="site",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            # The agency, the role and the creditors a user acts for are set by administrators only: a
            # user who could write custom:agency_id through the public client would become another agency;
            # one who could write their e-mail would sign their actions as someone else (as in infra/).
            WriteAttributes=["name"],
            ReadAttributes=[
                "email",
                "email_verified",
                "name",
                "given_name",
                "family_name",
                "custom:agency_id",
                "custom:creditors",
                "custom:role",
            ],
            IdTokenValidity=60,
            TokenValidityUnits={"IdToken": "minutes"},
            # As the deployed client (infra/portal/identity.py): an unknown user is answered as a wrong
            # password, and a reset asked for one looks sent (the local Cognito follows this setting).
            PreventUserExistenceErrors="ENABLED",
        )["UserPoolClient"]["ClientId"]
    subs = {user.email: ensure_user(cognito, pool_id, user) for user in ALL_DEMO_USERS}
    # After every demo user is made: a second factor's setup draws ids too, which must not shift the subs.
    for user in ALL_DEMO_USERS:
        if user.totp:
            ensure_totp(cognito, client_id, user)
    members = tuple(
        DemoMember(user.agency_id, subs[user.email], user.email, user.first_name, user.last_name, user.role)
        for user in ALL_DEMO_USERS
        if user.agency_id
    )
    return Identity(user_pool_id=pool_id, client_id=client_id, members=members)


def _create_pool(cognito: Any, name: str) -> str:
    pool = cognito.create_user_pool(
        PoolName=name,
        UsernameAttributes=["email"],
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 10,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        Schema=[
            {"Name": "agency_id", "AttributeDataType": "String", "Mutable": True},
            {"Name": "creditors", "AttributeDataType": "String", "Mutable": True},
            {"Name": "role", "AttributeDataType": "String", "Mutable": True},
        ],
        # As the deployed pool: a forgotten password is reset by a code sent by e-mail, never by SMS.
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )["UserPool"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool["Id"], SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    cognito.create_group(GroupName="finance", UserPoolId=pool["Id"])
    return str(pool["Id"])


def ensure_user(cognito: Any, pool_id: str, user: DemoUser) -> str:
    """Creates the user with their password, unless the pool has them; returns their sub."""
    try:
        existing = cognito.admin_get_user(UserPoolId=pool_id, Username=user.email)
        return _sub(existing["UserAttributes"])
    except cognito.exceptions.UserNotFoundException:
        pass
    attributes = [{"Name": "email", "Value": user.email}, {"Name": "email_verified", "Value": "true"}]
    named = {
        "given_name": user.first_name,
        "family_name": user.last_name,
        "custom:agency_id": user.agency_id or "",
        "custom:creditors": ",".join(user.finance_creditors),
        "custom:role": user.role if user.agency_id else "",
    }
    attributes += [{"Name": name, "Value": value} for name, value in named.items() if value]
    created = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=user.email,
        UserAttributes=attributes,
        TemporaryPassword=user.password,
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=user.email, Password=user.password, Permanent=True
    )
    if user.finance_creditors:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.email, GroupName="finance")
    return _sub(created["User"]["Attributes"])


def ensure_totp(cognito: Any, client_id: str, user: DemoUser) -> None:
    """Sets up the user's second factor as an authenticator app would, with moto's one secret."""
    signed_in = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user.email, "PASSWORD": user.password},
    )
    token = signed_in.get("AuthenticationResult", {}).get("AccessToken")
    if token is None:  # a second factor already: the pool kept the user (not moto's way, but harmless)
        return
    cognito.associate_software_token(AccessToken=token)
    cognito.verify_software_token(AccessToken=token, UserCode=totp.fresh_code(), FriendlyDeviceName="démo")
    cognito.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )


def _sub(attributes: list[dict[str, str]]) -> str:
    return next(attribute["Value"] for attribute in attributes if attribute["Name"] == "sub")
