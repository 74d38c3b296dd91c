"""Import: N ERP rows (100,000 in the full run) through the import's use case, against bare BatchWriteItem
of the same items into the same table, each side in a DynamoDB Local of its own started alike (budget: the
import runs at no less than 0.8x the speed of the bare batch writes).

Runs in a process of its own (`python -m bench.imports DATA_DIR ROWS OUT.json`) on DynamoDB Local and
moto alone: no gateway, no stream consumer, nothing else competing for the two cores while it is timed.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3

from bench.report import Row, verdict
from devstack import emulators, provisioning
from devstack.config import REGION, StackConfig, apply_environment, aws_environment
from devstack.processes import start, stop, wait_for_port

BUDGET = 0.8
AGENCY = "AG-1001"
CREDITOR = "PRESSIMMO"
HEADER = "creditor;agency_id;type;number;issued_on;due_on;label;net_cents;vat_rate_bp;vat_cents;gross_cents"


def erp_file(rows: int, today: date) -> bytes:
    """An ERP file of `rows` invoices of one account over a year (CSV, as docs/import.md describes)."""
    lines = [HEADER]
    for index in range(rows):
        issued = today - timedelta(days=index % 365)
        net = 1_000 + (index * 7919) % 400_000
        vat = (net * 2000 + 5_000) // 10_000
        year = 2040 + index // 1_000_000
        lines.append(
            f"{CREDITOR};{AGENCY};invoice;FA-{year}-{index % 1_000_000:06d};{issued.isoformat()};"
            f"{(issued + timedelta(days=30)).isoformat()};Annonces, lot {index};{net};2000;{vat};{net + vat}"
        )
    return ("\n".join(lines) + "\n").encode()


def _config(data_dir: Path) -> StackConfig:
    return StackConfig(
        dynamodb_port=28020,
        moto_port=25020,
        gateway_port=28099,
        stripe_port=22199,
        data_dir=data_dir,
        table_name="mesfactures-bench-import",
        bucket_name="mesfactures-documents-bench-import",
    )


def _start_dynamodb_in_memory(config: StackConfig) -> Any:
    """DynamoDB Local kept in memory: on disk its SQLite file, not the API, sets the pace (about 490
    batched items/s on disk against 2,500 in memory here), for the import and its baseline alike."""
    import shutil

    jar = emulators.install_dynamodb_local()
    java = shutil.which("java") or "java"
    command = [java, "-Xmx768m", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar)]
    command += ["-port", str(config.dynamodb_port), "-inMemory", "-disableTelemetry"]
    config.data_dir.mkdir(parents=True, exist_ok=True)
    process = start(command, config.data_dir / "logs" / "dynamodb.log", cwd=config.data_dir)
    wait_for_port(config.dynamodb_port, "DynamoDB Local", process)
    return process


class _Clock:
    """Seconds spent in each port the import calls (summed over threads, if the import uses several)."""

    def __init__(self) -> None:
        import threading

        self.seconds: dict[str, float] = {}
        self.last_end: dict[str, float] = {}
        self._lock = threading.Lock()

    def timed(self, name: str, action: Any) -> Any:
        def run(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return action(*args)
            finally:
                ended = time.perf_counter()
                with self._lock:
                    self.seconds[name] = self.seconds.get(name, 0.0) + ended - started
                    self.last_end[name] = max(ended, self.last_end.get(name, ended))

        return run


class _TimedWriter:
    def __init__(self, inner: Any, clock: _Clock) -> None:
        self.upsert_document = clock.timed("ledger writes", inner.upsert_document)
        self.insert_new_documents = clock.timed("ledger writes", inner.insert_new_documents)
        self.record_payment = clock.timed("ledger writes", inner.record_payment)


class _TimedStore:
    def __init__(self, inner: Any, clock: _Clock) -> None:
        self.exists = clock.timed("document store", inner.exists)
        self.read = clock.timed("document store", inner.read)
        self.put_pdf = clock.timed("document store", inner.put_pdf)
        self.put_json = clock.timed("document store", inner.put_json)
        self.document_key_for = inner.document_key_for  # no call to the store: not timed
        self.received_key_for = inner.received_key_for


def _same_items(content: bytes) -> list[dict[str, Any]]:
    """The items the import writes for these rows, serialized once, before the baseline's clock starts."""
    from mesfactures.documents.store import document_key
    from mesfactures.domain.creditors import Creditor
    from mesfactures.imports.rows import RawRow, read_rows, validate
    from mesfactures.persistence.ledger import item_from_entry

    items = []
    for row in read_rows("feed.csv", content):
        assert isinstance(row, RawRow)  # noqa: S101
        entry = validate(row, Creditor(CREDITOR)).entry
        item = item_from_entry(entry, document_key(entry.agency_id, entry.creditor, entry.entry_id))
        items.append(item.serialize())
    return items


def bare_batch_writes(client: Any, table: str, items: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for first in range(0, len(items), 25):
        pending: dict[str, Any] = {
            table: [{"PutRequest": {"Item": item}} for item in items[first : first + 25]]
        }
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return time.perf_counter() - started


TRANSACTION_ITEMS = 100  # as the import writes its new documents (imports/importer.py CHUNK)
TRANSACTIONS_IN_FLIGHT = 4  # the best of 1, 4, 8 and 16 measured here (docs/decisions.md)


def bare_conditioned_transactions(client: Any, table: str, items: list[dict[str, Any]]) -> float:
    """The same items as TransactWriteItems of 100, each Put conditioned on its key being new, a few in
    flight, nothing else: the fastest the import can write while every new document keeps its condition."""
    from concurrent.futures import ThreadPoolExecutor

    def write(first: int) -> None:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(SK)"}}
                for item in items[first : first + TRANSACTION_ITEMS]
            ]
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=TRANSACTIONS_IN_FLIGHT) as pool:
        list(pool.map(write, range(0, len(items), TRANSACTION_ITEMS)))
    return time.perf_counter() - started


