"""Delivering the outbox: each message once its change is committed, again after a failure, never twice."""

from __future__ import annotations

from typing import Protocol

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
    mailer.send(message.recipients, render_mail(message.view))
    try:
        outbox.mark_sent(message_id)
    except Exception:
        # The mail is gone: raising would have the stream deliver the record again and send it twice.
        # Left pending, it is only bookkeeping that lags; the log says which message to look at.
        _log.exception("mail sent but not marked as sent", extra={"message_id": message_id})
    return True
