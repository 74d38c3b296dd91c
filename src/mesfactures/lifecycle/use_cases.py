"""The lifecycle's use cases: a document's statuses for the agency, CDAR files of the feed applied to the
ledger, the portal's own statuses delivered to the creditor's outbound channel, finance's view of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mesfactures.domain.accounts import CreditorDetails
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import DomainError, NotFound
from mesfactures.domain.imports import ImportReport
from mesfactures.domain.ledger import UpsertOutcome
from mesfactures.domain.lifecycle import (
    LifecycleEvent,
    LifecycleStatus,
    OutboundMessage,
    Recorded,
    ReportedStatus,
)
from mesfactures.domain.principal import FinanceUser
from mesfactures.lifecycle.cdar import NotCdar, OutboundStatus, read_cdar, write_cdar
from mesfactures.observability import logger

_log = logger("mesfactures.lifecycle")
OUTBOX = "einvoicing/outbox/"
FINANCE_DAYS = 90


class History(Protocol):
    def history(
        self, agency_id: str, creditor: Creditor, number: str
    ) -> tuple[LifecycleStatus, tuple[LifecycleEvent, ...]]: ...


class Recorder(Protocol):
    def record(self, agency_id: str, creditor: Creditor, event: LifecycleEvent) -> Recorded: ...


@dataclass(frozen=True)
class DocumentLifecycle:
    number: str
    current: LifecycleStatus
    history: tuple[LifecycleEvent, ...]  # newest first


def lifecycle_of(history: History, agency_id: str, creditor: Creditor, number: str) -> DocumentLifecycle:
    """The document's current status and every status message received about it (404 if not the
    agency's)."""
    current, events = history.history(agency_id, creditor, number)
    return DocumentLifecycle(number, current, events)


def apply_status_file(name: str, content: bytes, creditor: Creditor, recorder: Recorder) -> ImportReport:
    """A CDAR file of the creditor's inbox: each message updates its invoice's status (the latest by date
    wins) and is kept in its history. A message that cannot apply (unknown invoice, unknown code, no
    date) is rejected with its position; a late one is kept and noted; the others go on."""
    report = ImportReport(file=name)
    try:
        messages = read_cdar(content, sender=f"Plateforme de {creditor.display_name}")
    except NotCdar as error:
        report.reject(0, f"fichier CDAR refusé : {error}")
        return report
    for message in messages:
        if message.event is None or message.agency_id is None:
            report.reject(message.position, message.problem or "message illisible")
            continue
        try:
            recorded = recorder.record(message.agency_id, creditor, message.event)
        except DomainError as error:
            report.reject(message.position, f"{error.message} (statut {message.event.code} non appliqué)")
            continue
        except Exception:
            _log.exception("status message failed", extra={"file": name, "position": message.position})
            report.reject(message.position, "erreur technique sur ce message : il sera réessayé")
            report.retry_later += 1
            continue
        _count(report, message.position, message.event, recorded)
    return report


def _count(report: ImportReport, position: int, event: LifecycleEvent, recorded: Recorded) -> None:
    if recorded is Recorded.CURRENT:
        report.count(UpsertOutcome.UPDATED)
    elif recorded is Recorded.LATE:
        report.count(UpsertOutcome.INSERTED)
        report.note(
            position,
            f"{event.number} : le statut {event.code} ({event.label}) du {event.at:%d/%m/%Y %H:%M} UTC est "
            "antérieur au statut actuel ; il est gardé dans l'historique",
        )
    else:
        report.count(UpsertOutcome.UNCHANGED)


class Outbound(Protocol):
    def pending(self, message_id: str) -> ReportedStatus | None: ...

    def mark_delivered(self, message_id: str, file_key: str) -> None: ...


class Channel(Protocol):
    def put_xml(self, key: str, content: bytes) -> None: ...


class Sellers(Protocol):
    def creditor(self, creditor: Creditor) -> CreditorDetails: ...


@dataclass(frozen=True)
class DeliveryPorts:
    """What delivering a reported status needs, as the composition root provides it."""

    outbound: Outbound
    channel: Channel
    sellers: Sellers
    recorder: Recorder


def outbox_key(status: ReportedStatus) -> str:
    """One file per message in the creditor's outbound channel (in AWS an S3 event hands it to its PA)."""
    stamp = status.at.strftime("%Y%m%dT%H%M%SZ")
    return f"{OUTBOX}{status.creditor.value}/{stamp}-{status.number}-{status.code}-{status.message_id}.xml"


def deliver_status(ports: DeliveryPorts, message_id: str) -> bool:
    """Writes a pending reported status to the creditor's outbound channel, records it in the invoice's
    history (and current status, if latest), then marks it delivered. Every step is idempotent: a failure
    raises and the stream delivers the record again (the file is written again, under the same key)."""
    status = ports.outbound.pending(message_id)
    if status is None:
        return False
    seller = ports.sellers.creditor(status.creditor)
    key = outbox_key(status)
    ports.channel.put_xml(
        key,
        write_cdar(
            OutboundStatus(
                message_id=status.message_id,
                creditor_name=seller.legal_name,
                creditor_siren=seller.siren,
                agency_id=status.agency_id,
                number=status.number,
                code=status.code,
                at=status.at,
                amount_cents=status.amount_cents,
                currency=status.currency,
                reason=status.reason,
            )
        ),
    )
    try:
        ports.recorder.record(status.agency_id, status.creditor, status.as_event())
    except DomainError:
        _log.warning("reported status of a document no longer in the ledger", extra={"number": status.number})
    ports.outbound.mark_delivered(message_id, key)
    return True


def deliver_status_batch(ports: DeliveryPorts, records: list[tuple[str, str]]) -> list[str]:
    """Delivers (sequence number, message id) records in the stream's order and stops at the first that
    fails: its sequence number is returned, so the stream hands it back with those after it."""
    for sequence_number, message_id in records:
        try:
            if deliver_status(ports, message_id):
                _log.info("status reported", extra={"message_id": message_id})
        except Exception:
            _log.exception("status not delivered: the stream will hand it again", extra={"id": message_id})
            return [sequence_number]
    return []


class FinanceMessages(Protocol):
    def of_creditor(self, creditor: Creditor, days: int, limit: int = 200) -> list[OutboundMessage]: ...


def outbound_messages(
    messages: FinanceMessages, user: FinanceUser, creditor: Creditor | None
) -> list[OutboundMessage]:
    """Finance: the statuses the portal reported for the creditors it handles (or one of them), newest
    first, over the last 90 days; another creditor is not found, like an unknown one."""
    if creditor is not None and not user.handles(creditor):
        raise NotFound("Créancier inconnu.")
    creditors = [creditor] if creditor else sorted(user.creditors)
    found = [message for code in creditors for message in messages.of_creditor(code, FINANCE_DAYS)]
    return sorted(found, key=lambda message: message.status.at, reverse=True)


def reported_at(now: datetime) -> datetime:
    """Reported statuses carry the second of their cause (CDAR dates have no finer grain)."""
    return now.replace(microsecond=0)
