"""Disputes through the gateway: declared by an agency, handled by finance, each side told by e-mail."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
import requests

from devstack.config import REGION
from devstack.stack import MAIL_SENDER
from mesfactures import wiring
from mesfactures.documents.store import attachment_key, upload_key
from mesfactures.domain.creditors import Creditor
from tests.support import FINANCE, Portal, fresh_invoices, mails_to, together

FINANCE_POLIRIS = "finance@poliris.example"
FINANCE_PRESSIMMO = "finance@pressimmo.example"


class _Invoices:
    """Fresh open invoices for each test: tests never compete for the demo accounts' open invoices."""

    def take(
        self, portal: Portal, cookie: dict[str, str], creditor: str, count: int = 1
    ) -> list[dict[str, Any]]:
        return fresh_invoices("AG-1001", creditor, count)


INVOICES = _Invoices()


def _open(
    portal: Portal, cookie: dict[str, str], creditor: str, numbers: list[str], **extra: Any
) -> requests.Response:
    body = {
        "invoice_numbers": numbers,
        "reason": "wrong_amount",
        "comment": "Le montant ne correspond pas.",
        **extra,
    }
    return requests.post(
        portal.api(f"disputes/creditors/{creditor}/disputes"), json=body, headers=cookie, timeout=10
    )


def test_an_agency_opens_a_dispute_in_one_transaction_and_finance_is_told(
    portal: Portal, demo: dict[str, str]
) -> None:
    invoices = INVOICES.take(portal, demo, "POLIRIS", 2)
    numbers = [e["number"] for e in invoices]
    assert portal.running.meter
    portal.running.meter.settle()
    answer = _open(
        portal, demo, "POLIRIS", numbers, comment="Prestation <b>non</b> livrée", amounts={numbers[0]: 1000}
    )
    calls = portal.running.meter.reset()
    assert answer.status_code == 201, answer.text
    # One BatchGetItem for the session and its member, one for the invoices; one transaction writes.
    assert calls["TransactWriteItems"] == 1 and calls["BatchGetItem"] == 2 and "PutItem" not in calls
    dispute = answer.json()
    assert dispute["status"] == "open" and dispute["reference"].startswith("LIT-")
    assert dispute["amount_cents"] == 1000 + invoices[1]["balance_cents"]

    statement = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), headers=demo, timeout=10
    ).json()
    flagged = {e["number"]: e["dispute_id"] for e in statement["entries"]}
    assert flagged[numbers[0]] == flagged[numbers[1]] == dispute["id"]

    (mail,) = mails_to(portal, FINANCE_POLIRIS, dispute["reference"])
    assert "Nouveau litige" in mail.subject and "Agence Exemple Immobilier" in mail.subject
    assert "Prestation &lt;b&gt;non&lt;/b&gt; livrée" in mail.body and numbers[0] in mail.body


def test_an_invoice_in_an_open_dispute_cannot_be_disputed_again(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = INVOICES.take(portal, demo, "PRESSIMMO")
    assert _open(portal, demo, "PRESSIMMO", [invoice["number"]]).status_code == 201
    again = _open(portal, demo, "PRESSIMMO", [invoice["number"]])
    assert again.status_code == 409 and again.json()["code"] == "in_dispute"


def test_a_paid_invoice_cannot_be_disputed(portal: Portal, demo: dict[str, str]) -> None:
    entries = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), params={"scope": "all"}, headers=demo, timeout=10
    ).json()["entries"]
    paid = next(e for e in entries if e["type"] == "invoice" and e["status"] == "paid")
    answer = _open(portal, demo, "POLIRIS", [paid["number"]])
    assert answer.status_code == 422 and answer.json()["code"] == "already_paid"


def test_another_agencys_invoice_is_not_found(
    portal: Portal, demo: dict[str, str], other: dict[str, str]
) -> None:
    (theirs,) = INVOICES.take(portal, demo, "PRESSIMMO")
    stolen = _open(portal, other, "PRESSIMMO", [theirs["number"]])
    unknown = _open(portal, other, "PRESSIMMO", ["FA-2099-000001"])
    assert stolen.status_code == unknown.status_code == 404
    assert _open(portal, other, "BELLES_DEMEURES", ["FA-2099-000001"]).status_code == 404


