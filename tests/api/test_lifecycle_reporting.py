"""What the portal reports to the creditor's platform: a card payment settled writes, in its own
transaction, an "Encaissée" (212) per invoice with the amount and the date, delivered from the stream as
one CDAR file each to `einvoicing/outbox/<CREDITOR>/`; a refund writes the correction; finance sees each
message and its delivery state."""

from __future__ import annotations

import time
from typing import Any

import boto3
import requests

from devstack.config import REGION
from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem
from mesfactures.persistence.lifecycle import StatusMessageItem
from tests.support import Portal, checkout_event, fresh_invoices, send_webhook


def _checkout(portal: Portal, cookie: dict[str, str], numbers: list[str]) -> dict[str, Any]:
    answer = requests.post(
        portal.api("payments/creditors/POLIRIS/checkout"),
        headers=cookie,
        json={"invoice_numbers": numbers},
        timeout=20,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _outbox_files(portal: Portal, number: str, count: int, timeout: float = 20) -> list[str]:
    """The CDAR files written for an invoice, once `count` of them are there."""
    s3: Any = boto3.client("s3", region_name=REGION)
    deadline = time.monotonic() + timeout
    while True:
        listed = s3.list_objects_v2(
            Bucket=portal.running.config.bucket_name, Prefix="einvoicing/outbox/POLIRIS/"
        )
        found = sorted(item["Key"] for item in listed.get("Contents", []) if f"-{number}-" in item["Key"])
        if len(found) >= count or time.monotonic() > deadline:
            return [
                s3.get_object(Bucket=portal.running.config.bucket_name, Key=key)["Body"].read().decode()
                for key in found
            ]
        time.sleep(0.2)


def _message_item(message_id: str) -> StatusMessageItem | None:
    wiring.status_messages()  # binds the models to the stack's table
    try:
        return StatusMessageItem.get(
            keys.status_message_pk(message_id), keys.STATUS_MESSAGE_SK, consistent_read=True
        )
    except StatusMessageItem.DoesNotExist:
        return None


def test_a_card_payment_reports_each_invoice_collected_with_its_amount_and_date(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    first, second = fresh_invoices("AG-1001", "POLIRIS", 2, amount_cents=5_000)
    payment = _checkout(portal, demo, [first["number"], second["number"]])
    assert (
        requests.post(payment["checkout_url"] + "/pay", allow_redirects=False, timeout=30).status_code < 400
    )

    (written,) = _outbox_files(portal, first["number"], 1)
    assert "<ram:ProcessConditionCode>212</ram:ProcessConditionCode>" in written
    assert f"<ram:IssuerAssignedID>{first['number']}</ram:IssuerAssignedID>" in written
    assert '<ram:ValueAmount currencyID="EUR">50.00</ram:ValueAmount>' in written
    assert "<ram:ID>AG-1001</ram:ID>" in written
    assert len(_outbox_files(portal, second["number"], 1)) == 1

    listed = requests.get(
        portal.api("payments/finance/lifecycle-messages?creditor=POLIRIS"), headers=finance, timeout=10
    ).json()["messages"]
    mine = {m["number"]: m for m in listed if m["message_id"].startswith(payment["payment_id"])}
    assert set(mine) == {first["number"], second["number"]}
    deadline = time.monotonic() + 10
    while mine[first["number"]]["delivery"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.2)
        listed = requests.get(
            portal.api("payments/finance/lifecycle-messages"), headers=finance, timeout=10
        ).json()["messages"]
        mine = {m["number"]: m for m in listed if m["message_id"].startswith(payment["payment_id"])}
    assert (mine[first["number"]]["code"], mine[first["number"]]["label"]) == (212, "Encaissée")
    assert (mine[first["number"]]["amount_cents"], mine[first["number"]]["delivery"]) == (5_000, "delivered")
    assert mine[first["number"]]["file"].startswith("einvoicing/outbox/POLIRIS/")

    status = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, first["number"]).lifecycle_status
    assert status is not None and (status.code, status.label) == (212, "Encaissée")


def test_a_settlement_refused_by_the_ledger_reports_nothing(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=3_000)
    payment = _checkout(portal, demo, [invoice["number"]])
    # The invoice's balance moves under the open session (what a race with another writer would do): the
    # settlement's conditions fail, and the transaction that would have written the 212 writes nothing.
    wiring.ledger()
    EntryItem(keys.account_pk("AG-1001", Creditor.POLIRIS), keys.document_sk(invoice["number"])).update(
        actions=[EntryItem.balance_cents.set(2_999)]
    )
    answer = send_webhook(
        portal, checkout_event("checkout.session.completed", payment, "evt_lifecycle_refused")
    )
    assert answer.status_code == 200
    assert _message_item(f"{payment['payment_id']}-1") is None
    assert _outbox_files(portal, invoice["number"], 1, timeout=2) == []


def test_a_refund_that_reopens_an_invoice_reports_the_collection_taken_back(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=4_000)
    payment = _checkout(portal, demo, [invoice["number"]])
    requests.post(payment["checkout_url"] + "/pay", allow_redirects=False, timeout=30)
    standin = portal.running.stripe
    assert standin is not None
    intent = standin.sessions[payment["checkout_url"].rsplit("/", 1)[1]]["payment_intent"]
    refund = {
        "id": "evt_lifecycle_refund",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_lifecycle",
                "object": "charge",
                "payment_intent": intent,
                "amount": 4_000,
                "amount_refunded": 4_000,
                "refunded": True,
                "metadata": {},
            }
        },
    }
    assert send_webhook(portal, refund).json() == {"received": "reopened"}
    files = _outbox_files(portal, invoice["number"], 2)  # in any order (names within one second)
    (collected,) = [f for f in files if "-40.00<" not in f]
    (corrected,) = [f for f in files if "-40.00<" in f]
    assert '<ram:ValueAmount currencyID="EUR">40.00</ram:ValueAmount>' in collected
    assert '<ram:ValueAmount currencyID="EUR">-40.00</ram:ValueAmount>' in corrected
    assert "encaissement annulé" in corrected


