"""What tests share besides fixtures: the running portal as a test sees it, and the demo users."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from devstack import stack as devstack
from devstack import totp
from devstack.config import ROOT
from devstack.mailbox import SentMail, sent_mails
from devstack.provisioning import DEMO_USERS, DemoUser
from devstack.stripe_standin import session_event

DEMO, OTHER, FINANCE = DEMO_USERS


@dataclass(frozen=True)
class Portal:
    """The running local stack, seen from a test: its address and a way to sign in."""

    url: str
    running: devstack.RunningStack

    def api(self, path: str) -> str:
        return f"{self.url}/api/{path}"

    def session_cookie(self, user: DemoUser) -> dict[str, str]:
        """Signs in, answering the second-factor challenge of users with TOTP (the finance team)."""
        answer = requests.post(
            self.api("account/session"), json={"username": user.email, "password": user.password}, timeout=10
        )
        if answer.status_code == 200 and answer.json().get("challenge") in ("totp", "totp_setup"):
            route = (
                "account/session/totp"
                if answer.json()["challenge"] == "totp"
                else "account/session/totp/setup"
            )
            code = totp_code(answer.json().get("secret") or LOCAL_TOTP_SECRET)
            answer = requests.post(
                self.api(route), json={"session": answer.json()["session"], "code": code}, timeout=10
            )
        assert answer.status_code == 201, answer.text
        return cookie_of(answer)


def cookie_of(answer: requests.Response) -> dict[str, str]:
    name, _, value = answer.headers["Set-Cookie"].split(";")[0].partition("=")
    return {"Cookie": f"{name}={value}"}


LOCAL_TOTP_SECRET = totp.SECRET


def totp_code(secret: str = totp.SECRET) -> str:
    """The code an authenticator app shows now, still valid when it arrives (devstack/totp.py)."""
    return totp.fresh_code(secret)


def mails_to(
    portal: Portal, recipient: str, subject_part: str, timeout: float = 20, body_part: str = ""
) -> list[SentMail]:
    """The mails sent to `recipient` whose subject contains `subject_part` (and body `body_part`), once at
    least one is there."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            mail
            for mail in sent_mails(portal.running.config.moto_url)
            if recipient in mail.recipients and subject_part in mail.subject and body_part in mail.body
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def fresh_invoices(
    agency_id: str, creditor: str, count: int, amount_cents: int = 12_000, credit_notes: bool = False
) -> list[dict[str, Any]]:
    """Open invoices (or credit notes) of the test's own, as the statement shows them."""
    from devstack.demo_data import write_open_documents
    from mesfactures import wiring
    from mesfactures.domain.creditors import Creditor

    entries = write_open_documents(
        wiring.entry_writer(), agency_id, Creditor(creditor), count, amount_cents, credit_notes=credit_notes
    )
    return [{"number": e.number, "balance_cents": e.balance.cents, "type": e.type.value} for e in entries]


def together(count: int, attempt: Callable[[], int]) -> list[int]:
    """Runs `attempt` in `count` threads released at the same instant; returns their statuses, sorted."""
    start = threading.Barrier(count)
    statuses: list[int] = []

    def run() -> None:
        start.wait()
        try:
            statuses.append(attempt())
        except requests.RequestException:
            statuses.append(0)  # no answer at all: a failure the caller's assertion shows

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def all_entries(portal: Portal, cookie: dict[str, str], creditor: str) -> list[dict[str, Any]]:
    """Every entry of the account's last twelve months, page after page, as the statement serves them."""
    entries: list[dict[str, Any]] = []
    cursor = ""
    while True:
        params = {"scope": "all", "limit": "100", **({"cursor": cursor} if cursor else {})}
        answer = requests.get(
            portal.api(f"statement/creditors/{creditor}/entries"), params=params, headers=cookie, timeout=20
        )
        assert answer.status_code == 200, answer.text
        entries += answer.json()["entries"]
        cursor = answer.json()["next_cursor"]
        if not cursor:
            return entries


def checkout_event(
    kind: str,
    payment: dict[str, Any],
    event_id: str,
    *,
    creditor: str = "POLIRIS",
    agency_id: str = "AG-1001",
    payment_status: str = "paid",
) -> dict[str, Any]:
    """A Stripe event about the Checkout session of `payment`, as Stripe sends it."""
    session = {
        "id": "cs_test_x",
        "object": "checkout.session",
        "payment_status": payment_status,
        "metadata": {"payment_id": payment["payment_id"], "agency_id": agency_id, "creditor": creditor},
    }
    return session_event(kind, session, event_id)


def send_webhook(portal: Portal, event: dict[str, Any], secret: str | None = None) -> requests.Response:
    """Delivers `event` to the webhook, signed as Stripe signs it (with the stand-in's secret by default)."""
    payload = json.dumps(event)
    assert portal.running.stripe is not None
    return requests.post(
        portal.api("payments/stripe/webhook"),
        data=payload,
        timeout=30,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": portal.running.stripe.signature(payload, secret),
        },
    )


def agency_without_a_team(agency_id: str, name: str, creditor: str = "POLIRIS") -> None:
    """An agency the ERP feed brought (its account at `creditor`) whose first administrator finance has not
    invited yet: nobody in its team."""
    from dataclasses import replace

    from devstack.demo_data import DEMO_AGENCIES, profile_for
    from mesfactures import wiring
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.ledger import Agency

    code = Creditor(creditor)
    wiring.accounts().save_agency(Agency(agency_id, name, (code,)))
    template = replace(DEMO_AGENCIES[1], agency_id=agency_id, name=name, creditors=(code,))
    wiring.accounts().add_profile_if_absent(profile_for(template, code, 0))


@contextmanager
def make_run(data_dir: Path, port_offset: int) -> Iterator[str]:
    """`python -m devstack` as `make run` starts it, on ports shifted by `port_offset`, stopped as
    Ctrl-C/TERM stops it; yields the gateway's address once the portal answers."""
    url = f"http://127.0.0.1:{8080 + port_offset}"
    clean = {  # nothing of the test stack's environment (its endpoints, its Stripe settings) leaks in
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }
    process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "devstack", "--port-offset", str(port_offset), "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{url}/api/account/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the stack did not start"
            time.sleep(0.5)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
