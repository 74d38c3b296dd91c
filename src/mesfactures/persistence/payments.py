"""Card payments in the ledger table: invoices locked while a checkout session is open, settled by the
webhook in one transaction (payment, invoices, ledger entry, receipt e-mail, the event's id)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound, PaymentInProgress
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry, invoice_status
from mesfactures.domain.money import Money
from mesfactures.domain.payments import PaidInvoice, Payment, PaymentStatus
from mesfactures.domain.team import Activity
from mesfactures.lifecycle.reporting import collected, collection_refunded
from mesfactures.notifications.messages import MailMessage
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import item_from_entry, unlocked
from mesfactures.persistence.lifecycle import add_reported_statuses
from mesfactures.persistence.models import (
    EntryItem,
    LedgerItem,
    PaidInvoiceMap,
    PaymentItem,
    ProcessedEventItem,
)
from mesfactures.persistence.outbox import outbox_item
from mesfactures.persistence.team import activity_item
from mesfactures.persistence.transactions import condition_failed, shared_connection

KEEP_EVENTS_DAYS = 30


class PaymentRepository:
    def payment(self, agency_id: str, creditor: Creditor, payment_id: str) -> Payment:
        try:
            item = PaymentItem.get(
                keys.account_pk(agency_id, creditor), keys.payment_sk(payment_id), consistent_read=True
            )
        except (DoesNotExist, ValueError):
            raise NotFound("Paiement introuvable.") from None
        return _payment(item)

    def lock(self, payment: Payment, until: datetime, activity: Activity | None = None) -> None:
        """Records the pending payment and locks its invoices, each still open, undisputed, unlocked and
        owing exactly what the basket pays: the second of two baskets with one invoice gets 409."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        now = int(payment.created_at.timestamp())
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_payment_item(payment), condition=PaymentItem.sk.does_not_exist())
                for number, balance in _held(payment):
                    transaction.update(
                        EntryItem(pk, keys.document_sk(number)),
                        actions=[
                            EntryItem.payment_lock.set(payment.payment_id),
                            EntryItem.payment_lock_until.set(int(until.timestamp())),
                        ],
                        condition=unlocked(now)
                        & EntryItem.dispute_id.does_not_exist()
                        & (EntryItem.balance_cents == balance),
                    )
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if condition_failed(error):
                raise PaymentInProgress() from error
            raise

    def attach_session(self, payment: Payment, session_id: str, url: str) -> None:
        PaymentItem(
            keys.account_pk(payment.agency_id, payment.creditor), keys.payment_sk(payment.payment_id)
        ).update(actions=[PaymentItem.checkout_session_id.set(session_id), PaymentItem.checkout_url.set(url)])

    def release(self, payment: Payment, status: PaymentStatus, event_id: str | None, now: datetime) -> bool:
        """Ends a pending payment without applying money (expired, failed, never started, or to review),
        then frees whichever of its locks it still holds (a lock that expired may be another's now)."""
        if not self._close(payment, status, event_id, now):
            return False  # already handled: a duplicate, or an event that came after the outcome
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        for number, _ in _held(payment):
            with contextlib.suppress(UpdateError):
                EntryItem(pk, keys.document_sk(number)).update(
                    actions=[EntryItem.payment_lock.remove(), EntryItem.payment_lock_until.remove()],
                    condition=EntryItem.payment_lock == payment.payment_id,
                )
        return True

    def extend_lock(self, payment: Payment, until: datetime) -> None:
        """A delayed payment method: the invoices stay locked until its outcome is known."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        for number, _ in _held(payment):
            with contextlib.suppress(UpdateError):
                EntryItem(pk, keys.document_sk(number)).update(
                    actions=[EntryItem.payment_lock_until.set(int(until.timestamp()))],
                    condition=EntryItem.payment_lock == payment.payment_id,
                )

    def _close(self, payment: Payment, status: PaymentStatus, event_id: str | None, now: datetime) -> bool:
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                if event_id:
                    transaction.save(
                        _event_item(event_id, now), condition=ProcessedEventItem.sk.does_not_exist()
                    )
                transaction.update(
                    PaymentItem(pk, keys.payment_sk(payment.payment_id)),
                    actions=[PaymentItem.status.set(status.value)],
                    condition=PaymentItem.status == PaymentStatus.PENDING.value,
                )
        except TransactWriteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def settle(self, payment: Payment, event_id: str, receipt: MailMessage, now: datetime) -> bool:
        """The money is in: the payment, each invoice's balance, the payment's ledger entry, the receipt
        and the event's id, in one transaction; a duplicate or late event changes nothing."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        entry = _card_entry(
            payment,
            payment.payment_id,
            payment.receipt_number,
            "Paiement par carte — Mes Factures",
            -payment.amount,
            now,
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_event_item(event_id, now), condition=ProcessedEventItem.sk.does_not_exist())
                transaction.update(
                    PaymentItem(pk, keys.payment_sk(payment.payment_id)),
                    actions=[
                        PaymentItem.status.set(PaymentStatus.SETTLED.value),
                        PaymentItem.settled_at.set(now.isoformat()),
                        PaymentItem.payment_intent.set(payment.payment_intent or ""),
                        PaymentItem.id_key.set(f"PI#{payment.payment_intent or payment.payment_id}"),
                    ],
                    condition=PaymentItem.status == PaymentStatus.PENDING.value,
                )
                for number, balance in _held(payment):
                    transaction.update(
                        EntryItem(pk, keys.document_sk(number)),
                        actions=_settled_actions(balance),
                        condition=(EntryItem.payment_lock == payment.payment_id)
                        & (EntryItem.balance_cents == balance)
                        & EntryItem.dispute_id.does_not_exist(),
                    )
                transaction.save(item_from_entry(entry, None), condition=EntryItem.sk.does_not_exist())
                transaction.save(outbox_item(receipt, now))
                add_reported_statuses(transaction, collected(payment, now))
        except TransactWriteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def by_intent(self, payment_intent: str) -> Payment | None:
        """The payment a Stripe PaymentIntent paid (a refund names only the intent)."""
        found = next(iter(LedgerItem.by_id_index.query(f"PI#{payment_intent}", limit=1)), None)
        if not isinstance(found, PaymentItem):
            return None
        return self.payment(found.agency_id, Creditor(found.creditor), found.payment_id)

    def refund(
        self, payment: Payment, documents: dict[str, LedgerEntry], event_id: str, now: datetime
    ) -> bool:
        """A full refund reopens what the payment settled: each invoice owes its amount again, each credit
        note is available again, and a refund entry balances the card payment's entry in the ledger."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        entry = _card_entry(
            payment,
            f"{payment.payment_id}R",
            payment.refund_number,
            "Remboursement du paiement par carte",
            payment.amount,
            now,
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_event_item(event_id, now), condition=ProcessedEventItem.sk.does_not_exist())
                transaction.update(
                    PaymentItem(pk, keys.payment_sk(payment.payment_id)),
                    actions=[PaymentItem.status.set(PaymentStatus.REFUNDED.value)],
                    condition=PaymentItem.status == PaymentStatus.SETTLED.value,
                )
                for number, balance in _held(payment):
                    document = documents[number]
                    status = (
                        invoice_status(document.amount.cents, balance) if balance > 0 else EntryStatus.OPEN
                    )
                    transaction.update(
                        EntryItem(pk, keys.document_sk(number)),
                        actions=[
                            EntryItem.balance_cents.set(balance),
                            EntryItem.status.set(status.value),
                            EntryItem.open_sk.set(
                                keys.open_item_sk(document.due_on or document.issued_on, number)
                            ),
                        ],
                        condition=EntryItem.balance_cents == 0,
                    )
                transaction.save(item_from_entry(entry, None), condition=EntryItem.sk.does_not_exist())
                add_reported_statuses(transaction, collection_refunded(payment, now))
        except TransactWriteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def seen(self, event_id: str, now: datetime) -> bool:
        """Records an event that needs no change; False if it was already recorded."""
        try:
            _event_item(event_id, now).save(condition=ProcessedEventItem.sk.does_not_exist())
        except Exception as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _card_entry(
    payment: Payment, entry_id: str, number: str, label: str, amount: Money, now: datetime
) -> LedgerEntry:
    """The ledger's trace of money moved by card for the payment's invoices: paid (negative), or refunded."""
    return LedgerEntry(
        entry_id,
        payment.agency_id,
        payment.creditor,
        EntryType.PAYMENT,
        number,
        now.date(),
        None,
        label,
        amount,
        Money(0),
        EntryStatus.RECEIVED,
        settles=tuple(invoice.number for invoice in payment.invoices),
    )


def _held(payment: Payment) -> list[tuple[str, int]]:
    """The entries a payment holds, with the balance each must still have: invoices owe, credits are owed."""
    return [(i.number, i.amount.cents) for i in payment.invoices] + [
        (c.number, -c.amount.cents) for c in payment.credits
    ]


def _settled_actions(balance: int) -> list[Any]:
    """The whole balance is used: nothing remains open, the entry leaves the open items, the lock goes."""
    status = invoice_status(balance, 0) if balance > 0 else EntryStatus.APPLIED
    return [
        EntryItem.balance_cents.set(0),
        EntryItem.status.set(status.value),
        EntryItem.open_sk.remove(),
        EntryItem.payment_lock.remove(),
        EntryItem.payment_lock_until.remove(),
    ]


def _event_item(event_id: str, now: datetime) -> ProcessedEventItem:
    return ProcessedEventItem(
        keys.stripe_event_pk(event_id),
        keys.EVENT_SK,
        received_at=now.isoformat(),
        expires_at=now + timedelta(days=KEEP_EVENTS_DAYS),
    )


def _payment_item(payment: Payment) -> PaymentItem:
    return PaymentItem(
        keys.account_pk(payment.agency_id, payment.creditor),
        keys.payment_sk(payment.payment_id),
        payment_id=payment.payment_id,
        agency_id=payment.agency_id,
        creditor=payment.creditor.value,
        payer=payment.payer,
        payer_name=payment.payer_name or None,
        invoices=[PaidInvoiceMap(number=i.number, amount_cents=i.amount.cents) for i in payment.invoices],
        credits=[PaidInvoiceMap(number=c.number, amount_cents=c.amount.cents) for c in payment.credits]
        or None,
        currency=payment.amount.currency,
        status=payment.status.value,
        created_at=payment.created_at.isoformat(),
    )


def _payment(item: PaymentItem) -> Payment:
    return Payment(
        payment_id=item.payment_id,
        agency_id=item.agency_id,
        creditor=Creditor(item.creditor),
        payer=item.payer,
        invoices=tuple(
            PaidInvoice(i.number, Money(int(i.amount_cents), item.currency)) for i in item.invoices
        ),
        credits=tuple(
            PaidInvoice(c.number, Money(int(c.amount_cents), item.currency)) for c in item.credits or ()
        ),
        status=PaymentStatus(item.status),
        created_at=datetime.fromisoformat(item.created_at),
        checkout_session_id=item.checkout_session_id,
        checkout_url=item.checkout_url,
        settled_at=datetime.fromisoformat(item.settled_at) if item.settled_at else None,
        payment_intent=item.payment_intent or None,
        payer_name=item.payer_name or item.payer,
    )
