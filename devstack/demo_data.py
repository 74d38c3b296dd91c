"""The demo data of DESIGN.md section 3: three creditors, two agencies, a year of consistent entries, PDFs.

Idempotent: every item is written only if absent, so a second start adds nothing and keeps what users
changed. Entries are generated relative to the day of the first start and then stay as they are.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from stdnum import luhn

from mesfactures.disputes.use_cases import OpenDisputeRequest, open_dispute
from mesfactures.documents.attachment_files import AttachmentFiles
from mesfactures.documents.pdf import document_view, render_pdf
from mesfactures.documents.store import DocumentStore, document_key, xml_key
from mesfactures.domain.accounts import (
    AccountProfile,
    BankDetails,
    BillingDetails,
    BuyerIdentifiers,
    CreditorDetails,
    MainContact,
    PostalAddress,
    ServiceContact,
)
from mesfactures.domain.calendar import today_in_paris
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import DisputeReason
from mesfactures.domain.ids import new_id, stable_id
from mesfactures.domain.ledger import Agency, DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.lifecycle import LifecycleEvent
from mesfactures.domain.money import Money, vat_cents
from mesfactures.domain.principal import AgencyUser
from mesfactures.persistence.accounts import AccountRepository
from mesfactures.persistence.disputes import DisputeRepository
from mesfactures.persistence.imports import EntryWriter
from mesfactures.persistence.lifecycle import LifecycleRepository
from mesfactures.persistence.statement import LedgerRepository

VAT_STANDARD = 2000
HOURS = "Du lundi au vendredi, de 9 h à 12 h 30 et de 14 h à 18 h"

_CREDITOR_FACTS = {
    Creditor.PRESSIMMO: ("PRESSIMMO SAS", "412345670", "8 rue du Sentier", "75002", "Paris", "pressimmo"),
    Creditor.BELLES_DEMEURES: (
        "BELLES DEMEURES SARL",
        "428765432",
        "21 cours Mirabeau",
        "13100",
        "Aix-en-Provence",
        "bellesdemeures",
    ),
    Creditor.POLIRIS: ("POLIRIS SA", "433210986", "5 quai de la Fosse", "44000", "Nantes", "poliris"),
}

_PRODUCTS = (
    ("Abonnement Pro – diffusion des annonces", 39_000),
    ("Pack visibilité Premium", 14_900),
    ("Remontée en tête de liste (10 annonces)", 6_500),
    ("Option vidéo et visite virtuelle", 9_900),
    ("Encart « Agence du quartier »", 22_000),
    ("Estimation en ligne – module vendeurs", 4_900),
)


@dataclass(frozen=True)
class DemoAgency:
    agency_id: str
    name: str
    creditors: tuple[Creditor, ...]
    street: str
    postal_code: str
    city: str
    contact: MainContact
    siren: str  # with its Luhn check digit, as INSEE issues them
    iban: str
    bic: str
    bank_name: str


DEMO_AGENCIES = (
    DemoAgency(
        "AG-1001",
        "Agence Exemple Immobilier",
        tuple(Creditor),
        "12 avenue de la République",
        "69003",
        "Lyon",
        MainContact("Martin", "Claire", "Gérante"),
        "512345679",
        "FR7630006000011234567890189",
        "AGRIFRPPXXX",
        "Crédit Agricole",
    ),
    DemoAgency(
        "AG-2002",
        "Autre Agence Immobilière",
        (Creditor.PRESSIMMO, Creditor.POLIRIS),
        "3 place du Capitole",
        "31000",
        "Toulouse",
        MainContact("Bernard", "Luc", "Comptable"),
        "798765434",
        "FR1420041010050500013M02606",
        "PSSTFRPPXXX",
        "La Banque Postale",
    ),
)


def vat_number(siren: str) -> str:
    """The French VAT number of a SIREN: FR, its two-digit key, the SIREN."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def siret(siren: str, establishment: str = "0001") -> str:
    """The SIRET of an establishment: SIREN, a four-digit number, the Luhn check digit of the whole."""
    body = siren + establishment
    return body + luhn.calc_check_digit(body)


