"""Informations compte and Nous contacter, the use cases alone against fakes of their ports: « Envoyer
modification » applies contact and billing at once, holds bank details for finance, and refuses the rest."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mesfactures.account.profile import (
    SentChanges,
    change_under_review,
    contacts_of,
    decide_bank_change,
    history_of_changes,
    send_changes,
    write_to_service,
)
from mesfactures.domain.accounts import ChangeKind, ChangeStatus
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import (
    BusinessRuleViolation,
    ChangeAlreadyPending,
    ConcurrentChange,
    ForbiddenForRole,
    InvalidFields,
    InvalidInput,
    NotFound,
    TooManyRequests,
    UnknownAccount,
)
from mesfactures.domain.principal import AgencyUser, FinanceUser
from mesfactures.domain.team import Action
from mesfactures.notifications.messages import BankChangeDecided, BankChangeRequested, ProfileChanged
from tests.builders import ACCOUNTANT, ADMIN, AGENCY, CREDITOR, FINANCE, ledger_with_accounts
from tests.fakes import FakeLedger, FakeProfileChanges

NEW_BANK = {
    "holder": "Agence Exemple Immobilier",
    "bank_name": "Banque Populaire",
    "bic": "CCBPFRPPLYO",
    "iban": "FR14 2004 1010 0505 0001 3M02 606",
}


class Account:
    def __init__(self) -> None:
        self.ledger: FakeLedger = ledger_with_accounts()
        self.changes = FakeProfileChanges(self.ledger)

    def form(self, **billing: str) -> dict[str, Any]:
        """The edit form as the site sends it: the profile as shown, with the user's edits."""
        shown = self.ledger.profile(AGENCY, CREDITOR)
        address = shown.billing.address
        fields = {
            "street": address.street,
            "postal_code": address.postal_code,
            "city": address.city,
            "country": address.country,
            "phone": shown.billing.phone,
            "email": shown.billing.email,
        }
        contact = shown.main_contact
        return {
            "version": shown.version,
            "main_contact": {
                "last_name": contact.last_name,
                "first_name": contact.first_name,
                "role": contact.role,
            },
            "billing": {**fields, **billing},
        }

    def send(self, body: dict[str, Any], user: AgencyUser = ADMIN) -> SentChanges:
        return send_changes(
            user,
            creditor=CREDITOR,
            body=body,
            accounts=self.ledger,
            changes=self.changes,
            context=self.ledger.clock,
        )

    def decide(self, change_id: str, approve: bool, user: FinanceUser = FINANCE) -> None:
        decide_bank_change(
            user,
            change_id=change_id,
            approve=approve,
            comment="Vérifié par téléphone avec la gérante.",
            accounts=self.ledger,
            changes=self.changes,
            context=self.ledger.clock,
        )


@pytest.fixture
def account() -> Account:
    return Account()


def test_contact_and_billing_changes_apply_at_once_and_tell_finance(account: Account) -> None:
    sent = account.send(account.form(city="Villeurbanne", postal_code="69100", phone="04 72 11 22 33"))
    assert sent.profile.billing.address.city == "Villeurbanne"
    assert sent.profile.billing.phone == "+33472112233"
    assert sent.profile.version == 2
    (change,) = sent.changes
    assert (change.kind, change.status) == (ChangeKind.CONTACT_AND_BILLING, ChangeStatus.APPLIED)
    assert (change.before["Ville"], change.after["Ville"]) == ("Lyon", "Villeurbanne")
    (mail,) = account.ledger.outbox
    assert mail.recipients == ("finance@poliris.example",) and isinstance(mail.view, ProfileChanged)
    assert account.ledger.journal[0].action is Action.PROFILE_CHANGED


def test_every_invalid_field_is_named_and_nothing_is_saved(account: Account) -> None:
    body = account.form(email="compta@", postal_code="6900", phone="12")
    body["bank"] = {**NEW_BANK, "bic": "XYZ", "iban": "FR76 3000 6000 0112 3456 7890 188"}
    with pytest.raises(InvalidFields) as refused:
        account.send(body)
    assert set(refused.value.fields) == {
        "billing.email",
        "billing.postal_code",
        "billing.phone",
        "bank.bic",
        "bank.iban",
    }
    assert account.ledger.profile(AGENCY, CREDITOR).version == 1 and account.ledger.outbox == []


def test_a_send_from_an_older_version_is_refused_and_changes_nothing(account: Account) -> None:
    stale = account.form(street="2 rue du Second Onglet")
    account.send(account.form(street="1 rue du Premier Onglet"))
    with pytest.raises(ConcurrentChange):
        account.send(stale)
    assert account.ledger.profile(AGENCY, CREDITOR).billing.address.street == "1 rue du Premier Onglet"


