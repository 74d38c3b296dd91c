"""Vendors the shared package and the runtime dependencies Lambda lacks into each service's `vendor/`.

Chalice zips `vendor/` into the function's package. It skips local paths in `requirements.txt` and
symlinks, so the code is copied. The files come from the development environment itself (the versions the
tests ran against), not from a package index: synthesis stays offline. boto3 and botocore, with their own
dependencies, are part of the Lambda runtime and stay out (botocore alone would be 16 MB of a 5 MB budget).
"""

from __future__ import annotations

import compileall
import importlib.metadata
import py_compile
import shutil
from collections.abc import Callable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mesfactures.areas import API_AREAS, AREAS

ROOT = Path(__file__).resolve().parent.parent
SERVICES = AREAS
SHARED_PACKAGE = "mesfactures"
# What the Lambda Python runtime already provides (boto3 and its dependency tree).
IN_LAMBDA_RUNTIME = frozenset(
    canonicalize_name(name)
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
)


# Compiled ahead: the shared package and what every authenticated request loads (token check, ledger
# query). The rest stays source, compiled on first use: bytecode of Stripe, the validators' data and the
# renderers would cost more of the 5 MB zip budget than their first use costs in time.
COMPILED = ("mesfactures", "pynamodb", "rsa", "pyasn1")
# stripe.params holds TypedDicts of request parameters (14 MB unpacked): only type checkers import them.
TYPING_ONLY = (Path("stripe") / "params",)
# Only the payments service talks to Stripe (through `wiring.payment_gateway`, which no other app calls);
# the SDK is 31 MB unpacked, so the other services go without it.
STRIPE_SERVICES = frozenset({"payments"})
# Only the statement service draws documents (invoices, credit notes, the relevé de compte); the fonts it
# embeds (DejaVu Sans, 1.4 MB, 0.7 MB zipped) go to it alone.
DRAWING_SERVICES = frozenset({"statement"})
FONTS = Path(SHARED_PACKAGE) / "documents" / "fonts"

# The e-invoices' XSD validator and PDF reader (pure Python, 1.2 MB zipped) run in the import, the
# statement service's.
VALIDATOR = frozenset(canonicalize_name(name) for name in ("xmlschema", "elementpath", "pypdf"))
VALIDATOR_SERVICES = frozenset({"statement"})


def runtime_distributions(service: str) -> list[str]:
    """The distributions a service needs at run time, less those of the Lambda runtime."""
    left_out = IN_LAMBDA_RUNTIME if service in STRIPE_SERVICES else IN_LAMBDA_RUNTIME | {"stripe"}
    if service not in VALIDATOR_SERVICES:
        left_out = left_out | VALIDATOR
    seen: set[str] = set()
    pending = [SHARED_PACKAGE]
    while pending:
        name = canonicalize_name(pending.pop())
        if name in seen or name in left_out:
            continue
        seen.add(name)
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    seen.discard(SHARED_PACKAGE)
    return sorted(seen)


# Compiled files of the runtime distributions and the pure-Python module that takes over without them.
# The functions run on arm64 (infra/portal/sizing.py): a speedup built for this machine would not load
# there anyway. A test fails when a distribution ships a compiled file not listed here.
PURE_FALLBACKS = {
    "markupsafe/_speedups": "markupsafe/_native.py",
    "charset_normalizer/md": "charset_normalizer/md.py",
    "charset_normalizer/cd": "charset_normalizer/cd.py",
}


def is_compiled(file: Path | importlib.metadata.PackagePath) -> bool:
    return Path(str(file)).suffix in (".so", ".pyd", ".dylib")


def _copy_distribution(name: str, target: Path) -> None:
    distribution = importlib.metadata.distribution(name)
    for file in distribution.files or []:
        if "__pycache__" in file.parts or file.parts[0] == ".." or file.suffix == ".pth":
            continue
        if any(Path(file).is_relative_to(folder) for folder in TYPING_ONLY):
            continue
        if file.parent.name.endswith(".dist-info") and file.name != "METADATA":
            continue  # importlib.metadata reads METADATA; RECORD (4,000 lines for stripe) is never read
        if is_compiled(file):
            continue  # built for this machine, not for arm64 Lambda: the package's pure Python serves
        source = Path(str(distribution.locate_file(file)))
        if source.is_file():
            destination = target / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def left_out_of_shared_package(service: str) -> Callable[[str, list[str]], set[str]]:
    """What of the shared package a function goes without: bytecode caches, the fonts unless it draws
    documents, the e-invoices' schemas unless it imports, the HTTP contract of the other areas and its
    OpenAPI generator (a function reads its own area's declarations, at its first request body; `make
    openapi` runs on a workstation)."""
    other_contracts = {f"{area}.py" for area in API_AREAS if area != service} | {"openapi.py"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        left = {name for name in names if name == "__pycache__" or name.endswith(".pyc")}
        if service not in DRAWING_SERVICES:
            left |= {name for name in names if name.endswith(".ttf")}
        if service not in VALIDATOR_SERVICES and Path(directory).name == "imports":
            left |= {"xsd"} & set(names)  # the e-invoices' schemas (2.9 MB): the import's alone
        if Path(directory).name == "contract":
            left |= other_contracts & set(names)
        return left

    return ignore


def _copy_shared_package(target: Path, service: str) -> None:
    # Installed editable for development: its files are those of src/, not of site-packages.
    shutil.copytree(
        ROOT / "src" / SHARED_PACKAGE, target / SHARED_PACKAGE, ignore=left_out_of_shared_package(service)
    )


def vendor(service: str) -> Path:
    """Fills services/<service>/vendor/ afresh and compiles it: Lambda's code folder is read-only, so
    bytecode not shipped would be compiled again at every cold start."""
    target = ROOT / "services" / service / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    # Chalice reuses a cached package keyed on requirements.txt alone: stale shared code would ship.
    shutil.rmtree(ROOT / "services" / service / ".chalice" / "deployments", ignore_errors=True)
    target.mkdir(parents=True)
    _copy_shared_package(target, service)
    for name in runtime_distributions(service):
        _copy_distribution(name, target)
    for folder in sorted(target.iterdir()):
        if folder.name in COMPILED:
            compileall.compile_dir(
                folder,
                quiet=1,
                workers=1,
                # The zip's timestamps are not the sources': only a hash-based pyc stays valid.
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
    return target


def vendor_all() -> dict[str, Path]:
    return {service: vendor(service) for service in SERVICES}


if __name__ == "__main__":
    for service, path in vendor_all().items():
        print(f"{service}: {path.relative_to(ROOT)}")
