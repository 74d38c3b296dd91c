"""The "Relevé de compte" as PDF/A: the agency's account with one creditor as the statement shows it
(its filters), with a running balance, the total due, what is overdue and the aging. Same renderer as the
invoices (`layout.py`, `pdfa.py`): embedded subset fonts, pages that flow, a table header on each page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from mesfactures.documents.formatting import format_date, format_eur
from mesfactures.documents.layout import LEFT, RIGHT, Sheet, draw, wrap
from mesfactures.documents.pdfa import Identity
from mesfactures.domain.accounts import AccountProfile, CreditorDetails
from mesfactures.domain.ledger import EntryType, LedgerEntry

TYPE_LABELS = {EntryType.INVOICE: "Facture", EntryType.CREDIT_NOTE: "Avoir", EntryType.PAYMENT: "Règlement"}
# Columns: type, number, date, due date, label (wraps), amount, remaining, running balance (right edges).
TYPE_X, NUMBER_X, DATE_X, DUE_X, LABEL_X = LEFT, 95, 162, 209, 270
LABEL_WIDTH = 108
AMOUNT_RIGHT, REMAINING_RIGHT, RUNNING_RIGHT = 432, 487, RIGHT
SIZE = 7.5


@dataclass(frozen=True)
class ReleveRow:
    kind: str
    number: str
    issued_on: str
    due_on: str
    label: str
    amount: str
    remaining: str
    running: str
    overdue: bool


@dataclass(frozen=True)
class ReleveView:
    creditor: tuple[str, ...]
    agency: tuple[str, ...]
    drawn_on: date
    selection: str
    running_label: str
    rows: tuple[ReleveRow, ...]
    listed_total: str
    total_due: str
    overdue: str
    credit_available: str
    aging: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AccountFigures:
    """The account's summary, in cents, as the statement's API gives it."""

    total_due: int
    overdue: int
    credit_available: int
    aging: tuple[int, int, int, int, int]


def releve_view(
    entries: Sequence[LedgerEntry],
    figures: AccountFigures,
    creditor: CreditorDetails,
    profile: AccountProfile,
    selection: str,
    open_only: bool,
    today: date,
) -> ReleveView:
    """Entries in date order with a running balance: of what remains due on the open items (`open_only`),
    or of the amounts of every entry listed."""
    ordered = sorted(entries, key=lambda entry: (entry.issued_on, entry.number))
    rows = []
    running = 0
    for entry in ordered:
        running += entry.balance.cents if open_only else entry.amount.cents
        rows.append(
            ReleveRow(
                kind=TYPE_LABELS[entry.type],
                number=entry.number,
                issued_on=format_date(entry.issued_on),
                due_on=format_date(entry.due_on) if entry.due_on else "",
                label=entry.label,
                amount=format_eur(entry.amount.cents),
                remaining=format_eur(entry.balance.cents),
                running=format_eur(running),
                overdue=entry.is_overdue(today),
            )
        )
    address = creditor.address
    billing = profile.billing.address
    aging_labels = ("Non échu", "1 à 30 jours", "31 à 60 jours", "61 à 90 jours", "Plus de 90 jours")
    return ReleveView(
        creditor=(
            creditor.legal_name,
            address.street,
            f"{address.postal_code} {address.city}",
            f"SIREN {creditor.siren} – TVA intracommunautaire {creditor.vat_number}",
        ),
        agency=(
            profile.legal_name,
            billing.street,
            f"{billing.postal_code} {billing.city}",
            f"Compte client {profile.account_number}",
        ),
        drawn_on=today,
        selection=selection,
        running_label="Reste dû cumulé" if open_only else "Solde cumulé",
        rows=tuple(rows),
        listed_total=format_eur(running),
        total_due=format_eur(figures.total_due),
        overdue=format_eur(figures.overdue),
        credit_available=format_eur(figures.credit_available),
        aging=tuple(zip(aging_labels, (format_eur(cents) for cents in figures.aging), strict=True)),
    )


def render_releve(view: ReleveView) -> bytes:
    identity = Identity(f"Relevé de compte du {format_date(view.drawn_on)}", view.creditor[0], view.drawn_on)
    return draw(releve_sheet(view), identity)


def releve_sheet(view: ReleveView) -> Sheet:
    sheet = Sheet()
    sheet.text(LEFT, "RELEVÉ DE COMPTE", 18, bold=True)
    sheet.text(350, f"Au {format_date(view.drawn_on)}", 10)
    sheet.down(30)
    top = sheet.y
    sheet.text(350, "Client", 8, y=top + 12)
    lowest = top
    for x, texts in ((LEFT, view.creditor), (350, view.agency)):
        y = top
        for index, text in enumerate(texts):
            for line in wrap(text, 280 if x == LEFT else RIGHT - x, 9, bold=index == 0):
                sheet.text(x, line, 9, bold=index == 0, y=y)
                y -= 11.5
        lowest = min(lowest, y)
    sheet.y = lowest - 8
    sheet.paragraph(view.selection, size=9)
    sheet.down(6)
    _summary(sheet, view)
    _table(sheet, view)
    sheet.footer(f"Relevé de compte du {format_date(view.drawn_on)}")
    return sheet


def _summary(sheet: Sheet, view: ReleveView) -> None:
    sheet.need(8 * 12 + 20)
    for label, value, bold in (
        ("Total dû", view.total_due, True),
        ("dont échu", view.overdue, False),
        ("Avoirs disponibles", view.credit_available, False),
    ):
        sheet.text(LEFT, label, 10, bold)
        sheet.right(LEFT + 230, value, 10, bold)
        sheet.down(14)
    sheet.down(4)
    sheet.text(LEFT, "Ancienneté des sommes dues", 9, bold=True)
    sheet.down(12)
    for label, value in view.aging:
        sheet.text(LEFT, label, 9)
        sheet.right(LEFT + 230, value, 9)
        sheet.down(11)
    sheet.down(10)


def _table_header(sheet: Sheet) -> None:
    sheet.band(LEFT, RIGHT - LEFT, 16)
    for x, text in ((TYPE_X, "Type"), (NUMBER_X, "N° de pièce"), (DATE_X, "Date"), (DUE_X, "Échéance")):
        sheet.text(x, text, SIZE, bold=True)
    sheet.text(LABEL_X, "Libellé", SIZE, bold=True)
    sheet.right(AMOUNT_RIGHT, "Montant", SIZE, bold=True)
    sheet.right(REMAINING_RIGHT, "Reste dû", SIZE, bold=True)
    sheet.right(RUNNING_RIGHT, "Cumul", SIZE, bold=True)
    sheet.down(18)


def _table(sheet: Sheet, view: ReleveView) -> None:
    sheet.need(60)
    _table_header(sheet)
    sheet.repeat = _table_header
    for row in view.rows:
        labels = wrap(row.label, LABEL_WIDTH, SIZE)
        sheet.need(len(labels) * 9.5 + 3)
        sheet.text(TYPE_X, row.kind, SIZE)
        sheet.text(NUMBER_X, row.number, SIZE)
        sheet.text(DATE_X, row.issued_on, SIZE)
        sheet.text(DUE_X, row.due_on + (" *" if row.overdue else ""), SIZE, bold=row.overdue)
        sheet.right(AMOUNT_RIGHT, row.amount, SIZE)
        sheet.right(REMAINING_RIGHT, row.remaining, SIZE)
        sheet.right(RUNNING_RIGHT, row.running, SIZE)
        for label in labels:
            sheet.text(LABEL_X, label, SIZE)
            sheet.down(9.5)
        sheet.down(3)
    sheet.repeat = None
    sheet.need(40)
    sheet.rule(LEFT, RIGHT, y=sheet.y + 8)
    sheet.down(6)
    sheet.text(LABEL_X, f"{view.running_label} des écritures listées", 9, bold=True)
    sheet.right(RUNNING_RIGHT, view.listed_total, 9, bold=True)
    sheet.down(16)
    if any(row.overdue for row in view.rows):
        sheet.paragraph("* Échéance dépassée.", size=7.5)
    if not view.rows:
        sheet.paragraph("Aucune écriture ne correspond à cette sélection.", size=9)
