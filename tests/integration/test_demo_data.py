"""The demo data, as DynamoDB Local holds it: complete, consistent, and loaded once."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from devstack import stack
from devstack.demo_data import DEMO_AGENCIES, load
from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem
from tests.support import Portal


def _entries(agency_id: str, creditor: Creditor) -> list[EntryItem]:
    pk = keys.account_pk(agency_id, creditor)
    return list(EntryItem.query(pk, EntryItem.sk.startswith(keys.DOCUMENT_PREFIX)))


def test_a_second_load_adds_nothing(portal: Portal) -> None:
    anchor = stack.demo_anchor(portal.running.config)
    assert portal.running.demo_entries_added > 0
    before = {
        a.agency_id: len(wiring.disputes().for_account(a.agency_id, Creditor.POLIRIS)) for a in DEMO_AGENCIES
    }
    assert (
        load(
            wiring.entry_writer(),
            wiring.accounts(),
            wiring.documents(),
            anchor,
            wiring.disputes(),
            portal.url,
        )
        == 0
    )
    after = {
        a.agency_id: len(wiring.disputes().for_account(a.agency_id, Creditor.POLIRIS)) for a in DEMO_AGENCIES
    }
    assert after == before


def test_each_demo_account_has_a_year_of_entries_with_open_and_overdue_invoices(portal: Portal) -> None:
    today = date.today()
    for agency in DEMO_AGENCIES:
        for creditor in agency.creditors:
            items = _entries(agency.agency_id, creditor)
            kinds = {item.entry_type for item in items}
            open_invoices = [i for i in items if i.entry_type == "invoice" and i.balance_cents > 0]
            overdue = [i for i in open_invoices if i.due_on and date.fromisoformat(i.due_on) < today]
            assert len(items) >= 40
            assert kinds == {"invoice", "credit_note", "payment"}
            assert len(open_invoices) >= 6
            assert overdue
            assert all(item.agency_id == agency.agency_id for item in items)
            statuses = [d.status.value for d in wiring.disputes().for_account(agency.agency_id, creditor)]
            assert "open" in statuses


def test_every_invoice_balance_equals_its_amount_less_what_settled_it(portal: Portal) -> None:
    for agency in DEMO_AGENCIES:
        for creditor in agency.creditors:
            items = _entries(agency.agency_id, creditor)
            settled: dict[str, int] = defaultdict(int)
            by_portal: set[str] = set()  # settled by the portal (card, credit parts): test_money.py
            for item in items:
                applied = item.entry_type == "payment" or item.status == "applied"
                for number in item.settles or []:
                    if applied:
                        settled[str(number)] += -int(item.amount_cents)
                    if item.number.startswith(("CB-", "IA-")):
                        by_portal.add(str(number))
            for invoice in (i for i in items if i.entry_type == "invoice" and i.number not in by_portal):
                assert invoice.amount_cents - settled[invoice.number] == invoice.balance_cents, invoice.number
                assert (invoice.open_sk is not None) == (invoice.balance_cents > 0)


def test_each_document_has_its_pdf_in_the_document_store(portal: Portal) -> None:
    store = wiring.documents()
    items = _entries("AG-1001", Creditor.POLIRIS)
    documents = [item for item in items if item.entry_type != "payment"]
    assert documents and all(item.document_key for item in documents)
    assert store.read(documents[0].document_key or "").startswith(b"%PDF-")
    assert all(item.document_key is None for item in items if item.entry_type == "payment")
