"""Règlement, the use cases alone against fakes of their ports: a basket priced from the ledger and locked,
and what each of Stripe's events does to it. The same rules hold on DynamoDB (tests/contract)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mesfactures.domain.errors import (
    BusinessRuleViolation,
    InvalidInput,
    InvoiceAlreadyPaid,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
    PaymentUnavailable,
)
from mesfactures.domain.ledger import EntryStatus, EntryType
from mesfactures.domain.money import Money
from mesfactures.domain.payments import CheckoutEvent, Payment, PaymentStatus
from mesfactures.domain.team import Action
from mesfactures.notifications.messages import PaymentReceipt
from mesfactures.payments.use_cases import (
    handle_event,
    payment_of_account,
    receive_stripe_event,
    start_checkout,
)
from tests.builders import (
    ACCOUNTANT,
    AGENCY,
    CREDITOR,
    OTHER_AGENCY,
    credit_note,
    invoice,
    ledger_with_accounts,
)
from tests.fakes import FakeEventSource, FakeGateway, FakeLedger, FakePayments


class Checkout:
    """One agency's account with open invoices, and the ports of the payment use cases over it."""

    def __init__(self) -> None:
        self.ledger: FakeLedger = ledger_with_accounts()
        self.payments = FakePayments(self.ledger)
        self.gateway = FakeGateway()
        for entry in (
            invoice("FA-2026-000101", 12_000),
            invoice("FA-2026-000102", 9_000, balance=5_000),
            invoice("FA-2026-000103", 3_000, balance=0),
            invoice("FA-2026-000104", 4_000, dispute_id="01JDISPUTE0000000000000000"),
            credit_note("AV-2026-000201", 2_500),
            credit_note("AV-2026-000202", 1_000, balance=0),
            credit_note("AV-2026-000203", 50_000),
            invoice("FA-2026-000901", 7_000, agency_id=OTHER_AGENCY),
        ):
            self.ledger.add_entry(entry)

    def start(self, *numbers: str, credits: tuple[str, ...] = ()) -> Payment:
        return start_checkout(
            ACCOUNTANT,
            creditor=CREDITOR,
            basket=(numbers, credits),
            entries=self.ledger,
            payments=self.payments,
            gateway=self.gateway,
            context=self.ledger.clock,
        )

    def event(self, payment: Payment, kind: str, **given: object) -> str:
        fields: dict[str, object] = {
            "event_id": f"evt_{len(self.ledger.events)}_{kind}",
            "type": kind,
            "session_id": payment.checkout_session_id or "",
            "payment_status": "paid",
            "payment_id": payment.payment_id,
            "agency_id": payment.agency_id,
            "creditor": payment.creditor.value,
            "payment_intent": f"pi_{payment.payment_id}",
            "amount_total": payment.amount.cents,
            "currency": "eur",
        }
        event = CheckoutEvent(**{**fields, **given})  # type: ignore[arg-type]
        return self.handle(event)

    def handle(self, event: CheckoutEvent) -> str:
        return handle_event(
            event,
            payments=self.payments,
            agencies=self.ledger,
            entries=self.ledger,
            context=self.ledger.clock,
        )

    def balance(self, number: str) -> int:
        return self.ledger.entry(AGENCY, CREDITOR, number).balance.cents

    def status(self, payment: Payment) -> PaymentStatus:
        return self.payments.payment(AGENCY, CREDITOR, payment.payment_id).status


@pytest.fixture
def account() -> Checkout:
    return Checkout()


