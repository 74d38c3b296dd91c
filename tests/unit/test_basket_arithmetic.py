"""The arithmetic of a basket: what each credit note gives, what the card pays, when it can be resumed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.money import Money
from mesfactures.domain.payments import PaidInvoice, Payment, PaymentStatus, credits_applied
from mesfactures.statement.statement import statement_query

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _payment(invoices: list[int], credits: list[int], **changes: object) -> Payment:
    payment = Payment(
        "01JPAYMENT0000000000000000",
        "AG-1001",
        Creditor.POLIRIS,
        "demo@agence-exemple.fr",
        tuple(PaidInvoice(f"FA-2026-00000{i}", Money(cents)) for i, cents in enumerate(invoices)),
        PaymentStatus.PENDING,
        NOW,
        checkout_url="https://checkout.stripe.com/c/pay/cs_test",
        credits=tuple(PaidInvoice(f"AV-2026-00000{i}", Money(cents)) for i, cents in enumerate(credits)),
    )
    return Payment(**{**payment.__dict__, **changes})


def test_a_credit_note_larger_than_the_basket_gives_only_what_is_owed() -> None:
    assert credits_applied(6_240, [("AV-2026-000168", 10_000)]) == (("AV-2026-000168", 6_240),)


def test_credit_notes_give_in_the_baskets_order_until_nothing_is_owed() -> None:
    available = [("AV-2026-000001", 5_000), ("AV-2026-000002", 8_000), ("AV-2026-000003", 1_000)]
    assert credits_applied(10_000, available) == (("AV-2026-000001", 5_000), ("AV-2026-000002", 5_000))


def test_credit_notes_smaller_than_the_basket_are_used_whole() -> None:
    available = [("AV-2026-000001", 2_000), ("AV-2026-000002", 1_500)]
    assert credits_applied(12_000, available) == tuple(available)


def test_the_card_pays_the_invoices_less_the_credit_and_no_line_is_negative() -> None:
    payment = _payment([12_000, 3_000], [4_000])
    assert payment.amount == Money(11_000)
    assert payment.card_lines() == [
        ("Facture FA-2026-000000 (avoir déduit)", 8_000),
        ("Facture FA-2026-000001", 3_000),
    ]
    assert not payment.paid_by_credit_alone


def test_a_basket_its_credit_covers_is_paid_by_credit_alone() -> None:
    payment = _payment([6_240], [6_240])
    assert (payment.amount, payment.credit_applied, payment.card_lines()) == (Money(0), Money(6_240), [])
    assert payment.paid_by_credit_alone
    assert payment.imputation_number == "IA-2026-00000000"


@pytest.mark.parametrize(
    ("changes", "resumable"),
    [
        ({}, True),
        ({"created_at": NOW - timedelta(minutes=29)}, True),
        ({"created_at": NOW - timedelta(minutes=30)}, False),
        ({"status": PaymentStatus.CANCELLED}, False),
        ({"status": PaymentStatus.SETTLED}, False),
        ({"checkout_url": None}, False),
    ],
)
def test_a_payment_can_be_resumed_only_while_pending_and_its_session_open(
    changes: dict[str, object], resumable: bool
) -> None:
    assert _payment([12_000], [], **changes).resumable(NOW) is resumable


@pytest.mark.parametrize(
    ("typed", "prefix", "part"),
    [
        ("000168", None, "000168"),
        ("2026-000168", None, "2026-000168"),
        ("168", None, "168"),
        ("av-2026-000168", "AV-2026-000168", None),
        (" fa-2026 ", "FA-2026", None),
    ],
)
def test_a_number_is_searched_by_its_beginning_or_by_the_digits_people_read(
    typed: str, prefix: str | None, part: str | None
) -> None:
    query = statement_query({"number": typed}, NOW.date())
    assert (query.number_prefix, query.number_part) == (prefix, part)
    assert not query.covers_every_open_item
