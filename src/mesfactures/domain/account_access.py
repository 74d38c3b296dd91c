"""One rule, one place: whatever a user asks about an account at a creditor, an agency without such an
account gets 404 — the answer another agency's account gets, so that neither can be told apart."""

from __future__ import annotations

from typing import Protocol

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import UnknownAccount


class KnownAccounts(Protocol):
    def has_account(self, agency_id: str, creditor: Creditor) -> bool: ...


def account_must_exist(
    accounts: KnownAccounts, agency_id: str, creditor: Creditor, *, unless_found: object = None
) -> None:
    """Raises `UnknownAccount` when the agency has no account at the creditor. A use case that already
    found something of the account (a page of entries, a dispute) passes it as `unless_found`: an account
    that has things exists, and the check then costs no read — an empty answer is only trusted after it."""
    if unless_found:
        return
    if not accounts.has_account(agency_id, creditor):
        raise UnknownAccount()
