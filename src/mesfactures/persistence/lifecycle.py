"""Lifecycle statuses in the ledger table: the history beside each document, the current status on it,
and the status messages the portal reports (outbound CDAR), with their delivery state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound
from mesfactures.domain.ledger import EntryType
from mesfactures.domain.lifecycle import (
    LifecycleEvent,
    LifecycleStatus,
    OutboundMessage,
    Recorded,
    ReportedStatus,
    deposited,
    is_known,
)
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem
from mesfactures.persistence.table import LedgerItem


class LifecycleEventItem(LedgerItem, discriminator="lifecycle_event"):
    """A line of a document's lifecycle history: one status message, kept whether it became the current
    status or came late."""

    number = UnicodeAttribute()
    code = NumberAttribute()
    at = UnicodeAttribute()
    message_id = UnicodeAttribute()
    by = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    amount_cents = NumberAttribute(null=True)
    received_at = UnicodeAttribute()


class StatusMessageItem(LedgerItem, discriminator="status_message"):
    """A status message the portal reports to the creditor's platform (an outbound CDAR), written in the
    transaction of the event it reports, delivered from the table's stream to the document store."""

    message_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    number = UnicodeAttribute()
    code = NumberAttribute()
    at = UnicodeAttribute()
    amount_cents = NumberAttribute(null=True)
    currency = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    cause = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    delivered_at = UnicodeAttribute(null=True)
    file_key = UnicodeAttribute(null=True)


