"""What tests share besides fixtures: the running portal as a test sees it, and the demo users."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from devstack import stack as devstack
from devstack.mailbox import SentMail, sent_mails
from devstack.provisioning import DEMO_USERS, DemoUser

DEMO, OTHER, FINANCE = DEMO_USERS


@dataclass(frozen=True)
class Portal:
    """The running local stack, seen from a test: its address and a way to sign in."""

    url: str
    running: devstack.RunningStack

    def api(self, path: str) -> str:
        return f"{self.url}/api/{path}"

    def session_cookie(self, user: DemoUser) -> dict[str, str]:
        answer = requests.post(
            self.api("account/session"), json={"username": user.email, "password": user.password}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        name, _, value = answer.headers["Set-Cookie"].split(";")[0].partition("=")
        return {"Cookie": f"{name}={value}"}


def mails_to(portal: Portal, recipient: str, subject_part: str, timeout: float = 20) -> list[SentMail]:
    """The mails sent to `recipient` whose subject contains `subject_part`, once at least one is there."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            mail
            for mail in sent_mails(portal.running.config.moto_url)
            if recipient in mail.recipients and subject_part in mail.subject
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
