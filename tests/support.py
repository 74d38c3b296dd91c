"""What tests share besides fixtures: the running portal as a test sees it, and the demo users."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from devstack import stack as devstack
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
