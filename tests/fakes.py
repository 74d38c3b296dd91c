"""In-memory fakes of our ports (never of a library): what the use cases' unit tests run against, in
milliseconds. Each keeps the rule its real adapter keeps as a DynamoDB condition (an invoice is locked once,
disputed once, settled once; an event counts once); tests/contract runs the same repository tests against
these fakes and against DynamoDB Local, so that a fake cannot drift from the real thing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from mesfactures.documents import store as layout
from mesfactures.documents.formatting import format_eur
from mesfactures.domain.accounts import (
    AccountProfile,
    BankDetails,
    BillingDetails,
    ChangeStatus,
    CreditorDetails,
    MainContact,
    PendingBankChange,
    ProfileChange,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import (
    Dispute,
    DisputeDetail,
    DisputeEvent,
    DisputeStatus,
    payment_under_way,
)
from mesfactures.domain.errors import (
    ConcurrentChange,
    DomainError,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
    PaymentUnavailable,
    TooManyRequests,
    UnknownAccount,
)
from mesfactures.domain.feed import allocate, new_version, payable_by_transfer
from mesfactures.domain.ledger import (
    Agency,
    DocumentOnFile,
    EntryStatus,
    EntryType,
    LedgerEntry,
    UpsertOutcome,
    invoice_status,
)
from mesfactures.domain.money import Money
from mesfactures.domain.payments import CheckoutEvent, CheckoutSession, Payment, PaymentStatus
from mesfactures.domain.team import Activity
from mesfactures.notifications.messages import MailMessage

Account = tuple[str, Creditor]


@dataclass
class FakeContext:
    """A clock that moves only when told to, and the site's address."""

    moment: datetime = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    site_url: str = "https://portail.example"

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class FakeLedger:
    """The one table, in memory: entries, their locks, payments, disputes, events seen, the outbox and the
    journal. The fakes of the repositories below share it, as the real ones share the table."""

    clock: FakeContext = field(default_factory=FakeContext)
    agencies: dict[str, Agency] = field(default_factory=dict)
    creditors: dict[Creditor, CreditorDetails] = field(default_factory=dict)
    profiles: dict[Account, AccountProfile] = field(default_factory=dict)
    entries: dict[tuple[str, Creditor, str], LedgerEntry] = field(default_factory=dict)
    lock_until: dict[tuple[str, Creditor, str], datetime] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    disputes: dict[str, DisputeDetail] = field(default_factory=dict)
    changes: dict[str, ProfileChange] = field(default_factory=dict)
    versions: dict[tuple[str, Creditor, str], int] = field(default_factory=dict)  # the ERP's, per document
    document_keys: dict[tuple[str, Creditor, str], str] = field(default_factory=dict)
    stored_files: dict[tuple[str, Creditor, str], frozenset[str]] = field(default_factory=dict)
    events: set[str] = field(default_factory=set)
    outbox: list[MailMessage] = field(default_factory=list)
    journal: list[Activity] = field(default_factory=list)

    def add_entry(self, entry: LedgerEntry) -> None:
        self.entries[(entry.agency_id, entry.creditor, entry.number)] = entry

    def entry(self, agency_id: str, creditor: Creditor, number: str) -> LedgerEntry:
        return self.entries[(agency_id, creditor, number)]

    def _locked_by(self, key: tuple[str, Creditor, str], at: datetime) -> str | None:
        entry = self.entries[key]
        until = self.lock_until.get(key)
        return entry.payment_lock if entry.payment_lock and until and until > at else None

    def _set(self, key: tuple[str, Creditor, str], **changes: object) -> None:
        self.entries[key] = replace(self.entries[key], **changes)  # type: ignore[arg-type]

    def document(self, agency_id: str, creditor: Creditor, number: str) -> DocumentOnFile:
        key = (agency_id, creditor, number)
        if key not in self.document_keys:
            raise NotFound("Document introuvable.")
        return DocumentOnFile(
            self.entries[key], self.document_keys[key], self.stored_files.get(key, frozenset())
        )

    def note_stored(self, document: DocumentOnFile, files: set[str]) -> None:
        key = (document.entry.agency_id, document.entry.creditor, document.entry.number)
        if self.document_keys.get(key) == document.key:
            self.stored_files[key] = self.stored_files.get(key, frozenset()) | files

    # Read by several use cases (the ledger and the account repositories).

    def entries_by_number(
        self, agency_id: str, creditor: Creditor, numbers: list[str]
    ) -> dict[str, LedgerEntry]:
        found = {}
        for number in numbers:
            key = (agency_id, creditor, number)
            if key in self.entries:
                found[number] = replace(
                    self.entries[key], payment_lock=self._locked_by(key, self.clock.now())
                )
        return found

    def has_account(self, agency_id: str, creditor: Creditor) -> bool:
        return (agency_id, creditor) in self.profiles

    def agency(self, agency_id: str) -> Agency:
        if agency_id not in self.agencies:
            raise NotFound("Agence inconnue.")
        return self.agencies[agency_id]

    def creditor(self, creditor: Creditor) -> CreditorDetails:
        return self.creditors[creditor]

    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile:
        if (agency_id, creditor) not in self.profiles:
            raise UnknownAccount()
        return self.profiles[(agency_id, creditor)]


