"""The ERP feed, through the import use case against fakes of its ports: a file applied twice leaves the
ledger as once, a new version keeps what was paid, a payment received by other means settles its invoices
oldest first and partly when it falls short, and every refused row says why. The writer's fake applies the
same rules as the DynamoDB one (domain.feed), and tests/contract checks that they agree."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import BusinessRuleViolation
from mesfactures.domain.feed import allocate, new_version
from mesfactures.domain.imports import ImportReport
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry
from mesfactures.imports.importer import import_file
from tests.builders import AGENCY, CREDITOR, credit_note, invoice, ledger_with_accounts
from tests.fakes import FakeDocumentFiles, FakeEntryWriter, FakeLedger

HEADER = (
    "creditor;agency_id;type;number;issued_on;due_on;label;net_cents;vat_rate_bp;vat_cents;gross_cents;"
    "settles;pdf;version"
)


def _invoice(number: str, gross: int, version: int = 1, agency_id: str = AGENCY) -> str:
    net = gross * 5 // 6
    dates = "2026-10-02;2026-11-02"
    return (
        f"POLIRIS;{agency_id};invoice;{number};{dates};Annonces;{net};2000;{gross - net};{gross};;;{version}"
    )


def _payment(number: str, gross: int, *invoices: str) -> str:
    return f"POLIRIS;{AGENCY};payment;{number};2026-11-10;;Virement reçu;;;;{gross};{'|'.join(invoices)};;"


class Feed:
    def __init__(self) -> None:
        self.ledger: FakeLedger = ledger_with_accounts()
        self.writer = FakeEntryWriter(self.ledger)
        self.store = FakeDocumentFiles()

    def send(self, *rows: str) -> ImportReport:
        content = ("\n".join([HEADER, *rows]) + "\n").encode()
        return import_file(
            "erp.csv",
            content,
            Creditor.POLIRIS,
            writer=self.writer,
            accounts=self.ledger,
            store=self.store,
            attachment=lambda name: None,
        )

    def owed(self, number: str) -> tuple[int, EntryStatus]:
        entry = self.ledger.entry(AGENCY, CREDITOR, number)
        return entry.balance.cents, entry.status


@pytest.fixture
def feed() -> Feed:
    return Feed()


def _reasons(report: ImportReport) -> dict[int, str]:
    return {rejection.line: rejection.reason for rejection in report.rejected}


def test_the_same_file_twice_leaves_the_ledger_as_once(feed: Feed) -> None:
    rows = (_invoice("FA-2026-000001", 12_000), _invoice("FA-2026-000002", 6_000))
    first = feed.send(*rows, _payment("RG-2026-000001", 6_000, "FA-2026-000002"))
    ledger_after_first = dict(feed.ledger.entries)
    second = feed.send(*rows, _payment("RG-2026-000001", 6_000, "FA-2026-000002"))
    assert (first.inserted, second.inserted, second.unchanged) == (3, 0, 3)
    assert feed.ledger.entries == ledger_after_first


def test_a_payment_short_of_an_invoice_leaves_it_partly_paid(feed: Feed) -> None:
    report = feed.send(
        _invoice("FA-2026-000001", 12_000), _payment("RG-2026-000001", 5_000, "FA-2026-000001")
    )
    assert report.rejected == []
    assert feed.owed("FA-2026-000001") == (7_000, EntryStatus.PARTIALLY_PAID)
    feed.send(_payment("RG-2026-000002", 7_000, "FA-2026-000001"))
    assert feed.owed("FA-2026-000001") == (0, EntryStatus.PAID)


def test_a_payment_settles_the_invoices_it_names_in_order_until_it_is_spent(feed: Feed) -> None:
    feed.send(
        _invoice("FA-2026-000001", 3_000),
        _invoice("FA-2026-000002", 4_000),
        _invoice("FA-2026-000003", 6_000),
        _payment("RG-2026-000001", 5_000, "FA-2026-000001", "FA-2026-000002", "FA-2026-000003"),
    )
    assert feed.owed("FA-2026-000001") == (0, EntryStatus.PAID)
    assert feed.owed("FA-2026-000002") == (2_000, EntryStatus.PARTIALLY_PAID)
    assert feed.owed("FA-2026-000003") == (6_000, EntryStatus.OPEN)
    assert feed.ledger.entry(AGENCY, CREDITOR, "RG-2026-000001").type is EntryType.PAYMENT


def test_a_payment_larger_than_what_its_invoices_owe_is_refused_with_its_line(feed: Feed) -> None:
    report = feed.send(_invoice("FA-2026-000001", 3_000), _payment("RG-2026-000001", 3_001, "FA-2026-000001"))
    assert _reasons(report) == {3: "le règlement dépasse le reste dû des factures qu'il désigne"}
    assert feed.owed("FA-2026-000001") == (3_000, EntryStatus.OPEN)


def test_a_payment_of_an_unknown_or_paid_invoice_is_refused(feed: Feed) -> None:
    feed.send(_invoice("FA-2026-000001", 3_000), _payment("RG-2026-000001", 3_000, "FA-2026-000001"))
    report = feed.send(
        _payment("RG-2026-000002", 1_000, "FA-2026-000001"),
        _payment("RG-2026-000003", 1_000, "FA-2026-000404"),
    )
    assert _reasons(report) == {
        2: "la facture FA-2026-000001 est déjà réglée",
        3: "la facture FA-2026-000404 est inconnue sur ce compte",
    }


def test_a_payment_of_an_invoice_being_paid_by_card_waits_for_a_later_file(feed: Feed) -> None:
    feed.send(_invoice("FA-2026-000001", 3_000))
    key = (AGENCY, CREDITOR, "FA-2026-000001")
    feed.ledger.entries[key] = replace(feed.ledger.entries[key], payment_lock="01JPAYMENT0000000000000000")
    feed.ledger.lock_until[key] = feed.ledger.clock.now() + timedelta(minutes=35)
    report = feed.send(_payment("RG-2026-000001", 3_000, "FA-2026-000001"))
    assert "en cours de paiement par carte" in _reasons(report)[2]
    assert feed.owed("FA-2026-000001") == (3_000, EntryStatus.OPEN)


def test_a_new_version_keeps_what_was_paid_and_an_old_one_changes_nothing(feed: Feed) -> None:
    feed.send(_invoice("FA-2026-000001", 12_000), _payment("RG-2026-000001", 5_000, "FA-2026-000001"))
    assert feed.send(_invoice("FA-2026-000001", 15_000, version=2)).updated == 1
    assert feed.owed("FA-2026-000001") == (10_000, EntryStatus.PARTIALLY_PAID)
    assert feed.send(_invoice("FA-2026-000001", 1_000, version=1)).unchanged == 1
    assert feed.ledger.entry(AGENCY, CREDITOR, "FA-2026-000001").amount.cents == 15_000


def test_a_new_version_below_what_was_paid_is_refused(feed: Feed) -> None:
    feed.send(_invoice("FA-2026-000001", 12_000), _payment("RG-2026-000001", 5_000, "FA-2026-000001"))
    report = feed.send(_invoice("FA-2026-000001", 4_000, version=2))
    assert _reasons(report) == {2: "la nouvelle version de FA-2026-000001 est inférieure à ce qui est réglé"}
    assert feed.owed("FA-2026-000001") == (7_000, EntryStatus.PARTIALLY_PAID)


def test_a_row_for_an_agency_without_an_account_is_refused_and_the_others_go_in(feed: Feed) -> None:
    report = feed.send(
        _invoice("FA-2026-000001", 3_000, agency_id="AG-9999"), _invoice("FA-2026-000002", 3_000)
    )
    assert list(_reasons(report)) == [2]
    assert report.inserted == 1


def test_a_disputed_invoice_keeps_its_dispute_through_a_new_version() -> None:
    stored = invoice("FA-2026-000001", 12_000, dispute_id="01JDISPUTE0000000000000000")
    sent = invoice("FA-2026-000001", 13_000)
    kept = new_version(stored, 1, sent, 2)
    assert kept is not None and kept.dispute_id == stored.dispute_id and kept.balance.cents == 13_000


def test_a_number_names_one_kind_of_document() -> None:
    with pytest.raises(BusinessRuleViolation):
        new_version(invoice("FA-2026-000001", 12_000), 1, credit_note("FA-2026-000001", 1_000), 2)


def test_a_credit_note_used_in_full_is_applied_after_a_new_version() -> None:
    stored = credit_note("AV-2026-000001", 2_000, balance=500)
    kept = new_version(stored, 1, credit_note("AV-2026-000001", 1_500), 2)
    assert kept is not None and (kept.balance.cents, kept.status) == (0, EntryStatus.APPLIED)


def test_an_invoice_is_read_only_while_the_payment_has_money_left() -> None:
    read: list[str] = []
    first = invoice("FA-2026-000001", 3_000)
    payment = replace(
        first, number="RG-2026-000001", amount=-first.amount, settles=("FA-2026-000001", "FA-2")
    )

    def invoice_of(number: str) -> LedgerEntry:
        read.append(number)
        return first

    assert allocate(payment, invoice_of) == [(first, 0)]
    assert read == ["FA-2026-000001"]
