"""What is vendored into the functions' packages, and what is left out on purpose."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import stripe

from infra.vendoring import PURE_FALLBACKS, TYPING_ONLY, is_compiled, runtime_distributions

STRIPE = Path(str(stripe.__file__)).parent


def _runtime_imports(path: Path) -> set[str]:
    """Modules a file imports outside `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for branch in child.orelse:
                    visit(branch)
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                found.add(child.module)
                found.update(f"{child.module}.{alias.name}" for alias in child.names)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_the_left_out_stripe_folders_are_never_imported_at_run_time() -> None:
    left_out = {".".join(folder.parts) for folder in TYPING_ONLY}
    importers = [
        str(path)
        for path in STRIPE.rglob("*.py")
        if not any(path.relative_to(STRIPE.parent).is_relative_to(folder) for folder in TYPING_ONLY)
        for module in _runtime_imports(path)
        if any(module == name or module.startswith(f"{name}.") for name in left_out)
    ]

    assert importers == []


def test_only_payments_ships_stripe_and_no_service_ships_the_lambda_runtime() -> None:
    assert "stripe" in runtime_distributions("payments")
    for service in ("statement", "disputes", "account", "notifications"):
        assert "stripe" not in runtime_distributions(service)
    for service in ("statement", "payments"):
        shipped = set(runtime_distributions(service))
        assert not shipped & {"boto3", "botocore", "s3transfer", "urllib3"}
        assert {"pynamodb", "jinja2", "rsa"} <= shipped
        assert "pyjwt" not in shipped, "tokens are checked with rsa and auth/tokens.py alone"


def test_every_compiled_file_left_out_of_the_packages_has_a_pure_python_fallback() -> None:
    for service in ("statement", "payments"):
        for name in runtime_distributions(service):
            distribution = importlib.metadata.distribution(name)
            for file in distribution.files or []:
                if not is_compiled(file):
                    continue
                module = str(file).split(".")[0]
                if module.endswith("__mypyc"):
                    continue  # mypyc's runtime, loaded only by the compiled modules themselves
                assert module in PURE_FALLBACKS, f"{name} ships {file}: no arm64 build of it is vendored"
                assert Path(str(distribution.locate_file(PURE_FALLBACKS[module]))).is_file()
