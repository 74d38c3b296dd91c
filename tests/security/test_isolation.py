"""Tenant isolation: every route with an identifier, called with another agency's ids (or, for finance,
another creditor's), answers exactly as it does for an id that does not exist; no list shows them.

The matrix covers every route of every service that takes a parameter: a new route fails
`test_the_matrix_covers_every_route_with_a_parameter` until it is added here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests

from devstack.config import REGION
from devstack.provisioning import DemoUser, ensure_user
from mesfactures.domain.ids import new_id
from tests.security.conftest import AttackLog
from tests.support import Portal, fresh_invoices

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FINANCE_OF_POLIRIS = DemoUser(
    "finance-poliris@mesfactures.example", "Poliris-2026!", finance_creditors=("POLIRIS",)
)
JUNK_IDS = [
    "..%2F..%2Fetc%2Fpasswd",
    "' OR '1'='1",
    "%7B%22%24gt%22%3A%22%22%7D",
    "A" * 300,
    "%00",
    "DOC%23X",
]


@dataclass(frozen=True)
class World:
    """What AG-2002 owns, made through the API as AG-2002 would, plus ids of AG-1001's own."""

    invoice: str
    disputed_invoice: str
    dispute_id: str
    attachment_id: str
    payment_id: str
    change_id: str
    pressimmo_dispute_id: str
    own_dispute_id: str
    other_admin_id: str
    finance_of_poliris: dict[str, str]


def _post(portal: Portal, path: str, cookie: dict[str, str], body: dict[str, Any]) -> requests.Response:
    return requests.post(portal.api(path), json=body, headers=cookie, timeout=20)


