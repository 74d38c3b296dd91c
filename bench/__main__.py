"""`python -m bench [--quick]`: measures every budget of DESIGN.md section 5 beside its baseline, prints
the table, and writes it to bench/results/latest.json (quick runs go to bench/results/quick.json)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")

from bench import coldstart, latency, pdf, site
from bench.portal import (
    DEMO,
    DEMO_AGENCY,
    LARGE_AGENCY,
    LARGE_CREDITOR,
    OTHER,
    add_large_account,
    bench_config,
    sign_in,
)
from bench.report import Row, table, write_json
from devstack.config import ROOT

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Sizes:
    """How much each section does: the full run's sizes are the committed ones."""

    statement_repeats: int
    large_account: int
    import_rows: int
    import_times: int
    pdf_repeats: int
    load_seconds: float
    load_users: int

    @staticmethod
    def of(quick: bool) -> Sizes:
        if quick:
            return Sizes(60, 2_000, 5_000, 3, 50, 6, 50)
        return Sizes(300, 10_000, 100_000, 15, 300, 20, 50)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _subprocess_rows(module: str, *args: str, out: Path, log: Path) -> list[Row]:
    """Runs a section in an interpreter of its own; it writes its rows (one or a list) as JSON to `out`."""
    with log.open("w") as sink:
        subprocess.run(
            [sys.executable, "-m", module, *args, str(out)], check=True, cwd=ROOT, stdout=sink, stderr=sink
        )
    found: Any = json.loads(out.read_text())
    return [Row(**row) for row in (found if isinstance(found, list) else [found])]


def _stack_sections(scratch: Path, sizes: Sizes) -> list[Row]:
    """Latency, load and the site, on the benchmark's own stack (no meter between services and DynamoDB),
    served by a process of its own."""
    from devstack.config import apply_environment, aws_environment
    from mesfactures.domain.calendar import today_in_paris

    config = bench_config(scratch / "stack")
    _log(f"starting the local stack on {config.gateway_url}")
    with (scratch / "stack.log").open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", str(config.data_dir)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    rows: list[Row] = []
    try:
        if server.stdout is None or server.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the stack did not start: see {scratch / 'stack.log'}")
        apply_environment(aws_environment(config))
        _log(f"writing a year of {sizes.large_account:,} entries for {LARGE_AGENCY} / {LARGE_CREDITOR}")
        add_large_account(config.table_name, sizes.large_account, today_in_paris())
        demo, other = sign_in(config.gateway_url, DEMO), sign_in(config.gateway_url, OTHER)
        _log("statement page: gateway against the bare Query")
        rows.append(
            latency.measure(
                config, demo, DEMO_AGENCY, "POLIRIS", "demo account", times=sizes.statement_repeats
            )
        )
        rows.append(
            latency.measure(
                config,
                other,
                LARGE_AGENCY,
                LARGE_CREDITOR,
                f"account of {sizes.large_account:,} entries",
                times=sizes.statement_repeats,
            )
        )
        _log(f"load: {sizes.load_users} users for {sizes.load_seconds:.0f} s")
        rows.append(_load(config.gateway_url, sizes, scratch))
        _log("site: first load and Lighthouse")
        rows.extend(site.measure(config.gateway_url, demo))
    finally:
        server.terminate()
        server.wait(timeout=60)
    return rows


def _load(url: str, sizes: Sizes, scratch: Path) -> Row:
    out = scratch / "load.json"
    with (scratch / "load.log").open("w") as sink:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.load",
                url,
                str(sizes.load_seconds),
                str(sizes.load_users),
                str(out),
            ],
            check=True,
            cwd=ROOT,
            stdout=sink,
            stderr=sink,
        )
    result = json.loads(out.read_text())
    return Row(
        "Load",
        f"{result['users']} concurrent users browsing statements and documents, errors = 0",
        f"{result['throughput_rps']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"{result['errors']} errors",
        f"{result['requests']} requests in {result['seconds']} s",
        None,
        "pass" if result["errors"] == 0 and result["requests"] > 0 else "MISS",
        result,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK") == "1",
        help="smaller sizes, for iterating (BENCH_QUICK=1 does the same)",
    )
    parser.add_argument("--only", nargs="*", default=[], help="sections: cold, pdf, calls, stack, import")
    args = parser.parse_args()
    sizes = Sizes.of(args.quick)
    wanted = set(args.only) or {"cold", "pdf", "calls", "stack", "import"}
    started = time.monotonic()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="mesfactures-bench-") as folder:
        scratch = Path(folder)
        sections: list[tuple[str, Callable[[], list[Row]]]] = [
            (
                "cold",
                lambda: coldstart.import_times(times=sizes.import_times) + coldstart.package_rows(),
            ),
            ("pdf", lambda: pdf.measure(times=sizes.pdf_repeats)),
            ("stack", lambda: _stack_sections(scratch, sizes)),
            (
                "calls",
                lambda: _subprocess_rows(
                    "bench.calls",
                    str(scratch / "metered"),
                    out=scratch / "calls.json",
                    log=scratch / "calls.log",
                ),
            ),
            (
                "import",
                lambda: _subprocess_rows(
                    "bench.imports",
                    str(scratch / "import"),
                    str(sizes.import_rows),
                    out=scratch / "import.json",
                    log=scratch / "import.log",
                ),
            ),
        ]
        for name, section in sections:
            if name in wanted:
                _log(f"section {name}")
                rows.extend(section())
    seconds = time.monotonic() - started
    path = RESULTS / ("quick.json" if args.quick else "latest.json")
    if args.only:
        path = path.with_name(f"partial-{'-'.join(sorted(wanted))}.json")
    write_json(rows, path, quick=args.quick, seconds=seconds)
    print(table(rows))
    print(f"\n{len(rows)} rows in {seconds:.0f} s; written to {path.relative_to(ROOT)}")
    return 0 if all(row.verdict != "MISS" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
