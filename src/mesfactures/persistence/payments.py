"""Card payments in the ledger table: invoices locked while a checkout session is open, settled by the
webhook in one transaction (payment, invoices, ledger entry, receipt e-mail, the event's id)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from mesfactures.documents.formatting import format_eur
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotFound, PaymentInProgress
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry, invoice_status
from mesfactures.domain.money import Money
from mesfactures.domain.payments import PaidInvoice, Payment, PaymentStatus
from mesfactures.domain.team import Activity
from mesfactures.lifecycle.reporting import collected, collection_refunded
from mesfactures.notifications.messages import MailMessage
from mesfactures.persistence import keys
from mesfactures.persistence.ledger import EntryItem, item_from_entry, unlocked
from mesfactures.persistence.lifecycle import add_reported_statuses
from mesfactures.persistence.outbox import outbox_item
from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.team import activity_item
from mesfactures.persistence.transactions import condition_failed, shared_connection


class PaidInvoiceMap(MapAttribute[str, Any]):
    number = UnicodeAttribute()
    amount_cents = NumberAttribute()


class PaymentItem(LedgerItem, discriminator="payment"):
    payment_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    payer = UnicodeAttribute()
    invoices = ListAttribute(of=PaidInvoiceMap)
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    checkout_session_id = UnicodeAttribute(null=True)
    checkout_url = UnicodeAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)
    credits = ListAttribute(of=PaidInvoiceMap, null=True)
    payment_intent = UnicodeAttribute(null=True)
    payer_name = UnicodeAttribute(null=True)


class ProcessedEventItem(LedgerItem, discriminator="stripe_event"):
    """A Stripe event already handled: its id, kept a while, makes a redelivery change nothing."""

    received_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True, attr_name="TTL")


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

    def lock(
        self,
        payment: Payment,
        until: datetime,
        activity: Activity | None = None,
        credit_balances: Mapping[str, int] | None = None,
    ) -> None:
        """Records the pending payment, locks its invoices, each still open, undisputed, unlocked and
        owing exactly what the basket pays (the second of two baskets with one invoice gets 409), and takes
        from each credit note the part the basket uses (`credit_balances`: their balances as read)."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        now = int(payment.created_at.timestamp())
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_payment_item(payment), condition=PaymentItem.sk.does_not_exist())
                for invoice in payment.invoices:
                    transaction.update(
                        EntryItem(pk, keys.document_sk(invoice.number)),
                        actions=[
                            EntryItem.payment_lock.set(payment.payment_id),
                            EntryItem.payment_lock_until.set(int(until.timestamp())),
                        ],
                        condition=_payable_as_read(invoice.amount.cents, now),
                    )
                _use_credits(transaction, payment, credit_balances or {})
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if _refused(error):
                raise PaymentInProgress() from error
            raise

    def settle_with_credit(
        self,
        payment: Payment,
        credit_balances: Mapping[str, int],
        receipt: MailMessage,
        activity: Activity | None = None,
    ) -> None:
        """A basket its credit notes cover whole: the payment (settled), each invoice (conditioned as a
        lock is), each credit note's part, the ledger's trace of the imputation and the receipt, in one
        transaction; no money moves, no Checkout session."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        now = payment.created_at
        entry = _card_entry(
            payment, payment.payment_id, payment.imputation_number, _credit_label(payment), Money(0), now
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_payment_item(payment), condition=PaymentItem.sk.does_not_exist())
                for invoice in payment.invoices:
                    transaction.update(
                        EntryItem(pk, keys.document_sk(invoice.number)),
                        actions=_settled_actions(invoice.amount.cents),
                        condition=_payable_as_read(invoice.amount.cents, int(now.timestamp())),
                    )
                _use_credits(transaction, payment, credit_balances)
                transaction.save(item_from_entry(entry, None), condition=EntryItem.sk.does_not_exist())
                transaction.save(outbox_item(receipt, now))
                if activity:
                    transaction.save(activity_item(activity))
        except TransactWriteError as error:
            if _refused(error):
                raise PaymentInProgress() from error
            raise

    def attach_session(self, payment: Payment, session_id: str, url: str) -> None:
        PaymentItem(
            keys.account_pk(payment.agency_id, payment.creditor), keys.payment_sk(payment.payment_id)
        ).update(actions=[PaymentItem.checkout_session_id.set(session_id), PaymentItem.checkout_url.set(url)])

    def release(
        self,
        payment: Payment,
        status: PaymentStatus,
        event_id: str | None,
        now: datetime,
        activity: Activity | None = None,
    ) -> bool:
        """Ends a pending payment without applying money (cancelled, expired, failed, never started, or to
        review): in one transaction, its status, the invoices it still holds (a lock that expired may be
        another's now) freed, the credit notes' parts given back; False if it was no longer pending."""
        return self._end(payment, PaymentStatus.PENDING, status, event_id, now, activity)

    def cancel(self, payment: Payment, now: datetime, activity: Activity | None = None) -> bool:
        """The agency cancels a pending payment (its Checkout session already expired at Stripe): the
        invoices are free at once, before any webhook; False if it had another outcome meanwhile. The
        `checkout.session.expired` that our own expiry causes may come first: it freed everything already,
        and the payment is then recorded as the agency's cancellation."""
        if self.release(payment, PaymentStatus.CANCELLED, None, now, activity):
            return True
        return self._end(payment, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED, None, now, activity)

    def _end(
        self,
        payment: Payment,
        from_status: PaymentStatus,
        status: PaymentStatus,
        event_id: str | None,
        now: datetime,
        activity: Activity | None = None,
    ) -> bool:
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        for _attempt in range(3):  # a lock seen ours may lapse and be taken between the read and the write
            held = _entries(pk, payment)
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    if event_id:
                        transaction.save(
                            _event_item(event_id, now), condition=ProcessedEventItem.sk.does_not_exist()
                        )
                    transaction.update(
                        PaymentItem(pk, keys.payment_sk(payment.payment_id)),
                        actions=[PaymentItem.status.set(status.value)],
                        condition=PaymentItem.status == from_status.value,
                    )
                    for invoice in payment.invoices:
                        item = held.get(invoice.number)
                        if item is not None and item.payment_lock == payment.payment_id:
                            transaction.update(
                                item,
                                actions=[
                                    EntryItem.payment_lock.remove(),
                                    EntryItem.payment_lock_until.remove(),
                                ],
                                condition=EntryItem.payment_lock == payment.payment_id,
                            )
                    if from_status is PaymentStatus.PENDING:  # a cancelled payment gave its credit back
                        _give_credits_back(transaction, payment, held)
                    if activity:
                        transaction.save(activity_item(activity))
            except TransactWriteError as error:
                if not condition_failed(error):
                    raise
                if (
                    self.payment(payment.agency_id, payment.creditor, payment.payment_id).status
                    is not from_status
                ):
                    return False  # already handled: a duplicate, or an event that came after the outcome
                continue
            return True
        return False

    def extend_lock(self, payment: Payment, until: datetime) -> None:
        """A delayed payment method: the invoices stay locked until its outcome is known."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        with contextlib.suppress(UpdateError):  # its session is complete: nothing to resume any more
            PaymentItem(pk, keys.payment_sk(payment.payment_id)).update(
                actions=[PaymentItem.checkout_url.remove()],
                condition=PaymentItem.status == PaymentStatus.PENDING.value,
            )
        for invoice in payment.invoices:
            with contextlib.suppress(UpdateError):
                EntryItem(pk, keys.document_sk(invoice.number)).update(
                    actions=[EntryItem.payment_lock_until.set(int(until.timestamp()))],
                    condition=EntryItem.payment_lock == payment.payment_id,
                )

    def review_cancelled(self, payment: Payment, event_id: str, now: datetime) -> bool:
        """Money Stripe took for a payment the agency had cancelled, that the ledger can no longer apply:
        recorded for finance (refund), nothing else changes."""
        return self._end(payment, PaymentStatus.CANCELLED, PaymentStatus.NEEDS_REVIEW, event_id, now)

    def settle(self, payment: Payment, event_id: str, receipt: MailMessage, now: datetime) -> bool:
        """The money is in: the payment, each invoice's balance, the payment's ledger entry, the receipt
        and the event's id, in one transaction; a duplicate or late event changes nothing."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        entry = _card_entry(
            payment, payment.payment_id, payment.receipt_number, _card_label(payment), -payment.amount, now
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_event_item(event_id, now), condition=ProcessedEventItem.sk.does_not_exist())
                transaction.update(
                    PaymentItem(pk, keys.payment_sk(payment.payment_id)),
                    actions=_payment_settled_actions(payment, now),
                    condition=PaymentItem.status == PaymentStatus.PENDING.value,
                )
                for invoice in payment.invoices:  # the credit notes' parts were taken when it started
                    transaction.update(
                        EntryItem(pk, keys.document_sk(invoice.number)),
                        actions=_settled_actions(invoice.amount.cents),
                        condition=(EntryItem.payment_lock == payment.payment_id)
                        & (EntryItem.balance_cents == invoice.amount.cents)
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

    def settle_cancelled(
        self,
        payment: Payment,
        credit_balances: Mapping[str, int],
        event_id: str,
        receipt: MailMessage,
        now: datetime,
    ) -> bool:
        """Stripe took the money of a payment the agency had cancelled (paid just before the expiry): it is
        applied as agreed if the invoices are still free and owe what the basket paid, and the credit notes
        still have their parts; otherwise nothing changes and False says so (the caller records it)."""
        pk = keys.account_pk(payment.agency_id, payment.creditor)
        entry = _card_entry(
            payment, payment.payment_id, payment.receipt_number, _card_label(payment), -payment.amount, now
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_event_item(event_id, now), condition=ProcessedEventItem.sk.does_not_exist())
                transaction.update(
                    PaymentItem(pk, keys.payment_sk(payment.payment_id)),
                    actions=_payment_settled_actions(payment, now),
                    condition=PaymentItem.status == PaymentStatus.CANCELLED.value,
                )
                for invoice in payment.invoices:
                    transaction.update(
                        EntryItem(pk, keys.document_sk(invoice.number)),
                        actions=_settled_actions(invoice.amount.cents),
                        condition=_payable_as_read(invoice.amount.cents, int(now.timestamp())),
                    )
                _use_credits(transaction, payment, credit_balances)
                transaction.save(item_from_entry(entry, None), condition=EntryItem.sk.does_not_exist())
                transaction.save(outbox_item(receipt, now))
        except TransactWriteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def by_intent(self, payment_intent: str) -> Payment | None:
        """The payment a Stripe PaymentIntent paid (a refund names only the intent)."""
        found = next(
            iter(LedgerItem.by_id_index.query(keys.payment_intent_key(payment_intent), limit=1)), None
        )
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
                for invoice in payment.invoices:
                    document = documents[invoice.number]
                    balance = invoice.amount.cents
                    transaction.update(
                        EntryItem(pk, keys.document_sk(invoice.number)),
                        actions=[
                            EntryItem.balance_cents.set(balance),
                            EntryItem.status.set(invoice_status(document.amount.cents, balance).value),
                            EntryItem.open_sk.set(
                                keys.open_item_sk(document.due_on or document.issued_on, invoice.number)
                            ),
                        ],
                        condition=EntryItem.balance_cents == 0,
                    )
                for credit in payment.credits:
                    document = documents[credit.number]
                    transaction.update(
                        EntryItem(pk, keys.document_sk(credit.number)),
                        actions=_credit_given_back(credit, document.due_on or document.issued_on),
                        condition=EntryItem.sk.exists(),
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


def _refused(error: TransactWriteError) -> bool:
    """A condition did not hold, or another transaction was changing the same item at that instant (AWS
    cancels one of two concurrent transactions on an item): for a basket, both mean someone else won."""
    return condition_failed(error) or any(
        reason and reason.code == "TransactionConflict" for reason in error.cancellation_reasons or []
    )


def _card_label(payment: Payment) -> str:
    label = "Paiement par carte — Mes Factures"
    if payment.credits:
        label += " ; " + _credit_parts(payment)
    return label


def _credit_label(payment: Payment) -> str:
    return "Règlement par avoir — Mes Factures ; " + _credit_parts(payment)


def _credit_parts(payment: Payment) -> str:
    """The part of each credit note a basket used, as the ledger's label shows it."""
    return ", ".join(f"avoir {c.number} imputé de {format_eur(c.amount.cents)}" for c in payment.credits)


def _payable_as_read(balance: int, now: int) -> Condition:
    """An invoice as the basket was priced from: unlocked, undisputed, owing exactly `balance`."""
    condition: Condition = (
        unlocked(now) & EntryItem.dispute_id.does_not_exist() & (EntryItem.balance_cents == balance)
    )
    return condition


def _use_credits(transaction: TransactWrite, payment: Payment, balances: Mapping[str, int]) -> None:
    """Takes from each credit note the part the basket uses, on the condition that it still has at least
    that much (balances are negative: what the creditor owes): two baskets can never spend one credit
    note twice. A credit note used up leaves the open items; one used in part keeps its rest available."""
    pk = keys.account_pk(payment.agency_id, payment.creditor)
    for credit in payment.credits:
        item = EntryItem(pk, keys.document_sk(credit.number))
        used = credit.amount.cents
        if balances.get(credit.number) == -used:
            transaction.update(
                item,
                actions=[
                    EntryItem.balance_cents.set(0),
                    EntryItem.status.set(EntryStatus.APPLIED.value),
                    EntryItem.open_sk.remove(),
                ],
                condition=(EntryItem.balance_cents == -used) & _unlocked_credit(payment),
            )
        else:
            transaction.update(
                item,
                actions=[EntryItem.balance_cents.add(used)],
                condition=(EntryItem.balance_cents < -used) & _unlocked_credit(payment),
            )


def _unlocked_credit(payment: Payment) -> Condition:
    """Credit notes are no longer locked whole; one a payment of the former kind still holds is left to it."""
    free: Condition = unlocked(int(payment.created_at.timestamp()))
    return free


def _give_credits_back(transaction: TransactWrite, payment: Payment, held: Mapping[str, EntryItem]) -> None:
    for credit in payment.credits:
        item = held.get(credit.number)
        if item is not None:
            transaction.update(
                item,
                actions=_credit_given_back(credit, _day(item.due_on or item.issued_on)),
                condition=EntryItem.sk.exists(),
            )


def _credit_given_back(credit: PaidInvoice, due_on: date) -> list[Any]:
    """Exactly the part a payment used goes back to the credit note, which is open again."""
    return [
        EntryItem.balance_cents.add(-credit.amount.cents),
        EntryItem.status.set(EntryStatus.OPEN.value),
        EntryItem.open_sk.set(keys.open_item_sk(due_on, credit.number)),
    ]


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def _entries(pk: str, payment: Payment) -> dict[str, EntryItem]:
    """The payment's invoices and credit notes as they are now (one consistent BatchGetItem)."""
    wanted = [(pk, keys.document_sk(p.number)) for p in (*payment.invoices, *payment.credits)]
    return {item.number: item for item in EntryItem.batch_get(wanted, consistent_read=True)}


def _payment_settled_actions(payment: Payment, now: datetime) -> list[Any]:
    return [
        PaymentItem.status.set(PaymentStatus.SETTLED.value),
        PaymentItem.settled_at.set(now.isoformat()),
        PaymentItem.payment_intent.set(payment.payment_intent or ""),
        PaymentItem.id_key.set(keys.payment_intent_key(payment.payment_intent or payment.payment_id)),
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
        settled_at=payment.settled_at.isoformat() if payment.settled_at else None,
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