def card_entry(
    payment: Payment, entry_id: str, number: str, label: str, amount: Money, on: datetime
) -> LedgerEntry:
    return LedgerEntry(
        entry_id,
        payment.agency_id,
        payment.creditor,
        EntryType.PAYMENT,
        number,
        on.date(),
        None,
        label,
        amount,
        Money(0),
        EntryStatus.RECEIVED,
        settles=tuple(invoice.number for invoice in payment.invoices),
    )


def _credit_parts(payment: Payment) -> str:
    return ", ".join(f"avoir {c.number} imputé de {format_eur(c.amount.cents)}" for c in payment.credits)


def _card_label(payment: Payment) -> str:
    label = "Paiement par carte — Mes Factures"
    return f"{label} ; {_credit_parts(payment)}" if payment.credits else label


class FakePayments:
    """persistence.payments.PaymentRepository in memory, with its conditions: each write checks all of them
    before it changes anything (one transaction). Invoices are locked by a pending payment; credit notes are
    not locked, they give their part when the payment starts, on the condition that they still have it."""

    def __init__(self, ledger: FakeLedger) -> None:
        self.ledger = ledger

    def _key(self, payment: Payment, number: str) -> tuple[str, Creditor, str]:
        return (payment.agency_id, payment.creditor, number)

    def payment(self, agency_id: str, creditor: Creditor, payment_id: str) -> Payment:
        found = self.ledger.payments.get(payment_id)
        if found is None or (found.agency_id, found.creditor) != (agency_id, creditor):
            raise NotFound("Paiement introuvable.")
        return found

    def _payable_as_read(self, payment: Payment, at: datetime) -> bool:
        """Each invoice unlocked, undisputed and owing exactly what the basket says."""
        for invoice in payment.invoices:
            key = self._key(payment, invoice.number)
            entry = self.ledger.entries.get(key)
            if (
                entry is None
                or self.ledger._locked_by(key, at)
                or entry.dispute_id is not None
                or entry.balance.cents != invoice.amount.cents
            ):
                return False
        return True

    def _credits_available(self, payment: Payment, balances: Mapping[str, int]) -> bool:
        """Each credit note still has its part: exactly it when the basket read that it takes all that is
        left, more than it otherwise (balances are negative)."""
        for credit in payment.credits:
            key = self._key(payment, credit.number)
            entry = self.ledger.entries.get(key)
            used = credit.amount.cents
            if entry is None or self.ledger._locked_by(key, payment.created_at):
                return False
            left = entry.balance.cents
            if not (left == -used if balances.get(credit.number) == -used else left < -used):
                return False
        return True

    def _take_credits(self, payment: Payment, balances: Mapping[str, int]) -> None:
        for credit in payment.credits:
            key = self._key(payment, credit.number)
            if balances.get(credit.number) == -credit.amount.cents:
                self.ledger._set(key, balance=Money(0), status=EntryStatus.APPLIED)
            else:
                left = self.ledger.entries[key].balance.cents + credit.amount.cents
                self.ledger._set(key, balance=Money(left))

    def _give_credits_back(self, payment: Payment) -> None:
        for credit in payment.credits:
            key = self._key(payment, credit.number)
            if key in self.ledger.entries:
                left = self.ledger.entries[key].balance.cents - credit.amount.cents
                self.ledger._set(key, balance=Money(left), status=EntryStatus.OPEN)

    def _settle_invoices(self, payment: Payment) -> None:
        for invoice in payment.invoices:
            key = self._key(payment, invoice.number)
            balance = invoice.amount.cents
            status = invoice_status(balance, 0) if balance > 0 else EntryStatus.APPLIED
            self.ledger._set(key, balance=Money(0), status=status, payment_lock=None)
            self.ledger.lock_until.pop(key, None)

    def lock(
        self,
        payment: Payment,
        until: datetime,
        activity: Activity | None = None,
        credit_balances: Mapping[str, int] | None = None,
    ) -> None:
        ledger = self.ledger
        balances = credit_balances or {}
        if (
            payment.payment_id in ledger.payments
            or not self._payable_as_read(payment, payment.created_at)
            or not self._credits_available(payment, balances)
        ):
            raise PaymentInProgress()
        for invoice in payment.invoices:
            key = self._key(payment, invoice.number)
            ledger._set(key, payment_lock=payment.payment_id)
            ledger.lock_until[key] = until
        self._take_credits(payment, balances)
        ledger.payments[payment.payment_id] = payment
        if activity:
            ledger.journal.append(activity)

    def settle_with_credit(
        self,
        payment: Payment,
        credit_balances: Mapping[str, int],
        receipt: MailMessage,
        activity: Activity | None = None,
    ) -> None:
        ledger = self.ledger
        if (
            payment.payment_id in ledger.payments
            or not self._payable_as_read(payment, payment.created_at)
            or not self._credits_available(payment, credit_balances)
        ):
            raise PaymentInProgress()
        ledger.payments[payment.payment_id] = payment
        self._settle_invoices(payment)
        self._take_credits(payment, credit_balances)
        label = f"Règlement par avoir — Mes Factures ; {_credit_parts(payment)}"
        number = payment.imputation_number
        ledger.add_entry(card_entry(payment, payment.payment_id, number, label, Money(0), payment.created_at))
        ledger.outbox.append(receipt)
        if activity:
            ledger.journal.append(activity)

    def attach_session(self, payment: Payment, session_id: str, url: str) -> None:
        stored = self.ledger.payments[payment.payment_id]
        self.ledger.payments[payment.payment_id] = replace(
            stored, checkout_session_id=session_id, checkout_url=url
        )

    def release(
        self,
        payment: Payment,
        status: PaymentStatus,
        event_id: str | None,
        now: datetime,
        activity: Activity | None = None,
    ) -> bool:
        return self._end(payment, PaymentStatus.PENDING, status, event_id, activity)

    def cancel(self, payment: Payment, now: datetime, activity: Activity | None = None) -> bool:
        if self.release(payment, PaymentStatus.CANCELLED, None, now, activity):
            return True
        return self._end(payment, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED, None, activity)

    def review_cancelled(self, payment: Payment, event_id: str, now: datetime) -> bool:
        return self._end(payment, PaymentStatus.CANCELLED, PaymentStatus.NEEDS_REVIEW, event_id)

    def _end(
        self,
        payment: Payment,
        from_status: PaymentStatus,
        status: PaymentStatus,
        event_id: str | None,
        activity: Activity | None = None,
    ) -> bool:
        """The payment moves from `from_status` to `status` without money: the invoices it still locks are
        freed, and a pending payment gives its credit notes their parts back."""
        ledger = self.ledger
        stored = ledger.payments[payment.payment_id]
        if (event_id and event_id in ledger.events) or stored.status is not from_status:
            return False
        if event_id:
            ledger.events.add(event_id)
        ledger.payments[payment.payment_id] = replace(stored, status=status)
        for invoice in payment.invoices:
            key = self._key(payment, invoice.number)
            if key in ledger.entries and ledger.entries[key].payment_lock == payment.payment_id:
                ledger._set(key, payment_lock=None)
                ledger.lock_until.pop(key, None)
        if from_status is PaymentStatus.PENDING:
            self._give_credits_back(payment)
        if activity:
            ledger.journal.append(activity)
        return True

    def extend_lock(self, payment: Payment, until: datetime) -> None:
        stored = self.ledger.payments[payment.payment_id]
        if stored.status is PaymentStatus.PENDING:
            self.ledger.payments[payment.payment_id] = replace(stored, checkout_url=None)
        for invoice in payment.invoices:
            key = self._key(payment, invoice.number)
            if self.ledger.entries[key].payment_lock == payment.payment_id:
                self.ledger.lock_until[key] = until

    def _settled(self, payment: Payment, event_id: str, receipt: MailMessage, now: datetime) -> None:
        """The money is in: the payment, its invoices, its ledger entry and the receipt."""
        ledger = self.ledger
        ledger.events.add(event_id)
        ledger.payments[payment.payment_id] = replace(
            ledger.payments[payment.payment_id],
            status=PaymentStatus.SETTLED,
            settled_at=now,
            payment_intent=payment.payment_intent,
        )
        self._settle_invoices(payment)
        number, label = payment.receipt_number, _card_label(payment)
        ledger.add_entry(card_entry(payment, payment.payment_id, number, label, -payment.amount, now))
        ledger.outbox.append(receipt)

    def settle(self, payment: Payment, event_id: str, receipt: MailMessage, now: datetime) -> bool:
        ledger = self.ledger
        if (
            event_id in ledger.events
            or ledger.payments[payment.payment_id].status is not PaymentStatus.PENDING
        ):
            return False
        for invoice in payment.invoices:  # the credit notes' parts were taken when it started
            entry = ledger.entries[self._key(payment, invoice.number)]
            if (
                entry.payment_lock != payment.payment_id
                or entry.balance.cents != invoice.amount.cents
                or entry.dispute_id
            ):
                return False
        self._settled(payment, event_id, receipt, now)
        return True

    def settle_cancelled(
        self,
        payment: Payment,
        credit_balances: Mapping[str, int],
        event_id: str,
        receipt: MailMessage,
        now: datetime,
    ) -> bool:
        ledger = self.ledger
        if (
            event_id in ledger.events
            or ledger.payments[payment.payment_id].status is not PaymentStatus.CANCELLED
            or not self._payable_as_read(payment, now)
            or not self._credits_available(payment, credit_balances)
        ):
            return False
        self._take_credits(payment, credit_balances)
        self._settled(payment, event_id, receipt, now)
        return True

    def by_intent(self, payment_intent: str) -> Payment | None:
        return next((p for p in self.ledger.payments.values() if p.payment_intent == payment_intent), None)

    def refund(
        self, payment: Payment, documents: dict[str, LedgerEntry], event_id: str, now: datetime
    ) -> bool:
        """Each invoice owes again what was paid (it must owe nothing now), each credit note gets back
        exactly its part, and a refund entry balances the card payment's."""
        ledger = self.ledger
        stored = ledger.payments[payment.payment_id]
        if event_id in ledger.events or stored.status is not PaymentStatus.SETTLED:
            return False
        keys = [self._key(payment, i.number) for i in payment.invoices]
        if any(ledger.entries[key].balance.cents != 0 for key in keys):
            return False
        ledger.events.add(event_id)
        ledger.payments[payment.payment_id] = replace(stored, status=PaymentStatus.REFUNDED)
        for invoice in payment.invoices:
            balance = invoice.amount.cents
            status = invoice_status(documents[invoice.number].amount.cents, balance)
            ledger._set(self._key(payment, invoice.number), balance=Money(balance), status=status)
        self._give_credits_back(payment)
        label = "Remboursement du paiement par carte"
        ledger.add_entry(
            card_entry(payment, f"{payment.payment_id}R", payment.refund_number, label, payment.amount, now)
        )
        return True

    def seen(self, event_id: str, now: datetime) -> bool:
        if event_id in self.ledger.events:
            return False
        self.ledger.events.add(event_id)
        return True


