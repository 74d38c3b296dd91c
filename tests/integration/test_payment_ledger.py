"""The payments' money rules as DynamoDB Local enforces them: a credit note's remaining balance is taken
under a condition (never spent twice), a cancellation frees everything in one transaction, a lock that
lapsed and was taken by another payment is left to it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import PaymentInProgress
from mesfactures.domain.ids import new_id
from mesfactures.domain.money import Money
from mesfactures.domain.payments import PaidInvoice, Payment, PaymentStatus
from mesfactures.notifications.messages import InvoiceLine, MailMessage, PaymentReceipt
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem
from tests.support import Portal, fresh_invoices

CREDITOR = Creditor.PRESSIMMO


def _payment(
    invoice: str, balance: int, credits: dict[str, int], created_at: datetime | None = None
) -> Payment:
    return Payment(
        new_id(),
        "AG-1001",
        CREDITOR,
        "demo@agence-exemple.fr",
        (PaidInvoice(invoice, Money(balance)),),
        PaymentStatus.PENDING,
        created_at or datetime.now(UTC),
        credits=tuple(PaidInvoice(number, Money(cents)) for number, cents in credits.items()),
    )


def _item(number: str) -> EntryItem:
    return EntryItem.get(keys.account_pk("AG-1001", CREDITOR), keys.document_sk(number), consistent_read=True)


def _receipt(payment: Payment) -> MailMessage:
    view = PaymentReceipt(
        "Agence Exemple",
        "PRESSIMMO",
        payment.imputation_number,
        "30/11/2026",
        [InvoiceLine("x", "0,00 €")],
        "0,00 €",
        "http://127.0.0.1",
        by_card=False,
    )
    return MailMessage(new_id(), (payment.payer,), view)


def test_a_credit_note_read_by_two_baskets_is_taken_by_one_only(portal: Portal) -> None:
    first, second = (i["number"] for i in fresh_invoices("AG-1001", CREDITOR.value, 2, amount_cents=8_000))
    (credit,) = fresh_invoices("AG-1001", CREDITOR.value, 1, amount_cents=10_000, credit_notes=True)
    payments, until = wiring.payments(), datetime.now(UTC) + timedelta(minutes=35)
    as_read = {credit["number"]: -10_000}  # both baskets priced from the same reading
    payments.lock(_payment(first, 8_000, {credit["number"]: 8_000}), until, None, as_read)
    with pytest.raises(PaymentInProgress):
        payments.lock(_payment(second, 8_000, {credit["number"]: 8_000}), until, None, as_read)
    assert int(_item(credit["number"]).balance_cents) == -2_000
    assert _item(second).payment_lock is None, "the refused basket locked nothing"


def test_baskets_settled_by_credit_at_the_same_instant_never_overspend_it(portal: Portal) -> None:
    invoices = [i["number"] for i in fresh_invoices("AG-1001", CREDITOR.value, 4, amount_cents=3_000)]
    (credit,) = fresh_invoices("AG-1001", CREDITOR.value, 1, amount_cents=10_000, credit_notes=True)
    payments, start, outcomes = wiring.payments(), threading.Barrier(4), []

    def settle(invoice: str) -> None:
        payment = _payment(invoice, 3_000, {credit["number"]: 3_000})
        payment = Payment(**{**payment.__dict__, "status": PaymentStatus.SETTLED})
        start.wait()
        try:
            payments.settle_with_credit(payment, {credit["number"]: -10_000}, _receipt(payment))
            outcomes.append("settled")
        except PaymentInProgress:
            outcomes.append("refused")

    threads = [threading.Thread(target=settle, args=(invoice,)) for invoice in invoices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settled = outcomes.count("settled")
    assert len(outcomes) == 4 and 1 <= settled <= 3, outcomes
    assert int(_item(credit["number"]).balance_cents) == -10_000 + 3_000 * settled
    assert sum(int(_item(number).balance_cents) == 0 for number in invoices) == settled


def test_using_a_credit_note_whole_closes_it_and_using_it_in_part_keeps_it_open(portal: Portal) -> None:
    whole, part = (
        c["number"] for c in fresh_invoices("AG-1001", CREDITOR.value, 2, 5_000, credit_notes=True)
    )
    (invoice,) = fresh_invoices("AG-1001", CREDITOR.value, 1, amount_cents=12_000)
    until = datetime.now(UTC) + timedelta(minutes=35)
    payment = _payment(invoice["number"], 12_000, {whole: 5_000, part: 3_000})
    wiring.payments().lock(payment, until, None, {whole: -5_000, part: -5_000})
    closed, opened = _item(whole), _item(part)
    assert (int(closed.balance_cents), closed.status, closed.open_sk is None) == (0, "applied", True)
    assert (int(opened.balance_cents), opened.status) == (-2_000, "open") and opened.open_sk


def test_a_cancellation_frees_the_invoice_and_gives_back_the_credit_in_one_go(portal: Portal) -> None:
    (invoice,) = fresh_invoices("AG-1001", CREDITOR.value, 1, amount_cents=12_000)
    (credit,) = fresh_invoices("AG-1001", CREDITOR.value, 1, amount_cents=2_000, credit_notes=True)
    payments, now = wiring.payments(), datetime.now(UTC)
    payment = _payment(invoice["number"], 12_000, {credit["number"]: 2_000})
    payments.lock(payment, now + timedelta(minutes=35), None, {credit["number"]: -2_000})
    assert payments.cancel(payment, now) is True
    assert payments.cancel(payment, now) is False, "cancelled once"
    freed, back = _item(invoice["number"]), _item(credit["number"])
    assert freed.payment_lock is None and freed.payment_lock_until is None
    assert (int(back.balance_cents), back.status, back.open_sk is not None) == (-2_000, "open", True)
    assert payments.payment("AG-1001", CREDITOR, payment.payment_id).status is PaymentStatus.CANCELLED


def test_ending_a_payment_leaves_alone_a_lock_another_payment_took_after_it_lapsed(portal: Portal) -> None:
    (invoice,) = fresh_invoices("AG-1001", CREDITOR.value, 1, amount_cents=4_000)
    payments, now = wiring.payments(), datetime.now(UTC)
    old = _payment(invoice["number"], 4_000, {}, created_at=now - timedelta(hours=1))
    payments.lock(old, now - timedelta(minutes=20))  # its lock lapsed 20 minutes ago
    new = _payment(invoice["number"], 4_000, {})
    payments.lock(new, now + timedelta(minutes=35))
    assert payments.release(old, PaymentStatus.EXPIRED, None, now) is True
    assert _item(invoice["number"]).payment_lock == new.payment_id
