"""Debian's Chromium, headless, as the browser tests and the benchmark drive it (Playwright's own browser
download cannot run here), kept off the network: no background traffic, no updates, no QUIC."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
