"""Delivering the outbox: each message once its change is committed, again after a failure, never twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypedDict

from mesfactures.notifications.messages import MailMessage
from mesfactures.notifications.rendering import RenderedMail, render_mail
from mesfactures.observability import logger

_log = logger(__name__)


class Outbox(Protocol):
    def pending(self, message_id: str) -> MailMessage | None: ...

    def mark_sent(self, message_id: str) -> None: ...


class Mailer(Protocol):
    def send(self, recipients: tuple[str, ...], mail: RenderedMail) -> None: ...


def deliver(outbox: Outbox, mailer: Mailer, message_id: str) -> bool:
    """Sends a pending message and marks it sent; a message already sent is skipped (stream replays).
    A failed send raises: the stream delivers the record again, and the message is still pending."""
    message = outbox.pending(message_id)
    if message is None:
        return False
    mailer.send(message.recipients, replace(render_mail(message.view), reply_to=message.reply_to))
    try:
        outbox.mark_sent(message_id)
    except Exception:
        # The mail is gone: raising would have the stream deliver the record again and send it twice.
        # Left pending, it is only bookkeeping that lags; the log says which message to look at.
        _log.exception("mail sent but not marked as sent", extra={"message_id": message_id})
    return True


@dataclass(frozen=True)
class OutboxRecord:
    """One new outbox message as the table's stream hands it: the record's sequence number and the
    message it announces."""

    sequence_number: str
    message_id: str


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchAnswer(TypedDict):
    """What Lambda's event source mapping reads back when it reports batch item failures."""

    batchItemFailures: list[BatchItemFailure]


def deliver_stream_batch(outbox: Outbox, mailer: Mailer, records: Sequence[OutboxRecord]) -> BatchAnswer:
    """Delivers the records in the stream's order and stops at the first that fails: the answer names it,
    so the stream hands back that record and those after it, not the whole batch. Raising instead would
    bring back the mails already sent before it, and one whose "sent" mark failed would go out again."""
    for record in records:
        try:
            if deliver(outbox, mailer, record.message_id):
                _log.info("mail sent", extra={"message_id": record.message_id})
        except Exception:
            _log.exception("mail not sent: the stream will deliver it again", extra=record.__dict__)
            return {"batchItemFailures": [{"itemIdentifier": record.sequence_number}]}
    return {"batchItemFailures": []}
