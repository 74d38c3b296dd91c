"""The statement through the gateway, on the demo accounts, with the DynamoDB calls each request costs."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pypdf
import pytest
import requests

from tests.einvoicing import all_failures, embedded_xml, xsd_valid
from tests.support import Portal, fresh_invoices

BASE = "statement/creditors"


def _get(portal: Portal, path: str, cookie: dict[str, str], **params: str) -> requests.Response:
    return requests.get(portal.api(f"{BASE}/{path}"), headers=cookie, params=params, timeout=10)


def _pages(
    portal: Portal, cookie: dict[str, str], creditor: str = "POLIRIS", **params: str
) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor = ""
    while True:
        page = _get(portal, f"{creditor}/entries", cookie, **params, **({"cursor": cursor} if cursor else {}))
        pages.append(page.json()["entries"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            return pages


def _all_pages(
    portal: Portal, cookie: dict[str, str], creditor: str = "POLIRIS", **params: str
) -> list[dict[str, Any]]:
    return [entry for page in _pages(portal, cookie, creditor, **params) for entry in page]


def test_the_default_view_is_the_unpaid_invoices_with_their_summary_in_one_query(
    portal: Portal, demo: dict[str, str]
) -> None:
    assert portal.running.meter
    portal.running.meter.settle()
    page = _get(portal, "PRESSIMMO/entries", demo).json()
    # One Query for the page; one BatchGetItem says the session was not signed out and reads the member
    # (active, role).
    assert portal.running.meter.reset() == {"Query": 1, "BatchGetItem": 1}
    invoices = [e for e in page["entries"] if e["type"] == "invoice"]
    assert len(invoices) >= 6
    assert all(e["balance_cents"] > 0 for e in invoices)
    assert any(e["overdue"] for e in invoices) and not all(e["overdue"] for e in invoices)
    summary = page["summary"]
    assert summary["total_due"]["amount_cents"] == sum(e["balance_cents"] for e in invoices)
    overdue = sum(e["balance_cents"] for e in invoices if e["overdue"])
    assert summary["overdue"]["amount_cents"] == overdue
    aging = summary["aging"]
    assert sum(bucket["amount_cents"] for bucket in aging.values()) == summary["total_due"]["amount_cents"]
    assert aging["not_due"]["amount_cents"] == summary["total_due"]["amount_cents"] - overdue


def test_the_summary_route_agrees_with_the_default_view(portal: Portal, demo: dict[str, str]) -> None:
    page = _get(portal, "BELLES_DEMEURES/entries", demo).json()
    assert _get(portal, "BELLES_DEMEURES/summary", demo).json() == page["summary"]


def test_all_entries_of_twelve_months_come_newest_first_page_by_page_one_query_each(
    portal: Portal, demo: dict[str, str]
) -> None:
    assert portal.running.meter
    portal.running.meter.settle()
    pages = _pages(portal, demo, scope="all", limit="7")
    assert portal.running.meter.reset() == {"Query": len(pages), "BatchGetItem": len(pages)}
    assert all(len(page) == 7 for page in pages[:-1])
    entries = [entry for page in pages for entry in page]
    dates = [e["date"] for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert len({e["number"] for e in entries}) == len(entries)
    assert {e["type"] for e in entries} == {"invoice", "credit_note", "payment"}
    assert min(dates) >= (date.today() - timedelta(days=366)).isoformat()


def test_a_date_range_narrows_the_entries(portal: Portal, demo: dict[str, str]) -> None:
    start, end = (
        (date.today() - timedelta(days=120)).isoformat(),
        (date.today() - timedelta(days=60)).isoformat(),
    )
    entries = _all_pages(portal, demo, scope="all", **{"from": start, "to": end})
    assert entries and all(start <= e["date"] <= end for e in entries)


def test_a_number_or_its_beginning_finds_the_documents(portal: Portal, demo: dict[str, str]) -> None:
    some = _get(portal, "POLIRIS/entries", demo, scope="all", limit="5").json()["entries"][0]["number"]
    exact = _get(portal, "POLIRIS/entries", demo, scope="all", number=some).json()["entries"]
    assert [e["number"] for e in exact] == [some]
    prefix = some[:9]
    found = _all_pages(portal, demo, scope="all", number=prefix.lower())
    assert found and all(e["number"].startswith(prefix) for e in found)


def test_the_digits_of_a_number_find_it_whatever_its_prefix_one_query_per_page(
    portal: Portal, demo: dict[str, str]
) -> None:
    (credit,) = fresh_invoices("AG-1001", "POLIRIS", 1, amount_cents=500, credit_notes=True)
    digits = credit["number"].rsplit("-", 1)[1]  # AV-2030-000168 → 000168, as read on paper
    assert portal.running.meter
    portal.running.meter.settle()
    found = _get(portal, "POLIRIS/entries", demo, number=digits).json()["entries"]
    assert portal.running.meter.reset() == {"Query": 1, "BatchGetItem": 1}
    assert credit["number"] in [e["number"] for e in found]
    assert all(digits in e["number"] for e in found)
    after_prefix = credit["number"].split("-", 1)[1]  # 2030-000168
    assert [e["number"] for e in _all_pages(portal, demo, scope="all", number=after_prefix)] == [
        credit["number"]
    ]
    tail = digits[-3:]  # any part of the number after its prefix
    pages = _pages(portal, demo, scope="all", number=tail, limit="2")
    matches = [e["number"] for page in pages for e in page]
    assert credit["number"] in matches and all(tail in n for n in matches)
    assert len(matches) == len(set(matches)), "pages follow each other without repeating an entry"
    assert all(len(page) <= 2 for page in pages)


def test_an_empty_result_is_an_empty_list(portal: Portal, demo: dict[str, str]) -> None:
    answer = _get(portal, "POLIRIS/entries", demo, scope="all", number="FA-1999")
    assert answer.status_code == 200
    assert answer.json()["entries"] == [] and answer.json()["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [{"scope": "everything"}, {"from": "hier"}, {"number": "<script>"}, {"limit": "-1"}, {"cursor": "@@@"}],
)
def test_bad_query_parameters_are_400(portal: Portal, demo: dict[str, str], params: dict[str, str]) -> None:
    answer = _get(portal, "POLIRIS/entries", demo, **params)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_input"


def test_a_cursor_from_another_view_is_400_not_a_crash(portal: Portal, demo: dict[str, str]) -> None:
    cursor = _get(portal, "POLIRIS/entries", demo, scope="all", limit="3").json()["next_cursor"]
    assert _get(portal, "POLIRIS/entries", demo, cursor=cursor).status_code == 400


def test_a_document_opens_from_a_short_lived_link(portal: Portal, demo: dict[str, str]) -> None:
    number = _get(portal, "POLIRIS/entries", demo).json()["entries"][0]["number"]
    for disposition in ("inline", "attachment"):
        link = _get(portal, f"POLIRIS/documents/{number}", demo, disposition=disposition).json()
        assert link["filename"] == f"{number}.pdf" and link["expires_in"] <= 300
        pdf = requests.get(link["url"], timeout=10)
        assert pdf.content.startswith(b"%PDF-")
        assert pdf.headers["Content-Disposition"] == f'{disposition}; filename="{number}.pdf"'


def test_a_document_link_can_redirect_for_a_plain_browser_link(portal: Portal, demo: dict[str, str]) -> None:
    number = _get(portal, "POLIRIS/entries", demo).json()["entries"][0]["number"]
    answer = requests.get(
        portal.api(f"{BASE}/POLIRIS/documents/{number}"),
        params={"redirect": "true"},
        headers=demo,
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    assert requests.get(answer.headers["Location"], timeout=10).content.startswith(b"%PDF-")


def _credit_note_with_its_invoice(portal: Portal, cookie: dict[str, str]) -> dict[str, Any]:
    entries = _all_pages(portal, cookie, scope="all")
    return next(e for e in entries if e["type"] == "credit_note" and e["settles"])


def test_a_credit_note_opens_as_a_factur_x_that_passes_the_xsd_and_both_schematrons(
    portal: Portal, demo: dict[str, str]
) -> None:
    credit_note = _credit_note_with_its_invoice(portal, demo)
    link = _get(portal, f"POLIRIS/documents/{credit_note['number']}", demo).json()

    filename, xml = embedded_xml(requests.get(link["url"], timeout=10).content)

    assert filename == "factur-x.xml"
    assert f"<ram:IssuerAssignedID>{credit_note['settles'][0]}</ram:IssuerAssignedID>".encode() in xml
    assert xsd_valid(xml) and all_failures(xml) == []


def test_the_xml_alone_is_the_one_the_pdf_carries(portal: Portal, demo: dict[str, str]) -> None:
    credit_note = _credit_note_with_its_invoice(portal, demo)
    path = f"POLIRIS/documents/{credit_note['number']}"

    link = _get(portal, path, demo, format="xml", disposition="attachment").json()
    answer = requests.get(link["url"], timeout=10)
    pdf = requests.get(_get(portal, path, demo).json()["url"], timeout=10).content

    assert link["filename"] == f"{credit_note['number']}.xml" and link["expires_in"] <= 300
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{credit_note["number"]}.xml"'
    assert answer.content == embedded_xml(pdf)[1]
    assert b"<ram:TypeCode>381</ram:TypeCode>" in answer.content
    # the date of the invoice it corrects comes from the ledger (BT-26)
    invoice = _get(portal, "POLIRIS/entries", demo, scope="all", number=credit_note["settles"][0]).json()
    issued = invoice["entries"][0]["date"].replace("-", "")
    assert f'<qdt:DateTimeString format="102">{issued}</qdt:DateTimeString>'.encode() in answer.content


def test_an_invoice_first_asked_as_xml_is_drawn_whole_and_its_pdf_carries_that_xml(
    portal: Portal, demo: dict[str, str]
) -> None:
    (invoice,) = fresh_invoices("AG-1001", "BELLES_DEMEURES", 1)  # written as the import does: no PDF yet
    path = f"BELLES_DEMEURES/documents/{invoice['number']}"

    xml = requests.get(_get(portal, path, demo, format="xml").json()["url"], timeout=10).content
    pdf = requests.get(_get(portal, path, demo).json()["url"], timeout=10).content

    assert embedded_xml(pdf)[1] == xml
    assert xsd_valid(xml) and all_failures(xml) == []


def test_the_xml_redirects_too_and_an_unknown_format_is_400(portal: Portal, demo: dict[str, str]) -> None:
    number = _get(portal, "POLIRIS/entries", demo).json()["entries"][0]["number"]
    answer = requests.get(
        portal.api(f"{BASE}/POLIRIS/documents/{number}"),
        params={"redirect": "true", "format": "xml"},
        headers=demo,
        allow_redirects=False,
        timeout=10,
    )
    refused = _get(portal, f"POLIRIS/documents/{number}", demo, format="ubl")

    assert answer.status_code == 302
    assert requests.get(answer.headers["Location"], timeout=10).content.startswith(b"<?xml")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_input"


def test_another_agencys_document_is_not_found_as_xml_either(
    portal: Portal, demo: dict[str, str], other: dict[str, str]
) -> None:
    theirs = _get(portal, "PRESSIMMO/entries", demo).json()["entries"][0]["number"]

    stolen = _get(portal, f"PRESSIMMO/documents/{theirs}", other, format="xml")
    unknown = _get(portal, "PRESSIMMO/documents/FA-2099-999999", other, format="xml")

    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json() == unknown.json()


def _releve_text(portal: Portal, cookie: dict[str, str], creditor: str = "POLIRIS", **params: str) -> str:
    link = _get(portal, f"{creditor}/statement.pdf", cookie, **params)
    assert link.status_code == 200, link.text
    pdf = requests.get(link.json()["url"], timeout=10).content
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\u00a0", " ")


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", " ")
    return f"{sign}{grouped},{rest:02d} €"


def test_the_releve_says_what_the_statement_says(portal: Portal, demo: dict[str, str]) -> None:
    summary = _get(portal, "POLIRIS/summary", demo).json()
    open_entries = _all_pages(portal, demo)

    text = _releve_text(portal, demo)

    assert f"Total dû {_euros(summary['total_due']['amount_cents'])}" in text
    assert f"dont échu {_euros(summary['overdue']['amount_cents'])}" in text
    assert f"Avoirs disponibles {_euros(summary['credit_available']['amount_cents'])}" in text
    aging = summary["aging"]
    for label, bucket in (
        ("Non échu", "not_due"),
        ("1 à 30 jours", "days_1_30"),
        ("31 à 60 jours", "days_31_60"),
        ("61 à 90 jours", "days_61_90"),
        ("Plus de 90 jours", "over_90"),
    ):
        assert f"{label} {_euros(aging[bucket]['amount_cents'])}" in text
    assert all(entry["number"] in text for entry in open_entries)
    remaining = sum(entry["balance_cents"] for entry in open_entries)
    assert f"Reste dû cumulé des écritures listées {_euros(remaining)}" in text


def test_the_releve_lists_what_the_filters_select(portal: Portal, demo: dict[str, str]) -> None:
    chosen = _all_pages(portal, demo, scope="all", number="FA-2026")
    others = [e for e in _all_pages(portal, demo, scope="all") if not e["number"].startswith("FA-2026")]

    text = _releve_text(portal, demo, scope="all", number="FA-2026")

    assert chosen and all(entry["number"] in text for entry in chosen)
    assert not any(entry["number"] in text for entry in others)
    assert "n° de pièce commençant par FA-2026" in text
    assert f"Solde cumulé des écritures listées {_euros(sum(e['amount_cents'] for e in chosen))}" in text


def test_the_releve_opens_from_a_plain_link_and_refuses_bad_filters(
    portal: Portal, demo: dict[str, str]
) -> None:
    answer = requests.get(
        portal.api(f"{BASE}/PRESSIMMO/statement.pdf"),
        params={"redirect": "true"},
        headers=demo,
        allow_redirects=False,
        timeout=10,
    )
    pdf = requests.get(answer.headers["Location"], timeout=10)

    assert answer.status_code == 302
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"].startswith('inline; filename="releve-PRESSIMMO-')
    assert _get(portal, "PRESSIMMO/statement.pdf", demo, scope="everything").status_code == 400


def test_another_agencys_releve_lists_nothing_of_the_first(
    portal: Portal, demo: dict[str, str], other: dict[str, str]
) -> None:
    theirs = [entry["number"] for entry in _all_pages(portal, demo, "PRESSIMMO", scope="all")]

    text = _releve_text(portal, other, "PRESSIMMO", scope="all")

    assert "Autre Agence Immobilière" in text
    assert not any(number in text for number in theirs)
    assert _get(portal, "BELLES_DEMEURES/statement.pdf", other).status_code == 404


def test_a_payment_has_no_document(portal: Portal, demo: dict[str, str]) -> None:
    entries = _all_pages(portal, demo, scope="all")
    payment = next(e for e in entries if e["type"] == "payment")
    assert _get(portal, f"POLIRIS/documents/{payment['number']}", demo).status_code == 404


def test_the_export_is_the_entries_shown_as_csv(portal: Portal, demo: dict[str, str]) -> None:
    answer = _get(portal, "POLIRIS/export.csv", demo, scope="all")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert 'filename="etat-de-compte-POLIRIS-' in answer.headers["Content-Disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    numbers = [e["number"] for e in _all_pages(portal, demo, scope="all")]
    assert [row[1] for row in rows[1:]] == numbers


def test_another_agencys_account_and_documents_are_not_found(
    portal: Portal, demo: dict[str, str], other: dict[str, str]
) -> None:
    mine = _get(portal, "PRESSIMMO/entries", other).json()["entries"][0]["number"]
    theirs = _get(portal, "PRESSIMMO/entries", demo).json()["entries"][0]["number"]
    unknown = _get(portal, "PRESSIMMO/documents/FA-2099-999999", other)
    stolen = _get(portal, f"PRESSIMMO/documents/{theirs}", other)
    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json() == unknown.json()
    assert _get(portal, f"PRESSIMMO/documents/{mine}", other).status_code == 200
    for path in ("entries", "summary", "export.csv", f"documents/{mine}"):
        answer = _get(portal, f"BELLES_DEMEURES/{path}", other)
        assert answer.status_code == 404, path
    assert _get(portal, "SELOGER/entries", other).status_code == 404
    assert _all_pages(portal, other, "PRESSIMMO", scope="all", number=theirs) == []
    their_ids = {e["id"] for e in _all_pages(portal, demo, "PRESSIMMO", scope="all")}
    assert their_ids.isdisjoint(e["id"] for e in _all_pages(portal, other, "PRESSIMMO", scope="all"))


def test_a_cursor_is_refused_with_other_filters_or_a_forged_key(portal: Portal, demo: dict[str, str]) -> None:
    import base64
    import json

    cursor = _get(portal, "POLIRIS/entries", demo, scope="all", limit="3").json()["next_cursor"]
    other_range = _get(portal, "POLIRIS/entries", demo, scope="all", cursor=cursor, **{"from": "2026-01-01"})
    assert other_range.status_code == 400
    decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    decoded["k"]["BY_DATE"] = "1999-01-01#FA-1999-000001"
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    assert _get(portal, "POLIRIS/entries", demo, scope="all", cursor=forged).status_code in (200, 400)