@dataclass
class FakeGateway:
    """The payment gateway: opens a checkout page, or fails as Stripe unreachable would. Its sessions are
    `open`, `complete` (paid on Stripe's page: `complete()` says so) or `expired`; Stripe expires only an
    open one and otherwise answers what the session is. `after_expiry` is what Stripe does next (its
    webhook, which may reach us before the expiry's answer is acted upon)."""

    unavailable: bool = False
    opened: list[tuple[str, str, str]] = field(default_factory=list)  # payment id, success, cancel URLs
    sessions: dict[str, str] = field(default_factory=dict)  # session id: its status at Stripe
    after_expiry: Callable[[str], object] | None = None

    def create_session(self, payment: Payment, success_url: str, cancel_url: str) -> CheckoutSession:
        if self.unavailable:
            raise PaymentUnavailable()
        self.opened.append((payment.payment_id, success_url, cancel_url))
        session_id = f"cs_test_{payment.payment_id}"
        self.sessions[session_id] = "open"
        return CheckoutSession(session_id, f"https://pay.example/{payment.payment_id}")

    def complete(self, session_id: str) -> None:
        """The payer paid on the session's page (its webhook is not delivered yet)."""
        self.sessions[session_id] = "complete"

    def expire_session(self, session_id: str) -> str:
        if self.unavailable:
            raise PaymentUnavailable()
        if self.sessions[session_id] != "open":
            return self.sessions[session_id]
        self.sessions[session_id] = "expired"
        if self.after_expiry:
            self.after_expiry(session_id)
        return "expired"


