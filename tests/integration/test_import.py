"""The ERP import on DynamoDB Local and moto: through the inbox and the queue, as in AWS."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest

from devstack.dropbox import drop
from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound
from tests.support import Portal

HEADER = ";".join(
    [
        "creditor",
        "agency_id",
        "type",
        "number",
        "issued_on",
        "due_on",
        "label",
        "net_cents",
        "vat_rate_bp",
        "vat_cents",
        "gross_cents",
        "settles",
        "pdf",
        "version",
    ]
)


# The API tier pays and disputes AG-1001's open POLIRIS invoices from its first page: large imports go to
# the other demo agency, so as not to push them off it.
OTHER_AGENCY = "AG-2002"


def _csv(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\ufeff" + "\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
    return path


def _import(portal: Portal, *files: Path) -> dict[str, Any]:
    (report,) = drop(portal.running.config, Creditor.POLIRIS, list(files), timeout=60)
    return report


def _opened(agency_id: str, number: str) -> bytes:
    """The PDF a user gets on opening the document (drawn then when the ERP sent none)."""
    from mesfactures.statement.documents import document_link

    document_link(
        agency_id,
        creditor=Creditor.POLIRIS,
        number=number,
        disposition="inline",
        ledger=wiring.ledger(),
        store=wiring.documents(),
        parties=wiring.accounts(),
    )
    return wiring.documents().read(wiring.ledger().document(agency_id, Creditor.POLIRIS, number).key)


def _invoice(number: str, net: int, version: int = 1, agency: str = "AG-1001", pdf: str = "") -> str:
    vat = net // 5
    return (
        f"POLIRIS;{agency};invoice;{number};2026-11-02;2026-12-02;Import {number};{net};2000;{vat};"
        f"{net + vat};;{pdf};{version}"
    )


def test_good_rows_are_imported_and_each_bad_row_is_reported_with_its_line(
    portal: Portal, tmp_path: Path
) -> None:
    feed = _csv(
        tmp_path,
        "feed.csv",
        _invoice("FA-2026-910001", 10_000),
        "POLIRIS;AG-1001;invoice;FA-2026-910002;2026-11-02;2026-12-02;TVA fausse;10000;2000;1999;11999;;;1",
        _invoice("FA-2026-910003", 10_000, agency="AG-4242"),
        "POLIRIS;AG-1001;credit_note;AV-2026-910001;2026-11-03;;Avoir;1000;2000;200;1200;FA-2026-910001;;1",
        "POLIRIS;AG-1001;payment;RG-2026-910001;2026-11-10;;Virement reçu;;;;5000;FA-2026-910001;;1",
        "POLIRIS;AG-1001;payment;RG-2026-910002;2026-11-10;;Virement reçu;;;;5000;FA-2026-919999;;1",
    )
    report = _import(portal, feed)
    assert (report["accepted"], report["inserted"]) == (3, 3)
    assert [(r["line"], r["reason"].split(" :")[0]) for r in report["rejected"]] == [
        (3, "TVA incohérente"),
        (4, "aucun compte de cette agence chez ce créancier"),
        (7, "la facture FA-2026-919999 est inconnue sur ce compte"),
    ]
    invoice = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-910001")
    assert (invoice.amount.cents, invoice.balance.cents, invoice.status.value) == (
        12_000,
        7_000,
        "partially_paid",
    )
    credit = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "AV-2026-910001")
    assert credit.balance.cents == -1_200
    with pytest.raises(NotFound):
        wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-910002")

    pdf = _opened("AG-1001", "FA-2026-910001")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "FA-2026-910001" in text and "120,00" in text

    again = _import(portal, feed)
    assert (again["accepted"], again["inserted"], again["unchanged"]) == (3, 0, 3)
    assert wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-910001") == invoice


def test_a_newer_version_replaces_the_document_and_keeps_what_was_paid(
    portal: Portal, tmp_path: Path
) -> None:
    _import(
        portal,
        _csv(
            tmp_path,
            "v1.csv",
            _invoice("FA-2026-920001", 20_000),
            "POLIRIS;AG-1001;payment;RG-2026-920001;2026-11-10;;Chèque reçu;;;;4000;FA-2026-920001;;1",
        ),
    )
    report = _import(
        portal,
        _csv(
            tmp_path,
            "v2.csv",
            _invoice("FA-2026-920001", 25_000, version=2),
            _invoice("FA-2026-920001", 1_000, version=1),
        ),
    )
    assert (report["updated"], report["unchanged"]) == (1, 1)
    invoice = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-920001")
    assert (invoice.amount.cents, invoice.balance.cents) == (30_000, 26_000)


def test_a_payment_settles_several_invoices_oldest_named_first(portal: Portal, tmp_path: Path) -> None:
    report = _import(
        portal,
        _csv(
            tmp_path,
            "pay.csv",
            _invoice("FA-2026-930001", 10_000),
            _invoice("FA-2026-930002", 10_000),
            "POLIRIS;AG-1001;payment;RG-2026-930001;2026-11-10;;Virement;;;;18000;FA-2026-930001|FA-2026-930002;;1",
            "POLIRIS;AG-1001;payment;RG-2026-930002;2026-11-11;;Virement;;;;99999;FA-2026-930002;;1",
        ),
    )
    assert report["accepted"] == 3
    assert report["rejected"][0]["reason"] == "le règlement dépasse le reste dû des factures qu'il désigne"
    first = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-930001")
    second = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-930002")
    assert (first.balance.cents, first.status.value) == (0, "paid")
    assert (second.balance.cents, second.status.value) == (6_000, "partially_paid")
    open_numbers = {e.number for e in wiring.ledger().open_items("AG-1001", Creditor.POLIRIS)}
    assert "FA-2026-930001" not in open_numbers and "FA-2026-930002" in open_numbers


def test_a_pdf_sent_beside_the_file_is_the_documents_pdf(portal: Portal, tmp_path: Path) -> None:
    sent = tmp_path / "FA-2026-940001.pdf"
    sent.write_bytes(b"%PDF-1.4\n% the ERP's own rendering\n%%EOF\n")
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    feed = tmp_path / "feed.jsonl"
    row = (
        '{{"creditor": "POLIRIS", "agency_id": "AG-1001", "type": "invoice", "number": "{number}",'
        ' "issued_on": "2026-11-02", "due_on": "2026-12-02", "label": "Avec PDF", "net_cents": 1000,'
        ' "vat_rate_bp": 2000, "vat_cents": 200, "gross_cents": 1200, "pdf": "{pdf}"}}'
    )
    feed.write_text(
        "\n".join(
            (
                row.format(number="FA-2026-940001", pdf=sent.name),
                row.format(number="FA-2026-940002", pdf=fake.name),
                row.format(number="FA-2026-940003", pdf="absent.pdf"),
            )
        )
    )
    report = _import(portal, sent, fake, feed)
    assert report["accepted"] == 1
    assert [r["line"] for r in report["rejected"]] == [2, 3]
    key = wiring.ledger().document("AG-1001", Creditor.POLIRIS, "FA-2026-940001").key
    assert wiring.documents().read(key) == sent.read_bytes()


def test_imported_entries_appear_on_the_statement(portal: Portal, tmp_path: Path) -> None:
    import requests

    from tests.support import DEMO

    _import(portal, _csv(tmp_path, "statement.csv", _invoice("FA-2026-950001", 3_000)))
    answer = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"),
        params={"number": "FA-2026-950001"},
        headers=portal.session_cookie(DEMO),
        timeout=10,
    ).json()
    assert [(e["number"], e["balance_cents"]) for e in answer["entries"]] == [("FA-2026-950001", 3_600)]


def test_a_file_feeds_only_the_creditor_whose_inbox_it_arrived_in(portal: Portal, tmp_path: Path) -> None:
    feed = _csv(tmp_path, "wrong.csv", _invoice("FA-2026-960001", 1_000))
    (report,) = drop(portal.running.config, Creditor.PRESSIMMO, [feed], timeout=60)
    assert report["accepted"] == 0
    assert report["rejected"] == [{"line": 2, "reason": "ce fichier est celui de PRESSIMMO"}]


def test_a_full_payment_imported_again_is_unchanged_and_a_repeated_invoice_is_refused(
    portal: Portal, tmp_path: Path
) -> None:
    feed = _csv(
        tmp_path,
        "full.csv",
        _invoice("FA-2026-970001", 10_000),
        _invoice("FA-2026-970002", 10_000),
        "POLIRIS;AG-1001;payment;RG-2026-970001;2026-11-10;;Virement;;;;12000;FA-2026-970001|FA-2026-970002;;1",
        "POLIRIS;AG-1001;payment;RG-2026-970002;2026-11-10;;Virement;;;;100;FA-2026-970002|FA-2026-970002;;1",
    )
    first = _import(portal, feed)
    assert (first["accepted"], [r["line"] for r in first["rejected"]]) == (3, [5])
    assert "deux fois" in first["rejected"][0]["reason"]
    again = _import(portal, feed)
    assert (again["accepted"], again["unchanged"]) == (3, 3)
    second = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-970002")
    assert second.balance.cents == 12_000, "a payment spent on the first invoice leaves the second untouched"


def test_a_new_version_of_a_disputed_invoice_stays_disputed(portal: Portal, tmp_path: Path) -> None:
    import requests

    from tests.support import DEMO

    _import(portal, _csv(tmp_path, "d1.csv", _invoice("FA-2026-980001", 10_000)))
    cookie = portal.session_cookie(DEMO)
    opened = requests.post(
        portal.api("disputes/creditors/POLIRIS/disputes"),
        headers=cookie,
        timeout=10,
        json={"invoice_numbers": ["FA-2026-980001"], "reason": "wrong_amount", "comment": "Trop cher"},
    )
    assert opened.status_code == 201
    _import(portal, _csv(tmp_path, "d2.csv", _invoice("FA-2026-980001", 9_000, version=2)))
    invoice = wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-980001")
    assert invoice.amount.cents == 10_800 and invoice.dispute_id == opened.json()["id"]


def test_an_erp_payment_waits_while_a_card_payment_of_the_invoice_is_under_way(
    portal: Portal, tmp_path: Path
) -> None:
    import requests

    from tests.support import DEMO

    _import(portal, _csv(tmp_path, "card.csv", _invoice("FA-2026-990001", 10_000)))
    checkout = requests.post(
        portal.api("payments/creditors/POLIRIS/checkout"),
        headers=portal.session_cookie(DEMO),
        json={"invoice_numbers": ["FA-2026-990001"]},
        timeout=20,
    )
    assert checkout.status_code == 201
    report = _import(
        portal,
        _csv(
            tmp_path,
            "transfer.csv",
            "POLIRIS;AG-1001;payment;RG-2026-990001;2026-11-10;;Virement;;;;12000;FA-2026-990001;;1",
        ),
    )
    assert report["accepted"] == 0 and "en cours de paiement par carte" in report["rejected"][0]["reason"]
    assert wiring.ledger().entry("AG-1001", Creditor.POLIRIS, "FA-2026-990001").balance.cents == 12_000


def test_new_and_known_numbers_mixed_in_one_chunk_each_get_their_own_outcome(
    portal: Portal, tmp_path: Path
) -> None:
    _import(portal, _csv(tmp_path, "first.csv", _invoice("FA-2027-500001", 10_000, agency=OTHER_AGENCY)))
    mixed = _csv(
        tmp_path,
        "mixed.csv",
        _invoice("FA-2027-500001", 10_000, agency=OTHER_AGENCY),
        _invoice("FA-2027-500002", 20_000, agency=OTHER_AGENCY),
        _invoice("FA-2027-500003", 30_000, agency=OTHER_AGENCY),
        _invoice("FA-2027-500003", 40_000, version=2, agency=OTHER_AGENCY),
    )
    report = _import(portal, mixed)
    assert (report["inserted"], report["unchanged"], report["updated"], report["rejected"]) == (2, 1, 1, [])
    replaced = wiring.ledger().entry(OTHER_AGENCY, Creditor.POLIRIS, "FA-2027-500003")
    assert replaced.amount.cents == 48_000
    for number in ("FA-2027-500002", "FA-2027-500003"):
        assert _opened(OTHER_AGENCY, number).startswith(b"%PDF-")
    text = pypdf.PdfReader(io.BytesIO(_opened(OTHER_AGENCY, "FA-2027-500003"))).pages[0].extract_text()
    assert "480,00" in text, "the new version's PDF, not the first one's"


def test_a_file_of_several_hundred_new_documents_goes_in_whole_and_each_pdf_is_drawn_when_opened(
    portal: Portal, tmp_path: Path
) -> None:
    numbers = [f"FA-2027-51{index:04d}" for index in range(250)]
    report = _import(
        portal,
        _csv(tmp_path, "many.csv", *(_invoice(number, 1_000, agency=OTHER_AGENCY) for number in numbers)),
    )
    assert (report["accepted"], report["inserted"], report["rejected"]) == (250, 250, [])
    for number in (numbers[0], numbers[99], numbers[100], numbers[-1]):
        entry = wiring.ledger().entry(OTHER_AGENCY, Creditor.POLIRIS, number)
        assert (entry.amount.cents, entry.balance.cents) == (1_200, 1_200)
        key = wiring.ledger().document(OTHER_AGENCY, Creditor.POLIRIS, number).key
        assert not wiring.documents().exists(key), "the import draws no PDF: the first opening does"
        assert _opened(OTHER_AGENCY, number).startswith(b"%PDF-")


def test_chunks_written_at_once_that_repeat_numbers_write_each_document_once(
    portal: Portal, tmp_path: Path
) -> None:
    """Up to eight chunks of a hundred go to DynamoDB at once (imports/importer.py, CHUNK_WRITERS): here
    the last three of six repeat the first three's numbers, a third of them as a version 2, while those
    may still be in flight. Whichever transaction commits first, each number is inserted once and ends
    as its highest version; the others are counted unchanged or updated, never twice inserted, never
    rejected."""
    numbers = [f"FA-2027-53{index:04d}" for index in range(300)]
    first = [_invoice(number, 1_000, agency=OTHER_AGENCY) for number in numbers]
    again = [_invoice(number, 1_000, agency=OTHER_AGENCY) for number in numbers[:200]]
    again += [_invoice(number, 2_000, version=2, agency=OTHER_AGENCY) for number in numbers[200:]]
    report = _import(portal, _csv(tmp_path, "twice.csv", *first, *again))
    assert (report["accepted"], report["inserted"], report["rejected"]) == (600, 300, [])
    assert report["updated"] + report["unchanged"] == 300
    assert report["updated"] <= 100
    for number, gross in (
        (numbers[0], 1_200),
        (numbers[199], 1_200),
        (numbers[200], 2_400),
        (numbers[-1], 2_400),
    ):
        entry = wiring.ledger().entry(OTHER_AGENCY, Creditor.POLIRIS, number)
        assert (entry.amount.cents, entry.balance.cents) == (gross, gross)


def test_a_file_longer_than_one_invocation_goes_in_whole_in_slices_within_the_time_of_each(
    portal: Portal, tmp_path: Path
) -> None:
    """The function's time shortened below what one slice keeps in reserve (20 s): every invocation does
    one unit of work (a hundred documents, a payment), checkpoints and hands on. None may run past its time
    (Lambda would kill it, and the file would end in the dead-letter queue). 5 s, not less: a unit takes
    ~0.3 s here, but a busy shared machine has stretched it past 1.5 s."""
    delivery = portal.running.delivery
    assert delivery is not None
    numbers = [f"FA-2027-52{index:04d}" for index in range(3_000)]
    rows = [_invoice(number, 1_000, agency=OTHER_AGENCY) for number in numbers]
    rows.insert(
        0, f"POLIRIS;{OTHER_AGENCY};payment;RG-2027-520001;2026-11-10;;Virement;;;;1200;{numbers[-1]};;1"
    )
    rows.insert(1_500, _invoice("FA-2027-529999", 1_000, agency="AG-4242"))
    rows.append(f"POLIRIS;{OTHER_AGENCY};payment;RG-2027-520002;2026-11-10;;Virement;;;;500;{numbers[0]};;1")
    feed = _csv(tmp_path, "long.csv", *rows)
    before, limit = delivery.invocations, delivery.time_limit_seconds
    delivery.time_limit_seconds, delivery.overruns[:] = 5.0, []
    try:
        report = _import(portal, feed)
    finally:
        delivery.time_limit_seconds = limit

    assert (report["accepted"], report["inserted"]) == (3_002, 3_002)
    assert report["rejected"] == [{"line": 1_502, "reason": "aucun compte de cette agence chez ce créancier"}]
    assert delivery.overruns == []
    assert delivery.invocations - before >= 30 + 2, "a slice per hundred documents, one per payment"
    last = wiring.ledger().entry(OTHER_AGENCY, Creditor.POLIRIS, numbers[-1])
    first = wiring.ledger().entry(OTHER_AGENCY, Creditor.POLIRIS, numbers[0])
    assert (last.balance.cents, first.balance.cents) == (0, 700), "payments after all the documents"
    again = _import(portal, _csv(tmp_path, "long-again.csv", *rows))
    assert (again["accepted"], again["unchanged"], len(again["rejected"])) == (3_002, 3_002, 1)
