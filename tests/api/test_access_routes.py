"""Access through the gateway: first sign-in with a temporary password, TOTP for finance, passwords, the
team and its roles, signing out of every device, and the activity journal."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import requests

from devstack.config import REGION
from tests.support import DEMO, Portal, agency_without_a_team, cookie_of, fresh_invoices, totp_code

STRONG = "Nouveau-Mdp-2026!"


def _cognito() -> Any:
    return boto3.client("cognito-idp", region_name=REGION)


def _post(
    portal: Portal, path: str, body: dict[str, Any], cookie: dict[str, str] | None = None
) -> requests.Response:
    return requests.post(portal.api(path), json=body, headers=cookie or {}, timeout=20)


def _invite(portal: Portal, admin: dict[str, str], email: str, role: str) -> dict[str, Any]:
    answer = _post(
        portal,
        "account/team/invitations",
        {"email": email, "first_name": "Léa", "last_name": "Roux", "role": role},
        admin,
    )
    assert answer.status_code == 201, answer.text
    member: dict[str, Any] = answer.json()["member"]
    return member


def _with_temporary_password(portal: Portal, email: str, password: str) -> None:
    """What Cognito's invitation mail carries, set by the operator's API (the mail is the local stack's)."""
    _cognito().admin_set_user_password(
        UserPoolId=portal.running.identity.user_pool_id, Username=email, Password=password, Permanent=False
    )


def _first_sign_in(portal: Portal, email: str) -> dict[str, str]:
    _with_temporary_password(portal, email, "Temporaire-2026!")
    asked = _post(portal, "account/session", {"username": email, "password": "Temporaire-2026!"})
    assert asked.status_code == 200 and asked.json()["challenge"] == "new_password"
    done = _post(
        portal, "account/session/new-password", {"session": asked.json()["session"], "new_password": STRONG}
    )
    assert done.status_code == 201, done.text
    return cookie_of(done)


def test_a_temporary_password_asks_for_a_new_one_before_any_session(
    portal: Portal, demo: dict[str, str]
) -> None:
    _invite(portal, demo, "premiere.connexion@agence-exemple.fr", "comptable")
    _with_temporary_password(portal, "premiere.connexion@agence-exemple.fr", "Temporaire-2026!")

    asked = _post(
        portal,
        "account/session",
        {"username": "premiere.connexion@agence-exemple.fr", "password": "Temporaire-2026!"},
    )

    assert asked.status_code == 200
    assert asked.json()["challenge"] == "new_password" and "Set-Cookie" not in asked.headers
    weak = _post(
        portal, "account/session/new-password", {"session": asked.json()["session"], "new_password": "court"}
    )
    assert weak.status_code == 400 and weak.json()["code"] == "invalid_password"
    assert any("majuscule" in rule for rule in weak.json()["rules"])
    done = _post(
        portal, "account/session/new-password", {"session": asked.json()["session"], "new_password": STRONG}
    )
    assert done.status_code == 201 and done.json()["user"]["role"] == "comptable"
    again = _post(
        portal, "account/session/new-password", {"session": asked.json()["session"], "new_password": STRONG}
    )
    assert again.status_code == 401 and again.json()["code"] == "challenge_expired"
    team = requests.get(portal.api("account/team"), headers=demo, timeout=10).json()["members"]
    assert {m["email"]: m["status"] for m in team}["premiere.connexion@agence-exemple.fr"] == "active"


def test_the_password_policy_is_served_before_typing(portal: Portal) -> None:
    policy = requests.get(portal.api("account/password/policy"), timeout=10).json()
    assert policy["min_length"] == 10
    assert {rule["code"] for rule in policy["rules"]} == {
        "length",
        "lowercase",
        "uppercase",
        "digit",
        "symbol",
    }


def test_a_reader_sees_but_cannot_pay_dispute_write_or_manage(portal: Portal, demo: dict[str, str]) -> None:
    _invite(portal, demo, "lecteur@agence-exemple.fr", "lecture")
    reader = _first_sign_in(portal, "lecteur@agence-exemple.fr")
    invoice = fresh_invoices("AG-1001", "POLIRIS", 1)[0]["number"]

    seen = requests.get(portal.api("statement/creditors/POLIRIS/entries"), headers=reader, timeout=10)
    refused = [
        _post(portal, "payments/creditors/POLIRIS/checkout", {"invoice_numbers": [invoice]}, reader),
        _post(
            portal,
            "disputes/creditors/POLIRIS/disputes",
            {"invoice_numbers": [invoice], "reason": "wrong_amount", "comment": "Montant faux"},
            reader,
        ),
        _post(
            portal,
            "account/creditors/POLIRIS/messages",
            {"service": "after_sales", "subject": "Bonjour", "body": "Question"},
            reader,
        ),
        requests.get(portal.api("account/team"), headers=reader, timeout=10),
        requests.get(portal.api("account/activity"), headers=reader, timeout=10),
    ]

    assert seen.status_code == 200
    assert [(a.status_code, a.json()["code"]) for a in refused] == [(403, "forbidden_for_role")] * 5
    me = requests.get(portal.api("account/me"), headers=reader, timeout=10).json()
    assert me["role"] == "lecture" and me["permissions"] == []


def test_an_accountant_cannot_change_bank_details(portal: Portal, demo: dict[str, str]) -> None:
    _invite(portal, demo, "comptable.banque@agence-exemple.fr", "comptable")
    accountant = _first_sign_in(portal, "comptable.banque@agence-exemple.fr")
    profile = requests.get(
        portal.api("account/creditors/PRESSIMMO/profile"), headers=accountant, timeout=10
    ).json()
    bank = {
        "holder": "Agence",
        "bank_name": "Banque",
        "bic": "BNPAFRPPXXX",
        "iban": "FR7630006000011234567890189",
    }

    answer = _post(
        portal,
        "account/creditors/PRESSIMMO/profile/changes",
        {"version": profile["version"], "bank": bank},
        accountant,
    )

    assert answer.status_code == 403 and answer.json()["code"] == "forbidden_for_role"
    after = requests.get(portal.api("account/creditors/PRESSIMMO/profile"), headers=demo, timeout=10).json()
    assert after["pending_change"] == profile["pending_change"]


def test_a_deactivated_user_is_refused_at_once_copies_of_the_cookie_included(
    portal: Portal, demo: dict[str, str]
) -> None:
    member = _invite(portal, demo, "desactive@agence-exemple.fr", "comptable")
    cookie = _first_sign_in(portal, "desactive@agence-exemple.fr")
    copy = dict(cookie)

    off = requests.patch(
        portal.api(f"account/team/{member['user_id']}"), json={"active": False}, headers=demo, timeout=10
    )

    assert off.status_code == 200 and off.json()["member"]["status"] == "deactivated"
    assert requests.get(portal.api("account/me"), headers=copy, timeout=10).status_code == 401
    signing_in = _post(
        portal, "account/session", {"username": "desactive@agence-exemple.fr", "password": STRONG}
    )
    assert signing_in.status_code == 401
    on = requests.patch(
        portal.api(f"account/team/{member['user_id']}"), json={"active": True}, headers=demo, timeout=10
    )
    assert on.status_code == 200
    assert (
        requests.get(portal.api("account/me"), headers=copy, timeout=10).status_code == 401
    )  # still refused
    back = _post(portal, "account/session", {"username": "desactive@agence-exemple.fr", "password": STRONG})
    assert back.status_code == 201


def test_a_role_change_applies_at_the_next_request(portal: Portal, demo: dict[str, str]) -> None:
    member = _invite(portal, demo, "promu@agence-exemple.fr", "lecture")
    cookie = _first_sign_in(portal, "promu@agence-exemple.fr")
    assert requests.get(portal.api("account/team"), headers=cookie, timeout=10).status_code == 403

    requests.patch(
        portal.api(f"account/team/{member['user_id']}"),
        json={"role": "administrateur"},
        headers=demo,
        timeout=10,
    )

    assert requests.get(portal.api("account/team"), headers=cookie, timeout=10).status_code == 200
    requests.patch(
        portal.api(f"account/team/{member['user_id']}"), json={"role": "lecture"}, headers=demo, timeout=10
    )
    assert requests.get(portal.api("account/team"), headers=cookie, timeout=10).status_code == 403


def test_the_last_active_administrator_cannot_be_demoted_or_deactivated(portal: Portal) -> None:
    admin = _cognito().admin_get_user(
        UserPoolId=portal.running.identity.user_pool_id, Username="autre@agence-exemple.fr"
    )
    user_id = {a["Name"]: a["Value"] for a in admin["UserAttributes"]}["sub"]
    other = portal.session_cookie(__import__("tests.support", fromlist=["OTHER"]).OTHER)

    demoted = requests.patch(
        portal.api(f"account/team/{user_id}"), json={"role": "comptable"}, headers=other, timeout=10
    )
    deactivated = requests.patch(
        portal.api(f"account/team/{user_id}"), json={"active": False}, headers=other, timeout=10
    )

    assert (demoted.status_code, demoted.json()["code"]) == (422, "last_admin")
    assert (deactivated.status_code, deactivated.json()["code"]) == (422, "last_admin")
    assert (
        requests.get(portal.api("account/me"), headers=other, timeout=10).json()["role"] == "administrateur"
    )


def test_an_email_with_an_account_cannot_be_invited_twice(portal: Portal, demo: dict[str, str]) -> None:
    answer = _post(
        portal,
        "account/team/invitations",
        {"email": "autre@agence-exemple.fr", "first_name": "A", "last_name": "B", "role": "lecture"},
        demo,
    )
    assert answer.status_code == 409 and answer.json()["code"] == "already_registered"
    bad = _post(
        portal, "account/team/invitations", {"email": "pas-un-mail", "first_name": "", "role": "chef"}, demo
    )
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {
        "email",
        "first_name",
        "last_name",
        "role",
    }


def test_signing_out_of_every_device_refuses_every_session_of_the_user(
    portal: Portal, demo: dict[str, str]
) -> None:
    _invite(portal, demo, "partout@agence-exemple.fr", "comptable")
    laptop = _first_sign_in(portal, "partout@agence-exemple.fr")
    phone = cookie_of(
        _post(portal, "account/session", {"username": "partout@agence-exemple.fr", "password": STRONG})
    )

    answer = requests.delete(portal.api("account/sessions"), headers=phone, timeout=10)

    assert answer.status_code == 204
    assert requests.get(portal.api("account/me"), headers=laptop, timeout=10).status_code == 401
    assert requests.get(portal.api("account/me"), headers=phone, timeout=10).status_code == 401


def test_changing_ones_password_needs_the_current_one(portal: Portal, demo: dict[str, str]) -> None:
    _invite(portal, demo, "change.mdp@agence-exemple.fr", "lecture")
    cookie = _first_sign_in(portal, "change.mdp@agence-exemple.fr")

    wrong = _post(
        portal, "account/password", {"current": "Pas-le-bon-2026!", "new": "Encore-Autre-2026!"}, cookie
    )
    right = _post(portal, "account/password", {"current": STRONG, "new": "Encore-Autre-2026!"}, cookie)

    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    assert right.status_code == 204
    new = _post(
        portal,
        "account/session",
        {"username": "change.mdp@agence-exemple.fr", "password": "Encore-Autre-2026!"},
    )
    assert new.status_code == 201


def test_a_forgotten_password_answers_alike_whether_the_identifier_exists_or_not(portal: Portal) -> None:
    known = _post(portal, "account/password/forgot", {"username": DEMO.email})
    unknown = _post(portal, "account/password/forgot", {"username": "personne@nulle-part.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_the_activity_journal_names_who_did_what_newest_first(portal: Portal, demo: dict[str, str]) -> None:
    member = _invite(portal, demo, "journal@agence-exemple.fr", "comptable")
    accountant = _first_sign_in(portal, "journal@agence-exemple.fr")
    invoice = fresh_invoices("AG-1001", "PRESSIMMO", 1)[0]["number"]
    opened = _post(
        portal,
        "disputes/creditors/PRESSIMMO/disputes",
        {"invoice_numbers": [invoice], "reason": "wrong_amount", "comment": "Montant contesté"},
        accountant,
    )
    assert opened.status_code == 201, opened.text

    mine = requests.get(
        portal.api("account/activity"), params={"user": member["user_id"]}, headers=demo, timeout=10
    )

    events = mine.json()["events"]
    assert [e["action"] for e in events] == ["dispute_opened"]
    assert events[0]["user_name"] == "Léa Roux" and events[0]["documents"] == [invoice]
    everyone = requests.get(portal.api("account/activity"), headers=demo, timeout=10).json()["events"]
    assert [e["at"] for e in everyone] == sorted((e["at"] for e in everyone), reverse=True)
    assert any(e["action"] == "member_invited" and "journal@" in e["detail"] for e in everyone)
    history = requests.get(
        portal.api(f"disputes/creditors/PRESSIMMO/disputes/{opened.json()['id']}"), headers=demo, timeout=10
    )
    assert "Léa Roux" in history.json()["history"][0]["author"]


def test_finance_invites_the_first_administrator_of_an_agency_it_bills(
    portal: Portal, finance: dict[str, str]
) -> None:
    agency_without_a_team("AG-7300", "Agence Sans Équipe")
    body = {
        "creditor": "POLIRIS",
        "agency_id": "AG-7300",
        "email": "premier.admin@agence-autre.fr",
        "first_name": "Paul",
        "last_name": "Henry",
    }

    invited = _post(portal, "account/finance/invitations", body, finance)
    unknown = _post(
        portal, "account/finance/invitations", {**body, "agency_id": "AG-9999", "email": "x@y.fr"}, finance
    )

    assert invited.status_code == 201 and invited.json()["member"]["role"] == "administrateur"
    assert unknown.status_code == 404
    # Once an administrator has come in, finance can no longer make anyone (itself included) one.
    _first_sign_in(portal, "premier.admin@agence-autre.fr")
    second = _post(
        portal, "account/finance/invitations", {**body, "email": "intrus@agence-autre.fr"}, finance
    )
    billed = _post(
        portal, "account/finance/invitations", {**body, "agency_id": "AG-2002", "email": "y@z.fr"}, finance
    )
    assert [(a.status_code, a.json()["code"]) for a in (second, billed)] == [
        (409, "agency_has_administrator")
    ] * 2


def test_a_finance_user_must_set_up_totp_then_use_it(portal: Portal) -> None:
    cognito, pool = _cognito(), portal.running.identity.user_pool_id
    email = "finance-totp@mesfactures.example"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "custom:creditors", "Value": "POLIRIS"}],
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=STRONG, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="finance")

    setup = _post(portal, "account/session", {"username": email, "password": STRONG})

    assert (
        setup.status_code == 200
        and setup.json()["challenge"] == "totp_setup"
        and "Set-Cookie" not in setup.headers
    )
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/")
    wrong = _post(
        portal, "account/session/totp/setup", {"session": setup.json()["session"], "code": "000000"}
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_code"
    done = _post(
        portal,
        "account/session/totp/setup",
        {"session": setup.json()["session"], "code": totp_code(setup.json()["secret"])},
    )
    assert done.status_code == 201
    later = _post(portal, "account/session", {"username": email, "password": STRONG})
    assert later.status_code == 200 and later.json()["challenge"] == "totp"
    signed = _post(
        portal,
        "account/session/totp",
        {"session": later.json()["session"], "code": totp_code(setup.json()["secret"])},
    )
    assert signed.status_code == 201


@pytest.mark.parametrize(
    "route", ["account/session/new-password", "account/session/totp", "account/session/totp/setup"]
)
def test_a_made_up_challenge_handle_is_refused(portal: Portal, route: str) -> None:
    body = {"session": "invente", "new_password": STRONG, "code": "123456"}
    answer = _post(portal, route, body)
    assert answer.status_code == 401 and answer.json()["code"] == "challenge_expired"


def test_an_administrator_turns_on_totp_for_themselves_and_is_asked_for_a_code_from_then_on(
    portal: Portal, demo: dict[str, str]
) -> None:
    _invite(portal, demo, "admin.totp@agence-exemple.fr", "administrateur")
    admin = _first_sign_in(portal, "admin.totp@agence-exemple.fr")

    wrong = _post(portal, "account/totp", {"password": "Pas-le-bon-2026!"}, admin)
    started = _post(portal, "account/totp", {"password": STRONG}, admin)

    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    assert started.status_code == 200 and started.json()["otpauth_uri"].startswith("otpauth://totp/")
    code = totp_code(started.json()["secret"])
    assert (
        _post(
            portal, "account/totp/verify", {"session": started.json()["session"], "code": code}, admin
        ).status_code
        == 204
    )
    asked = _post(portal, "account/session", {"username": "admin.totp@agence-exemple.fr", "password": STRONG})
    assert asked.status_code == 200 and asked.json()["challenge"] == "totp"
    again = _post(portal, "account/totp", {"password": STRONG}, admin)
    assert (again.status_code, again.json()["code"]) == (422, "totp_already_enabled")


def test_only_administrators_may_turn_on_totp(portal: Portal, demo: dict[str, str]) -> None:
    _invite(portal, demo, "compta.totp@agence-exemple.fr", "comptable")
    accountant = _first_sign_in(portal, "compta.totp@agence-exemple.fr")
    answer = _post(portal, "account/totp", {"password": STRONG}, accountant)
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden_for_role")
