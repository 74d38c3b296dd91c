"""The Stripe keys as kept in Secrets Manager: one JSON secret `{"secret_key": ..., "webhook_secret": ...}`
(README "Deploying"); the composition root fetches it on first use, never at import."""

from __future__ import annotations

import json

from mesfactures.domain.errors import ConfigurationError

FIELDS = ("secret_key", "webhook_secret")


def stripe_keys(secret_string: str) -> tuple[str, str]:
    """The secret key and the webhook signing secret; names what is missing, never shows a value."""
    try:
        document = json.loads(secret_string)
    except json.JSONDecodeError:
        raise ConfigurationError("the Stripe secret is not a JSON object") from None
    if not isinstance(document, dict):
        raise ConfigurationError("the Stripe secret is not a JSON object")
    missing = [field for field in FIELDS if not isinstance(document.get(field), str) or not document[field]]
    if missing:
        raise ConfigurationError(f"the Stripe secret lacks {', '.join(missing)}")
    return document["secret_key"], document["webhook_secret"]
