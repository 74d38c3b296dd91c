"""The lifecycle on DynamoDB Local and moto: CDAR files through the inbox and the queue, as in AWS, and the
statement reading the statuses back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.dropbox import drop
from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.lifecycle import LifecycleEvent, Recorded
from tests.support import Portal
from tests.unit.test_lifecycle import SAMPLE, _cdar, _reference

AGENCY = "AG-2002"  # the API tier pays and disputes AG-1001's invoices: the lifecycle's own live elsewhere
HEADER = "creditor;agency_id;type;number;issued_on;due_on;label;" + ";".join(
    ("net_cents", "vat_rate_bp", "vat_cents", "gross_cents", "settles")
)


def _invoice(number: str) -> str:
    return f"POLIRIS;{AGENCY};invoice;{number};2026-11-02;2026-12-02;Parution {number};10000;2000;2000;12000;"


@pytest.fixture(scope="module")
def invoices(portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Invoices of the suite's own, each paid at once (a payment row of the same file), so that the open
    view other tiers count does not change."""
    numbers = [f"FA-2026-99000{index}" for index in range(1, 7)]
    rows = [_invoice(number) for number in numbers] + [
        f"POLIRIS;{AGENCY};payment;RG-2026-99000{index};2026-11-03;;Virement;12000;0;0;12000;{number}"
        for index, number in enumerate(numbers, start=1)
    ]
    feed = tmp_path_factory.mktemp("lifecycle") / "factures.csv"
    feed.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    (report,) = drop(portal.running.config, Creditor.POLIRIS, [feed], timeout=60)
    assert report["rejected"] == [], report
    return numbers


def _drop_xml(portal: Portal, tmp_path: Path, name: str, content: str | bytes) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    (report,) = drop(portal.running.config, Creditor.POLIRIS, [path], timeout=60)
    return report


def _current(number: str) -> tuple[int, str]:
    status = wiring.ledger().entry(AGENCY, Creditor.POLIRIS, number).lifecycle_status
    assert status is not None
    return status.code, status.label


def test_the_sample_cdar_file_of_the_docs_imports_cleanly(
    portal: Portal, invoices: list[str], tmp_path: Path
) -> None:
    report = _drop_xml(portal, tmp_path, "cdar-statuts.xml", SAMPLE.read_bytes())
    assert (report["accepted"], report["updated"], report["rejected"]) == (2, 2, [])
    assert _current("FA-2026-990001") == (204, "Prise en charge")
    assert _current("FA-2026-990002") == (210, "Refusée")


def test_the_latest_status_by_date_stays_current_and_a_late_one_is_kept_in_the_history(
    portal: Portal, invoices: list[str], tmp_path: Path, other: dict[str, str]
) -> None:
    number = "FA-2026-990003"
    newer = _cdar(_reference(number, "212"), buyer=AGENCY, stamp="20261120100000", ident="LATE-1")
    older = _cdar(_reference(number, "204"), buyer=AGENCY, stamp="20261104100000", ident="LATE-2")
    first = _drop_xml(portal, tmp_path, "newer.xml", newer)
    late = _drop_xml(portal, tmp_path, "older.xml", older)
    assert first["updated"] == 1
    assert (late["inserted"], late["rejected"], [n["line"] for n in late["notices"]]) == (1, [], [1])
    assert _current(number) == (212, "Encaissée")
    answer = requests.get(
        portal.api(f"statement/creditors/POLIRIS/documents/{number}/lifecycle"), headers=other, timeout=10
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["current"]["code"] == 212
    assert [(line["code"], line["date"][:10]) for line in body["history"]] == [
        (212, "2026-11-20"),
        (204, "2026-11-04"),
    ]


def test_the_same_file_dropped_again_adds_no_history_line(
    portal: Portal, invoices: list[str], tmp_path: Path
) -> None:
    message = _cdar(_reference("FA-2026-990004", "205"), buyer=AGENCY, ident="TWICE")
    first = _drop_xml(portal, tmp_path, "twice.xml", message)
    second = _drop_xml(portal, tmp_path, "twice.xml", message)
    assert (first["updated"], second["unchanged"]) == (1, 1)
    _, history = wiring.lifecycle().history(AGENCY, Creditor.POLIRIS, "FA-2026-990004")
    assert [event.code for event in history] == [205]


def test_unknown_invoices_codes_and_buyers_are_reported_and_the_good_messages_applied(
    portal: Portal, invoices: list[str], tmp_path: Path
) -> None:
    content = (
        "<lot>"
        + _cdar(
            _reference("FA-2026-990005", "207")
            + _reference("FA-2026-999404", "205")
            + _reference("FA-2026-990005", "230"),
            buyer=AGENCY,
            ident="MIXED",
        )
        + _cdar(_reference("FA-2026-990005", "205"), buyer="AG-4242", ident="NOBODY")
        + "</lot>"
    )
    report = _drop_xml(portal, tmp_path, "mixed.xml", content)
    assert report["accepted"] == 1
    assert [rejection["line"] for rejection in report["rejected"]] == [2, 3, 4]
    assert "FA-2026-999404" in report["rejected"][0]["reason"]
    assert "230" in report["rejected"][1]["reason"]
    assert _current("FA-2026-990005") == (207, "En litige")


def test_a_file_with_a_dtd_is_rejected_whole_and_changes_nothing(
    portal: Portal, invoices: list[str], tmp_path: Path
) -> None:
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>' + _cdar(
        _reference("FA-2026-990006", "213"), buyer=AGENCY
    ).replace("<ram:ID>M1</ram:ID>", "<ram:ID>&e;</ram:ID>")
    report = _drop_xml(portal, tmp_path, "dtd.xml", hostile)
    assert report["accepted"] == 0 and [r["line"] for r in report["rejected"]] == [0]
    assert _current("FA-2026-990006") == (200, "Déposée")


