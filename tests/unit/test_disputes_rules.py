"""The rules of disputes, and their e-mails, without any infrastructure."""

from __future__ import annotations

from typing import Any

import pytest

from mesfactures.disputes.use_cases import parse_open_request, parse_transition
from mesfactures.domain.disputes import DisputeStatus, check_transition
from mesfactures.domain.errors import BusinessRuleViolation, InvalidInput
from mesfactures.notifications.messages import (
    DisputeOpened,
    InvoiceLine,
    MailMessage,
    view_from_json,
    view_to_json,
)
from mesfactures.notifications.outbox import deliver
from mesfactures.notifications.rendering import RenderedMail, render_mail

S = DisputeStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.IN_REVIEW),
        (S.IN_REVIEW, S.WAITING_CUSTOMER),
        (S.WAITING_CUSTOMER, S.IN_REVIEW),
        (S.IN_REVIEW, S.RESOLVED_ACCEPTED),
        (S.OPEN, S.RESOLVED_REJECTED),
        (S.RESOLVED_ACCEPTED, S.CLOSED),
    ],
)
def test_the_finance_team_moves_a_dispute_along_its_states(
    current: DisputeStatus, target: DisputeStatus
) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.CLOSED),
        (S.OPEN, S.OPEN),
        (S.CLOSED, S.IN_REVIEW),
        (S.RESOLVED_REJECTED, S.IN_REVIEW),
        (S.IN_REVIEW, S.OPEN),
    ],
)
def test_a_dispute_cannot_jump_or_go_back(current: DisputeStatus, target: DisputeStatus) -> None:
    with pytest.raises(BusinessRuleViolation):
        check_transition(current, target)


def test_only_open_review_and_waiting_disputes_block_their_invoices() -> None:
    assert {status for status in S if status.is_active} == {S.OPEN, S.IN_REVIEW, S.WAITING_CUSTOMER}


GOOD = {
    "invoice_numbers": ["FA-2026-000001", "FA-2026-000002"],
    "reason": "wrong_amount",
    "comment": "Trop cher",
}


@pytest.mark.parametrize(
    "changes",
    [
        {"invoice_numbers": []},
        {"invoice_numbers": "FA-2026-000001"},
        {"invoice_numbers": ["FA-1", "FA-1"]},
        {"invoice_numbers": [f"FA-2026-{n:06d}" for n in range(21)]},
        {"reason": "because"},
        {"comment": " "},
        {"comment": "x" * 2001},
        {"amounts": {"FA-2026-000001": 10.5}},
        {"amounts": {"FA-2026-000001": -1}},
        {"amounts": {"FA-2026-000009": 100}},
        {"amounts": {"FA-2026-000001": True}},
    ],
)
def test_a_malformed_dispute_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        parse_open_request({**GOOD, **changes})


def test_a_transition_needs_a_known_status_and_a_comment() -> None:
    assert parse_transition({"to": "in_review", "comment": "Nous regardons."}) == (
        S.IN_REVIEW,
        "Nous regardons.",
    )
    for body in ({"to": "done", "comment": "x"}, {"to": "in_review"}, {"to": "in_review", "comment": ""}):
        with pytest.raises(InvalidInput):
            parse_transition(body)


VIEW = DisputeOpened(
    agency_name="L'Agence <Test>",
    agency_id="AG-1001",
    creditor_name="POLIRIS",
    reference="LIT-ABCDEFGH",
    reason="Montant erroné",
    comment='<script>alert("x")</script>\nDeuxième ligne',
    invoices=[InvoiceLine("FA-2026-000001", "120,00 €")],
    total="120,00 €",
    author="demo@agence-exemple.fr",
    link="http://127.0.0.1:8080/#/finance/litiges/01J",
)


def test_the_finance_mail_escapes_what_the_agency_typed_in_html_and_keeps_it_in_text() -> None:
    mail = render_mail(VIEW)
    assert mail.subject == "[POLIRIS] Nouveau litige LIT-ABCDEFGH — L'Agence <Test>"
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "L'agence <strong>&lt;Test&gt;</strong>" in mail.html
    assert '<script>alert("x")</script>' in mail.text
    assert "FA-2026-000001 : 120,00 € contestés" in mail.text


def test_a_view_survives_its_trip_through_the_outbox_as_json() -> None:
    assert view_from_json(VIEW.template, view_to_json(VIEW)) == VIEW


class _Outbox:
    def __init__(self) -> None:
        self.messages = {"m1": MailMessage("m1", ("finance@poliris.example",), VIEW)}
        self.sent: list[str] = []

    def pending(self, message_id: str) -> MailMessage | None:
        return None if message_id in self.sent else self.messages.get(message_id)

    def mark_sent(self, message_id: str) -> None:
        self.sent.append(message_id)


class _Mailer:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[tuple[tuple[str, ...], RenderedMail]] = []

    def send(self, recipients: tuple[str, ...], mail: RenderedMail) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SES is down")
        self.delivered.append((recipients, mail))


def test_a_failed_send_leaves_the_message_pending_and_a_replay_never_sends_twice() -> None:
    outbox, mailer = _Outbox(), _Mailer(failures=2)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            deliver(outbox, mailer, "m1")
        assert outbox.sent == []
    assert deliver(outbox, mailer, "m1") is True
    assert deliver(outbox, mailer, "m1") is False
    assert [recipients for recipients, _ in mailer.delivered] == [("finance@poliris.example",)]
