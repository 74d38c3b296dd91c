"""The import's use case with fakes of its ports: what reaches the ledger and the document store, and in
which order, when the store fails."""

from __future__ import annotations

import json
from collections.abc import Sequence

from devstack.demo_data import DEMO_AGENCIES, profile_for
from mesfactures.domain.accounts import AccountProfile
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ledger import LedgerEntry, UpsertOutcome
from mesfactures.imports.importer import import_file
from tests.fakes import FakeDocumentFiles

HEADER = (
    "creditor;agency_id;type;number;issued_on;due_on;label;net_cents;vat_rate_bp;vat_cents;gross_cents;"
    "settles;pdf;version"
)
ERP_PDF = b"%PDF-1.4\n% the ERP's own\n%%EOF\n"


class Ledger:
    def __init__(self) -> None:
        self.documents: dict[str, str] = {}  # number -> PDF key

    def upsert_document(self, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome:
        known = entry.number in self.documents
        self.documents[entry.number] = document_key
        return UpsertOutcome.UPDATED if known else UpsertOutcome.INSERTED

    def insert_new_documents(self, documents: Sequence[tuple[LedgerEntry, int, str]]) -> bool:
        for entry, _, key in documents:
            self.documents[entry.number] = key
        return True

    def record_payment(self, payment: LedgerEntry) -> UpsertOutcome:
        raise AssertionError("no payment in these files")


class Accounts:
    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile:
        return profile_for(DEMO_AGENCIES[0], creditor, 0)


class Store(FakeDocumentFiles):
    def __init__(self, failing_puts: int = 0) -> None:
        super().__init__({"inbox/erp.pdf": ERP_PDF})
        self.failing_puts = failing_puts

    def put_pdf(self, key: str, content: bytes) -> None:
        if self.failing_puts:
            self.failing_puts -= 1
            raise ConnectionError("the document store is unreachable")
        super().put_pdf(key, content)


def _file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _invoice(number: str, pdf: str = "") -> str:
    return f"POLIRIS;AG-1001;invoice;{number};2026-11-02;2026-12-02;Annonce;10000;2000;2000;12000;;{pdf};1"


def _import(content: bytes, ledger: Ledger, store: Store) -> tuple[int, int]:
    report = import_file(
        "erp.csv",
        content,
        Creditor.POLIRIS,
        writer=ledger,
        accounts=Accounts(),
        store=store,
        attachment=lambda name: f"inbox/{name}",
    )
    return report.accepted, report.retry_later


def test_the_import_draws_no_pdf_for_documents_sent_without_one() -> None:
    ledger, store = Ledger(), Store()
    assert _import(_file(_invoice("FA-2026-000001"), _invoice("FA-2026-000002")), ledger, store) == (2, 0)
    assert set(ledger.documents) == {"FA-2026-000001", "FA-2026-000002"}
    assert set(store.objects) == {"inbox/erp.pdf"}, "drawn on first opening, not here"


def test_an_erp_pdf_that_could_not_be_stored_leaves_no_entry_pointing_at_nothing() -> None:
    ledger, store = Ledger(), Store(failing_puts=1)
    assert _import(_file(_invoice("FA-2026-000003", pdf="erp.pdf")), ledger, store) == (0, 1)
    assert ledger.documents == {}, "a first opening would otherwise draw a PDF in place of the ERP's"
    assert _import(_file(_invoice("FA-2026-000003", pdf="erp.pdf")), ledger, store) == (1, 0)
    assert store.objects[ledger.documents["FA-2026-000003"]] == ERP_PDF


class PayingLedger(Ledger):
    def __init__(self) -> None:
        super().__init__()
        self.payments: list[str] = []

    def record_payment(self, payment: LedgerEntry) -> UpsertOutcome:
        self.payments.append(payment.number)
        return UpsertOutcome.INSERTED


def test_the_payments_phase_applies_every_row_validation_reads_as_a_payment() -> None:
    """The payments phase skips the rows that cannot be payments without judging them again: one whose
    type validation reads as `payment` (spaces around it, in JSON Lines) must still be applied."""
    rows = [
        {"creditor": "POLIRIS", "agency_id": "AG-1001", "type": " payment ", "number": "RG-2026-000001"},
        {"creditor": "POLIRIS", "agency_id": "AG-1001", "type": "payment", "number": "RG-2026-000002"},
        {"creditor": "POLIRIS", "agency_id": "AG-1001", "type": "Payment", "number": "RG-2026-000003"},
    ]
    common = {
        "issued_on": "2026-11-20",
        "label": "Virement",
        "gross_cents": 1_000,
        "settles": "FA-2026-000009",
    }
    content = "\n".join(json.dumps({**row, **common}) for row in rows).encode()
    ledger = PayingLedger()
    report = import_file(
        "erp.jsonl",
        content,
        Creditor.POLIRIS,
        writer=ledger,
        accounts=Accounts(),
        store=Store(),
        attachment=lambda name: f"inbox/{name}",
    )
    assert ledger.payments == ["RG-2026-000001", "RG-2026-000002"]
    assert [rejection.line for rejection in report.rejected] == [3]
