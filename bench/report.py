"""One row per budget: what was measured, against what baseline, the ratio, and whether the budget holds."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["pass", "MISS", "info"]


@dataclass(frozen=True)
class Row:
    section: str
    budget: str
    measured: str
    baseline: str = ""
    ratio: float | None = None
    verdict: Verdict = "info"
    details: dict[str, Any] = field(default_factory=dict)


def verdict(holds: bool) -> Verdict:
    return "pass" if holds else "MISS"


def table(rows: list[Row]) -> str:
    """A Markdown table: printed at the end of the run and pasted into the README."""
    lines = [
        "| section | budget | measured | baseline | ratio | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.section} | {row.budget} | {row.measured} | {row.baseline} | {ratio} | {row.verdict} |"
        )
    return "\n".join(lines)


def write_json(rows: list[Row], path: Path, *, quick: bool, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if quick else "full",
        "run_seconds": round(seconds, 1),
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "system": platform.platform()},
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
