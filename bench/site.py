"""The site: bytes transferred on first load (budget ≤ 60 KB) in headless Chromium, and Lighthouse's
performance and accessibility scores (budget 100 each), signed in, on the loopback only."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.portal import Session
from bench.report import Row, verdict
from devstack.chromium import ARGS, CHROMIUM

LIGHTHOUSE = Path(__file__).resolve().parent / "node_modules" / ".bin" / "lighthouse"
FIRST_LOAD_BUDGET = 60 * 1024
SCORE_BUDGET = 100


def _cookie_value(session: Session) -> str:
    return session.cookie["Cookie"].partition("=")[2]


def first_load_bytes(url: str, session: Session | None) -> dict[str, Any]:
    """Everything the browser receives (headers and bodies, as encoded on the wire) until the network is
    idle, on a first visit with an empty cache; signed in when `session` is given."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
            if session is not None:
                context.add_cookies(
                    [
                        {
                            "name": "mf_session",
                            "value": _cookie_value(session),
                            "url": f"{url}/api/",
                            "secure": True,
                            "httpOnly": True,
                            "sameSite": "Strict",
                        }
                    ]
                )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            received: dict[str, float] = {}
            urls: dict[str, str] = {}
            cdp.on(
                "Network.responseReceived",
                lambda event: urls.__setitem__(event["requestId"], event["response"]["url"]),
            )
            cdp.on(
                "Network.loadingFinished",
                lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"]),
            )
            page.goto(url, wait_until="networkidle")
            page.wait_for_timeout(500)
            by_url = {urls.get(key, key): int(size) for key, size in received.items()}
        finally:
            browser.close()
    return {"bytes": sum(by_url.values()), "requests": len(by_url), "by_url": by_url}


def lighthouse(url: str, session: Session) -> dict[str, Any]:
    """Lighthouse's default (mobile, simulated throttling) run of the signed-in home page."""
    if urlsplit(url).hostname != "127.0.0.1":
        raise ValueError("Lighthouse only runs against the loopback here")
    if not LIGHTHOUSE.exists():
        return {"error": f"{LIGHTHOUSE} is missing: run `npm ci --prefix bench`"}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility",
            f"--chrome-flags={' '.join(ARGS)}",
            f"--extra-headers={json.dumps({'Cookie': session.cookie['Cookie']})}",
            "--disable-full-page-screenshot",
        ]
        environment = {**os.environ, "CHROME_PATH": CHROMIUM}
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=240, env=environment, check=False
        )
        if done.returncode != 0 or not out.exists():
            return {"error": f"lighthouse exited {done.returncode}: {done.stderr[-800:]}"}
        result = json.loads(out.read_text())
    categories = result["categories"]
    audits = result["audits"]
    failed_a11y = [
        ref["id"]
        for ref in categories["accessibility"]["auditRefs"]
        if ref.get("weight", 0) > 0 and audits.get(ref["id"], {}).get("score") not in (None, 1)
    ]
    return {
        "performance": round(categories["performance"]["score"] * 100),
        "accessibility": round(categories["accessibility"]["score"] * 100),
        "metrics_ms": {
            name: round(audits[name]["numericValue"])
            for name in (
                "first-contentful-paint",
                "largest-contentful-paint",
                "total-blocking-time",
                "speed-index",
            )
            if name in audits
        },
        "cls": audits.get("cumulative-layout-shift", {}).get("numericValue"),
        "failed_accessibility_audits": failed_a11y,
        "lighthouse_version": result.get("lighthouseVersion"),
        "form_factor": result.get("configSettings", {}).get("formFactor"),
    }


def measure(url: str, session: Session) -> list[Row]:
    signed_in = first_load_bytes(url, session)
    anonymous = first_load_bytes(url, None)
    rows = [
        Row(
            "Site",
            f"first load{label} ≤ 60 KB transferred",
            f"{load['bytes'] / 1024:.1f} KB ({load['requests']} requests)",
            "60 KB budget",
            load["bytes"] / FIRST_LOAD_BUDGET,
            verdict(load["bytes"] <= FIRST_LOAD_BUDGET),
            load,
        )
        for label, load in ((", signed in", signed_in), (", signed out", anonymous))
    ]
    scores = lighthouse(url, session)
    if "error" in scores:
        rows.append(
            Row("Site", "Lighthouse performance and accessibility = 100", "not run", "", None, "MISS", scores)
        )
        return rows
    for category in ("performance", "accessibility"):
        rows.append(
            Row(
                "Site",
                f"Lighthouse {category} = 100 (mobile, signed in)",
                str(scores[category]),
                "100 budget",
                scores[category] / SCORE_BUDGET,
                verdict(scores[category] >= SCORE_BUDGET),
                scores,
            )
        )
    return rows