@dataclass
class FakeEventSource:
    """Stripe's signed events: only a payload signed with the right signature reads as an event."""

    events: dict[bytes, CheckoutEvent] = field(default_factory=dict)
    signature: str = "t=1,v1=good"

    def event(self, payload: bytes, signature: str | None) -> CheckoutEvent:
        from mesfactures.domain.errors import InvalidInput

        if signature != self.signature or payload not in self.events:
            raise InvalidInput("Signature Stripe invalide.")
        return self.events[payload]


class FakeDisputes:
    """persistence.disputes.DisputeRepository in memory, with its conditions."""

    def __init__(self, ledger: FakeLedger) -> None:
        self.ledger = ledger

    def invoices(self, agency_id: str, creditor: Creditor, numbers: list[str]) -> dict[str, LedgerEntry]:
        return self.ledger.entries_by_number(agency_id, creditor, numbers)

    def open(
        self, dispute: Dispute, event: DisputeEvent, message: MailMessage, activity: Activity | None = None
    ) -> None:
        ledger = self.ledger
        for invoice in dispute.invoices:
            key = (dispute.agency_id, dispute.creditor, invoice.number)
            entry = ledger.entries.get(key)
            if (
                entry is None
                or entry.dispute_id is not None
                or entry.balance.cents != invoice.balance.cents
                or ledger._locked_by(key, dispute.opened_at)
                or dispute.dispute_id in ledger.disputes
            ):
                raise self._why_refused(dispute)
        for invoice in dispute.invoices:
            ledger._set((dispute.agency_id, dispute.creditor, invoice.number), dispute_id=dispute.dispute_id)
        ledger.disputes[dispute.dispute_id] = DisputeDetail(dispute, (event,))
        ledger.outbox.append(message)
        if activity:
            ledger.journal.append(activity)

    def _why_refused(self, dispute: Dispute) -> DomainError:
        """As the real repository says it, read again: a card payment under way, a dispute, or a change."""
        now = self.invoices(dispute.agency_id, dispute.creditor, [i.number for i in dispute.invoices])
        for invoice in dispute.invoices:
            if invoice.number in now and now[invoice.number].payment_lock:
                return PaymentInProgress(payment_under_way(invoice.number))
        for invoice in dispute.invoices:
            if invoice.number in now and now[invoice.number].dispute_id:
                return InvoiceInDispute(
                    f"La facture {invoice.number} fait déjà l'objet d'un litige en cours."
                )
        return ConcurrentChange()

    def record(
        self,
        dispute: Dispute,
        event: DisputeEvent,
        message: MailMessage,
        release_invoices: bool = False,
        activity: Activity | None = None,
    ) -> Dispute:
        ledger = self.ledger
        stored = ledger.disputes[dispute.dispute_id]
        if stored.dispute.status is not dispute.status:
            raise ConcurrentChange()
        if release_invoices and any(
            ledger.entry(dispute.agency_id, dispute.creditor, i.number).dispute_id != dispute.dispute_id
            for i in dispute.invoices
        ):
            raise ConcurrentChange()
        updated = replace(dispute, status=event.to_status or dispute.status, updated_at=event.at)
        ledger.disputes[dispute.dispute_id] = DisputeDetail(updated, (*stored.events, event))
        if release_invoices:
            for invoice in dispute.invoices:
                ledger._set((dispute.agency_id, dispute.creditor, invoice.number), dispute_id=None)
        ledger.outbox.append(message)
        if activity:
            ledger.journal.append(activity)
        return updated

    def for_account(self, agency_id: str, creditor: Creditor) -> list[Dispute]:
        found = [d.dispute for d in self.ledger.disputes.values()]
        mine = [d for d in found if (d.agency_id, d.creditor) == (agency_id, creditor)]
        return sorted(mine, key=lambda d: d.dispute_id, reverse=True)

    def detail(self, agency_id: str, creditor: Creditor, dispute_id: str) -> DisputeDetail:
        found = self.ledger.disputes.get(dispute_id)
        if found is None or (found.dispute.agency_id, found.dispute.creditor) != (agency_id, creditor):
            raise NotFound("Litige introuvable.")
        return found

    def for_creditor(self, creditor: Creditor, status: DisputeStatus | None) -> list[Dispute]:
        found = [d.dispute for d in self.ledger.disputes.values() if d.dispute.creditor is creditor]
        chosen = [d for d in found if status is None or d.status is status]
        return sorted(chosen, key=lambda d: (d.status.value, d.opened_at.isoformat()), reverse=True)

    def detail_by_id(self, dispute_id: str) -> DisputeDetail:
        if dispute_id not in self.ledger.disputes:
            raise NotFound("Litige introuvable.")
        return self.ledger.disputes[dispute_id]


