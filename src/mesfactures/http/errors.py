"""The one table that maps domain errors to HTTP statuses, and the response every error gets."""

from __future__ import annotations

import json
from collections.abc import Mapping

from chalice.app import Response

from mesfactures.domain.errors import (
    AgencyHasAdministrator,
    AlreadyRegistered,
    BusinessRuleViolation,
    ChangeAlreadyPending,
    ConcurrentChange,
    DomainError,
    InvalidCredentials,
    InvalidFields,
    InvalidInput,
    InvalidPassword,
    InvoiceInDispute,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    PaymentInProgress,
    PaymentNotPending,
    PaymentUnavailable,
    TemporarilyUnavailable,
    TooManyRequests,
)

HTTP_STATUS: Mapping[type[DomainError], int] = {
    InvalidInput: 400,
    NotAuthenticated: 401,
    InvalidCredentials: 401,
    NotAllowed: 403,
    NotFound: 404,
    ConcurrentChange: 409,
    AlreadyRegistered: 409,
    AgencyHasAdministrator: 409,
    BusinessRuleViolation: 422,
    InvoiceInDispute: 409,
    ChangeAlreadyPending: 409,
    TooManyRequests: 429,
    PaymentInProgress: 409,
    PaymentNotPending: 409,
    PaymentUnavailable: 503,
    TemporarilyUnavailable: 503,
}

NOT_JSON = "Le corps de la requête doit être du JSON (application/json)."
SECURITY_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


def json_response(body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


def error_response(error: DomainError) -> Response:
    body: dict[str, object] = {"code": error.code, "message": error.message}
    if isinstance(error, InvalidFields):
        body["fields"] = error.fields
    if isinstance(error, InvalidPassword):
        body["rules"] = error.rules
    status = status_for(error)
    return json_response(body, status=status, headers={"Retry-After": "5"} if status == 503 else None)


def framework_error_response(response: Response) -> Response:
    """Chalice answers some requests itself, before any view (a content type or a method a route does not
    take, its own crash handler), with `{"Code", "Message"}` in English: given the portal's shape here."""
    if response.status_code >= 500:
        return internal_error_response()
    if response.status_code == 405:
        allowed = {"Allow": str(response.headers["Allow"])} if "Allow" in response.headers else {}
        body = {"code": "method_not_allowed", "message": "Cette opération n'existe pas à cette adresse."}
        return json_response(body, status=405, headers=allowed)
    error = InvalidInput(NOT_JSON) if response.status_code == 415 else InvalidInput()
    return error_response(error)


def internal_error_response() -> Response:
    return json_response(
        {"code": "internal_error", "message": "Une erreur technique est survenue. Réessayez plus tard."},
        status=500,
    )
