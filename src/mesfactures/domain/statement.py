"""What a statement query asks of the ledger, and the page it gets: the terms the statement use case and the
ledger's repository share (persistence depends on the domain only); and how a document of it is opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from mesfactures.domain.ledger import LedgerEntry

# A document's link opens it in the browser or saves it, and lasts a minute: the use cases ask for one and
# say how long it lasts, the document store signs it so.
Disposition = Literal["inline", "attachment"]
URL_LIFETIME_SECONDS = 60


class Scope(StrEnum):
    OPEN = "open"  # invoices still to pay and credits still to use, whatever their age
    ALL = "all"  # every entry of a date range, the last twelve months by default


@dataclass(frozen=True)
class StatementQuery:
    scope: Scope
    date_from: date | None
    date_to: date | None
    number_prefix: str | None
    cursor: str | None
    limit: int
    number_part: str | None = None  # digits, or any part of a number after its prefix: found anywhere in it
    lifecycle: int | None = None  # only the invoices and credit notes at this lifecycle status

    @property
    def covers_every_open_item(self) -> bool:
        """True when the page is the whole open set, from which the summary can be computed for free."""
        return (
            self.scope is Scope.OPEN
            and self.number_prefix is None
            and self.number_part is None
            and self.date_from is None
            and self.date_to is None
            and self.cursor is None
            and self.lifecycle is None
        )


@dataclass(frozen=True)
class EntryPage:
    entries: tuple[LedgerEntry, ...]
    next_cursor: str | None
