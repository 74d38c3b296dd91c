"""One row per budget: what was measured, against what baseline, the ratio, and whether the budget holds.

`python -m bench.report` writes the README's budget table again from bench/results/latest.json (a full
`make bench` does it at its end): the README's figures are always a run's own, never pasted."""

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


README = Path(__file__).resolve().parent.parent / "README.md"
LATEST = Path(__file__).resolve().parent / "results" / "latest.json"
BEGIN, END = "<!-- bench table: python -m bench.report -->", "<!-- end of bench table -->"


def readme_table(document: dict[str, Any]) -> str:
    """The README's block: when and how long the run was, and its table."""
    rows = [Row(**row) for row in document["rows"]]
    machine = document["machine"]
    misses = sum(1 for row in rows if row.verdict == "MISS")
    return (
        f"Run of {document['generated_at']} ({document['mode']}, {document['run_seconds']:.0f} s, "
        f"{machine['cpus']} cores, Python {machine['python']}): "
        + ("every budget met." if misses == 0 else f"{misses} budget(s) missed.")
        + "\n\n"
        + table(rows)
    )


def update_readme(results: Path = LATEST, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    before, found, rest = text.partition(BEGIN)
    _, ended, after = rest.partition(END)
    if not found or not ended:
        raise ValueError(f"{readme} lacks the markers {BEGIN} … {END}")
    block = readme_table(json.loads(results.read_text(encoding="utf-8")))
    readme.write_text(f"{before}{BEGIN}\n{block}\n{END}{after}", encoding="utf-8")


def main() -> None:
    """`python -m bench.report [RESULTS.json]`: the README's table from a run's results."""
    import sys

    update_readme(Path(sys.argv[1]) if len(sys.argv) > 1 else LATEST)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
