"""Disputes, their history and the invoices they block, in the ledger table.

Every change is one transaction: the dispute, its history event, the invoices' flags and the outbox
message commit together or not at all, each guarded by a condition on the state it was decided on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import (
    Attachment,
    Dispute,
    DisputeDetail,
    DisputedInvoice,
    DisputeEvent,
    DisputeReason,
    DisputeStatus,
    EventKind,
    payment_under_way,
)
from mesfactures.domain.errors import (
    ConcurrentChange,
    DomainError,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
)
from mesfactures.domain.ledger import LedgerEntry
from mesfactures.domain.money import Money
from mesfactures.domain.team import Activity
from mesfactures.lifecycle.reporting import dispute_declared, dispute_resolved
from mesfactures.notifications.messages import MailMessage
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem, unlocked
from mesfactures.persistence.lifecycle import add_reported_statuses
from mesfactures.persistence.outbox import outbox_item
from mesfactures.persistence.statement import LedgerRepository
from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.team import activity_item
from mesfactures.persistence.transactions import condition_failed, shared_connection


class DisputedInvoiceMap(MapAttribute[str, Any]):
    number = UnicodeAttribute()
    disputed_cents = NumberAttribute()
    balance_cents = NumberAttribute()


class AttachmentMap(MapAttribute[str, Any]):
    attachment_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()


class DisputeItem(LedgerItem, discriminator="dispute"):
    dispute_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    reason = UnicodeAttribute()
    status = UnicodeAttribute()
    currency = UnicodeAttribute()
    invoices = ListAttribute(of=DisputedInvoiceMap)
    opened_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    opened_by = UnicodeAttribute()
    attachments = ListAttribute(of=AttachmentMap, null=True)
    agency_name = UnicodeAttribute(null=True)


class DisputeEventItem(LedgerItem, discriminator="dispute_event"):
    event_id = UnicodeAttribute()
    dispute_id = UnicodeAttribute()
    event_kind = UnicodeAttribute()
    at = UnicodeAttribute()
    author = UnicodeAttribute()
    author_role = UnicodeAttribute()
    comment = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)


class DisputeRepository:
    def invoices(self, agency_id: str, creditor: Creditor, numbers: list[str]) -> dict[str, LedgerEntry]:
        """The named entries of the agency's own account (one BatchGetItem); unknown numbers are absent."""
        return LedgerRepository().entries_by_number(agency_id, creditor, numbers)

    def open(
        self, dispute: Dispute, event: DisputeEvent, message: MailMessage, activity: Activity | None = None
    ) -> None:
        pk = keys.account_pk(dispute.agency_id, dispute.creditor)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_dispute_item(dispute), condition=DisputeItem.sk.does_not_exist())
                transaction.save(_event_item(dispute, event))
                for invoice in dispute.invoices:
                    transaction.update(
                        EntryItem(pk, keys.document_sk(invoice.number)),
                        actions=[EntryItem.dispute_id.set(dispute.dispute_id)],
                        condition=EntryItem.dispute_id.does_not_exist()
                        & (EntryItem.balance_cents == invoice.balance.cents)
                        & unlocked(int(dispute.opened_at.timestamp())),
                    )
                transaction.save(outbox_item(message, dispute.opened_at))
                add_reported_statuses(transaction, dispute_declared(dispute))
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                raise self._why_refused(dispute) from error
            raise

    def _why_refused(self, dispute: Dispute) -> DomainError:
        """The real reason an invoice could not be disputed, read again after the transaction failed: a
        card payment under way, a dispute, or a balance that changed meanwhile."""
        numbers = [invoice.number for invoice in dispute.invoices]
        now = self.invoices(dispute.agency_id, dispute.creditor, numbers)
        for number in numbers:
            invoice = now.get(number)
            if invoice is not None and invoice.payment_lock:
                return PaymentInProgress(payment_under_way(number))
        for number in numbers:
            invoice = now.get(number)
            if invoice is not None and invoice.dispute_id:
                return InvoiceInDispute(f"La facture {number} fait déjà l'objet d'un litige en cours.")
        return ConcurrentChange()

    def record(
        self,
        dispute: Dispute,
        event: DisputeEvent,
        message: MailMessage,
        release_invoices: bool = False,
        activity: Activity | None = None,
    ) -> Dispute:
        """Writes a comment or a status change (the event says which) with its message, conditioned on the
        dispute's status being the one the change was decided on."""
        status = event.to_status or dispute.status
        updated = Dispute(**{**dispute.__dict__, "status": status, "updated_at": event.at})
        pk = keys.account_pk(dispute.agency_id, dispute.creditor)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(
                    DisputeItem(pk, keys.dispute_sk(dispute.dispute_id)),
                    actions=[
                        DisputeItem.status.set(status.value),
                        DisputeItem.updated_at.set(event.at.isoformat()),
                        DisputeItem.finance_sk.set(
                            keys.finance_sk(status.value, dispute.opened_at.isoformat(), dispute.dispute_id)
                        ),
                    ],
                    condition=DisputeItem.status == dispute.status.value,
                )
                transaction.save(_event_item(dispute, event))
                if release_invoices:
                    for invoice in dispute.invoices:
                        transaction.update(
                            EntryItem(pk, keys.document_sk(invoice.number)),
                            actions=[EntryItem.dispute_id.remove()],
                            condition=EntryItem.dispute_id == dispute.dispute_id,
                        )
                transaction.save(outbox_item(message, event.at))
                if event.to_status is not None:
                    add_reported_statuses(transaction, dispute_resolved(dispute, event.to_status, event.at))
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                raise ConcurrentChange() from error
            raise
        return updated

    def for_account(self, agency_id: str, creditor: Creditor) -> list[Dispute]:
        pk = keys.account_pk(agency_id, creditor)
        items = DisputeItem.query(
            pk, DisputeItem.sk.startswith(keys.DISPUTE_PREFIX), scan_index_forward=False
        )
        return [_dispute(item) for item in items]

    def detail(self, agency_id: str, creditor: Creditor, dispute_id: str) -> DisputeDetail:
        """A dispute with its history, within the agency's own account: one Query."""
        try:
            prefix = keys.dispute_sk(dispute_id)
        except ValueError:
            raise NotFound("Litige introuvable.") from None
        pk = keys.account_pk(agency_id, creditor)
        return _detail(list(LedgerItem.query(pk, LedgerItem.sk.startswith(prefix), consistent_read=True)))

    def for_creditor(self, creditor: Creditor, status: DisputeStatus | None) -> list[Dispute]:
        """The finance team's list: one Query on the finance index, by status then opening date."""
        condition = (
            LedgerItem.finance_sk.startswith(keys.finance_status_prefix(status.value)) if status else None
        )
        items = LedgerItem.finance_index.query(keys.finance_pk(creditor), condition, scan_index_forward=False)
        return [_dispute(item) for item in items if isinstance(item, DisputeItem)]

    def detail_by_id(self, dispute_id: str) -> DisputeDetail:
        try:
            key = keys.dispute_sk(dispute_id)
        except ValueError:
            raise NotFound("Litige introuvable.") from None
        # The global index is eventually consistent: it only says which account the dispute is in;
        # the dispute and its history are then read from the table itself, consistently.
        found = next(iter(LedgerItem.by_id_index.query(key, limit=1, attributes_to_get=["PK"])), None)
        if found is None:
            raise NotFound("Litige introuvable.")
        prefix = keys.dispute_sk(dispute_id)
        return _detail(
            list(LedgerItem.query(found.pk, LedgerItem.sk.startswith(prefix), consistent_read=True))
        )