def test_a_dispute_declared_in_the_portal_reports_in_dispute_then_its_resolution(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    first, second = fresh_invoices("AG-1001", "POLIRIS", 2, amount_cents=6_000)
    opened = requests.post(
        portal.api("disputes/creditors/POLIRIS/disputes"),
        headers=demo,
        json={
            "invoice_numbers": [first["number"], second["number"]],
            "reason": "wrong_amount",
            "comment": "Le tarif n'est pas celui du contrat.",
            "amounts": {first["number"]: 1_000},
        },
        timeout=20,
    )
    assert opened.status_code == 201, opened.text
    dispute_id = opened.json()["id"]
    (declared,) = _outbox_files(portal, first["number"], 1)
    assert "<ram:ProcessConditionCode>207</ram:ProcessConditionCode>" in declared
    for step in ("in_review", "resolved_accepted"):
        moved = requests.post(
            portal.api(f"disputes/finance/disputes/{dispute_id}/transitions"),
            headers=finance,
            json={"to": step, "comment": "Vu avec le service commercial."},
            timeout=20,
        )
        assert moved.status_code == 201, moved.text
    # Two files an invoice, in any order: within one second their names sort by code (206 before 207).
    (partly,) = [f for f in _outbox_files(portal, first["number"], 2) if "Code>207<" not in f]
    (wholly,) = [f for f in _outbox_files(portal, second["number"], 2) if "Code>207<" not in f]
    assert "<ram:ProcessConditionCode>206</ram:ProcessConditionCode>" in partly
    assert '<ram:ValueAmount currencyID="EUR">10.00</ram:ValueAmount>' in partly
    assert "<ram:ProcessConditionCode>210</ram:ProcessConditionCode>" in wholly
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, second["number"]).lifecycle_status
        if status is not None and status.code == 210:
            break
        time.sleep(0.2)
    _, history = wiring.lifecycle().history("AG-1001", Creditor.POLIRIS, second["number"])
    assert [event.code for event in history] == [210, 207]
