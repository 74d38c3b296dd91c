"""Creates what AWS would hold: the ledger table, the document bucket, the sender, the user pool and users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import requests

from devstack.config import REGION, StackConfig
from mesfactures.persistence.models import LedgerItem, bind_table


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    agency_id: str | None = None
    finance_creditors: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("demo@agence-exemple.fr", "Demo-2026!", agency_id="AG-1001"),
    DemoUser("autre@agence-exemple.fr", "Autre-2026!", agency_id="AG-2002"),
    DemoUser(
        "finance@mesfactures.example",
        "Finance-2026!",
        finance_creditors=("PRESSIMMO", "BELLES_DEMEURES", "POLIRIS"),
    ),
)


@dataclass(frozen=True)
class Identity:
    user_pool_id: str
    client_id: str


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
    """The user pool, its public client and the demo users; moto keeps nothing, so this runs every start."""
    requests.post(f"{config.moto_url}/moto-api/seed", params={"a": "2026"}, timeout=5)
    cognito = boto3.client("cognito-idp", region_name=REGION)
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
            # The agency and the creditors a user acts for are set by administrators only: a user who
            # could write custom:agency_id through the public client would become another agency.
            WriteAttributes=["email", "name"],
            ReadAttributes=["email", "email_verified", "name", "custom:agency_id", "custom:creditors"],
            IdTokenValidity=60,
            TokenValidityUnits={"IdToken": "minutes"},
        )["UserPoolClient"]["ClientId"]
    for user in DEMO_USERS:
        ensure_user(cognito, pool_id, user)
    return Identity(user_pool_id=pool_id, client_id=client_id)


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
        ],
    )["UserPool"]
    cognito.create_group(GroupName="finance", UserPoolId=pool["Id"])
    return str(pool["Id"])


def ensure_user(cognito: Any, pool_id: str, user: DemoUser) -> None:
    try:
        cognito.admin_get_user(UserPoolId=pool_id, Username=user.email)
        return
    except cognito.exceptions.UserNotFoundException:
        pass
    attributes = [{"Name": "email", "Value": user.email}, {"Name": "email_verified", "Value": "true"}]
    if user.agency_id:
        attributes.append({"Name": "custom:agency_id", "Value": user.agency_id})
    if user.finance_creditors:
        attributes.append({"Name": "custom:creditors", "Value": ",".join(user.finance_creditors)})
    cognito.admin_create_user(
        UserPoolId=pool_id, Username=user.email, UserAttributes=attributes, MessageAction="SUPPRESS"
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=user.email, Password=user.password, Permanent=True
    )
    if user.finance_creditors:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.email, GroupName="finance")