@dataclass
class StoredFile:
    size: int
    content_type: str
    content: bytes


@dataclass
class FakeAttachmentFiles:
    """The dispute attachments' store: what the browser uploaded, and what the server kept."""

    uploads: dict[tuple[str, Creditor, str], StoredFile] = field(default_factory=dict)
    kept: dict[tuple[str, Creditor, str], StoredFile] = field(default_factory=dict)

    def upload(
        self, agency_id: str, creditor: Creditor, attachment_id: str, content_type: str, content: bytes
    ) -> None:
        """What the browser does with the presigned URL."""
        self.uploads[(agency_id, creditor, attachment_id)] = StoredFile(len(content), content_type, content)

    def upload_url(
        self, agency_id: str, creditor: Creditor, attachment_id: str, content_type: str, size_bytes: int
    ) -> str:
        return f"https://documents.example/uploads/{agency_id}/{creditor.value}/{attachment_id}"

    def receive(self, agency_id: str, creditor: Creditor, attachment_id: str) -> tuple[int, str] | None:
        key = (agency_id, creditor, attachment_id)
        if key in self.uploads:
            self.kept[key] = self.uploads.pop(key)
        found = self.kept.get(key)
        return (found.size, found.content_type) if found else None

    def first_bytes(self, agency_id: str, creditor: Creditor, attachment_id: str, count: int) -> bytes:
        return self.kept[(agency_id, creditor, attachment_id)].content[:count]

    def discard(self, agency_id: str, creditor: Creditor, attachment_id: str) -> None:
        self.kept.pop((agency_id, creditor, attachment_id), None)

    def link(
        self, agency_id: str, creditor: Creditor, attachment_id: str, filename: str, content_type: str
    ) -> str:
        return f"https://documents.example/attachments/{agency_id}/{creditor.value}/{attachment_id}"


