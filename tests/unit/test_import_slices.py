"""An import too long for one invocation goes on in slices, each sent the position of the next: the file
completes whatever its size, the same as in one pass, and a slice delivered twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from devstack.demo_data import DEMO_AGENCIES, profile_for
from mesfactures.domain.accounts import AccountProfile
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound
from mesfactures.domain.imports import COUNTS, START, Checkpoint, ImportFile, ImportReport, Position
from mesfactures.domain.ledger import LedgerEntry, UpsertOutcome
from mesfactures.domain.lifecycle import LifecycleEvent, Recorded
from mesfactures.imports.importer import import_file, import_from_store, report_key
from tests.fakes import FakeDocumentFiles

HEADER = (
    "creditor;agency_id;type;number;issued_on;due_on;label;net_cents;vat_rate_bp;vat_cents;gross_cents;"
    "settles;pdf;version"
)
FILE = ImportFile(key="imports/inbox/POLIRIS/20261201T100000/erp.csv", version="v1")


class Ledger:
    def __init__(self) -> None:
        self.documents: dict[str, int] = {}  # number -> version
        self.payments: dict[str, tuple[str, ...]] = {}

    def upsert_document(self, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome:
        known = self.documents.get(entry.number)
        self.documents[entry.number] = version
        return UpsertOutcome.INSERTED if known is None else UpsertOutcome.UNCHANGED

    def insert_new_documents(self, documents: Sequence[tuple[LedgerEntry, int, str]]) -> bool:
        if any(entry.number in self.documents for entry, _, _ in documents):
            return False
        for entry, version, _ in documents:
            self.documents[entry.number] = version
        return True

    def record_payment(self, payment: LedgerEntry) -> UpsertOutcome:
        if payment.number in self.payments:
            return UpsertOutcome.UNCHANGED
        if any(number not in self.documents for number in payment.settles):
            raise NotFound(f"la facture {payment.settles[0]} est inconnue sur ce compte")
        self.payments[payment.number] = payment.settles
        return UpsertOutcome.INSERTED


class Accounts:
    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile:
        if agency_id != "AG-1001":
            raise NotFound("compte inconnu")
        return profile_for(DEMO_AGENCIES[0], creditor, 0)


class Store(FakeDocumentFiles):
    def __init__(self, content: bytes) -> None:
        super().__init__({FILE.key: content})

    def read_version(self, key: str, version_id: str | None) -> bytes:
        return self.objects[key]

    def put_xml(self, key: str, content: bytes) -> None:
        self.objects[key] = content

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class Checkpoints:
    """The progress item: advanced only from the position it holds (a conditional write)."""

    def __init__(self) -> None:
        self.saved: dict[ImportFile, Checkpoint] = {}

    def begin(self, file: ImportFile) -> None:
        self.saved.setdefault(file, Checkpoint(START, dict.fromkeys(COUNTS, 0), ()))

    def load(self, file: ImportFile) -> Checkpoint | None:
        return self.saved.get(file)

    def advance(
        self,
        file: ImportFile,
        done: Position,
        following: Position | None,
        report: ImportReport,
        part: str | None,
    ) -> Checkpoint | None:
        current = self.saved[file]
        if current.position != done:
            return None
        counts = {name: current.counts[name] + getattr(report, name) for name in COUNTS}
        self.saved[file] = Checkpoint(following, counts, current.parts + ((part,) if part else ()))
        return self.saved[file]

    def next_sent(self, file: ImportFile, position: Position) -> None:
        if self.saved[file].position == position:
            self.saved[file] = replace(self.saved[file], next_sent=True)


class Queue:
    def __init__(self) -> None:
        self.messages: list[tuple[ImportFile, Position | None]] = [(FILE, None)]  # S3's notice

    def send(self, file: ImportFile, position: Position) -> None:
        self.messages.append((file, position))


class Ports:
    def __init__(self, content: bytes) -> None:
        self.ledger, self.queue = Ledger(), Queue()
        self.files, self.progress = Store(content), Checkpoints()

    def writer(self) -> Ledger:
        return self.ledger

    def accounts(self) -> Accounts:
        return Accounts()

    def store(self) -> Store:
        return self.files

    def checkpoints(self) -> Checkpoints:
        return self.progress

    def continuations(self) -> Queue:
        return self.queue

    def lifecycle(self) -> NoStatuses:
        return NoStatuses()


class NoStatuses:
    """A data file records no lifecycle status (CDAR files do): a call fails the test."""

    def record(self, agency_id: str, creditor: Creditor, event: LifecycleEvent) -> Recorded:
        raise AssertionError(f"a data file recorded a status: {event}")


def _invoice(index: int) -> str:
    return (
        f"POLIRIS;AG-1001;invoice;FA-2026-{index:06d};2026-11-02;2026-12-02;Annonce;10000;2000;2000;12000;;;1"
    )


def _payment(index: int, invoice: int) -> str:
    return (
        f"POLIRIS;AG-1001;payment;RG-2026-{index:06d};2026-11-10;;Virement;;;;6000;FA-2026-{invoice:06d};;1"
    )


def _feed() -> bytes:
    """A payment before the invoice it settles, bad rows in every slice, 350 documents, 3 payments."""
    rows = [_payment(1, 349)]
    for index in range(350):
        rows.append(_invoice(index))
        if index % 97 == 0:
            rows.append(
                f"POLIRIS;AG-4242;invoice;FA-2027-{index:06d};2026-11-02;2026-12-02;X;100;2000;20;120;;;1"
            )
    rows += [_payment(2, 0), _payment(3, 999_999)]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _run(
    ports: Ports, time_is_up: Callable[[], bool], deliver_twice: bool = False
) -> tuple[int, ImportReport]:
    """Delivers the queue's messages one invocation each, as Lambda does; the last report."""
    invocations, final = 0, None
    while ports.queue.messages:
        file, position = ports.queue.messages.pop(0)
        for _ in range(2 if deliver_twice else 1):
            invocations += 1
            final = import_from_store(file, position, ports, time_is_up) or final
    assert final is not None
    return invocations, final


