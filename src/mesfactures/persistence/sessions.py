"""Sessions in the ledger table: signed-out tokens, failed sign-ins, sign-ins halfway through a challenge
(all forgotten by TTL), and the one read every authenticated request makes."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from mesfactures.domain.signing_in import PendingSignIn
from mesfactures.domain.team import Member
from mesfactures.persistence import keys
from mesfactures.persistence.table import LedgerItem
from mesfactures.persistence.team import MemberItem, member_from_item


class PendingSignInItem(LedgerItem, discriminator="pending_sign_in"):
    """A sign-in halfway through a challenge, by the SHA-256 of the handle the browser holds: Cognito's
    session (and, for a TOTP set-up, the tokens it already gave) for five minutes. Never a password or a
    code."""

    username = UnicodeAttribute()
    challenge = UnicodeAttribute()
    cognito_session = UnicodeAttribute(null=True)
    id_token = UnicodeAttribute(null=True)
    access_token = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(attr_name="TTL")


class RateLimitItem(LedgerItem, discriminator="rate_limit"):
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True, attr_name="TTL")


class SignedOutEverywhereItem(LedgerItem, discriminator="signed_out_everywhere"):
    """A person without a member item (finance) who signed out of every device: tokens issued until then
    are refused."""

    signed_out_before = NumberAttribute()


class RevokedSessionItem(LedgerItem, discriminator="revoked_session"):
    """A token signed out before its expiry: refused until then, forgotten after (TTL)."""

    revoked_at = UnicodeAttribute()
    expires_at = TTLAttribute(attr_name="TTL")


_LOGIN_ATTEMPTS = "login"


class SessionRepository:
    def revoke(self, fingerprint: str, until: datetime, now: datetime) -> None:
        RevokedSessionItem(
            keys.revoked_session_pk(fingerprint),
            keys.SESSION_SK,
            revoked_at=now.isoformat(),
            expires_at=until,
        ).save()

    def revoked_and_member(
        self, fingerprint: str, agency_id: str, user_id: str
    ) -> tuple[bool, Member | None]:
        """Whether the token was signed out, and the member it belongs to: one consistent BatchGetItem, so
        an agency user's request costs the same one read as before there were teams."""
        wanted = [
            (keys.revoked_session_pk(fingerprint), keys.SESSION_SK),
            (keys.agency_pk(agency_id), keys.member_sk(user_id)),
        ]
        revoked, member = False, None
        for item in LedgerItem.batch_get(wanted, consistent_read=True):
            if isinstance(item, RevokedSessionItem):
                revoked = True
            elif isinstance(item, MemberItem):
                member = member_from_item(item)
        return revoked, member

    def revoked_and_cutoff(self, fingerprint: str, user_id: str) -> tuple[bool, int | None]:
        """For a person without a member item (finance): whether the token was signed out, and before when
        every token of theirs is refused — one consistent BatchGetItem."""
        wanted = [
            (keys.revoked_session_pk(fingerprint), keys.SESSION_SK),
            (keys.signed_out_everywhere_pk(user_id), keys.SESSION_SK),
        ]
        revoked, cutoff = False, None
        for item in LedgerItem.batch_get(wanted, consistent_read=True):
            if isinstance(item, RevokedSessionItem):
                revoked = True
            elif isinstance(item, SignedOutEverywhereItem):
                cutoff = int(item.signed_out_before)
        return revoked, cutoff

    def sign_out_user(self, user_id: str, before_epoch: int) -> None:
        SignedOutEverywhereItem(
            keys.signed_out_everywhere_pk(user_id), keys.SESSION_SK, signed_out_before=before_epoch
        ).save()

    def take(
        self, subject: str, window: str, limit: int, forget_at: datetime, action: str = _LOGIN_ATTEMPTS
    ) -> bool:
        """Counts one attempt of the identifier in the window, unless `limit` are counted already."""
        counter = RateLimitItem(keys.rate_limit_pk(subject), keys.rate_limit_sk(action, window))
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

    def hold(self, fingerprint: str, pending: PendingSignIn, until: datetime) -> None:
        PendingSignInItem(
            keys.pending_sign_in_pk(fingerprint),
            keys.PENDING_SIGN_IN_SK,
            username=pending.username,
            challenge=pending.challenge,
            cognito_session=pending.cognito_session,
            id_token=pending.id_token,
            access_token=pending.access_token,
            expires_at=until,
        ).save()

    def held(self, fingerprint: str, now: datetime) -> PendingSignIn | None:
        try:
            item = PendingSignInItem.get(
                keys.pending_sign_in_pk(fingerprint), keys.PENDING_SIGN_IN_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        if item.expires_at < now:  # TTL deletes within days, not at the second
            return None
        return PendingSignIn(
            username=item.username,
            challenge=item.challenge,
            cognito_session=item.cognito_session,
            id_token=item.id_token,
            access_token=item.access_token,
        )

    def release(self, fingerprint: str) -> bool:
        """Ends a held sign-in; False when another request ended it first (a handle is used once)."""
        item = PendingSignInItem(keys.pending_sign_in_pk(fingerprint), keys.PENDING_SIGN_IN_SK)
        try:
            item.delete(condition=PendingSignInItem.sk.exists())
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
