"""Signed-out sessions and failed sign-ins, in the ledger table (both forgotten by TTL)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from mesfactures.persistence import keys
from mesfactures.persistence.models import RateLimitItem, RevokedSessionItem

_LOGIN_ATTEMPTS = "login"


class SessionRepository:
    def revoke(self, fingerprint: str, until: datetime, now: datetime) -> None:
        RevokedSessionItem(
            keys.revoked_session_pk(fingerprint),
            keys.SESSION_SK,
            revoked_at=now.isoformat(),
            expires_at=until,
        ).save()

    def is_revoked(self, fingerprint: str) -> bool:
        # Strongly consistent: a token replayed right after its sign-out must already be refused.
        try:
            RevokedSessionItem.get(
                keys.revoked_session_pk(fingerprint), keys.SESSION_SK, consistent_read=True
            )
        except DoesNotExist:
            return False
        return True

    def take(self, subject: str, window: str, limit: int, forget_at: datetime) -> bool:
        """Counts one sign-in attempt of the identifier in the window, unless `limit` are counted already."""
        counter = RateLimitItem(keys.rate_limit_pk(subject), keys.rate_limit_sk(_LOGIN_ATTEMPTS, window))
        try:
            counter.update(
                actions=[RateLimitItem.hits.add(1), RateLimitItem.expires_at.set(forget_at)],
                condition=RateLimitItem.hits.does_not_exist() | (RateLimitItem.hits < limit),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget(self, subject: str, window: str) -> None:
        RateLimitItem(keys.rate_limit_pk(subject), keys.rate_limit_sk(_LOGIN_ATTEMPTS, window)).delete()
