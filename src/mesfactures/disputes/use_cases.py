"""Suivi litiges: an agency disputes invoices and follows the dispute; the finance team moves it along.

Every change writes, in the same transaction, the e-mail that tells the other side (see notifications).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mesfactures.disputes.attachments import AttachmentStore, attachment_link, verified_attachments
from mesfactures.documents.formatting import format_eur
from mesfactures.domain.account_access import KnownAccounts, account_must_exist
from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.context import Context
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import (
    Dispute,
    DisputeDetail,
    DisputedInvoice,
    DisputeEvent,
    DisputeReason,
    DisputeStatus,
    EventKind,
    check_transition,
    payment_under_way,
)
from mesfactures.domain.errors import (
    BusinessRuleViolation,
    InvalidInput,
    InvoiceAlreadyPaid,
    InvoiceInDispute,
    NotFound,
    PaymentInProgress,
)
from mesfactures.domain.ids import new_id
from mesfactures.domain.ledger import Agency, EntryType, LedgerEntry, is_document_number
from mesfactures.domain.money import Money
from mesfactures.domain.principal import AgencyUser, FinanceUser
from mesfactures.domain.team import Action, Activity, activity_of
from mesfactures.notifications.messages import (
    DisputeCommented,
    DisputeOpened,
    DisputeStatusChanged,
    InvoiceLine,
    MailMessage,
)

MAX_INVOICES = 20
MAX_COMMENT = 2000


class Disputes(Protocol):
    def invoices(self, agency_id: str, creditor: Creditor, numbers: list[str]) -> dict[str, LedgerEntry]: ...

    def open(
        self, dispute: Dispute, event: DisputeEvent, message: MailMessage, activity: Activity | None = None
    ) -> None: ...

    def record(
        self,
        dispute: Dispute,
        event: DisputeEvent,
        message: MailMessage,
        release_invoices: bool = False,
        activity: Activity | None = None,
    ) -> Dispute: ...

    def for_account(self, agency_id: str, creditor: Creditor) -> list[Dispute]: ...

    def detail(self, agency_id: str, creditor: Creditor, dispute_id: str) -> DisputeDetail: ...

    def for_creditor(self, creditor: Creditor, status: DisputeStatus | None) -> list[Dispute]: ...

    def detail_by_id(self, dispute_id: str) -> DisputeDetail: ...


class Directory(Protocol):
    def agency(self, agency_id: str) -> Agency: ...

    def creditor(self, creditor: Creditor) -> CreditorDetails: ...

    def profile(self, agency_id: str, creditor: Creditor) -> AccountProfile: ...

    def has_account(self, agency_id: str, creditor: Creditor) -> bool: ...


@dataclass(frozen=True)
class OpenDisputeRequest:
    invoice_numbers: tuple[str, ...]
    reason: DisputeReason
    comment: str
    amounts: Mapping[str, int]
    attachments: tuple[Any, ...] = ()


def _comment(value: Any, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput("Le commentaire est obligatoire.")
    if len(value) > MAX_COMMENT:
        raise InvalidInput(f"Le commentaire est limité à {MAX_COMMENT} caractères.")
    return value.strip()


def parse_open_request(body: Mapping[str, Any]) -> OpenDisputeRequest:
    numbers = body.get("invoice_numbers")
    if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
        raise InvalidInput("Sélectionnez au moins une facture.")
    if len(numbers) > MAX_INVOICES or len(set(numbers)) != len(numbers):
        raise InvalidInput(f"Un litige porte sur 1 à {MAX_INVOICES} factures différentes.")
    if not all(is_document_number(number) for number in numbers):
        raise InvalidInput("Un numéro de facture ressemble à FA-2026-000123.")
    try:
        reason = DisputeReason(str(body.get("reason")))
    except ValueError:
        raise InvalidInput("Choisissez un motif dans la liste.") from None
    amounts = body.get("amounts") or {}
    if not isinstance(amounts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in amounts.values()
    ):
        raise InvalidInput("Un montant contesté est un nombre entier positif de centimes.")
    if not set(amounts) <= set(numbers):
        raise InvalidInput("Un montant contesté porte sur une facture qui n'est pas sélectionnée.")
    attachments = body.get("attachments") or []
    if not isinstance(attachments, list):
        raise InvalidInput("Les pièces jointes sont une liste.")
    return OpenDisputeRequest(
        tuple(numbers), reason, _comment(body.get("comment")), amounts, tuple(attachments)
    )


def parse_transition(body: Mapping[str, Any]) -> tuple[DisputeStatus, str]:
    try:
        target = DisputeStatus(str(body.get("to")))
    except ValueError:
        raise InvalidInput("Statut cible inconnu.") from None
    return target, _comment(body.get("comment"))


def parse_comment(body: Mapping[str, Any]) -> str:
    return _comment(body.get("comment"))


def _disputed(
    request: OpenDisputeRequest, invoices: Mapping[str, LedgerEntry]
) -> tuple[DisputedInvoice, ...]:
    disputed = []
    for number in request.invoice_numbers:
        invoice = invoices.get(number)
        if invoice is None or invoice.type is not EntryType.INVOICE:
            raise NotFound(f"Facture {number} introuvable.")
        if invoice.balance.cents <= 0:
            raise InvoiceAlreadyPaid(
                f"La facture {number} est déjà réglée : elle ne peut pas être contestée."
            )
        if invoice.dispute_id is not None:
            raise InvoiceInDispute(f"La facture {number} fait déjà l'objet d'un litige en cours.")
        if invoice.payment_lock is not None:
            raise PaymentInProgress(payment_under_way(number))
        amount = request.amounts.get(number, invoice.balance.cents)
        if amount > invoice.balance.cents:
            raise BusinessRuleViolation(f"Le montant contesté de {number} dépasse son reste dû.")
        disputed.append(DisputedInvoice(number, Money(amount, invoice.balance.currency), invoice.balance))
    return tuple(disputed)


def agency_link(site_url: str, dispute: Dispute) -> str:
    return f"{site_url}/#/c/{dispute.creditor.value}/suivi-litiges/{dispute.dispute_id}"


def finance_link(site_url: str, dispute: Dispute) -> str:
    return f"{site_url}/#/finance/litiges/{dispute.dispute_id}"


def open_dispute(
    user: AgencyUser,
    *,
    creditor: Creditor,
    request: OpenDisputeRequest,
    disputes: Disputes,
    directory: Directory,
    store: AttachmentStore,
    context: Context,
) -> Dispute:
    """One transaction: the dispute, its first event, the invoices blocked, the finance team's e-mail."""
    now, site_url = context.now(), context.site_url
    invoices = disputes.invoices(user.agency_id, creditor, list(request.invoice_numbers))
    disputed = _disputed(request, invoices)
    attachments = verified_attachments(store, user.agency_id, creditor, request.attachments)
    agency, seller = directory.agency(user.agency_id), directory.creditor(creditor)
    account_must_exist(directory, user.agency_id, creditor, unless_found=creditor in agency.creditors)
    dispute = Dispute(
        new_id(),
        user.agency_id,
        creditor,
        request.reason,
        DisputeStatus.OPEN,
        disputed,
        now,
        now,
        user.signature,
        attachments,
        agency.name,
    )
    event = DisputeEvent(
        new_id(),
        EventKind.OPENED,
        now,
        user.signature,
        "agency",
        request.comment,
        to_status=DisputeStatus.OPEN,
    )
    view = DisputeOpened(
        agency_name=agency.name,
        agency_id=agency.agency_id,
        creditor_name=creditor.display_name,
        reference=dispute.reference,
        reason=request.reason.label,
        comment=request.comment,
        invoices=[InvoiceLine(i.number, format_eur(i.disputed.cents)) for i in disputed],
        total=format_eur(dispute.total.cents),
        author=user.signature,
        link=finance_link(site_url, dispute),
    )
    journal = activity_of(
        user, Action.DISPUTE_OPENED, now, creditor, tuple(i.number for i in disputed), dispute.reference
    )
    disputes.open(dispute, event, MailMessage(new_id(), (seller.finance_email,), view), journal)
    return dispute


