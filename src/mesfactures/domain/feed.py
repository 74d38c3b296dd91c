"""What the ERP feed's rows do to the ledger, as rules apart from the table: a new version of a document
keeps what was paid of it; a payment received by other means settles the invoices it names, oldest first,
partly if it does not cover them. The ledger's writer applies them under DynamoDB conditions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from mesfactures.domain.errors import BusinessRuleViolation
from mesfactures.domain.ledger import EntryStatus, EntryType, LedgerEntry, invoice_status
from mesfactures.domain.money import Money


def with_balance(entry: LedgerEntry, balance: int) -> LedgerEntry:
    """The entry owing (invoice) or offering (credit note) `balance`, with the status that follows."""
    status = invoice_status(entry.amount.cents, balance) if entry.type is EntryType.INVOICE else entry.status
    if entry.type is EntryType.CREDIT_NOTE and balance == 0:
        status = EntryStatus.APPLIED
    return replace(entry, balance=Money(balance, entry.amount.currency), status=status)


def new_version(
    stored: LedgerEntry, stored_version: int, sent: LedgerEntry, version: int
) -> LedgerEntry | None:
    """The document as the ERP's new version makes it, keeping what was paid (or used) of it and its
    dispute; None when the stored version is as new or newer (a file sent twice changes nothing)."""
    if stored.type is not sent.type:
        raise BusinessRuleViolation(f"le numéro {sent.number} désigne déjà une pièce d'un autre type")
    if stored_version >= version:
        return None
    if stored.payment_lock:
        raise BusinessRuleViolation(
            f"{sent.number} est en cours de paiement par carte : renvoyez la nouvelle version plus tard"
        )
    balance = stored.balance.cents + sent.amount.cents - stored.amount.cents
    if (balance < 0) if sent.type is EntryType.INVOICE else (balance > 0):
        raise BusinessRuleViolation(f"la nouvelle version de {sent.number} est inférieure à ce qui est réglé")
    return replace(with_balance(sent, balance), dispute_id=stored.dispute_id)


def payable_by_transfer(number: str, invoice: LedgerEntry | None) -> LedgerEntry:
    """An invoice a payment received by other means may settle: known on the account, an invoice, and not
    being paid by card (applying both could take its money twice; the ERP sends the row again later)."""
    if invoice is None:
        raise BusinessRuleViolation(f"la facture {number} est inconnue sur ce compte")
    if invoice.type is not EntryType.INVOICE:
        raise BusinessRuleViolation(f"{number} n'est pas une facture")
    if invoice.payment_lock:
        raise BusinessRuleViolation(
            f"la facture {number} est en cours de paiement par carte : renvoyez la ligne plus tard"
        )
    return invoice


def allocate(payment: LedgerEntry, invoice_of: Callable[[str], LedgerEntry]) -> list[tuple[LedgerEntry, int]]:
    """Each invoice the payment names, in order, takes what it still owes until the payment is spent: the
    invoices and their new balances (the last one partly paid when the payment falls short). An invoice
    is read only if money is left for it; a payment larger than what its invoices owe is refused."""
    remaining = -payment.amount.cents
    settled = []
    for number in payment.settles:
        if remaining == 0:
            break
        invoice = invoice_of(number)
        take = min(remaining, invoice.balance.cents)
        if take <= 0:
            raise BusinessRuleViolation(f"la facture {invoice.number} est déjà réglée")
        remaining -= take
        settled.append((invoice, invoice.balance.cents - take))
    if remaining > 0:
        raise BusinessRuleViolation("le règlement dépasse le reste dû des factures qu'il désigne")
    return settled