def test_the_card_pays_what_the_ledger_says_is_still_due(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", "FA-2026-000102")
    assert payment.amount == Money(12_000 + 5_000)
    assert [(i.number, i.amount.cents) for i in payment.invoices] == [
        ("FA-2026-000101", 12_000),
        ("FA-2026-000102", 5_000),
    ]
    assert payment.checkout_url == f"https://pay.example/{payment.payment_id}"


def test_stripe_sends_the_payer_back_to_the_payment_page_of_the_site(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    back = f"https://portail.example/#/c/POLIRIS/reglement/{payment.payment_id}"
    assert account.gateway.opened == [(payment.payment_id, back, f"{back}?annule=1")]


def test_a_credit_note_offset_lowers_what_the_card_pays(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    assert payment.amount == Money(12_000 - 2_500)


def test_credit_notes_that_cover_the_whole_basket_are_refused_and_lock_nothing(account: Checkout) -> None:
    with pytest.raises(BusinessRuleViolation):
        account.start("FA-2026-000101", credits=("AV-2026-000203",))
    assert account.ledger.entry(AGENCY, CREDITOR, "FA-2026-000101").payment_lock is None
    assert account.start("FA-2026-000101").amount == Money(12_000)


@pytest.mark.parametrize("number", ["FA-2026-000999", "FA-2026-000901", "AV-2026-000201"])
def test_an_unknown_invoice_another_agencys_or_a_credit_note_is_not_an_invoice_to_pay(
    account: Checkout, number: str
) -> None:
    with pytest.raises(NotFound):
        account.start(number)


def test_a_paid_invoice_cannot_be_paid_again(account: Checkout) -> None:
    with pytest.raises(InvoiceAlreadyPaid):
        account.start("FA-2026-000103")


def test_a_disputed_invoice_cannot_be_paid(account: Checkout) -> None:
    with pytest.raises(InvoiceInDispute):
        account.start("FA-2026-000104")


def test_a_used_credit_note_or_an_invoice_cannot_be_offset(account: Checkout) -> None:
    with pytest.raises(InvoiceAlreadyPaid):
        account.start("FA-2026-000101", credits=("AV-2026-000202",))
    with pytest.raises(NotFound):
        account.start("FA-2026-000101", credits=("FA-2026-000102",))


def test_an_invoice_in_a_basket_being_paid_cannot_go_in_a_second_one(account: Checkout) -> None:
    account.start("FA-2026-000101", credits=("AV-2026-000201",))
    with pytest.raises(PaymentInProgress):
        account.start("FA-2026-000101")
    with pytest.raises(PaymentInProgress):
        account.start("FA-2026-000102", credits=("AV-2026-000201",))


def test_the_lock_of_an_abandoned_checkout_lapses_after_35_minutes(account: Checkout) -> None:
    account.start("FA-2026-000101")
    account.ledger.clock.advance(minutes=34)
    with pytest.raises(PaymentInProgress):
        account.start("FA-2026-000101")
    account.ledger.clock.advance(minutes=2)
    assert account.start("FA-2026-000101").amount == Money(12_000)


def test_when_stripe_cannot_be_reached_nothing_stays_locked(account: Checkout) -> None:
    account.gateway.unavailable = True
    with pytest.raises(PaymentUnavailable):
        account.start("FA-2026-000101")
    (failed,) = account.ledger.payments.values()
    assert failed.status is PaymentStatus.FAILED
    account.gateway.unavailable = False
    assert account.start("FA-2026-000101").amount == Money(12_000)


def test_starting_a_payment_is_written_in_the_journal_with_its_author(account: Checkout) -> None:
    account.start("FA-2026-000101", credits=("AV-2026-000201",))
    (line,) = account.ledger.journal
    assert line.action is Action.PAYMENT_STARTED
    assert line.documents == ("FA-2026-000101", "AV-2026-000201")


def test_a_paid_checkout_settles_its_invoices_and_credits_once(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", "FA-2026-000102", credits=("AV-2026-000201",))
    assert account.event(payment, "checkout.session.completed", event_id="evt_paid") == "settled"
    assert account.balance("FA-2026-000101") == 0
    assert account.balance("FA-2026-000102") == 0
    assert account.balance("AV-2026-000201") == 0
    assert account.ledger.entry(AGENCY, CREDITOR, "FA-2026-000102").status is EntryStatus.PAID
    receipt = account.ledger.entry(AGENCY, CREDITOR, payment.receipt_number)
    assert receipt.type is EntryType.PAYMENT and receipt.amount == Money(-(12_000 + 5_000 - 2_500))
    assert account.event(payment, "checkout.session.completed", event_id="evt_paid") == "unchanged"
    assert account.status(payment) is PaymentStatus.SETTLED
    assert len([m for m in account.ledger.outbox if isinstance(m.view, PaymentReceipt)]) == 1


def test_the_receipt_goes_to_the_payer_with_each_invoice_and_credit(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.event(payment, "checkout.session.completed")
    (mail,) = account.ledger.outbox
    assert mail.recipients == (ACCOUNTANT.email,)
    assert isinstance(mail.view, PaymentReceipt)
    assert [line.number for line in mail.view.invoices] == ["FA-2026-000101", "Avoir AV-2026-000201 déduit"]
    assert mail.view.link == "https://portail.example/#/c/POLIRIS/etat-de-compte"


def test_a_delayed_method_keeps_the_invoices_locked_until_its_outcome(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    assert account.event(payment, "checkout.session.completed", payment_status="unpaid") == "awaiting"
    account.ledger.clock.advance(days=2)
    with pytest.raises(PaymentInProgress):
        account.start("FA-2026-000101")
    assert account.event(payment, "checkout.session.async_payment_succeeded") == "settled"
    assert account.balance("FA-2026-000101") == 0


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("checkout.session.expired", PaymentStatus.EXPIRED),
        ("checkout.session.async_payment_failed", PaymentStatus.FAILED),
    ],
)
def test_an_expired_or_failed_checkout_frees_its_invoices(
    account: Checkout, kind: str, status: PaymentStatus
) -> None:
    payment = account.start("FA-2026-000101")
    assert account.event(payment, kind) == "released"
    assert account.status(payment) is status
    assert account.balance("FA-2026-000101") == 12_000
    assert account.start("FA-2026-000101").amount == Money(12_000)


def test_an_outcome_after_the_payment_was_settled_changes_nothing(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    account.event(payment, "checkout.session.completed")
    assert account.event(payment, "checkout.session.expired") == "unchanged"
    assert account.status(payment) is PaymentStatus.SETTLED


def test_a_paid_amount_that_differs_from_the_basket_is_kept_for_review_and_applies_nothing(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101")
    assert account.event(payment, "checkout.session.completed", amount_total=100) == "needs_review"
    assert account.status(payment) is PaymentStatus.NEEDS_REVIEW
    assert account.balance("FA-2026-000101") == 12_000
    assert account.ledger.entry(AGENCY, CREDITOR, "FA-2026-000101").payment_lock is None


def test_money_taken_for_invoices_that_changed_under_the_lock_is_kept_for_review(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    changed = replace(account.ledger.entry(AGENCY, CREDITOR, "FA-2026-000101"), balance=Money(2_000))
    account.ledger.add_entry(changed)  # a transfer the ERP recorded meanwhile
    assert account.event(payment, "checkout.session.completed") == "needs_review"
    assert account.balance("FA-2026-000101") == 2_000


def test_an_event_about_no_payment_of_ours_is_recorded_once_and_ignored(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    stranger = replace(payment, payment_id="01JUNKNOWN0000000000000000")
    assert account.event(stranger, "checkout.session.completed", event_id="evt_x") == "ignored"
    assert account.event(stranger, "checkout.session.completed", event_id="evt_x") == "duplicate"
    assert account.event(payment, "customer.created", event_id="evt_y") == "ignored"
    assert account.balance("FA-2026-000101") == 12_000


def test_a_full_refund_reopens_exactly_what_the_payment_settled(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", "FA-2026-000102", credits=("AV-2026-000201",))
    account.event(payment, "checkout.session.completed")
    refund = {"event_id": "evt_refund", "fully_refunded": True}
    assert account.event(payment, "charge.refunded", **refund) == "reopened"
    assert account.balance("FA-2026-000101") == 12_000
    assert account.balance("FA-2026-000102") == 5_000
    assert account.ledger.entry(AGENCY, CREDITOR, "FA-2026-000102").status is EntryStatus.PARTIALLY_PAID
    assert account.balance("AV-2026-000201") == -2_500
    assert account.ledger.entry(AGENCY, CREDITOR, payment.refund_number).amount == payment.amount
    assert account.event(payment, "charge.refunded", **refund) == "unchanged"


def test_a_partial_refund_is_recorded_for_finance_and_reopens_nothing(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    account.event(payment, "checkout.session.completed")
    assert account.event(payment, "charge.refunded", fully_refunded=False, event_id="evt_r") == "recorded"
    assert account.balance("FA-2026-000101") == 0
    assert account.status(payment) is PaymentStatus.SETTLED


def test_a_refund_whose_payment_cannot_be_found_yet_fails_so_stripe_sends_it_again(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    with pytest.raises(RuntimeError):
        account.event(payment, "charge.refunded", fully_refunded=True, payment_intent="pi_unknown")


def test_an_event_is_read_only_when_its_signature_checks_out(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    signed = CheckoutEvent(
        "evt_signed", "checkout.session.completed", "cs", "paid", payment.payment_id, AGENCY, "POLIRIS"
    )
    source = FakeEventSource({b"{...}": signed})

    def receive(signature: str) -> tuple[CheckoutEvent, str]:
        return receive_stripe_event(
            b"{...}",
            signature,
            events=source,
            payments=account.payments,
            agencies=account.ledger,
            entries=account.ledger,
            context=account.ledger.clock,
        )

    with pytest.raises(InvalidInput):
        receive("t=1,v1=forged")
    assert account.balance("FA-2026-000101") == 12_000
    event, outcome = receive(source.signature)
    assert (event.event_id, outcome) == ("evt_signed", "settled")


def test_another_agencys_payment_is_not_found(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    other = replace(ACCOUNTANT, agency_id=OTHER_AGENCY)
    with pytest.raises(NotFound):
        payment_of_account(other, creditor=CREDITOR, payment_id=payment.payment_id, payments=account.payments)
    mine = payment_of_account(
        ACCOUNTANT, creditor=CREDITOR, payment_id=payment.payment_id, payments=account.payments
    )
    assert mine.status is PaymentStatus.PENDING