def comment_dispute(
    user: AgencyUser,
    *,
    creditor: Creditor,
    dispute_id: str,
    comment: str,
    disputes: Disputes,
    directory: Directory,
    context: Context,
) -> DisputeDetail:
    """The comment, and the finance team's e-mail, in one transaction; the dispute with its history."""
    now, site_url = context.now(), context.site_url
    dispute = disputes.detail(user.agency_id, creditor, dispute_id).dispute
    if dispute.status is DisputeStatus.CLOSED:
        raise BusinessRuleViolation("Ce litige est clos : il ne peut plus être commenté.")
    agency, seller = directory.agency(user.agency_id), directory.creditor(creditor)
    event = DisputeEvent(new_id(), EventKind.COMMENT, now, user.signature, "agency", comment)
    view = DisputeCommented(
        agency_name=agency.name,
        agency_id=agency.agency_id,
        creditor_name=creditor.display_name,
        reference=dispute.reference,
        status=dispute.status.label,
        comment=comment,
        author=user.signature,
        link=finance_link(site_url, dispute),
    )
    numbers = tuple(i.number for i in dispute.invoices)
    journal = activity_of(user, Action.DISPUTE_COMMENTED, now, creditor, numbers, dispute.reference)
    disputes.record(dispute, event, MailMessage(new_id(), (seller.finance_email,), view), activity=journal)
    return disputes.detail(user.agency_id, creditor, dispute_id)


