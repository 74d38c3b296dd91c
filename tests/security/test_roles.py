"""The role matrix: every route × each role (lecture, comptable, administrateur, finance), answered as the
roles say (docs/access.md). A route missing from the matrix fails `test_the_matrix_covers_every_route`."""

from __future__ import annotations

import importlib.util
from typing import Any

import boto3
import pytest
import requests

from devstack.config import REGION
from devstack.provisioning import DemoUser, ensure_user
from tests.security.conftest import AttackLog
from tests.security.descriptions import AREAS, ROOT
from tests.security.users import agency_user
from tests.support import Portal

ROLES = ("lecture", "comptable", "administrateur", "finance")
EVERYONE = set(ROLES)
AGENCY = {"lecture", "comptable", "administrateur"}
ACCOUNTANT = {"comptable", "administrateur"}
ADMIN = {"administrateur"}
FINANCE_ONLY = {"finance"}
PUBLIC: set[str] = set()  # no session needed: not part of the role matrix

# (method, route) → the roles allowed; every other role gets 403.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/statement/health"): PUBLIC,
    ("GET", "/statement/lifecycle-statuses"): AGENCY,
    ("GET", "/statement/creditors/{creditor}/entries"): AGENCY,
    ("GET", "/statement/creditors/{creditor}/summary"): AGENCY,
    ("GET", "/statement/creditors/{creditor}/documents/{number}"): AGENCY,
    ("GET", "/statement/creditors/{creditor}/documents/{number}/lifecycle"): AGENCY,
    ("GET", "/statement/creditors/{creditor}/export.csv"): AGENCY,
    ("GET", "/statement/creditors/{creditor}/statement.pdf"): AGENCY,
    ("GET", "/disputes/health"): PUBLIC,
    ("POST", "/disputes/creditors/{creditor}/disputes"): ACCOUNTANT,
    ("GET", "/disputes/creditors/{creditor}/disputes"): AGENCY,
    ("GET", "/disputes/creditors/{creditor}/disputes/{dispute_id}"): AGENCY,
    ("POST", "/disputes/creditors/{creditor}/disputes/{dispute_id}/comments"): ACCOUNTANT,
    ("POST", "/disputes/creditors/{creditor}/attachments"): ACCOUNTANT,
    ("GET", "/disputes/creditors/{creditor}/disputes/{dispute_id}/attachments/{attachment_id}"): AGENCY,
    ("GET", "/disputes/finance/disputes"): FINANCE_ONLY,
    ("GET", "/disputes/finance/disputes/{dispute_id}"): FINANCE_ONLY,
    ("GET", "/disputes/finance/disputes/{dispute_id}/attachments/{attachment_id}"): FINANCE_ONLY,
    ("POST", "/disputes/finance/disputes/{dispute_id}/transitions"): FINANCE_ONLY,
    ("GET", "/payments/health"): PUBLIC,
    ("POST", "/payments/creditors/{creditor}/checkout"): ACCOUNTANT,
    ("GET", "/payments/creditors/{creditor}/payments/{payment_id}"): AGENCY,
    ("DELETE", "/payments/creditors/{creditor}/payments/{payment_id}"): ACCOUNTANT,
    ("POST", "/payments/stripe/webhook"): PUBLIC,
    ("GET", "/payments/finance/lifecycle-messages"): FINANCE_ONLY,
    ("GET", "/account/health"): PUBLIC,
    ("POST", "/account/session"): PUBLIC,
    ("DELETE", "/account/session"): PUBLIC,
    ("POST", "/account/session/new-password"): PUBLIC,
    ("POST", "/account/session/totp"): PUBLIC,
    ("POST", "/account/session/totp/setup"): PUBLIC,
    ("GET", "/account/password/policy"): PUBLIC,
    ("POST", "/account/password/forgot"): PUBLIC,
    ("POST", "/account/password/reset"): PUBLIC,
    ("DELETE", "/account/sessions"): EVERYONE,
    ("POST", "/account/password"): EVERYONE,
    ("GET", "/account/me"): EVERYONE,
    ("POST", "/account/totp"): ADMIN,
    ("POST", "/account/totp/verify"): ADMIN,
    ("GET", "/account/team"): ADMIN,
    ("POST", "/account/team/invitations"): ADMIN,
    ("POST", "/account/team/{user_id}/invitation"): ADMIN,
    ("PATCH", "/account/team/{user_id}"): ADMIN,
    ("GET", "/account/activity"): ADMIN,
    ("GET", "/account/creditors/{creditor}/profile"): AGENCY,
    ("POST", "/account/creditors/{creditor}/profile/changes"): ACCOUNTANT,
    ("GET", "/account/creditors/{creditor}/profile/changes"): AGENCY,
    ("GET", "/account/creditors/{creditor}/contacts"): AGENCY,
    ("POST", "/account/creditors/{creditor}/messages"): ACCOUNTANT,
    ("GET", "/account/finance/changes"): FINANCE_ONLY,
    ("GET", "/account/finance/changes/{change_id}"): FINANCE_ONLY,
    ("POST", "/account/finance/changes/{change_id}/decision"): FINANCE_ONLY,
    ("POST", "/account/finance/invitations"): FINANCE_ONLY,
}
PARAMETERS = {
    "creditor": "POLIRIS",
    "number": "FA-2026-999999",
    "dispute_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ",
    "attachment_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ",
    "payment_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ",
    "change_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ",
    "user_id": "inconnu",
}


