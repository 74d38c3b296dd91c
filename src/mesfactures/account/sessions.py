"""Signing in and describing who is signed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.principal import AgencyUser, FinanceUser, Principal

if TYPE_CHECKING:  # the adapters (boto3, pynamodb) load on first use, not with the app (cold start)
    from mesfactures.auth.identity import CognitoIdentity
    from mesfactures.auth.tokens import TokenVerifier
    from mesfactures.persistence.accounts import AccountRepository


@dataclass(frozen=True)
class SignedIn:
    token: str
    principal: Principal


@dataclass(frozen=True)
class Me:
    email: str
    role: str
    agency_id: str | None
    agency_name: str | None
    creditors: tuple[Creditor, ...]


def sign_in(identity: CognitoIdentity, verifier: TokenVerifier, username: str, password: str) -> SignedIn:
    token = identity.sign_in(username.strip(), password)
    return SignedIn(token=token, principal=verifier.principal(token))


def who_is(principal: Principal, accounts: AccountRepository) -> Me:
    if isinstance(principal, FinanceUser):
        handled = tuple(creditor for creditor in Creditor if principal.handles(creditor))
        return Me(principal.email, "finance", None, None, handled)
    assert isinstance(principal, AgencyUser)  # noqa: S101 (Principal is a closed union)
    agency = accounts.agency(principal.agency_id)
    return Me(principal.email, "agency", agency.agency_id, agency.name, agency.creditors)