def creditor_details(creditor: Creditor) -> CreditorDetails:
    legal_name, siren, street, postal_code, city, domain = _CREDITOR_FACTS[creditor]
    address = PostalAddress(street, postal_code, city, "FR")
    return CreditorDetails(
        creditor=creditor,
        legal_name=legal_name,
        legal_form=f"{legal_name.split()[-1]} au capital de 1 000 000 €",
        siren=siren,
        vat_number=vat_number(siren),
        address=address,
        after_sales=ServiceContact(
            "Service après-vente", address, "+33 1 70 00 10 10", f"sav@{domain}.example", HOURS
        ),
        collections=ServiceContact(
            "Service recouvrement", address, "+33 1 70 00 20 20", f"recouvrement@{domain}.example", HOURS
        ),
        finance_email=f"finance@{domain}.example",
        siret=siret(siren),
        rcs=f"RCS {city} {siren[:3]} {siren[3:6]} {siren[6:]}",
        electronic_address=siren,
        # PRESSIMMO opted to pay VAT on its invoices' dates; the others pay it when they are paid.
        vat_on_debits=creditor is Creditor.PRESSIMMO,
    )


def profile_for(agency: DemoAgency, creditor: Creditor, index: int) -> AccountProfile:
    address = PostalAddress(agency.street, agency.postal_code, agency.city, "FR")
    return AccountProfile(
        agency_id=agency.agency_id,
        creditor=creditor,
        account_number=f"C{agency.agency_id[3:]}{index:02d}",
        legal_name=agency.name,
        main_contact=agency.contact,
        billing=BillingDetails(address, "+33478000000", None, f"compta@{agency.agency_id.lower()}.example"),
        bank=BankDetails(agency.name, agency.bank_name, agency.bic, agency.iban),
        identifiers=BuyerIdentifiers(agency.siren, vat_number(agency.siren), agency.siren),
    )


class _Numbers:
    """Document numbers per creditor, as the creditors' ERPs would issue them: FA-2026-000123."""

    def __init__(self, start: int) -> None:
        self._next = start

    def take(self, prefix: str, day: date) -> str:
        self._next += 1
        return f"{prefix}-{day.year}-{self._next:06d}"