def test_a_file_longer_than_one_invocation_completes_in_slices_as_in_one_pass() -> None:
    content = _feed()
    whole = Ports(content)
    one_pass = import_file(
        FILE.key,
        content,
        Creditor.POLIRIS,
        writer=whole.ledger,
        accounts=Accounts(),
        store=whole.files,
        attachment=lambda name: name,
    )
    sliced = Ports(content)

    invocations, report = _run(sliced, time_is_up=lambda: True)  # a limit shorter than any unit of work

    assert invocations == 4 + 4, "350 documents in chunks of 100; 3 payments, one each, and a last look"
    assert report == one_pass
    assert (report.accepted, report.inserted, len(report.rejected)) == (352, 352, 5)
    assert [r.line for r in report.rejected] == sorted(r.line for r in report.rejected)
    assert sliced.ledger.documents == whole.ledger.documents
    assert (
        sliced.ledger.payments
        == whole.ledger.payments
        == {
            "RG-2026-000001": ("FA-2026-000349",),
            "RG-2026-000002": ("FA-2026-000000",),
        }
    )
    assert sliced.files.objects[report_key(FILE.key)].startswith(b"{")


def test_each_slice_delivered_twice_changes_neither_the_ledger_nor_the_report() -> None:
    content = _feed()
    once, twice = Ports(content), Ports(content)

    _, expected = _run(once, time_is_up=lambda: True)
    _, report = _run(twice, time_is_up=lambda: True, deliver_twice=True)

    assert report == expected
    assert twice.ledger.documents == once.ledger.documents
    assert twice.ledger.payments == once.ledger.payments


def test_with_time_to_spare_a_file_is_one_invocation() -> None:
    ports = Ports(_feed())
    invocations, report = _run(ports, time_is_up=lambda: False)
    assert invocations == 1 and report.accepted == 352
