"""État de compte: what an agency owes a creditor, entry by entry, with its balance and its aging."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from mesfactures.domain.account_access import account_must_exist
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput
from mesfactures.domain.ledger import EntryType, LedgerEntry
from mesfactures.domain.lifecycle import parse_code
from mesfactures.domain.money import Money
from mesfactures.domain.statement import EntryPage, Scope, StatementQuery

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
HISTORY_DAYS = 365
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
_NUMBER_PREFIX = re.compile(
    r"^[A-Z]{1,4}(-[0-9]{0,4}(-[0-9A-Z]{0,10})?)?$"
)  # FA-2026-000123, CB-2026-7KQ2M9XA
# What follows a number's prefix, or any part of it: "000168" (the digits read on paper), "2026-0001", "168".
_NUMBER_PART = re.compile(r"^[0-9-][0-9A-Z-]{0,19}$")


@dataclass(frozen=True)
class Aging:
    not_due: Money
    days_1_30: Money
    days_31_60: Money
    days_61_90: Money
    over_90: Money


@dataclass(frozen=True)
class Summary:
    total_due: Money
    overdue: Money
    credit_available: Money
    open_invoices: int
    aging: Aging


@dataclass(frozen=True)
class StatementPage:
    entries: tuple[LedgerEntry, ...]
    next_cursor: str | None
    summary: Summary | None


class Ledger(Protocol):
    def page(self, agency_id: str, creditor: Creditor, query: StatementQuery) -> EntryPage: ...

    def open_items(self, agency_id: str, creditor: Creditor) -> tuple[LedgerEntry, ...]: ...

    def has_account(self, agency_id: str, creditor: Creditor) -> bool: ...


_DATE_NAMES = {"from": "date de début", "to": "date de fin"}


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"La {_DATE_NAMES[name]} doit être au format AAAA-MM-JJ.") from None
    if not EARLIEST <= day <= LATEST:  # a year 1 or 9999 would overflow the default range's arithmetic
        raise InvalidInput(f"La {_DATE_NAMES[name]} doit être comprise entre 2000 et 2099.")
    return day


def statement_query(params: Mapping[str, str], today: date) -> StatementQuery:
    """Reads the statement's query string; anything out of bounds is a clear 400."""
    try:
        scope = Scope(params.get("scope") or Scope.OPEN)
    except ValueError:
        raise InvalidInput("La vue demandée doit être « open » ou « all ».") from None
    date_from, date_to = _date(params, "from"), _date(params, "to")
    if scope is Scope.ALL:
        date_to = date_to or today
        date_from = date_from or date_to - timedelta(days=HISTORY_DAYS)
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("La date de début doit précéder la date de fin.")
    number, part = _number_search(params.get("number") or "")
    try:
        limit = int(params.get("limit") or DEFAULT_PAGE_SIZE)
    except ValueError:
        raise InvalidInput("Le nombre de lignes par page doit être un entier.") from None
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"Le nombre de lignes par page va de 1 à {MAX_PAGE_SIZE}.")
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > 512:
        raise InvalidInput("Le curseur de pagination est invalide.")
    return StatementQuery(
        scope,
        date_from,
        date_to,
        number,
        cursor,
        limit,
        number_part=part,
        lifecycle=parse_code(params.get("lifecycle")),
    )


def _number_search(text: str) -> tuple[str | None, str | None]:
    """The number searched, in capitals: a beginning with its prefix ("FA-2026-0001", one key range), or
    the digits people read on paper and any part after the prefix ("000168" finds AV-2026-000168)."""
    number = text.strip().upper()
    if not number:
        return None, None
    if _NUMBER_PREFIX.match(number):
        return number, None
    if _NUMBER_PART.match(number):
        return None, number
    raise InvalidInput(
        "Un numéro de pièce ressemble à FA-2026-000123 : tapez-le, son début, ou ses chiffres (000123)."
    )


def summarize(open_entries: Sequence[LedgerEntry], today: date) -> Summary:
    """Total due, overdue and aging by days past due, from the open items only."""
    buckets = [0, 0, 0, 0, 0]
    total = overdue = credit = count = 0
    for entry in open_entries:
        if entry.type is EntryType.CREDIT_NOTE:
            credit -= entry.balance.cents
            continue
        if entry.type is not EntryType.INVOICE or entry.balance.cents <= 0:
            continue
        count += 1
        total += entry.balance.cents
        late = (today - entry.due_on).days if entry.due_on else 0
        if late > 0:
            overdue += entry.balance.cents
        buckets[0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4] += (
            entry.balance.cents
        )
    return Summary(
        total_due=Money(total),
        overdue=Money(overdue),
        credit_available=Money(credit),
        open_invoices=count,
        aging=Aging(*(Money(cents) for cents in buckets)),
    )


def statement_for(
    ledger: Ledger, agency_id: str, creditor: Creditor, query: StatementQuery, today: date
) -> StatementPage:
    """One page of the statement: one Query; the summary comes with it when the page is the open set."""
    page = ledger.page(agency_id, creditor, query)
    account_must_exist(ledger, agency_id, creditor, unless_found=page.entries or query.cursor)
    summary = None
    if query.covers_every_open_item and page.next_cursor is None:
        summary = summarize(page.entries, today)
    return StatementPage(page.entries, page.next_cursor, summary)


def summary_for(ledger: Ledger, agency_id: str, creditor: Creditor, today: date) -> Summary:
    items = ledger.open_items(agency_id, creditor)
    account_must_exist(ledger, agency_id, creditor, unless_found=items)
    return summarize(items, today)