def account_entries(agency_id: str, creditor: Creditor, today: date, seed: int) -> Iterator[LedgerEntry]:
    """About 70 entries over the last year: monthly-ish invoices, their payments, credit notes; the last
    two months' invoices are still open (some overdue, one partly paid), one credit note is unused."""
    rng = random.Random(f"{agency_id}/{creditor.value}")  # noqa: S311 (demo data, not security)
    numbers = _Numbers(100 + seed * 300)

    def entry(
        kind: EntryType,
        number: str,
        issued: date,
        due: date | None,
        label: str,
        amount: int,
        balance: int,
        status: EntryStatus,
        lines: tuple[DocumentLine, ...] = (),
        settles: tuple[str, ...] = (),
    ) -> LedgerEntry:
        moment = datetime(issued.year, issued.month, issued.day, tzinfo=UTC)
        return LedgerEntry(
            stable_id(moment, agency_id, creditor.value, number),
            agency_id,
            creditor,
            kind,
            number,
            issued,
            due,
            label,
            Money(amount),
            Money(balance),
            status,
            lines,
            settles,
        )

    invoice_days = [today - timedelta(days=day) for day in range(355, 0, -10)]
    credit_note_at = {4, 13, 22, len(invoice_days) - 3}
    for index, issued in enumerate(invoice_days):
        lines = tuple(
            DocumentLine(label, rng.randint(1, 3), price, VAT_STANDARD)
            for label, price in rng.sample(_PRODUCTS, rng.randint(1, 3))
        )
        net = sum(line.net_cents for line in lines)
        gross = net + vat_cents(net, VAT_STANDARD)
        due = issued + timedelta(days=30)
        number = numbers.take("FA", issued)
        label = f"Facture {issued.strftime('%m/%Y')} – {lines[0].label}"
        if issued >= today - timedelta(days=70):
            partly = index == len(invoice_days) - 5
            paid = gross // 2 if partly else 0
            status = EntryStatus.PARTIALLY_PAID if partly else EntryStatus.OPEN
            yield entry(EntryType.INVOICE, number, issued, due, label, gross, gross - paid, status, lines)
            if partly:
                yield entry(
                    EntryType.PAYMENT,
                    numbers.take("RG", due),
                    due - timedelta(days=3),
                    None,
                    f"Virement reçu – acompte {number}",
                    -paid,
                    0,
                    EntryStatus.RECEIVED,
                    settles=(number,),
                )
            if index in credit_note_at:
                credit_line = DocumentLine(f"Geste commercial sur {number}", 1, net // 10, VAT_STANDARD)
                credit = credit_line.net_cents + vat_cents(credit_line.net_cents, VAT_STANDARD)
                yield entry(
                    EntryType.CREDIT_NOTE,
                    numbers.take("AV", issued + timedelta(days=2)),
                    issued + timedelta(days=2),
                    None,
                    f"Avoir – geste commercial sur {number}",
                    -credit,
                    -credit,
                    EntryStatus.OPEN,
                    (credit_line,),
                    (number,),
                )
            continue
        credited = 0
        yield entry(EntryType.INVOICE, number, issued, due, label, gross, 0, EntryStatus.PAID, lines)
        if index in credit_note_at:
            credit_line = DocumentLine(
                f"Avoir sur {lines[0].label}", 1, lines[0].unit_net_cents // 2, VAT_STANDARD
            )
            credited = credit_line.net_cents + vat_cents(credit_line.net_cents, VAT_STANDARD)
            yield entry(
                EntryType.CREDIT_NOTE,
                numbers.take("AV", issued + timedelta(days=5)),
                issued + timedelta(days=5),
                None,
                f"Avoir sur facture {number}",
                -credited,
                0,
                EntryStatus.APPLIED,
                (credit_line,),
                (number,),
            )
        paid_on = due - timedelta(days=rng.randint(0, 12))
        means = rng.choice(("Virement reçu", "Prélèvement", "Chèque reçu", "Paiement par carte"))
        yield entry(
            EntryType.PAYMENT,
            numbers.take("RG", paid_on),
            paid_on,
            None,
            f"{means} – {number}",
            -(gross - credited),
            0,
            EntryStatus.RECEIVED,
            settles=(number,),
        )


def open_demo_dispute(
    disputes: DisputeRepository,
    accounts: AccountRepository,
    store: DocumentStore,
    agency: DemoAgency,
    creditor: Creditor,
    today: date,
    site_url: str,
) -> None:
    """One open dispute per account, on its oldest open invoice, declared as its user would."""
    if disputes.for_account(agency.agency_id, creditor):
        return
    open_invoices = [
        e
        for e in LedgerRepository().open_items(agency.agency_id, creditor)
        if e.type is EntryType.INVOICE and e.status is EntryStatus.OPEN and e.dispute_id is None
    ]
    oldest = min(open_invoices, key=lambda e: e.issued_on)
    user = AgencyUser("demo", f"contact@{agency.agency_id.lower()}.example", agency.agency_id)
    request = OpenDisputeRequest(
        (oldest.number,),
        DisputeReason.NOT_DELIVERED,
        "L'option n'apparaît pas sur nos annonces depuis le début du mois.",
        {},
    )
    moment = datetime(today.year, today.month, today.day, 9, 30, tzinfo=UTC) - timedelta(days=3)
    open_dispute(
        user,
        creditor=creditor,
        request=request,
        disputes=disputes,
        directory=accounts,
        store=AttachmentFiles(store),
        context=_Backdated(site_url, moment),
    )


@dataclass(frozen=True)
class _Backdated:
    """The demo's disputes were declared a few days before the first start."""

    site_url: str
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def load(
    writer: EntryWriter,
    accounts: AccountRepository,
    store: DocumentStore,
    today: date,
    disputes: DisputeRepository,
    site_url: str,
) -> int:
    """Writes what is missing and returns how many entries were added (0 on a second start)."""
    for creditor in Creditor:
        accounts.save_creditor(creditor_details(creditor))
    added = 0
    for seed, agency in enumerate(DEMO_AGENCIES):
        accounts.save_agency(Agency(agency.agency_id, agency.name, agency.creditors))
        for index, creditor in enumerate(agency.creditors):
            profile = profile_for(agency, creditor, index)
            accounts.add_profile_if_absent(profile)
            seller = creditor_details(creditor)
            issued: dict[str, date] = {}  # the invoices' dates, which their credit notes cite (BT-26)
            entries = list(account_entries(agency.agency_id, creditor, today, seed * 3 + index))
            for item in entries:
                issued[item.number] = item.issued_on
                key = document_key(agency.agency_id, creditor, item.entry_id) if item.has_document else None
                if writer.add_entry_if_absent(item, key):
                    added += 1
                if key and not store.exists(key):
                    view = document_view(
                        item, seller, profile, {n: issued[n] for n in item.settles if n in issued}
                    )
                    store.put_pdf(key, render_pdf(view))
                    store.put_xml(xml_key(key), view.xml)
            open_demo_dispute(disputes, accounts, store, agency, creditor, today, site_url)
            demo_lifecycles(LifecycleRepository(), agency.agency_id, creditor, entries)
    return added


def demo_lifecycles(
    lifecycle: LifecycleRepository, agency_id: str, creditor: Creditor, entries: list[LedgerEntry]
) -> None:
    """Invoices in several lifecycle states, as the creditor's platform would have told of them: paid
    ones taken in charge, then collected; open ones made available, approved, partly approved; a partly
    paid one whose payment is on its way (the disputed one is "En litige" as the portal reports it).
    Idempotent (fixed message ids)."""
    sender = f"Plateforme de {creditor.display_name}"
    latest_moment = datetime.now(UTC) - timedelta(hours=1)
    invoices = sorted((e for e in entries if e.type is EntryType.INVOICE), key=lambda e: e.issued_on)
    disputed = {e.number for e in LedgerRepository().open_items(agency_id, creditor) if e.dispute_id}
    paid = [e for e in invoices if e.status is EntryStatus.PAID]
    still_open = [e for e in invoices if e.status is EntryStatus.OPEN and e.number not in disputed]
    plan: list[tuple[LedgerEntry, int, int, str | None]] = [(e, 204, 2, None) for e in paid]
    plan += [(e, 212, 30, None) for e in paid[-3:]]
    newest_open = zip(reversed(still_open), _OPEN_STATES, strict=False)  # fewer open ones: fewer states
    plan += [(e, code, days, reason) for e, (code, days, reason) in newest_open]
    plan += [(e, 211, 20, None) for e in invoices if e.status is EntryStatus.PARTIALLY_PAID]
    for entry, code, days, reason in plan:
        moment = datetime.combine(entry.issued_on, time(10, 0), tzinfo=UTC) + timedelta(days=days)
        event = LifecycleEvent(
            number=entry.number,
            code=code,
            at=min(moment, latest_moment).replace(microsecond=0),
            message_id=f"demo-{code}",
            by=sender,
            reason=reason,
            amount_cents=entry.amount.cents if code == 212 else None,
        )
        lifecycle.record(agency_id, creditor, event)


_OPEN_STATES = (
    (203, 1, None),
    (205, 5, None),
    (206, 6, "Quantité contestée sur une ligne"),
    (204, 2, None),
)


_FRESH_NUMBERS = itertools.count(1)


def write_open_documents(
    writer: EntryWriter,
    agency_id: str,
    creditor: Creditor,
    count: int,
    amount_cents: int = 12_000,
    *,
    credit_notes: bool = False,
    year: int = 2030,
) -> list[LedgerEntry]:
    """New open invoices (or unused credit notes) written as the ERP import writes them, numbered in a year
    the demo never uses: for tests and benchmarks that pay or dispute documents of their own, so that they
    never compete for the demo accounts' few open invoices."""
    today = today_in_paris()
    kind, sign, prefix = (EntryType.CREDIT_NOTE, -1, "AV") if credit_notes else (EntryType.INVOICE, 1, "FA")
    written = []
    for _ in range(count):
        number = f"{prefix}-{year}-{next(_FRESH_NUMBERS):06d}"
        entry = LedgerEntry(
            new_id(),
            agency_id,
            creditor,
            kind,
            number,
            today,
            None if credit_notes else today + timedelta(days=30),
            f"Prestation {number}",
            Money(sign * amount_cents),
            Money(sign * amount_cents),
            EntryStatus.OPEN,
            (DocumentLine("Prestation", 1, amount_cents * 10 // 12, 2000),),
        )
        writer.upsert_document(entry, 1, document_key(agency_id, creditor, entry.entry_id))
        written.append(entry)
    return written
