"""A restart of the local stack (`make run` stopped and started again) loses nothing it acknowledged:
the ledger, disputes with their history and attachments, account changes, payments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests

from tests.security.conftest import AttackLog
from tests.support import DEMO, make_run

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OFFSET = 600 + int(os.environ.get("MESFACTURES_TEST_PORT_OFFSET", "0"))
URL = f"http://127.0.0.1:{8080 + OFFSET}"


def _session() -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{URL}/api/account/session", json={"username": DEMO.email, "password": DEMO.password}
    )
    assert answer.status_code == 201, answer.text
    # The cookie is Secure; the local stack is plain HTTP, so carry it by hand as the test client.
    session.headers["Cookie"] = answer.headers["Set-Cookie"].split(";")[0]
    return session


def _acknowledged(session: requests.Session) -> dict[str, Any]:
    """Does what a user does, each acknowledged by the portal, and returns what should be there later."""
    api = f"{URL}/api"
    entries = session.get(f"{api}/statement/creditors/POLIRIS/entries").json()["entries"]
    free = [e for e in entries if e["type"] == "invoice" and not e["dispute_id"] and not e["payment_lock"]]
    disputed, paid = free[0]["number"], free[1]["number"]
    ticket = session.post(
        f"{api}/disputes/creditors/POLIRIS/attachments",
        json={"filename": "preuve.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)},
    ).json()
    assert requests.put(
        ticket["upload_url"], data=PDF, headers={"Content-Type": "application/pdf"}, timeout=10
    ).ok
    dispute = session.post(
        f"{api}/disputes/creditors/POLIRIS/disputes",
        json={
            "invoice_numbers": [disputed],
            "reason": "wrong_amount",
            "comment": "Avant redémarrage.",
            "attachments": [{"id": ticket["id"], "filename": "preuve.pdf"}],
        },
    )
    assert dispute.status_code == 201, dispute.text
    dispute_id = dispute.json()["id"]
    comment = session.post(
        f"{api}/disputes/creditors/POLIRIS/disputes/{dispute_id}/comments", json={"comment": "Un ajout."}
    )
    assert comment.status_code == 201, comment.text
    profile = session.get(f"{api}/account/creditors/POLIRIS/profile").json()
    change = session.post(
        f"{api}/account/creditors/POLIRIS/profile/changes",
        json={
            "version": profile["version"],
            "main_contact": profile["main_contact"],
            "billing": {**profile["billing"], "city": "Villeurbanne"},
        },
    )
    assert change.status_code == 201, change.text
    payment = session.post(
        f"{api}/payments/creditors/POLIRIS/checkout", json={"invoice_numbers": [paid]}
    ).json()
    assert (
        requests.post(payment["checkout_url"] + "/pay", allow_redirects=False, timeout=30).status_code == 303
    )
    return {
        "dispute": (dispute_id, ticket["id"]),
        "paid": paid,
        "payment": payment["payment_id"],
        "entries": len(
            session.get(f"{api}/statement/creditors/POLIRIS/entries", params={"scope": "all"}).json()[
                "entries"
            ]
        ),
    }


def test_a_restart_loses_nothing_that_was_acknowledged(tmp_path: Path, attacks: AttackLog) -> None:
    with make_run(tmp_path, OFFSET):
        before = _acknowledged(_session())
    with make_run(tmp_path, OFFSET):
        session, api = _session(), f"{URL}/api"
        dispute_id, attachment_id = before["dispute"]
        dispute = session.get(f"{api}/disputes/creditors/POLIRIS/disputes/{dispute_id}").json()
        link = session.get(
            f"{api}/disputes/creditors/POLIRIS/disputes/{dispute_id}/attachments/{attachment_id}",
            allow_redirects=False,
        )
        profile = session.get(f"{api}/account/creditors/POLIRIS/profile").json()
        payment = session.get(f"{api}/payments/creditors/POLIRIS/payments/{before['payment']}").json()
        invoice = session.get(
            f"{api}/statement/creditors/POLIRIS/entries", params={"number": before["paid"], "scope": "all"}
        ).json()
        after = len(
            session.get(f"{api}/statement/creditors/POLIRIS/entries", params={"scope": "all"}).json()[
                "entries"
            ]
        )
        checks = {
            "dispute history": [e["comment"] for e in dispute["history"] if e.get("comment")]
            == ["Avant redémarrage.", "Un ajout."],
            "attachment": link.status_code == 302
            and requests.get(link.headers["Location"], timeout=10).content == PDF,
            "account change": profile["billing"]["city"] == "Villeurbanne",
            "payment": payment["status"] == "settled" and invoice["entries"][0]["status"] == "paid",
            "entries": after == before["entries"],
        }
    lost = [name for name, kept in checks.items() if not kept]
    attacks.record("faults: restart", len(checks), lost)
    assert lost == []
