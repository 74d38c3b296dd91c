"""schemathesis against every service's published description, on the running portal: no answer is a 5xx,
every status is documented and every body conforms to its schema. Bounded and derandomized, so that a run
is repeatable; the figures (operations, cases, failures) are printed at the end of the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
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
from tests.security.users import agency_user, invited_user, own_agency
from tests.support import Portal, fresh_invoices

Operation = APIOperation[Any, Any, Any, Any]
EXAMPLES = 30  # per operation: a third fitting the description, a third aimed at real resources, a third not
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operations() -> list[Operation]:
    found = []
    for area in AREAS:
        for result in schemathesis.openapi.from_path(description_path(area)).get_all_operations():
            assert isinstance(result, Ok), result
            found.append(result.ok())
    return found


OPERATIONS = _operations()


def _strategy(operation: Operation, real: dict[str, str]) -> st.SearchStrategy[Any]:
    """Cases that fit the description, the same aimed at resources that exist (random ids are all
    unknown: their answer is always a 404), and cases that do not fit it."""

    def aimed(case: schemathesis.Case[Operation]) -> schemathesis.Case[Operation]:
        for name in case.path_parameters or {}:
            if name in real:
                case.path_parameters[name] = real[name]
        return case

    positive = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        negative = operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:  # an operation with nothing to get wrong (no parameter, no body)
        return st.one_of(positive, positive.map(aimed))
    return st.one_of(positive, positive.map(aimed), negative)


@pytest.fixture(scope="module")
def real_ids(portal: Portal, fuzzer: dict[str, str], teammate: str) -> dict[str, str]:
    """A dispute, a payment and a document of the fuzzing user's agency, and a member of the team the
    fuzzer administers, for cases to aim at."""
    disputed, paid = fresh_invoices("AG-1001", "POLIRIS", 2)
    dispute = requests.post(
        portal.api("disputes/creditors/POLIRIS/disputes"),
        json={"invoice_numbers": [disputed["number"]], "reason": "other", "comment": "Litige du fuzzing"},
        headers=fuzzer,
        timeout=10,
    )
    payment = requests.post(
        portal.api("payments/creditors/POLIRIS/checkout"),
        json={"invoice_numbers": [paid["number"]]},
        headers=fuzzer,
        timeout=10,
    )
    assert dispute.status_code == 201 and payment.status_code == 201, (dispute.text, payment.text)
    return {
        "creditor": "POLIRIS",
        "dispute_id": dispute.json()["id"],
        "payment_id": payment.json()["payment_id"],
        "number": paid["number"],
        "user_id": teammate,
    }


@pytest.fixture(scope="module")
def fuzzer(portal: Portal) -> dict[str, str]:
    return portal.session_cookie(agency_user(portal, "fuzz@agence-exemple.fr"))


# The team's operations invite people and change members' roles and activity: the fuzzer administers an
# agency of its own for them, so that the demo agency's team (and its last administrator) stays as it is.
TEAM_AGENCY = "AG-7007"


@pytest.fixture(scope="module")
def team_admin(portal: Portal) -> dict[str, str]:
    own_agency(TEAM_AGENCY, "Agence du fuzzing")
    admin = agency_user(portal, "fuzz-equipe@agence-fuzzing.example", agency_id=TEAM_AGENCY)
    return portal.session_cookie(admin)


@pytest.fixture(scope="module")
def teammate(portal: Portal, team_admin: dict[str, str]) -> str:
    """A member of the fuzzer's agency who never signed in (an invitation can be re-sent to them)."""
    _, user_id = invited_user(portal, "fuzz-invite@agence-fuzzing.example", TEAM_AGENCY)
    return user_id


def _signed_out_everywhere_user(portal: Portal) -> Callable[[], dict[str, str]]:
    """Signing out of every device refuses every session of the user: each case gets a session of its own,
    of a user of its own."""
    user = agency_user(portal, "fuzz-sorties@agence-exemple.fr", role="lecture")
    return lambda: portal.session_cookie(user)


def _cookie(
    operation: Operation,
    portal: Portal,
    agency: dict[str, str],
    finance: dict[str, str],
    team: dict[str, str],
) -> Callable[[], dict[str, str]]:
    """The public routes (log in, log out, health, Stripe's webhook) are fuzzed with no session at all."""
    if not operation.definition.raw.get("security"):
        return dict
    if operation.method.upper() == "DELETE" and operation.path == "/account/sessions":
        return _signed_out_everywhere_user(portal)
    if "/finance/" in operation.path:
        return lambda: finance
    return (lambda: team) if operation.path.startswith("/account/team") else (lambda: agency)


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
    fuzzer: dict[str, str],
    finance: dict[str, str],
    team_admin: dict[str, str],
    real_ids: dict[str, str],
    fuzz_figures: FuzzFigures,
) -> None:
    headers = _cookie(operation, portal, fuzzer, finance, team_admin)
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
    @given(case=_strategy(operation, real_ids))
    def attempt(case: schemathesis.Case[Operation]) -> None:
        nonlocal tried
        tried += 1
        try:
            case.call_and_validate(base_url=f"{portal.url}/api", headers=headers(), checks=CHECKS, timeout=10)
        except (Exception, FailureGroup) as failure:  # every case is tried: failures are listed, not shrunk
            failures.append(_describe(operation, case, failure))

    attempt()
    fuzz_figures.operations += 1
    fuzz_figures.cases += tried
    fuzz_figures.failures.extend(failures)
    assert not failures, "\n".join(failures)
