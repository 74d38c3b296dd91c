"""Each service publishes an OpenAPI description: its routes are exactly the app's, and what the running
portal answers conforms to it."""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.security.descriptions import AREAS, ROOT, description
from tests.security.users import agency_user, invited_user, own_agency
from tests.support import DEMO, FINANCE, Portal, cookie_of, fresh_invoices

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# The team's answers are read in an agency of the suite's own: what it invites and changes stays there.
DESCRIBED_AGENCY = "AG-7008"
NEW_PASSWORD = "Nouveau-2026!x"


def _app_routes(area: str) -> set[tuple[str, str]]:
    """The (method, path) of every route of services/<area>/app.py, loaded under a name of its own."""
    spec = importlib.util.spec_from_file_location(
        f"openapi_check_{area}", ROOT / "services" / area / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {(method.upper(), path) for path, entries in module.app.routes.items() for method in entries}


def _described_routes(area: str) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in description(area)["paths"].items()
        for method in item
        if method in METHODS
    }


@pytest.mark.parametrize("area", AREAS)
def test_each_service_describes_exactly_the_routes_it_serves(area: str) -> None:
    assert _app_routes(area) == _described_routes(area)


@pytest.mark.parametrize("area", AREAS)
def test_each_description_is_valid_openapi_with_a_documented_error_shape(area: str) -> None:
    document = description(area)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["session"] == {
        **document["components"]["securitySchemes"]["session"],
        "type": "apiKey",
        "in": "cookie",
        "name": "mf_session",
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert any(status[0] in "23" for status in statuses), (method, path)
            assert not any(status.startswith("5") for status in statuses - {"503"}), (method, path)
            for status in statuses - {"200", "201", "202", "204", "302"}:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            if operation["security"]:
                assert "401" in statuses, (method, path)


def test_the_gateway_publishes_each_description(portal: Portal) -> None:
    for area in AREAS:
        answer = requests.get(portal.api(f"{area}/openapi.json"), timeout=10)
        assert answer.status_code == 200
        assert answer.json() == description(area)


def _conforms(area: str, path: str, method: str, answer: requests.Response) -> None:
    operation = description(area)["paths"][path][method]
    assert str(answer.status_code) in operation["responses"], (method, path, answer.status_code, answer.text)
    response = operation["responses"][str(answer.status_code)]
    if "content" not in response:
        return
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in (
            "paths",
            path,
            method,
            "responses",
            str(answer.status_code),
            "content",
            "application/json",
        )
    )
    registry: Registry[Any] = Registry().with_resource(
        "urn:description", Resource.from_contents(description(area), default_specification=DRAFT202012)
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"urn:description#/{quote(pointer)}/schema"}, registry=registry
    )
    validator.validate(answer.json())