def _dispute_item(dispute: Dispute) -> DisputeItem:
    return DisputeItem(
        keys.account_pk(dispute.agency_id, dispute.creditor),
        keys.dispute_sk(dispute.dispute_id),
        finance_pk=keys.finance_pk(dispute.creditor),
        finance_sk=keys.finance_sk(dispute.status.value, dispute.opened_at.isoformat(), dispute.dispute_id),
        id_key=keys.dispute_sk(dispute.dispute_id),
        dispute_id=dispute.dispute_id,
        agency_id=dispute.agency_id,
        agency_name=dispute.agency_name or None,
        creditor=dispute.creditor.value,
        reason=dispute.reason.value,
        status=dispute.status.value,
        currency=dispute.total.currency,
        invoices=[
            DisputedInvoiceMap(
                number=invoice.number,
                disputed_cents=invoice.disputed.cents,
                balance_cents=invoice.balance.cents,
            )
            for invoice in dispute.invoices
        ],
        opened_at=dispute.opened_at.isoformat(),
        updated_at=dispute.updated_at.isoformat(),
        opened_by=dispute.opened_by,
        attachments=[
            AttachmentMap(
                attachment_id=a.attachment_id,
                filename=a.filename,
                content_type=a.content_type,
                size_bytes=a.size_bytes,
            )
            for a in dispute.attachments
        ]
        or None,
    )


def _event_item(dispute: Dispute, event: DisputeEvent) -> DisputeEventItem:
    return DisputeEventItem(
        keys.account_pk(dispute.agency_id, dispute.creditor),
        keys.dispute_event_sk(dispute.dispute_id, event.event_id),
        id_key=keys.dispute_sk(dispute.dispute_id),
        event_id=event.event_id,
        dispute_id=dispute.dispute_id,
        event_kind=event.kind.value,
        at=event.at.isoformat(),
        author=event.author,
        author_role=event.author_role,
        comment=event.comment,
        from_status=event.from_status.value if event.from_status else None,
        to_status=event.to_status.value if event.to_status else None,
    )


def _dispute(item: DisputeItem) -> Dispute:
    return Dispute(
        dispute_id=item.dispute_id,
        agency_id=item.agency_id,
        creditor=Creditor(item.creditor),
        reason=DisputeReason(item.reason),
        status=DisputeStatus(item.status),
        invoices=tuple(
            DisputedInvoice(
                number=invoice.number,
                disputed=Money(int(invoice.disputed_cents), item.currency),
                balance=Money(int(invoice.balance_cents), item.currency),
            )
            for invoice in item.invoices
        ),
        opened_at=datetime.fromisoformat(item.opened_at),
        updated_at=datetime.fromisoformat(item.updated_at),
        opened_by=item.opened_by,
        attachments=tuple(
            Attachment(a.attachment_id, a.filename, a.content_type, int(a.size_bytes))
            for a in item.attachments or ()
        ),
        agency_name=item.agency_name or "",
    )


def _event(item: DisputeEventItem) -> DisputeEvent:
    return DisputeEvent(
        event_id=item.event_id,
        kind=EventKind(item.event_kind),
        at=datetime.fromisoformat(item.at),
        author=item.author,
        author_role=item.author_role,
        comment=item.comment,
        from_status=DisputeStatus(item.from_status) if item.from_status else None,
        to_status=DisputeStatus(item.to_status) if item.to_status else None,
    )


def _detail(items: list[Any]) -> DisputeDetail:
    disputes = [item for item in items if isinstance(item, DisputeItem)]
    if not disputes:
        raise NotFound("Litige introuvable.")
    events = sorted(
        (_event(item) for item in items if isinstance(item, DisputeEventItem)), key=lambda e: e.event_id
    )
    return DisputeDetail(_dispute(disputes[0]), tuple(events))
