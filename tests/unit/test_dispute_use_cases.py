"""Suivi litiges, the use cases alone against fakes of their ports: what opening, commenting and moving a
dispute do to the ledger and who is told. The same repository rules hold on DynamoDB (tests/contract)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from mesfactures.disputes.use_cases import (
    OpenDisputeRequest,
    attachment_of_account,
    comment_dispute,
    disputes_of_account,
    open_dispute,
    transition_dispute,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import Dispute, DisputeReason, DisputeStatus, EventKind
from mesfactures.domain.errors import (
    BusinessRuleViolation,
    InvalidInput,
    InvoiceAlreadyPaid,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
    UnknownAccount,
)
from mesfactures.domain.ids import new_id
from mesfactures.domain.money import Money
from mesfactures.domain.principal import FinanceUser
from mesfactures.domain.team import Action
from mesfactures.notifications.messages import DisputeCommented, DisputeOpened, DisputeStatusChanged
from tests.builders import (
    ACCOUNTANT,
    AGENCY,
    CREDITOR,
    FINANCE,
    OTHER_AGENCY,
    invoice,
    ledger_with_accounts,
)
from tests.fakes import FakeAttachmentFiles, FakeDisputes, FakeLedger

PDF = b"%PDF-1.7\n..."


class Account:
    def __init__(self) -> None:
        self.ledger: FakeLedger = ledger_with_accounts()
        self.disputes = FakeDisputes(self.ledger)
        self.files = FakeAttachmentFiles()
        for entry in (
            invoice("FA-2026-000101", 12_000),
            invoice("FA-2026-000102", 9_000, balance=5_000),
            invoice("FA-2026-000103", 3_000, balance=0),
            invoice("FA-2026-000301", 8_000, creditor=Creditor.BELLES_DEMEURES),
        ):
            self.ledger.add_entry(entry)

    def open(
        self,
        *numbers: str,
        amounts: dict[str, int] | None = None,
        attachments: tuple[Any, ...] = (),
        creditor: Creditor = CREDITOR,
    ) -> Dispute:
        request = OpenDisputeRequest(
            numbers,
            DisputeReason.WRONG_AMOUNT,
            "Le tarif n'est pas celui du contrat.",
            amounts or {},
            attachments,
        )
        return open_dispute(
            ACCOUNTANT,
            creditor=creditor,
            request=request,
            disputes=self.disputes,
            directory=self.ledger,
            store=self.files,
            context=self.ledger.clock,
        )

    def move(self, dispute: Dispute, target: DisputeStatus, user: FinanceUser = FINANCE) -> Dispute:
        detail = transition_dispute(
            user,
            dispute_id=dispute.dispute_id,
            target=target,
            comment="Vu avec le service commercial.",
            disputes=self.disputes,
            directory=self.ledger,
            context=self.ledger.clock,
        )
        return detail.dispute

    def blocked_by(self, number: str) -> str | None:
        return self.ledger.entry(AGENCY, CREDITOR, number).dispute_id


@pytest.fixture
def account() -> Account:
    return Account()


def test_a_dispute_blocks_its_invoices_for_their_whole_balance_by_default(account: Account) -> None:
    dispute = account.open("FA-2026-000101", "FA-2026-000102")
    assert [(i.number, i.disputed.cents) for i in dispute.invoices] == [
        ("FA-2026-000101", 12_000),
        ("FA-2026-000102", 5_000),
    ]
    assert dispute.status is DisputeStatus.OPEN and dispute.opened_by == ACCOUNTANT.signature
    assert account.blocked_by("FA-2026-000101") == account.blocked_by("FA-2026-000102") == dispute.dispute_id


def test_part_of_an_invoice_can_be_disputed_but_not_more_than_it_owes(account: Account) -> None:
    dispute = account.open("FA-2026-000101", amounts={"FA-2026-000101": 4_000})
    assert dispute.total == Money(4_000)
    with pytest.raises(BusinessRuleViolation):
        account.open("FA-2026-000102", amounts={"FA-2026-000102": 5_001})
    assert account.blocked_by("FA-2026-000102") is None


def test_the_finance_team_is_mailed_a_link_to_the_new_dispute(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    (mail,) = account.ledger.outbox
    assert mail.recipients == ("finance@poliris.example",)
    assert isinstance(mail.view, DisputeOpened)
    assert mail.view.link == f"https://portail.example/#/finance/litiges/{dispute.dispute_id}"
    assert mail.view.total == "120,00\u00a0€"
    (line,) = account.ledger.journal
    assert (line.action, line.detail) == (Action.DISPUTE_OPENED, dispute.reference)


def test_an_unknown_or_another_agencys_invoice_cannot_be_disputed(account: Account) -> None:
    account.ledger.add_entry(invoice("FA-2026-000901", 7_000, agency_id=OTHER_AGENCY))
    for number in ("FA-2026-000999", "FA-2026-000901"):
        with pytest.raises(NotFound):
            account.open(number)


def test_a_paid_invoice_cannot_be_disputed(account: Account) -> None:
    with pytest.raises(InvoiceAlreadyPaid):
        account.open("FA-2026-000103")


def test_an_invoice_is_in_one_open_dispute_at_a_time(account: Account) -> None:
    account.open("FA-2026-000101")
    with pytest.raises(InvoiceInDispute):
        account.open("FA-2026-000102", "FA-2026-000101")
    assert account.blocked_by("FA-2026-000102") is None


def test_an_invoice_being_paid_by_card_cannot_be_disputed_and_the_refusal_says_a_payment_is_under_way(
    account: Account,
) -> None:
    key = (AGENCY, CREDITOR, "FA-2026-000101")
    account.ledger.entries[key] = replace(
        account.ledger.entries[key], payment_lock="01JPAYMENT0000000000000000"
    )
    account.ledger.lock_until[key] = account.ledger.clock.now() + timedelta(minutes=35)
    with pytest.raises(PaymentInProgress, match="paiement par carte"):
        account.open("FA-2026-000101")


def test_an_agency_without_an_account_at_the_creditor_gets_not_found(account: Account) -> None:
    with pytest.raises(UnknownAccount):
        account.open("FA-2026-000301", creditor=Creditor.BELLES_DEMEURES)
    with pytest.raises(UnknownAccount):
        disputes_of_account(
            ACCOUNTANT, creditor=Creditor.BELLES_DEMEURES, disputes=account.disputes, accounts=account.ledger
        )
    assert (
        disputes_of_account(ACCOUNTANT, creditor=CREDITOR, disputes=account.disputes, accounts=account.ledger)
        == []
    )


def test_an_uploaded_pdf_is_kept_out_of_the_browsers_reach_and_listed(account: Account) -> None:
    attachment_id = new_id()
    account.files.upload(AGENCY, CREDITOR, attachment_id, "application/pdf", PDF)
    dispute = account.open("FA-2026-000101", attachments=({"id": attachment_id, "filename": "devis.pdf"},))
    assert [(a.filename, a.size_bytes) for a in dispute.attachments] == [("devis.pdf", len(PDF))]
    assert account.files.uploads == {}
    link = attachment_of_account(
        ACCOUNTANT,
        creditor=CREDITOR,
        dispute_id=dispute.dispute_id,
        attachment_id=attachment_id,
        disputes=account.disputes,
        store=account.files,
    )
    assert link.endswith(attachment_id)


def test_a_file_that_is_not_what_it_claims_is_deleted_and_the_dispute_refused(account: Account) -> None:
    attachment_id = new_id()
    account.files.upload(AGENCY, CREDITOR, attachment_id, "application/pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(InvalidInput):
        account.open("FA-2026-000101", attachments=({"id": attachment_id, "filename": "devis.pdf"},))
    assert account.files.kept == {}
    assert account.blocked_by("FA-2026-000101") is None


def test_an_attachment_never_uploaded_or_one_too_many_is_refused(account: Account) -> None:
    with pytest.raises(InvalidInput):
        account.open("FA-2026-000101", attachments=({"id": new_id(), "filename": "absent.pdf"},))
    six = tuple({"id": new_id(), "filename": f"{n}.pdf"} for n in range(6))
    with pytest.raises(InvalidInput):
        account.open("FA-2026-000101", attachments=six)


def test_another_agencys_dispute_and_its_files_are_not_found(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    stranger = replace(ACCOUNTANT, agency_id=OTHER_AGENCY)
    with pytest.raises(NotFound):
        attachment_of_account(
            stranger,
            creditor=CREDITOR,
            dispute_id=dispute.dispute_id,
            attachment_id=new_id(),
            disputes=account.disputes,
            store=account.files,
        )


def test_a_comment_reaches_the_finance_team_and_the_history(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    detail = comment_dispute(
        ACCOUNTANT,
        creditor=CREDITOR,
        dispute_id=dispute.dispute_id,
        comment="Voici le bon de commande.",
        disputes=account.disputes,
        directory=account.ledger,
        context=account.ledger.clock,
    )
    assert [event.kind for event in detail.events] == [EventKind.OPENED, EventKind.COMMENT]
    assert isinstance(account.ledger.outbox[-1].view, DisputeCommented)


def test_a_closed_dispute_takes_no_more_comments(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    for status in (DisputeStatus.IN_REVIEW, DisputeStatus.RESOLVED_ACCEPTED, DisputeStatus.CLOSED):
        dispute = account.move(dispute, status)
    with pytest.raises(BusinessRuleViolation):
        comment_dispute(
            ACCOUNTANT,
            creditor=CREDITOR,
            dispute_id=dispute.dispute_id,
            comment="Et maintenant ?",
            disputes=account.disputes,
            directory=account.ledger,
            context=account.ledger.clock,
        )


def test_the_agency_is_told_of_each_status_and_a_resolution_frees_the_invoices(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    dispute = account.move(dispute, DisputeStatus.IN_REVIEW)
    assert account.blocked_by("FA-2026-000101") == dispute.dispute_id
    mail = account.ledger.outbox[-1]
    assert mail.recipients == ("compta@ag-1001.example",)
    assert isinstance(mail.view, DisputeStatusChanged)
    assert mail.view.link == f"https://portail.example/#/c/POLIRIS/suivi-litiges/{dispute.dispute_id}"
    account.move(dispute, DisputeStatus.RESOLVED_REJECTED)
    assert account.blocked_by("FA-2026-000101") is None


def test_a_dispute_cannot_skip_its_review(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    with pytest.raises(BusinessRuleViolation):
        account.move(dispute, DisputeStatus.CLOSED)


def test_finance_of_another_creditor_does_not_see_the_dispute(account: Account) -> None:
    dispute = account.open("FA-2026-000101")
    elsewhere = FinanceUser("u-f2", "finance@pressimmo.example", frozenset({Creditor.PRESSIMMO}))
    with pytest.raises(NotFound):
        account.move(dispute, DisputeStatus.IN_REVIEW, user=elsewhere)
