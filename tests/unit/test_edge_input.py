"""The HTTP edge refuses, with a 400 in the portal's error shape, what the input suite threw at it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.test import Client

from mesfactures.account.profile import write_to_service
from mesfactures.auth.sessions import Authenticator
from mesfactures.disputes.attachments import prepare_upload
from mesfactures.disputes.use_cases import parse_open_request
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidFields, InvalidInput
from mesfactures.domain.principal import AgencyUser
from mesfactures.http.edge import Edge
from mesfactures.payments.use_cases import parse_basket
from mesfactures.statement.statement import statement_query


def _no_authenticator() -> Authenticator:
    raise AssertionError("public routes verify no token")


def _echo_app() -> Chalice:
    app = Chalice(app_name="edge-under-test")
    edge = Edge(app, _no_authenticator)

    @app.route("/echo", methods=["POST"], content_types=["application/json"])
    @edge.public
    def echo() -> dict[str, Any]:
        return {"received": edge.json_body()}

    return app


def _post(body: bytes, content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    with Client(_echo_app()) as client:
        answer = client.http.post("/echo", body=body, headers={"Content-Type": content_type})
    return answer.status_code, json.loads(answer.body)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 50_000,  # deeper than the parser's recursion limit
        b'{"comment": "a\\ud800b"}',  # a lone surrogate: valid JSON, not storable text
        b'{"comment": "a\\u0000b"}',
        b'{"comment": "a\\u001bb"}',
        b'{"a\\udfff": "key"}',
        b'{"list": [{"deep": "\\u0007"}]}',
    ],
)
def test_json_that_is_not_storable_text_is_a_400(raw: bytes) -> None:
    status, body = _post(raw)
    assert status == 400
    assert body["code"] == "invalid_input" and body["message"]


def test_tabs_line_breaks_emoji_and_right_to_left_text_pass() -> None:
    text = "ligne 1\n\tligne 2\r\n😀 שלום e\u0301"
    status, body = _post(json.dumps({"comment": text}).encode())
    assert status == 200
    assert body == {"received": {"comment": text}}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_is_a_400_in_the_portal_shape(content_type: str) -> None:
    status, body = _post(b"comment=hello", content_type)
    assert status == 400
    assert body == {
        "code": "invalid_input",
        "message": "Le corps de la requête doit être du JSON (application/json).",
    }


def test_a_method_the_route_does_not_take_is_a_405_in_the_portal_shape() -> None:
    with Client(_echo_app()) as client:
        answer = client.http.get("/echo")
    assert answer.status_code == 405
    assert json.loads(answer.body)["code"] == "method_not_allowed"
    assert answer.headers["Allow"] == "POST"


@pytest.mark.parametrize("bound", ["from", "to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_statement_date_far_out_of_range_is_a_400(bound: str, day: str) -> None:
    with pytest.raises(InvalidInput):
        statement_query({"scope": "all", bound: day}, date(2026, 11, 29))


@pytest.mark.parametrize("number", ["#pk", ":v", "../FA-2026-000001", "FA-2026-000001\r\nX: y", "A" * 5000])
def test_a_document_number_that_is_not_one_is_a_400_before_any_lookup(number: str) -> None:
    with pytest.raises(InvalidInput):
        parse_basket({"invoice_numbers": [number]})
    with pytest.raises(InvalidInput):
        parse_basket({"invoice_numbers": ["FA-2026-000001"], "credit_note_numbers": [number]})
    with pytest.raises(InvalidInput):
        parse_open_request({"invoice_numbers": [number], "reason": "other", "comment": "x"})


@pytest.mark.parametrize("content_type", [["application/pdf"], {"application/pdf": 1}, None, 12])
def test_an_attachment_type_that_is_not_a_string_is_a_400(content_type: Any) -> None:
    body = {"filename": "a.pdf", "content_type": content_type, "size_bytes": 10}
    with pytest.raises(InvalidInput):
        prepare_upload(None, None, "AG-1001", Creditor.POLIRIS, body)  # type: ignore[arg-type]


@pytest.mark.parametrize("subject", ["Objet\r\nBcc: pirate@example.com", "Objet\nsuite", "Objet\r"])
def test_a_message_subject_with_a_line_break_is_refused_on_its_field(subject: str) -> None:
    user = AgencyUser("user-1", "demo@agence-exemple.fr", "AG-1001")
    body = {"service": "after_sales", "subject": subject, "body": "Bonjour"}
    with pytest.raises(InvalidFields) as refused:
        write_to_service(
            user,
            creditor=Creditor.POLIRIS,
            body=body,
            accounts=None,  # type: ignore[arg-type]
            changes=None,  # type: ignore[arg-type]
            context=None,  # type: ignore[arg-type]
        )
    assert set(refused.value.fields) == {"subject"}
