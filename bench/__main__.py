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

from bench import bill, coldstart, lambdas, latency, pdf, site
from bench.portal import (
    DEMO,
    DEMO_AGENCY,
    LARGE_AGENCY,
    LARGE_CREDITOR,
    OTHER,
    add_large_account,
    bench_config,
    open_invoices,
    sign_in,
)
from bench.report import Row, table, update_readme, write_json
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
    cold_times: int

    @staticmethod
    def of(quick: bool) -> Sizes:
        if quick:
            return Sizes(60, 2_000, 5_000, 3, 50, 6, 50, 3)
        return Sizes(300, 10_000, 100_000, 7, 300, 20, 50, 9)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _subprocess_rows(module: str, *args: str, out: Path, log: Path) -> list[Row]:
    """Runs a section in an interpreter of its own; it writes its rows (one or a list) as JSON to `out`."""
    with log.open("w") as sink:
        done = subprocess.run(
            [sys.executable, "-m", module, *args, str(out)], check=False, cwd=ROOT, stdout=sink, stderr=sink
        )
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed: {log.read_text(errors='replace')[-1200:]}")
    found: Any = json.loads(out.read_text())
    return [Row(**row) for row in (found if isinstance(found, list) else [found])]


def _stack_sections(scratch: Path, sizes: Sizes, *, lambdas_only: bool = False) -> list[Row]:
    """Latency, the functions as Lambda runs them, load and the site, on the benchmark's own stack (no
    meter between services and DynamoDB), served by a process of its own."""
    from devstack.config import apply_environment, aws_environment
    from mesfactures.domain.calendar import today_in_paris

    config = bench_config(scratch / "stack")
    # This stack's settings serve the benchmark's own calls until the section ends: the sections after it
    # start stacks of their own, which would take a Stripe key left set to mean "the real Stripe".
    saved = dict(os.environ)
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
        settings: dict[str, str] = json.loads(server.stdout.readline())
        apply_environment({**aws_environment(config), **settings})
        _log(f"writing a year of {sizes.large_account:,} entries for {LARGE_AGENCY} / {LARGE_CREDITOR}")
        add_large_account(config.table_name, sizes.large_account, today_in_paris())
        demo, other = sign_in(config.gateway_url, DEMO), sign_in(config.gateway_url, OTHER)
        accounts = (
            (demo, DEMO_AGENCY, "POLIRIS", "demo account"),
            (other, LARGE_AGENCY, LARGE_CREDITOR, f"account of {sizes.large_account:,} entries"),
        )
        _log("statement page: handler (warm, in-process) against the bare Query")
        for session, agency, creditor, label in accounts:
            caller = lambdas.Caller(session.cookie["Cookie"], agency, creditor, config.table_name, settings)
            rows.append(lambdas.warm_row(config, caller, label, times=sizes.statement_repeats))
        if not lambdas_only:
            _log("statement page: local gateway against the bare Query (information)")
            for session, agency, creditor, label in accounts:
                rows.append(
                    latency.measure(config, session, agency, creditor, label, times=sizes.statement_repeats)
                )
            _log(f"load: {sizes.load_users} users for {sizes.load_seconds:.0f} s")
            rows.append(_load(config.gateway_url, sizes, scratch))
            _log("site: first load and Lighthouse")
            rows.extend(site.measure(config.gateway_url, demo))
        _log("cold first requests and memory, in fresh processes")
        rows.extend(_lambda_sections(config, demo, settings, sizes))
    finally:
        server.terminate()
        server.wait(timeout=60)
        os.environ.clear()
        os.environ.update(saved)
    return rows


def _lambda_sections(config: Any, demo: Any, settings: dict[str, str], sizes: Sizes) -> list[Row]:
    from bench.imports import CREDITOR as IMPORT_CREDITOR
    from bench.imports import erp_file
    from mesfactures.domain.calendar import today_in_paris

    creditor = "POLIRIS"
    caller = lambdas.Caller(demo.cookie["Cookie"], DEMO_AGENCY, creditor, config.table_name, settings)
    page = demo.get(f"statement/creditors/{creditor}/entries", scope="all", limit="50").json()["entries"]
    numbers = [entry["number"] for entry in page if entry["has_document"]]

    def fresh_invoices() -> list[str]:
        return open_invoices(DEMO_AGENCY, creditor, 2)

    cases = lambdas.scenarios(caller, numbers[0], fresh_invoices)
    rows = lambdas.cold_rows(caller, cases, times=sizes.cold_times)
    key, large = lambdas.daily_file_key(IMPORT_CREDITOR), lambdas.daily_file_key(IMPORT_CREDITOR)
    today = today_in_paris()
    lambdas.write_import_files(
        settings["DOCUMENT_BUCKET"],
        {
            key: erp_file(200, today),
            large: erp_file(lambdas.IMPORT_FILE_ROWS, today).replace(b";FA-2040-", b";FA-2041-"),
        },
    )
    paid = [
        demo.post(f"payments/creditors/{creditor}/checkout", {"invoice_numbers": fresh_invoices()}).json()
        for _ in range(4)
    ]
    webhooks = [
        lambdas.signed_webhook(payment, DEMO_AGENCY, creditor, settings["STRIPE_WEBHOOK_SECRET"])
        for payment in paid[1:]
    ]
    mixes = lambdas.mixes(caller, numbers[1:6], fresh_invoices, key, large, paid[0]["payment_id"], webhooks)
    memory, _measured = lambdas.memory_rows(mixes, settings)
    return rows + memory


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
    from devstack.gateway import gateway_processes

    result = {**json.loads(out.read_text()), "gateway_processes": gateway_processes()}
    return Row(
        "Load",
        f"{result['users']} concurrent users browsing statements and documents (reading "
        f"{result['think_seconds'][0]}–{result['think_seconds'][1]} s between clicks), local gateway of "
        f"{result['gateway_processes']} processes: p95 ≤ 200 ms, errors = 0 (information)",
        f"{result['throughput_rps']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"{result['errors']} errors",
        f"{result['requests']} requests in {result['seconds']} s",
        None,
        "info",
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
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="sections: cold, pdf, calls, stack, import (lambdas: the stack's functions alone)",
    )
    args = parser.parse_args()
    sizes = Sizes.of(args.quick)
    wanted = set(args.only) or {"cold", "pdf", "calls", "stack", "import"}
    if "lambdas" in wanted and "stack" in wanted:
        wanted.discard("lambdas")
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
            # The functions alone (warm, cold, memory) on the stack: for iterating on them.
            ("lambdas", lambda: _stack_sections(scratch, sizes, lambdas_only=True)),
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
                try:
                    rows.extend(section())
                except Exception as error:  # the other sections' figures are still written
                    _log(f"section {name} failed: {error!r}")
                    rows.append(
                        Row(name, "the section ran to its end", f"failed: {error!r}"[:300], "", None, "MISS")
                    )
    rows.extend(bill.from_rows(rows))
    seconds = time.monotonic() - started
    path = RESULTS / ("quick.json" if args.quick else "latest.json")
    if args.only:
        path = path.with_name(f"partial-{'-'.join(sorted(wanted))}.json")
    write_json(rows, path, quick=args.quick, seconds=seconds)
    if path == RESULTS / "latest.json":
        update_readme(path)  # the README's table is this run's
    print(table(rows))
    print(f"\n{len(rows)} rows in {seconds:.0f} s; written to {path.relative_to(ROOT)}")
    return 0 if all(row.verdict != "MISS" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
