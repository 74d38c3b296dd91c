"""The use cases speak to the outside through the ports they declare: no module of a feature area imports a
repository, the document store, the payment gateway, the composition root or an SDK (docs/decisions.md,
"The use-case boundary"). The adapters that live in an area's folder are the exceptions, named here."""

from __future__ import annotations

import ast
from pathlib import Path

import mesfactures

AREAS = ("account", "disputes", "imports", "lifecycle", "notifications", "payments", "statement")
ADAPTERS = {"payments/gateway.py"}  # Stripe behind the PaymentGateway port
OUTSIDE = (
    "mesfactures.persistence",
    "mesfactures.documents.store",
    "mesfactures.payments.gateway",
    "mesfactures.wiring",
    "boto3",
    "botocore",
    "pynamodb",
    "stripe",
)


def _imported(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _outside(name: str) -> bool:
    return any(name == outside or name.startswith(f"{outside}.") for outside in OUTSIDE)


def test_no_use_case_imports_an_adapter_a_repository_or_an_sdk() -> None:
    package = Path(mesfactures.__file__).parent
    modules = [path for area in AREAS for path in sorted((package / area).rglob("*.py"))]

    crossing = sorted(
        f"{path.relative_to(package).as_posix()} imports {name}"
        for path in modules
        if path.relative_to(package).as_posix() not in ADAPTERS
        for name in _imported(path.read_text())
        if _outside(name)
    )

    assert modules
    assert not crossing, crossing
