"""Test data for the unit and contract tiers: an agency with accounts, and its documents."""

from __future__ import annotations

from datetime import date, timedelta

from mesfactures.domain.accounts import (
    AccountProfile,
    BankDetails,
    BillingDetails,
    CreditorDetails,
    MainContact,
    PostalAddress,
    ServiceContact,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ids import new_id
from mesfactures.domain.ledger import Agency, DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money
from mesfactures.domain.principal import AgencyUser, FinanceUser, Role
from tests.fakes import FakeLedger

AGENCY = "AG-1001"
OTHER_AGENCY = "AG-2002"
CREDITOR = Creditor.POLIRIS
IBAN = "FR7630006000011234567890189"
ADDRESS = PostalAddress("12 avenue de la République", "69003", "Lyon", "FR")

ADMIN = AgencyUser("u-admin", "claire@agence.fr", AGENCY, Role.ADMINISTRATEUR, "Claire", "Martin")
ACCOUNTANT = AgencyUser("u-compta", "luc@agence.fr", AGENCY, Role.COMPTABLE, "Luc", "Bernard")
FINANCE = FinanceUser("u-finance", "finance@poliris.example", frozenset({CREDITOR}))


def creditor_details(creditor: Creditor = CREDITOR) -> CreditorDetails:
    domain = creditor.value.lower().replace("_", "-")
    return CreditorDetails(
        creditor=creditor,
        legal_name=creditor.display_name,
        legal_form="SAS",
        siren="552100554",
        vat_number="FR40552100554",
        address=ADDRESS,
        after_sales=ServiceContact(
            "Service après-vente", ADDRESS, "+33170001010", f"sav@{domain}.example", ""
        ),
        collections=ServiceContact(
            "Service recouvrement", ADDRESS, "+33170002020", f"rec@{domain}.example", ""
        ),
        finance_email=f"finance@{domain}.example",
    )


def profile(
    agency_id: str = AGENCY, creditor: Creditor = CREDITOR, version: int | None = 1
) -> AccountProfile:
    return AccountProfile(
        agency_id=agency_id,
        creditor=creditor,
        account_number=f"C{agency_id[3:]}01",
        legal_name="Agence Exemple Immobilier",
        main_contact=MainContact("Martin", "Claire", "Gérante"),
        billing=BillingDetails(ADDRESS, "+33478000000", None, f"compta@{agency_id.lower()}.example"),
        bank=BankDetails("Agence Exemple Immobilier", "Crédit Agricole", "AGRIFRPPXXX", IBAN),
        version=version,
    )


def ledger_with_accounts() -> FakeLedger:
    """AG-1001 has an account at POLIRIS and PRESSIMMO; AG-2002 at POLIRIS only."""
    ledger = FakeLedger()
    ledger.agencies[AGENCY] = Agency(AGENCY, "Agence Exemple Immobilier", (Creditor.PRESSIMMO, CREDITOR))
    ledger.agencies[OTHER_AGENCY] = Agency(OTHER_AGENCY, "Autre Agence Immobilière", (CREDITOR,))
    for creditor in Creditor:
        ledger.creditors[creditor] = creditor_details(creditor)
    for agency_id, creditor in ((AGENCY, Creditor.PRESSIMMO), (AGENCY, CREDITOR), (OTHER_AGENCY, CREDITOR)):
        ledger.profiles[(agency_id, creditor)] = profile(agency_id, creditor)
    return ledger


def invoice(
    number: str,
    cents: int,
    *,
    balance: int | None = None,
    agency_id: str = AGENCY,
    creditor: Creditor = CREDITOR,
    dispute_id: str | None = None,
) -> LedgerEntry:
    owed = cents if balance is None else balance
    status = EntryStatus.OPEN if owed == cents else EntryStatus.PARTIALLY_PAID if owed else EntryStatus.PAID
    return LedgerEntry(
        new_id(),
        agency_id,
        creditor,
        EntryType.INVOICE,
        number,
        date(2026, 10, 1),
        date(2026, 10, 31),
        "Annonces octobre",
        Money(cents),
        Money(owed),
        status,
        dispute_id=dispute_id,
    )


def invoice_of_lines(
    *lines: DocumentLine, number: str, issued_on: date, creditor: Creditor = CREDITOR
) -> LedgerEntry:
    """An invoice as the document renderers read it: its lines make its totals (the amounts stay 0),
    due 30 days after its date."""
    return LedgerEntry(
        "01JLINES",
        AGENCY,
        creditor,
        EntryType.INVOICE,
        number,
        issued_on,
        issued_on + timedelta(days=30),
        "Abonnement",
        Money(0),
        Money(0),
        EntryStatus.OPEN,
        lines,
    )


def credit_note(
    number: str,
    cents: int,
    *,
    balance: int | None = None,
    agency_id: str = AGENCY,
    creditor: Creditor = CREDITOR,
) -> LedgerEntry:
    """`cents` is what the credit note gives back (positive here, stored negative)."""
    left = cents if balance is None else balance
    return LedgerEntry(
        new_id(),
        agency_id,
        creditor,
        EntryType.CREDIT_NOTE,
        number,
        date(2026, 10, 15),
        None,
        "Geste commercial",
        Money(-cents),
        Money(-left),
        EntryStatus.OPEN if left else EntryStatus.APPLIED,
    )
