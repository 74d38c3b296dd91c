"""New documents written in bulk, without a condition, under the creditor's lease (persistence/imports.py,
persistence/import_lease.py): on DynamoDB Local, where the conditions and the lease live."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pynamodb.exceptions import DoesNotExist

from mesfactures import wiring
from mesfactures.domain.errors import NotFound
from mesfactures.domain.ledger import LedgerEntry, UpsertOutcome
from mesfactures.domain.money import Money
from mesfactures.persistence import keys
from mesfactures.persistence.import_lease import CreditorLeases, ImportLeaseItem, LeaseTaken
from mesfactures.persistence.imports import EntryWriter
from tests.builders import CREDITOR, invoice
from tests.support import Portal


def _new(count: int, agency_id: str) -> list[LedgerEntry]:
    first = secrets.randbelow(10**5) * 10
    return [invoice(f"FA-2026-{first + n:06d}", 10_000 + n, agency_id=agency_id) for n in range(count)]


def _documents(entries: list[LedgerEntry]) -> list[tuple[LedgerEntry, int, str]]:
    return [(entry, 1, f"documents/{entry.entry_id}.pdf") for entry in entries]


def _written(agency_id: str, entry: LedgerEntry) -> LedgerEntry | None:
    try:
        return wiring.ledger().entry(agency_id, CREDITOR, entry.number)
    except NotFound:
        return None


def _lease_exists() -> bool:
    try:
        ImportLeaseItem.get(keys.import_lease_pk(CREDITOR), keys.IMPORT_LEASE_SK, consistent_read=True)
    except DoesNotExist:
        return False
    return True


@pytest.fixture
def agency_id(portal: Portal) -> str:
    wiring.entry_writer()  # binds the models to the stack's table
    return f"AG-{secrets.randbelow(10**8):08d}"


def test_new_documents_go_in_bulk_read_back_as_written_and_the_lease_is_given_back(
    agency_id: str,
) -> None:
    entries = _new(99, agency_id)
    assert EntryWriter().insert_new_documents(_documents(entries))
    for entry in entries:
        found = _written(agency_id, entry)
        assert found is not None
        assert (found.amount, found.balance, found.status, found.issued_on) == (
            entry.amount,
            entry.balance,
            entry.status,
            entry.issued_on,
        )
    assert not _lease_exists()


def test_a_chunk_naming_a_known_number_writes_none_of_its_documents(agency_id: str) -> None:
    known, *others = _new(3, agency_id)
    writer = EntryWriter()
    assert writer.upsert_document(known, 1, "documents/known.pdf") is UpsertOutcome.INSERTED
    assert not writer.insert_new_documents(_documents([others[0], known, others[1]]))
    assert [_written(agency_id, entry) for entry in others] == [None, None]


def test_while_another_import_holds_the_lease_no_document_of_its_creditor_is_created(agency_id: str) -> None:
    (entry,) = _new(1, agency_id)
    another_import, other = CreditorLeases(), EntryWriter()
    with another_import.holding(CREDITOR) as held:
        assert held
        assert not other.insert_new_documents(_documents([entry]))
        with pytest.raises(LeaseTaken):
            other.upsert_document(entry, 1, "documents/x.pdf")
        assert _written(agency_id, entry) is None
    assert other.upsert_document(entry, 1, "documents/x.pdf") is UpsertOutcome.INSERTED


def test_a_lease_past_its_end_is_taken_over(agency_id: str) -> None:
    (entry,) = _new(1, agency_id)
    ImportLeaseItem(
        keys.import_lease_pk(CREDITOR),
        keys.IMPORT_LEASE_SK,
        holder="a stopped import",
        until=int(time.time()) - 1,
        expires_at=datetime.now(UTC) + timedelta(days=1),
    ).save()
    assert EntryWriter().insert_new_documents(_documents([entry]))
    assert _written(agency_id, entry) is not None
    assert not _lease_exists()


def test_while_another_import_holds_the_lease_a_known_document_still_takes_its_new_version(
    agency_id: str,
) -> None:
    """The lease guards creations only: a new version replaces the document under its own conditions."""
    (entry,) = _new(1, agency_id)
    another_import, other = CreditorLeases(), EntryWriter()
    assert other.upsert_document(entry, 1, "documents/v1.pdf") is UpsertOutcome.INSERTED
    corrected = replace(
        entry, amount=Money(entry.amount.cents + 500), balance=Money(entry.balance.cents + 500)
    )
    with another_import.holding(CREDITOR) as held:
        assert held
        assert other.upsert_document(corrected, 2, "documents/v2.pdf") is UpsertOutcome.UPDATED
    found = _written(agency_id, entry)
    assert found is not None and found.amount == corrected.amount
