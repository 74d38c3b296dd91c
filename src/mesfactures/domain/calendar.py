"""The business's day is the day in Paris, whatever the server's clock zone (UTC on Lambda)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today_in_paris() -> date:
    return datetime.now(PARIS).date()
