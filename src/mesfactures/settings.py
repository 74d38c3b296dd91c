"""The deployment's settings: one frozen object, read from the environment once, validated there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mesfactures.domain.errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    region: str
    table_name: str
    bucket_name: str
    user_pool_id: str
    user_pool_client_id: str
    cognito_issuer: str
    cognito_jwks_url: str
    session_max_age_seconds: int
    mail_sender: str
    site_url: str
    stripe_secret_key: str
    stripe_webhook_secret: str
    stripe_api_base: str | None
    # In AWS the Stripe keys live in Secrets Manager (a JSON secret named here), fetched on first payment.
    stripe_secret_id: str | None = None
    # An emulator's S3 endpoint (the local stack); None in AWS (documents/origin.py).
    s3_endpoint: str | None = None
    # The queue S3 announces import files on, and the slices of a long import hand on through.
    import_queue: str = "mesfactures-imports"


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"the environment variable {name} is not set")
    return value


def settings_from(env: Mapping[str, str] = os.environ) -> Settings:
    """Reads and validates the settings; called by the composition root on first use, never at import."""
    region = _required(env, "AWS_DEFAULT_REGION")
    pool_id = _required(env, "COGNITO_USER_POOL_ID")
    issuer = env.get("COGNITO_ISSUER") or f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    max_age = int(env.get("SESSION_MAX_AGE_SECONDS", "3600"))
    if not 60 <= max_age <= 86_400:
        raise ConfigurationError("SESSION_MAX_AGE_SECONDS must lie between 60 and 86400")
    return Settings(
        region=region,
        table_name=_required(env, "LEDGER_TABLE"),
        bucket_name=_required(env, "DOCUMENT_BUCKET"),
        user_pool_id=pool_id,
        user_pool_client_id=_required(env, "COGNITO_CLIENT_ID"),
        cognito_issuer=issuer,
        cognito_jwks_url=env.get("COGNITO_JWKS_URL") or f"{issuer}/.well-known/jwks.json",
        session_max_age_seconds=max_age,
        mail_sender=env.get("MAIL_SENDER", "no-reply@mesfactures.example"),
        site_url=env.get("SITE_URL", "http://127.0.0.1:8080").rstrip("/"),
        # Only the payments function needs them; it refuses to start a payment without them.
        stripe_secret_key=env.get("STRIPE_SECRET_KEY", ""),
        stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET", ""),
        stripe_api_base=env.get("STRIPE_API_BASE") or None,
        stripe_secret_id=env.get("STRIPE_SECRET_ID") or None,
        s3_endpoint=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
        import_queue=env.get("IMPORT_QUEUE") or "mesfactures-imports",
    )