class FakeProfileChanges:
    """persistence.accounts.ProfileChanges in memory: optimistic locking on the profile's version, one
    pending bank change at a time, five messages an hour."""

    def __init__(self, ledger: FakeLedger) -> None:
        self.ledger = ledger
        self.counters: dict[tuple[str, str], int] = {}

    def _write(self, profile: AccountProfile, updated: AccountProfile, change: ProfileChange) -> None:
        key = (profile.agency_id, profile.creditor)
        if self.ledger.profiles[key].version != profile.version:
            raise ConcurrentChange()
        self.ledger.profiles[key] = replace(updated, version=(profile.version or 0) + 1)
        self.ledger.changes[change.change_id] = change

    def apply_contact_and_billing(
        self,
        profile: AccountProfile,
        contact: MainContact,
        billing: BillingDetails,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None = None,
    ) -> None:
        self._write(profile, replace(profile, main_contact=contact, billing=billing), change)
        self.ledger.outbox.append(message)
        if activity:
            self.ledger.journal.append(activity)

    def request_bank_change(
        self,
        profile: AccountProfile,
        bank: BankDetails,
        change: ProfileChange,
        message: MailMessage,
        activity: Activity | None = None,
    ) -> None:
        if self.ledger.profiles[(profile.agency_id, profile.creditor)].pending_bank is not None:
            raise ConcurrentChange()
        pending = PendingBankChange(change.change_id, bank, change.requested_at, change.requested_by)
        self._write(profile, replace(profile, pending_bank=pending), change)
        self.ledger.outbox.append(message)
        if activity:
            self.ledger.journal.append(activity)

    def decide_bank_change(
        self, profile: AccountProfile, change: ProfileChange, message: MailMessage
    ) -> None:
        key = (profile.agency_id, profile.creditor)
        stored = self.ledger.profiles[key]
        if stored.pending_bank is None or stored.pending_bank.change_id != change.change_id:
            raise ConcurrentChange()
        bank = stored.pending_bank.bank if change.status is ChangeStatus.APPROVED else stored.bank
        self.ledger.profiles[key] = replace(
            stored, bank=bank, pending_bank=None, version=(stored.version or 0) + 1
        )
        self.ledger.changes[change.change_id] = change
        self.ledger.outbox.append(message)

    def history(self, agency_id: str, creditor: Creditor) -> list[ProfileChange]:
        mine = [c for c in self.ledger.changes.values() if (c.agency_id, c.creditor) == (agency_id, creditor)]
        return sorted(mine, key=lambda c: c.requested_at, reverse=True)

    def bank_changes(self, creditor: Creditor, status: ChangeStatus | None) -> list[ProfileChange]:
        return [
            c
            for c in self.ledger.changes.values()
            if c.creditor is creditor and c.kind.value == "bank" and (status is None or c.status is status)
        ]

    def change(self, change_id: str) -> ProfileChange:
        if change_id not in self.ledger.changes:
            raise NotFound("Demande introuvable.")
        return self.ledger.changes[change_id]

    def count_and_send(
        self,
        user_id: str,
        window: str,
        limit: int,
        messages: list[MailMessage],
        now: datetime,
        activity: Activity | None = None,
    ) -> None:
        count = self.counters.get((user_id, window), 0)
        if count >= limit:
            raise TooManyRequests()
        self.counters[(user_id, window)] = count + 1
        self.ledger.outbox.extend(messages)
        if activity:
            self.ledger.journal.append(activity)