def transition_dispute(
    user: FinanceUser,
    *,
    dispute_id: str,
    target: DisputeStatus,
    comment: str,
    disputes: Disputes,
    directory: Directory,
    context: Context,
) -> DisputeDetail:
    """The finance team moves a dispute on; the agency's contact is told; a resolution frees the invoices.
    Returns the dispute with its history."""
    now, site_url = context.now(), context.site_url
    dispute = finance_dispute(disputes, user, dispute_id).dispute
    check_transition(dispute.status, target)
    agency = directory.agency(dispute.agency_id)
    contact = directory.profile(dispute.agency_id, dispute.creditor).billing.email
    event = DisputeEvent(
        new_id(),
        EventKind.STATUS_CHANGED,
        now,
        user.email,
        "finance",
        comment,
        from_status=dispute.status,
        to_status=target,
    )
    view = DisputeStatusChanged(
        agency_name=agency.name,
        creditor_name=dispute.creditor.display_name,
        reference=dispute.reference,
        previous_status=dispute.status.label,
        status=target.label,
        comment=comment,
        link=agency_link(site_url, dispute),
    )
    release = dispute.status.is_active and not target.is_active
    disputes.record(dispute, event, MailMessage(new_id(), (contact,), view), release_invoices=release)
    return finance_dispute(disputes, user, dispute_id)


def finance_dispute(disputes: Disputes, user: FinanceUser, dispute_id: str) -> DisputeDetail:
    """A dispute of a creditor the user handles; any other is not found, like an unknown one."""
    detail = disputes.detail_by_id(dispute_id)
    if not user.handles(detail.dispute.creditor):
        raise NotFound("Litige introuvable.")
    return detail


def finance_disputes(
    disputes: Disputes, user: FinanceUser, creditor: Creditor | None, status: DisputeStatus | None
) -> list[Dispute]:
    creditors = [creditor] if creditor else sorted(user.creditors)
    if creditor is not None and not user.handles(creditor):
        raise NotFound("Créancier inconnu.")
    found = [dispute for code in creditors for dispute in disputes.for_creditor(code, status)]
    return sorted(found, key=lambda dispute: dispute.opened_at, reverse=True)


def disputes_of_account(
    user: AgencyUser, *, creditor: Creditor, disputes: Disputes, accounts: KnownAccounts
) -> list[Dispute]:
    """The agency's disputes at a creditor; none is an empty list only for an account that exists."""
    found = disputes.for_account(user.agency_id, creditor)
    account_must_exist(accounts, user.agency_id, creditor, unless_found=found)
    return found


def dispute_of_account(
    user: AgencyUser, *, creditor: Creditor, dispute_id: str, disputes: Disputes
) -> DisputeDetail:
    """One of the agency's disputes with its history; another agency's is not found."""
    return disputes.detail(user.agency_id, creditor, dispute_id)


def attachment_of_account(
    user: AgencyUser,
    *,
    creditor: Creditor,
    dispute_id: str,
    attachment_id: str,
    disputes: Disputes,
    store: AttachmentStore,
) -> str:
    """A short-lived link to a file of one of the agency's disputes."""
    dispute = disputes.detail(user.agency_id, creditor, dispute_id).dispute
    return attachment_link(store, dispute, attachment_id)


def finance_attachment_link(
    user: FinanceUser, *, dispute_id: str, attachment_id: str, disputes: Disputes, store: AttachmentStore
) -> str:
    """A short-lived link to a file of a dispute of a creditor the finance user handles."""
    return attachment_link(store, finance_dispute(disputes, user, dispute_id).dispute, attachment_id)
