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
from tests.support import Portal

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


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
