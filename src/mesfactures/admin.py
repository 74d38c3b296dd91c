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
import sys
from collections.abc import Sequence

from mesfactures.domain.creditors import Creditor


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    pool_id = args.user_pool_id or os.environ.get("COGNITO_USER_POOL_ID", "")
    if not pool_id:
        parser.error("the user pool is unknown: give --user-pool-id or set COGNITO_USER_POOL_ID")
    if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
        parser.error("the region is unknown: set AWS_DEFAULT_REGION")
    import boto3
    from botocore.exceptions import ClientError

    from mesfactures.account.team import parse_invitation
    from mesfactures.auth.identity import CognitoIdentity
    from mesfactures.auth.tokens import FINANCE_GROUP
    from mesfactures.domain.errors import DomainError, InvalidFields

    fields = {"email": args.email, "first_name": args.first_name, "last_name": args.last_name}
    try:
        person = parse_invitation(fields, role_required=False)
    except InvalidFields as refused:
        parser.error(" ".join(refused.fields.values()))
    cognito = boto3.client("cognito-idp")
    identity = CognitoIdentity(lambda: cognito, client_id="", user_pool_id=pool_id)
    try:
        user_id = identity.invite_finance(person.email, person.first_name, person.last_name, args.creditors)
    except DomainError as error:  # already registered, an address Cognito refuses
        print(f"{person.email} : {error.message}", file=sys.stderr)
        return 1
    except ClientError as error:  # created, but not put in the group: to be completed by hand
        print(f"{person.email} n'a pas pu être ajouté au groupe {FINANCE_GROUP} : {error}", file=sys.stderr)
        return 1
    creditors = ", ".join(creditor.display_name for creditor in args.creditors)
    print(f"Utilisateur du service financier créé : {person.first_name} {person.last_name} <{person.email}>")
    print(f"  identifiant (sub) : {user_id}")
    print(f"  groupe : {FINANCE_GROUP} ; créanciers : {creditors}")
    print("  Cognito lui a envoyé l'invitation par e-mail (mot de passe provisoire valable 7 jours) ;")
    print("  à la première connexion, il choisira son mot de passe et configurera son code TOTP.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mesfactures.admin", description=__doc__.split("\n\n")[0])
    parser.add_argument("--user-pool-id", help="the pool (default: COGNITO_USER_POOL_ID)")
    commands = parser.add_subparsers(dest="command", required=True)
    finance = commands.add_parser("create-finance-user", help="invite a member of the finance team")
    finance.add_argument("--email", required=True)
    finance.add_argument("--first-name", required=True)
    finance.add_argument("--last-name", required=True)
    finance.add_argument(
        "--creditors",
        required=True,
        type=_creditors,
        help=f"the creditors handled, separated by commas: {','.join(c.value for c in Creditor)}",
    )
    return parser


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


if __name__ == "__main__":
    sys.exit(main())
