"""One contract, two implementations: each repository test runs against the in-memory fake that the unit
tier uses (tests/fakes.py) and against the real repository on DynamoDB Local, so the fakes cannot drift
from the conditions and transactions they stand in for. `-k fake` runs the fake half alone, without the
stack; a new fake joins by being added to `Backend` and given the same tests (docs/decisions.md)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mesfactures.account.profile import Accounts, Changes
from mesfactures.disputes.use_cases import Disputes
from mesfactures.domain.accounts import AccountProfile, ChangeKind, ChangeStatus, ProfileChange
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import (
    Dispute,
    DisputedInvoice,
    DisputeEvent,
    DisputeReason,
    DisputeStatus,
    EventKind,
)
from mesfactures.domain.errors import (
    BusinessRuleViolation,
    ConcurrentChange,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
    TooManyRequests,
)
from mesfactures.domain.ids import new_id
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry, UpsertOutcome
from mesfactures.domain.money import Money
from mesfactures.domain.payments import PaidInvoice, Payment, PaymentStatus
from mesfactures.imports.importer import Writer
from mesfactures.notifications.messages import DisputeOpened, MailMessage
from mesfactures.payments.use_cases import Payments
from tests.builders import CREDITOR, credit_note, invoice, profile
from tests.fakes import (
    FakeContext,
    FakeDisputes,
    FakeEntryWriter,
    FakeLedger,
    FakePayments,
    FakeProfileChanges,
)


@dataclass
class Backend:
    payments: Payments
    disputes: Disputes
    ledger: Any  # entries_by_number, has_account
    writer: Writer
    add_account: Callable[[AccountProfile], object]
    agency_id: str
    accounts: Accounts
    changes: Changes

    def entry(self, number: str) -> LedgerEntry:
        return self.ledger.entries_by_number(self.agency_id, CREDITOR, [number])[number]  # type: ignore[no-any-return]

    def invoice(self, cents: int) -> LedgerEntry:
        return self._written(
            invoice(f"FA-2026-{secrets.randbelow(10**6):06d}", cents, agency_id=self.agency_id)
        )

    def credit(self, cents: int) -> LedgerEntry:
        number = f"AV-2026-{secrets.randbelow(10**6):06d}"
        return self._written(credit_note(number, cents, agency_id=self.agency_id))

    def _written(self, entry: LedgerEntry) -> LedgerEntry:
        assert (
            self.writer.upsert_document(entry, 1, f"documents/{entry.entry_id}.pdf") is UpsertOutcome.INSERTED
        )
        return entry

    def left(self, note: LedgerEntry) -> tuple[int, EntryStatus]:
        """What a credit note still offers (negative cents), and its status."""
        found = self.entry(note.number)
        return found.balance.cents, found.status

    def status(self, payment: Payment) -> PaymentStatus:
        return self.payments.payment(self.agency_id, CREDITOR, payment.payment_id).status


@pytest.fixture(params=["fake", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    agency_id = f"AG-{secrets.randbelow(10**8):08d}"  # an account of its own for each test
    if request.param == "fake":
        ledger = FakeLedger(clock=FakeContext(datetime.now(UTC)))
        found = Backend(
            FakePayments(ledger),
            FakeDisputes(ledger),
            ledger,
            FakeEntryWriter(ledger),
            lambda p: ledger.profiles.__setitem__((p.agency_id, p.creditor), p),
            agency_id,
            ledger,
            FakeProfileChanges(ledger),
        )
    else:
        request.getfixturevalue("portal")  # the real stack: DynamoDB Local
        from mesfactures import wiring

        found = Backend(
            wiring.payments(),
            wiring.disputes(),
            wiring.ledger(),
            wiring.entry_writer(),
            wiring.accounts().add_profile_if_absent,
            agency_id,
            wiring.accounts(),
            wiring.profile_changes(),
        )
    found.add_account(profile(agency_id, CREDITOR))
    return found


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


Parts = tuple[tuple[LedgerEntry, int], ...]  # credit notes, and the part of each the basket uses (cents)


def _basket(backend: Backend, *entries: LedgerEntry, credits: Parts = ()) -> Payment:
    return Payment(
        new_id(),
        backend.agency_id,
        CREDITOR,
        "luc@agence.fr",
        tuple(PaidInvoice(e.number, e.balance) for e in entries),
        PaymentStatus.PENDING,
        _now(),
        credits=tuple(PaidInvoice(note.number, Money(part)) for note, part in credits),
    )


def _locked(
    backend: Backend, *entries: LedgerEntry, credits: Parts = (), read: dict[str, int] | None = None
) -> Payment:
    """A pending basket; `read` is what its credit notes had left when it was priced (negative cents)."""
    payment = _basket(backend, *entries, credits=credits)
    backend.payments.lock(payment, payment.created_at + timedelta(minutes=35), None, read)
    return payment


def _transfer(bill: LedgerEntry, cents: int) -> LedgerEntry:
    """A payment the ERP received for the invoice (a transfer, a cheque)."""
    return replace(
        bill,
        entry_id=new_id(),
        type=EntryType.PAYMENT,
        number=f"RG-2026-{secrets.randbelow(10**6):06d}",
        due_on=None,
        amount=Money(-cents),
        balance=Money(0),
        status=EntryStatus.RECEIVED,
        settles=(bill.number,),
    )


def _receipt() -> MailMessage:
    view = DisputeOpened("Agence", "AG-1", "POLIRIS", "LIT-1", "Autre", "", [], "0 €", "Luc", "https://x")
    return MailMessage(new_id(), ("luc@agence.fr",), view)


# The ledger


def test_an_account_exists_once_its_profile_does(backend: Backend) -> None:
    assert backend.ledger.has_account(backend.agency_id, CREDITOR)
    assert not backend.ledger.has_account(backend.agency_id, Creditor.BELLES_DEMEURES)
    assert not backend.ledger.has_account("AG-00000000", CREDITOR)


def test_entries_by_number_leave_out_unknown_numbers_and_other_accounts(backend: Backend) -> None:
    mine = backend.invoice(12_000)
    assert set(
        backend.ledger.entries_by_number(backend.agency_id, CREDITOR, [mine.number, "FA-2026-999999"])
    ) == {mine.number}
    assert backend.ledger.entries_by_number("AG-00000000", CREDITOR, [mine.number]) == {}


# Card payments


def test_an_invoice_is_locked_by_one_basket_at_a_time(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    first = _locked(backend, bill)
    assert backend.entry(bill.number).payment_lock == first.payment_id
    with pytest.raises(PaymentInProgress):
        _locked(backend, bill)


def test_a_basket_priced_on_a_balance_that_changed_locks_nothing(backend: Backend) -> None:
    bill, other = backend.invoice(12_000), backend.invoice(3_000)
    with pytest.raises(PaymentInProgress):
        _locked(backend, other, replace(bill, balance=Money(11_000)))
    assert backend.entry(other.number).payment_lock is None


def test_a_settled_payment_pays_its_invoices_once(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    payment = replace(_locked(backend, bill), payment_intent=f"pi_{new_id()}")
    assert backend.payments.settle(payment, f"evt_{new_id()}", _receipt(), _now())
    settled = backend.entry(bill.number)
    assert (settled.balance.cents, settled.status, settled.payment_lock) == (0, EntryStatus.PAID, None)
    assert (
        backend.payments.payment(backend.agency_id, CREDITOR, payment.payment_id).status
        is PaymentStatus.SETTLED
    )
    assert not backend.payments.settle(payment, f"evt_{new_id()}", _receipt(), _now())
    found = backend.payments.by_intent(payment.payment_intent or "")
    assert found is not None and found.payment_id == payment.payment_id


def test_an_event_settles_or_releases_once(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    payment = _locked(backend, bill)
    event = f"evt_{new_id()}"
    assert backend.payments.release(payment, PaymentStatus.EXPIRED, event, _now())
    assert backend.entry(bill.number).payment_lock is None
    assert not backend.payments.release(payment, PaymentStatus.EXPIRED, event, _now())
    assert not backend.payments.settle(payment, f"evt_{new_id()}", _receipt(), _now())
    assert backend.entry(bill.number).balance.cents == 12_000
    assert backend.payments.seen(f"evt_{new_id()}", _now())
    assert not backend.payments.seen(event, _now())


def test_a_full_refund_reopens_the_invoices_once(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    payment = replace(_locked(backend, bill), payment_intent=f"pi_{new_id()}")
    backend.payments.settle(payment, f"evt_{new_id()}", _receipt(), _now())
    documents = {bill.number: bill}
    event = f"evt_{new_id()}"
    assert backend.payments.refund(payment, documents, event, _now())
    assert (backend.entry(bill.number).balance.cents, backend.entry(bill.number).status) == (
        12_000,
        EntryStatus.OPEN,
    )
    assert not backend.payments.refund(payment, documents, f"evt_{new_id()}", _now())


def test_another_agencys_payment_is_not_found(backend: Backend) -> None:
    payment = _locked(backend, backend.invoice(12_000))
    with pytest.raises(NotFound):
        backend.payments.payment("AG-00000000", CREDITOR, payment.payment_id)


def test_a_credit_note_gives_its_part_only_while_it_has_it_so_two_baskets_cannot_overspend_it(
    backend: Backend,
) -> None:
    bill, other, note = backend.invoice(5_000), backend.invoice(12_000), backend.credit(6_000)
    _locked(backend, bill, credits=((note, 5_000),), read={note.number: -6_000})
    assert backend.left(note) == (-1_000, EntryStatus.OPEN)
    with pytest.raises(PaymentInProgress):  # priced when 60 € were left: all of it
        _locked(backend, other, credits=((note, 6_000),), read={note.number: -6_000})
    with pytest.raises(PaymentInProgress):  # a part larger than what is left
        _locked(backend, other, credits=((note, 2_000),), read={note.number: -6_000})
    with pytest.raises(PaymentInProgress):  # all that is left, priced on more: it would stay open at 0
        _locked(backend, other, credits=((note, 1_000),), read={note.number: -6_000})
    assert backend.left(note) == (-1_000, EntryStatus.OPEN)
    assert backend.entry(other.number).payment_lock is None
    last = _locked(backend, other, credits=((note, 1_000),), read={note.number: -1_000})
    assert backend.left(note) == (0, EntryStatus.APPLIED)
    assert backend.entry(other.number).payment_lock == last.payment_id


def test_a_cancelled_payment_frees_its_invoices_and_gives_back_exactly_its_parts(backend: Backend) -> None:
    bill, note = backend.invoice(12_000), backend.credit(6_000)
    payment = _locked(backend, bill, credits=((note, 2_000),), read={note.number: -6_000})
    assert backend.left(note) == (-4_000, EntryStatus.OPEN)
    assert backend.payments.cancel(payment, _now())
    assert backend.status(payment) is PaymentStatus.CANCELLED
    assert backend.entry(bill.number).payment_lock is None
    assert backend.left(note) == (-6_000, EntryStatus.OPEN)
    assert not backend.payments.cancel(payment, _now())
    assert not backend.payments.release(payment, PaymentStatus.EXPIRED, f"evt_{new_id()}", _now())
    assert backend.left(note) == (-6_000, EntryStatus.OPEN)
    _locked(backend, bill)  # free at once, before any webhook


def test_a_cancellation_after_the_expiry_is_recorded_and_gives_nothing_back_twice(backend: Backend) -> None:
    bill, note = backend.invoice(12_000), backend.credit(6_000)
    payment = _locked(backend, bill, credits=((note, 6_000),), read={note.number: -6_000})
    assert backend.left(note) == (0, EntryStatus.APPLIED)
    assert backend.payments.release(payment, PaymentStatus.EXPIRED, f"evt_{new_id()}", _now())
    assert backend.left(note) == (-6_000, EntryStatus.OPEN)
    assert backend.payments.cancel(payment, _now())
    assert backend.status(payment) is PaymentStatus.CANCELLED
    assert backend.left(note) == (-6_000, EntryStatus.OPEN)


def test_a_basket_its_credit_notes_cover_is_settled_in_one_step_or_not_at_all(backend: Backend) -> None:
    bill, other, note = backend.invoice(5_000), backend.invoice(3_000), backend.credit(6_000)
    payment = replace(
        _basket(backend, bill, credits=((note, 5_000),)), status=PaymentStatus.SETTLED, settled_at=_now()
    )
    backend.payments.settle_with_credit(payment, {note.number: -6_000}, _receipt())
    assert backend.status(payment) is PaymentStatus.SETTLED
    paid = backend.entry(bill.number)
    assert (paid.balance.cents, paid.status, paid.payment_lock) == (0, EntryStatus.PAID, None)
    assert backend.left(note) == (-1_000, EntryStatus.OPEN)
    trace = backend.entry(payment.imputation_number)
    assert (trace.type, trace.amount, trace.balance, trace.settles) == (
        EntryType.PAYMENT,
        Money(0),
        Money(0),
        (bill.number,),
    )
    assert trace.label == f"Règlement par avoir — Mes Factures ; avoir {note.number} imputé de 50,00\u00a0€"
    stale = replace(
        _basket(backend, other, credits=((note, 3_000),)), status=PaymentStatus.SETTLED, settled_at=_now()
    )
    with pytest.raises(PaymentInProgress):  # priced when 60 € were left: only 10 € are
        backend.payments.settle_with_credit(stale, {note.number: -6_000}, _receipt())
    paid_twice = replace(
        _basket(backend, other, bill, credits=((note, 1_000),)), status=PaymentStatus.SETTLED
    )
    with pytest.raises(PaymentInProgress):  # names an invoice settled already
        backend.payments.settle_with_credit(paid_twice, {note.number: -1_000}, _receipt())
    assert (backend.entry(other.number).balance.cents, backend.entry(other.number).status) == (
        3_000,
        EntryStatus.OPEN,
    )
    assert backend.left(note) == (-1_000, EntryStatus.OPEN)
    for refused in (stale, paid_twice):
        with pytest.raises(NotFound):
            backend.payments.payment(backend.agency_id, CREDITOR, refused.payment_id)


def test_money_paid_for_a_cancelled_payment_settles_once_while_its_documents_are_still_free(
    backend: Backend,
) -> None:
    bill, note = backend.invoice(12_000), backend.credit(6_000)
    payment = _locked(backend, bill, credits=((note, 2_000),), read={note.number: -6_000})
    backend.payments.cancel(payment, _now())
    paid = replace(payment, status=PaymentStatus.CANCELLED, payment_intent=f"pi_{new_id()}")
    event = f"evt_{new_id()}"
    assert backend.payments.settle_cancelled(paid, {note.number: -6_000}, event, _receipt(), _now())
    assert backend.status(payment) is PaymentStatus.SETTLED
    settled = backend.entry(bill.number)
    assert (settled.balance.cents, settled.status, settled.payment_lock) == (0, EntryStatus.PAID, None)
    assert backend.left(note) == (-4_000, EntryStatus.OPEN)
    card = backend.entry(payment.receipt_number)
    assert (card.amount, card.settles) == (Money(-10_000), (bill.number,))
    assert card.label == (f"Paiement par carte — Mes Factures ; avoir {note.number} imputé de 20,00\u00a0€")
    assert not backend.payments.settle_cancelled(paid, {note.number: -4_000}, event, _receipt(), _now())
    again = f"evt_{new_id()}"
    assert not backend.payments.settle_cancelled(paid, {note.number: -4_000}, again, _receipt(), _now())
    assert not backend.payments.review_cancelled(paid, again, _now())
    assert backend.left(note) == (-4_000, EntryStatus.OPEN)
    found = backend.payments.by_intent(paid.payment_intent or "")
    assert found is not None and found.payment_id == payment.payment_id


def test_money_paid_for_a_cancelled_payment_the_ledger_moved_on_from_is_only_recorded_for_review(
    backend: Backend,
) -> None:
    bill, elsewhere, note = backend.invoice(12_000), backend.invoice(9_000), backend.credit(6_000)
    payment = _locked(backend, bill, credits=((note, 2_000),), read={note.number: -6_000})
    backend.payments.cancel(payment, _now())
    _locked(backend, elsewhere, credits=((note, 6_000),), read={note.number: -6_000})  # the note, whole
    event = f"evt_{new_id()}"
    assert not backend.payments.settle_cancelled(payment, {note.number: 0}, event, _receipt(), _now())
    other_basket = _locked(backend, bill)  # and the invoice
    assert not backend.payments.settle_cancelled(payment, {note.number: 0}, event, _receipt(), _now())
    assert backend.status(payment) is PaymentStatus.CANCELLED
    assert backend.payments.review_cancelled(payment, event, _now())
    assert backend.status(payment) is PaymentStatus.NEEDS_REVIEW
    assert not backend.payments.review_cancelled(payment, event, _now())
    assert backend.entry(bill.number).payment_lock == other_basket.payment_id
    assert backend.entry(bill.number).balance.cents == 12_000
    assert backend.left(note) == (0, EntryStatus.APPLIED)


def test_a_full_refund_gives_each_credit_note_back_exactly_its_part(backend: Backend) -> None:
    bill, note = backend.invoice(12_000), backend.credit(6_000)
    locked = _locked(backend, bill, credits=((note, 2_000),), read={note.number: -6_000})
    payment = replace(locked, payment_intent=f"pi_{new_id()}")
    assert backend.payments.settle(payment, f"evt_{new_id()}", _receipt(), _now())
    assert backend.left(note) == (-4_000, EntryStatus.OPEN)
    documents = {bill.number: bill, note.number: note}
    assert backend.payments.refund(payment, documents, f"evt_{new_id()}", _now())
    assert backend.left(note) == (-6_000, EntryStatus.OPEN)
    assert (backend.entry(bill.number).balance.cents, backend.entry(bill.number).status) == (
        12_000,
        EntryStatus.OPEN,
    )


# Disputes


def _dispute(backend: Backend, *entries: LedgerEntry) -> tuple[Dispute, DisputeEvent]:
    now = _now()
    disputed = tuple(DisputedInvoice(e.number, e.balance, e.balance) for e in entries)
    dispute = Dispute(
        new_id(),
        backend.agency_id,
        CREDITOR,
        DisputeReason.OTHER,
        DisputeStatus.OPEN,
        disputed,
        now,
        now,
        "Luc",
    )
    return dispute, DisputeEvent(
        new_id(), EventKind.OPENED, now, "Luc", "agency", "Pourquoi ?", None, DisputeStatus.OPEN
    )


def test_an_invoice_is_in_one_dispute_at_a_time_and_a_refused_dispute_blocks_nothing(
    backend: Backend,
) -> None:
    bill, other = backend.invoice(12_000), backend.invoice(3_000)
    first, opened = _dispute(backend, bill)
    backend.disputes.open(first, opened, _receipt())
    assert backend.entry(bill.number).dispute_id == first.dispute_id
    second, opened_again = _dispute(backend, other, bill)
    with pytest.raises(InvoiceInDispute):
        backend.disputes.open(second, opened_again, _receipt())
    assert backend.entry(other.number).dispute_id is None
    assert [d.dispute_id for d in backend.disputes.for_account(backend.agency_id, CREDITOR)] == [
        first.dispute_id
    ]


def test_an_invoice_being_paid_cannot_be_disputed_and_the_refusal_says_a_payment_is_under_way(
    backend: Backend,
) -> None:
    bill = backend.invoice(12_000)
    _locked(backend, bill)
    dispute, opened = _dispute(backend, bill)
    with pytest.raises(PaymentInProgress, match="paiement par carte"):
        backend.disputes.open(dispute, opened, _receipt())
    assert backend.entry(bill.number).dispute_id is None


def test_a_resolution_frees_the_invoices_and_a_stale_change_is_refused(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    dispute, opened = _dispute(backend, bill)
    backend.disputes.open(dispute, opened, _receipt())
    at = _now() + timedelta(seconds=1)
    review = DisputeEvent(
        new_id(),
        EventKind.STATUS_CHANGED,
        at,
        "f",
        "finance",
        "Vu",
        DisputeStatus.OPEN,
        DisputeStatus.IN_REVIEW,
    )
    in_review = backend.disputes.record(dispute, review, _receipt())
    assert backend.entry(bill.number).dispute_id == dispute.dispute_id
    with pytest.raises(ConcurrentChange):
        backend.disputes.record(dispute, review, _receipt())
    done = DisputeEvent(
        new_id(),
        EventKind.STATUS_CHANGED,
        at,
        "f",
        "finance",
        "Avoir émis",
        DisputeStatus.IN_REVIEW,
        DisputeStatus.RESOLVED_ACCEPTED,
    )
    backend.disputes.record(in_review, done, _receipt(), release_invoices=True)
    assert backend.entry(bill.number).dispute_id is None
    detail = backend.disputes.detail(backend.agency_id, CREDITOR, dispute.dispute_id)
    assert detail.dispute.status is DisputeStatus.RESOLVED_ACCEPTED and len(detail.events) == 3
    with pytest.raises(NotFound):
        backend.disputes.detail("AG-00000000", CREDITOR, dispute.dispute_id)


# The ERP feed's writer


def test_a_document_sent_twice_is_written_once(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    assert backend.writer.upsert_document(bill, 1, "documents/x.pdf") is UpsertOutcome.UNCHANGED
    assert not backend.writer.insert_new_documents([(bill, 1, "documents/x.pdf")])


def test_a_new_version_keeps_what_was_paid(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    paid = _transfer(bill, 5_000)
    assert backend.writer.record_payment(paid) is UpsertOutcome.INSERTED
    assert backend.writer.record_payment(paid) is UpsertOutcome.UNCHANGED
    assert (backend.entry(bill.number).balance.cents, backend.entry(bill.number).status) == (
        7_000,
        EntryStatus.PARTIALLY_PAID,
    )
    bigger = replace(bill, amount=Money(15_000), balance=Money(15_000))
    assert backend.writer.upsert_document(bigger, 2, "documents/x.pdf") is UpsertOutcome.UPDATED
    assert backend.entry(bill.number).balance.cents == 10_000
    with pytest.raises(BusinessRuleViolation):
        backend.writer.upsert_document(replace(bill, amount=Money(4_000)), 3, "documents/x.pdf")


def test_the_files_kept_for_a_document_are_remembered_for_its_version_alone(backend: Backend) -> None:
    bill = backend.invoice(12_000)
    first = backend.ledger.document(backend.agency_id, CREDITOR, bill.number)
    assert (first.entry.number, first.key, first.stored) == (
        bill.number,
        f"documents/{bill.entry_id}.pdf",
        set(),
    )

    backend.ledger.note_stored(first, {first.key})
    backend.ledger.note_stored(first, {"documents/its.xml"})
    assert backend.ledger.document(backend.agency_id, CREDITOR, bill.number).stored == {
        first.key,
        "documents/its.xml",
    }

    bigger = replace(bill, amount=Money(15_000), balance=Money(15_000))
    assert backend.writer.upsert_document(bigger, 2, "documents/v2.pdf") is UpsertOutcome.UPDATED
    backend.ledger.note_stored(first, {first.key})  # read before the new version: not recorded
    second = backend.ledger.document(backend.agency_id, CREDITOR, bill.number)
    assert (second.key, second.stored) == ("documents/v2.pdf", set())
    with pytest.raises(NotFound):
        backend.ledger.document(f"AG-{secrets.randbelow(10**6)}", CREDITOR, bill.number)


def test_a_payment_beyond_what_its_invoices_owe_changes_nothing(backend: Backend) -> None:
    bill = backend.invoice(3_000)
    paid = _transfer(bill, 3_001)
    with pytest.raises(BusinessRuleViolation):
        backend.writer.record_payment(paid)
    assert backend.entry(bill.number).balance.cents == 3_000


# Account details and messages


def _change(backend: Backend, kind: ChangeKind, status: ChangeStatus) -> ProfileChange:
    return ProfileChange(
        new_id(),
        backend.agency_id,
        CREDITOR,
        kind,
        status,
        "Claire",
        _now(),
        {"Ville": "Lyon"},
        {"Ville": "Bron"},
    )


def test_a_change_applies_at_the_version_it_was_made_on_and_only_there(backend: Backend) -> None:
    shown = backend.accounts.profile(backend.agency_id, CREDITOR)
    moved = replace(shown.billing, address=replace(shown.billing.address, city="Bron"))
    first = _change(backend, ChangeKind.CONTACT_AND_BILLING, ChangeStatus.APPLIED)
    backend.changes.apply_contact_and_billing(shown, shown.main_contact, moved, first, _receipt())
    now = backend.accounts.profile(backend.agency_id, CREDITOR)
    assert now.billing.address.city == "Bron" and now.version == (shown.version or 0) + 1
    with pytest.raises(ConcurrentChange):
        second = _change(backend, ChangeKind.CONTACT_AND_BILLING, ChangeStatus.APPLIED)
        backend.changes.apply_contact_and_billing(
            shown, shown.main_contact, shown.billing, second, _receipt()
        )
    assert [c.change_id for c in backend.changes.history(backend.agency_id, CREDITOR)] == [first.change_id]


def test_one_bank_change_waits_at_a_time_until_finance_decides(backend: Backend) -> None:
    shown = backend.accounts.profile(backend.agency_id, CREDITOR)
    bank = replace(shown.bank, bic="CCBPFRPPLYO")
    asked = _change(backend, ChangeKind.BANK, ChangeStatus.PENDING)
    backend.changes.request_bank_change(shown, bank, asked, _receipt())
    pending = backend.accounts.profile(backend.agency_id, CREDITOR)
    assert pending.bank == shown.bank and pending.pending_bank is not None
    with pytest.raises(ConcurrentChange):
        again = _change(backend, ChangeKind.BANK, ChangeStatus.PENDING)
        backend.changes.request_bank_change(pending, bank, again, _receipt())
    decided = replace(asked, status=ChangeStatus.APPROVED, decided_by="finance", decided_at=_now())
    backend.changes.decide_bank_change(pending, decided, _receipt())
    after = backend.accounts.profile(backend.agency_id, CREDITOR)
    assert after.bank.bic == "CCBPFRPPLYO" and after.pending_bank is None
    assert backend.changes.change(asked.change_id).status is ChangeStatus.APPROVED


def test_messages_are_counted_per_user_and_window(backend: Backend) -> None:
    user, now = f"u-{new_id()}", _now()
    for _ in range(2):
        backend.changes.count_and_send(user, "2026113012", 2, [_receipt()], now)
    with pytest.raises(TooManyRequests):
        backend.changes.count_and_send(user, "2026113012", 2, [_receipt()], now)
    backend.changes.count_and_send(user, "2026113013", 2, [_receipt()], now)