def _dispute(portal: Portal, cookie: dict[str, str], numbers: list[str], attachments: list[Any]) -> str:
    answer = _post(
        portal,
        "disputes/creditors/POLIRIS/disputes",
        cookie,
        {
            "invoice_numbers": numbers,
            "reason": "wrong_amount",
            "comment": "Montant.",
            "attachments": attachments,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.fixture(scope="module")
def world(portal: Portal, demo: dict[str, str], other: dict[str, str]) -> World:
    invoice, disputed, paid = (e["number"] for e in fresh_invoices("AG-2002", "POLIRIS", 3))
    (own,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    ticket = _post(
        portal,
        "disputes/creditors/POLIRIS/attachments",
        other,
        {"filename": "preuve.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)},
    ).json()
    requests.put(ticket["upload_url"], data=PDF, headers={"Content-Type": "application/pdf"}, timeout=10)
    dispute_id = _dispute(portal, other, [disputed], [{"id": ticket["id"], "filename": "preuve.pdf"}])
    payment = _post(portal, "payments/creditors/POLIRIS/checkout", other, {"invoice_numbers": [paid]})
    assert payment.status_code == 201, payment.text
    profile = requests.get(
        portal.api("account/creditors/PRESSIMMO/profile"), headers=other, timeout=10
    ).json()
    billing = {**profile["billing"], "city": "Lyon"}
    changed = _post(
        portal,
        "account/creditors/PRESSIMMO/profile/changes",
        other,
        {"version": profile["version"], "main_contact": profile["main_contact"], "billing": billing},
    )
    assert changed.status_code == 201, changed.text
    history = requests.get(
        portal.api("account/creditors/PRESSIMMO/profile/changes"), headers=other, timeout=10
    )
    pressimmo = requests.get(portal.api("disputes/creditors/PRESSIMMO/disputes"), headers=other, timeout=10)
    ensure_user(
        boto3.client("cognito-idp", region_name=REGION),
        portal.running.identity.user_pool_id,
        FINANCE_OF_POLIRIS,
    )
    return World(
        invoice=invoice,
        disputed_invoice=disputed,
        dispute_id=dispute_id,
        attachment_id=ticket["id"],
        payment_id=payment.json()["payment_id"],
        change_id=history.json()["changes"][0]["id"],
        pressimmo_dispute_id=pressimmo.json()["disputes"][0]["id"],
        own_dispute_id=_dispute(portal, demo, [own["number"]], []),
        other_admin_id=next(
            a["Value"]
            for a in boto3.client("cognito-idp", region_name=REGION).admin_get_user(
                UserPoolId=portal.running.identity.user_pool_id, Username="autre@agence-exemple.fr"
            )["UserAttributes"]
            if a["Name"] == "sub"
        ),
        finance_of_poliris=portal.session_cookie(FINANCE_OF_POLIRIS),
    )


@dataclass(frozen=True)
class Case:
    """One route called as `actor` with someone else's ids, and with made-up ones of the same shape."""

    actor: str  # "demo" (AG-1001) or "finance" (the finance user of POLIRIS only)
    method: str
    route: str  # the service's route template
    theirs: dict[str, str]
    body: dict[str, Any] | None = None
    own: tuple[str, ...] = ("creditor",)  # parameters that are the actor's own, kept in the made-up call


def _cases(w: World) -> list[Case]:
    poliris = {"creditor": "POLIRIS"}
    return [
        Case(
            "demo",
            "GET",
            "/statement/creditors/{creditor}/documents/{number}",
            {**poliris, "number": w.invoice},
        ),
        Case(
            "demo",
            "GET",
            "/statement/creditors/{creditor}/documents/{number}/lifecycle",
            {**poliris, "number": w.invoice},
        ),
        Case(
            "demo",
            "GET",
            "/disputes/creditors/{creditor}/disputes/{dispute_id}",
            {**poliris, "dispute_id": w.dispute_id},
        ),
        Case(
            "demo",
            "POST",
            "/disputes/creditors/{creditor}/disputes/{dispute_id}/comments",
            {**poliris, "dispute_id": w.dispute_id},
            {"comment": "Je lis vos litiges."},
        ),
        Case(
            "demo",
            "GET",
            "/disputes/creditors/{creditor}/disputes/{dispute_id}/attachments/{attachment_id}",
            {**poliris, "dispute_id": w.dispute_id, "attachment_id": w.attachment_id},
        ),
        Case(
            "demo",
            "GET",
            "/disputes/creditors/{creditor}/disputes/{dispute_id}/attachments/{attachment_id}",
            {**poliris, "dispute_id": w.own_dispute_id, "attachment_id": w.attachment_id},
            own=("creditor", "dispute_id"),
        ),
        Case(
            "demo",
            "GET",
            "/payments/creditors/{creditor}/payments/{payment_id}",
            {**poliris, "payment_id": w.payment_id},
        ),
        Case(
            "demo",
            "DELETE",
            "/payments/creditors/{creditor}/payments/{payment_id}",
            {**poliris, "payment_id": w.payment_id},
        ),
        Case(
            "finance",
            "GET",
            "/disputes/finance/disputes/{dispute_id}",
            {"dispute_id": w.pressimmo_dispute_id},
        ),
        Case(
            "finance",
            "GET",
            "/disputes/finance/disputes/{dispute_id}/attachments/{attachment_id}",
            {"dispute_id": w.pressimmo_dispute_id, "attachment_id": w.attachment_id},
        ),
        Case(
            "finance",
            "POST",
            "/disputes/finance/disputes/{dispute_id}/transitions",
            {"dispute_id": w.pressimmo_dispute_id},
            {"to": "in_review", "comment": "Je prends."},
        ),
        Case(
            "demo",
            "PATCH",
            "/account/team/{user_id}",
            {"user_id": w.other_admin_id},
            {"role": "lecture", "active": False},
            own=(),
        ),
        Case("demo", "POST", "/account/team/{user_id}/invitation", {"user_id": w.other_admin_id}, own=()),
        Case("finance", "GET", "/account/finance/changes/{change_id}", {"change_id": w.change_id}),
        Case(
            "finance",
            "POST",
            "/account/finance/changes/{change_id}/decision",
            {"change_id": w.change_id},
            {"approve": True, "comment": "OK"},
        ),
    ]


def _made_up(case: Case) -> dict[str, str]:
    return {
        name: value if name in case.own else ("FA-2026-999999" if name == "number" else new_id())
        for name, value in case.theirs.items()
    }


def _call(portal: Portal, cookie: dict[str, str], case: Case, params: dict[str, str]) -> requests.Response:
    path = case.route.format(**params)
    return requests.request(
        case.method, f"{portal.url}/api{path}", json=case.body, headers=cookie, timeout=20
    )


def _routes(portal: Portal) -> set[str]:
    services = portal.running.server.gateway.services  # type: ignore[union-attr]
    return {path for module in services.values() for path in module.app.routes}


def test_the_matrix_covers_every_route_with_a_parameter(portal: Portal, world: World) -> None:
    with_ids = {route for route in _routes(portal) if re.search(r"\{(?!creditor\})", route)}
    assert with_ids == {case.route for case in _cases(world)}


def test_another_tenants_ids_answer_like_unknown_ones_on_every_route(
    portal: Portal, demo: dict[str, str], world: World, attacks: AttackLog
) -> None:
    cookies = {"demo": demo, "finance": world.finance_of_poliris}
    failures = []
    for case in _cases(world):
        theirs = _call(portal, cookies[case.actor], case, case.theirs)
        unknown = _call(portal, cookies[case.actor], case, _made_up(case))
        if theirs.status_code != 404 or (theirs.status_code, theirs.text) != (
            unknown.status_code,
            unknown.text,
        ):
            failures.append(
                f"{case.method} {case.route}: {theirs.status_code} {theirs.text[:90]} vs {unknown.text[:90]}"
            )
    attacks.record("isolation: ids in paths", 2 * len(_cases(world)), failures)
    assert failures == [], "\n".join(failures)


def test_junk_ids_are_refused_without_a_crash(
    portal: Portal, demo: dict[str, str], world: World, attacks: AttackLog
) -> None:
    cookies = {"demo": demo, "finance": world.finance_of_poliris}
    failures = []
    for case in _cases(world):
        for junk in JUNK_IDS:
            params = {name: value if name == "creditor" else junk for name, value in case.theirs.items()}
            answer = _call(portal, cookies[case.actor], case, params)
            if answer.status_code not in (400, 404) or set(answer.json()) - {"code", "message", "fields"}:
                failures.append(f"{case.route} with {junk[:20]}: {answer.status_code} {answer.text[:80]}")
    attacks.record("isolation: junk ids", len(JUNK_IDS) * len(_cases(world)), failures)
    assert failures == [], "\n".join(failures)


def test_the_controls_succeed_for_the_owner_so_the_refusals_mean_something(
    portal: Portal, other: dict[str, str], finance: dict[str, str], world: World
) -> None:
    owned = [
        f"statement/creditors/POLIRIS/documents/{world.invoice}",
        f"disputes/creditors/POLIRIS/disputes/{world.dispute_id}",
        f"payments/creditors/POLIRIS/payments/{world.payment_id}",
    ]
    for path in owned:
        assert requests.get(portal.api(path), headers=other, timeout=10).status_code == 200, path
    payment = requests.get(portal.api(owned[2]), headers=other, timeout=10).json()
    assert payment["status"] == "pending", "another agency's cancellation attempts changed nothing"
    for path in (
        f"disputes/finance/disputes/{world.pressimmo_dispute_id}",
        f"account/finance/changes/{world.change_id}",
    ):
        assert requests.get(portal.api(path), headers=finance, timeout=10).status_code == 200, path


def test_ids_of_another_agency_in_a_body_answer_like_unknown_ones(
    portal: Portal, demo: dict[str, str], world: World, attacks: AttackLog
) -> None:
    own_invoice = fresh_invoices("AG-1001", "POLIRIS", 1)[0]["number"]

    def dispute(numbers: list[str], attachment: str | None = None) -> tuple[str, dict[str, Any]]:
        attachments = [{"id": attachment, "filename": "preuve.pdf"}] if attachment else []
        body = {
            "invoice_numbers": numbers,
            "reason": "wrong_amount",
            "comment": "x",
            "attachments": attachments,
        }
        return "disputes/creditors/POLIRIS/disputes", body

    def checkout(numbers: list[str]) -> tuple[str, dict[str, Any]]:
        return "payments/creditors/POLIRIS/checkout", {"invoice_numbers": numbers}

    made_up_number, made_up_id = "FA-2026-999999", new_id()
    attempts = {  # someone else's id, then a made-up one of the same shape
        "invoice to dispute": (dispute([world.invoice]), dispute([made_up_number])),
        "invoice to pay": (checkout([world.invoice]), checkout([made_up_number])),
        "attachment": (dispute([own_invoice], world.attachment_id), dispute([own_invoice], made_up_id)),
    }
    failures = []
    for name, ((path, theirs), (_, made_up)) in attempts.items():
        answers = [_post(portal, path, demo, body) for body in (theirs, made_up)]
        # The message may name the id the user sent: compare the answers with the ids taken out.
        texts = [
            answers[0].text.replace(world.invoice, "<id>").replace(world.attachment_id, "<id>"),
            answers[1].text.replace(made_up_number, "<id>").replace(made_up_id, "<id>"),
        ]
        if answers[0].status_code not in (400, 404) or texts[0] != texts[1]:
            failures.append(f"{name}: {[(a.status_code, a.text[:80]) for a in answers]}")
    attacks.record("isolation: ids in bodies", 2 * len(attempts), failures)
    assert failures == [], "\n".join(failures)


CREDITOR_ROUTES = [
    ("GET", "/statement/creditors/{creditor}/entries", None),
    ("GET", "/statement/creditors/{creditor}/summary", None),
    ("GET", "/statement/creditors/{creditor}/export.csv", None),
    ("GET", "/statement/creditors/{creditor}/statement.pdf", None),
    ("GET", "/disputes/creditors/{creditor}/disputes", None),
    (
        "POST",
        "/disputes/creditors/{creditor}/disputes",
        {"invoice_numbers": ["FA-2026-000001"], "reason": "wrong_amount", "comment": "x"},
    ),
    (
        "POST",
        "/disputes/creditors/{creditor}/attachments",
        {"filename": "a.pdf", "content_type": "application/pdf", "size_bytes": 10},
    ),
    ("GET", "/account/creditors/{creditor}/profile", None),
    ("GET", "/account/creditors/{creditor}/profile/changes", None),
    ("POST", "/account/creditors/{creditor}/profile/changes", {"version": 1, "billing": {}}),
    ("GET", "/account/creditors/{creditor}/contacts", None),
    (
        "POST",
        "/account/creditors/{creditor}/messages",
        {"service": "collections", "subject": "s", "body": "b"},
    ),
    ("POST", "/payments/creditors/{creditor}/checkout", {"invoice_numbers": ["FA-2026-000001"]}),
]


def test_a_creditor_the_agency_has_no_account_with_is_not_found_like_an_unknown_one(
    portal: Portal, other: dict[str, str], attacks: AttackLog
) -> None:
    only_creditor = {route for route in _routes(portal) if re.findall(r"\{[^}]+\}", route) == ["{creditor}"]}
    assert only_creditor == {route for _, route, _ in CREDITOR_ROUTES}
    failures = []
    for method, route, body in CREDITOR_ROUTES:
        answers = [
            requests.request(
                method, f"{portal.url}/api{route.format(creditor=code)}", json=body, headers=other, timeout=20
            )
            for code in ("BELLES_DEMEURES", "NOPE")
        ]
        # The three creditors are public knowledge: the status and code must tell no more than that.
        if [(a.status_code, a.json()["code"]) for a in answers] != [(404, "not_found")] * 2:
            failures.append(f"{method} {route}: {[(a.status_code, a.text[:60]) for a in answers]}")
    attacks.record("isolation: creditors", 2 * len(CREDITOR_ROUTES), failures)
    assert failures == [], "\n".join(failures)


def test_no_list_shows_another_agencys_items(
    portal: Portal, demo: dict[str, str], world: World, attacks: AttackLog
) -> None:
    theirs = {world.invoice, world.disputed_invoice, world.dispute_id, world.payment_id, world.change_id}
    pages = [
        "statement/creditors/POLIRIS/entries",
        "statement/creditors/POLIRIS/entries?scope=all&limit=200",
        f"statement/creditors/POLIRIS/entries?number={world.invoice[:8]}",
        "statement/creditors/POLIRIS/export.csv",
        "statement/creditors/POLIRIS/export.csv?scope=all",
        "disputes/creditors/POLIRIS/disputes",
        "disputes/creditors/PRESSIMMO/disputes",
        "account/creditors/PRESSIMMO/profile/changes",
        "account/creditors/PRESSIMMO/profile",
        "account/me",
    ]
    failures = []
    for page in pages:
        text = requests.get(portal.api(page), headers=demo, timeout=20).text
        failures += [f"{page} shows {item}" for item in theirs if item in text]
    finance_view = requests.get(
        portal.api("disputes/finance/disputes"), headers=world.finance_of_poliris, timeout=20
    )
    creditors = {d["creditor"] for d in finance_view.json()["disputes"]}
    if creditors - {"POLIRIS"}:
        failures.append(f"finance of POLIRIS sees {creditors}")
    for path in (
        "disputes/finance/disputes?creditor=PRESSIMMO",
        "account/finance/changes?creditor=PRESSIMMO",
    ):
        answer = requests.get(portal.api(path), headers=world.finance_of_poliris, timeout=20)
        if answer.status_code == 200 and ("PRESSIMMO" in answer.text or world.change_id in answer.text):
            failures.append(f"{path} lists another creditor's items")
    attacks.record("isolation: lists", len(pages) + 3, failures)
    assert failures == [], "\n".join(failures)
