"""Each function's memory size and architecture, from what `make bench` measured (bench/lambdas.py).

Memory: the peak resident memory of a fresh process that imports the app and serves a realistic mix of
requests (`VmHWM`, the interpreter included, as Lambda's "Max Memory Used" counts it), times
HEADROOM, rounded up to 64 MB, at least Lambda's 128 MB. The headroom covers what the bench's mix does
not: a long-lived instance's heap growing between collections, larger pages (200 entries) and exports,
a PDF of 30 lines drawn on first opening, and a new version of a library. `make bench` fails when a
function's size leaves less than that headroom over the peak of the run, or more than twice it.

The import (`ImportFiles`) runs in a function of its own: its peak is measured on a file of 20,000 rows
(about 2 MB), and the feed allows files of 20 MB (docs/import.md), which an import reads whole: its size
is that peak's growth over the bare function, ten times, plus the bare function, with the same headroom.

Architecture: arm64 (about 20 % less per GB-second than x86_64) since every vendored package is pure
Python or falls back to pure Python (markupsafe's and charset-normalizer's compiled speedups are left
out of the packages, infra/vendoring.py; a test checks that no compiled file is shipped).
"""

from __future__ import annotations

import math

ARCHITECTURE = "arm64"
HEADROOM = 1.5
LAMBDA_MINIMUM_MB = 128
MEASURED_ON = "2026-11-30"  # make bench of 16:26–16:33 UTC; the import's at 20:24–20:32

# Peak resident memory (MB) measured by `make bench` (bench/results/latest.json, rows "Memory").
MEASURED_PEAK_MB: dict[str, float] = {
    "statement": 66.1,
    "disputes": 48.5,
    "account": 47.8,
    "payments": 54.5,
    "notifications": 22.8,
    # 93.4 MB on 2 MB, 20.2 MB after the app's import: extrapolated to 20 MB. Eight chunks in flight
    # (issue 17) added 4 MB on 2 MB; the bulk writes' client without retries (session 6) about 9.5 MB,
    # a fixed cost that the tenfold extrapolation counts as growth: kept, the rule is the rule.
    "import": 752.8,
}


def memory_for(peak_mb: float) -> int:
    """The memory size for a measured peak: HEADROOM over it, in steps of 64 MB, at least 128 MB."""
    return max(LAMBDA_MINIMUM_MB, math.ceil(peak_mb * HEADROOM / 64) * 64)


MEMORY_MB: dict[str, int] = {function: memory_for(peak) for function, peak in MEASURED_PEAK_MB.items()}
