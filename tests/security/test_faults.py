"""Faults where the portal meets AWS: DynamoDB throttling and SES refusing to send, injected on the wire
(the SDKs get the very answers AWS gives). Requests fail cleanly and change nothing; mail is retried
and sent once; an import cut short resumes without writing anything twice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack.config import REGION
from devstack.faults import DYNAMODB_THROTTLING, SES_THROTTLING, FaultPlan
from mesfactures.domain.creditors import Creditor
from mesfactures.imports.importer import creditor_inbox, report_key
from tests.security.conftest import AttackLog
from tests.support import Portal, all_entries, fresh_invoices, mails_to


@pytest.fixture
def table_faults(portal: Portal) -> Iterator[FaultPlan]:
    assert portal.running.meter is not None
    faults = portal.running.meter.faults
    yield faults
    faults.heal()


@pytest.fixture
def mail_faults(portal: Portal) -> Iterator[FaultPlan]:
    assert portal.running.mail_link is not None
    faults = portal.running.mail_link.faults
    yield faults
    faults.heal()


def _dispute(portal: Portal, cookie: dict[str, str], creditor: str, number: str) -> requests.Response:
    return requests.post(
        portal.api(f"disputes/creditors/{creditor}/disputes"),
        json={"invoice_numbers": [number], "reason": "wrong_amount", "comment": "Panne."},
        headers=cookie,
        timeout=60,
    )


def test_a_short_throttling_is_absorbed_by_the_retries(
    portal: Portal, demo: dict[str, str], table_faults: FaultPlan
) -> None:
    table_faults.inject(DYNAMODB_THROTTLING, operations={"Query"}, times=2)
    answer = requests.get(portal.api("statement/creditors/POLIRIS/entries"), headers=demo, timeout=60)
    assert table_faults.injected == 2
    assert answer.status_code == 200


def test_a_table_that_stays_throttled_gets_a_clear_503_on_every_service(
    portal: Portal, demo: dict[str, str], table_faults: FaultPlan, attacks: AttackLog
) -> None:
    routes = [
        "statement/creditors/POLIRIS/entries",
        "disputes/creditors/POLIRIS/disputes",
        "account/creditors/POLIRIS/profile",
        "account/me",
    ]
    table_faults.inject(DYNAMODB_THROTTLING)
    answers = [requests.get(portal.api(route), headers=demo, timeout=60) for route in routes]
    table_faults.heal()
    failures = [
        f"{route}: {answer.status_code} {answer.text[:80]}"
        for route, answer in zip(routes, answers, strict=True)
        if answer.status_code != 503
        or answer.json()["code"] != "temporarily_unavailable"
        or answer.headers.get("Retry-After") != "5"
    ]
    attacks.record("faults: table throttled", len(routes), failures)
    assert failures == []


def test_a_write_throttled_midway_stores_nothing_and_can_be_made_again(
    portal: Portal, demo: dict[str, str], table_faults: FaultPlan
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "POLIRIS", 1)
    table_faults.inject(DYNAMODB_THROTTLING, operations={"TransactWriteItems"})
    refused = _dispute(portal, demo, "POLIRIS", invoice["number"])
    table_faults.heal()
    assert refused.status_code == 503
    entries = {e["number"]: e for e in all_entries(portal, demo, "POLIRIS")}
    assert entries[invoice["number"]]["dispute_id"] is None, "no half-opened dispute"
    assert _dispute(portal, demo, "POLIRIS", invoice["number"]).status_code == 201


def test_mail_that_ses_refuses_is_retried_and_sent_once(
    portal: Portal, demo: dict[str, str], mail_faults: FaultPlan, attacks: AttackLog
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1)
    mail_faults.inject(SES_THROTTLING, operations={"SendEmail", "SendRawEmail"})
    dispute = _dispute(portal, demo, "BELLES_DEMEURES", invoice["number"])
    assert dispute.status_code == 201, "the request never waits for the mail"
    reference = dispute.json()["reference"]
    time.sleep(3)
    refused = mail_faults.injected
    unsent = mails_to(portal, "finance@bellesdemeures.example", reference, timeout=0)
    mail_faults.heal()
    delivered = mails_to(portal, "finance@bellesdemeures.example", reference, timeout=30)
    time.sleep(2)
    finally_sent = mails_to(portal, "finance@bellesdemeures.example", reference, timeout=0)
    attacks.record("faults: mail refused", refused, [] if len(finally_sent) == 1 else ["sent twice or never"])
    assert refused >= 2 and unsent == []
    assert len(delivered) == 1 and len(finally_sent) == 1


def test_a_mail_whose_sent_mark_fails_is_not_sent_again(
    portal: Portal, demo: dict[str, str], table_faults: FaultPlan, attacks: AttackLog
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "PRESSIMMO", 1)
    table_faults.inject(DYNAMODB_THROTTLING, operations={"UpdateItem"})  # the outbox's "sent" mark
    dispute = _dispute(portal, demo, "PRESSIMMO", invoice["number"])
    assert dispute.status_code == 201
    reference = dispute.json()["reference"]
    sent = mails_to(portal, "finance@pressimmo.example", reference, timeout=30)
    time.sleep(3)
    table_faults.heal()
    time.sleep(2)
    finally_sent = mails_to(portal, "finance@pressimmo.example", reference, timeout=0)
    attacks.record("faults: sent mark lost", 1, [] if len(finally_sent) == 1 else ["sent again"])
    assert table_faults.injected >= 1
    assert len(sent) == 1 and len(finally_sent) == 1


HEADER = (
    "creditor;agency_id;type;number;issued_on;due_on;label;net_cents;vat_rate_bp;vat_cents;gross_cents;"
    "settles;pdf;version"
)


def _invoice_row(number: str, net: int) -> str:
    vat = net // 5
    dates = "2026-11-02;2026-12-02"
    return f"POLIRIS;AG-1001;invoice;{number};{dates};Panne {number};{net};2000;{vat};{net + vat};;;1"


def _report(portal: Portal, key: str, complete: bool, timeout: float = 60) -> dict[str, Any]:
    s3: Any = boto3.client("s3", region_name=REGION)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            report: dict[str, Any] = json.loads(
                s3.get_object(Bucket=portal.running.config.bucket_name, Key=key)["Body"].read()
            )
            if (report["retry_later"] == 0) == complete:
                return report
        except s3.exceptions.NoSuchKey:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"no {'complete' if complete else 'partial'} report at {key}")


def test_an_import_cut_short_by_throttling_resumes_without_duplicates(
    portal: Portal, demo: dict[str, str], table_faults: FaultPlan, tmp_path: Path, attacks: AttackLog
) -> None:
    numbers = [f"FA-2026-88{n:04d}" for n in range(1, 5)]
    nets = [10_000 + 5 * n for n in range(len(numbers))]
    rows = [_invoice_row(number, net) for number, net in zip(numbers, nets, strict=True)]
    paid = (nets[0] + nets[0] // 5) + (nets[1] + nets[1] // 5)
    rows.append(
        f"POLIRIS;AG-1001;payment;RG-2026-880001;2026-11-10;;Virement;;;;{paid};{numbers[0]}|{numbers[1]};;1"
    )
    content = ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode()
    key = f"{creditor_inbox(Creditor.POLIRIS)}faults-{time.time_ns()}/ecritures.csv"
    # Every transaction is throttled until the fault passes: the new invoices get in (in bulk, under the
    # import's lease), the payment (a transaction with the invoices it settles) does not, and the file is
    # left incomplete.
    table_faults.inject(DYNAMODB_THROTTLING, operations={"TransactWriteItems"})
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=portal.running.config.bucket_name, Key=key, Body=content
    )
    partial = _report(portal, report_key(key), complete=False)
    table_faults.heal()
    complete = _report(portal, report_key(key), complete=True)

    entries = all_entries(portal, demo, "POLIRIS")
    by_number: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_number.setdefault(entry["number"], []).append(entry)
    problems = [n for n in [*numbers, "RG-2026-880001"] if len(by_number.get(n, [])) != 1]
    balances = {
        number: (found[0]["balance_cents"], found[0]["amount_cents"]) for number, found in by_number.items()
    }
    problems += [n for n in numbers[:2] if n in balances and balances[n][0] != 0]
    problems += [n for n in numbers[2:] if n in balances and balances[n][0] != balances[n][1]]
    attacks.record("faults: import resumed", len(rows), problems)
    assert 0 < partial["retry_later"] < len(rows), partial
    assert complete["accepted"] == len(rows) and complete["rejected"] == [], (partial, complete)
    assert complete["unchanged"] >= 1, "what the first run wrote is not written again"
    assert problems == []
