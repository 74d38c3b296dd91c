"""Money under concurrency: dozens of simultaneous checkouts, disputes and webhook deliveries on the same
invoices. One wins, the others get 409; nothing is settled twice; every balance agrees with the entries."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import requests

from tests.security.conftest import AttackLog
from tests.support import Portal, all_entries, checkout_event, fresh_invoices, send_webhook, together

THREADS = 24


def _checkout(portal: Portal, cookie: dict[str, str], creditor: str, numbers: list[str]) -> requests.Response:
    return requests.post(
        portal.api(f"payments/creditors/{creditor}/checkout"),
        json={"invoice_numbers": numbers},
        headers=cookie,
        timeout=30,
    )


def _dispute(portal: Portal, cookie: dict[str, str], creditor: str, numbers: list[str]) -> requests.Response:
    return requests.post(
        portal.api(f"disputes/creditors/{creditor}/disputes"),
        json={"invoice_numbers": numbers, "reason": "wrong_amount", "comment": "Course."},
        headers=cookie,
        timeout=30,
    )


def _alternating(*attempts: Callable[[], int]) -> Callable[[], int]:
    """One attempt after the other, in turn, whichever thread calls."""
    turns, lock = itertools.cycle(attempts), threading.Lock()

    def attempt() -> int:
        with lock:
            chosen = next(turns)
        return chosen()

    return attempt


def _event(kind: str, payment: dict[str, Any], creditor: str, event_id: str) -> dict[str, Any]:
    return checkout_event(kind, payment, event_id, creditor=creditor)


def _deliver(portal: Portal, event: dict[str, Any]) -> int:
    return send_webhook(portal, event).status_code


def _ledger_disagreements(
    portal: Portal, cookie: dict[str, str], creditor: str, numbers: list[str]
) -> list[str]:
    """Each invoice's balance must be its amount less the card receipts that settle it, and it must be
    open exactly when something is left to pay."""
    entries = all_entries(portal, cookie, creditor)
    by_number = {entry["number"]: entry for entry in entries}
    receipts = [e for e in entries if e["type"] == "payment" and e["number"].startswith("CB-")]
    problems = []
    for number in numbers:
        invoice = by_number[number]
        settling = [r for r in receipts if number in r["settles"]]
        if len(settling) > 1:
            problems.append(f"{number} settled {len(settling)} times")
        expected = 0 if settling else invoice["amount_cents"]
        if invoice["balance_cents"] != expected:
            problems.append(f"{number}: balance {invoice['balance_cents']} but receipts say {expected}")
        if (invoice["status"] == "paid") != bool(settling):
            problems.append(f"{number}: status {invoice['status']} with {len(settling)} receipts")
    for receipt in {r["number"]: r for r in receipts if set(r["settles"]) & set(numbers)}.values():
        paid = sum(by_number[n]["amount_cents"] for n in receipt["settles"] if n in by_number)
        if -receipt["amount_cents"] != paid:
            problems.append(f"{receipt['number']} took {-receipt['amount_cents']} for {paid} of invoices")
    return problems


def test_dozens_of_checkouts_of_one_invoice_lock_it_once(
    portal: Portal, demo: dict[str, str], attacks: AttackLog
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "PRESSIMMO", 1)
    statuses = together(
        THREADS, lambda: _checkout(portal, demo, "PRESSIMMO", [invoice["number"]]).status_code
    )
    attacks.record("money: concurrent checkouts", THREADS, [] if statuses.count(201) == 1 else ["twice"])
    assert statuses == [201] + [409] * (THREADS - 1)


def test_overlapping_baskets_and_disputes_at_once_only_one_wins(
    portal: Portal, demo: dict[str, str], attacks: AttackLog
) -> None:
    first, shared, last = (i["number"] for i in fresh_invoices("AG-1001", "POLIRIS", 3))
    attempt = _alternating(
        lambda: _checkout(portal, demo, "POLIRIS", [first, shared]).status_code,
        lambda: _dispute(portal, demo, "POLIRIS", [shared]).status_code,
        lambda: _checkout(portal, demo, "POLIRIS", [shared, last]).status_code,
        lambda: _dispute(portal, demo, "POLIRIS", [shared, last]).status_code,
    )
    statuses = together(THREADS, attempt)
    winners = [s for s in statuses if s == 201]
    attacks.record("money: checkouts vs disputes", THREADS, [] if len(winners) == 1 else [str(statuses)])
    assert len(winners) == 1 and set(statuses) == {201, 409}, statuses
    entries = {e["number"]: e for e in all_entries(portal, demo, "POLIRIS")}
    held = [n for n in (first, shared, last) if entries[n]["dispute_id"] or entries[n]["payment_lock"]]
    assert shared in held, "the winner holds the shared invoice"


def test_a_storm_of_webhook_deliveries_settles_the_basket_once(
    portal: Portal, demo: dict[str, str], attacks: AttackLog
) -> None:
    invoices = [i["number"] for i in fresh_invoices("AG-1001", "BELLES_DEMEURES", 3, amount_cents=10_001)]
    payment = _checkout(portal, demo, "BELLES_DEMEURES", invoices).json()
    events = [
        _event("checkout.session.completed", payment, "BELLES_DEMEURES", "evt_storm_completed"),
        _event("checkout.session.completed", payment, "BELLES_DEMEURES", "evt_storm_completed_again"),
        _event("checkout.session.async_payment_succeeded", payment, "BELLES_DEMEURES", "evt_storm_async"),
    ]
    deliveries = itertools.cycle(events)
    lock = threading.Lock()

    def deliver() -> int:
        with lock:
            event = next(deliveries)
        return _deliver(portal, event)

    statuses = together(THREADS, deliver)
    problems = _ledger_disagreements(portal, demo, "BELLES_DEMEURES", invoices)
    attacks.record("money: webhook storm", THREADS, problems)
    assert set(statuses) == {200}, statuses
    assert problems == []
    status = requests.get(
        portal.api(f"payments/creditors/BELLES_DEMEURES/payments/{payment['payment_id']}"),
        headers=demo,
        timeout=10,
    ).json()
    assert status["status"] == "settled"


def test_completion_and_expiry_racing_leave_the_ledger_consistent(
    portal: Portal, demo: dict[str, str], attacks: AttackLog
) -> None:
    problems: list[str] = []
    rounds = 4
    for round_number in range(rounds):
        invoices = [i["number"] for i in fresh_invoices("AG-1001", "PRESSIMMO", 2)]
        payment = _checkout(portal, demo, "PRESSIMMO", invoices).json()
        done = _event("checkout.session.completed", payment, "PRESSIMMO", f"evt_race_done_{round_number}")
        gone = _event("checkout.session.expired", payment, "PRESSIMMO", f"evt_race_gone_{round_number}")
        attempt = _alternating(
            lambda done=done: _deliver(portal, done),  # type: ignore[misc]
            lambda gone=gone: _deliver(portal, gone),  # type: ignore[misc]
        )
        statuses = together(8, attempt)
        if set(statuses) != {200}:
            problems.append(f"round {round_number}: {statuses}")
        problems += _ledger_disagreements(portal, demo, "PRESSIMMO", invoices)
    attacks.record("money: completion vs expiry", rounds * 8, problems)
    assert problems == []


def test_cancellation_racing_completion_settles_once_or_not_at_all(
    portal: Portal, demo: dict[str, str], attacks: AttackLog
) -> None:
    """The agency cancels while Stripe's completion arrives (and again, and again): whichever comes first,
    the invoices are settled once or not at all, and the ledger agrees with its receipts."""
    problems: list[str] = []
    rounds = 4
    for round_number in range(rounds):
        invoices = [i["number"] for i in fresh_invoices("AG-1001", "PRESSIMMO", 2)]
        payment = _checkout(portal, demo, "PRESSIMMO", invoices).json()
        done = _event(
            "checkout.session.completed", payment, "PRESSIMMO", f"evt_cancel_race_{payment['payment_id']}"
        )
        url = portal.api(f"payments/creditors/PRESSIMMO/payments/{payment['payment_id']}")
        attempt = _alternating(
            lambda done=done: _deliver(portal, done),  # type: ignore[misc]
            lambda url=url: requests.delete(url, headers=demo, timeout=30).status_code,  # type: ignore[misc]
        )
        statuses = together(8, attempt)
        if not set(statuses) <= {200, 409}:
            problems.append(f"round {round_number}: {statuses}")
        final = requests.get(url, headers=demo, timeout=10).json()["status"]
        if final not in ("settled", "cancelled"):
            problems.append(f"round {round_number}: ended {final}")
        problems += _ledger_disagreements(portal, demo, "PRESSIMMO", invoices)
    attacks.record("money: cancellation vs completion", rounds * 8, problems)
    assert problems == []
