"""The three companies that bill the agencies."""

from __future__ import annotations

from enum import StrEnum

from mesfactures.domain.errors import NotFound


class Creditor(StrEnum):
    PRESSIMMO = "PRESSIMMO"
    BELLES_DEMEURES = "BELLES_DEMEURES"
    POLIRIS = "POLIRIS"

    @property
    def display_name(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def parse(cls, code: str) -> Creditor:
        """A creditor from a path parameter; an unknown code is answered like any unknown resource."""
        try:
            return cls(code)
        except ValueError:
            raise NotFound("Créancier inconnu.") from None
