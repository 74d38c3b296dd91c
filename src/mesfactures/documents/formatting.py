"""French formats for people: `1 234,56 €` and `31/12/2026`. Integers in, text out: no float anywhere."""

from __future__ import annotations

import re
from datetime import date

NBSP = "\u00a0"


def format_eur(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", NBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def format_rate(basis_points: int) -> str:
    whole, rest = divmod(basis_points, 100)
    return f"{whole}{NBSP}%" if rest == 0 else f"{whole},{rest:02d}{NBSP}%"


_AGENCY_WORD = re.compile(r"^\s*(l'|l’)?agence\s+", re.IGNORECASE)


def agency_proper_name(name: str) -> str:
    """An agency's name without the word "Agence" it often starts with: "Exemple" for "Agence Exemple"."""
    return _AGENCY_WORD.sub("", name).strip() or name.strip()


def the_agency(name: str) -> str:
    """How a sentence names an agency: "l'agence Exemple" for "Agence Exemple" (never "de Agence
    Exemple"), "l'agence Immo Durand" for "Immo Durand"."""
    return f"l'agence {agency_proper_name(name)}"
