"""A local stand-in for Stripe: the few API calls the payments service makes, in Stripe's shapes, and a
test checkout page whose "Payer" sends a correctly signed `checkout.session.completed` webhook and whose
"Retour" goes back to the portal (the `cancel_url`) leaving the session open, as Stripe's back link does.
Expiring a session through the API works as Stripe's: only an `open` one (400 `invalid_request_error`
otherwise), it can no longer be paid, and `checkout.session.expired` follows. stripe-mock is not
installable here; with a real `sk_test_` key the same service code talks to Stripe itself."""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from mesfactures.observability import logger

_log = logger("devstack.stripe")


def _nested(form: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price_data][currency]=eur`) back into nested objects."""
    root: dict[str, Any] = {}
    for key, value in form:
        parts = key.replace("]", "").split("[")
        node: Any = root
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            if following is None:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return root


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        if value and all(key.isdigit() for key in value):
            return [_listify(value[key]) for key in sorted(value, key=int)]
        return {key: _listify(item) for key, item in value.items()}
    return value


def _invalid(message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    return {"error": error}


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def session_event(kind: str, session: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An event about a Checkout session, in Stripe's shape."""
    return {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "api_version": stripe.api_version,
        "data": {"object": {k: v for k, v in session.items() if k != "line_items_preview"}},
    }


class StripeStandIn(ThreadingHTTPServer):
    request_queue_size = 128  # the default (5) resets connections when many users arrive at once
    daemon_threads = True

    def __init__(self, port: int, webhook_url: str, webhook_secret: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, tuple[int, bytes]] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> StripeStandIn:
        threading.Thread(target=self.serve_forever, name="stripe-standin", daemon=True).start()
        return self

    def create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        items = params.get("line_items", [])
        total = sum(int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)) for item in items)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode", "payment"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "currency": items[0]["price_data"]["currency"] if items else "eur",
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "expires_at": int(params.get("expires_at") or time.time() + 86_400),  # Stripe's default: 24 h
            "created": int(time.time()),
            "livemode": False,
            "payment_intent": None,
            "url": f"{self.url}/checkout/{session_id}",
            "line_items_preview": items,
        }
        self.sessions[session_id] = session
        return session

    def signature(self, payload: str, secret: str | None = None) -> str:
        """The `Stripe-Signature` header Stripe would send with `payload` (with our secret unless told)."""
        return str(stripe.WebhookSignature.generate_signature_header(payload, secret or self.webhook_secret))

    def send_event(self, kind: str, session: dict[str, Any]) -> int:
        """Signs and posts an event as Stripe would; returns the webhook's HTTP status."""
        payload = json.dumps(session_event(kind, session))
        header = self.signature(payload)
        request = urllib.request.Request(  # noqa: S310 (the local gateway's address, from config)
            self.webhook_url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (our webhook URL)  # nosec B310
                return int(answer.status)
        except urllib.error.HTTPError as error:
            _log.warning("webhook refused", extra={"status": error.code, "type": kind})
            return int(error.code)


class _Handler(BaseHTTPRequestHandler):
    server: StripeStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _json(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _redirect(self, location: str) -> None:
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _session(self, session_id: str) -> dict[str, Any] | None:
        return self.server.sessions.get(session_id)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/v1/checkout/sessions/"):
            session = self._session(path.rsplit("/", 1)[1])
            if session:
                self._json(200, session)
            else:
                self._json(404, {"error": {"type": "invalid_request_error"}})
        elif path.startswith("/checkout/"):
            self._page(path.rsplit("/", 1)[1])
        else:
            self._json(
                404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}
            )

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        if path == "/v1/checkout/sessions":
            self._create(body)
        elif path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            self._expire(path.split("/")[4])
        elif path.startswith("/checkout/") and path.endswith("/pay"):
            self._complete(path.split("/")[2])
        elif path.startswith("/checkout/") and path.endswith("/cancel"):
            self._back(path.split("/")[2])
        else:
            self._json(404, {"error": {"type": "invalid_request_error"}})

    def _create(self, body: str) -> None:
        key = self.headers.get("Idempotency-Key")
        with self.server.lock:
            if key and key in self.server.idempotent:
                status, raw = self.server.idempotent[key]
                self._json(status, json.loads(raw))
                return
            session = self.server.create_session(_listify(_nested(parse_qsl(body, keep_blank_values=True))))
            if key:
                self.server.idempotent[key] = (200, json.dumps(session).encode())
        self._json(200, session)

    def _expire(self, session_id: str) -> None:
        """Stripe's `POST /v1/checkout/sessions/{id}/expire`: an open session only; the event follows the
        answer, as Stripe sends it (not before the caller has heard back)."""
        with self.server.lock:
            session = self._session(session_id)
            if session is None:
                self._json(404, _invalid(f"No such checkout.session: '{session_id}'", "resource_missing"))
                return
            if session["status"] != "open":
                self._json(400, _invalid('Only Checkout Sessions with a status in ["open"] can be expired.'))
                return
            session["status"] = "expired"
        self._json(200, session)
        threading.Timer(0.2, self.server.send_event, ("checkout.session.expired", dict(session))).start()

    def _complete(self, session_id: str) -> None:
        with self.server.lock:
            session = self._session(session_id)
            if session is None or session["status"] != "open":
                self._json(409, {"error": {"message": "session is not open"}})
                return
            session.update(
                status="complete", payment_status="paid", payment_intent=f"pi_{secrets.token_hex(8)}"
            )
        self.server.send_event("checkout.session.completed", session)
        self._redirect(str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id))

    def _back(self, session_id: str) -> None:
        """The back link of Stripe's page: to the `cancel_url`; the session stays open (it can be resumed)."""
        session = self._session(session_id)
        if session is None:
            self._json(404, _invalid(f"No such checkout.session: '{session_id}'", "resource_missing"))
            return
        self._redirect(str(session["cancel_url"]))

    def _page(self, session_id: str) -> None:
        session = self._session(session_id)
        if session is None:
            self._json(404, {"error": {"type": "invalid_request_error"}})
            return
        payable = (
            f'<form method="post" action="/checkout/{session_id}/pay">'
            '<button type="submit">Payer</button></form>'
            if session["status"] == "open"
            else "<p>Cette session de paiement n'est plus ouverte : elle ne peut plus être payée.</p>"
        )
        lines = "".join(
            f"<li>{html.escape(item['price_data']['product_data']['name'])} — "
            f"{_euros(int(item['price_data']['unit_amount']))}</li>"
            for item in session["line_items_preview"]
        )
        page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Paiement de test</title></head><body>
<h1>Paiement de test (Stripe local)</h1>
<p>Session {html.escape(session_id)} — {html.escape(session["status"])}</p>
<ul>{lines}</ul><p><strong>Total : {_euros(session["amount_total"])}</strong></p>
{payable}
<form method="post" action="/checkout/{session_id}/cancel"><button type="submit">Retour</button></form>
</body></html>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
