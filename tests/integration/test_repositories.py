from __future__ import annotations

from dataclasses import replace

import pytest

from devstack.demo_data import DEMO_AGENCIES, profile_for
from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem
from tests.support import Portal


def test_an_agency_lists_the_creditors_it_has_an_account_with(portal: Portal) -> None:
    agency = wiring.accounts().agency("AG-2002")
    assert agency.name == "Autre Agence Immobilière"
    assert agency.creditors == (Creditor.PRESSIMMO, Creditor.POLIRIS)


def test_an_unknown_agency_is_not_found(portal: Portal) -> None:
    with pytest.raises(NotFound):
        wiring.accounts().agency("AG-9999")


def test_a_creditor_has_its_two_services(portal: Portal) -> None:
    details = wiring.accounts().creditor(Creditor.BELLES_DEMEURES)
    assert details.after_sales.email.startswith("sav@")
    assert details.collections.email.startswith("recouvrement@")


def test_a_profile_is_created_once_and_never_overwritten_by_a_reload(portal: Portal) -> None:
    accounts = wiring.accounts()
    original = accounts.profile("AG-1001", Creditor.PRESSIMMO)
    changed = replace(profile_for(DEMO_AGENCIES[0], Creditor.PRESSIMMO, 0), legal_name="Autre nom")
    assert accounts.add_profile_if_absent(changed) is False
    assert accounts.profile("AG-1001", Creditor.PRESSIMMO) == original
    masked = original.bank.masked_iban
    assert masked[-4:] == original.bank.iban[-4:] and set(masked[:-4]) == {"•"}


def test_another_agencys_document_is_not_found_under_ones_own_account(portal: Portal) -> None:
    ledger = wiring.ledger()
    pk = keys.account_pk("AG-2002", Creditor.PRESSIMMO)
    number = next(iter(EntryItem.query(pk, EntryItem.sk.startswith(keys.DOCUMENT_PREFIX), limit=1))).number
    mine = ledger.entry("AG-2002", Creditor.PRESSIMMO, number)
    assert mine.agency_id == "AG-2002"
    with pytest.raises(NotFound):
        ledger.entry("AG-1001", Creditor.PRESSIMMO, mine.number)
    with pytest.raises(NotFound):
        ledger.entry("AG-1001", Creditor.PRESSIMMO, "FA#2026")
