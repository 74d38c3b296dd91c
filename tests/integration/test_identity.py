"""Signing in against moto's Cognito, and verifying its tokens through the pool's JWKS."""

from __future__ import annotations

import pytest

from mesfactures import wiring
from mesfactures.domain.errors import InvalidCode, InvalidCredentials, InvalidInput
from mesfactures.domain.principal import AgencyUser, FinanceUser
from mesfactures.domain.signing_in import Challenge, Tokens
from tests.support import DEMO, FINANCE, LOCAL_TOTP_SECRET, Portal, totp_code


def test_a_demo_user_signs_in_and_their_token_names_their_agency(portal: Portal) -> None:
    outcome = wiring.identity().sign_in(DEMO.email, DEMO.password)
    assert isinstance(outcome, Tokens)
    principal = wiring.token_verifier().principal(outcome.id_token)
    assert isinstance(principal, AgencyUser)
    assert principal.agency_id == "AG-1001"


def test_the_finance_user_answers_a_totp_challenge_and_is_recognised_by_their_group(portal: Portal) -> None:
    identity = wiring.identity()
    challenge = identity.sign_in(FINANCE.email, FINANCE.password)
    assert isinstance(challenge, Challenge) and challenge.name == "totp"
    with pytest.raises(InvalidCode):
        identity.complete_totp(
            FINANCE.email,
            challenge.cognito_session,
            "000000" if totp_code(LOCAL_TOTP_SECRET) != "000000" else "111111",
        )
    outcome = identity.complete_totp(FINANCE.email, challenge.cognito_session, totp_code(LOCAL_TOTP_SECRET))
    assert isinstance(outcome, Tokens)
    principal = wiring.token_verifier().principal(outcome.id_token)
    assert isinstance(principal, FinanceUser)
    assert len(principal.creditors) == 3


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (DEMO.email, "Wrong-2026!"),
        ("nobody@agence-exemple.fr", "Demo-2026!"),
        (DEMO.email, DEMO.password.lower()),
    ],
)
def test_a_wrong_identifier_or_password_is_refused_the_same_way(
    portal: Portal, username: str, password: str
) -> None:
    with pytest.raises(InvalidCredentials):
        wiring.identity().sign_in(username, password)


def test_an_empty_password_is_bad_input(portal: Portal) -> None:
    with pytest.raises(InvalidInput):
        wiring.identity().sign_in(DEMO.email, "")
