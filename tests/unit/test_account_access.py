"""The one rule for accounts: an agency without an account at a creditor gets 404, as for another
agency's account; an answer that already holds something of the account needs no second look."""

from __future__ import annotations

import pytest

from mesfactures.domain.account_access import account_must_exist
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import UnknownAccount
from mesfactures.http.errors import error_response, status_for
from tests.builders import AGENCY, CREDITOR, ledger_with_accounts


def test_an_account_the_agency_has_passes() -> None:
    account_must_exist(ledger_with_accounts(), AGENCY, CREDITOR)


@pytest.mark.parametrize(
    ("agency_id", "creditor"), [(AGENCY, Creditor.BELLES_DEMEURES), ("AG-9999", CREDITOR)]
)
def test_an_account_the_agency_does_not_have_is_not_found(agency_id: str, creditor: Creditor) -> None:
    with pytest.raises(UnknownAccount) as refused:
        account_must_exist(ledger_with_accounts(), agency_id, creditor)
    assert status_for(refused.value) == 404
    assert error_response(refused.value).body == '{"code": "not_found", "message": "Compte introuvable."}'


def test_something_found_of_the_account_proves_it_exists() -> None:
    nobody = ledger_with_accounts()
    nobody.profiles.clear()
    account_must_exist(nobody, AGENCY, CREDITOR, unless_found=["a dispute"])
    with pytest.raises(UnknownAccount):
        account_must_exist(nobody, AGENCY, CREDITOR, unless_found=[])
