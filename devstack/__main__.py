"""`python -m devstack`: starts the portal on http://127.0.0.1:8080 with its demo data; Ctrl-C stops it.

`python -m devstack import FILE [FILE…]`: drops ERP files (CSV or JSON Lines, and their PDFs) into the
running portal's import inbox and prints each import report.
`python -m devstack mail`: lists the e-mails the running portal has sent (also at /_dev/mail).
`python -m devstack totp`: the TOTP code of the moment (every local user shares moto's one secret).
`python -m devstack admin create-finance-user …`: the operator's command (python -m mesfactures.admin)
against the running portal.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from devstack import stack, totp
from devstack.config import REGION, StackConfig, apply_environment, aws_environment
from devstack.dropbox import drop
from devstack.mailbox import sent_mails
from devstack.provisioning import ALL_DEMO_USERS, DemoUser
from mesfactures.domain.creditors import Creditor


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="the gateway's port (default 8080)")
    parser.add_argument(
        "--port-offset", type=int, default=0, help="shift every port of the stack (to run a second one)"
    )
    parser.add_argument("--data-dir", type=Path, help="where the ledger and uploads are kept (default var/)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    commands = parser.add_subparsers(dest="command")
    importing = commands.add_parser("import", help="import ERP files into the running portal")
    importing.add_argument(
        "--creditor",
        required=True,
        choices=[c.value for c in Creditor],
        help="whose ERP sends the files (each creditor has its own inbox)",
    )
    importing.add_argument("files", nargs="+", type=Path)
    commands.add_parser("mail", help="list the e-mails the running portal has sent")
    commands.add_parser("totp", help="the TOTP code of the moment for the local users")
    admin = commands.add_parser("admin", help="python -m mesfactures.admin against the running portal")
    admin.add_argument("arguments", nargs=argparse.REMAINDER, help="e.g. create-finance-user --email …")
    args = parser.parse_args()
    defaults, shift = StackConfig(), args.port_offset
    config = StackConfig(
        gateway_port=args.port + shift,
        dynamodb_port=defaults.dynamodb_port + shift,
        moto_port=defaults.moto_port + shift,
        cognito_port=defaults.cognito_listen_port + shift,
        stripe_port=defaults.stripe_port + shift,
        data_dir=args.data_dir or defaults.data_dir,
    )
    if args.command == "totp":
        left = totp.STEP_SECONDS - int(time.time()) % totp.STEP_SECONDS
        print(f"{totp.code()}  (encore {left} s ; secret base32 {totp.SECRET.upper()})")
        return 0
    if args.command == "admin":
        return _admin(config, args.arguments)
    if args.command == "mail":
        for mail in sent_mails(config.moto_url):
            print(f"{mail.message_id}  à {', '.join(mail.recipients)}\n    {mail.subject}")
        print(f"Le détail : {config.gateway_url}/_dev/mail")
        return 0
    if args.command == "import":
        apply_environment(aws_environment(config))
        for report in drop(config, Creditor(args.creditor), args.files):
            print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print("Démarrage de la pile locale (DynamoDB Local, moto, passerelle)…", flush=True)
    running = stack.start(config, verbose=args.verbose)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(f"\nMes Factures est prêt : {config.gateway_url}", flush=True)
    print(f"Données de démonstration : {running.demo_entries_added} écritures ajoutées.")
    print("Comptes de démonstration :")
    for user in sorted(ALL_DEMO_USERS, key=lambda user: user.agency_id or "~"):
        print(f"  {user.email:<32} {user.password:<16} ({_who(user)})")
    second_factor = next(user for user in ALL_DEMO_USERS if user.totp)
    print(
        f"Code TOTP de démonstration : secret base32 {totp.SECRET.upper()} (moto donne ce secret à tous les"
        " utilisateurs locaux) ;\n  le code du moment : .venv/bin/python -m devstack totp"
        f"\n  ou une application d'authentification : {totp.otpauth_uri(second_factor.email)}"
    )
    print(f"E-mails envoyés : {config.gateway_url}/_dev/mail (et /_dev/mail.json)")
    print("Ctrl-C pour arrêter.", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nArrêt…", flush=True)
        running.stop()
    return 0


def _who(user: DemoUser) -> str:
    if not user.agency_id:
        return "service financier, avec code TOTP" if user.totp else "service financier"
    return f"agence {user.agency_id}, {user.role}"


def _admin(config: StackConfig, arguments: list[str]) -> int:
    """The operator's command with the environment of the running local stack (its Cognito, its pool)."""
    import boto3
    from botocore.exceptions import EndpointConnectionError

    from mesfactures.admin import main as run_admin

    apply_environment(aws_environment(config))
    cognito = boto3.client("cognito-idp", region_name=REGION)
    try:
        pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    except EndpointConnectionError:
        pools = []
    pool_id = next((pool["Id"] for pool in pools if pool["Name"] == config.user_pool_name), None)
    if pool_id is None:
        print(f"Aucune pile locale ne répond sur {config.cognito_url} : lancez d'abord make run.")
        return 1
    os.environ["COGNITO_USER_POOL_ID"] = pool_id
    return run_admin(arguments)


if __name__ == "__main__":
    sys.exit(main())
