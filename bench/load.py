"""Under load: 50 concurrent users browsing statements and documents through the gateway, for a bounded
time, on the loopback only. Reports throughput, latency percentiles and errors (which must be 0).

Each user reads what they asked for before the next click, as a person does (THINK_SECONDS, drawn per
click): 50 people at once, not 50 robots. Without it the figure measured only the machine's saturation
(each latency then equals users ÷ throughput), which says nothing of how a demo feels. For the same reason
they arrive over the first seconds (one think time at most), not all in the same millisecond.

Runs in a process of its own (`python -m bench.load URL SECONDS USERS OUT.json`), so that the load
generator does not share an interpreter lock with the gateway it measures.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.portal import DEMO, OTHER, Session, sign_in
from bench.timing import percentile

PAGES: tuple[dict[str, str], ...] = (
    {"scope": "all", "limit": "50"},
    {},
    {"scope": "all", "limit": "20"},
)
THINK_SECONDS = (0.5, 2.5)
CREDITORS = {
    DEMO.agency_id: ("PRESSIMMO", "BELLES_DEMEURES", "POLIRIS"),
    OTHER.agency_id: ("PRESSIMMO", "POLIRIS"),
}


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    timeline: list[tuple[float, str, float]] = field(default_factory=list)  # (ends at, kind, ms)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, started: float, status: int, what: str) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies_ms.append(elapsed)
            self.by_kind.setdefault(what.split()[0], []).append(elapsed)
            self.timeline.append((time.perf_counter(), what.split()[0], elapsed))
            if status != 200:
                self.errors.append(f"{what}: {status}")


def _browse(session: Session, agency_id: str, seed: int, until: float, tally: Tally) -> None:
    draw = random.Random(seed)  # noqa: S311 (a browsing pattern, not a secret)
    time.sleep(draw.uniform(0, THINK_SECONDS[1]))  # people arrive over a few seconds, not in one instant
    while time.monotonic() < until:
        creditor = draw.choice(CREDITORS[agency_id])
        started = time.perf_counter()
        try:
            answer = session.get(f"statement/creditors/{creditor}/entries", **draw.choice(PAGES))
        except OSError as error:
            tally.add(started, 0, f"statement {error}")
            continue
        tally.add(started, answer.status_code, "statement")
        time.sleep(draw.uniform(*THINK_SECONDS))
        documents = (
            [e["number"] for e in answer.json().get("entries", []) if e["has_document"]] if answer.ok else []
        )
        if documents and time.monotonic() < until:
            started = time.perf_counter()
            try:
                link = session.get(f"statement/creditors/{creditor}/documents/{draw.choice(documents)}")
            except OSError as error:
                tally.add(started, 0, f"document {error}")
                continue
            tally.add(started, link.status_code, "document")
            time.sleep(draw.uniform(*THINK_SECONDS))


def run(url: str, seconds: float, users: int) -> dict[str, object]:
    if urlsplit(url).hostname != "127.0.0.1":
        raise ValueError("the load generator only targets the loopback")
    people = [DEMO if index % 2 == 0 else OTHER for index in range(users)]
    sessions = [sign_in(url, person) for person in people]  # each user signs in once
    tally = Tally()
    until = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=_browse, args=(session, person.agency_id or "", index, until, tally), daemon=True
        )
        for index, (session, person) in enumerate(zip(sessions, people, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    latencies = tally.latencies_ms
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "errors": len(tally.errors),
        "think_seconds": list(THINK_SECONDS),
        "first_errors": tally.errors[:5],
        "p95_by_kind_ms": {kind: round(percentile(values, 95), 1) for kind, values in tally.by_kind.items()},
        "slowest": [
            {"kind": kind, "ended_at_s": round(ended - started, 2), "ms": round(ms, 1)}
            for ended, kind, ms in sorted(tally.timeline, key=lambda item: -item[2])[:12]
        ],
    }


def main() -> None:
    url, seconds, users, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    out.write_text(json.dumps(run(url, seconds, users)))


if __name__ == "__main__":
    main()
