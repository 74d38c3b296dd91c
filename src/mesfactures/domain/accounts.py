"""Who is who: the creditors' identities and services, and an agency's details with each creditor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mesfactures.domain.creditors import Creditor


@dataclass(frozen=True)
class PostalAddress:
    street: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class ServiceContact:
    """A creditor's after-sales or collections service (Nous contacter)."""

    name: str
    address: PostalAddress
    phone: str
    email: str
    hours: str


@dataclass(frozen=True)
class CreditorDetails:
    creditor: Creditor
    legal_name: str
    legal_form: str
    siren: str
    vat_number: str
    address: PostalAddress
    after_sales: ServiceContact
    collections: ServiceContact
    finance_email: str
    # E-invoicing (issue 14): what a Factur-X says of the seller. The electronic address is the one of
    # the directory of the French reform (scheme 0225), the SIREN unless the creditor registered another.
    siret: str = ""
    rcs: str = ""
    electronic_address: str = ""
    # The creditor opted to pay VAT on its services when invoiced ("d'après les débits") rather than when
    # paid: the invoices must say so.
    vat_on_debits: bool = False


@dataclass(frozen=True)
class MainContact:
    last_name: str
    first_name: str
    role: str


@dataclass(frozen=True)
class BillingDetails:
    address: PostalAddress
    phone: str
    fax: str | None
    email: str


@dataclass(frozen=True)
class BankDetails:
    holder: str
    bank_name: str
    bic: str
    iban: str

    @property
    def masked_iban(self) -> str:
        compact = self.iban.replace(" ", "")
        return "•" * (len(compact) - 4) + compact[-4:]


@dataclass(frozen=True)
class PendingBankChange:
    change_id: str
    bank: BankDetails
    requested_at: datetime
    requested_by: str


@dataclass(frozen=True)
class AccountProfile:
    agency_id: str
    creditor: Creditor
    account_number: str
    legal_name: str
    main_contact: MainContact
    billing: BillingDetails
    bank: BankDetails
    version: int | None = None
    pending_bank: PendingBankChange | None = None
    # The agency as a buyer of e-invoices (issue 14): its SIREN, VAT number and electronic address.
    identifiers: BuyerIdentifiers | None = None


@dataclass(frozen=True)
class BuyerIdentifiers:
    siren: str
    vat_number: str
    electronic_address: str


class ChangeKind(StrEnum):
    CONTACT_AND_BILLING = "contact_and_billing"
    BANK = "bank"


class ChangeStatus(StrEnum):
    APPLIED = "applied"  # contact and billing: applied at once
    PENDING = "pending"  # bank details: waiting for finance
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {
            "applied": "Appliquée",
            "pending": "En attente de validation",
            "approved": "Validée",
            "rejected": "Refusée",
        }[self.value]


@dataclass(frozen=True)
class ProfileChange:
    """One "Envoyer modification": who, when, what it was before and after, and what became of it.
    Bank details are recorded masked: the history never shows a full IBAN."""

    change_id: str
    agency_id: str
    creditor: Creditor
    kind: ChangeKind
    status: ChangeStatus
    requested_by: str
    requested_at: datetime
    before: dict[str, Any]
    after: dict[str, Any]
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_comment: str | None = None
    # The agency's name when the change was asked, so that finance's list names it without a read per
    # change; empty on changes asked before it was kept.
    agency_name: str = ""
