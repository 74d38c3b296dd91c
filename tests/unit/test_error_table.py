import json

import pytest

from mesfactures.domain import errors
from mesfactures.http.errors import HTTP_STATUS, error_response, status_for


def _all_subclasses(cls: type[errors.DomainError]) -> set[type[errors.DomainError]]:
    found: set[type[errors.DomainError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_domain_error_has_an_http_status() -> None:
    unmapped = [cls.__name__ for cls in _all_subclasses(errors.DomainError) if status_for(cls()) == 500]
    assert unmapped == []


def test_statuses_follow_the_contract() -> None:
    assert status_for(errors.InvalidInput()) == 400
    assert status_for(errors.NotAuthenticated()) == 401
    assert status_for(errors.NotAllowed()) == 403
    assert status_for(errors.NotFound()) == 404
    assert status_for(errors.ConcurrentChange()) == 409


@pytest.mark.parametrize("error_class", sorted(HTTP_STATUS, key=str))
def test_an_error_answers_with_its_code_and_french_message(error_class: type[errors.DomainError]) -> None:
    response = error_response(error_class())
    body = json.loads(response.body)
    assert body == {"code": error_class.code, "message": error_class.message}
    assert response.headers["Cache-Control"] == "no-store"
