"""E-invoices (CII XML) through the inbox and the queue, on DynamoDB Local and moto: each becomes a ledger
entry judged like a data file's row, the file received is the document served, and a file that breaks the
XSD or an EN 16931 rule is rejected with the rule's id, nothing written."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pypdf
import pytest
import requests

from devstack.config import REGION
from devstack.dropbox import drop
from mesfactures import wiring
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound
from mesfactures.imports.importer import creditor_inbox, report_key
from tests.support import Portal

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "facture-cii.xml"
AGENCY = "AG-2002"
# The second line's VAT rate, then its amount: changing the rate leaves the breakdown by rate wrong.
SECOND_LINE_RATE = (
    ">20</ram:RateApplicablePercent></ram:ApplicableTradeTax>\n"
    "        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>45.50"
)


def _invoice(number: str, **replaced: str) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8").replace("FA-2026-980001", number)
    for old, new in replaced.items():
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def _drop(portal: Portal, tmp_path: Path, name: str, content: bytes, pdf: bool = False) -> dict[str, Any]:
    """Drops one file into POLIRIS's inbox and waits for its report (a PDF is put there directly: the
    local `import` command takes PDFs as the attachments of a data file)."""
    if not pdf:
        path = tmp_path / name
        path.write_bytes(content)
        (report,) = drop(portal.running.config, Creditor.POLIRIS, [path], timeout=60)
        return report
    s3: Any = boto3.client("s3", region_name=REGION)
    bucket, key = (
        portal.running.config.bucket_name,
        f"{creditor_inbox(Creditor.POLIRIS)}{tmp_path.name}/{name}",
    )
    s3.put_object(Bucket=bucket, Key=key, Body=content)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            return dict(json.loads(s3.get_object(Bucket=bucket, Key=report_key(key))["Body"].read()))
        except s3.exceptions.NoSuchKey:
            time.sleep(0.2)
    raise TimeoutError(f"no report for {name}")


def _served(portal: Portal, cookie: dict[str, str], number: str) -> tuple[str, bytes]:
    link = requests.get(
        portal.api(f"statement/creditors/POLIRIS/documents/{number}"), headers=cookie, timeout=10
    ).json()
    return link["filename"], requests.get(link["url"], timeout=10).content


def test_the_sample_cii_invoice_of_the_docs_becomes_an_entry_and_is_served_as_received(
    portal: Portal, tmp_path: Path, other: dict[str, str]
) -> None:
    report = _drop(portal, tmp_path, "facture-cii.xml", SAMPLE.read_bytes())
    assert (report["inserted"], report["rejected"]) == (1, [])
    entry = wiring.ledger().entry(AGENCY, Creditor.POLIRIS, "FA-2026-980001")
    assert (entry.amount.cents, entry.balance.cents, entry.due_on.isoformat() if entry.due_on else None) == (
        65_460,
        65_460,
        "2026-12-02",
    )
    assert [(line.quantity, line.unit_net_cents, line.vat_rate_basis_points) for line in entry.lines] == [
        (2, 25_000, 2000),
        (1, 4_550, 2000),
    ]
    assert _served(portal, other, "FA-2026-980001") == ("FA-2026-980001.xml", SAMPLE.read_bytes())


def test_the_same_file_again_changes_nothing_and_a_newer_version_replaces_the_document(
    portal: Portal, tmp_path: Path, other: dict[str, str]
) -> None:
    first = _invoice("FA-2026-980002")
    assert _drop(portal, tmp_path, "FA-2026-980002.xml", first)["inserted"] == 1
    assert _drop(portal, tmp_path, "FA-2026-980002.xml", first)["unchanged"] == 1
    corrected = _invoice(
        "FA-2026-980002",
        **{
            "<ram:ChargeAmount>45.50": "<ram:ChargeAmount>55.50",
            "<ram:LineTotalAmount>45.50": "<ram:LineTotalAmount>55.50",
            "<ram:LineTotalAmount>545.50": "<ram:LineTotalAmount>555.50",
            "<ram:TaxBasisTotalAmount>545.50": "<ram:TaxBasisTotalAmount>555.50",
            "<ram:BasisAmount>545.50": "<ram:BasisAmount>555.50",
            "<ram:CalculatedAmount>109.10": "<ram:CalculatedAmount>111.10",
            '<ram:TaxTotalAmount currencyID="EUR">109.10': '<ram:TaxTotalAmount currencyID="EUR">111.10',
            "<ram:GrandTotalAmount>654.60": "<ram:GrandTotalAmount>666.60",
            "<ram:DuePayableAmount>654.60": "<ram:DuePayableAmount>666.60",
        },
    )
    refused = _drop(portal, tmp_path, "FA-2026-980002.xml", corrected)
    assert [r["reason"][:10] for r in refused["rejected"]] == ["MF-VERSION"]
    assert _drop(portal, tmp_path, "FA-2026-980002-v2.xml", corrected)["updated"] == 1
    assert wiring.ledger().entry(AGENCY, Creditor.POLIRIS, "FA-2026-980002").amount.cents == 66_660
    assert _served(portal, other, "FA-2026-980002")[1] == corrected


@pytest.mark.parametrize(
    ("number", "replaced", "rule"),
    [
        ("FA-2026-980003", {"<ram:TypeCode>380</ram:TypeCode>": ""}, "XSD"),
        ("FA-2026-980004", {"<ram:GrandTotalAmount>654.60": "<ram:GrandTotalAmount>654.61"}, "BR-CO-15"),
        ("FA-2026-980005", {"<ram:CalculatedAmount>109.10": "<ram:CalculatedAmount>109.00"}, "BR-CO-14"),
        ("FA-2026-980006", {"<ram:ID>AG-2002</ram:ID>": "<ram:ID>AG-4242</ram:ID>"}, "MF-ACHETEUR"),
        ("FA-2026-980007", {SECOND_LINE_RATE: SECOND_LINE_RATE.replace(">20<", ">10<")}, "BR-S-08"),
    ],
)
def test_a_file_that_breaks_a_rule_is_rejected_with_its_id_and_nothing_is_written(
    portal: Portal, tmp_path: Path, number: str, replaced: dict[str, str], rule: str
) -> None:
    report = _drop(portal, tmp_path, f"{number}.xml", _invoice(number, **replaced))
    assert report["accepted"] == 0
    assert [(r["line"], r["reason"].split(" : ")[0]) for r in report["rejected"]] == [(0, rule)]
    with pytest.raises(NotFound):
        wiring.ledger().entry(AGENCY, Creditor.POLIRIS, number)


def _facturx(xml: bytes) -> bytes:
    """A PDF carrying its CII as `factur-x.xml`, as a platform sends a Factur-X."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("factur-x.xml", xml)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_facturx_pdf_becomes_an_entry_and_the_pdf_received_is_the_document(
    portal: Portal, tmp_path: Path, other: dict[str, str]
) -> None:
    pdf = _facturx(_invoice("FA-2026-980010"))
    report = _drop(portal, tmp_path, "FA-2026-980010.pdf", pdf, pdf=True)
    assert (report["inserted"], report["rejected"]) == (1, [])
    assert wiring.ledger().entry(AGENCY, Creditor.POLIRIS, "FA-2026-980010").amount.cents == 65_460
    assert _served(portal, other, "FA-2026-980010") == ("FA-2026-980010.pdf", pdf)


