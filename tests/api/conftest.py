"""Sessions of the demo users, one per module that asks for them."""

from __future__ import annotations

import pytest

from tests.support import DEMO, FINANCE, OTHER, Portal


@pytest.fixture(scope="module")
def demo(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(DEMO)


@pytest.fixture(scope="module")
def other(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(OTHER)


@pytest.fixture(scope="module")
def finance(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(FINANCE)
