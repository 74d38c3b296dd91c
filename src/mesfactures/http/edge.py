"""Decorators that every route goes through: authentication, the JSON body, and error mapping.

Chalice turns a view's exception into a response before any middleware sees it, so the mapping is applied
here, around each view, by the same decorator that establishes who is calling.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from chalice.app import Chalice, Request, Response

from mesfactures.auth.sessions import Authenticator
from mesfactures.domain.errors import (
    DomainError,
    ForbiddenForRole,
    InvalidInput,
    NotAllowed,
    NotAuthenticated,
    TemporarilyUnavailable,
)
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission, Principal
from mesfactures.http.errors import (
    NOT_JSON,
    error_response,
    framework_error_response,
    internal_error_response,
    json_response,
)
from mesfactures.http.session import session_token
from mesfactures.observability import logger

MAX_BODY_BYTES = 64 * 1024
P = TypeVar("P", bound=Principal)
View = Callable[..., Any]

_log = logger(__name__)


# Lone surrogates (valid as JSON escapes, not as text: no store or encoder takes them back) and control
# characters other than tab and line breaks.
_INVALID_CHARACTERS = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: Any) -> bool:
    """Whether every string of a parsed JSON value, keys included, is text that can be stored and shown."""
    if isinstance(value, str):
        return _INVALID_CHARACTERS.search(value) is None
    if isinstance(value, dict):
        return all(_clean_text(key) and _clean_text(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_clean_text(item) for item in value)
    return True


def _portal_error_shape(request: Request, get_response: Callable[[Request], Response]) -> Response:
    response = get_response(request)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        return framework_error_response(response)
    return response


class Edge:
    """`contract`: the area whose declared contract (mesfactures/contract/<area>.py) the request bodies are
    checked against, loaded by the first body read (not at import: the cold start does not pay for it)."""

    def __init__(
        self, app: Chalice, authenticator: Callable[[], Authenticator], contract: str | None = None
    ) -> None:
        self._app = app
        self._authenticator = authenticator
        self._contract = contract
        app.register_middleware(_portal_error_shape, "http")

    def public(self, view: View) -> View:
        @functools.wraps(view)
        def wrapper(**params: str) -> Response:
            return self._answer(lambda: view(**params))

        return wrapper

    def signed_in(self, view: View) -> View:
        return self._for(Principal, view)  # type: ignore[arg-type]

    def agency(self, view: View) -> View:
        return self._for(AgencyUser, view)

    def agency_reading(self, view: View) -> View:
        """An agency user's read that every role may make and that needs only the verified token's
        agency: the view runs while the session read (signed out? member active?) is on its way, and its
        answer is thrown away for a 401 when that read refuses the session (docs/decisions.md)."""

        @functools.wraps(view)
        def wrapper(**params: str) -> Response:
            def call() -> Any:
                token = self.session_token()
                if token is None:
                    raise NotAuthenticated()
                principal, confirm = self._authenticator().principal_beside(token)
                if not isinstance(principal, AgencyUser):
                    raise NotAllowed()
                try:
                    result = view(principal, **params)
                except Exception:
                    confirm()  # a refused session is a 401, whatever the view found
                    raise
                confirm()
                return result

            return self._answer(call)

        return wrapper

    def finance(self, view: View) -> View:
        return self._for(FinanceUser, view)

    def allowed(self, permission: Permission) -> Callable[[View], View]:
        """An agency user whose role grants `permission`; another role is refused with 403
        `forbidden_for_role` (the site hides the action, the server enforces it)."""

        def decorate(view: View) -> View:
            @functools.wraps(view)
            def checked(principal: AgencyUser, **params: str) -> Any:
                if not principal.may(permission):
                    raise ForbiddenForRole()
                return view(principal, **params)

            return self._for(AgencyUser, checked)

        return decorate

    def json_body(self) -> dict[str, Any]:
        """The request's JSON object, of the shape its operation declares; anything else is a 400 that
        stores nothing."""
        body = self._json_object()
        if self._contract is None:
            return body
        from mesfactures.contract import check_body, declared_body  # loaded by the first body read

        request = self._request()
        return check_body(body, declared_body(self._contract, request.method, request.path))

    def _json_object(self) -> dict[str, Any]:
        request = self._request()
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise InvalidInput(NOT_JSON)
        raw = request.raw_body or b""
        if len(raw) > MAX_BODY_BYTES:
            raise InvalidInput("La requête est trop volumineuse.")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested too deep for the parser
            raise InvalidInput("Le corps de la requête n'est pas du JSON valide.") from None
        if not isinstance(body, dict):
            raise InvalidInput("Le corps de la requête doit être un objet JSON.")
        if not _clean_text(body):
            raise InvalidInput("Le texte envoyé contient des caractères invalides.")
        return body

    def query_params(self) -> dict[str, str]:
        return dict(self._request().query_params or {})

    def _for(self, kind: type[P], view: View) -> View:
        @functools.wraps(view)
        def wrapper(**params: str) -> Response:
            def call() -> Any:
                principal = self._principal()
                if not isinstance(principal, kind):
                    raise NotAllowed()
                return view(principal, **params)

            return self._answer(call)

        return wrapper

    def session_token(self) -> str | None:
        return session_token(self._request().headers.get("cookie"))

    def _principal(self) -> Principal:
        token = self.session_token()
        if token is None:
            raise NotAuthenticated()
        return self._authenticator().principal(token)

    def _request(self) -> Request:
        request = self._app.current_request
        if request is None:
            raise RuntimeError("no request is being handled")
        return request

    def _answer(self, call: Callable[[], Any]) -> Response:
        try:
            result = call()
        except DomainError as error:
            return error_response(error)
        except Exception as error:
            from mesfactures.persistence.outages import is_outage  # loaded on the failure path only

            if is_outage(error):
                _log.warning("AWS unavailable", extra={"path": self._request().path, "error": repr(error)})
                return error_response(TemporarilyUnavailable())
            _log.exception("unhandled error", extra={"path": self._request().path})
            return internal_error_response()
        return result if isinstance(result, Response) else json_response(result)
