"""Account service: sessions, the signed-in user, and (later) account details and contacts."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Response

from mesfactures import wiring
from mesfactures.account.sessions import Me, sign_in, who_is
from mesfactures.domain.errors import InvalidInput
from mesfactures.domain.principal import Principal
from mesfactures.http.edge import Edge
from mesfactures.http.errors import json_response
from mesfactures.http.session import expired_session_cookie, session_cookie

app = Chalice(app_name="mesfactures-account")
edge = Edge(app, wiring.token_verifier)


def _me(me: Me) -> dict[str, Any]:
    return {
        "email": me.email,
        "role": me.role,
        "agency": {"id": me.agency_id, "name": me.agency_name} if me.agency_id else None,
        "creditors": [{"code": c.value, "name": c.display_name} for c in me.creditors],
    }


@app.route("/account/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "account"}


@app.route("/account/session", methods=["POST"], content_types=["application/json"])
@edge.public
def log_in() -> Response:
    body = edge.json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("Saisissez votre identifiant et votre mot de passe.")
    signed_in = sign_in(wiring.identity(), wiring.token_verifier(), username, password)
    me = who_is(signed_in.principal, wiring.accounts())
    cookie = session_cookie(signed_in.token, wiring.settings().session_max_age_seconds)
    return json_response({"user": _me(me)}, status=201, headers={"Set-Cookie": cookie})


@app.route("/account/session", methods=["DELETE"])
@edge.public
def log_out() -> Response:
    return Response(body="", status_code=204, headers={"Set-Cookie": expired_session_cookie()})


@app.route("/account/me", methods=["GET"])
@edge.signed_in
def me(principal: Principal) -> dict[str, Any]:
    return _me(who_is(principal, wiring.accounts()))
