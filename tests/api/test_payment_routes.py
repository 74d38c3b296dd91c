"""Règlement through the gateway and the local Stripe stand-in: amounts from the ledger, invoices locked
while a session is open, settled once by a signed webhook, released when the session expires."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

import pytest
import requests
import stripe

from tests.support import (
    DEMO,
    OTHER,
    Portal,
    all_entries,
    checkout_event,
    fresh_invoices,
    mails_to,
    send_webhook,
    together,
)


def _open_invoices(portal: Portal, cookie: dict[str, str], creditor: str) -> list[dict[str, Any]]:
    entries = requests.get(
        portal.api(f"statement/creditors/{creditor}/entries"), headers=cookie, timeout=10
    ).json()["entries"]
    return [e for e in entries if e["type"] == "invoice" and not e["dispute_id"] and not e["payment_lock"]]


def _checkout(
    portal: Portal, cookie: dict[str, str], creditor: str, numbers: list[str], **extra: Any
) -> requests.Response:
    return requests.post(
        portal.api(f"payments/creditors/{creditor}/checkout"),
        headers=cookie,
        timeout=20,
        json={"invoice_numbers": numbers, **extra},
    )


def _status(portal: Portal, cookie: dict[str, str], creditor: str, payment_id: str) -> dict[str, Any]:
    return dict(
        requests.get(
            portal.api(f"payments/creditors/{creditor}/payments/{payment_id}"), headers=cookie, timeout=10
        ).json()
    )


def _pay_on_test_page(checkout_url: str) -> requests.Response:
    return requests.post(checkout_url + "/pay", allow_redirects=False, timeout=30)


def test_paying_two_invoices_settles_them_once_with_a_ledger_entry_and_a_receipt(
    portal: Portal, demo: dict[str, str]
) -> None:
    first, second = fresh_invoices("AG-1001", "POLIRIS", 2)
    answer = _checkout(portal, demo, "POLIRIS", [first["number"], second["number"]], amount_cents=1)
    assert answer.status_code == 201, answer.text
    payment = answer.json()
    assert payment["amount_cents"] == first["balance_cents"] + second["balance_cents"], (
        "the browser's amount is ignored"
    )
    assert payment["status"] == "pending"
    statement = {e["number"]: e for e in _open_invoices(portal, demo, "POLIRIS")}
    assert first["number"] not in statement, "a locked invoice is no longer payable"

    redirect = _pay_on_test_page(payment["checkout_url"])
    assert redirect.status_code == 303 and payment["payment_id"] in redirect.headers["Location"]
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "settled"
    entries = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), params={"scope": "all"}, headers=demo, timeout=10
    ).json()["entries"]
    by_number = {e["number"]: e for e in entries}
    assert by_number[first["number"]]["status"] == "paid" and by_number[first["number"]]["balance_cents"] == 0
    receipt = by_number[payment["receipt_number"]]
    assert receipt["type"] == "payment" and receipt["amount_cents"] == -payment["amount_cents"]
    (mail,) = mails_to(portal, DEMO.email, payment["receipt_number"])
    assert first["number"] in mail.body


def test_a_second_basket_with_a_locked_invoice_or_a_dispute_on_it_gets_409(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "PRESSIMMO", 1)
    assert _checkout(portal, demo, "PRESSIMMO", [invoice["number"]]).status_code == 201
    again = _checkout(portal, demo, "PRESSIMMO", [invoice["number"]])
    assert again.status_code == 409 and again.json()["code"] == "payment_in_progress"
    dispute = _dispute(portal, demo, "PRESSIMMO", invoice["number"])
    assert dispute.status_code == 409 and dispute.json()["code"] == "payment_in_progress"
    assert "paiement par carte" in dispute.json()["message"] and "litige" not in dispute.json()["message"], (
        "the real reason: a payment under way, not a dispute"
    )


def test_concurrent_checkouts_of_one_invoice_one_wins(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1)
    statuses = together(
        4, lambda: _checkout(portal, demo, "BELLES_DEMEURES", [invoice["number"]]).status_code
    )
    assert statuses == [201, 409, 409, 409]


def _cancel(portal: Portal, cookie: dict[str, str], creditor: str, payment_id: str) -> requests.Response:
    return requests.delete(
        portal.api(f"payments/creditors/{creditor}/payments/{payment_id}"), headers=cookie, timeout=30
    )


def _dispute(portal: Portal, cookie: dict[str, str], creditor: str, number: str) -> requests.Response:
    return requests.post(
        portal.api(f"disputes/creditors/{creditor}/disputes"),
        headers=cookie,
        timeout=20,
        json={"invoice_numbers": [number], "reason": "other", "comment": "Contesté"},
    )


def _entry(portal: Portal, cookie: dict[str, str], creditor: str, number: str) -> dict[str, Any]:
    (entry,) = requests.get(
        portal.api(f"statement/creditors/{creditor}/entries"),
        params={"scope": "all", "number": number},
        headers=cookie,
        timeout=10,
    ).json()["entries"]
    return dict(entry)


def _session_of(portal: Portal, payment: dict[str, Any]) -> dict[str, Any]:
    standin = portal.running.stripe
    assert standin is not None
    return standin.sessions[payment["checkout_url"].rsplit("/", 1)[1]]


def test_back_from_stripe_leaves_the_payment_pending_and_resumable_on_the_same_page(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    back = requests.post(payment["checkout_url"] + "/cancel", allow_redirects=False, timeout=30)
    assert back.status_code == 303 and back.headers["Location"].endswith(f"{payment['payment_id']}?annule=1")
    status = _status(portal, demo, "POLIRIS", payment["payment_id"])
    assert (status["status"], status["checkout_url"]) == ("pending", payment["checkout_url"])
    assert _session_of(portal, payment)["status"] == "open", "Stripe's back link does not end the session"


def test_cancelling_a_payment_expires_its_session_and_frees_the_invoice_before_any_webhook(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    answer = _cancel(portal, demo, "POLIRIS", payment["payment_id"])
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["checkout_url"]) == ("cancelled", None)
    assert _session_of(portal, payment)["status"] == "expired"
    assert _entry(portal, demo, "POLIRIS", invoice["number"])["payment_lock"] is None
    assert _dispute(portal, demo, "POLIRIS", invoice["number"]).status_code == 201, "free at once"
    late_pay = requests.post(payment["checkout_url"] + "/pay", allow_redirects=False, timeout=30)
    assert late_pay.status_code == 409, "an expired session can no longer be paid"
    time.sleep(1)  # the stand-in's checkout.session.expired has come meanwhile: it changes nothing
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "cancelled"
    again = _cancel(portal, demo, "POLIRIS", payment["payment_id"])
    assert again.status_code == 409 and again.json()["code"] == "payment_not_pending"
    assert "déjà annulé" in again.json()["message"]


def test_a_settled_payment_cannot_be_cancelled_nor_resumed(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    _pay_on_test_page(payment["checkout_url"])
    answer = _cancel(portal, demo, "POLIRIS", payment["payment_id"])
    assert answer.status_code == 409 and answer.json()["code"] == "payment_settled"
    status = _status(portal, demo, "POLIRIS", payment["payment_id"])
    assert (status["status"], status["checkout_url"]) == ("settled", None)


def test_a_session_paid_a_moment_before_the_cancel_is_not_cancelled(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    _session_of(portal, payment).update(status="complete", payment_status="paid")  # its webhook is on its way
    answer = _cancel(portal, demo, "POLIRIS", payment["payment_id"])
    assert answer.status_code == 409 and answer.json()["code"] == "payment_completing"
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "pending"
    assert _entry(portal, demo, "POLIRIS", invoice["number"])["payment_lock"] == payment["payment_id"]


def test_another_agencys_payment_cannot_be_cancelled(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "PRESSIMMO", 1)
    payment = _checkout(portal, demo, "PRESSIMMO", [invoice["number"]]).json()
    answer = _cancel(portal, portal.session_cookie(OTHER), "PRESSIMMO", payment["payment_id"])
    assert answer.status_code == 404
    assert _status(portal, demo, "PRESSIMMO", payment["payment_id"])["status"] == "pending"


def test_a_completion_of_a_cancelled_payment_settles_it_once_while_its_invoices_are_free(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=7_000)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    assert _cancel(portal, demo, "POLIRIS", payment["payment_id"]).status_code == 200
    completed = _event("checkout.session.completed", payment, f"evt_late_{payment['payment_id']}")
    completed["data"]["object"].update(amount_total=7_000, currency="eur")
    assert _signed(portal, completed).json() == {"received": "settled_after_cancel"}
    assert _signed(portal, completed).json() == {"received": "unchanged"}
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "settled"
    assert _entry(portal, demo, "POLIRIS", invoice["number"])["balance_cents"] == 0
    receipts = [e for e in all_entries(portal, demo, "POLIRIS") if e["number"] == payment["receipt_number"]]
    assert [r["amount_cents"] for r in receipts] == [-7_000]


def test_a_completion_of_a_cancelled_payment_whose_invoice_was_disputed_is_kept_for_a_refund(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=7_000)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    assert _cancel(portal, demo, "POLIRIS", payment["payment_id"]).status_code == 200
    assert _dispute(portal, demo, "POLIRIS", invoice["number"]).status_code == 201
    completed = _event("checkout.session.completed", payment, f"evt_late_{payment['payment_id']}")
    assert _signed(portal, completed).json() == {"received": "needs_review"}
    assert _signed(portal, completed).json() == {"received": "unchanged"}
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "needs_review"
    entry = _entry(portal, demo, "POLIRIS", invoice["number"])
    assert (entry["balance_cents"], entry["dispute_id"] is not None) == (7_000, True), "nothing applied"
    assert not [e for e in all_entries(portal, demo, "POLIRIS") if e["number"] == payment["receipt_number"]]


_signed = send_webhook


def _event(kind: str, payment: dict[str, Any], event_id: str, payment_status: str = "paid") -> dict[str, Any]:
    return checkout_event(kind, payment, event_id, payment_status=payment_status)


def test_a_duplicated_or_reordered_webhook_changes_nothing_more(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    completed = _event("checkout.session.completed", payment, "evt_dup_1")
    assert _signed(portal, completed).json() == {"received": "settled"}
    assert _signed(portal, completed).json() == {"received": "unchanged"}  # the same event, delivered again
    late_expiry = _event("checkout.session.expired", payment, "evt_dup_2")
    assert _signed(portal, late_expiry).json() == {"received": "unchanged"}
    entries = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), params={"scope": "all"}, headers=demo, timeout=10
    ).json()["entries"]
    receipts = [
        e
        for e in entries
        if e["type"] == "payment" and invoice["number"] in e["settles"] and e["number"].startswith("CB-")
    ]
    assert len(receipts) == 1
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "settled"


def test_an_unpaid_completion_waits_for_the_async_outcome(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    assert _signed(portal, _event("checkout.session.completed", payment, "evt_async_1", "unpaid")).json() == {
        "received": "awaiting"
    }
    awaiting = _status(portal, demo, "POLIRIS", payment["payment_id"])
    assert (awaiting["status"], awaiting["checkout_url"]) == ("pending", None), "its session is complete"
    failed = _event("checkout.session.async_payment_failed", payment, "evt_async_2", "unpaid")
    assert _signed(portal, failed).json() == {"received": "released"}
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "failed"


@pytest.mark.parametrize("tamper", ["unsigned", "wrong_secret", "tampered", "stale"])
def test_a_webhook_that_is_not_stripes_is_refused_and_changes_nothing(
    portal: Portal, demo: dict[str, str], tamper: str
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1)
    payment = _checkout(portal, demo, "BELLES_DEMEURES", [invoice["number"]]).json()
    event = _event("checkout.session.completed", payment, f"evt_bad_{tamper}")
    event["data"]["object"]["metadata"]["creditor"] = "BELLES_DEMEURES"
    payload = json.dumps(event)
    standin = portal.running.stripe
    assert standin is not None
    header = stripe.WebhookSignature.generate_signature_header(payload, standin.webhook_secret)
    if tamper == "unsigned":
        header = ""
    elif tamper == "wrong_secret":
        header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_not_ours")
    elif tamper == "tampered":
        payload = payload.replace('"paid"', '"paid" ')
    else:
        header = stripe.WebhookSignature.generate_signature_header(
            payload, standin.webhook_secret, timestamp=int(time.time()) - 3600
        )
    answer = requests.post(
        portal.api("payments/stripe/webhook"),
        data=payload,
        timeout=10,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )
    assert answer.status_code == 400
    assert _status(portal, demo, "BELLES_DEMEURES", payment["payment_id"])["status"] == "pending"
    requests.post(payment["checkout_url"] + "/cancel", allow_redirects=False, timeout=30)


def test_another_agencys_payment_and_invoices_are_not_found(portal: Portal, demo: dict[str, str]) -> None:
    other = portal.session_cookie(OTHER)
    (invoice,) = fresh_invoices("AG-1001", "PRESSIMMO", 1)
    assert _checkout(portal, other, "PRESSIMMO", [invoice["number"]]).status_code == 404
    payment = _checkout(portal, demo, "PRESSIMMO", [invoice["number"]]).json()
    answer = requests.get(
        portal.api(f"payments/creditors/PRESSIMMO/payments/{payment['payment_id']}"),
        headers=other,
        timeout=10,
    )
    assert answer.status_code == 404


def test_a_credit_note_offsets_the_invoices_and_the_card_pays_the_rest(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=12_000)
    (credit,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=2_000, credit_notes=True)
    answer = _checkout(portal, demo, "POLIRIS", [invoice["number"]], credit_note_numbers=[credit["number"]])
    assert answer.status_code == 201, answer.text
    payment = answer.json()
    assert payment["amount_cents"] == 10_000
    (another,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    reused = _checkout(portal, demo, "POLIRIS", [another["number"]], credit_note_numbers=[credit["number"]])
    assert reused.status_code == 422, "the whole credit note is taken by the payment under way"
    standin = portal.running.stripe
    assert standin is not None
    session = standin.sessions[payment["checkout_url"].rsplit("/", 1)[1]]
    assert session["amount_total"] == 10_000, "Stripe is asked for the invoices less the credit"
    _pay_on_test_page(payment["checkout_url"])
    entries = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), params={"scope": "all"}, headers=demo, timeout=10
    ).json()["entries"]
    by_number = {e["number"]: e for e in entries}
    assert by_number[invoice["number"]]["balance_cents"] == 0
    assert (by_number[credit["number"]]["balance_cents"], by_number[credit["number"]]["status"]) == (
        0,
        "applied",
    )
    assert by_number[payment["receipt_number"]]["amount_cents"] == -10_000


def test_a_credit_note_larger_than_the_basket_settles_it_alone_and_keeps_its_rest(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=6_240)
    (credit,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=10_000, credit_notes=True)
    answer = _checkout(portal, demo, "POLIRIS", [invoice["number"]], credit_note_numbers=[credit["number"]])
    assert answer.status_code == 201, answer.text
    payment = answer.json()
    assert (payment["status"], payment["checkout_url"], payment["amount_cents"]) == ("settled", None, 0)
    assert payment["paid_by_credit"] is True
    assert payment["credit_notes"] == [{"number": credit["number"], "amount_cents": 6_240}]
    paid, rest = (
        _entry(portal, demo, "POLIRIS", invoice["number"]),
        _entry(portal, demo, "POLIRIS", credit["number"]),
    )
    assert (paid["balance_cents"], paid["status"]) == (0, "paid")
    assert (rest["amount_cents"], rest["balance_cents"]) == (-10_000, -3_760), "the rest stays available"
    trace = _entry(portal, demo, "POLIRIS", payment["receipt_number"])
    assert trace["settles"] == [invoice["number"]] and "62,40" in trace["label"]
    (mail,) = mails_to(portal, DEMO.email, payment["receipt_number"])
    assert "Règlement par avoir" in mail.subject or "réglées par ses avoirs" in mail.body

    (later,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=12_000)
    second = _checkout(portal, demo, "POLIRIS", [later["number"]], credit_note_numbers=[credit["number"]])
    assert second.status_code == 201 and second.json()["amount_cents"] == 12_000 - 3_760, "the rest is used"
    _pay_on_test_page(second.json()["checkout_url"])
    assert _entry(portal, demo, "POLIRIS", credit["number"])["balance_cents"] == 0
    intent = _session_of(portal, second.json())["payment_intent"]
    refund = _charge_refunded(intent, 8_240, 8_240, f"evt_refund_{second.json()['payment_id']}")
    assert _signed(portal, refund).json() == {"received": "reopened"}
    assert _entry(portal, demo, "POLIRIS", credit["number"])["balance_cents"] == -3_760, (
        "a refund gives back exactly the part the payment used"
    )
    assert _entry(portal, demo, "POLIRIS", later["number"])["balance_cents"] == 12_000


def test_two_baskets_racing_for_one_credit_note_cannot_spend_it_twice(
    portal: Portal, demo: dict[str, str]
) -> None:
    invoices = fresh_invoices("AG-1001", "BELLES_DEMEURES", 2, amount_cents=8_000)
    (credit,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1, amount_cents=10_000, credit_notes=True)
    baskets = iter(invoices)
    lock = threading.Lock()

    answers: list[dict[str, Any]] = []

    def attempt() -> int:
        with lock:
            invoice = next(baskets)
        answer = _checkout(
            portal, demo, "BELLES_DEMEURES", [invoice["number"]], credit_note_numbers=[credit["number"]]
        )
        answers.append(answer.json())
        return answer.status_code

    statuses = together(2, attempt)
    # At the same instant, the second is refused; a moment later, it is priced with the 20,00 left and the
    # card pays the rest. Never more than the credit note's 100,00 between them.
    assert statuses in ([201, 409], [201, 201]), statuses
    given = sum(c["amount_cents"] for a in answers if "credit_notes" in a for c in a["credit_notes"])
    assert given == (10_000 if statuses == [201, 201] else 8_000)
    assert _entry(portal, demo, "BELLES_DEMEURES", credit["number"])["balance_cents"] == -10_000 + given


def test_cancelling_gives_a_credit_notes_part_back(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=12_000)
    (credit,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=2_000, credit_notes=True)
    payment = _checkout(
        portal, demo, "POLIRIS", [invoice["number"]], credit_note_numbers=[credit["number"]]
    ).json()
    assert _entry(portal, demo, "POLIRIS", credit["number"])["balance_cents"] == 0
    assert _cancel(portal, demo, "POLIRIS", payment["payment_id"]).status_code == 200
    back = _entry(portal, demo, "POLIRIS", credit["number"])
    assert (back["balance_cents"], back["status"]) == (-2_000, "open")


def _charge_refunded(payment_intent: str, amount: int, refunded: int, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_test",
                "object": "charge",
                "payment_intent": payment_intent,
                "amount": amount,
                "amount_refunded": refunded,
                "refunded": refunded == amount,
                "metadata": {},
            }
        },
    }


def test_a_full_refund_reopens_what_was_paid_and_a_partial_one_is_only_recorded(
    portal: Portal, demo: dict[str, str]
) -> None:
    invoices = fresh_invoices("AG-1001", "POLIRIS", 2, amount_cents=5_000)
    payment = _checkout(portal, demo, "POLIRIS", [i["number"] for i in invoices]).json()
    _pay_on_test_page(payment["checkout_url"])
    standin = portal.running.stripe
    assert standin is not None
    intent = standin.sessions[payment["checkout_url"].rsplit("/", 1)[1]]["payment_intent"]

    partial = _signed(portal, _charge_refunded(intent, 10_000, 3_000, "evt_refund_partial"))
    assert partial.json() == {"received": "recorded"}
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "settled"

    full = _charge_refunded(intent, 10_000, 10_000, "evt_refund_full")
    assert _signed(portal, full).json() == {"received": "reopened"}
    assert _signed(portal, full).json() == {"received": "unchanged"}
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "refunded"
    reopened = {e["number"]: e for e in _open_invoices(portal, demo, "POLIRIS")}
    assert all(reopened[i["number"]]["balance_cents"] == 5_000 for i in invoices)
    entries = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), params={"scope": "all"}, headers=demo, timeout=10
    ).json()["entries"]
    refund = next(e for e in entries if e["number"] == payment["receipt_number"].replace("CB-", "RB-"))
    assert refund["amount_cents"] == 10_000


def test_a_session_ends_before_the_lock_and_a_paid_amount_that_differs_is_kept_for_review(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=4_000)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    standin = portal.running.stripe
    assert standin is not None
    session = standin.sessions[payment["checkout_url"].rsplit("/", 1)[1]]
    created = int(datetime.fromisoformat(payment["created_at"]).timestamp())
    assert session["expires_at"] == created + 30 * 60, "the session ends 5 minutes before the invoices' lock"
    event = _event("checkout.session.completed", payment, "evt_amount_differs")
    event["data"]["object"].update(amount_total=1, currency="eur")
    assert _signed(portal, event).json() == {"received": "needs_review"}
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "needs_review"
    assert invoice["number"] in {e["number"] for e in _open_invoices(portal, demo, "POLIRIS")}, (
        "nothing applied"
    )


def test_the_stand_in_expires_only_an_open_session_as_stripe_does(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    payment = _checkout(portal, demo, "POLIRIS", [invoice["number"]]).json()
    standin = portal.running.stripe
    assert standin is not None
    client = stripe.StripeClient("sk_test_standin", base_addresses={"api": standin.url})
    session_id = payment["checkout_url"].rsplit("/", 1)[1]
    assert client.v1.checkout.sessions.expire(session_id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session_id)
    page = requests.get(payment["checkout_url"], timeout=10).text
    assert "ne peut plus être payée" in page and "/pay" not in page
    time.sleep(1)  # the checkout.session.expired it sent has released the payment
    assert _status(portal, demo, "POLIRIS", payment["payment_id"])["status"] == "expired"
