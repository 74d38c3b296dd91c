"""An ERP file's import as the domain sees it: its report, and where an import done in slices stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mesfactures.domain.ledger import UpsertOutcome

COUNTS = ("accepted", "inserted", "updated", "unchanged")  # what a report counts, besides its rejections


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportReport:
    file: str
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[Rejection] = field(default_factory=list)  # accepted, with something to know (a late status)
    retry_later: int = 0  # rows refused for a technical reason (AWS busy): the whole file is tried again

    @property
    def complete(self) -> bool:
        return self.retry_later == 0

    def count(self, outcome: UpsertOutcome) -> None:
        self.accepted += 1
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(Rejection(line, reason))

    def note(self, line: int, reason: str) -> None:
        self.notices.append(Rejection(line, reason))

    def add(self, other: ImportReport) -> None:
        """Adds what another slice of the same file did."""
        for name in (*COUNTS, "retry_later"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected)
        self.notices.extend(other.notices)


class Phase(StrEnum):
    """Documents first, then payments: a payment may settle an invoice that comes later in its file."""

    DOCUMENTS = "documents"
    PAYMENTS = "payments"


@dataclass(frozen=True)
class Position:
    """Where an import stands: the next row (its index among the file's rows) of a phase."""

    phase: Phase
    row: int


START = Position(Phase.DOCUMENTS, 0)


@dataclass(frozen=True)
class ImportFile:
    """A data file as S3 announced it: one version of one key is imported once."""

    key: str
    version: str  # S3's version id; where the bucket keeps no versions (local stack), the event's sequencer
    version_id: str | None = None  # to read that very version, where there is one


@dataclass(frozen=True)
class Checkpoint:
    """What the slices of a file did so far: where the next starts (None: the file is done), the counts
    of the report, and the report parts holding their rejections (in the document store)."""

    position: Position | None
    counts: dict[str, int]
    parts: tuple[str, ...]
    next_sent: bool = False  # the message of the slice at `position` was sent