def _seed_account() -> None:
    from devstack.demo_data import DEMO_AGENCIES, creditor_details, profile_for
    from mesfactures import wiring
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.ledger import Agency

    accounts = wiring.accounts()
    agency = DEMO_AGENCIES[0]
    accounts.save_creditor(creditor_details(Creditor(CREDITOR)))
    accounts.save_agency(Agency(agency.agency_id, agency.name, agency.creditors))
    accounts.add_profile_if_absent(profile_for(agency, Creditor(CREDITOR), 0))


@dataclass(frozen=True)
class ImportRun:
    rows: int
    import_seconds: float
    ledger_phase_seconds: float  # from the start until the last ledger write returned
    bare_seconds: float
    conditioned_seconds: float  # the same items in conditioned transactions alone (the import's ceiling)
    report: dict[str, Any]
    pdfs_stored: int  # none since PDFs are drawn on first opening
    seconds_in: dict[str, float]


def _in_fresh_database(config: StackConfig, writes: Any) -> float:
    """`writes(client)` timed in a DynamoDB Local of its own, on the table as provisioning creates it."""
    database = _start_dynamodb_in_memory(config)
    try:
        provisioning.ensure_table(config)
        client = boto3.session.Session().client(
            "dynamodb", region_name=REGION, endpoint_url=config.dynamodb_url
        )
        seconds: float = writes(client)
        return seconds
    finally:
        stop(database)


def run(data_dir: Path, rows: int) -> ImportRun:
    from mesfactures import wiring
    from mesfactures.domain.calendar import today_in_paris
    from mesfactures.domain.creditors import Creditor
    from mesfactures.imports.importer import import_file

    config = _config(data_dir)
    # The import's function signs nobody in: the pool is named only because the settings require one.
    apply_environment(
        {**aws_environment(config), "COGNITO_USER_POOL_ID": "unused", "COGNITO_CLIENT_ID": "unused"}
    )
    content = erp_file(rows, today_in_paris())
    items = _same_items(content)
    # Each side writes into a DynamoDB Local of its own, started alike: one process's streams slow every
    # later write in it (a second table's batched writes ran at 226 items/s after a first table's 20,000
    # at 1,810, and at full speed with streams off), so whichever ran second paid for the first.
    bare = _in_fresh_database(config, lambda client: bare_batch_writes(client, config.table_name, items))
    conditioned = _in_fresh_database(
        config, lambda client: bare_conditioned_transactions(client, config.table_name, items)
    )
    with ExitStack() as running:
        database = _start_dynamodb_in_memory(config)
        running.callback(stop, database)
        moto = emulators.start_moto(config)
        running.callback(stop, moto)
        provisioning.ensure_table(config)
        provisioning.ensure_bucket(config)
        _seed_account()
        clock = _Clock()
        started = time.perf_counter()
        report = import_file(
            "feed.csv",
            content,
            Creditor(CREDITOR),
            writer=_TimedWriter(wiring.entry_writer(), clock),
            accounts=wiring.accounts(),
            store=_TimedStore(wiring.documents(), clock),
            attachment=lambda _name: None,
        )
        imported = time.perf_counter() - started
        s3: Any = boto3.session.Session().client("s3", region_name=REGION)
        stored = sum(
            page.get("KeyCount", 0)
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=config.bucket_name, Prefix="documents/"
            )
        )
    summary = asdict(report)
    summary["rejected"] = summary["rejected"][:5]
    ledger_phase = clock.last_end["ledger writes"] - started
    seconds_in = {name: round(seconds, 2) for name, seconds in clock.seconds.items()}
    return ImportRun(rows, imported, ledger_phase, bare, conditioned, summary, stored, seconds_in)


def rows_of(result: ImportRun) -> list[Row]:
    ratio = result.bare_seconds / result.import_seconds  # speed of the import / speed of bare writes
    ceiling = result.bare_seconds / result.conditioned_seconds
    bare = f"{result.rows / result.bare_seconds:,.0f} items/s ({result.bare_seconds:.1f} s)"
    return [
        Row(
            "Import",
            f"{result.rows:,} ERP rows (PDFs drawn when opened): ≥ 0.8x the speed of bare BatchWriteItem",
            f"{result.rows / result.import_seconds:,.0f} rows/s ({result.import_seconds:.1f} s)",
            bare,
            ratio,
            verdict(ratio >= BUDGET and result.report["accepted"] == result.rows),
            asdict(result),
        ),
        Row(
            "Import",
            f"the same items in conditioned TransactWriteItems of {TRANSACTION_ITEMS}, "
            f"{TRANSACTIONS_IN_FLIGHT} in flight, nothing else: the import's ceiling (information)",
            f"{result.rows / result.conditioned_seconds:,.0f} items/s ({result.conditioned_seconds:.1f} s)",
            bare,
            ceiling,
            "info",
        ),
    ]


def main() -> None:
    data_dir, rows, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    out.write_text(json.dumps([asdict(row) for row in rows_of(run(data_dir, rows))]))


if __name__ == "__main__":
    main()
