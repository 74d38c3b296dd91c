"""Informations compte and Nous contacter through the gateway."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support import DEMO, Portal, mails_to, together


def _profile(portal: Portal, cookie: dict[str, str], creditor: str) -> dict[str, Any]:
    answer = requests.get(portal.api(f"account/creditors/{creditor}/profile"), headers=cookie, timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _edit(profile: dict[str, Any], **billing: str) -> dict[str, Any]:
    editable = {key: value for key, value in profile["billing"].items()}
    editable.update(billing)
    return {"version": profile["version"], "main_contact": profile["main_contact"], "billing": editable}


def _send(portal: Portal, cookie: dict[str, str], creditor: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        portal.api(f"account/creditors/{creditor}/profile/changes"), json=body, headers=cookie, timeout=10
    )


def test_the_four_parts_of_the_account_show_the_iban_masked(portal: Portal, demo: dict[str, str]) -> None:
    profile = _profile(portal, demo, "PRESSIMMO")
    assert profile["main_contact"]["last_name"] == "Martin"
    assert profile["billing"]["postal_code"] == "69003"
    iban = profile["bank"]["iban_masked"]
    assert iban.endswith("0189") and "3000" not in iban and "iban" not in profile["bank"]
    assert profile["pending_change"] is None and isinstance(profile["version"], int)


def test_contact_and_billing_changes_apply_at_once_with_history_and_an_email(
    portal: Portal, demo: dict[str, str]
) -> None:
    profile = _profile(portal, demo, "POLIRIS")
    answer = _send(
        portal,
        demo,
        "POLIRIS",
        _edit(profile, phone="04 72 11 22 33", city="Villeurbanne", postal_code="69100"),
    )
    assert answer.status_code == 201, answer.text
    updated = answer.json()["profile"]
    assert updated["billing"]["phone"] == "+33472112233"
    assert updated["billing"]["city"] == "Villeurbanne" and updated["version"] == profile["version"] + 1
    history = requests.get(
        portal.api("account/creditors/POLIRIS/profile/changes"), headers=demo, timeout=10
    ).json()
    latest = history["changes"][0]
    assert (latest["status"], latest["requested_by"]) == ("applied", f"Claire Martin ({DEMO.email})")
    assert latest["before"]["Ville"] == "Lyon" and latest["after"]["Ville"] == "Villeurbanne"
    (mail,) = mails_to(portal, "finance@poliris.example", "Coordonnées modifiées")
    assert "Villeurbanne" in mail.body


def test_each_invalid_field_gets_its_own_french_message_and_nothing_is_saved(
    portal: Portal, demo: dict[str, str]
) -> None:
    profile = _profile(portal, demo, "PRESSIMMO")
    body = _edit(profile, email="compta@", postal_code="6900", phone="12", country="FR")
    body["bank"] = {
        "holder": "Agence",
        "bank_name": "Banque",
        "bic": "XYZ",
        "iban": "FR76 3000 6000 0112 3456 7890 188",
    }
    answer = _send(portal, demo, "PRESSIMMO", body)
    assert answer.status_code == 400
    fields = answer.json()["fields"]
    assert set(fields) == {"billing.email", "billing.postal_code", "billing.phone", "bank.bic", "bank.iban"}
    assert "5 chiffres" in fields["billing.postal_code"] and "clé de contrôle" in fields["bank.iban"]
    assert _profile(portal, demo, "PRESSIMMO") == profile


def test_two_tabs_the_second_send_is_refused_and_the_first_kept(portal: Portal, demo: dict[str, str]) -> None:
    profile = _profile(portal, demo, "BELLES_DEMEURES")
    first = _send(portal, demo, "BELLES_DEMEURES", _edit(profile, street="1 rue du Premier Onglet"))
    second = _send(portal, demo, "BELLES_DEMEURES", _edit(profile, street="2 rue du Second Onglet"))
    assert first.status_code == 201
    assert second.status_code == 409 and "autre onglet" in second.json()["message"]
    assert _profile(portal, demo, "BELLES_DEMEURES")["billing"]["street"] == "1 rue du Premier Onglet"


def test_simultaneous_sends_of_one_version_one_wins(portal: Portal, demo: dict[str, str]) -> None:
    profile = _profile(portal, demo, "BELLES_DEMEURES")
    streets = iter(range(3))

    def send() -> int:
        body = _edit(profile, street=f"{next(streets)} rue Concurrente")
        return _send(portal, demo, "BELLES_DEMEURES", body).status_code

    assert together(3, send) == [201, 409, 409]


NEW_BANK = {
    "holder": "Agence Exemple Immobilier",
    "bank_name": "Banque Populaire",
    "bic": "CCBPFRPPLYO",
    "iban": "FR14 2004 1010 0505 0001 3M02 606",
}


def test_a_bank_change_waits_for_finance_who_approves_it(
    portal: Portal, demo: dict[str, str], finance: dict[str, str]
) -> None:
    profile = _profile(portal, demo, "PRESSIMMO")
    answer = _send(portal, demo, "PRESSIMMO", {"version": profile["version"], "bank": NEW_BANK})
    assert answer.status_code == 201, answer.text
    pending = answer.json()["profile"]
    assert pending["bank"] == profile["bank"], "bank details never apply by themselves"
    assert pending["pending_change"]["bank"]["IBAN"].endswith("2606")
    again = _send(
        portal, demo, "PRESSIMMO", {"version": pending["version"], "bank": {**NEW_BANK, "bic": "AGRIFRPPXXX"}}
    )
    assert again.status_code == 409 and again.json()["code"] == "change_pending"
    (mail,) = mails_to(portal, "finance@pressimmo.example", "À valider")
    assert "3M02606" not in mail.body and "2606" in mail.body

    change_id = pending["pending_change"]["id"]
    queue = requests.get(
        portal.api("account/finance/changes"), params={"status": "pending"}, headers=finance, timeout=10
    ).json()["changes"]
    assert change_id in [c["id"] for c in queue]
    assert next(c for c in queue if c["id"] == change_id)["agency_name"] == "Agence Exemple Immobilier"
    detail = requests.get(
        portal.api(f"account/finance/changes/{change_id}"), headers=finance, timeout=10
    ).json()
    assert detail["requested_bank"]["iban"] == "FR1420041010050500013M02606"
    assert (
        requests.post(
            portal.api(f"account/finance/changes/{change_id}/decision"),
            json={"approve": True, "comment": "Vérifié par téléphone."},
            headers=demo,
            timeout=10,
        ).status_code
        == 403
    )
    decided = requests.post(
        portal.api(f"account/finance/changes/{change_id}/decision"),
        json={"approve": True, "comment": "Vérifié par téléphone."},
        headers=finance,
        timeout=10,
    )
    assert decided.status_code == 201 and decided.json()["status"] == "approved"
    after = _profile(portal, demo, "PRESSIMMO")
    assert after["bank"]["iban_masked"].endswith("2606") and after["bank"]["bic"] == "CCBPFRPPLYO"
    assert after["pending_change"] is None
    (told,) = mails_to(portal, "compta@ag-1001.example", "Vos coordonnées bancaires chez PRESSIMMO")
    assert "validé" in told.body
    twice = requests.post(
        portal.api(f"account/finance/changes/{change_id}/decision"),
        json={"approve": False, "comment": "Non"},
        headers=finance,
        timeout=10,
    )
    assert twice.status_code == 422


def test_a_rejected_bank_change_leaves_the_bank_details_as_they_were(
    portal: Portal, other: dict[str, str], finance: dict[str, str]
) -> None:
    profile = _profile(portal, other, "POLIRIS")
    change_id = _send(portal, other, "POLIRIS", {"version": profile["version"], "bank": NEW_BANK}).json()[
        "profile"
    ]["pending_change"]["id"]
    answer = requests.post(
        portal.api(f"account/finance/changes/{change_id}/decision"),
        json={"approve": False, "comment": "RIB non confirmé."},
        headers=finance,
        timeout=10,
    )
    assert answer.status_code == 201
    after = _profile(portal, other, "POLIRIS")
    assert after["bank"] == profile["bank"] and after["pending_change"] is None


def test_another_agencys_account_is_not_found(portal: Portal, other: dict[str, str]) -> None:
    for path in ("profile", "profile/changes", "contacts"):
        assert (
            requests.get(
                portal.api(f"account/creditors/BELLES_DEMEURES/{path}"), headers=other, timeout=10
            ).status_code
            == 404
        )
    assert _send(portal, other, "BELLES_DEMEURES", {"version": 1, "bank": NEW_BANK}).status_code == 404


def test_the_contact_page_lists_both_services_and_a_message_reaches_the_service_with_a_copy(
    portal: Portal, demo: dict[str, str]
) -> None:
    services = requests.get(portal.api("account/creditors/POLIRIS/contacts"), headers=demo, timeout=10).json()
    assert [s["code"] for s in services["services"]] == ["after_sales", "collections"]
    answer = requests.post(
        portal.api("account/creditors/POLIRIS/messages"),
        headers=demo,
        timeout=10,
        json={
            "service": "collections",
            "subject": "Échéancier",
            "body": "Pouvons-nous <b>étaler</b> le paiement ?",
            "documents": ["FA-2026-000701"],
        },
    )
    assert answer.status_code == 202
    (to_service,) = mails_to(portal, "recouvrement@poliris.example", "Échéancier")
    assert "FA-2026-000701" in to_service.body and "&lt;b&gt;étaler&lt;/b&gt;" in to_service.body
    (copy,) = mails_to(portal, DEMO.email, "Échéancier")
    assert "Copie du message" in copy.body
    outbox = {mail["id"]: mail for mail in requests.get(f"{portal.url}/_dev/mail.json", timeout=10).json()}
    assert outbox[to_service.message_id]["reply_to"] == [DEMO.email], (
        "the service's answer goes to the agency"
    )
    assert outbox[copy.message_id]["reply_to"] == []


def test_messages_are_rate_limited_per_user(portal: Portal, other: dict[str, str]) -> None:
    statuses = [
        requests.post(
            portal.api("account/creditors/PRESSIMMO/messages"),
            headers=other,
            timeout=10,
            json={"service": "after_sales", "subject": f"Question {n}", "body": "Bonjour"},
        ).status_code
        for n in range(7)
    ]
    assert statuses == [202] * 5 + [429] * 2


@pytest.mark.parametrize(
    "body",
    [
        {"service": "ceo", "subject": "x", "body": "y"},
        {"service": "after_sales", "subject": "", "body": "y"},
        {"service": "after_sales", "subject": "x", "body": "y" * 5001},
        {"service": "after_sales", "subject": "x", "body": "y", "documents": ["../etc"]},
    ],
)
def test_a_bad_message_is_refused_field_by_field(
    portal: Portal, demo: dict[str, str], body: dict[str, Any]
) -> None:
    answer = requests.post(
        portal.api("account/creditors/POLIRIS/messages"), json=body, headers=demo, timeout=10
    )
    assert answer.status_code == 400 and answer.json()["fields"]
