"""The HTTP contract is declared once (src/mesfactures/contract/): the published descriptions are generated
from it, and request bodies are checked against it at the edge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mesfactures.contract import check_body, declared_body
from mesfactures.contract.common import contracts
from mesfactures.contract.openapi import path_of, rendered
from mesfactures.domain.errors import InvalidFields, InvalidInput

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("contract", contracts(), ids=lambda contract: contract.area)
def test_each_published_description_is_the_one_its_declarations_generate(contract: Any) -> None:
    committed = path_of(ROOT, contract).read_text(encoding="utf-8")
    assert committed == rendered(contract), f"run `make openapi`: {path_of(ROOT, contract)} is out of date"


def _open_dispute(body: dict[str, Any]) -> dict[str, Any]:
    return check_body(body, declared_body("disputes", "POST", "/disputes/creditors/{creditor}/disputes"))


def test_a_well_formed_dispute_passes_the_edge_as_sent() -> None:
    body = {"invoice_numbers": ["FA-2026-000123"], "reason": "other", "comment": "Montant erroné"}
    assert _open_dispute(body) == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "other", "comment": "x"}, "invoice_numbers"),
        ({"invoice_numbers": "FA-2026-000123", "reason": "other", "comment": "x"}, "invoice_numbers"),
        ({"invoice_numbers": ["FA-2026-1"], "reason": "other", "comment": "x"}, "invoice_numbers[0]"),
        ({"invoice_numbers": [], "reason": "other", "comment": "x"}, "invoice_numbers"),
        ({"invoice_numbers": ["FA-2026-000123"] * 2, "reason": "other", "comment": "x"}, "invoice_numbers"),
        ({"invoice_numbers": ["FA-2026-000123"], "reason": "because", "comment": "x"}, "reason"),
        ({"invoice_numbers": ["FA-2026-000123"], "reason": "other", "comment": ""}, "comment"),
        ({"invoice_numbers": ["FA-2026-000123"], "reason": "other", "comment": "x" * 2001}, "comment"),
        ({"invoice_numbers": ["FA-2026-000123"], "reason": "other", "comment": 12}, "comment"),
        (
            {"invoice_numbers": ["FA-2026-000123"], "reason": "other", "comment": "x", "amounts": {"a": 0}},
            "amounts.a",
        ),
    ],
)
def test_a_dispute_off_its_declared_shape_is_refused_naming_the_field(
    body: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _open_dispute(body)
    assert refused.value.code == "invalid_input" and f"« {field} »" in refused.value.message


def test_a_number_where_a_count_is_expected_and_true_where_a_number_is_are_refused() -> None:
    declared = declared_body("disputes", "POST", "/disputes/creditors/{creditor}/attachments")
    for size in (True, 1.5, "12"):
        with pytest.raises(InvalidInput):
            check_body({"filename": "a.pdf", "content_type": "application/pdf", "size_bytes": size}, declared)


def test_a_form_answered_field_by_field_leaves_the_values_to_its_use_case() -> None:
    """The profile form words each field's message itself: the edge refuses only a wrong JSON type, on its
    field, and lets an empty or malformed value through to the use case."""
    declared = declared_body("account", "POST", "/account/creditors/{creditor}/profile/changes")
    assert check_body({"version": 1, "billing": {"postal_code": ""}}, declared)
    with pytest.raises(InvalidFields) as refused:
        check_body({"version": 1, "billing": {"postal_code": 69000, "city": ["Lyon"]}}, declared)
    assert set(refused.value.fields) == {"billing.postal_code", "billing.city"}


def test_a_password_too_short_is_left_to_the_use_case_that_names_the_rules_broken() -> None:
    declared = declared_body("account", "POST", "/account/session/new-password")
    assert check_body({"session": "handle", "new_password": "court"}, declared)


def test_a_team_change_must_say_what_changes() -> None:
    declared = declared_body("account", "PATCH", "/account/team/{user_id}")
    with pytest.raises(InvalidFields):
        check_body({}, declared)
    assert check_body({"active": False}, declared) == {"active": False}


def test_a_route_that_reads_a_body_it_does_not_declare_is_a_fault_of_the_code() -> None:
    with pytest.raises(LookupError):
        declared_body("disputes", "POST", "/disputes/creditors/{creditor}/nothing")
