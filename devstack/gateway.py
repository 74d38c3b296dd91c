"""The local gateway: one origin on 127.0.0.1 that serves web/ and routes /api/<area>/ to the four
Chalice apps in-process, as CloudFront and API Gateway (stage `api`) do in AWS."""

from __future__ import annotations

import base64
import http.client
import importlib.util
import json
import mimetypes
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException

from devstack.config import ROOT
from devstack.mailbox import Postmarks, as_json, index_page, sent_mails
from mesfactures.areas import API_AREAS as AREAS  # the apps with an HTTP API
from mesfactures.areas import EVENT_AREAS as EVENT_ONLY  # apps that only handle events
from mesfactures.documents.origin import site_content_security_policy

WEB_ROOT = ROOT / "web"


def site_headers(document_store_origin: str) -> dict[str, str]:
    """The site's security headers; the browser may also PUT attachments to the document store."""
    return {
        "Content-Security-Policy": site_content_security_policy(document_store_origin),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


_NOT_FOUND: dict[str, Any] = {
    "statusCode": 404,
    "headers": {"Content-Type": "application/json; charset=utf-8"},
    "body": '{"code": "not_found", "message": "Élément introuvable."}',
}


def _description(area: str) -> dict[str, Any]:
    """The service's OpenAPI description, published beside its API (in AWS, with the static site)."""
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache"},
        "body": (ROOT / "services" / area / "openapi.json").read_text(encoding="utf-8"),
    }


