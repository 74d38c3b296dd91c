"""The e-mails the local stack has sent (kept by moto's SES), for tests and for a person:
http://127.0.0.1:8080/_dev/mail (pages), /_dev/mail.json (data), or `python -m devstack mail`.

moto keeps the HTML body of a mail (not its text part) and no time: the stack's own senders (the SES link
the services go through, the local Cognito) stamp each mail with a postmark, its time and text part, as
they see it leave. A mail without a postmark gets a text made from its HTML.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import requests


@dataclass(frozen=True)
class Postmark:
    sent_at: datetime
    text: str | None
    reply_to: tuple[str, ...] = ()  # moto keeps no Reply-To either


class Postmarks:
    """When each mail left and its text part, by SES message id; shared by the threads that send."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[str, Postmark] = {}

    def stamp(self, message_id: str, text: str | None, reply_to: tuple[str, ...] = ()) -> None:
        with self._lock:
            self._marks[message_id] = Postmark(datetime.now(UTC), text, reply_to)

    def get(self, message_id: str) -> Postmark | None:
        with self._lock:
            return self._marks.get(message_id)


@dataclass(frozen=True)
class SentMail:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str  # the HTML, as moto keeps it
    text: str = ""
    sent_at: datetime | None = None
    reply_to: tuple[str, ...] = ()


def sent_mails(moto_url: str, postmarks: Postmarks | None = None) -> list[SentMail]:
    """Every mail sent since moto started, oldest first."""
    data = requests.get(f"{moto_url}/moto-api/data.json", timeout=10).json()
    mails = []
    for message in data.get("ses", {}).get("Message", []):
        mark = postmarks.get(message["id"]) if postmarks else None
        mails.append(
            SentMail(
                message_id=message["id"],
                sender=message["source"],
                recipients=tuple(message["destinations"].get("ToAddresses", [])),
                subject=message["subject"],
                body=message["body"],
                text=mark.text if mark and mark.text is not None else html_to_text(message["body"]),
                sent_at=mark.sent_at if mark else None,
                reply_to=mark.reply_to if mark else (),
            )
        )
    return mails


def as_json(mails: list[SentMail]) -> list[dict[str, Any]]:
    """/_dev/mail.json, oldest first; `sent_at` is null for a mail the stack did not see leave."""
    return [
        {
            "id": mail.message_id,
            "to": list(mail.recipients),
            "reply_to": list(mail.reply_to),
            "subject": mail.subject,
            "text": mail.text,
            "sent_at": mail.sent_at.isoformat().replace("+00:00", "Z") if mail.sent_at else None,
        }
        for mail in mails
    ]


# What tests read in the portal's own mails (templates/mail/invitation.* and password_reset_code.*).
_TEMPORARY_PASSWORD = re.compile(r"Mot de passe provisoire\s*:\s*(\S+)")
_RESET_CODE = re.compile(r"Votre code\s*:\s*(\d{6})\b")


def temporary_password(text: str) -> str:
    """The temporary password in the text of an invitation (`SentMail.text`, or `text` in mail.json)."""
    found = _TEMPORARY_PASSWORD.search(text)
    if found is None:
        raise ValueError("no temporary password in this mail")
    return found.group(1)


def reset_code(text: str) -> str:
    """The 6-digit code in the text of a password-reset mail."""
    found = _RESET_CODE.search(text)
    if found is None:
        raise ValueError("no reset code in this mail")
    return found.group(1)


class _Text(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "h1", "h2", "h3", "li", "tr", "table", "blockquote"})
    _HIDDEN = frozenset({"head", "style", "script", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(body: str) -> str:
    """A readable text of an HTML mail: its words, a line per block, no markup."""
    parser = _Text()
    parser.feed(body)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def index_page(mails: list[SentMail]) -> str:
    rows = "".join(
        f"<li><a href='/_dev/mail/{html.escape(mail.message_id)}'>{html.escape(mail.subject)}</a>"
        f" — à {html.escape(', '.join(mail.recipients))}"
        + (f" (répondre à {html.escape(', '.join(mail.reply_to))})" if mail.reply_to else "")
        + (f" — {html.escape(mail.sent_at.strftime('%d/%m/%Y %H:%M:%S'))} UTC" if mail.sent_at else "")
        + "</li>"
        for mail in reversed(mails)
    )
    return (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>E-mails envoyés</title>"
        "<link rel='stylesheet' href='/styles.css'></head><body><main class='layout'><div>"
        f"<h1>E-mails envoyés par la pile locale ({len(mails)})</h1>"
        "<p class='hint'>Ce que SES aurait délivré depuis le dernier démarrage"
        " (moto ne garde rien d'un démarrage à l'autre). Les mêmes en JSON :"
        " <a href='/_dev/mail.json'>/_dev/mail.json</a>.</p>"
        f"<ul>{rows}</ul></div></main></body></html>"
    )
