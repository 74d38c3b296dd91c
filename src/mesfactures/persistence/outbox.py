"""The outbox in the ledger table: messages written inside the transactions that cause them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.attributes import JSONAttribute, ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from mesfactures.notifications.messages import MailMessage, view_from_json, view_to_json
from mesfactures.persistence import keys
from mesfactures.persistence.table import LedgerItem


class OutboxItem(LedgerItem, discriminator="outbox"):
    """A notification written with the change that causes it, delivered from the table's stream."""

    message_id = UnicodeAttribute()
    template = UnicodeAttribute()
    recipients = ListAttribute(of=UnicodeAttribute)
    reply_to = ListAttribute(of=UnicodeAttribute, null=True)
    payload = JSONAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True, attr_name="TTL")


PENDING = "pending"
SENT = "sent"
KEEP_SENT_DAYS = 90


def outbox_item(message: MailMessage, now: datetime) -> OutboxItem:
    return OutboxItem(
        keys.outbox_pk(message.message_id),
        keys.OUTBOX_SK,
        message_id=message.message_id,
        template=message.template,
        recipients=list(message.recipients),
        reply_to=list(message.reply_to) or None,
        payload=view_to_json(message.view),
        status=PENDING,
        created_at=now.isoformat(),
    )


class OutboxRepository:
    def pending(self, message_id: str) -> MailMessage | None:
        try:
            item = OutboxItem.get(keys.outbox_pk(message_id), keys.OUTBOX_SK, consistent_read=True)
        except DoesNotExist:
            return None
        if item.status != PENDING:
            return None
        return MailMessage(
            message_id=item.message_id,
            recipients=tuple(str(recipient) for recipient in item.recipients),
            view=view_from_json(item.template, item.payload),
            reply_to=tuple(str(address) for address in item.reply_to or ()),
        )

    def mark_sent(self, message_id: str) -> None:
        now = datetime.now(UTC)
        item = OutboxItem(keys.outbox_pk(message_id), keys.OUTBOX_SK)
        try:
            item.update(
                actions=[
                    OutboxItem.status.set(SENT),
                    OutboxItem.sent_at.set(now.isoformat()),
                    OutboxItem.expires_at.set(now + timedelta(days=KEEP_SENT_DAYS)),
                ],
                condition=OutboxItem.status == PENDING,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
