from datetime import date

import pytest

from mesfactures.domain.creditors import Creditor
from mesfactures.persistence import keys


def test_the_serialized_keys_are_pinned() -> None:
    assert keys.agency_pk("AG-1001") == "AGENCY#AG-1001"
    assert keys.creditor_pk(Creditor.BELLES_DEMEURES) == "CREDITOR#BELLES_DEMEURES"
    assert keys.account_pk("AG-1001", Creditor.POLIRIS) == "ACCOUNT#AG-1001#POLIRIS"
    assert keys.document_sk("FA-2026-000123") == "DOC#FA-2026-000123"
    assert keys.by_date_sk(date(2026, 3, 1), "AV-2026-000045") == "2026-03-01#AV-2026-000045"
    assert keys.open_item_sk(date(2026, 4, 30), "FA-2026-000123") == "2026-04-30#FA-2026-000123"
    assert (
        keys.member_sk("6b3c1e2a-0f00-4c1d-9a8b-1234567890ab") == "USER#6b3c1e2a-0f00-4c1d-9a8b-1234567890ab"
    )
    assert keys.activity_pk("AG-1001") == "ACTIVITY#AG-1001"
    assert keys.activity_sk("2026-11-30T10:00:00.000000Z", "01J") == "2026-11-30T10:00:00.000000Z#01J"
    assert keys.activity_of_person("AG-1001", "u-1") == "ACTIVITY#AG-1001#u-1"
    assert keys.activity_range(date(2026, 11, 1), date(2026, 11, 30)) == ("2026-11-01", "2026-11-30~")
    assert keys.pending_sign_in_pk("ab12") == "SIGNIN#ab12"
    assert keys.dispute_sk("01JDISPUTE") == "DISPUTE#01JDISPUTE"
    assert keys.dispute_event_sk("01JDISPUTE", "01JEVENT") == "DISPUTE#01JDISPUTE#EVENT#01JEVENT"
    assert keys.change_sk("01JCHANGE") == "CHANGE#01JCHANGE"
    assert keys.finance_sk("open", "2026-11-30T10:00:00+00:00", "01J") == "open#2026-11-30T10:00:00+00:00#01J"
    assert keys.finance_status_prefix("pending") == "pending#"
    assert keys.payment_intent_key("pi_3Q") == "PI#pi_3Q"
    # The file's key is the ERP's text: only its digest (with the version) goes into a key.
    assert (
        keys.import_pk("imports/inbox/POLIRIS/b/erp.csv", "v1")
        == "IMPORT#4e0248ed2ac0a55ea79fc5bcb334b846912a9e6e"
    )


@pytest.mark.parametrize("hostile", ["AG-1001#POLIRIS", "", "a" * 65, "FA 2026", "../x", "AG\u00e91"])
def test_a_key_part_that_could_reach_another_partition_is_refused(hostile: str) -> None:
    with pytest.raises(ValueError):
        keys.account_pk(hostile, Creditor.PRESSIMMO)
    with pytest.raises(ValueError):
        keys.document_sk(hostile)


def test_an_unknown_creditor_reads_as_not_found() -> None:
    from mesfactures.domain.errors import NotFound

    with pytest.raises(NotFound):
        Creditor.parse("SELOGER")
    assert Creditor.parse("POLIRIS") is Creditor.POLIRIS
