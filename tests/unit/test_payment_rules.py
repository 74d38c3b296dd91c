"""Règlement, the use cases alone against fakes of their ports: a basket priced from the ledger and locked
(its credit notes giving the part it needs), settled by credit alone when they cover it, cancelled by the
agency, and what each of Stripe's events does to it. The same rules hold on DynamoDB (tests/contract)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

import pytest

from mesfactures.domain.errors import (
    ConcurrentChange,
    InvalidInput,
    InvoiceAlreadyPaid,
    InvoiceInDispute,
    NotFound,
    PaymentCompleting,
    PaymentInProgress,
    PaymentNotPending,
    PaymentSettled,
    PaymentUnavailable,
)
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money
from mesfactures.domain.payments import CheckoutEvent, PaidInvoice, Payment, PaymentStatus
from mesfactures.domain.principal import AgencyUser
from mesfactures.domain.team import Action, Activity
from mesfactures.http.errors import status_for
from mesfactures.notifications.messages import InvoiceLine, PaymentReceipt
from mesfactures.payments.use_cases import (
    cancel_payment,
    handle_event,
    payment_of_account,
    receive_stripe_event,
    start_checkout,
)
from tests.builders import (
    ACCOUNTANT,
    ADMIN,
    AGENCY,
    CREDITOR,
    OTHER_AGENCY,
    credit_note,
    invoice,
    ledger_with_accounts,
)
from tests.fakes import FakeEventSource, FakeGateway, FakeLedger, FakePayments

NBSP = "\u00a0"


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
            credit_note("AV-2026-000204", 6_000),
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
            agencies=self.ledger,
            context=self.ledger.clock,
        )

    def cancel(self, payment: Payment, user: AgencyUser = ACCOUNTANT) -> Payment:
        return cancel_payment(
            user,
            creditor=CREDITOR,
            payment_id=payment.payment_id,
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

    def entry(self, number: str) -> LedgerEntry:
        return self.ledger.entry(AGENCY, CREDITOR, number)

    def balance(self, number: str) -> int:
        return self.entry(number).balance.cents

    def receipts(self) -> list[PaymentReceipt]:
        return [m.view for m in self.ledger.outbox if isinstance(m.view, PaymentReceipt)]

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


def test_a_credit_note_offset_lowers_what_the_card_pays_and_is_taken_when_the_payment_starts(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    assert payment.amount == Money(9_500)
    assert payment.credits == (PaidInvoice("AV-2026-000201", Money(2_500)),)
    assert (account.balance("AV-2026-000201"), account.entry("AV-2026-000201").status) == (
        0,
        EntryStatus.APPLIED,
    )


def test_a_credit_note_larger_than_the_basket_gives_only_what_it_needs_and_keeps_the_rest_for_later(
    account: Checkout,
) -> None:
    first = account.start("FA-2026-000102", credits=("AV-2026-000204",))
    assert first.credits == (PaidInvoice("AV-2026-000204", Money(5_000)),)
    assert (account.balance("AV-2026-000204"), account.entry("AV-2026-000204").status) == (
        -1_000,
        EntryStatus.OPEN,
    )
    later = account.start("FA-2026-000101", credits=("AV-2026-000204",))
    assert later.credits == (PaidInvoice("AV-2026-000204", Money(1_000)),)
    assert later.amount == Money(11_000)
    assert (account.balance("AV-2026-000204"), account.entry("AV-2026-000204").status) == (
        0,
        EntryStatus.APPLIED,
    )


def test_a_credit_note_is_used_in_the_order_the_agency_chose_until_nothing_is_owed(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000204", "AV-2026-000201"))
    assert payment.credits == (
        PaidInvoice("AV-2026-000204", Money(6_000)),
        PaidInvoice("AV-2026-000201", Money(2_500)),
    )
    assert payment.amount == Money(3_500)


def test_a_refund_gives_the_credit_note_back_exactly_the_part_the_payment_used(account: Checkout) -> None:
    account.start("FA-2026-000102", credits=("AV-2026-000204",))
    payment = account.start("FA-2026-000101", credits=("AV-2026-000204",))
    assert account.event(payment, "checkout.session.completed") == "settled"
    refund = {"event_id": "evt_refund", "fully_refunded": True}
    assert account.event(payment, "charge.refunded", **refund) == "reopened"
    assert account.balance("AV-2026-000204") == -1_000
    assert account.entry("AV-2026-000204").status is EntryStatus.OPEN
    assert account.balance("FA-2026-000101") == 12_000
    assert account.balance("FA-2026-000102") == 0


class PaymentsRacedBy(FakePayments):
    """The repository, with another basket that uses a credit note between the moment a basket is priced
    from the ledger and the moment it is locked."""

    def __init__(self, ledger: FakeLedger, rival: Callable[[], object]) -> None:
        super().__init__(ledger)
        self.rival: Callable[[], object] | None = rival

    def lock(
        self,
        payment: Payment,
        until: datetime,
        activity: Activity | None = None,
        credit_balances: Mapping[str, int] | None = None,
    ) -> None:
        rival, self.rival = self.rival, None
        if rival:
            rival()
        super().lock(payment, until, activity, credit_balances)


def test_a_credit_note_another_basket_used_meanwhile_is_not_spent_twice(account: Checkout) -> None:
    rival = account.payments
    account.payments = PaymentsRacedBy(
        account.ledger, lambda: account.start("FA-2026-000102", credits=("AV-2026-000204",))
    )
    with pytest.raises(ConcurrentChange):
        account.start("FA-2026-000101", credits=("AV-2026-000204",))  # priced on 60 €, 10 € left at lock
    assert account.balance("AV-2026-000204") == -1_000
    assert account.entry("FA-2026-000101").payment_lock is None
    assert [p.status for p in account.ledger.payments.values()] == [PaymentStatus.SETTLED]
    account.payments = rival
    assert account.start("FA-2026-000101", credits=("AV-2026-000204",)).amount == Money(11_000)


def test_a_basket_its_credit_notes_cover_is_settled_at_once_without_a_card(account: Checkout) -> None:
    payment = account.start("FA-2026-000102", credits=("AV-2026-000201", "AV-2026-000203"))
    assert (payment.status, payment.amount, payment.checkout_url) == (PaymentStatus.SETTLED, Money(0), None)
    assert payment.credits == (
        PaidInvoice("AV-2026-000201", Money(2_500)),
        PaidInvoice("AV-2026-000203", Money(2_500)),
    )
    assert account.gateway.opened == []
    assert account.status(payment) is PaymentStatus.SETTLED
    paid = account.entry("FA-2026-000102")
    assert (paid.balance.cents, paid.status, paid.payment_lock) == (0, EntryStatus.PAID, None)
    assert (account.balance("AV-2026-000201"), account.balance("AV-2026-000203")) == (0, -47_500)
    trace = account.entry(f"IA-2026-{payment.payment_id[-8:]}")
    assert (trace.type, trace.amount, trace.settles) == (EntryType.PAYMENT, Money(0), ("FA-2026-000102",))
    with pytest.raises(InvoiceAlreadyPaid):
        account.start("FA-2026-000102")


def test_a_basket_settled_by_credit_sends_a_receipt_without_card_and_is_journaled(account: Checkout) -> None:
    payment = account.start("FA-2026-000102", credits=("AV-2026-000201", "AV-2026-000203"))
    (mail,) = account.ledger.outbox
    assert mail.recipients == (ACCOUNTANT.email,)
    assert isinstance(mail.view, PaymentReceipt)
    assert (mail.view.by_card, mail.view.receipt_number, mail.view.total) == (
        False,
        f"IA-2026-{payment.payment_id[-8:]}",
        f"0,00{NBSP}€",
    )
    assert mail.view.invoices == [
        InvoiceLine("FA-2026-000102", f"50,00{NBSP}€"),
        InvoiceLine("Avoir AV-2026-000201 imputé", f"-25,00{NBSP}€"),
        InvoiceLine("Avoir AV-2026-000203 imputé", f"-25,00{NBSP}€"),
    ]
    (line,) = account.ledger.journal
    assert (line.action, line.user_id, line.detail) == (Action.PAID_BY_CREDIT, "u-compta", f"50,00{NBSP}€")
    assert line.documents == ("FA-2026-000102", "AV-2026-000201", "AV-2026-000203")


def test_a_basket_settled_by_credit_cannot_be_cancelled(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000203",))
    with pytest.raises(PaymentSettled) as refused:
        account.cancel(payment)
    assert status_for(refused.value) == 409
    assert (account.balance("FA-2026-000101"), account.balance("AV-2026-000203")) == (0, -38_000)


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


def test_a_credit_note_a_basket_being_paid_used_up_cannot_go_in_another(account: Checkout) -> None:
    account.start("FA-2026-000101", credits=("AV-2026-000201",))
    with pytest.raises(InvoiceAlreadyPaid, match="déjà entièrement utilisé"):
        account.start("FA-2026-000102", credits=("AV-2026-000201",))
    assert account.entry("FA-2026-000102").payment_lock is None


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
        account.start("FA-2026-000101", credits=("AV-2026-000201",))
    (failed,) = account.ledger.payments.values()
    assert failed.status is PaymentStatus.FAILED
    assert account.balance("AV-2026-000201") == -2_500
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
    assert mail.view.invoices == [
        InvoiceLine("FA-2026-000101", f"120,00{NBSP}€"),
        InvoiceLine("Avoir AV-2026-000201 imputé", f"-25,00{NBSP}€"),
    ]
    assert (mail.view.by_card, mail.view.total) == (True, f"95,00{NBSP}€")
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
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    assert account.event(payment, kind) == "released"
    assert account.status(payment) is status
    assert account.balance("FA-2026-000101") == 12_000
    assert account.balance("AV-2026-000201") == -2_500
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


# "Annuler ce paiement"


def test_cancelling_frees_the_invoices_at_once_and_gives_the_credit_notes_their_parts_back(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101", "FA-2026-000102", credits=("AV-2026-000201",))
    cancelled = account.cancel(payment)
    assert (cancelled.status, cancelled.checkout_url) == (PaymentStatus.CANCELLED, None)
    assert account.status(payment) is PaymentStatus.CANCELLED
    assert account.gateway.sessions[f"cs_test_{payment.payment_id}"] == "expired"
    assert account.entry("FA-2026-000101").payment_lock is None
    assert account.entry("FA-2026-000102").payment_lock is None
    assert (account.balance("AV-2026-000201"), account.entry("AV-2026-000201").status) == (
        -2_500,
        EntryStatus.OPEN,
    )
    assert account.start("FA-2026-000101", credits=("AV-2026-000201",)).amount == Money(9_500)


def test_a_cancellation_is_written_in_the_journal_with_who_cancelled(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.cancel(payment, ADMIN)
    started, cancelled = account.ledger.journal
    assert (started.action, started.user_id) == (Action.PAYMENT_STARTED, "u-compta")
    assert (cancelled.action, cancelled.user_id, cancelled.detail) == (
        Action.PAYMENT_CANCELLED,
        "u-admin",
        f"95,00{NBSP}€",
    )
    assert cancelled.documents == ("FA-2026-000101", "AV-2026-000201")


def test_the_expiry_our_cancellation_causes_changes_nothing_afterwards(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.cancel(payment)
    assert account.event(payment, "checkout.session.expired") == "unchanged"
    assert account.status(payment) is PaymentStatus.CANCELLED
    assert account.balance("AV-2026-000201") == -2_500


def test_an_expiry_that_arrives_while_the_agency_cancels_still_reads_as_its_cancellation(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.gateway.after_expiry = lambda _session: account.event(payment, "checkout.session.expired")
    assert account.cancel(payment).status is PaymentStatus.CANCELLED
    assert account.status(payment) is PaymentStatus.CANCELLED
    assert account.balance("AV-2026-000201") == -2_500  # given back once
    assert account.entry("FA-2026-000101").payment_lock is None
    assert account.ledger.journal[-1].action is Action.PAYMENT_CANCELLED


def test_a_settled_payment_cannot_be_cancelled(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    account.event(payment, "checkout.session.completed")
    with pytest.raises(PaymentSettled) as refused:
        account.cancel(payment)
    assert status_for(refused.value) == 409
    assert account.balance("FA-2026-000101") == 0


def test_a_payment_paid_on_stripes_page_a_moment_ago_cannot_be_cancelled_and_stays_locked(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.gateway.complete(f"cs_test_{payment.payment_id}")
    with pytest.raises(PaymentCompleting) as refused:
        account.cancel(payment)
    assert status_for(refused.value) == 409
    assert account.status(payment) is PaymentStatus.PENDING
    assert account.entry("FA-2026-000101").payment_lock == payment.payment_id
    assert account.balance("AV-2026-000201") == 0
    assert account.event(payment, "checkout.session.completed") == "settled"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("checkout.session.expired", "Ce paiement a expiré sans être réglé : ses factures sont libres."),
        ("checkout.session.async_payment_failed", "Ce paiement a échoué : ses factures sont libres."),
    ],
)
def test_a_payment_that_already_ended_cannot_be_cancelled_and_the_answer_says_how_it_ended(
    account: Checkout, kind: str, message: str
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.event(payment, kind)
    with pytest.raises(PaymentNotPending) as refused:
        account.cancel(payment)
    assert (refused.value.code, refused.value.message, status_for(refused.value)) == (
        "payment_not_pending",
        message,
        409,
    )
    assert account.balance("AV-2026-000201") == -2_500


def test_a_payment_cancelled_twice_is_refused_the_second_time(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.cancel(payment)
    with pytest.raises(PaymentNotPending, match="déjà annulé"):
        account.cancel(payment)
    assert account.balance("AV-2026-000201") == -2_500
    assert [line.action for line in account.ledger.journal] == [
        Action.PAYMENT_STARTED,
        Action.PAYMENT_CANCELLED,
    ]


def test_another_agency_cannot_cancel_a_payment_it_does_not_find(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    with pytest.raises(NotFound):
        account.cancel(payment, replace(ACCOUNTANT, agency_id=OTHER_AGENCY))
    assert account.status(payment) is PaymentStatus.PENDING
    assert account.gateway.sessions[f"cs_test_{payment.payment_id}"] == "open"


def test_when_stripe_cannot_be_reached_a_cancellation_changes_nothing(account: Checkout) -> None:
    payment = account.start("FA-2026-000101")
    account.gateway.unavailable = True
    with pytest.raises(PaymentUnavailable):
        account.cancel(payment)
    assert account.status(payment) is PaymentStatus.PENDING
    assert account.entry("FA-2026-000101").payment_lock == payment.payment_id


# Money Stripe took for a payment the agency had cancelled


def test_money_paid_just_before_a_cancellation_settles_the_still_free_invoices_once(
    account: Checkout,
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.cancel(payment)
    assert account.event(payment, "checkout.session.completed", event_id="evt_late") == "settled_after_cancel"
    assert account.status(payment) is PaymentStatus.SETTLED
    assert (account.balance("FA-2026-000101"), account.entry("FA-2026-000101").status) == (
        0,
        EntryStatus.PAID,
    )
    assert account.balance("AV-2026-000201") == 0
    assert account.entry(f"CB-2026-{payment.payment_id[-8:]}").amount == Money(-9_500)
    assert account.event(payment, "checkout.session.completed", event_id="evt_late") == "unchanged"
    assert account.event(payment, "checkout.session.async_payment_succeeded", event_id="evt_again") == (
        "unchanged"
    )
    assert [r.total for r in account.receipts()] == [f"95,00{NBSP}€"]
    assert account.status(payment) is PaymentStatus.SETTLED


def _taken_by_another_basket(account: Checkout) -> None:
    account.start("FA-2026-000101")


def _disputed(account: Checkout) -> None:
    account.ledger.add_entry(
        replace(account.entry("FA-2026-000101"), dispute_id="01JDISPUTE0000000000000001")
    )


def _paid_in_part_by_transfer(account: Checkout) -> None:
    account.ledger.add_entry(replace(account.entry("FA-2026-000101"), balance=Money(2_000)))


def _credit_note_used_by_another_basket(account: Checkout) -> None:
    account.start("FA-2026-000102", credits=("AV-2026-000201",))


@pytest.mark.parametrize(
    ("meanwhile", "balances"),
    [
        (_taken_by_another_basket, (12_000, -2_500)),
        (_disputed, (12_000, -2_500)),
        (_paid_in_part_by_transfer, (2_000, -2_500)),
        (_credit_note_used_by_another_basket, (12_000, 0)),
    ],
)
def test_money_paid_for_a_cancelled_payment_the_ledger_moved_on_from_is_kept_for_review_once(
    account: Checkout, meanwhile: Callable[[Checkout], object], balances: tuple[int, int]
) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.cancel(payment)
    meanwhile(account)
    assert account.event(payment, "checkout.session.completed", event_id="evt_late") == "needs_review"
    assert account.status(payment) is PaymentStatus.NEEDS_REVIEW
    assert (account.balance("FA-2026-000101"), account.balance("AV-2026-000201")) == balances
    assert account.receipts() == []
    assert account.event(payment, "checkout.session.completed", event_id="evt_late") == "unchanged"
    assert account.status(payment) is PaymentStatus.NEEDS_REVIEW


def test_an_amount_that_differs_from_a_cancelled_basket_is_kept_for_review(account: Checkout) -> None:
    payment = account.start("FA-2026-000101", credits=("AV-2026-000201",))
    account.cancel(payment)
    assert account.event(payment, "checkout.session.completed", amount_total=100) == "needs_review"
    assert account.status(payment) is PaymentStatus.NEEDS_REVIEW
    assert (account.balance("FA-2026-000101"), account.balance("AV-2026-000201")) == (12_000, -2_500)
    assert account.entry("FA-2026-000101").payment_lock is None
