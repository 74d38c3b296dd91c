"""Sending e-mail through SES; a refusal or an outage is raised, so that the outbox tries again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mesfactures.notifications.rendering import RenderedMail

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient


class SesMailer:
    def __init__(self, client: Callable[[], SESClient], sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, recipients: tuple[str, ...], mail: RenderedMail) -> None:
        self._client().send_email(
            Source=self._sender,
            Destination={"ToAddresses": list(recipients)},
            ReplyToAddresses=list(mail.reply_to),
            Message={
                "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                "Body": {
                    "Html": {"Data": mail.html, "Charset": "UTF-8"},
                    "Text": {"Data": mail.text, "Charset": "UTF-8"},
                },
            },
        )
