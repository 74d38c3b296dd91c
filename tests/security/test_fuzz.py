"""schemathesis against every service's published description, on the running portal: no answer is a 5xx,
every status is documented and every body conforms to its schema. Bounded and derandomized, so that a run
is repeatable; the figures (operations, cases, failures) are printed at the end of the session."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.descriptions import AREAS, FuzzFigures, description_path
from tests.support import Portal

Operation = APIOperation[Any, Any, Any, Any]
EXAMPLES = 25  # per operation: about two thirds fitting the description, one third not
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations() -> list[Operation]:
    found = []
    for area in AREAS:
        for result in schemathesis.openapi.from_path(description_path(area)).get_all_operations():
            assert isinstance(result, Ok), result
            found.append(result.ok())
    return found


OPERATIONS = _operations()


def _strategy(operation: Operation) -> st.SearchStrategy[Any]:
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        negative = operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:  # an operation with nothing to get wrong (no parameter, no body)
        return positive
    return st.one_of(positive, positive, negative)


def _cookie(operation: Operation, demo: dict[str, str], finance: dict[str, str]) -> dict[str, str]:
    """The public routes (log in, log out, health, Stripe's webhook) are fuzzed with no session at all."""
    if not operation.definition.raw.get("security"):
        return {}
    return finance if "/finance/" in operation.path else demo


def _describe(operation: Operation, case: schemathesis.Case[Operation], error: BaseException) -> str:
    found = error.exceptions if isinstance(error, FailureGroup) else (error,)
    what = "; ".join(
        f"{failure.title}: {failure.message.strip().splitlines()[0] if failure.message.strip() else ''}"
        if isinstance(failure, Failure)
        else f"{type(failure).__name__}: {failure}"
        for failure in found
    )
    sent = {"path": case.path_parameters, "query": case.query, "body": case.body}
    return f"{operation.label}: {what} — sent {repr(sent)[:300]}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_fuzzing_finds_no_server_error_and_no_answer_off_the_description(
    operation: Operation,
    portal: Portal,
    demo: dict[str, str],
    finance: dict[str, str],
    fuzz_figures: FuzzFigures,
) -> None:
    headers = _cookie(operation, demo, finance)
    failures: list[str] = []
    tried = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation))
    def attempt(case: schemathesis.Case[Operation]) -> None:
        nonlocal tried
        tried += 1
        try:
            case.call_and_validate(base_url=f"{portal.url}/api", headers=headers, checks=CHECKS, timeout=10)
        except (Exception, FailureGroup) as failure:  # every case is tried: failures are listed, not shrunk
            failures.append(_describe(operation, case, failure))

    attempt()
    fuzz_figures.operations += 1
    fuzz_figures.cases += tried
    fuzz_figures.failures.extend(failures)
    assert not failures, "\n".join(failures)
