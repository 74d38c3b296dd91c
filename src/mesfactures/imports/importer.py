"""Importing one ERP file: documents first, then payments; a report of every row, written beside it."""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Protocol

from mesfactures.domain.accounts import AccountProfile
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import DomainError
from mesfactures.domain.imports import (
    COUNTS,
    START,
    Checkpoint,
    ImportFile,
    ImportReport,
    Phase,
    Position,
    Rejection,
)
from mesfactures.domain.ledger import EntryType, LedgerEntry, UpsertOutcome
from mesfactures.domain.lifecycle import LifecycleEvent, Recorded
from mesfactures.imports.einvoice import EInvoiceRejected, facturx_xml, is_einvoice, read_einvoice
from mesfactures.imports.rows import MAX_ROWS, ImportRow, RawRow, RowError, read_rows, validate
from mesfactures.observability import logger

if TYPE_CHECKING:
    from concurrent.futures import Future

_log = logger("mesfactures.imports")

INBOX = "imports/inbox/"
REPORTS = "imports/reports/"
DATA_SUFFIXES = (".csv", ".jsonl")
XML_SUFFIXES = (".xml",)  # CDAR status messages and CII e-invoices (docs/import.md)
WHOLE_SUFFIXES = (*XML_SUFFIXES, ".pdf")  # imported in one go; a PDF only if it is a Factur-X
MAX_PDF_BYTES = 10 * 1024 * 1024
CHUNK = 99  # new documents at a time: DynamoDB's 100 items a transaction, less the lease's check
# Transactions in flight at once (_ChunkWriters): DynamoDB works on several at once; with 3 the bench's
# DynamoDB Local was still idle between them (docs/decisions.md). Below pynamodb's 10 pooled connections.
CHUNK_WRITERS = 8
# The import function's timeout, and what a slice keeps of it for its last unit of work (a chunk that falls
# back to a hundred single writes, a PDF of 10 MB read and stored), its checkpoint, its report and the next
# message: measured in docs/import.md. A slice stops at the first unit that ends past the rest.
IMPORT_TIMEOUT_SECONDS = 120
SLICE_RESERVE_SECONDS = 20