class FakeEntryWriter:
    """persistence.imports.EntryWriter in memory: the ERP feed's documents by version, its payments applied
    to the invoices they name (domain.feed), all or nothing."""

    def __init__(self, ledger: FakeLedger) -> None:
        self.ledger = ledger

    def _store(self, entry: LedgerEntry, version: int, document_key: str) -> None:
        key = (entry.agency_id, entry.creditor, entry.number)
        self.ledger.add_entry(entry)
        self.ledger.versions[key] = version
        self.ledger.document_keys[key] = document_key
        self.ledger.stored_files.pop(key, None)  # a new version is a new item: its files are its own

    def upsert_document(self, entry: LedgerEntry, version: int, document_key: str) -> UpsertOutcome:
        key = (entry.agency_id, entry.creditor, entry.number)
        if key not in self.ledger.entries:
            self._store(entry, version, document_key)
            return UpsertOutcome.INSERTED
        (stored,) = self.ledger.entries_by_number(entry.agency_id, entry.creditor, [entry.number]).values()
        kept = new_version(stored, self.ledger.versions.get(key, 1), entry, version)
        if kept is None:
            return UpsertOutcome.UNCHANGED
        self._store(replace(kept, payment_lock=self.ledger.entries[key].payment_lock), version, document_key)
        return UpsertOutcome.UPDATED

    def insert_new_documents(self, documents: Sequence[tuple[LedgerEntry, int, str]]) -> bool:
        keys = [(e.agency_id, e.creditor, e.number) for e, _, _ in documents]
        if len(set(keys)) != len(keys) or any(key in self.ledger.entries for key in keys):
            return False
        for entry, version, document_key in documents:
            self._store(entry, version, document_key)
        return True

    def record_payment(self, payment: LedgerEntry) -> UpsertOutcome:
        if (payment.agency_id, payment.creditor, payment.number) in self.ledger.entries:
            return UpsertOutcome.UNCHANGED

        def invoice_of(number: str) -> LedgerEntry:
            found = self.ledger.entries_by_number(payment.agency_id, payment.creditor, [number])
            return payable_by_transfer(number, found.get(number))

        settled = allocate(payment, invoice_of)
        for invoice, balance in settled:
            status = invoice_status(invoice.amount.cents, balance)
            self.ledger._set(
                (invoice.agency_id, invoice.creditor, invoice.number), balance=Money(balance), status=status
            )
        self.ledger.add_entry(payment)
        return UpsertOutcome.INSERTED


@dataclass
class FakeDocumentFiles:
    """The document store as the import sees it: files by key, laid out as the real store lays them."""

    objects: dict[str, bytes] = field(default_factory=dict)

    def document_key_for(self, entry: LedgerEntry, version: int) -> str:
        return layout.document_key(entry.agency_id, entry.creditor, entry.entry_id, version)

    def received_key_for(self, entry: LedgerEntry, version: int) -> str:
        return layout.received_key(entry.agency_id, entry.creditor, entry.entry_id, version)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def read(self, key: str) -> bytes:
        return self.objects[key]

    def put_pdf(self, key: str, content: bytes) -> None:
        self.objects[key] = content

    def put_json(self, key: str, content: bytes) -> None:
        self.objects[key] = content
