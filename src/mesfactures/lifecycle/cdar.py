"""CDAR status messages (UN/CEFACT Cross Domain Acknowledgement And Response, as the French e-invoicing
lifecycle uses it): read from the creditors' inbox, written for their outbound channel.

A file from outside is untrusted: it is parsed with defusedxml, which refuses any DTD (no entity, no
external reference, no "billion laughs"), and its size is bounded before parsing.

What the portal reads of a message (docs/import.md): each `ram:ReferenceReferencedDocument` of each
`rsm:AcknowledgementDocument` is one status of one invoice — its number (`ram:IssuerAssignedID`), the
status (`ram:ProcessConditionCode`), the reason (`ram:SpecifiedDocumentStatus/ram:Reason`, optional), the
amount received for "Encaissée" (`ram:SpecifiedDocumentCharacteristic/ram:ValueAmount`); the status date
is the acknowledgement's `ram:IssueDateTime`; the agency is the trade party of the message whose
`ram:RoleCode` is `BY` (its `ram:ID`: the agency's id at the creditor). A file holds one CDAR, or several
under any root element."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from mesfactures.domain.calendar import PARIS
from mesfactures.domain.lifecycle import COLLECTED, MAX_REASON, LifecycleEvent, is_known, label_of

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
ROOT = f"{{{RSM}}}CrossDomainAcknowledgementAndResponse"
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
MAX_BYTES = 5 * 1024 * 1024
_AGENCY = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_NUMBER = re.compile(r"^[A-Za-z0-9_.:\-]{1,35}$")
_AMOUNT = re.compile(r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$")

for prefix, uri in (("rsm", RSM), ("ram", RAM), ("udt", UDT), ("qdt", QDT)):
    ET.register_namespace(prefix, uri)


class NotCdar(ValueError):
    """The file is not a CDAR (or not well-formed XML): the whole file is rejected."""


@dataclass(frozen=True)
class StatusMessage:
    """One status of one invoice read from a file, or the reason it cannot be applied (`problem`)."""

    position: int  # 1-based, in the file's order: the "line" of the import report
    agency_id: str | None
    event: LifecycleEvent | None
    problem: str | None = None


def read_cdar(content: bytes, sender: str) -> list[StatusMessage]:
    """Every status message of a file, each valid or with its problem; NotCdar for a file that is not."""
    if len(content) > MAX_BYTES:
        raise NotCdar("le fichier dépasse 5 Mo")
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException) as error:
        raise NotCdar(f"XML refusé ({type(error).__name__})") from None
    documents = [root] if root.tag == ROOT else [child for child in root if child.tag == ROOT]
    if not documents:
        raise NotCdar("aucun message CDAR (CrossDomainAcknowledgementAndResponse) dans le fichier")
    messages: list[StatusMessage] = []
    for document in documents:
        messages.extend(_messages(document, sender, len(messages)))
    return messages


def _messages(document: ET.Element, sender: str, before: int) -> Iterator[StatusMessage]:
    message_id = _text(document, "rsm:ExchangedDocument/ram:ID") or ""
    agency_id = _buyer(document)
    position = before
    for acknowledgement in document.iterfind("rsm:AcknowledgementDocument", _NS):
        at = _datetime(acknowledgement.find("ram:IssueDateTime", _NS))
        for reference in acknowledgement.iterfind("ram:ReferenceReferencedDocument", _NS):
            position += 1
            yield _message(position, message_id, agency_id, at, reference, sender)


def _message(
    position: int,
    message_id: str,
    agency_id: str | None,
    at: datetime | None,
    reference: ET.Element,
    sender: str,
) -> StatusMessage:
    number = _text(reference, "ram:IssuerAssignedID")
    raw_code = _text(reference, "ram:ProcessConditionCode") or ""
    problem = None
    if not message_id:
        problem = "le message n'a pas d'identifiant (ExchangedDocument/ID)"
    elif agency_id is None:
        problem = "le message ne nomme pas l'acheteur (partie de rôle BY, avec son ID)"
    elif at is None:
        problem = "la date du statut (IssueDateTime) est absente ou illisible"
    elif number is None or not _NUMBER.match(number):
        problem = "le numéro de la facture (IssuerAssignedID) est absent ou invalide"
    elif not raw_code.isdigit() or not is_known(int(raw_code)):
        problem = f"code de statut inconnu : « {raw_code[:10]} »"
    if problem is not None:
        return StatusMessage(position, agency_id, None, problem)
    assert number is not None and at is not None  # noqa: S101 (checked just above)
    reason = _text(reference, "ram:SpecifiedDocumentStatus/ram:Reason")
    amount, amount_problem = _amount(reference)
    if amount_problem:
        return StatusMessage(position, agency_id, None, amount_problem)
    digest = hashlib.sha256(f"{message_id}\n{number}\n{raw_code}\n{at.isoformat()}".encode()).hexdigest()
    event = LifecycleEvent(
        number=number,
        code=int(raw_code),
        at=at,
        message_id=digest[:24],
        by=sender,
        reason=reason[:MAX_REASON] if reason else None,
        amount_cents=amount,
    )
    return StatusMessage(position, agency_id, event)


def _amount(reference: ET.Element) -> tuple[int | None, str | None]:
    raw = _text(reference, "ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic/ram:ValueAmount")
    if raw is None:
        return None, None
    if not _AMOUNT.match(raw):
        return None, f"montant illisible : « {raw[:20]} » (un nombre à deux décimales au plus)"
    try:
        return int(Decimal(raw) * 100), None
    except InvalidOperation:
        return None, f"montant illisible : « {raw[:20]} »"


_NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, _NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _buyer(document: ET.Element) -> str | None:
    for party in ("ram:SenderTradeParty", "ram:IssuerTradeParty", "ram:RecipientTradeParty"):
        for found in document.iterfind(f"rsm:ExchangedDocument/{party}", _NS):
            if _text(found, "ram:RoleCode") == "BY":
                agency = _text(found, "ram:ID")
                return agency if agency and _AGENCY.match(agency) else None
    return None


def _datetime(element: ET.Element | None) -> datetime | None:
    """`udt:DateTimeString` in format 204 (YYYYMMDDHHMMSS, Paris time) or 102 (YYYYMMDD)."""
    if element is None:
        return None
    text = _text(element, "udt:DateTimeString")
    found = element.find("udt:DateTimeString", _NS)
    shape = {"204": "%Y%m%d%H%M%S", "102": "%Y%m%d"}.get(found.get("format", "") if found is not None else "")
    if text is None or shape is None:
        return None
    try:
        return datetime.strptime(text, shape).replace(tzinfo=PARIS).astimezone(UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class OutboundStatus:
    """What the portal reports: one status of one invoice of an agency, from the creditor."""

    message_id: str
    creditor_name: str
    creditor_siren: str
    agency_id: str
    number: str
    code: int
    at: datetime
    amount_cents: int | None
    currency: str
    reason: str | None


def write_cdar(status: OutboundStatus) -> bytes:
    """A CDAR holding one status message, in the shape read_cdar reads (docs/import.md)."""
    root = ET.Element(f"{{{RSM}}}CrossDomainAcknowledgementAndResponse")
    context = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", "REGULATED")
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    exchanged = _sub(root, "rsm:ExchangedDocument")
    _sub(exchanged, "ram:ID", status.message_id)
    _sub(exchanged, "ram:Name", f"Statut {status.code} {label_of(status.code)}")
    _stamp(_sub(exchanged, "ram:IssueDateTime"), status.at)
    _party(exchanged, "ram:SenderTradeParty", status.creditor_siren, status.creditor_name, "SE")
    _party(exchanged, "ram:RecipientTradeParty", status.agency_id, status.agency_id, "BY")
    acknowledgement = _sub(root, "rsm:AcknowledgementDocument")
    _sub(_sub(acknowledgement, "ram:MultipleReferencesIndicator"), "udt:Indicator", "false")
    _sub(acknowledgement, "ram:TypeCode", "305")
    _stamp(_sub(acknowledgement, "ram:IssueDateTime"), status.at)
    reference = _sub(acknowledgement, "ram:ReferenceReferencedDocument")
    _sub(reference, "ram:IssuerAssignedID", status.number)
    _sub(reference, "ram:ProcessConditionCode", str(status.code))
    _sub(reference, "ram:ProcessCondition", label_of(status.code))
    if status.reason or status.amount_cents is not None:
        document_status = _sub(reference, "ram:SpecifiedDocumentStatus")
        if status.reason:
            _sub(document_status, "ram:Reason", status.reason)
        if status.amount_cents is not None:
            characteristic = _sub(document_status, "ram:SpecifiedDocumentCharacteristic")
            _sub(characteristic, "ram:TypeCode", "MEN" if status.code == COLLECTED else "MPA")
            amount = _sub(characteristic, "ram:ValueAmount", _decimal(status.amount_cents))
            amount.set("currencyID", status.currency)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    prefix, local = name.split(":")
    element = ET.SubElement(parent, f"{{{_NS[prefix]}}}{local}")
    if text is not None:
        element.text = text
    return element


def _stamp(parent: ET.Element, at: datetime) -> None:
    value = _sub(parent, "udt:DateTimeString", at.astimezone(PARIS).strftime("%Y%m%d%H%M%S"))
    value.set("format", "204")


def _party(parent: ET.Element, name: str, identifier: str, label: str, role: str) -> None:
    party = _sub(parent, name)
    _sub(party, "ram:ID", identifier)
    _sub(party, "ram:Name", label)
    _sub(party, "ram:RoleCode", role)


def _decimal(cents: int) -> str:
    """`1234.50`, `-120.00`: the amount a refund takes back is negative."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
