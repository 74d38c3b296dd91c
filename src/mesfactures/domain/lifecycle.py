"""The lifecycle of an e-invoice ("statuts de cycle de vie", French e-invoicing since 2026): each invoice
or credit note has a current status and the history of the status messages (CDAR) that brought it there.

The platforms may send the messages in any order: the current status is the one of the latest message
by date (ties broken by the message's id), and every message is kept in the history, late or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput

DEPOSITED = 200
APPROVED = 205
PARTIALLY_APPROVED = 206
IN_DISPUTE = 207
REFUSED = 210
COLLECTED = 212
REJECTED = 213

# The codes of the lifecycle (XP Z12-012, the DGFiP's external specifications), with their labels as
# the statement shows them. The mandatory ones are those every platform must exchange.
LABELS: dict[int, str] = {
    200: "Déposée",
    201: "Émise par la plateforme",
    202: "Reçue par la plateforme",
    203: "Mise à disposition",
    204: "Prise en charge",
    205: "Approuvée",
    206: "Approuvée partiellement",
    207: "En litige",
    208: "Suspendue",
    209: "Complétée",
    210: "Refusée",
    211: "Paiement transmis",
    212: "Encaissée",
    213: "Rejetée",
    214: "Visée",
    220: "Annulée",
    221: "Erreur de routage",
    224: "Demande de paiement direct",
    225: "Affacturée",
    226: "Affacturée confidentiel",
    227: "Changement de compte à payer",
    228: "Non affacturée",
}
MANDATORY = frozenset({DEPOSITED, REFUSED, COLLECTED, REJECTED})
MAX_REASON = 500
PORTAL = "Mes Factures"  # the author of the statuses the portal itself reports


def is_known(code: int) -> bool:
    return code in LABELS


def label_of(code: int) -> str:
    return LABELS[code]


@dataclass(frozen=True)
class LifecycleStatus:
    """Where an invoice stands: a code, its label, since when."""

    code: int
    at: datetime

    @property
    def label(self) -> str:
        return label_of(self.code)


@dataclass(frozen=True)
class LifecycleEvent:
    """One status message about one document: a line of its history."""

    number: str
    code: int
    at: datetime  # when the status took effect (the message's date), UTC
    message_id: str  # the id of the message (for a CDAR file: its id and the position in it)
    by: str  # who sent it: the platform, the creditor, or the portal
    reason: str | None = None
    amount_cents: int | None = None  # "Encaissée": the amount received

    @property
    def label(self) -> str:
        return label_of(self.code)

    @property
    def stamp(self) -> str:
        """The order of statuses: by date, then by message id (fixed width UTC, comparable as text)."""
        return stamp_of(self.at, self.message_id)


def stamp_of(at: datetime, message_id: str) -> str:
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}#{message_id}"


def deposited(issued_on: date) -> LifecycleStatus:
    """An invoice of which no message was received yet: its platform took it on its date of issue (the
    ERP hands the ledger only invoices it issued through its platform)."""
    return LifecycleStatus(DEPOSITED, datetime.combine(issued_on, time(0, 0), tzinfo=UTC))


def latest(events: list[LifecycleEvent]) -> LifecycleEvent | None:
    """The event that sets the current status: the latest by date, ties broken by message id."""
    return max(events, key=lambda event: event.stamp, default=None)


def parse_code(raw: str | None) -> int | None:
    """The `lifecycle` filter of the statement: a known code, or None when absent."""
    if not raw:
        return None
    if not raw.isdigit() or not is_known(int(raw)):
        raise InvalidInput("Le statut de cycle de vie demandé est inconnu (un code de 200 à 228).")
    return int(raw)


class Recorded(StrEnum):
    """What a status message did: became the current status, kept in the history only (an older date
    than the current status), or nothing (received before)."""

    CURRENT = "current"
    LATE = "late"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ReportedStatus:
    """A status the portal reports to the creditor's platform (an outbound CDAR): it alone knows of a card
    payment taken, refunded, a dispute declared or resolved in the portal."""

    message_id: str
    agency_id: str
    creditor: Creditor
    number: str
    code: int
    at: datetime
    amount_cents: int | None  # "Encaissée": the amount received for this invoice
    currency: str
    reason: str | None
    cause: str  # what made the portal report it: "payment", "refund", "dispute", "dispute_resolved"

    def as_event(self) -> LifecycleEvent:
        """The line the status writes in the document's own history once it is delivered."""
        return LifecycleEvent(
            number=self.number,
            code=self.code,
            at=self.at,
            message_id=self.message_id,
            by=PORTAL,
            reason=self.reason,
            amount_cents=self.amount_cents,
        )


@dataclass(frozen=True)
class OutboundMessage:
    """A reported status and where its delivery stands (finance's view)."""

    status: ReportedStatus
    delivered: bool
    delivered_at: datetime | None
    file_key: str | None