def test_of_two_statuses_written_in_any_order_the_later_by_date_wins(invoices: list[str]) -> None:
    repository = wiring.lifecycle()
    later = LifecycleEvent("FA-2026-990006", 211, datetime(2026, 11, 25, 9, tzinfo=UTC), "later", "PA")
    earlier = LifecycleEvent("FA-2026-990006", 205, datetime(2026, 11, 24, 9, tzinfo=UTC), "earlier", "PA")
    assert repository.record(AGENCY, Creditor.POLIRIS, later) is Recorded.CURRENT
    assert repository.record(AGENCY, Creditor.POLIRIS, earlier) is Recorded.LATE
    assert repository.record(AGENCY, Creditor.POLIRIS, later) is Recorded.DUPLICATE
    assert _current("FA-2026-990006") == (211, "Paiement transmis")


def test_the_statement_filters_by_status_and_its_csv_has_the_status_column(
    portal: Portal, invoices: list[str], other: dict[str, str]
) -> None:
    wiring.lifecycle().record(
        AGENCY,
        Creditor.POLIRIS,
        LifecycleEvent(
            "FA-2026-990004", 212, datetime(2026, 11, 28, 12, tzinfo=UTC), "filter", "PA", amount_cents=12_000
        ),
    )
    # A filter on the page's Query: a page may be short, or empty, while its cursor goes on.
    entries, cursor = [], ""
    while True:
        answer = requests.get(
            portal.api("statement/creditors/POLIRIS/entries"),
            params={
                "scope": "all",
                "lifecycle": "212",
                "limit": "200",
                **({"cursor": cursor} if cursor else {}),
            },
            headers=other,
            timeout=10,
        )
        assert answer.status_code == 200
        entries += answer.json()["entries"]
        cursor = answer.json()["next_cursor"]
        if not cursor:
            break
    assert entries and {entry["lifecycle"]["code"] for entry in entries} == {212}
    assert "FA-2026-990004" in {entry["number"] for entry in entries}
    everything = requests.get(
        portal.api("statement/creditors/POLIRIS/entries?scope=all&limit=200"), headers=other, timeout=10
    ).json()["entries"]
    payments = [entry for entry in everything if entry["type"] == "payment"]
    assert payments and all(entry["lifecycle"] is None for entry in payments)
    exported = requests.get(
        portal.api("statement/creditors/POLIRIS/export.csv?scope=all&lifecycle=212"),
        headers=other,
        timeout=10,
    )
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-1] == "Cycle de vie"
    assert {row[-1] for row in rows[1:]} == {"212 Encaissée"}
    wrong = requests.get(
        portal.api("statement/creditors/POLIRIS/entries?lifecycle=299"), headers=other, timeout=10
    )
    assert wrong.status_code == 400
