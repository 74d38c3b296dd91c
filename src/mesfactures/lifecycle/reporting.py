"""What the portal reports to the creditor's platform, because it alone knows it (docs/decisions.md):
a card payment's money received ("Encaissée", 212, with the amount), its refund (the correction: 212
with the amount taken back), a dispute declared in the portal (207) and its resolution (205 / 206 / 210).

Each function gives the statuses of one event; the persistence layer writes them in the transaction of
that event, so a status is reported if and only if its cause happened."""

from __future__ import annotations

from datetime import datetime

from mesfactures.domain.lifecycle import COLLECTED, ReportedStatus
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
    return [
        ReportedStatus(
            message_id=f"{payment.payment_id}-{index}",
            agency_id=payment.agency_id,
            creditor=payment.creditor,
            number=number,
            code=COLLECTED,
            at=at.replace(microsecond=0),
            amount_cents=cents,
            currency=payment.amount.currency,
            reason="Paiement par carte — Mes Factures",
            cause="payment",
        )
        for index, (number, cents) in enumerate(_received(payment), start=1)
    ]


def collection_refunded(payment: Payment, at: datetime) -> list[ReportedStatus]:
    """The correction of a refund: "Encaissée" again, with the amount taken back (negative), so that
    what the platform holds as collected for the invoice returns to what it was."""
    return [
        ReportedStatus(
            message_id=f"{payment.payment_id}-R{index}",
            agency_id=payment.agency_id,
            creditor=payment.creditor,
            number=number,
            code=COLLECTED,
            at=at.replace(microsecond=0),
            amount_cents=-cents,
            currency=payment.amount.currency,
            reason="Remboursement du paiement par carte : encaissement annulé",
            cause="refund",
        )
        for index, (number, cents) in enumerate(_received(payment), start=1)
    ]