class Writer(Protocol):
    def upsert_document(self, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome: ...

    def insert_new_documents(self, documents: Sequence[tuple[LedgerEntry, int, str]]) -> bool: ...

    def record_payment(self, payment: LedgerEntry) -> UpsertOutcome: ...


class Recorder(Protocol):
    def record(self, agency_id: str, creditor: Creditor, event: LifecycleEvent) -> Recorded: ...


class Accounts(Protocol):
    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile: ...


class Store(Protocol):
    def document_key_for(self, entry: LedgerEntry, version: int) -> str: ...

    def received_key_for(self, entry: LedgerEntry, version: int) -> str: ...

    def exists(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes: ...

    def put_pdf(self, key: str, content: bytes) -> None: ...

    def put_json(self, key: str, content: bytes) -> None: ...


class InboxStore(Store, Protocol):
    def read_version(self, key: str, version_id: str | None) -> bytes: ...

    def put_xml(self, key: str, content: bytes) -> None: ...

    def delete(self, key: str) -> None: ...


class _KnownAccounts:
    """The accounts a file's rows name, each looked up once: a row for an agency without an account at the
    creditor is refused."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts
        self._known: set[tuple[str, Creditor]] = set()

    def check(self, entry: LedgerEntry) -> None:
        account = (entry.agency_id, entry.creditor)
        if account not in self._known:
            self._accounts.profile(*account)  # NotFound for an unknown account
            self._known.add(account)


def import_file(
    name: str,
    content: bytes,
    creditor: Creditor,
    *,
    writer: Writer,
    accounts: Accounts,
    store: Store,
    attachment: Callable[[str], str | None],
) -> ImportReport:
    """Validates and applies every row in one go (the bench, the tests); `attachment(pdf_name)` gives the
    store key of a PDF sent beside."""
    report = ImportReport(file=name)
    position: Position | None = START
    while position is not None:
        part, position = import_slice(
            name,
            content,
            creditor,
            position,
            writer=writer,
            accounts=accounts,
            store=store,
            attachment=attachment,
            time_is_up=lambda: False,
        )
        report.add(part)
    report.rejected.sort(key=lambda rejection: rejection.line)
    return report


def import_slice(
    name: str,
    content: bytes,
    creditor: Creditor,
    position: Position,
    *,
    writer: Writer,
    accounts: Accounts,
    store: Store,
    attachment: Callable[[str], str | None],
    time_is_up: Callable[[], bool],
) -> tuple[ImportReport, Position | None]:
    """Goes on from `position` until the file is done or `time_is_up()` after a unit of work (a hundred
    new documents, a document with its PDF, a payment): what it did, and where the next slice starts
    (None: the file is done). At least one unit is done, so a chain of slices always ends.

    A row is judged once, in the documents phase: its rejection is in that slice's report; the payments
    phase reads the file again and applies the valid payments only."""
    report = ImportReport(file=name)
    try:
        if position.phase is Phase.DOCUMENTS:
            stopped = _documents_slice(
                report, content, name, creditor, position.row, writer, accounts, store, attachment, time_is_up
            )
            if stopped is not None or time_is_up():
                return report, stopped or Position(Phase.PAYMENTS, 0)
            position = Position(Phase.PAYMENTS, 0)
        return report, _payments_slice(
            report, content, name, creditor, position.row, writer, accounts, time_is_up
        )
    except UnicodeDecodeError:
        report.reject(0, "le fichier n'est pas en UTF-8")
        return report, None


def _judged(row: RawRow, creditor: Creditor, known: _KnownAccounts) -> ImportRow:
    """The row validated and its account known (RowError, or a DomainError for an unknown account)."""
    valid = validate(row, creditor)
    known.check(valid.entry)
    return valid


def _documents_slice(
    report: ImportReport,
    content: bytes,
    name: str,
    creditor: Creditor,
    start: int,
    writer: Writer,
    accounts: Accounts,
    store: Store,
    attachment: Callable[[str], str | None],
    time_is_up: Callable[[], bool],
) -> Position | None:
    """Judges every row from `start` and writes the documents, a chunk at a time; the position after the
    last chunk written if time ran out, else None."""
    known = _KnownAccounts(accounts)
    pending: list[ImportRow] = []
    with _ChunkWriters(report, writer, store, attachment) as writers:
        for index, row in enumerate(read_rows(name, content)):
            if index < start:
                continue
            if index >= MAX_ROWS:
                report.reject(
                    row.line if isinstance(row, RawRow) else row[0], f"au-delà de {MAX_ROWS} lignes"
                )
                continue
            if not isinstance(row, RawRow):
                report.reject(*row)
                continue
            try:
                valid = _judged(row, creditor, known)
            except RowError as error:
                report.reject(row.line, str(error))
                continue
            except DomainError:
                report.reject(row.line, "aucun compte de cette agence chez ce créancier")
                continue
            if valid.entry.type is not EntryType.PAYMENT:
                pending.append(valid)
            if len(pending) == CHUNK or (pending and pending[-1].pdf_name):
                writers.write(pending)
                pending = []
                if time_is_up():
                    writers.settle_all()
                    return Position(Phase.DOCUMENTS, index + 1)
        writers.write(pending)
    return None


class _ChunkWriters:
    """Chunks of new documents written by a few threads at once, while this one reads and judges the next
    rows: one chunk at a time left DynamoDB waiting on Python and Python on DynamoDB. The writer takes a
    chunk whole or not at all, and only if none of its numbers exists or is being written (see
    persistence/imports.py: in bulk under the creditor's lease, or one conditioned transaction): two
    chunks in flight that name one number cannot both insert it. Only this thread touches the report: a
    chunk's outcome is counted when it is settled, oldest first, and a chunk refused whole (a number
    already known) is then taken row by row here, as before. Everything in flight is settled before a
    position is returned."""

    def __init__(
        self,
        report: ImportReport,
        writer: Writer,
        store: Store,
        attachment: Callable[[str], str | None],
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._report, self._writer, self._store, self._attachment = report, writer, store, attachment
        self._pool = ThreadPoolExecutor(max_workers=CHUNK_WRITERS, thread_name_prefix="import-chunk")
        self._in_flight: deque[tuple[list[ImportRow], Future[bool]]] = deque()

    def __enter__(self) -> _ChunkWriters:
        return self

    def __exit__(self, *_exception: object) -> None:
        try:
            self.settle_all()
        finally:
            self._pool.shutdown(wait=True)

    def write(self, rows: list[ImportRow]) -> None:
        if not rows:
            return
        if any(row.pdf_name for row in rows):  # its PDF is stored before its entry: in order, here
            self.settle_all()
            _import_documents(self._report, rows, self._writer, self._store, self._attachment)
            return
        if len(self._in_flight) >= CHUNK_WRITERS:
            self._settle(*self._in_flight.popleft())
        self._in_flight.append((rows, self._pool.submit(_inserted_together, self._writer, self._store, rows)))

    def settle_all(self) -> None:
        while self._in_flight:
            self._settle(*self._in_flight.popleft())

    def _settle(self, rows: list[ImportRow], inserted: Future[bool]) -> None:
        if inserted.result():
            for _ in rows:
                self._report.count(UpsertOutcome.INSERTED)
            return
        for row in rows:
            _apply(
                self._report, row, lambda v: _import_document(v, self._writer, self._store, self._attachment)
            )


def _payments_slice(
    report: ImportReport,
    content: bytes,
    name: str,
    creditor: Creditor,
    start: int,
    writer: Writer,
    accounts: Accounts,
    time_is_up: Callable[[], bool],
) -> Position | None:
    known = _KnownAccounts(accounts)
    for index, row in enumerate(read_rows(name, content)):
        if index < start or index >= MAX_ROWS or not isinstance(row, RawRow) or not _names_payment(row):
            continue
        try:
            valid = _judged(row, creditor, known)
        except (RowError, DomainError):
            continue  # rejected in the documents phase
        if valid.entry.type is EntryType.PAYMENT:
            _apply(report, valid, lambda v: writer.record_payment(v.entry))
            if time_is_up():
                return Position(Phase.PAYMENTS, index + 1)
    return None


def _names_payment(row: RawRow) -> bool:
    """Whether the row can be a payment (its type as validation reads it): the payments phase judges no
    other row again (judging 100,000 invoices a second time was 4 s of the bench's 78)."""
    kind = row.fields.get("type")
    return kind is not None and str(kind).strip() == EntryType.PAYMENT.value


def _apply(report: ImportReport, row: ImportRow, action: Callable[[ImportRow], UpsertOutcome]) -> None:
    """One row's failure, whatever it is, is that row's rejection: the others go on, the report is written."""
    try:
        report.count(action(row))
    except (DomainError, RowError) as error:
        report.reject(row.line, str(error))
    except Exception:
        _log.exception("row failed", extra={"file": report.file, "line": row.line})
        report.reject(row.line, "erreur technique sur cette ligne : elle sera réessayée")
        report.retry_later += 1


def _import_documents(
    report: ImportReport,
    rows: list[ImportRow],
    writer: Writer,
    store: Store,
    attachment: Callable[[str], str | None],
) -> None:
    """New documents go in 99 at a time, only if every number is new (the writer reads it under the
    creditor's lease, or conditions each Put on it); a chunk with a number already known goes row by row,
    as do rows with a PDF sent beside. One conditional write per row made 100,000 rows take 100,000
    round trips (make bench: 0.18x the speed of bare batch writes). No PDF is drawn here: a document the
    ERP sent without one is drawn on its first opening (statement/documents.py); rendering and storing
    100,000 PDFs held the import to 0.10x."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        new = [row for row in chunk if not row.pdf_name]
        if new and _inserted_together(writer, store, new):
            for _ in new:
                report.count(UpsertOutcome.INSERTED)
            chunk = [row for row in chunk if row.pdf_name]
        for row in chunk:
            _apply(report, row, lambda v: _import_document(v, writer, store, attachment))


def _inserted_together(writer: Writer, store: Store, rows: list[ImportRow]) -> bool:
    try:
        return writer.insert_new_documents([(row.entry, row.version, _key(row, store)) for row in rows])
    except Exception:
        _log.exception("chunk failed: its rows are taken one by one", extra={"first_line": rows[0].line})
        return False


def _key(row: ImportRow, store: Store) -> str:
    return store.document_key_for(row.entry, row.version)


def _import_document(
    row: ImportRow, writer: Writer, store: Store, attachment: Callable[[str], str | None]
) -> UpsertOutcome:
    key = _key(row, store)
    if row.pdf_name:
        # Stored before the entry: once the entry is there, a first opening would draw a PDF for a key
        # still empty and keep it, hiding the ERP's own. The key is the version's, so this is harmless.
        store.put_pdf(key, _attached_pdf(row, store, attachment))
    return writer.upsert_document(row.entry, row.version, key)


def _attached_pdf(row: ImportRow, store: Store, attachment: Callable[[str], str | None]) -> bytes:
    key = attachment(row.pdf_name or "")
    if key is None or not store.exists(key):
        raise RowError(f"le PDF « {row.pdf_name} » est absent du dépôt")
    content = store.read(key)
    if not content.startswith(b"%PDF-") or len(content) > MAX_PDF_BYTES:
        raise RowError(f"« {row.pdf_name} » n'est pas un PDF de moins de 10 Mo")
    return content


def report_key(data_key: str) -> str:
    return REPORTS + data_key.removeprefix(INBOX) + ".report.json"


def creditor_inbox(creditor: Creditor) -> str:
    """Each creditor's ERP drops its files under its own prefix (and, in AWS, may write nowhere else):
    a file can only feed the ledger of the creditor whose inbox it arrived in."""
    return f"{INBOX}{creditor.value}/"


class Checkpoints(Protocol):
    def begin(self, file: ImportFile) -> None: ...

    def load(self, file: ImportFile) -> Checkpoint | None: ...

    def advance(
        self,
        file: ImportFile,
        done: Position,
        following: Position | None,
        report: ImportReport,
        part: str | None,
    ) -> Checkpoint | None: ...

    def next_sent(self, file: ImportFile, position: Position) -> None: ...


class Continuations(Protocol):
    def send(self, file: ImportFile, position: Position) -> None: ...


class Ports(Protocol):
    """What an import needs, as the composition root provides it."""

    def writer(self) -> Writer: ...

    def accounts(self) -> Accounts: ...

    def store(self) -> InboxStore: ...

    def checkpoints(self) -> Checkpoints: ...

    def continuations(self) -> Continuations: ...

    def lifecycle(self) -> Recorder: ...


def import_from_store(
    file: ImportFile, position: Position | None, ports: Ports, time_is_up: Callable[[], bool]
) -> ImportReport | None:
    """The handler's use case, one slice of a file per message: S3's notice starts at the beginning
    (`position` None), each slice that stops for time checkpoints where the next starts, then sends it
    that position. Only the message for the checkpoint's position does work, and only one delivery of it
    can advance the checkpoint (a conditional write): a message delivered twice changes nothing. A late
    message finding the successor of the checkpoint unsent (its sender stopped between the two) sends
    it. The answer is the report when this slice finished the file (or could not: rows to try again)."""
    if _inbox_creditor(file.key, WHOLE_SUFFIXES) is not None:
        return _import_whole(file, position, ports)
    creditor = _inbox_creditor(file.key)
    if creditor is None:
        return None  # not a data file of an inbox (its PDFs, a report)
    checkpoints = ports.checkpoints()
    if position is None:
        checkpoints.begin(file)
        position = START
    checkpoint = checkpoints.load(file)
    if checkpoint is None or checkpoint.position is None:
        return None
    if checkpoint.position != position:
        if not checkpoint.next_sent:
            _send_next(file, checkpoint.position, ports)
        return None
    store = ports.store()
    folder = str(PurePosixPath(file.key).parent)
    report, following = import_slice(
        file.key,
        store.read_version(file.key, file.version_id),
        creditor,
        position,
        writer=ports.writer(),
        accounts=ports.accounts(),
        store=store,
        attachment=lambda name: f"{folder}/{name}",
        time_is_up=time_is_up,
    )
    if not report.complete:
        # Written as it stands, then the queue delivers this slice again: its rows already written come
        # back unchanged, the others get their second chance.
        return _write_report(file, checkpoint, store, report)
    part = _write_part(file, position, store, report)
    advanced = checkpoints.advance(file, position, following, report, part)
    if advanced is None:
        return None  # the same slice, delivered twice, was checkpointed by the other delivery
    if following is not None:
        _send_next(file, following, ports)
        return None
    return _write_report(file, advanced, store, None)


def _send_next(file: ImportFile, position: Position, ports: Ports) -> None:
    ports.continuations().send(file, position)
    ports.checkpoints().next_sent(file, position)


def _import_whole(file: ImportFile, position: Position | None, ports: Ports) -> ImportReport | None:
    """An XML file (a CDAR, a CII invoice) or a Factur-X PDF of the inbox, in one go (at most 5 MB of
    status messages, or one invoice): once per version of the file, as for the data files (its
    checkpoint). A PDF without an invoice inside is the attachment of a data file: not imported alone."""
    from mesfactures.lifecycle.use_cases import apply_status_file

    creditor = _inbox_creditor(file.key, WHOLE_SUFFIXES)
    if position is not None or creditor is None:
        return None  # these files are not sliced: no continuation names one
    store = ports.store()
    content = store.read_version(file.key, file.version_id)
    embedded = facturx_xml(content) if file.key.endswith(".pdf") else None
    if file.key.endswith(".pdf") and embedded is None:
        return None
    checkpoints = ports.checkpoints()
    checkpoints.begin(file)
    checkpoint = checkpoints.load(file)
    if checkpoint is None or checkpoint.position != START:
        return None
    if embedded is not None:
        report = _import_einvoice(file.key, embedded, creditor, ports, pdf=content)
    elif is_einvoice(content):
        report = _import_einvoice(file.key, content, creditor, ports)
    else:
        report = apply_status_file(file.key, content, creditor, ports.lifecycle())
    _write_full_report(store, report)
    if report.complete:
        checkpoints.advance(file, START, None, report, None)
    return report


def _import_einvoice(
    key: str, xml: bytes, creditor: Creditor, ports: Ports, pdf: bytes | None = None
) -> ImportReport:
    """An e-invoice of the inbox (CII, or the CII of a Factur-X PDF): checked whole (XSD, EN 16931 rules,
    the rows' validation), then the file received is kept as the legal document and the entry upserted
    like a row; a rejection writes nothing (a file stored for an entry the ledger refuses is taken back)."""
    report = ImportReport(file=key)
    try:
        row = read_einvoice(xml, creditor, PurePosixPath(key).name).row
        _KnownAccounts(ports.accounts()).check(row.entry)
    except EInvoiceRejected as error:
        report.reject(0, str(error))
        return report
    except DomainError:
        report.reject(0, "MF-ACHETEUR : aucun compte de cette agence (BuyerTradeParty/ID) chez ce créancier")
        return report
    store = ports.store()
    entry = row.entry
    received = pdf if pdf is not None else xml
    document = (
        store.document_key_for(entry, row.version)
        if pdf is not None
        else store.received_key_for(entry, row.version)
    )
    known = store.exists(document)
    if known and store.read(document) != received:
        report.reject(
            0,
            f"MF-VERSION : la version {row.version} de {entry.number} a déjà été reçue avec un autre "
            f"contenu ; envoyez la correction sous le nom …-v{row.version + 1}{PurePosixPath(key).suffix}",
        )
        return report
    if pdf is not None:
        store.put_pdf(document, received)
    else:
        store.put_xml(document, received)
    _apply(report, row, lambda valid: ports.writer().upsert_document(valid.entry, valid.version, document))
    if report.rejected and not known:
        store.delete(document)
    return report


def _write_full_report(store: Store, report: ImportReport) -> None:
    report.rejected.sort(key=lambda rejection: rejection.line)
    store.put_json(report_key(report.file), json.dumps(asdict(report), ensure_ascii=False, indent=2).encode())


def _inbox_creditor(key: str, suffixes: tuple[str, ...] = DATA_SUFFIXES) -> Creditor | None:
    if not key.startswith(INBOX) or not key.endswith(suffixes) or ".." in key:
        return None
    try:
        return Creditor(key.removeprefix(INBOX).split("/")[0])
    except ValueError:
        return None


def _write_part(file: ImportFile, position: Position, store: InboxStore, report: ImportReport) -> str | None:
    """A slice's rejections, beside the report to come: a file may reject 200,000 rows, more than an
    item of the ledger holds."""
    if not report.rejected:
        return None
    version = hashlib.sha256(file.version.encode()).hexdigest()[:16]
    key = f"{report_key(file.key)}.parts/{version}/{position.phase.value}-{position.row:06d}.json"
    store.put_json(key, json.dumps([asdict(r) for r in report.rejected], ensure_ascii=False).encode())
    return key


def _write_report(
    file: ImportFile, checkpoint: Checkpoint, store: Store, pending: ImportReport | None
) -> ImportReport:
    report = ImportReport(file=file.key)
    for name in COUNTS:
        setattr(report, name, checkpoint.counts.get(name, 0))
    for part in checkpoint.parts:
        report.rejected.extend(Rejection(**item) for item in json.loads(store.read(part)))
    if pending is not None:
        report.add(pending)
    report.rejected.sort(key=lambda rejection: rejection.line)
    store.put_json(report_key(file.key), json.dumps(asdict(report), ensure_ascii=False, indent=2).encode())
    return report
