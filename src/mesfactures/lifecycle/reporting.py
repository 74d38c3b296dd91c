"""What the portal reports to the creditor's platform, because it alone knows it (docs/decisions.md):
a card payment's money received ("Encaissée", 212, with the amount), its refund (the correction: 212
with the amount taken back), a dispute declared in the portal (207) and its resolution (205 / 206 / 210).

Each function gives the statuses of one event; the persistence layer writes them in the transaction of
that event, so a status is reported if and only if its cause happened."""

from __future__ import annotations

from datetime import datetime

from mesfactures.domain.disputes import Dispute, DisputeStatus
from mesfactures.domain.lifecycle import (
    APPROVED,
    COLLECTED,
    IN_DISPUTE,
    PARTIALLY_APPROVED,
    REFUSED,
    ReportedStatus,
)
from mesfactures.domain.payments import Payment


def _received(payment: Payment) -> list[tuple[str, int]]:
    """Each invoice with the money the card brought for it: its balance less the credit notes offset
    against it (oldest invoice first, as the card lines). An invoice settled by credit alone received no
    money: nothing to report as collected."""
    credit = sum(c.amount.cents for c in payment.credits)
    received = []
    for invoice in payment.invoices:
        used = min(credit, invoice.amount.cents)
        credit -= used
        if invoice.amount.cents - used > 0:
            received.append((invoice.number, invoice.amount.cents - used))
    return received


def collected(payment: Payment, at: datetime) -> list[ReportedStatus]:
    """ "Encaissée" (212) per invoice the card paid, with the amount received and the date: VAT on
    advertising services is due on collection, and only the portal knows of a card payment."""
    return _collection(payment, at, taken_back=False)


def collection_refunded(payment: Payment, at: datetime) -> list[ReportedStatus]:
    """The correction of a refund: "Encaissée" again, with the amount taken back (negative), so that
    what the platform holds as collected for the invoice returns to what it was."""
    return _collection(payment, at, taken_back=True)


def _collection(payment: Payment, at: datetime, *, taken_back: bool) -> list[ReportedStatus]:
    sign, suffix = (-1, "R") if taken_back else (1, "")
    reason = (
        "Remboursement du paiement par carte : encaissement annulé"
        if taken_back
        else "Paiement par carte — Mes Factures"
    )
    return [
        ReportedStatus(
            message_id=f"{payment.payment_id}-{suffix}{index}",
            agency_id=payment.agency_id,
            creditor=payment.creditor,
            number=number,
            code=COLLECTED,
            at=at.replace(microsecond=0),
            amount_cents=sign * cents,
            currency=payment.amount.currency,
            reason=reason,
            cause="refund" if taken_back else "payment",
        )
        for index, (number, cents) in enumerate(_received(payment), start=1)
    ]


def dispute_declared(dispute: Dispute) -> list[ReportedStatus]:
    """ "En litige" (207) for each invoice of a dispute the agency declared in the portal: the creditor's
    platform would otherwise show the invoice as undisputed while its payment is blocked here."""
    return [
        ReportedStatus(
            message_id=f"{dispute.dispute_id}-D{index}",
            agency_id=dispute.agency_id,
            creditor=dispute.creditor,
            number=invoice.number,
            code=IN_DISPUTE,
            at=dispute.opened_at.replace(microsecond=0),
            amount_cents=None,
            currency=invoice.disputed.currency,
            reason=f"Litige {dispute.reference} : {dispute.reason.label}",
            cause="dispute",
        )
        for index, invoice in enumerate(dispute.invoices, start=1)
    ]


def dispute_resolved(dispute: Dispute, to: DisputeStatus, at: datetime) -> list[ReportedStatus]:
    """The end of a dispute, as the creditor decided it: accepted on the whole balance, the invoice is
    refused (210: a credit note follows); accepted on part of it, approved partially (206); rejected, the
    invoice stands as issued and is approved (205). Other moves (review, waiting, closing) report nothing."""
    if to not in (DisputeStatus.RESOLVED_ACCEPTED, DisputeStatus.RESOLVED_REJECTED):
        return []
    statuses = []
    for index, invoice in enumerate(dispute.invoices, start=1):
        if to is DisputeStatus.RESOLVED_REJECTED:
            code, reason = APPROVED, f"Litige {dispute.reference} rejeté : facture maintenue"
        elif invoice.disputed.cents < invoice.balance.cents:
            code, reason = PARTIALLY_APPROVED, f"Litige {dispute.reference} accepté en partie"
        else:
            code, reason = REFUSED, f"Litige {dispute.reference} accepté : facture contestée en totalité"
        statuses.append(
            ReportedStatus(
                message_id=f"{dispute.dispute_id}-{to.value}-{index}",
                agency_id=dispute.agency_id,
                creditor=dispute.creditor,
                number=invoice.number,
                code=code,
                at=at.replace(microsecond=0),
                amount_cents=invoice.disputed.cents if code == PARTIALLY_APPROVED else None,
                currency=invoice.disputed.currency,
                reason=reason,
                cause="dispute_resolved",
            )
        )
    return statuses
