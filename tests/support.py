"""What tests share besides fixtures: the running portal as a test sees it, and the demo users."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from devstack import stack as devstack
from devstack.mailbox import SentMail, sent_mails
from devstack.provisioning import DEMO_USERS, DemoUser

DEMO, OTHER, FINANCE = DEMO_USERS


@dataclass(frozen=True)
class Portal:
    """The running local stack, seen from a test: its address and a way to sign in."""

    url: str
    running: devstack.RunningStack

    def api(self, path: str) -> str:
        return f"{self.url}/api/{path}"

    def session_cookie(self, user: DemoUser) -> dict[str, str]:
        answer = requests.post(
            self.api("account/session"), json={"username": user.email, "password": user.password}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        name, _, value = answer.headers["Set-Cookie"].split(";")[0].partition("=")
        return {"Cookie": f"{name}={value}"}


def mails_to(portal: Portal, recipient: str, subject_part: str, timeout: float = 20) -> list[SentMail]:
    """The mails sent to `recipient` whose subject contains `subject_part`, once at least one is there."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            mail
            for mail in sent_mails(portal.running.config.moto_url)
            if recipient in mail.recipients and subject_part in mail.subject
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


_FRESH = iter(range(1, 1_000_000))


def fresh_invoices(
    agency_id: str, creditor: str, count: int, amount_cents: int = 12_000
) -> list[dict[str, Any]]:
    """New open invoices of their own for a test that pays or disputes them, so that tests never compete
    for the demo accounts' few open invoices. Written as the ERP import writes them."""
    from datetime import date, timedelta

    from mesfactures import wiring
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.ids import new_id
    from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
    from mesfactures.domain.money import Money

    today = date.today()
    invoices = []
    for _ in range(count):
        number = f"FA-2030-{next(_FRESH):06d}"
        net = amount_cents * 10 // 12
        entry = LedgerEntry(
            new_id(),
            agency_id,
            Creditor(creditor),
            EntryType.INVOICE,
            number,
            today,
            today + timedelta(days=30),
            f"Test {number}",
            Money(amount_cents),
            Money(amount_cents),
            EntryStatus.OPEN,
            (DocumentLine("Prestation de test", 1, net, 2000),),
        )
        wiring.entry_writer().upsert_document(
            entry, 1, f"documents/{agency_id}/{creditor}/{entry.entry_id}.pdf"
        )
        invoices.append({"number": number, "balance_cents": amount_cents, "type": "invoice"})
    return invoices


def together(count: int, attempt: Callable[[], int]) -> list[int]:
    """Runs `attempt` in `count` threads released at the same instant; returns their statuses, sorted."""
    start = threading.Barrier(count)
    statuses: list[int] = []

    def run() -> None:
        start.wait()
        statuses.append(attempt())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)