def test_the_facturx_sample_of_the_docs_imports_cleanly(portal: Portal, tmp_path: Path) -> None:
    sample = SAMPLE.with_name("facture-facturx.pdf").read_bytes()
    report = _drop(portal, tmp_path, "facture-facturx.pdf", sample, pdf=True)
    assert (report["accepted"], report["rejected"]) == (1, [])
    assert wiring.ledger().entry(AGENCY, Creditor.POLIRIS, "FA-2026-980020").amount.cents == 65_460


def test_a_facturx_pdf_whose_invoice_breaks_a_rule_is_rejected_and_not_kept(
    portal: Portal, tmp_path: Path
) -> None:
    wrong = _invoice("FA-2026-980011", **{"<ram:GrandTotalAmount>654.60": "<ram:GrandTotalAmount>600.00"})
    report = _drop(portal, tmp_path, "FA-2026-980011.pdf", _facturx(wrong), pdf=True)
    assert [r["reason"].split(" : ")[0] for r in report["rejected"]] == ["BR-CO-15"]
    with pytest.raises(NotFound):
        wiring.ledger().entry(AGENCY, Creditor.POLIRIS, "FA-2026-980011")


def test_the_ubl_sample_of_the_docs_becomes_an_entry_served_as_received(
    portal: Portal, tmp_path: Path, other: dict[str, str]
) -> None:
    sample = SAMPLE.with_name("facture-ubl.xml").read_bytes()
    report = _drop(portal, tmp_path, "facture-ubl.xml", sample)
    assert (report["inserted"], report["rejected"]) == (1, [])
    assert wiring.ledger().entry(AGENCY, Creditor.POLIRIS, "FA-2026-980030").amount.cents == 65_460
    assert _served(portal, other, "FA-2026-980030") == ("FA-2026-980030.xml", sample)
    wrong = sample.replace(b"FA-2026-980030", b"FA-2026-980031").replace(
        b'<cbc:TaxInclusiveAmount currencyID="EUR">654.60', b'<cbc:TaxInclusiveAmount currencyID="EUR">654.00'
    )
    refused = _drop(portal, tmp_path, "FA-2026-980031.xml", wrong)
    assert [r["reason"].split(" : ")[0] for r in refused["rejected"]] == ["BR-CO-15"]
