"""`python -m devstack`: starts the portal on http://127.0.0.1:8080 with its demo data; Ctrl-C stops it.

`python -m devstack import FILE [FILE…]`: drops ERP files (CSV or JSON Lines, and their PDFs) into the
running portal's import inbox and prints each import report.
`python -m devstack mail`: lists the e-mails the running portal has sent (also at /_dev/mail).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from devstack import stack
from devstack.config import StackConfig, apply_environment, aws_environment
from devstack.dropbox import drop
from devstack.mailbox import sent_mails
from devstack.provisioning import DEMO_USERS
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
    args = parser.parse_args()
    defaults, shift = StackConfig(), args.port_offset
    config = StackConfig(
        gateway_port=args.port + shift,
        dynamodb_port=defaults.dynamodb_port + shift,
        moto_port=defaults.moto_port + shift,
        stripe_port=defaults.stripe_port + shift,
        data_dir=args.data_dir or defaults.data_dir,
    )
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
    for user in DEMO_USERS:
        who = f"agence {user.agency_id}" if user.agency_id else "service financier"
        print(f"  {user.email:<32} {user.password:<16} ({who})")
    print(f"E-mails envoyés : {config.gateway_url}/_dev/mail")
    print("Ctrl-C pour arrêter.", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nArrêt…", flush=True)
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
