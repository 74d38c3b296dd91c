"""The one-time codes of the local stack's second factor.

moto's Cognito gives every user one and the same TOTP secret, its constant `COGNITO_TOTP_MFA_SECRET`, and
checks codes against it only when its process runs with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (which
devstack/emulators.py sets). Locally, then, every user's authenticator shares that secret: a limitation of
the emulator, accepted (in AWS, Cognito makes a secret per user). The codes are RFC 6238's, as an
authenticator app computes them (SHA-1, 6 digits, 30-second steps), computed here with the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import urllib.parse

SECRET = "asdfasdfasdf"  # noqa: S105 (moto.cognitoidp.models.COGNITO_TOTP_MFA_SECRET, public)
STEP_SECONDS = 30


def code(secret: str = SECRET, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for `secret` at `at` (now by default)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_code(secret: str = SECRET, margin_seconds: float = 2.0) -> str:
    """A code that stays valid for at least `margin_seconds`: moto accepts only the current step's code, so
    one computed at the very end of a step would be refused by the time it arrives."""
    left = STEP_SECONDS - time.time() % STEP_SECONDS
    if left < margin_seconds:
        time.sleep(left + 0.05)
    return code(secret)


def otpauth_uri(account: str, secret: str = SECRET, issuer: str = "Mes Factures (local)") -> str:
    """What an authenticator app scans (as a QR code) or imports."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode({"secret": secret.upper(), "issuer": issuer}, quote_via=urllib.parse.quote)
    return f"otpauth://totp/{label}?{query}"