def load_service(area: str) -> ModuleType:
    """Imports services/<area>/app.py under a name of its own: the four files are all called app.py."""
    path = ROOT / "services" / area / "app.py"
    spec = importlib.util.spec_from_file_location(f"mesfactures_service_{area}", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # In Lambda one instance serves one request at a time; here threads serve many at once, so the app's
    # current_request must be per thread, as `chalice local` does with LocalChalice.
    module.app.__class__ = type(f"Local{type(module.app).__name__}", (LocalChalice, type(module.app)), {})
    return module


class Gateway:
    def __init__(self) -> None:
        from mesfactures import wiring

        self.services = {name: load_service(name) for name in AREAS + EVENT_ONLY}
        wiring.build_everything_now()  # the processes share nothing: each builds its own at its start
        self._gateways = {
            area: LocalGateway(self.services[area].app, Config(chalice_stage="local")) for area in AREAS
        }

    def api(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        area = path.split("/")[2] if path.count("/") >= 2 else ""
        gateway = self._gateways.get(area)
        if gateway is None:
            return {
                "statusCode": 404,
                "headers": {"Content-Type": "application/json"},
                "body": '{"code": "not_found", "message": "Élément introuvable."}',
            }
        if method == "GET" and urlsplit(path).path == f"/api/{area}/openapi.json":
            return _description(area)
        try:
            return gateway.handle_request(method, path.removeprefix("/api"), headers, body)
        except LocalGatewayException:
            # API Gateway answers an unknown route with 403 "Missing Authentication Token"; behind
            # CloudFront the site sees our own 404 shape, which this reproduces.
            return _NOT_FOUND


class _Handler(BaseHTTPRequestHandler):
    server: GatewayServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm the body then waits for the client's
    # delayed ACK of the headers, about 40 ms on every keep-alive response (measured by `make bench`).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def send_response(self, code: int, message: str | None = None) -> None:
        """As BaseHTTPRequestHandler's, without its `Server: BaseHTTP/… Python/…` header: CloudFront does
        not name what runs behind it, and neither does this gateway (errors it sends itself included)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _dispatch(self) -> None:
        if self.path.startswith("/api/"):
            self._api()
        elif self.path.startswith("/_dev/mail") and self.command == "GET":
            self._mail()
        elif self.command in ("GET", "HEAD"):
            self._static()
        else:
            self._send(405, {"Content-Type": "text/plain"}, b"Method not allowed")

    def _api(self) -> None:
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            self._send(400, {"Content-Type": "text/plain; charset=utf-8"}, b"Content-Length invalide")
            return
        body = self.rfile.read(length) if length else None
        headers = {key.lower(): value for key, value in self.headers.items()}
        response = self.server.gateway.api(self.command, self.path, headers, body)
        out_headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            out_headers[name] = values
        payload = response.get("body") or ""
        raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
        self._send(response["statusCode"], out_headers, raw)

    def _mail(self) -> None:
        """The local outbox page: what SES would have delivered. Mail HTML is shown with no script allowed.
        /_dev/mail.json gives the same mails as data (newest last), for tests and scripts."""
        if self.server.mail_upstream is not None:
            self._from_upstream(self.server.mail_upstream)
            return
        mails = sent_mails(self.server.moto_url, self.server.postmarks)
        if urlsplit(self.path).path == "/_dev/mail.json":
            data = json.dumps(as_json(mails), ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
            self._send(200, headers, data)
            return
        wanted = self.path.removeprefix("/_dev/mail").strip("/")
        if not wanted:
            page = index_page(mails).encode()
            self._send(
                200, {"Content-Type": "text/html; charset=utf-8", **site_headers(self.server.moto_url)}, page
            )
            return
        mail = next((mail for mail in mails if mail.message_id == wanted), None)
        if mail is None:
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Message introuvable")
            return
        policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy}
        self._send(200, headers, mail.body.encode())

    def _from_upstream(self, port: int) -> None:
        """A worker's answer to the outbox page: the first process's, which stamps the mails (postmarks)."""
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            upstream.request("GET", self.path)
            answer = upstream.getresponse()
            headers = {k: v for k, v in answer.getheaders() if k.lower() not in ("date", "connection")}
            self._send(answer.status, headers, answer.read())
        finally:
            upstream.close()

    def _static(self) -> None:
        path = urlsplit(self.path).path
        relative = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (WEB_ROOT / relative).resolve()
        if not target.is_relative_to(WEB_ROOT) or not target.is_file():
            # The site's own 404 page, as CloudFront answers (infra/portal/edge.py).
            headers = {
                "Content-Type": "text/html; charset=utf-8",
                "Cache-Control": "no-cache",
                **site_headers(self.server.moto_url),
            }
            self._send(404, headers, (WEB_ROOT / "404.html").read_bytes())
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        headers = {
            "Content-Type": content_type,
            "Cache-Control": "no-cache",
            **site_headers(self.server.moto_url),
        }
        self._send(200, headers, target.read_bytes())

    def _send(self, status: int, headers: dict[str, Any], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() == "content-length":
                continue
            for one in value if isinstance(value, list) else [value]:
                self.send_header(name, str(one))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class GatewayServer(ThreadingHTTPServer):
    """One process of the gateway. With `shared`, several processes listen on the same port
    (SO_REUSEPORT) and the kernel spreads the connections among them: each has its own interpreter lock,
    so concurrent users are served on every core."""

    daemon_threads = True
    request_queue_size = 128  # the default (5) resets connections when many users arrive at once

    def __init__(
        self,
        port: int,
        gateway: Gateway,
        verbose: bool,
        moto_url: str,
        postmarks: Postmarks | None = None,
        *,
        shared: bool = False,
        mail_upstream: int | None = None,
    ) -> None:
        self.shared = shared
        super().__init__(("127.0.0.1", port), _Handler)
        self.gateway = gateway
        self.verbose = verbose
        self.moto_url = moto_url
        self.postmarks = postmarks  # when and with what text part each mail left (devstack/mailbox.py)
        self.mail_upstream = mail_upstream  # a worker asks the first process for the outbox page
        self.workers: list[subprocess.Popen[bytes]] = []
        self.companions: list[GatewayServer] = []

    def server_bind(self) -> None:
        if self.shared:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

    def shutdown(self) -> None:
        for companion in self.companions:
            companion.shutdown()
        super().shutdown()

    def server_close(self) -> None:
        """Stops the worker processes too (they also end with this process: devstack/processes.py)."""
        from devstack.processes import stop

        for worker in self.workers:
            stop(worker)
        for companion in self.companions:
            companion.server_close()
        super().server_close()


def gateway_processes() -> int:
    """One gateway process per core this process may use (MESFACTURES_GATEWAY_PROCESSES to choose)."""
    chosen = os.environ.get("MESFACTURES_GATEWAY_PROCESSES")
    return max(1, int(chosen)) if chosen else len(os.sched_getaffinity(0))


def serve(
    port: int,
    moto_url: str,
    verbose: bool = False,
    postmarks: Postmarks | None = None,
    *,
    log_dir: Path | None = None,
) -> GatewayServer:
    """Starts the gateway in background threads and returns its server (shutdown() and server_close()
    stop it, its workers included): this process, and one worker process per further core, each with the
    four apps, all on `port`. The first process alone keeps the outbox page, the events (queues, the
    table's stream) and what the tests look into."""
    workers = gateway_processes() - 1
    server = GatewayServer(port, Gateway(), verbose, moto_url, postmarks, shared=workers > 0)
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
    if workers:
        # The outbox page for the workers, on a port of its own: they ask this process for it.
        mail = GatewayServer(0, server.gateway, verbose, moto_url, postmarks)
        threading.Thread(target=mail.serve_forever, name="gateway-mail", daemon=True).start()
        server.companions.append(mail)
        import tempfile

        logs = log_dir or Path(tempfile.gettempdir())
        try:
            server.workers = [
                _start_worker(port, moto_url, verbose, mail.server_address[1], logs / f"gateway-{n}.log")
                for n in range(1, workers + 1)
            ]
        except BaseException:
            server.shutdown()
            server.server_close()
            raise
    return server


def _start_worker(
    port: int, moto_url: str, verbose: bool, mail_port: int, log: Path
) -> subprocess.Popen[bytes]:
    from devstack.processes import start

    command = [sys.executable, "-m", "devstack.gateway", str(port), moto_url, str(mail_port)]
    log.unlink(missing_ok=True)  # a ready line of an earlier start must not count
    worker = start([*command, *(["--verbose"] if verbose else [])], log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"a gateway worker stopped at start: see {log}")
        if log.exists() and READY in log.read_text(errors="replace"):
            return worker
        time.sleep(0.1)
    raise RuntimeError(f"a gateway worker did not start: see {log}")


READY = "gateway worker ready"


def _worker_main(arguments: list[str]) -> None:
    """`python -m devstack.gateway PORT MOTO_URL MAIL_PORT [--verbose]`: one more process of the gateway,
    started by `serve` with the stack's environment; it ends with its parent or on SIGTERM."""
    import signal

    port, moto_url, mail_port = int(arguments[0]), arguments[1], int(arguments[2])
    server = GatewayServer(
        port, Gateway(), "--verbose" in arguments, moto_url, shared=True, mail_upstream=mail_port
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
    print(READY, flush=True)
    parent = os.getppid()
    while not stopping.wait(1) and os.getppid() == parent:
        pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    _worker_main(sys.argv[1:])
