"""Static checks: bandit on our code, the site's security headers and content policy, no inline script
nor HTML built from strings in the site, API answers never cached nor sniffed."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from devstack.config import ROOT
from tests.security.conftest import AttackLog
from tests.support import Portal

WEB = ROOT / "web"
_APPS = sorted(str(app.relative_to(ROOT)) for app in ROOT.glob("services/*/app.py"))


def test_bandit_finds_no_medium_or_high_issue_in_our_code(attacks: AttackLog) -> None:
    scan = subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
        # Our code only: services/<area>/vendor/ holds the libraries vendored for the Lambda packages.
        [sys.executable, "-m", "bandit", "-q", "-r", "src", "devstack", "infra", *_APPS, "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(scan.stdout)
    serious = [
        f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
        for issue in report["results"]
        if issue["issue_severity"] in ("MEDIUM", "HIGH")
    ]
    attacks.record("static: bandit (files)", len(report["metrics"]) - 1, serious)
    assert report["errors"] == []
    assert serious == []


class _Page(HTMLParser):
    """Collects what a strict content policy would block: inline script, handlers, inline style, js: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.blocked.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}>")
            if name == "style":
                self.blocked.append(f"<{tag} style>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:>")


@pytest.mark.parametrize("page", sorted(WEB.rglob("*.html")), ids=lambda path: path.name)
def test_no_page_has_inline_script_handlers_or_styles(page: Path) -> None:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.blocked == []


def test_the_site_never_builds_html_from_strings() -> None:
    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function")
    found = [
        f"{script.name}: {sink}"
        for script in sorted(WEB.rglob("*.js"))
        for sink in sinks
        if sink in script.read_text(encoding="utf-8")
    ]
    assert found == []


@pytest.mark.parametrize("path", ["/", "/js/app.js", "/styles.css", "/no-such-page"])
def test_every_file_of_the_site_carries_the_security_headers(portal: Portal, path: str) -> None:
    answer = requests.get(portal.url + path, timeout=10)
    policy = dict(
        part.strip().split(" ", 1)
        for part in answer.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and "unsafe" not in answer.headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("account/me", True),
        ("statement/creditors/PRESSIMMO/entries", True),
        ("statement/creditors/PRESSIMMO/documents/FA-2026-999999", True),
        ("account/me", False),
    ],
)
def test_api_answers_are_never_cached_nor_sniffed(
    portal: Portal, demo: dict[str, str], path: str, signed_in: bool
) -> None:
    answer = requests.get(portal.api(path), headers=demo if signed_in else {}, timeout=10)
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Type"].startswith("application/json")


def test_the_lock_pins_exactly_what_is_installed() -> None:
    """`make audit` audits requirements.lock: it must be what runs, or the audit says nothing."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    installed = {line.strip().lower() for line in frozen.splitlines() if line.strip()}
    locked = {
        line.strip().lower()
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert installed == locked, "run `make lock` after changing pyproject.toml's dependencies"
