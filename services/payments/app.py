"""Payments service: card payments of open invoices through Stripe Checkout, settled by webhook."""

from __future__ import annotations

from chalice.app import Chalice

from mesfactures import wiring
from mesfactures.http.edge import Edge

app = Chalice(app_name="mesfactures-payments")
edge = Edge(app, wiring.token_verifier)


@app.route("/payments/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "payments"}
