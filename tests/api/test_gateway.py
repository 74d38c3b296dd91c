"""The gateway: every service answers under /api/<area>/, every private route wants a session, the site
is served with its security headers."""

from __future__ import annotations

import http.client
import re

import pytest
import requests

from mesfactures.areas import API_AREAS as AREAS
from tests.support import Portal

# Routes anyone may call: logging in and out with their challenges, the forgotten password, the health
# checks, and Stripe's webhook (signed instead).
PUBLIC = {
    ("POST", "/account/session"),
    ("DELETE", "/account/session"),
    ("POST", "/account/session/new-password"),
    ("POST", "/account/session/totp"),
    ("POST", "/account/session/totp/setup"),
    ("GET", "/account/password/policy"),
    ("POST", "/account/password/forgot"),
    ("POST", "/account/password/reset"),
    ("POST", "/payments/stripe/webhook"),
} | {("GET", f"/{area}/health") for area in AREAS}


def _routes(portal: Portal) -> list[tuple[str, str]]:
    services = portal.running.server.gateway.services  # type: ignore[union-attr]
    return sorted(
        (method, path)
        for module in services.values()
        for path, methods in module.app.routes.items()
        for method in methods
    )


@pytest.mark.parametrize("area", AREAS)
def test_each_service_answers_its_health_check(portal: Portal, area: str) -> None:
    answer = requests.get(portal.api(f"{area}/health"), timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "service": area}


def test_every_route_but_the_public_ones_answers_401_without_a_session(portal: Portal) -> None:
    routes = _routes(portal)
    assert set(PUBLIC) <= set(routes)
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "PRESSIMMO", path)
        answer = requests.request(method, f"{portal.url}/api{concrete}", json={}, timeout=10)
        assert answer.status_code == 401, (method, path, answer.text)


def test_an_unknown_area_is_404(portal: Portal) -> None:
    assert requests.get(portal.api("billing/health"), timeout=10).status_code == 404


def test_the_site_is_served_with_a_strict_content_security_policy(portal: Portal) -> None:
    answer = requests.get(portal.url + "/", timeout=10)
    assert answer.status_code == 200
    assert '<html lang="fr">' in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_the_site_does_not_serve_files_outside_web(portal: Portal) -> None:
    # http.client sends the path as written (requests would resolve the dots before sending).
    port = portal.running.config.gateway_port
    for path in ("/../pyproject.toml", "/js/../../Makefile", "/..%2fpyproject.toml", "//etc/passwd"):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        answer = connection.getresponse()
        assert answer.status == 404, path
        assert b"[project]" not in answer.read()
        connection.close()


def test_no_answer_names_the_server_software(portal: Portal) -> None:
    """CloudFront and API Gateway do not say what runs behind them; neither does the local gateway."""
    answers = [
        requests.get(portal.url + "/", timeout=10),
        requests.get(portal.url + "/js/app.js", timeout=10),
        requests.get(portal.url + "/nowhere.html", timeout=10),
        requests.get(portal.api("statement/health"), timeout=10),
        requests.get(portal.api("statement/creditors/POLIRIS/entries"), timeout=10),
        requests.post(portal.url + "/", timeout=10),
    ]
    assert [answer.headers.get("Server") for answer in answers] == [None] * len(answers)


def test_a_missing_page_is_the_sites_own_404_page(portal: Portal) -> None:
    answer = requests.get(portal.url + "/factures/ancienne-adresse.html", timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Page introuvable</h1>" in answer.text and 'href="/"' in answer.text
