"""The one port for what every use case reads from its surroundings: the time, and where the site lives
(links in e-mails, Stripe's return pages). Routes no longer pass `now` and `site_url` along."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Context(Protocol):
    @property
    def site_url(self) -> str: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class SystemContext:
    """The deployment's: the wall clock in UTC, the site address from the settings."""

    site_url: str

    def now(self) -> datetime:
        return datetime.now(UTC)
