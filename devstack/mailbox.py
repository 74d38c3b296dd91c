"""The e-mails the local stack has sent (kept by moto's SES), for tests and for a person:
http://127.0.0.1:8080/_dev/mail, or `python -m devstack mail`."""

from __future__ import annotations

import html
from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class SentMail:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str


def sent_mails(moto_url: str) -> list[SentMail]:
    data = requests.get(f"{moto_url}/moto-api/data.json", timeout=10).json()
    return [
        SentMail(
            message_id=message["id"],
            sender=message["source"],
            recipients=tuple(message["destinations"].get("ToAddresses", [])),
            subject=message["subject"],
            body=message["body"],
        )
        for message in data.get("ses", {}).get("Message", [])
    ]


def index_page(mails: list[SentMail]) -> str:
    rows = "".join(
        f"<li><a href='/_dev/mail/{html.escape(mail.message_id)}'>{html.escape(mail.subject)}</a>"
        f" — à {html.escape(', '.join(mail.recipients))}</li>"
        for mail in reversed(mails)
    )
    return (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>E-mails envoyés</title>"
        "<link rel='stylesheet' href='/styles.css'></head><body><main class='layout'><div>"
        f"<h1>E-mails envoyés par la pile locale ({len(mails)})</h1>"
        "<p class='hint'>Ce que SES aurait délivré depuis le dernier démarrage"
        " (moto ne garde rien d'un démarrage à l'autre).</p>"
        f"<ul>{rows}</ul></div></main></body></html>"
    )
