"""Sessions and the signed-in user, through the gateway, as the browser calls them."""

from __future__ import annotations

import pytest
import requests

from tests.support import DEMO, FINANCE, OTHER, Portal


def _log_in(portal: Portal, username: str, password: str) -> requests.Response:
    return requests.post(
        portal.api("account/session"), json={"username": username, "password": password}, timeout=10
    )


def test_logging_in_sets_a_session_cookie_the_page_cannot_read(portal: Portal) -> None:
    answer = _log_in(portal, DEMO.email, DEMO.password)
    assert answer.status_code == 201
    cookie = answer.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")}
    assert {"HttpOnly", "Secure", "SameSite", "Path", "Max-Age"} <= attributes
    assert "SameSite=Strict" in cookie and "Path=/api" in cookie
    assert answer.json()["user"]["agency"] == {"id": "AG-1001", "name": "Agence Exemple Immobilier"}


def test_a_wrong_password_gets_a_clear_message_and_no_session(portal: Portal) -> None:
    answer = _log_in(portal, DEMO.email, "Mauvais-2026!")
    assert answer.status_code == 401
    assert answer.json() == {
        "code": "invalid_credentials",
        "message": "Identifiant ou mot de passe incorrect.",
    }
    assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"username": "x"}', "application/json"),
        (b"not json", "application/json"),
        (b'["a", "b"]', "application/json"),
        (b"username=x&password=y", "application/x-www-form-urlencoded"),
        (b'{"username": 1, "password": 2}', "application/json"),
    ],
)
def test_a_malformed_login_is_bad_input(portal: Portal, body: bytes, content_type: str) -> None:
    answer = requests.post(
        portal.api("account/session"), data=body, headers={"Content-Type": content_type}, timeout=10
    )
    assert answer.status_code in (400, 415)
    assert "Set-Cookie" not in answer.headers


def test_me_describes_the_agency_and_its_creditors(portal: Portal) -> None:
    me = requests.get(portal.api("account/me"), headers=portal.session_cookie(OTHER), timeout=10).json()
    assert me["role"] == "administrateur"
    assert "team" in me["permissions"]
    assert me["agency"]["id"] == "AG-2002"
    assert [c["code"] for c in me["creditors"]] == ["PRESSIMMO", "POLIRIS"]


def test_the_finance_user_is_told_they_are_finance(portal: Portal) -> None:
    me = requests.get(portal.api("account/me"), headers=portal.session_cookie(FINANCE), timeout=10).json()
    assert me["role"] == "finance"
    assert me["agency"] is None
    assert len(me["creditors"]) == 3


def test_logging_out_expires_the_cookie(portal: Portal) -> None:
    answer = requests.delete(portal.api("account/session"), headers=portal.session_cookie(DEMO), timeout=10)
    assert answer.status_code == 204
    assert "Max-Age=0" in answer.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "cookie",
    ["", "mf_session=", "mf_session=abc", "mf_session=a.b.c", "other=1", 'mf_session="x;y"'],
)
def test_a_missing_or_broken_session_is_401(portal: Portal, cookie: str) -> None:
    answer = requests.get(portal.api("account/me"), headers={"Cookie": cookie}, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"
