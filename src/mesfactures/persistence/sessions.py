"""Signed-out sessions and failed sign-ins, in the ledger table (both forgotten by TTL)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from mesfactures.persistence import keys
from mesfactures.persistence.models import RateLimitItem, RevokedSessionItem

_LOGIN_FAILURES = "login"


class SessionRepository:
    def revoke(self, fingerprint: str, until_epoch: int, now: datetime) -> None:
        RevokedSessionItem(
            keys.revoked_session_pk(fingerprint),
            keys.SESSION_SK,
            revoked_at=now.isoformat(),
            expires_at=until_epoch,
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

    def failed_sign_ins(self, subject: str, window: str) -> int:
        try:
            item = RateLimitItem.get(
                keys.rate_limit_pk(subject), keys.rate_limit_sk(_LOGIN_FAILURES, window), consistent_read=True
            )
        except DoesNotExist:
            return 0
        return int(item.hits)

    def count_failed_sign_in(self, subject: str, window: str, forget_at_epoch: int) -> None:
        counter = RateLimitItem(keys.rate_limit_pk(subject), keys.rate_limit_sk(_LOGIN_FAILURES, window))
        counter.update(actions=[RateLimitItem.hits.add(1), RateLimitItem.expires_at.set(forget_at_epoch)])

    def forget_failed_sign_ins(self, subject: str, window: str) -> None:
        RateLimitItem(keys.rate_limit_pk(subject), keys.rate_limit_sk(_LOGIN_FAILURES, window)).delete()
