"""Who is who: the creditors' identities and services, and an agency's details with each creditor."""

from __future__ import annotations

from dataclasses import dataclass

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
class AccountProfile:
    agency_id: str
    creditor: Creditor
    account_number: str
    legal_name: str
    main_contact: MainContact
    billing: BillingDetails
    bank: BankDetails
    version: int | None = None
