"""Disputes service: disputes on invoices, their history, and the finance team's handling."""

from __future__ import annotations

from chalice.app import Chalice

from mesfactures import wiring
from mesfactures.http.edge import Edge

app = Chalice(app_name="mesfactures-disputes")
edge = Edge(app, wiring.token_verifier)


@app.route("/disputes/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "disputes"}
