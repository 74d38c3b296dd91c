"""The OpenAPI descriptions the services publish, and the fuzzer's figures, for the attack suites."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mesfactures.areas import API_AREAS

ROOT = Path(__file__).resolve().parents[2]
AREAS = API_AREAS


def description_path(area: str) -> Path:
    return ROOT / "services" / area / "openapi.json"


def description(area: str) -> dict[str, Any]:
    """The OpenAPI description of one service (services/<area>/openapi.json)."""
    loaded: dict[str, Any] = json.loads(description_path(area).read_text(encoding="utf-8"))
    return loaded


@dataclass
class FuzzFigures:
    """What schemathesis did: operations fuzzed, cases sent, and each failure it found."""

    operations: int = 0
    cases: int = 0
    failures: list[str] = field(default_factory=list)


FIGURES = pytest.StashKey[FuzzFigures]()
