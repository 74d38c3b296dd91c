"""`python -m mesfactures.admin`: what an operator does to the user pool and no screen of the portal does.

`create-finance-user` adds a member of the creditors' finance team: Cognito makes a temporary password
(valid 7 days) and e-mails the invitation (in the portal's words, through its CustomMessage trigger); the
person chooses a password and sets up a TOTP second factor at the first sign-in. Nothing here sees or prints
a password.

It needs AWS credentials allowed to administer the pool, the pool's id (--user-pool-id or
COGNITO_USER_POOL_ID) and the region (AWS_DEFAULT_REGION). Against the local stack, the simplest is
`.venv/bin/python -m devstack admin create-finance-user …`, which sets all that for the running portal.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mesfactures.domain.creditors import Creditor

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

FINANCE_GROUP = "finance"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_NAME = 100


@dataclass(frozen=True)
class FinanceUser:
    user_id: str  # the Cognito sub
    email: str
    first_name: str
    last_name: str
    creditors: tuple[Creditor, ...]


class AdminError(Exception):
    """A refusal to show the operator as it is (Cognito's own words included)."""


def create_finance_user(
    cognito: CognitoIdentityProviderClient,
    user_pool_id: str,
    *,
    email: str,
    first_name: str,
    last_name: str,
    creditors: Sequence[Creditor],
) -> FinanceUser:
    """Creates the user with their creditors and puts them in the finance group; Cognito sends the
    invitation. A user created but left out of the group is said so, to be completed by hand."""
    from botocore.exceptions import ClientError

    try:
        created = cognito.admin_create_user(
            UserPoolId=user_pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "given_name", "Value": first_name},
                {"Name": "family_name", "Value": last_name},
                {"Name": "custom:creditors", "Value": ",".join(creditor.value for creditor in creditors)},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "UsernameExistsException":
            raise AdminError(f"Un compte existe déjà pour {email}.") from None
        raise AdminError(f"Cognito a refusé la création : {_said(error)}") from None
    attributes = {item["Name"]: item["Value"] for item in created["User"].get("Attributes", [])}
    user_id = attributes.get("sub") or created["User"]["Username"]
    try:
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=email, GroupName=FINANCE_GROUP)
    except ClientError as error:
        raise AdminError(
            f"{email} a été créé (sub {user_id}) mais n'a pas pu être ajouté au groupe {FINANCE_GROUP} : "
            f"{_said(error)}. Ajoutez-le à la main avant sa première connexion."
        ) from None
    return FinanceUser(user_id, email, first_name, last_name, tuple(creditors))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    pool_id = args.user_pool_id or os.environ.get("COGNITO_USER_POOL_ID", "")
    if not pool_id:
        parser.error("the user pool is unknown: give --user-pool-id or set COGNITO_USER_POOL_ID")
    if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
        parser.error("the region is unknown: set AWS_DEFAULT_REGION")
    import boto3

    cognito: CognitoIdentityProviderClient = boto3.client("cognito-idp")
    try:
        user = create_finance_user(
            cognito,
            pool_id,
            email=args.email,
            first_name=args.first_name,
            last_name=args.last_name,
            creditors=args.creditors,
        )
    except AdminError as error:
        print(error, file=sys.stderr)
        return 1
    creditors = ", ".join(creditor.display_name for creditor in user.creditors)
    print(f"Utilisateur du service financier créé : {user.first_name} {user.last_name} <{user.email}>")
    print(f"  identifiant (sub) : {user.user_id}")
    print(f"  groupe : {FINANCE_GROUP} ; créanciers : {creditors}")
    print("  Cognito lui a envoyé l'invitation par e-mail (mot de passe provisoire valable 7 jours) ;")
    print("  à la première connexion, il choisira son mot de passe et configurera son code TOTP.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mesfactures.admin", description=__doc__.split("\n\n")[0])
    parser.add_argument("--user-pool-id", help="the pool (default: COGNITO_USER_POOL_ID)")
    commands = parser.add_subparsers(dest="command", required=True)
    finance = commands.add_parser("create-finance-user", help="invite a member of the finance team")
    finance.add_argument("--email", required=True, type=_email)
    finance.add_argument("--first-name", required=True, type=_name)
    finance.add_argument("--last-name", required=True, type=_name)
    finance.add_argument(
        "--creditors",
        required=True,
        type=_creditors,
        help=f"the creditors handled, separated by commas: {','.join(c.value for c in Creditor)}",
    )
    return parser


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value) or len(value) > 128:
        raise argparse.ArgumentTypeError(f"not an e-mail address: {value!r}")
    return value


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > _MAX_NAME:
        raise argparse.ArgumentTypeError(f"a name of 1 to {_MAX_NAME} characters is needed")
    return value


def _creditors(value: str) -> tuple[Creditor, ...]:
    codes = [code.strip().upper().replace(" ", "_") for code in value.split(",") if code.strip()]
    try:
        creditors = tuple(dict.fromkeys(Creditor(code) for code in codes))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown creditor in {value!r}: {', '.join(c.value for c in Creditor)}"
        ) from None
    if not creditors:
        raise argparse.ArgumentTypeError("at least one creditor is needed")
    return creditors


def _said(error: Exception) -> str:
    response = getattr(error, "response", {}) or {}
    details = response.get("Error", {})
    return f"{details.get('Code', type(error).__name__)} — {details.get('Message', str(error))}"


if __name__ == "__main__":
    sys.exit(main())
