"""Cold start: importing each service's app.py in a fresh interpreter (budget < 100 ms) beside a bare
`import chalice`, and the zipped deployment package of each function (budget < 5 MB)."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from bench.report import Row, verdict
from devstack.config import ROOT

SERVICES = ("statement", "disputes", "account", "payments", "notifications")
IMPORT_BUDGET_MS = 100.0
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
                f"import services/{service}/app.py < 100 ms",
                f"{median:.1f} ms",
                f"{chalice:.1f} ms (bare import chalice)",
                median / chalice,
                verdict(median < IMPORT_BUDGET_MS),
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
# The lead wires `package_sizes` to infra/packaging.py (issue 7) at merge. Until then it is an ESTIMATE:
# the zip of app.py, .chalice/ and the shared package, plus the runtime dependencies of pyproject.toml
# that the Lambda runtime does not provide (boto3, botocore and theirs are provided), as installed here.

PROVIDED_BY_LAMBDA = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}


def _requirement_name(requirement: str) -> str | None:
    if "extra ==" in requirement:
        return None
    match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    return match.group(0).lower().replace("_", "-") if match else None


def runtime_distributions() -> set[str]:
    """The project's runtime dependencies and theirs, less what the Lambda runtime already has."""
    wanted: set[str] = set()
    pending = [name for name in map(_requirement_name, metadata.requires("mesfactures") or []) if name]
    while pending:
        name = pending.pop()
        if name in wanted or name in PROVIDED_BY_LAMBDA:
            continue
        wanted.add(name)
        pending.extend(n for n in map(_requirement_name, metadata.requires(name) or []) if n)
    return wanted


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and "deployments" not in path.parts:
            archive.write(path, f"{prefix}{path.relative_to(folder)}")


def estimated_zip_bytes(service: str, scratch: Path) -> int:
    target = scratch / f"{service}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        app = ROOT / "services" / service
        archive.write(app / "app.py", "app.py")
        if (app / ".chalice").is_dir():
            _add_tree(archive, app / ".chalice", ".chalice/")
        _add_tree(archive, ROOT / "src" / "mesfactures", "mesfactures/")
        for name in sorted(runtime_distributions()):
            for file in metadata.distribution(name).files or []:
                path = Path(str(file.locate()))
                if path.is_file() and "__pycache__" not in path.parts and ".." not in str(file):
                    archive.write(path, str(file))
    return target.stat().st_size


def package_sizes(scratch: Path) -> tuple[dict[str, int], str]:
    """Zipped size of each function's package, and how it was obtained (adapter for infra/packaging.py)."""
    return {service: estimated_zip_bytes(service, scratch) for service in SERVICES}, (
        "estimate: app.py + .chalice + src/mesfactures + runtime deps not in Lambda"
    )


def package_rows(scratch: Path) -> list[Row]:
    sizes, method = package_sizes(scratch)
    return [
        Row(
            "Cold start",
            f"zipped package of {service} < 5 MB",
            f"{size / 1024 / 1024:.2f} MB",
            "5 MB budget",
            size / ZIP_BUDGET_BYTES,
            verdict(size < ZIP_BUDGET_BYTES),
            {"bytes": size, "method": method, "distributions": sorted(runtime_distributions())},
        )
        for service, size in sizes.items()
    ]


def main() -> None:
    """`python -m bench.coldstart`: the cold-start rows alone, as JSON."""
    import tempfile
    from dataclasses import asdict

    with tempfile.TemporaryDirectory() as scratch:
        rows = import_times(times=5) + package_rows(Path(scratch))
    print(json.dumps([asdict(row) for row in rows], indent=2))


if __name__ == "__main__":
    main()
