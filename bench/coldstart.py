"""Cold start: importing each service's app.py in a fresh interpreter beside a bare `import chalice`
(information: the budget is the whole first request's, bench/lambdas.py), and the zipped deployment
package of each function (budget < 5 MB)."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

from bench.report import Row, verdict
from devstack.config import ROOT
from mesfactures.areas import AREAS

SERVICES = AREAS
ZIP_BUDGET_BYTES = 5 * 1024 * 1024

# Timed inside the fresh interpreter, so the interpreter's own start is left out of both sides.
_TIMED = """
import importlib.util, sys, time
started = time.perf_counter()
{body}
print((time.perf_counter() - started) * 1000)
"""
_LOAD_APP = """
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
"""


def _environment() -> dict[str, str]:
    # What Lambda sets; nothing may be read from AWS at import, so no endpoint is needed.
    return {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "",
    }


def _once(body: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED.format(body=body)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_environment(),
    )
    return float(out.stdout.strip().splitlines()[-1])


def heaviest_imports(path: Path, count: int = 5) -> list[tuple[str, float]]:
    """`python -X importtime`: the top-level modules whose import costs the most (cumulative, ms)."""
    out = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            _LOAD_APP.format(path=str(path))
            .replace("\n", ";")
            .strip(";")
            .replace("spec =", "import importlib.util, sys; spec =", 1),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_environment(),
    )
    found: dict[str, float] = {}
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and len(match.group(2)) <= 1:
            found[match.group(3)] = int(match.group(1)) / 1000
    return sorted(found.items(), key=lambda pair: -pair[1])[:count]


def import_times(*, times: int) -> list[Row]:
    baseline_body = "import chalice.app"
    samples: dict[str, list[float]] = {name: [] for name in ("chalice", *SERVICES)}
    for _ in range(2):  # warm-up: bytecode compiled and cached, files in the page cache
        _once(baseline_body)
        for service in SERVICES:
            _once(_LOAD_APP.format(path=str(ROOT / "services" / service / "app.py")))
    for _ in range(times):
        samples["chalice"].append(_once(baseline_body))
        for service in SERVICES:
            samples[service].append(_once(_LOAD_APP.format(path=str(ROOT / "services" / service / "app.py"))))
    chalice = statistics.median(samples["chalice"])
    rows = []
    for service in SERVICES:
        median = statistics.median(samples[service])
        rows.append(
            Row(
                "Cold start",
                f"import services/{service}/app.py (information)",
                f"{median:.1f} ms",
                f"{chalice:.1f} ms (bare import chalice)",
                median / chalice,
                "info",
                {
                    "median_ms": round(median, 1),
                    "max_ms": round(max(samples[service]), 1),
                    "baseline_median_ms": round(chalice, 1),
                    "n": times,
                    "heaviest_imports_ms": heaviest_imports(ROOT / "services" / service / "app.py"),
                },
            )
        )
    return rows


# --- Deployment package size --------------------------------------------------------------------------


def package_sizes() -> dict[str, int]:
    """Zipped bytes of each function's package, built by infra/packaging.py as `chalice.cdk` builds it
    (vendored shared package and runtime libraries), in a process of its own (it loads each app)."""
    built = subprocess.run(
        [sys.executable, "-m", "infra.packaging"],
        cwd=ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": "eu-west-3", "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    sizes: dict[str, int] = json.loads(built.stdout)
    return sizes


def package_rows() -> list[Row]:
    return [
        Row(
            "Cold start",
            f"zipped package of {service} < 5 MB",
            f"{size / 1024 / 1024:.2f} MB",
            "5 MB budget",
            size / ZIP_BUDGET_BYTES,
            verdict(size < ZIP_BUDGET_BYTES),
            {"bytes": size, "method": "infra/packaging.py (chalice package of the vendored app)"},
        )
        for service, size in package_sizes().items()
    ]


def main() -> None:
    """`python -m bench.coldstart`: the cold-start rows alone, as JSON."""
    from dataclasses import asdict

    rows = import_times(times=5) + package_rows()
    print(json.dumps([asdict(row) for row in rows], indent=2))


if __name__ == "__main__":
    main()