PENDING = "pending"
DELIVERED = "delivered"
_UTC_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _failed(error: PutError | UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class LifecycleRepository:
    def record(self, agency_id: str, creditor: Creditor, event: LifecycleEvent) -> Recorded:
        """Keeps the event in the document's history (once: a message received twice is one line), then
        makes it the current status if it is later than the current one (a condition on the stamp, so two
        messages applied at once end with the later). Both writes are idempotent: a retry after a failure
        between them completes the first delivery. NotFound: no such document on this account."""
        pk = keys.account_pk(agency_id, creditor)
        try:
            entry = EntryItem.get(
                pk, keys.document_sk(event.number), consistent_read=True, attributes_to_get=["entry_type"]
            )
        except (DoesNotExist, ValueError):
            raise NotFound(f"{event.number} est inconnue sur ce compte") from None
        if entry.entry_type == EntryType.PAYMENT.value:
            raise NotFound(f"{event.number} n'est ni une facture ni un avoir")
        fresh = self._keep(pk, event)
        try:
            EntryItem(pk, keys.document_sk(event.number)).update(
                actions=[
                    EntryItem.lifecycle_code.set(event.code),
                    EntryItem.lifecycle_at.set(event.at.isoformat()),
                    EntryItem.lifecycle_stamp.set(event.stamp),
                ],
                condition=EntryItem.sk.exists()
                & (EntryItem.lifecycle_stamp.does_not_exist() | (EntryItem.lifecycle_stamp < event.stamp)),
            )
        except UpdateError as error:
            if not _failed(error):
                raise
            return Recorded.LATE if fresh else Recorded.DUPLICATE
        return Recorded.CURRENT if fresh else Recorded.DUPLICATE

    def _keep(self, pk: str, event: LifecycleEvent) -> bool:
        item = LifecycleEventItem(
            pk,
            keys.lifecycle_event_sk(
                event.number, event.at.astimezone(UTC).strftime(_UTC_STAMP), event.message_id
            ),
            number=event.number,
            code=event.code,
            at=event.at.isoformat(),
            message_id=event.message_id,
            by=event.by,
            reason=event.reason,
            amount_cents=event.amount_cents,
            received_at=datetime.now(UTC).isoformat(),
        )
        try:
            item.save(condition=LifecycleEventItem.sk.does_not_exist())
        except PutError as error:
            if not _failed(error):
                raise
            return False
        return True

    def history(
        self, agency_id: str, creditor: Creditor, number: str
    ) -> tuple[LifecycleStatus, tuple[LifecycleEvent, ...]]:
        """A document's current status and its history, newest first: a GetItem and one Query."""
        pk = keys.account_pk(agency_id, creditor)
        try:
            entry = EntryItem.get(pk, keys.document_sk(number), consistent_read=True)
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        if entry.entry_type == EntryType.PAYMENT.value:
            raise NotFound("Document introuvable.")
        events = tuple(
            _event(item)
            for item in LifecycleEventItem.query(
                pk,
                LifecycleEventItem.sk.startswith(keys.lifecycle_history_prefix(number)),
                consistent_read=True,
                scan_index_forward=False,
            )
            if is_known(int(item.code))
        )
        current = deposited(datetime.fromisoformat(entry.issued_on).date())
        if entry.lifecycle_code is not None and entry.lifecycle_at and is_known(int(entry.lifecycle_code)):
            current = LifecycleStatus(int(entry.lifecycle_code), datetime.fromisoformat(entry.lifecycle_at))
        return current, events


def _event(item: LifecycleEventItem) -> LifecycleEvent:
    return LifecycleEvent(
        number=item.number,
        code=int(item.code),
        at=datetime.fromisoformat(item.at),
        message_id=item.message_id,
        by=item.by,
        reason=item.reason,
        amount_cents=int(item.amount_cents) if item.amount_cents is not None else None,
    )


def status_message_item(status: ReportedStatus) -> StatusMessageItem:
    """The outbound message of a status the portal reports, to be saved in the transaction of its cause."""
    created_at = status.at.astimezone(UTC).strftime(_UTC_STAMP)
    return StatusMessageItem(
        keys.status_message_pk(status.message_id),
        keys.STATUS_MESSAGE_SK,
        finance_pk=keys.status_messages_pk(status.creditor),
        finance_sk=keys.status_message_finance_sk(created_at, status.message_id),
        message_id=status.message_id,
        agency_id=status.agency_id,
        creditor=status.creditor.value,
        number=status.number,
        code=status.code,
        at=status.at.isoformat(),
        amount_cents=status.amount_cents,
        currency=status.currency,
        reason=status.reason,
        cause=status.cause,
        status=PENDING,
        created_at=created_at,
    )


def add_reported_statuses(transaction: TransactWrite, statuses: list[ReportedStatus]) -> None:
    """The step every transaction that causes a reported status takes (a card payment settled, refunded, a
    dispute opened or resolved): its outbound messages go in with it, or not at all. No condition of
    their own: the cause's conditions make the transaction happen once, and a status must never be the
    reason a settlement is refused."""
    for status in statuses:
        transaction.save(status_message_item(status))


class StatusMessages:
    """The outbound status messages: delivered from the stream, listed for the finance team."""

    def pending(self, message_id: str) -> ReportedStatus | None:
        try:
            item = StatusMessageItem.get(
                keys.status_message_pk(message_id), keys.STATUS_MESSAGE_SK, consistent_read=True
            )
        except (DoesNotExist, ValueError):
            return None
        return _reported(item) if item.status == PENDING else None

    def mark_delivered(self, message_id: str, file_key: str) -> None:
        item = StatusMessageItem(keys.status_message_pk(message_id), keys.STATUS_MESSAGE_SK)
        try:
            item.update(
                actions=[
                    StatusMessageItem.status.set(DELIVERED),
                    StatusMessageItem.delivered_at.set(datetime.now(UTC).isoformat()),
                    StatusMessageItem.file_key.set(file_key),
                ],
                condition=StatusMessageItem.status == PENDING,
            )
        except UpdateError as error:
            if not _failed(error):
                raise

    def of_creditor(self, creditor: Creditor, days: int, limit: int = 200) -> list[OutboundMessage]:
        """A creditor's messages of the last `days` days, newest first (one Query on the `finance` index)."""
        since = (datetime.now(UTC) - timedelta(days=days)).strftime(_UTC_STAMP)
        items = LedgerItem.finance_index.query(
            keys.status_messages_pk(creditor),
            LedgerItem.finance_sk >= since,
            scan_index_forward=False,
            limit=limit,
        )
        return [_listed(item) for item in items if isinstance(item, StatusMessageItem)]


def _reported(item: StatusMessageItem) -> ReportedStatus:
    return ReportedStatus(
        message_id=item.message_id,
        agency_id=item.agency_id,
        creditor=Creditor(item.creditor),
        number=item.number,
        code=int(item.code),
        at=datetime.fromisoformat(item.at),
        amount_cents=int(item.amount_cents) if item.amount_cents is not None else None,
        currency=item.currency,
        reason=item.reason,
        cause=item.cause,
    )


def _listed(item: StatusMessageItem) -> OutboundMessage:
    return OutboundMessage(
        status=_reported(item),
        delivered=item.status == DELIVERED,
        delivered_at=datetime.fromisoformat(item.delivered_at) if item.delivered_at else None,
        file_key=item.file_key,
    )
