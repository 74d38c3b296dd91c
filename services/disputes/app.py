"""Disputes service: disputes on invoices, their history, and the finance team's handling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Response

from mesfactures import wiring
from mesfactures.coldstart import hold_collector_through_first_event
from mesfactures.disputes.attachments import prepare_upload
from mesfactures.disputes.use_cases import (
    attachment_of_account,
    comment_dispute,
    dispute_of_account,
    disputes_of_account,
    finance_attachment_link,
    finance_dispute,
    finance_disputes,
    open_dispute,
    parse_comment,
    parse_open_request,
    parse_transition,
    transition_dispute,
)
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import NEXT_STATUSES, Dispute, DisputeDetail, DisputeStatus
from mesfactures.domain.errors import InvalidInput
from mesfactures.domain.principal import AgencyUser, FinanceUser, Permission
from mesfactures.http.edge import Edge
from mesfactures.http.errors import json_response

if TYPE_CHECKING:
    from mesfactures.contract import disputes as shapes

app = Chalice(app_name="mesfactures-disputes")
hold_collector_through_first_event(app)
edge = Edge(app, wiring.authenticator, contract="disputes")


def _label(status: DisputeStatus, finance: bool) -> str:
    return status.finance_label if finance else status.label


def _dispute(dispute: Dispute, finance: bool = False) -> shapes.Dispute:
    return {
        "id": dispute.dispute_id,
        "reference": dispute.reference,
        "creditor": dispute.creditor.value,
        "agency_id": dispute.agency_id,
        "agency_name": dispute.agency_name or dispute.agency_id,
        "reason": dispute.reason.value,
        "reason_label": dispute.reason.label,
        "status": dispute.status.value,
        "status_label": _label(dispute.status, finance),
        "opened_at": dispute.opened_at.isoformat(),
        "updated_at": dispute.updated_at.isoformat(),
        "opened_by": dispute.opened_by,
        "amount_cents": dispute.total.cents,
        "currency": dispute.total.currency,
        "invoices": [
            {"number": i.number, "disputed_cents": i.disputed.cents, "balance_cents": i.balance.cents}
            for i in dispute.invoices
        ],
        "next_statuses": sorted(status.value for status in NEXT_STATUSES[dispute.status]),
        "attachments": [
            {
                "id": a.attachment_id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size_bytes": a.size_bytes,
            }
            for a in dispute.attachments
        ],
    }


def _redirect(url: str) -> Response:
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


def _detail(detail: DisputeDetail, finance: bool = False) -> shapes.DisputeDetail:
    return {
        **_dispute(detail.dispute, finance),
        "history": [
            {
                "kind": event.kind.value,
                "at": event.at.isoformat(),
                "author": event.author,
                "author_role": event.author_role,
                "comment": event.comment,
                "from_status": event.from_status.value if event.from_status else None,
                "to_status": event.to_status.value if event.to_status else None,
                "to_status_label": _label(event.to_status, finance) if event.to_status else None,
            }
            for event in detail.events
        ],
    }


@app.route("/disputes/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "disputes"}


@app.route("/disputes/creditors/{creditor}/disputes", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.DISPUTE)
def open_one(principal: AgencyUser, creditor: str) -> Response:
    dispute = open_dispute(
        principal,
        creditor=Creditor.parse(creditor),
        request=parse_open_request(edge.json_body()),
        disputes=wiring.disputes(),
        directory=wiring.accounts(),
        store=wiring.attachment_files(),
        context=wiring.context(),
    )
    return json_response(_dispute(dispute), status=201)


@app.route("/disputes/creditors/{creditor}/attachments", methods=["POST"], content_types=["application/json"])
@edge.allowed(Permission.DISPUTE)
def new_attachment(principal: AgencyUser, creditor: str) -> Response:
    """A presigned upload for one file; the browser sends the file straight to the document store."""
    body = edge.json_body()
    ticket = prepare_upload(
        wiring.attachment_files(), wiring.ledger(), principal.agency_id, Creditor.parse(creditor), body
    )
    answer = {"id": ticket.attachment_id, "upload_url": ticket.url, "content_type": ticket.content_type}
    return json_response(answer, status=201)


@app.route(
    "/disputes/creditors/{creditor}/disputes/{dispute_id}/attachments/{attachment_id}", methods=["GET"]
)
@edge.agency
def my_attachment(principal: AgencyUser, creditor: str, dispute_id: str, attachment_id: str) -> Response:
    link = attachment_of_account(
        principal,
        creditor=Creditor.parse(creditor),
        dispute_id=dispute_id,
        attachment_id=attachment_id,
        disputes=wiring.disputes(),
        store=wiring.attachment_files(),
    )
    return _redirect(link)


@app.route("/disputes/creditors/{creditor}/disputes", methods=["GET"])
@edge.agency
def list_mine(principal: AgencyUser, creditor: str) -> dict[str, Any]:
    found = disputes_of_account(
        principal, creditor=Creditor.parse(creditor), disputes=wiring.disputes(), accounts=wiring.ledger()
    )
    return {"disputes": [_dispute(dispute) for dispute in found]}


@app.route("/disputes/creditors/{creditor}/disputes/{dispute_id}", methods=["GET"])
@edge.agency
def one_of_mine(principal: AgencyUser, creditor: str, dispute_id: str) -> shapes.DisputeDetail:
    detail = dispute_of_account(
        principal, creditor=Creditor.parse(creditor), dispute_id=dispute_id, disputes=wiring.disputes()
    )
    return _detail(detail)


@app.route(
    "/disputes/creditors/{creditor}/disputes/{dispute_id}/comments",
    methods=["POST"],
    content_types=["application/json"],
)
@edge.allowed(Permission.DISPUTE)
def comment(principal: AgencyUser, creditor: str, dispute_id: str) -> Response:
    detail = comment_dispute(
        principal,
        creditor=Creditor.parse(creditor),
        dispute_id=dispute_id,
        comment=parse_comment(edge.json_body()),
        disputes=wiring.disputes(),
        directory=wiring.accounts(),
        context=wiring.context(),
    )
    return json_response(_detail(detail), status=201)


@app.route("/disputes/finance/disputes", methods=["GET"])
@edge.finance
def finance_list(principal: FinanceUser) -> dict[str, Any]:
    params = edge.query_params()
    creditor = Creditor.parse(params["creditor"]) if params.get("creditor") else None
    try:
        status = DisputeStatus(params["status"]) if params.get("status") else None
    except ValueError:
        raise InvalidInput("Statut inconnu.") from None
    found = finance_disputes(wiring.disputes(), principal, creditor, status)
    return {"disputes": [_dispute(dispute, finance=True) for dispute in found]}


@app.route("/disputes/finance/disputes/{dispute_id}", methods=["GET"])
@edge.finance
def finance_one(principal: FinanceUser, dispute_id: str) -> shapes.DisputeDetail:
    return _detail(finance_dispute(wiring.disputes(), principal, dispute_id), finance=True)


@app.route("/disputes/finance/disputes/{dispute_id}/attachments/{attachment_id}", methods=["GET"])
@edge.finance
def finance_attachment(principal: FinanceUser, dispute_id: str, attachment_id: str) -> Response:
    link = finance_attachment_link(
        principal,
        dispute_id=dispute_id,
        attachment_id=attachment_id,
        disputes=wiring.disputes(),
        store=wiring.attachment_files(),
    )
    return _redirect(link)


@app.route(
    "/disputes/finance/disputes/{dispute_id}/transitions",
    methods=["POST"],
    content_types=["application/json"],
)
@edge.finance
def transition(principal: FinanceUser, dispute_id: str) -> Response:
    target, text = parse_transition(edge.json_body())
    detail = transition_dispute(
        principal,
        dispute_id=dispute_id,
        target=target,
        comment=text,
        disputes=wiring.disputes(),
        directory=wiring.accounts(),
        context=wiring.context(),
    )
    return json_response(_detail(detail, finance=True), status=201)
