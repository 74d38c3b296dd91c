"""The statement reads its page straight from DynamoDB's items: the fast reader must give back exactly the
entry that was written, whatever it holds, as the pynamodb model does."""

from __future__ import annotations

import time
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money
from mesfactures.persistence.ledger import entry_from_item, entry_from_raw, item_from_entry

_lines = st.lists(
    st.builds(
        DocumentLine,
        label=st.text(min_size=1, max_size=40),
        quantity=st.integers(1, 1_000),
        unit_net_cents=st.integers(0, 10_000_000),
        vat_rate_basis_points=st.sampled_from([0, 210, 550, 1000, 2000]),
    ),
    max_size=30,
).map(tuple)


@st.composite
def entries(draw: st.DrawFn) -> LedgerEntry:
    issued = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    amount = draw(st.integers(-10_000_000, 10_000_000))
    return LedgerEntry(
        entry_id="01JBENCHENTRY0000000000000",
        agency_id=draw(st.sampled_from(["AG-1001", "AG-2002"])),
        creditor=draw(st.sampled_from(list(Creditor))),
        type=draw(st.sampled_from(list(EntryType))),
        number=f"FA-2026-{draw(st.integers(0, 999_999)):06d}",
        issued_on=issued,
        due_on=draw(st.none() | st.just(issued + timedelta(days=30))),
        label=draw(st.text(min_size=1, max_size=200)),
        amount=Money(amount),
        balance=Money(draw(st.integers(-abs(amount), abs(amount)))),
        status=draw(st.sampled_from(list(EntryStatus))),
        lines=draw(_lines),
        settles=tuple(draw(st.lists(st.sampled_from(["FA-2026-000001", "FA-2026-000002"]), max_size=2))),
        dispute_id=draw(st.none() | st.just("01JDISPUTE0000000000000000")),
    )


@given(entries())
def test_an_entry_read_from_its_raw_item_is_the_entry_written(entry: LedgerEntry) -> None:
    raw = item_from_entry(entry, "documents/x.pdf").serialize()
    assert entry_from_raw(raw) == entry
    assert entry_from_raw(raw) == entry_from_item(item_from_entry(entry, "documents/x.pdf"))


def _raw_locked(until: float) -> dict[str, dict[str, str]]:
    return {
        "entry_id": {"S": "01JBENCHENTRY0000000000000"},
        "agency_id": {"S": "AG-1001"},
        "creditor": {"S": "POLIRIS"},
        "entry_type": {"S": "invoice"},
        "number": {"S": "FA-2026-000123"},
        "issued_on": {"S": "2026-11-02"},
        "due_on": {"S": "2026-12-02"},
        "label": {"S": "Annonces"},
        "currency": {"S": "EUR"},
        "amount_cents": {"N": "12000"},
        "balance_cents": {"N": "12000"},
        "status": {"S": "open"},
        "payment_lock": {"S": "01JPAYMENT0000000000000000"},
        "payment_lock_until": {"N": str(int(until))},
    }


def test_a_payment_lock_shows_until_it_expires_and_not_after() -> None:
    assert entry_from_raw(_raw_locked(time.time() + 600)).payment_lock == "01JPAYMENT0000000000000000"
    assert entry_from_raw(_raw_locked(time.time() - 1)).payment_lock is None
