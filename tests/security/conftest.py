"""Sessions of the demo users for the attack suites; the fuzzer's figures, printed at the end of the run."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.security.descriptions import FIGURES, FuzzFigures
from tests.support import DEMO, FINANCE, OTHER, Portal


@pytest.fixture(scope="session")
def fuzz_figures(request: pytest.FixtureRequest) -> FuzzFigures:
    return request.config.stash.setdefault(FIGURES, FuzzFigures())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    figures = config.stash.get(FIGURES, None)
    if figures is None or not figures.operations:
        return
    terminalreporter.write_sep("-", "schemathesis")
    terminalreporter.write_line(
        f"fuzzed {figures.operations} operations with {figures.cases} cases: {len(figures.failures)} failures"
    )
    for failure, times in Counter(figures.failures).most_common(30):
        terminalreporter.write_line(f"  {times}× {failure}")


@pytest.fixture(scope="module")
def demo(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(DEMO)


@pytest.fixture(scope="module")
def other(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(OTHER)


@pytest.fixture(scope="module")
def finance(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(FINANCE)
