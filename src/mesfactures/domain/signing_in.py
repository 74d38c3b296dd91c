"""The steps of signing in, as the identity provider answers them and as the portal holds them between
two requests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str


@dataclass(frozen=True)
class Challenge:
    """The identity provider wants more before it gives tokens: `new_password` (first sign-in) or `totp`."""

    name: str
    cognito_session: str


SignInOutcome = Tokens | Challenge


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in halfway through a challenge, kept for minutes under the SHA-256 of the browser's handle."""

    username: str
    challenge: str
    cognito_session: str | None = None
    id_token: str | None = None
    access_token: str | None = None
