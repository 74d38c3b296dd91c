"""Statement service: an agency's entries with a creditor, its documents, and the ERP import."""

from __future__ import annotations

from chalice.app import Chalice

from mesfactures import wiring
from mesfactures.http.edge import Edge

app = Chalice(app_name="mesfactures-statement")
edge = Edge(app, wiring.token_verifier)


@app.route("/statement/health", methods=["GET"])
@edge.public
def health() -> dict[str, str]:
    return {"status": "ok", "service": "statement"}
