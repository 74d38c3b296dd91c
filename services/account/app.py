"""Account service: sessions and passwords, the signed-in user, the team and its journal, account details,
contacts and messages, and finance's onboarding of agencies and decisions on bank changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Response

from mesfactures import wiring
from mesfactures.account.profile import (
    bank_fields,
    change_under_review,
    contacts_of,
    decide_bank_change,
    finance_bank_changes,
    history_of_changes,
    parse_decision,
    profile_of,
    send_changes,
    write_to_service,
)
from mesfactures.account.sessions import (
    ChallengeAsked,
    Me,
    SignInStep,
    answer_new_password,
    answer_totp,
    change_password,
    finish_own_totp,
    finish_totp_setup,
    password_policy,
    request_password_reset,
    reset_password,
    sign_in,
    sign_out,
    sign_out_everywhere,
    start_own_totp,
    who_is,
)
from mesfactures.account.team import (
    activity_page,
    change_member,
    invite_first_administrator,
    invite_member,
    parse_invitation,
    resend_invitation,
    team_of,
)
from mesfactures.coldstart import hold_collector_through_first_event
from mesfactures.domain.accounts import (
    AccountProfile,
    ChangeStatus,
    PostalAddress,
    ProfileChange,
    ServiceContact,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission, Principal, Role
from mesfactures.domain.team import Member
from mesfactures.http.edge import Edge
from mesfactures.http.errors import json_response
from mesfactures.http.session import expired_session_cookie, session_cookie

if TYPE_CHECKING:
    from mesfactures.contract import account as shapes

app = Chalice(app_name="mesfactures-account")
hold_collector_through_first_event(app)
edge = Edge(app, wiring.authenticator, contract="account")


def _me(me: Me) -> shapes.Me:
    from mesfactures.domain.labels import portal_labels  # loaded by sign-in and /me only

    return {
        "user_id": me.user_id,
        "email": me.email,
        "role": me.role,
        "role_label": me.role_label,
        "first_name": me.first_name,
        "last_name": me.last_name,
        "permissions": list(me.permissions),
        "agency": {"id": me.agency_id, "name": me.agency_name or me.agency_id} if me.agency_id else None,
        "creditors": [{"code": c.value, "name": c.display_name} for c in me.creditors],
        "labels": portal_labels(for_finance=me.agency_id is None),
    }


def _text(body: dict[str, Any], *names: str) -> list[str]:
    values = [body.get(name) for name in names]
    if not all(isinstance(value, str) for value in values):
        raise InvalidInput(f"Champs attendus : {', '.join(names)}.")
    return [str(value) for value in values]


def _step(step: SignInStep) -> Response:
    """A session (201 and the cookie), or the next challenge to answer (200, no cookie)."""
    if isinstance(step, ChallengeAsked):
        body: dict[str, Any] = {"challenge": step.challenge, "session": step.session}
        if step.secret:
            body.update(secret=step.secret, otpauth_uri=step.otpauth_uri)
        return json_response(body, status=200)
    me = who_is(step.principal, wiring.accounts())
    cookie = session_cookie(step.token, wiring.settings().session_max_age_seconds)
    return json_response({"user": _me(me)}, status=201, headers={"Set-Cookie": cookie})


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
    return _step(sign_in(wiring.sign_in_ports(), username, password))


@app.route("/account/session/new-password", methods=["POST"], content_types=["application/json"])
@edge.public
def first_password() -> Response:
    handle, new_password = _text(edge.json_body(), "session", "new_password")
    return _step(answer_new_password(wiring.sign_in_ports(), handle, new_password))


@app.route("/account/session/totp", methods=["POST"], content_types=["application/json"])
@edge.public
def second_factor() -> Response:
    handle, code = _text(edge.json_body(), "session", "code")
    return _step(answer_totp(wiring.sign_in_ports(), handle, code.strip()))


@app.route("/account/session/totp/setup", methods=["POST"], content_types=["application/json"])
@edge.public
def second_factor_setup() -> Response:
    handle, code = _text(edge.json_body(), "session", "code")
    return _step(finish_totp_setup(wiring.sign_in_ports(), handle, code.strip()))


@app.route("/account/session", methods=["DELETE"])
@edge.public
def log_out() -> Response:
    sign_out(
        edge.session_token(),
        verifier=wiring.token_verifier(),
        sessions=wiring.sessions(),
        context=wiring.context(),
    )
    return Response(body="", status_code=204, headers={"Set-Cookie": expired_session_cookie()})


@app.route("/account/sessions", methods=["DELETE"])
@edge.signed_in
def log_out_everywhere(principal: Principal) -> Response:
    token = edge.session_token() or ""
    sign_out_everywhere(wiring.sign_in_ports(), principal, token)
    return Response(body="", status_code=204, headers={"Set-Cookie": expired_session_cookie()})


@app.route("/account/password/policy", methods=["GET"])
@edge.public
def policy() -> dict[str, Any]:
    return password_policy()


@app.route("/account/password/forgot", methods=["POST"], content_types=["application/json"])
@edge.public
def forgotten_password() -> Response:
    (username,) = _text(edge.json_body(), "username")
    request_password_reset(wiring.sign_in_ports(), username)
    message = "Si un compte existe pour cet identifiant, un code vient de lui être envoyé par e-mail."
    return json_response({"status": "sent_if_known", "message": message}, status=202)


@app.route("/account/password/reset", methods=["POST"], content_types=["application/json"])
@edge.public
def password_reset() -> Response:
    username, code, new_password = _text(edge.json_body(), "username", "code", "new_password")
    reset_password(wiring.sign_in_ports(), username, code.strip(), new_password)
    return Response(body="", status_code=204)


@app.route("/account/password", methods=["POST"], content_types=["application/json"])
@edge.signed_in
def new_password(principal: Principal) -> Response:
    current, new = _text(edge.json_body(), "current", "new")
    change_password(wiring.sign_in_ports(), principal, current, new)
    return Response(body="", status_code=204)


# Administrators (the team permission) may turn on a second factor for themselves; finance always has one.
@app.route("/account/totp", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.TEAM)
def own_second_factor(principal: AgencyUser) -> Response:
    (password,) = _text(edge.json_body(), "password")
    asked = start_own_totp(wiring.sign_in_ports(), principal, password)
    body = {"session": asked.session, "secret": asked.secret, "otpauth_uri": asked.otpauth_uri}
    return json_response(body, status=200)


@app.route("/account/totp/verify", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.TEAM)
def own_second_factor_verified(principal: AgencyUser) -> Response:
    handle, code = _text(edge.json_body(), "session", "code")
    finish_own_totp(wiring.sign_in_ports(), principal, handle, code.strip())
    return Response(body="", status_code=204)


@app.route("/account/me", methods=["GET"])
@edge.signed_in
def me(principal: Principal) -> shapes.Me:
    return _me(who_is(principal, wiring.accounts()))


def _member(member: Member, principal: AgencyUser | None = None) -> shapes.Member:
    return {
        "user_id": member.user_id,
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "role": member.role.value,
        "role_label": member.role.label,
        "status": member.status.value,
        "status_label": member.status.label,
        "invited_at": member.invited_at.isoformat(),
        "invited_by": member.invited_by,
        "is_self": principal is not None and principal.user_id == member.user_id,
    }


@app.route("/account/team", methods=["GET"])
@edge.allowed(Permission.TEAM)
def team(principal: AgencyUser) -> dict[str, Any]:
    return {
        "members": [_member(member, principal) for member in team_of(principal, team=wiring.team())],
        "roles": [{"code": r.value, "label": r.label, "description": r.description} for r in Role],
    }


@app.route("/account/team/invitations", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.TEAM)
def invite(principal: AgencyUser) -> Response:
    invitation = parse_invitation(edge.json_body())
    member = invite_member(wiring.team_ports(), principal, invitation)
    return json_response({"member": _member(member, principal)}, status=201)


@app.route("/account/team/{user_id}/invitation", methods=["POST"])
@edge.allowed(Permission.TEAM)
def reinvite(principal: AgencyUser, user_id: str) -> Response:
    member = resend_invitation(wiring.team_ports(), principal, user_id)
    return json_response({"member": _member(member, principal)}, status=202)


@app.route("/account/team/{user_id}", methods=["PATCH"], content_types=["application/json"])
@edge.allowed(Permission.TEAM)
def change_teammate(principal: AgencyUser, user_id: str) -> dict[str, Any]:
    member = change_member(wiring.team_ports(), principal, user_id, edge.json_body())
    return {"member": _member(member, principal)}


@app.route("/account/activity", methods=["GET"])
@edge.allowed(Permission.ACTIVITY)
def activity(principal: AgencyUser) -> dict[str, Any]:
    from mesfactures.domain.calendar import today_in_paris  # zoneinfo: loaded by the journal only

    page = activity_page(wiring.activity(), principal, edge.query_params(), today_in_paris())
    return {
        "events": [
            {
                "at": event.at.isoformat(),
                "user_id": event.user_id,
                "user_name": event.user_name,
                "action": event.action.value,
                "action_label": event.action.label,
                "creditor": event.creditor.value if event.creditor else None,
                "creditor_name": event.creditor.display_name if event.creditor else None,
                "documents": list(event.documents),
                "detail": event.detail,
            }
            for event in page.events
        ],
        "next_cursor": page.next_cursor,
    }


@app.route("/account/finance/invitations", methods=["POST"], content_types=["application/json"])
@edge.finance
def finance_invite(principal: FinanceUser) -> Response:
    body = edge.json_body()
    creditor, agency_id = _text(body, "creditor", "agency_id")
    invitation = parse_invitation(body, role_required=False)
    member = invite_first_administrator(
        wiring.team_ports(),
        principal,
        Creditor.parse(creditor),
        agency_id.strip(),
        invitation,
    )
    return json_response({"member": _member(member), "agency_id": member.agency_id}, status=201)


def _address(address: PostalAddress) -> dict[str, str]:
    return {
        "street": address.street,
        "postal_code": address.postal_code,
        "city": address.city,
        "country": address.country,
    }


def _profile(profile: AccountProfile) -> shapes.Profile:
    contact, billing, bank = profile.main_contact, profile.billing, profile.bank
    pending = profile.pending_bank
    return {
        "account_number": profile.account_number,
        "legal_name": profile.legal_name,
        "version": profile.version,
        "main_contact": {
            "last_name": contact.last_name,
            "first_name": contact.first_name,
            "role": contact.role,
        },
        "billing": {
            "street": billing.address.street,
            "postal_code": billing.address.postal_code,
            "city": billing.address.city,
            "country": billing.address.country,
            "phone": billing.phone,
            "fax": billing.fax,
            "email": billing.email,
        },
        "bank": {
            "holder": bank.holder,
            "bank_name": bank.bank_name,
            "bic": bank.bic,
            "iban_masked": bank.masked_iban,
        },
        "pending_change": {
            "id": pending.change_id,
            "requested_at": pending.requested_at.isoformat(),
            "requested_by": pending.requested_by,
            "bank": bank_fields(pending.bank),
        }
        if pending
        else None,
    }


def _change(change: ProfileChange) -> shapes.Change:
    return {
        "id": change.change_id,
        "kind": change.kind.value,
        "status": change.status.value,
        "status_label": change.status.label,
        "creditor": change.creditor.value,
        "agency_id": change.agency_id,
        "agency_name": change.agency_name or change.agency_id,
        "requested_by": change.requested_by,
        "requested_at": change.requested_at.isoformat(),
        "before": change.before,
        "after": change.after,
        "decided_by": change.decided_by,
        "decided_at": change.decided_at.isoformat() if change.decided_at else None,
        "decision_comment": change.decision_comment,
    }


def _service(code: str, service: ServiceContact) -> dict[str, Any]:
    return {
        "code": code,
        "name": service.name,
        "address": _address(service.address),
        "phone": service.phone,
        "email": service.email,
        "hours": service.hours,
    }


@app.route("/account/creditors/{creditor}/profile", methods=["GET"])
@edge.agency
def profile(principal: AgencyUser, creditor: str) -> shapes.Profile:
    return _profile(profile_of(principal, creditor=Creditor.parse(creditor), accounts=wiring.accounts()))


@app.route(
    "/account/creditors/{creditor}/profile/changes", methods=["POST"], content_types=["application/json"]
)
@edge.allowed(Permission.EDIT_PROFILE)
def send_profile_changes(principal: AgencyUser, creditor: str) -> Response:
    sent = send_changes(
        principal,
        creditor=Creditor.parse(creditor),
        body=edge.json_body(),
        accounts=wiring.accounts(),
        changes=wiring.profile_changes(),
        context=wiring.context(),
    )
    return json_response(
        {"profile": _profile(sent.profile), "changes": [_change(c) for c in sent.changes]}, status=201
    )


@app.route("/account/creditors/{creditor}/profile/changes", methods=["GET"])
@edge.agency
def profile_history(principal: AgencyUser, creditor: str) -> dict[str, Any]:
    found = history_of_changes(
        principal,
        creditor=Creditor.parse(creditor),
        accounts=wiring.accounts(),
        changes=wiring.profile_changes(),
    )
    return {"changes": [_change(change) for change in found]}


@app.route("/account/creditors/{creditor}/contacts", methods=["GET"])
@edge.agency
def contacts(principal: AgencyUser, creditor: str) -> dict[str, Any]:
    code = Creditor.parse(creditor)
    details = contacts_of(principal, creditor=code, accounts=wiring.accounts())
    return {
        "creditor": {"code": code.value, "name": details.legal_name},
        "services": [
            _service("after_sales", details.after_sales),
            _service("collections", details.collections),
        ],
    }


@app.route("/account/creditors/{creditor}/messages", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.MESSAGE)
def message(principal: AgencyUser, creditor: str) -> Response:
    write_to_service(
        principal,
        creditor=Creditor.parse(creditor),
        body=edge.json_body(),
        accounts=wiring.accounts(),
        changes=wiring.profile_changes(),
        context=wiring.context(),
    )
    return json_response({"status": "sent"}, status=202)


@app.route("/account/finance/changes", methods=["GET"])
@edge.finance
def finance_changes(principal: FinanceUser) -> dict[str, Any]:
    params = edge.query_params()
    try:
        status = ChangeStatus(params["status"]) if params.get("status") else None
    except ValueError:
        raise InvalidInput("Statut inconnu.") from None
    found = finance_bank_changes(
        principal,
        creditor=Creditor.parse(params["creditor"]) if params.get("creditor") else None,
        status=status,
        changes=wiring.profile_changes(),
    )
    return {"changes": [_change(change) for change in found]}


@app.route("/account/finance/changes/{change_id}", methods=["GET"])
@edge.finance
def finance_change_detail(principal: FinanceUser, change_id: str) -> dict[str, Any]:
    """Finance sees the full requested IBAN of a pending change: they are the ones who verify it."""
    review = change_under_review(
        principal, change_id=change_id, accounts=wiring.accounts(), changes=wiring.profile_changes()
    )
    change, current = review.change, review.profile
    pending = current.pending_bank
    requested = None
    if pending and pending.change_id == change.change_id:
        requested = {
            "holder": pending.bank.holder,
            "bank_name": pending.bank.bank_name,
            "bic": pending.bank.bic,
            "iban": pending.bank.iban,
        }
    return {
        **_change(change),
        "account_number": current.account_number,
        "legal_name": current.legal_name,
        "requested_bank": requested,
    }


@app.route(
    "/account/finance/changes/{change_id}/decision", methods=["POST"], content_types=["application/json"]
)
@edge.finance
def finance_decision(principal: FinanceUser, change_id: str) -> Response:
    approve, comment = parse_decision(edge.json_body())
    decided = decide_bank_change(
        principal,
        change_id=change_id,
        approve=approve,
        comment=comment,
        accounts=wiring.accounts(),
        changes=wiring.profile_changes(),
        context=wiring.context(),
    )
    return json_response(_change(decided), status=201)