def test_real_answers_of_the_demo_portal_conform_to_their_descriptions(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    """The richest answers of the demo data (every entry of the year, a dispute with its history, a profile
    with its changes), and the error shape, checked against the published schemas."""
    reads = [
        ("statement", "/statement/creditors/{creditor}/entries", "statement/creditors/POLIRIS/entries", demo),
        (
            "statement",
            "/statement/creditors/{creditor}/entries",
            "statement/creditors/POLIRIS/entries?scope=all",
            demo,
        ),
        (
            "statement",
            "/statement/creditors/{creditor}/summary",
            "statement/creditors/PRESSIMMO/summary",
            demo,
        ),
        ("disputes", "/disputes/creditors/{creditor}/disputes", "disputes/creditors/POLIRIS/disputes", demo),
        ("disputes", "/disputes/finance/disputes", "disputes/finance/disputes", finance),
        ("account", "/account/me", "account/me", demo),
        ("account", "/account/me", "account/me", finance),
        ("account", "/account/creditors/{creditor}/profile", "account/creditors/POLIRIS/profile", demo),
        (
            "account",
            "/account/creditors/{creditor}/profile/changes",
            "account/creditors/POLIRIS/profile/changes",
            demo,
        ),
        ("account", "/account/creditors/{creditor}/contacts", "account/creditors/POLIRIS/contacts", demo),
        ("account", "/account/finance/changes", "account/finance/changes", finance),
        ("statement", "/statement/creditors/{creditor}/entries", "statement/creditors/NOPE/entries", demo),
        ("statement", "/statement/creditors/{creditor}/entries", "statement/creditors/POLIRIS/entries", {}),
        ("disputes", "/disputes/finance/disputes", "disputes/finance/disputes", demo),
    ]
    for area, path, url, cookie in reads:
        _conforms(area, path, "get", requests.get(portal.api(url), headers=cookie, timeout=10))

    entries = requests.get(
        portal.api("statement/creditors/POLIRIS/entries?scope=all"), headers=demo, timeout=10
    ).json()["entries"]
    number = next(e["number"] for e in entries if e["has_document"])
    _conforms(
        "statement",
        "/statement/creditors/{creditor}/documents/{number}",
        "get",
        requests.get(portal.api(f"statement/creditors/POLIRIS/documents/{number}"), headers=demo, timeout=10),
    )
    (first, *_) = requests.get(
        portal.api("disputes/creditors/POLIRIS/disputes"), headers=demo, timeout=10
    ).json()["disputes"]
    _conforms(
        "disputes",
        "/disputes/creditors/{creditor}/disputes/{dispute_id}",
        "get",
        requests.get(
            portal.api(f"disputes/creditors/POLIRIS/disputes/{first['id']}"), headers=demo, timeout=10
        ),
    )
    _conforms(
        "account",
        "/account/session",
        "post",
        requests.post(portal.api("account/session"), json={"username": "x", "password": "y"}, timeout=10),
    )


def test_real_answers_of_signing_in_and_passwords_conform_to_their_descriptions(portal: Portal) -> None:
    """The first sign-in of an invited member, step by step, and each refusal of the password routes."""
    policy = requests.get(portal.api("account/password/policy"), timeout=10)
    _conforms("account", "/account/password/policy", "get", policy)
    own_agency(DESCRIBED_AGENCY, "Agence des descriptions")
    invited, _ = invited_user(portal, "openapi-invite@agence-descriptions.example", DESCRIBED_AGENCY)

    def post(path: str, body: dict[str, str], cookie: dict[str, str] | None = None) -> requests.Response:
        answer = requests.post(portal.api(path.lstrip("/")), json=body, headers=cookie or {}, timeout=10)
        _conforms("account", path, "post", answer)
        return answer

    challenge = post("/account/session", {"username": invited.email, "password": invited.password})
    assert challenge.status_code == 200 and challenge.json()["challenge"] == "new_password", challenge.text
    handle = challenge.json()["session"]
    weak = post("/account/session/new-password", {"session": handle, "new_password": "court"})
    assert weak.status_code == 400 and weak.json()["code"] == "invalid_password" and weak.json()["rules"]
    signed_in = post("/account/session/new-password", {"session": handle, "new_password": NEW_PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    assert post("/account/session/totp", {"session": handle, "code": "123456"}).status_code == 401

    cookie = cookie_of(signed_in)
    wrong = post("/account/password", {"current": "Pas-le-bon-1!", "new": "Encore-2026!x"}, cookie)
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_password"
    assert post("/account/password/forgot", {"username": invited.email}).status_code == 202
    reset = {"username": invited.email, "code": "000000", "new_password": "Encore-2026!x"}
    assert post("/account/password/reset", reset).status_code == 400
    everywhere = requests.delete(portal.api("account/sessions"), headers=cookie, timeout=10)
    _conforms("account", "/account/sessions", "delete", everywhere)
    assert everywhere.status_code == 204

    totp = post("/account/session", {"username": FINANCE.email, "password": FINANCE.password})
    assert totp.status_code == 200 and totp.json()["challenge"] in ("totp", "totp_setup"), totp.text


def test_real_answers_of_the_team_and_the_roles_conform_to_their_descriptions(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    """The demo administrator's team and journal, an administrator's changes in an agency of the suite's
    own, and the refusals of a role that may not."""
    for path, url in (("/account/team", "account/team"), ("/account/activity", "account/activity")):
        _conforms("account", path, "get", requests.get(portal.api(url), headers=demo, timeout=10))

    own_agency(DESCRIBED_AGENCY, "Agence des descriptions")
    admin = portal.session_cookie(
        agency_user(portal, "openapi-admin@agence-descriptions.example", agency_id=DESCRIBED_AGENCY)
    )
    me = requests.get(portal.api("account/me"), headers=admin, timeout=10)
    _conforms("account", "/account/me", "get", me)

    def call(method: str, path: str, url: str, body: dict[str, Any] | None = None) -> requests.Response:
        answer = requests.request(method, portal.api(url), json=body, headers=admin, timeout=10)
        _conforms("account", path, method.lower(), answer)
        return answer

    person = {"email": "openapi-equipe@agence-descriptions.example", "first_name": "Léa", "last_name": "Roux"}
    invited = call(
        "POST", "/account/team/invitations", "account/team/invitations", {**person, "role": "lecture"}
    )
    assert invited.status_code == 201, invited.text
    again = call(
        "POST", "/account/team/invitations", "account/team/invitations", {**person, "role": "lecture"}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    user_id = invited.json()["member"]["user_id"]
    resent = call("POST", "/account/team/{user_id}/invitation", f"account/team/{user_id}/invitation")
    assert resent.status_code == 202, resent.text
    changed = call("PATCH", "/account/team/{user_id}", f"account/team/{user_id}", {"role": "comptable"})
    assert changed.status_code == 200 and changed.json()["member"]["role"] == "comptable"
    myself = me.json()["user_id"]
    last = call("PATCH", "/account/team/{user_id}", f"account/team/{myself}", {"active": False})
    assert last.status_code == 422 and last.json()["code"] == "last_admin"
    call("GET", "/account/team", "account/team")
    call("GET", "/account/activity", "account/activity")

    first = {**person, "creditor": "POLIRIS", "agency_id": DESCRIBED_AGENCY}
    nowhere = requests.post(
        portal.api("account/finance/invitations"), json=first, headers=finance, timeout=10
    )
    _conforms("account", "/account/finance/invitations", "post", nowhere)
    assert nowhere.status_code == 404

    reader = portal.session_cookie(agency_user(portal, "openapi-lecture@agence-exemple.fr", role="lecture"))
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    refusals = [
        ("disputes", "/disputes/creditors/{creditor}/disputes", "disputes/creditors/POLIRIS/disputes"),
        ("payments", "/payments/creditors/{creditor}/checkout", "payments/creditors/POLIRIS/checkout"),
        ("account", "/account/team/invitations", "account/team/invitations"),
    ]
    for area, path, url in refusals:
        body = {"invoice_numbers": [invoice["number"]], "reason": "other", "comment": "Non", **person}
        answer = requests.post(portal.api(url), json=body, headers=reader, timeout=10)
        _conforms(area, path, "post", answer)
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden_for_role", (url, answer.text)


def test_real_answers_of_a_payment_conform_to_their_description(portal: Portal, demo: dict[str, str]) -> None:
    """A payment started by the demo administrator, with who started it."""
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    started = requests.post(
        portal.api("payments/creditors/POLIRIS/checkout"),
        json={"invoice_numbers": [invoice["number"]]},
        headers=demo,
        timeout=10,
    )
    _conforms("payments", "/payments/creditors/{creditor}/checkout", "post", started)
    assert started.status_code == 201, started.text
    read = requests.get(
        portal.api(f"payments/creditors/POLIRIS/payments/{started.json()['payment_id']}"),
        headers=demo,
        timeout=10,
    )
    _conforms("payments", "/payments/creditors/{creditor}/payments/{payment_id}", "get", read)
    assert read.status_code == 200 and DEMO.email in read.json()["payer"]
    cancelled = requests.delete(
        portal.api(f"payments/creditors/POLIRIS/payments/{started.json()['payment_id']}"),
        headers=demo,
        timeout=30,
    )
    _conforms("payments", "/payments/creditors/{creditor}/payments/{payment_id}", "delete", cancelled)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = requests.delete(
        portal.api(f"payments/creditors/POLIRIS/payments/{started.json()['payment_id']}"),
        headers=demo,
        timeout=30,
    )
    _conforms("payments", "/payments/creditors/{creditor}/payments/{payment_id}", "delete", again)
    assert again.status_code == 409