def test_a_send_that_changes_nothing_is_refused(account: Account) -> None:
    with pytest.raises(InvalidInput):
        account.send(account.form())


def test_bank_details_wait_for_finance_and_are_mailed_masked(account: Account) -> None:
    before = account.ledger.profile(AGENCY, CREDITOR).bank
    sent = account.send({"version": 1, "bank": NEW_BANK})
    assert sent.profile.bank == before, "bank details never apply by themselves"
    assert sent.profile.pending_bank is not None
    (change,) = sent.changes
    assert change.status is ChangeStatus.PENDING and change.after["IBAN"].endswith("2606")
    (mail,) = account.ledger.outbox
    assert isinstance(mail.view, BankChangeRequested)
    assert mail.view.link == f"https://portail.example/#/finance/banque/{change.change_id}"
    assert all("3M02606" not in f.after for f in mail.view.changes)


def test_one_bank_change_waits_at_a_time(account: Account) -> None:
    sent = account.send({"version": 1, "bank": NEW_BANK})
    with pytest.raises(ChangeAlreadyPending):
        account.send({"version": sent.profile.version, "bank": {**NEW_BANK, "bic": "AGRIFRPPXXX"}})


def test_only_an_administrator_changes_bank_details(account: Account) -> None:
    with pytest.raises(ForbiddenForRole):
        account.send({"version": 1, "bank": NEW_BANK}, user=ACCOUNTANT)
    assert account.ledger.profile(AGENCY, CREDITOR).pending_bank is None


def test_finance_approves_a_bank_change_and_the_agency_is_told(account: Account) -> None:
    (change,) = account.send({"version": 1, "bank": NEW_BANK}).changes
    review = change_under_review(
        FINANCE, change_id=change.change_id, accounts=account.ledger, changes=account.changes
    )
    assert review.profile.pending_bank is not None and review.profile.pending_bank.bank.iban.endswith(
        "3M02606"
    )
    account.decide(change.change_id, approve=True)
    profile = account.ledger.profile(AGENCY, CREDITOR)
    assert profile.bank.bic == "CCBPFRPPLYO" and profile.pending_bank is None
    mail = account.ledger.outbox[-1]
    assert mail.recipients == ("compta@ag-1001.example",) and isinstance(mail.view, BankChangeDecided)
    with pytest.raises(BusinessRuleViolation):
        account.decide(change.change_id, approve=False)


def test_a_rejected_bank_change_leaves_the_bank_details_as_they_were(account: Account) -> None:
    before = account.ledger.profile(AGENCY, CREDITOR).bank
    (change,) = account.send({"version": 1, "bank": NEW_BANK}).changes
    account.decide(change.change_id, approve=False)
    assert account.ledger.profile(AGENCY, CREDITOR).bank == before
    assert account.changes.change(change.change_id).status is ChangeStatus.REJECTED


def test_finance_of_another_creditor_does_not_see_the_change(account: Account) -> None:
    (change,) = account.send({"version": 1, "bank": NEW_BANK}).changes
    elsewhere = FinanceUser("u-f2", "finance@pressimmo.example", frozenset({Creditor.PRESSIMMO}))
    with pytest.raises(NotFound):
        account.decide(change.change_id, approve=True, user=elsewhere)


def test_an_agency_without_an_account_has_no_history_and_no_contacts_there(account: Account) -> None:
    elsewhere = Creditor.BELLES_DEMEURES
    with pytest.raises(UnknownAccount):
        history_of_changes(ADMIN, creditor=elsewhere, accounts=account.ledger, changes=account.changes)
    with pytest.raises(UnknownAccount):
        contacts_of(ADMIN, creditor=elsewhere, accounts=account.ledger)
    assert (
        history_of_changes(ADMIN, creditor=CREDITOR, accounts=account.ledger, changes=account.changes) == []
    )
    assert (
        contacts_of(ADMIN, creditor=CREDITOR, accounts=account.ledger).after_sales.email
        == "sav@poliris.example"
    )


def test_a_message_reaches_the_service_with_a_copy_and_five_an_hour_at_most(account: Account) -> None:
    body = {
        "service": "collections",
        "subject": "Échéancier",
        "body": "Bonjour",
        "documents": ["FA-2026-000101"],
    }

    def write() -> None:
        write_to_service(
            replace(ACCOUNTANT, user_id="u-writer"),
            creditor=CREDITOR,
            body=body,
            accounts=account.ledger,
            changes=account.changes,
            context=account.ledger.clock,
        )

    write()
    service, copy = account.ledger.outbox
    assert service.recipients == ("rec@poliris.example",) and copy.recipients == (ACCOUNTANT.email,)
    for _ in range(4):
        write()
    with pytest.raises(TooManyRequests):
        write()
    account.ledger.clock.advance(hours=1)
    write()
