"""Who is calling, as established from a verified token: an agency user or a finance user."""

from __future__ import annotations

from dataclasses import dataclass

from mesfactures.domain.creditors import Creditor


@dataclass(frozen=True)
class AgencyUser:
    user_id: str
    email: str
    agency_id: str


@dataclass(frozen=True)
class FinanceUser:
    user_id: str
    email: str
    creditors: frozenset[Creditor]

    def handles(self, creditor: Creditor) -> bool:
        return creditor in self.creditors


Principal = AgencyUser | FinanceUser