def test_two_simultaneous_disputes_on_one_invoice_one_wins(portal: Portal, demo: dict[str, str]) -> None:
    (invoice,) = INVOICES.take(portal, demo, "BELLES_DEMEURES")
    statuses = together(4, lambda: _open(portal, demo, "BELLES_DEMEURES", [invoice["number"]]).status_code)
    assert statuses == [201, 409, 409, 409]
    mine = requests.get(
        portal.api("disputes/creditors/BELLES_DEMEURES/disputes"), headers=demo, timeout=10
    ).json()
    assert sum(invoice["number"] in [i["number"] for i in d["invoices"]] for d in mine["disputes"]) == 1


def test_the_agency_follows_its_dispute_and_comments_finance_is_told(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = INVOICES.take(portal, demo, "POLIRIS")
    dispute = _open(portal, demo, "POLIRIS", [invoice["number"]]).json()
    listed = requests.get(portal.api("disputes/creditors/POLIRIS/disputes"), headers=demo, timeout=10).json()
    assert dispute["id"] in [d["id"] for d in listed["disputes"]]
    path = portal.api(f"disputes/creditors/POLIRIS/disputes/{dispute['id']}")
    answer = requests.post(
        f"{path}/comments", json={"comment": "Voici le bon de commande."}, headers=demo, timeout=10
    )
    assert answer.status_code == 201
    history = requests.get(path, headers=demo, timeout=10).json()["history"]
    assert [(h["kind"], h["author_role"]) for h in history] == [("opened", "agency"), ("comment", "agency")]
    assert history[1]["comment"] == "Voici le bon de commande."
    (mail,) = mails_to(portal, FINANCE_POLIRIS, f"Litige {dispute['reference']} : nouveau commentaire")
    assert "Voici le bon de commande." in mail.body


def test_finance_handles_the_dispute_the_agency_is_told_and_the_invoice_is_freed(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    (invoice,) = INVOICES.take(portal, demo, "PRESSIMMO")
    dispute = _open(portal, demo, "PRESSIMMO", [invoice["number"]]).json()
    queue = requests.get(
        portal.api("disputes/finance/disputes"),
        params={"creditor": "PRESSIMMO", "status": "open"},
        headers=finance,
        timeout=10,
    ).json()["disputes"]
    assert dispute["id"] in [d["id"] for d in queue]
    assert all(d["status"] == "open" and d["creditor"] == "PRESSIMMO" for d in queue)

    moves = portal.api(f"disputes/finance/disputes/{dispute['id']}/transitions")
    skipped = requests.post(moves, json={"to": "closed", "comment": "Trop tôt"}, headers=finance, timeout=10)
    assert skipped.status_code == 422
    for target, comment in (("in_review", "Nous vérifions."), ("resolved_accepted", "Un avoir suit.")):
        answer = requests.post(moves, json={"to": target, "comment": comment}, headers=finance, timeout=10)
        assert answer.status_code == 201, answer.text
    detail = requests.get(
        portal.api(f"disputes/creditors/PRESSIMMO/disputes/{dispute['id']}"), headers=demo, timeout=10
    ).json()
    assert detail["status"] == "resolved_accepted"
    assert [(h["from_status"], h["to_status"], h["author"]) for h in detail["history"][1:]] == [
        ("open", "in_review", FINANCE.email),
        ("in_review", "resolved_accepted", FINANCE.email),
    ]
    (mail,) = mails_to(portal, "compta@ag-1001.example", f"{dispute['reference']} chez PRESSIMMO : Résolu")
    assert "Un avoir suit." in mail.body
    statement = requests.get(
        portal.api("statement/creditors/PRESSIMMO/entries"), headers=demo, timeout=10
    ).json()
    assert next(e for e in statement["entries"] if e["number"] == invoice["number"])["dispute_id"] is None


def test_finance_reads_the_agency_by_name_and_a_waiting_dispute_as_waiting_for_the_agency(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    (invoice,) = INVOICES.take(portal, demo, "POLIRIS")
    dispute = _open(portal, demo, "POLIRIS", [invoice["number"]]).json()
    moved = requests.post(
        portal.api(f"disputes/finance/disputes/{dispute['id']}/transitions"),
        json={"to": "waiting_customer", "comment": "Merci de joindre le bon de commande."},
        headers=finance,
        timeout=10,
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["status_label"] == "En attente de l'agence"
    assert moved.json()["history"][-1]["to_status_label"] == "En attente de l'agence"
    queue = requests.get(
        portal.api("disputes/finance/disputes"),
        params={"creditor": "POLIRIS", "status": "waiting_customer"},
        headers=finance,
        timeout=10,
    ).json()["disputes"]
    listed = next(d for d in queue if d["id"] == dispute["id"])
    assert (listed["agency_name"], listed["status_label"]) == (
        "Agence Exemple Immobilier",
        "En attente de l'agence",
    )
    seen_by_agency = requests.get(
        portal.api(f"disputes/creditors/POLIRIS/disputes/{dispute['id']}"), headers=demo, timeout=10
    ).json()
    assert seen_by_agency["status_label"] == "En attente de votre réponse"


def test_a_dispute_opened_before_names_were_kept_shows_its_agency_id_to_finance(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    from mesfactures.persistence import keys
    from mesfactures.persistence.disputes import DisputeItem

    (invoice,) = INVOICES.take(portal, demo, "PRESSIMMO")
    dispute = _open(portal, demo, "PRESSIMMO", [invoice["number"]]).json()
    stored = DisputeItem(keys.account_pk("AG-1001", Creditor.PRESSIMMO), keys.dispute_sk(dispute["id"]))
    stored.update(actions=[DisputeItem.agency_name.remove()])  # as written before agency names were kept
    seen = requests.get(portal.api(f"disputes/finance/disputes/{dispute['id']}"), headers=finance, timeout=10)
    assert seen.status_code == 200, seen.text
    assert (seen.json()["agency_id"], seen.json()["agency_name"]) == ("AG-1001", "AG-1001")


def test_agencies_cannot_use_the_finance_routes(portal: Portal, demo: dict[str, str]) -> None:
    assert requests.get(portal.api("disputes/finance/disputes"), headers=demo, timeout=10).status_code == 403
    answer = requests.post(
        portal.api("disputes/finance/disputes/01J/transitions"),
        json={"to": "closed"},
        headers=demo,
        timeout=10,
    )
    assert answer.status_code == 403


def test_another_agencys_dispute_answers_like_an_unknown_one(
    portal: Portal, demo: dict[str, str], other: dict[str, str]
) -> None:
    (invoice,) = INVOICES.take(portal, demo, "PRESSIMMO")
    dispute = _open(portal, demo, "PRESSIMMO", [invoice["number"]]).json()
    base = portal.api("disputes/creditors/PRESSIMMO/disputes")
    stolen = requests.get(f"{base}/{dispute['id']}", headers=other, timeout=10)
    unknown = requests.get(f"{base}/01JUNKNOWN0000000000000000", headers=other, timeout=10)
    assert stolen.status_code == unknown.status_code == 404 and stolen.json() == unknown.json()
    comment = requests.post(
        f"{base}/{dispute['id']}/comments", json={"comment": "x"}, headers=other, timeout=10
    )
    assert comment.status_code == 404
    listed = requests.get(base, headers=other, timeout=10).json()["disputes"]
    assert dispute["id"] not in [d["id"] for d in listed]


def test_a_mail_that_fails_to_send_is_sent_once_the_failure_passes(
    portal: Portal, demo: dict[str, str]
) -> None:
    ses = boto3.client("ses", region_name=REGION)
    (invoice,) = INVOICES.take(portal, demo, "BELLES_DEMEURES")
    ses.delete_identity(Identity=MAIL_SENDER)  # SES now refuses every send from the portal's address
    try:
        dispute = _open(portal, demo, "BELLES_DEMEURES", [invoice["number"]]).json()
        assert dispute["status"] == "open"  # the request does not wait for the mail
        time.sleep(1.5)
        assert mails_to(portal, "finance@bellesdemeures.example", dispute["reference"], timeout=0) == []
    finally:
        ses.verify_email_identity(EmailAddress=MAIL_SENDER)
    assert len(mails_to(portal, "finance@bellesdemeures.example", dispute["reference"], timeout=30)) == 1
    time.sleep(1.5)
    assert len(mails_to(portal, "finance@bellesdemeures.example", dispute["reference"], timeout=0)) == 1


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _ticket(portal: Portal, cookie: dict[str, str], creditor: str, **body: Any) -> requests.Response:
    defaults = {"filename": "bon-de-commande.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)}
    return requests.post(
        portal.api(f"disputes/creditors/{creditor}/attachments"),
        json={**defaults, **body},
        headers=cookie,
        timeout=10,
    )


def test_a_dispute_carries_files_uploaded_straight_to_the_document_store(
    portal: Portal, demo: dict[str, str], other: dict[str, str], finance: dict[str, str]
) -> None:
    ticket = _ticket(portal, demo, "POLIRIS").json()
    put = requests.put(
        ticket["upload_url"], data=PDF, headers={"Content-Type": "application/pdf"}, timeout=10
    )
    assert put.status_code == 200
    (invoice,) = INVOICES.take(portal, demo, "POLIRIS")
    dispute = _open(
        portal,
        demo,
        "POLIRIS",
        [invoice["number"]],
        attachments=[{"id": ticket["id"], "filename": "bon-de-commande.pdf"}],
    ).json()
    assert [(a["filename"], a["size_bytes"]) for a in dispute["attachments"]] == [
        ("bon-de-commande.pdf", len(PDF))
    ]

    path = f"disputes/creditors/POLIRIS/disputes/{dispute['id']}/attachments/{ticket['id']}"
    link = requests.get(portal.api(path), headers=demo, allow_redirects=False, timeout=10)
    assert link.status_code == 302 and requests.get(link.headers["Location"], timeout=10).content == PDF
    finance_path = f"disputes/finance/disputes/{dispute['id']}/attachments/{ticket['id']}"
    assert (
        requests.get(portal.api(finance_path), headers=finance, allow_redirects=False, timeout=10).status_code
        == 302
    )
    assert (
        requests.get(portal.api(path), headers=other, timeout=10).status_code == 404
    )  # AG-2002: at POLIRIS too


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "text/html"},
        {"size_bytes": 6 * 1024 * 1024},
        {"size_bytes": 0},
        {"filename": ""},
        {"size_bytes": "12"},
    ],
)
def test_an_attachment_of_the_wrong_kind_or_size_is_refused_before_upload(
    portal: Portal, demo: dict[str, str], body: dict[str, Any]
) -> None:
    assert _ticket(portal, demo, "POLIRIS", **body).status_code == 400


def test_a_file_that_is_not_what_it_claims_is_refused_and_deleted(
    portal: Portal, demo: dict[str, str]
) -> None:
    ticket = _ticket(portal, demo, "PRESSIMMO").json()
    disguised = b"<html><script>alert(1)</script></html>"
    requests.put(
        ticket["upload_url"], data=disguised, headers={"Content-Type": "application/pdf"}, timeout=10
    )
    (invoice,) = INVOICES.take(portal, demo, "PRESSIMMO")
    for attachments in (
        [{"id": ticket["id"], "filename": "facture.pdf"}],
        [{"id": "01JXQ0000000000000000000ZZ", "filename": "x.pdf"}],
    ):
        refused = _open(portal, demo, "PRESSIMMO", [invoice["number"]], attachments=attachments)
        assert refused.status_code == 400, refused.text
    statement = requests.get(
        portal.api("statement/creditors/PRESSIMMO/entries"), headers=demo, timeout=10
    ).json()
    assert next(e for e in statement["entries"] if e["number"] == invoice["number"])["dispute_id"] is None
    store = wiring.documents()
    for key in (
        upload_key("AG-1001", Creditor.PRESSIMMO, ticket["id"]),
        attachment_key("AG-1001", Creditor.PRESSIMMO, ticket["id"]),
    ):
        assert store.head(key) is None, key
