"""The lifecycle's rules and its CDAR messages: which status is current, what a message says, what an
untrusted file may not do."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mesfactures.domain.calendar import PARIS
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput, NotFound
from mesfactures.domain.lifecycle import LifecycleEvent, Recorded, deposited, latest, parse_code
from mesfactures.lifecycle.cdar import NotCdar, OutboundStatus, read_cdar, write_cdar
from mesfactures.lifecycle.use_cases import apply_status_file

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "cdar-statuts.xml"
NAMESPACES = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)


def _cdar(
    references: str, *, buyer: str = "AG-1001", stamp: str = "20261105093000", ident: str = "M1"
) -> str:
    return (
        f"<rsm:CrossDomainAcknowledgementAndResponse {NAMESPACES}>"
        f"<rsm:ExchangedDocument><ram:ID>{ident}</ram:ID>"
        f"<ram:RecipientTradeParty><ram:ID>{buyer}</ram:ID><ram:RoleCode>BY</ram:RoleCode>"
        "</ram:RecipientTradeParty></rsm:ExchangedDocument>"
        "<rsm:AcknowledgementDocument>"
        f'<ram:IssueDateTime><udt:DateTimeString format="204">{stamp}</udt:DateTimeString>'
        "</ram:IssueDateTime>"
        f"{references}</rsm:AcknowledgementDocument></rsm:CrossDomainAcknowledgementAndResponse>"
    )


def _reference(number: str, code: str, extra: str = "") -> str:
    return (
        f"<ram:ReferenceReferencedDocument><ram:IssuerAssignedID>{number}</ram:IssuerAssignedID>"
        f"<ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>{extra}</ram:ReferenceReferencedDocument>"
    )


def _event(code: int, at: datetime, message_id: str = "m") -> LifecycleEvent:
    return LifecycleEvent("FA-2026-000001", code, at, message_id, "PA")


def test_the_latest_status_by_date_is_current_whatever_the_order_of_arrival() -> None:
    paid = _event(212, datetime(2026, 11, 20, 9, 0, tzinfo=UTC), "b")
    taken = _event(204, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "a")
    assert latest([paid, taken]) == paid
    assert latest([taken, paid]) == paid


def test_two_statuses_of_the_same_second_are_ordered_by_message_id() -> None:
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert latest([_event(205, at, "b"), _event(207, at, "a")]) == _event(205, at, "b")


def test_statuses_are_ordered_by_their_instant_whatever_the_zone_they_are_written_in() -> None:
    paris = _event(204, datetime(2026, 11, 20, 10, 0, tzinfo=PARIS))  # 09:00 UTC
    utc = _event(204, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert paris.stamp == utc.stamp == "2026-11-20T09:00:00Z#m"


def test_an_invoice_without_any_message_is_deposited_on_its_issue_date() -> None:
    status = deposited(date(2026, 10, 3))
    assert (status.code, status.label, status.at) == (200, "Déposée", datetime(2026, 10, 3, tzinfo=UTC))


def test_the_statement_filter_takes_only_a_known_code() -> None:
    assert parse_code("212") == 212
    assert parse_code("") is None
    for wrong in ("215", "abc", "-1", "2120"):
        with pytest.raises(InvalidInput):
            parse_code(wrong)


def test_the_sample_file_holds_two_statuses_of_agency_ag_2002() -> None:
    messages = read_cdar(SAMPLE.read_bytes(), sender="PA")
    assert [(m.position, m.agency_id, m.problem) for m in messages] == [
        (1, "AG-2002", None),
        (2, "AG-2002", None),
    ]
    first, second = (message.event for message in messages)
    assert first is not None and second is not None
    assert (first.number, first.code, first.label) == ("FA-2026-990001", 204, "Prise en charge")
    assert first.at == datetime(2026, 11, 5, 8, 30, tzinfo=UTC)  # 09:30 in Paris
    assert (second.code, second.reason) == (210, "Taux de TVA erroné")


def test_each_message_that_cannot_apply_says_why_and_the_others_are_read() -> None:
    content = _cdar(
        _reference("FA-2026-000001", "212")
        + _reference("FA-2026-000002", "299")
        + _reference("FA 2026 !", "204")
        + _reference(
            "FA-2026-000003",
            "212",
            "<ram:SpecifiedDocumentStatus><ram:SpecifiedDocumentCharacteristic>"
            "<ram:ValueAmount>12,5</ram:ValueAmount></ram:SpecifiedDocumentCharacteristic></ram:SpecifiedDocumentStatus>",
        )
    ).encode()
    problems = [(m.position, m.problem) for m in read_cdar(content, "PA")]
    assert problems[0] == (1, None)
    assert problems[1] == (2, "code de statut inconnu : « 299 »")
    assert problems[2][1] is not None and "numéro" in problems[2][1]
    assert problems[3][1] is not None and "montant" in problems[3][1]


def test_a_message_without_its_buyer_or_its_date_is_refused() -> None:
    no_buyer = _cdar(_reference("FA-2026-000001", "212"), buyer="")
    no_date = _cdar(_reference("FA-2026-000001", "212"), stamp="2026-11-05")
    assert "acheteur" in (read_cdar(no_buyer.encode(), "PA")[0].problem or "")
    assert "date" in (read_cdar(no_date.encode(), "PA")[0].problem or "")


def test_several_cdar_documents_in_one_file_are_read_in_order() -> None:
    content = (
        "<lot>"
        + _cdar(_reference("FA-2026-000001", "204"), ident="A")
        + _cdar(_reference("FA-2026-000002", "205"), ident="B")
        + "</lot>"
    )
    messages = read_cdar(content.encode(), "PA")
    assert [(m.position, m.event.code if m.event else None) for m in messages] == [(1, 204), (2, 205)]


def test_the_amount_received_is_read_in_cents() -> None:
    amount = (
        "<ram:SpecifiedDocumentStatus><ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MEN</ram:TypeCode>"
        '<ram:ValueAmount currencyID="EUR">1234.50</ram:ValueAmount></ram:SpecifiedDocumentCharacteristic>'
        "</ram:SpecifiedDocumentStatus>"
    )
    (message,) = read_cdar(_cdar(_reference("FA-2026-000001", "212", amount)).encode(), "PA")
    assert message.event is not None and message.event.amount_cents == 123_450


def test_the_same_message_has_the_same_id_so_a_second_delivery_adds_no_history_line() -> None:
    content = _cdar(_reference("FA-2026-000001", "212")).encode()
    assert read_cdar(content, "PA")[0].event == read_cdar(content, "PA")[0].event


@pytest.mark.parametrize(
    "hostile",
    [
        # "Billion laughs": entities that expand to gigabytes.
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        "<lolz>&lol2;</lolz>",
        # An external entity reading a file of the server.
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]><x>&secret;</x>',
        # Any DTD at all.
        '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1/x.dtd"><x/>',
    ],
)
def test_a_file_with_a_dtd_or_entities_is_refused_before_anything_is_read(hostile: str) -> None:
    with pytest.raises(NotCdar):
        read_cdar(hostile.encode(), "PA")


def test_a_file_that_is_not_a_cdar_is_refused_whole() -> None:
    for content in (b"not xml", b"<Invoice/>", b"\xff\xfe"):
        with pytest.raises(NotCdar):
            read_cdar(content, "PA")


def test_the_portal_writes_a_collected_status_that_reads_back_with_its_amount_and_date() -> None:
    at = datetime(2026, 11, 30, 10, 15, 7, tzinfo=UTC)
    written = write_cdar(
        OutboundStatus(
            message_id="01JABCDEF",
            creditor_name="POLIRIS SAS",
            creditor_siren="412345678",
            agency_id="AG-1001",
            number="FA-2026-000123",
            code=212,
            at=at,
            amount_cents=12_000,
            currency="EUR",
            reason=None,
        )
    )
    text = written.decode()
    assert "<ram:ProcessConditionCode>212</ram:ProcessConditionCode>" in text
    assert '<ram:ValueAmount currencyID="EUR">120.00</ram:ValueAmount>' in text
    assert '<udt:DateTimeString format="204">20261130111507</udt:DateTimeString>' in text  # Paris time
    assert "<ram:TypeCode>MEN</ram:TypeCode>" in text
    (message,) = read_cdar(written, "PA")
    assert message.event is not None
    assert (message.agency_id, message.event.number, message.event.at, message.event.amount_cents) == (
        "AG-1001",
        "FA-2026-000123",
        at,
        12_000,
    )


class _Ledger:
    """The recorder port, as a fake: the documents it knows, and the latest stamp it holds of each."""

    def __init__(self, numbers: set[str]) -> None:
        self.numbers = numbers
        self.lines: set[str] = set()
        self.current: dict[str, LifecycleEvent] = {}

    def record(self, agency_id: str, creditor: Creditor, event: LifecycleEvent) -> Recorded:
        if event.number not in self.numbers:
            raise NotFound(f"{event.number} est inconnue sur ce compte")
        fresh = event.stamp not in self.lines
        self.lines.add(event.stamp)
        held = self.current.get(event.number)
        if held is None or held.stamp < event.stamp:
            self.current[event.number] = event
            return Recorded.CURRENT if fresh else Recorded.DUPLICATE
        return Recorded.LATE if fresh else Recorded.DUPLICATE


def test_a_file_reports_late_messages_unknown_invoices_and_counts_the_others() -> None:
    ledger = _Ledger({"FA-2026-000001"})
    newer = _cdar(_reference("FA-2026-000001", "212"), stamp="20261120100000", ident="N")
    older = _cdar(_reference("FA-2026-000001", "204") + _reference("FA-2026-000404", "205"), ident="O")
    first = apply_status_file("a.xml", newer.encode(), Creditor.POLIRIS, ledger)
    second = apply_status_file("b.xml", older.encode(), Creditor.POLIRIS, ledger)
    again = apply_status_file("a.xml", newer.encode(), Creditor.POLIRIS, ledger)
    assert (first.updated, first.rejected) == (1, [])
    assert (second.accepted, second.inserted) == (1, 1)
    assert [n.line for n in second.notices] == [1] and "antérieur" in second.notices[0].reason
    assert [(r.line, "FA-2026-000404" in r.reason) for r in second.rejected] == [(2, True)]
    assert (again.accepted, again.unchanged) == (1, 1)
    assert ledger.current["FA-2026-000001"].code == 212


def test_a_file_that_is_not_a_cdar_is_one_rejection_of_line_zero() -> None:
    report = apply_status_file("x.xml", b"<facture/>", Creditor.POLIRIS, _Ledger(set()))
    assert [r.line for r in report.rejected] == [0]
    assert report.accepted == 0
