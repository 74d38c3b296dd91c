"""The attack suites report what they tried: cases and failures per suite, printed at the end of the run
(the README quotes these figures)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _LOG.cases:
        return
    terminalreporter.section("attack suites")
    for suite in sorted(_LOG.cases):
        terminalreporter.write_line(
            f"{suite:<34} {_LOG.cases[suite]:>6} cases tried {_LOG.failures[suite]:>4} failures"
        )
