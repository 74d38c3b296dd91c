"""The attack suites report what they tried: cases and failures per suite, and the fuzzer's figures, printed
at the end of the run (the README quotes them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.security.descriptions import FIGURES, FuzzFigures


@dataclass
class AttackLog:
    cases: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    def record(self, suite: str, cases: int, failures: list[str]) -> None:
        self.cases[suite] += cases
        self.failures[suite] += len(failures)


_LOG = AttackLog()


@pytest.fixture(scope="session")
def attacks() -> AttackLog:
    return _LOG


@pytest.fixture(scope="session")
def fuzz_figures(request: pytest.FixtureRequest) -> FuzzFigures:
    return request.config.stash.setdefault(FIGURES, FuzzFigures())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _LOG.cases:
        terminalreporter.section("attack suites")
        for suite in sorted(_LOG.cases):
            terminalreporter.write_line(
                f"{suite:<34} {_LOG.cases[suite]:>6} cases tried {_LOG.failures[suite]:>4} failures"
            )
    figures = config.stash.get(FIGURES, None)
    if figures is None or not figures.operations:
        return
    terminalreporter.write_sep("-", "schemathesis")
    terminalreporter.write_line(
        f"fuzzed {figures.operations} operations with {figures.cases} cases: {len(figures.failures)} failures"
    )
    for failure, times in Counter(figures.failures).most_common(30):
        terminalreporter.write_line(f"  {times}× {failure}")