def _routes() -> set[tuple[str, str]]:
    found = set()
    for area in AREAS:
        spec = importlib.util.spec_from_file_location(
            f"roles_check_{area}", ROOT / "services" / area / "app.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found |= {(method, path) for path, entries in module.app.routes.items() for method in entries}
    return found


@pytest.fixture(scope="module")
def cookies(portal: Portal) -> dict[str, dict[str, str]]:
    """Users of the matrix's own: it signs each of them out of every device, which must not end the demo
    users' sessions other suites hold."""
    users = {role: agency_user(portal, f"matrice-{role}@agence-exemple.fr", role) for role in AGENCY}
    finance = DemoUser("matrice-finance@mesfactures.example", "Matrice-2026!", finance_creditors=("POLIRIS",))
    ensure_user(
        boto3.client("cognito-idp", region_name=REGION), portal.running.identity.user_pool_id, finance
    )
    return {
        **{role: portal.session_cookie(user) for role, user in users.items()},
        "finance": portal.session_cookie(finance),
    }


def _call(portal: Portal, cookie: dict[str, str], method: str, route: str) -> requests.Response:
    path = route.format(**{name: PARAMETERS[name] for name in PARAMETERS if f"{{{name}}}" in route})
    # An empty body: whatever the role may do, nothing is changed by it (400 or 404 at most).
    body: Any = {} if method in ("POST", "PATCH") else None
    return requests.request(method, portal.api(path.lstrip("/")), json=body, headers=cookie, timeout=20)


def test_the_matrix_covers_every_route() -> None:
    assert _routes() == set(MATRIX)


def test_every_route_answers_each_role_as_the_matrix_says(
    portal: Portal, cookies: dict[str, dict[str, str]], attacks: AttackLog
) -> None:
    failures = []
    # Signing out of every device last: it ends the sessions the other calls use.
    ordered = sorted((key for key, roles in MATRIX.items() if roles), key=lambda key: key[0] == "DELETE")
    for method, route in ordered:
        for role in ROLES:
            answer = _call(portal, cookies[role], method, route)
            allowed = role in MATRIX[(method, route)]
            refused = answer.status_code == 403
            if allowed == refused or answer.status_code in (401, 500):
                failures.append(f"{role} {method} {route}: {answer.status_code} {answer.text[:80]}")
            elif (
                refused
                and role in AGENCY
                and MATRIX[(method, route)] <= AGENCY
                and answer.json()["code"] != "forbidden_for_role"
            ):
                failures.append(f"{role} {method} {route}: 403 {answer.json()['code']}")
    attacks.record("roles: route × role", len(ordered) * len(ROLES), failures)
    assert failures == [], "\n".join(failures)
