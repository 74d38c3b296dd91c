"""Repeated timings and their summary: median and 95th percentile, after a warm-up that is not counted."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timings:
    """Durations in milliseconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    def summary(self) -> dict[str, float | int]:
        return {"median_ms": round(self.median, 3), "p95_ms": round(self.p95, 3), "n": len(self.samples)}


def percentile(samples: tuple[float, ...] | list[float], rank: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `rank` % of the samples at or below it."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, -(-len(ordered) * rank // 100) - 1))
    return ordered[int(index)]


def repeat(action: Callable[[], object], *, times: int, warmup: int) -> Timings:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return Timings(tuple(samples))


def interleaved(
    first: Callable[[], object], second: Callable[[], object], *, times: int, warmup: int
) -> tuple[Timings, Timings]:
    """Times two actions turn about, so that a slow moment of a shared machine falls on both alike."""
    for _ in range(warmup):
        first()
        second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(times):
        for action, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            action()
            samples.append((time.perf_counter() - started) * 1000)
    return Timings(tuple(a)), Timings(tuple(b))
