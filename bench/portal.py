"""The benchmark's own local stack (ports and data folder of its own), its sessions, and the large account."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from devstack.config import StackConfig
from devstack.provisioning import DEMO_USERS, DemoUser

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")

DEMO, OTHER, FINANCE = DEMO_USERS
DEMO_AGENCY = "AG-1001"
LARGE_AGENCY = "AG-2002"  # the second demo agency: its POLIRIS account gets a year of 10,000 entries
LARGE_CREDITOR = "POLIRIS"


def bench_config(data_dir: Path, *, metered: bool = False) -> StackConfig:
    """Ports apart from `make run` (8080…) and the tests (18080…); the metered stack has ports of its own
    too, so that the timed stack has no proxy between the services and DynamoDB Local."""
    shift = 10 if metered else 0
    return StackConfig(
        gateway_port=28080 + shift,
        dynamodb_port=28000 + shift,
        moto_port=25000 + shift,
        stripe_port=22111 + shift,
        meter_port=28001 + shift if metered else None,
        data_dir=data_dir,
        table_name="mesfactures-bench",
        bucket_name="mesfactures-documents-bench",
    )


@dataclass(frozen=True)
class Session:
    """A signed-in user, as a browser holds it: a cookie, and a connection kept alive."""

    url: str
    cookie: dict[str, str]
    http: requests.Session

    def get(self, path: str, **params: str) -> requests.Response:
        return self.http.get(f"{self.url}/api/{path}", params=params, headers=self.cookie, timeout=30)

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.url}/api/{path}", json=body, headers=self.cookie, timeout=30)


def sign_in(url: str, user: DemoUser) -> Session:
    http = requests.Session()
    answer = http.post(
        f"{url}/api/account/session", json={"username": user.email, "password": user.password}, timeout=30
    )
    if answer.status_code != 201:
        raise RuntimeError(f"sign-in of {user.email} failed: {answer.status_code} {answer.text}")
    name, _, value = answer.headers["Set-Cookie"].split(";")[0].partition("=")
    http.cookies.clear()
    return Session(url, {"Cookie": f"{name}={value}"}, http)


def add_large_account(table_name: str, count: int, today: date) -> int:
    """`count` settled invoices spread over the last year, written in batches as a migration would."""
    from mesfactures.domain.creditors import Creditor
    from mesfactures.domain.ids import new_id
    from mesfactures.domain.ledger import DocumentLine, EntryStatus, EntryType, LedgerEntry
    from mesfactures.domain.money import Money
    from mesfactures.persistence.ledger import EntryItem, item_from_entry
    from mesfactures.persistence.table import bind_table

    bind_table(table_name)
    draw = random.Random(2026)  # noqa: S311 (test data, not a secret)
    with EntryItem.batch_write() as batch:
        for index in range(count):
            issued = today - timedelta(days=draw.randrange(0, 365))
            net = draw.randrange(1_000, 500_000)
            gross = net + (net * 2000 + 5_000) // 10_000
            entry = LedgerEntry(
                new_id(),
                LARGE_AGENCY,
                Creditor(LARGE_CREDITOR),
                EntryType.INVOICE,
                f"FA-2031-{index:06d}",
                issued,
                issued + timedelta(days=30),
                f"Annonces du mois, lot {index}",
                Money(gross),
                Money(0),
                EntryStatus.PAID,
                (DocumentLine("Diffusion des annonces", 1, net, 2000),),
            )
            batch.save(
                item_from_entry(entry, f"documents/{LARGE_AGENCY}/{LARGE_CREDITOR}/{entry.entry_id}.pdf")
            )
    return count


def open_invoices(agency_id: str, creditor: str, count: int, amount_cents: int = 12_000) -> list[str]:
    """New open invoices of the benchmark's own, written as the ERP import writes them; their numbers."""
    from devstack.demo_data import write_open_documents
    from mesfactures import wiring
    from mesfactures.domain.creditors import Creditor

    entries = write_open_documents(
        wiring.entry_writer(), agency_id, Creditor(creditor), count, amount_cents, year=2032
    )
    return [entry.number for entry in entries]
