"""DynamoDB calls and items read per request, route by route, counted on the wire by the meter in front
of DynamoDB Local. Budgets: a statement page is one Query (nothing per entry); opening a dispute and
settling a payment are each one transaction.

Runs in a process of its own (`python -m bench.calls DATA_DIR OUT.json`) on a metered stack of its own,
so that the timed stack of the other sections has no proxy between the services and DynamoDB Local.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from bench.portal import DEMO, DEMO_AGENCY, Session, bench_config, open_invoices, sign_in
from bench.report import Row, Verdict, verdict
from devstack import stack as devstack
from devstack.stripe_standin import session_event

CREDITOR = "POLIRIS"
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")
REPEATS = 3
DAILY_ROWS = 200  # a day's new documents of a creditor (bench/bill.py)


def _signed_webhook(
    running: devstack.RunningStack, payment: dict[str, Any], event_id: str
) -> requests.Response:
    assert running.stripe is not None  # noqa: S101
    session = {
        "id": "cs_test_bench",
        "object": "checkout.session",
        "payment_status": "paid",
        "metadata": {"payment_id": payment["payment_id"], "agency_id": DEMO_AGENCY, "creditor": CREDITOR},
    }
    payload = json.dumps(session_event("checkout.session.completed", session, event_id))
    return requests.post(
        f"{running.config.gateway_url}/api/payments/stripe/webhook",
        data=payload,
        timeout=30,
        headers={"Content-Type": "application/json", "Stripe-Signature": running.stripe.signature(payload)},
    )


@dataclass(frozen=True)
class _Done:
    """What a route call answers, for work that is not an HTTP request (an import)."""

    status_code: int
    text: str


class _Routes:
    """Each route, called as the site calls it; what a call needs beforehand is prepared unmetered."""

    def __init__(self, running: devstack.RunningStack, session: Session) -> None:
        self.running = running
        self.session = session
        self.serial = 0

    def statement_page(self) -> Callable[[], requests.Response]:
        return lambda: self.session.get(f"statement/creditors/{CREDITOR}/entries", scope="all", limit="50")

    def statement_default(self) -> Callable[[], requests.Response]:
        return lambda: self.session.get(f"statement/creditors/{CREDITOR}/entries")

    def document(self) -> Callable[[], requests.Response]:
        page = self.session.get(f"statement/creditors/{CREDITOR}/entries", scope="all", limit="5").json()
        number = next(e["number"] for e in page["entries"] if e["has_document"])
        return lambda: self.session.get(f"statement/creditors/{CREDITOR}/documents/{number}")

    def open_dispute(self) -> Callable[[], requests.Response]:
        numbers = open_invoices(DEMO_AGENCY, CREDITOR, 2)
        body = {
            "invoice_numbers": numbers,
            "reason": "wrong_amount",
            "comment": "Le montant ne correspond pas.",
        }
        return lambda: self.session.post(f"disputes/creditors/{CREDITOR}/disputes", body)

    def checkout(self) -> Callable[[], requests.Response]:
        numbers = open_invoices(DEMO_AGENCY, CREDITOR, 2)
        return lambda: self.session.post(
            f"payments/creditors/{CREDITOR}/checkout", {"invoice_numbers": numbers}
        )

    def webhook_settle(self) -> Callable[[], requests.Response]:
        numbers = open_invoices(DEMO_AGENCY, CREDITOR, 2)
        answer = self.session.post(f"payments/creditors/{CREDITOR}/checkout", {"invoice_numbers": numbers})
        payment = answer.json()
        self.serial += 1
        event_id = f"evt_bench_{time.time_ns()}_{self.serial}"
        return lambda: _signed_webhook(self.running, payment, event_id)

    def me(self) -> Callable[[], requests.Response]:
        return lambda: self.session.get("account/me")

    def import_daily_file(self) -> Callable[[], Any]:
        """A day's ERP file of a creditor (bench/bill.py's workload): its rows new to the ledger."""
        from bench.imports import erp_file
        from mesfactures import wiring
        from mesfactures.domain.calendar import today_in_paris
        from mesfactures.domain.creditors import Creditor
        from mesfactures.imports.importer import import_file

        self.serial += 1
        content = erp_file(DAILY_ROWS, today_in_paris()).replace(
            b";FA-2040-", f";FA-{2050 + self.serial}-".encode()
        )

        def run() -> Any:
            report = import_file(
                "feed.csv",
                content,
                Creditor("PRESSIMMO"),
                writer=wiring.entry_writer(),
                accounts=wiring.accounts(),
                store=wiring.documents(),
                attachment=lambda _name: None,
            )
            return _Done(200 if report.accepted == DAILY_ROWS else 500, str(report.rejected[:3]))

        return run

    def profile_change(self) -> Callable[[], requests.Response]:
        profile = self.session.get(f"account/creditors/{CREDITOR}/profile").json()
        self.serial += 1
        billing = dict(profile["billing"])
        billing["city"] = f"Lyon {self.serial}"
        body = {"version": profile["version"], "main_contact": profile["main_contact"], "billing": billing}
        return lambda: self.session.post(f"account/creditors/{CREDITOR}/profile/changes", body)


# Longer than the stream poller's rest (0.2 s) and the queues' long poll (1 s).
STARTUP_QUIET_SECONDS = 2.5


def _budget(route: str, calls: Counter[str]) -> tuple[str, Verdict]:
    writes = sum(calls[name] for name in WRITES)
    if route.startswith("statement"):
        # Plus the one read of every authenticated request: was the session signed out, and is its member
        # active, with which role? (one BatchGetItem, docs/decisions.md)
        return "one Query, nothing per entry", verdict(dict(calls) == {"Query": 1, "BatchGetItem": 1})
    if route in ("open_dispute", "webhook_settle"):
        return "one transaction", verdict(calls["TransactWriteItems"] == 1 and writes == 0)
    return "counted (no budget)", "info"


def measure(running: devstack.RunningStack) -> list[Row]:
    meter = running.meter
    assert meter is not None  # noqa: S101
    routes = _Routes(running, sign_in(running.config.gateway_url, DEMO))
    # A stack just started still delivers its demo data's stream (the outbox's mails, from the stream's
    # start) in bursts between which DynamoDB rests longer than a request's settling: once, wait it out, or
    # the first route counts those calls as its own (seen once in session 7: GetItem and UpdateItem in a
    # statement page).
    meter.settle(quiet_seconds=STARTUP_QUIET_SECONDS, timeout=120)
    rows = []
    for route in (
        "statement_page",
        "statement_default",
        "document",
        "open_dispute",
        "checkout",
        "webhook_settle",
        "profile_change",
        "me",
        "import_daily_file",
    ):
        runs: list[dict[str, Any]] = []
        for _ in range(REPEATS):
            request = getattr(routes, route)()
            meter.settle(quiet_seconds=0.3)
            answer = request()
            items, units = meter.items_read(), meter.capacity_units()
            calls = meter.reset()
            if answer.status_code >= 300:
                raise RuntimeError(f"{route}: {answer.status_code} {answer.text[:300]}")
            # What the request set going in the background (the outbox's mail), until DynamoDB is quiet.
            later_calls, later_units = meter.settle(quiet_seconds=0.5)
            runs.append(
                {
                    "calls": dict(calls),
                    "items_read": sum(items.values()),
                    "status": answer.status_code,
                    "units": units,
                    "background_calls": dict(later_calls),
                    "background_units": later_units,
                }
            )
        budget, holds = _budget(route, Counter(runs[-1]["calls"]))
        if holds == "pass" and any(_budget(route, Counter(run["calls"]))[1] != "pass" for run in runs):
            holds = "MISS"
        last = runs[-1]
        measured = ", ".join(f"{name} {count}" for name, count in sorted(last["calls"].items()))
        measured += f"; {last['units']['read']:g} RRU, {last['units']['write']:g} WRU"
        rows.append(
            Row(
                "DynamoDB calls",
                f"{route.replace('_', ' ')}: {budget}",
                f"{measured}; {last['items_read']} items read",
                "",
                None,
                holds,
                {"runs": runs},
            )
        )
    return rows


def main() -> None:
    data_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    running = devstack.start(bench_config(data_dir, metered=True))
    try:
        rows = measure(running)
    finally:
        running.stop()
    out.write_text(json.dumps([asdict(row) for row in rows]))


if __name__ == "__main__":
    main()
