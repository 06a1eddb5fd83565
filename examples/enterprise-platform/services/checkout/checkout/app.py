"""The HTTP layer: health and readiness probes, metrics, and the quote endpoint.

    GET  /healthz    liveness: the process answers (200)
    GET  /readyz     readiness: 200 while serving, 503 while starting or draining
    GET  /metrics    Prometheus metrics
    POST /v1/quote   prices a cart (JSON in, JSON out)
"""
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional, Tuple
from urllib.parse import urlsplit

from . import __version__
from .metrics import Metrics
from .pricing import CartError, quote

MAX_BODY_BYTES = 64 * 1024
ROUTES = {"/healthz": "GET", "/readyz": "GET", "/metrics": "GET", "/v1/quote": "POST"}

log = logging.getLogger("checkout")


class CheckoutServer(ThreadingHTTPServer):
    """The service: an HTTP server with its metrics and a readiness flag."""

    daemon_threads = True

    def __init__(self, address: Tuple[str, int], metrics: Optional[Metrics] = None) -> None:
        super().__init__(address, Handler)
        self.metrics = metrics or Metrics()
        self.ready = threading.Event()


class Handler(BaseHTTPRequestHandler):
    server: CheckoutServer
    server_version = f"checkout/{__version__}"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        route = path if path in ROUTES else "other"
        if route == "other":
            code = self._json(404, {"error": "not found"})
        elif ROUTES[route] != method:
            code = self._json(405, {"error": f"use {ROUTES[route]}"}, allow=ROUTES[route])
        elif route == "/healthz":
            code = self._json(200, {"status": "ok"})
        elif route == "/readyz":
            ready = self.server.ready.is_set()
            code = self._json(200 if ready else 503, {"status": "ready" if ready else "not ready"})
        elif route == "/metrics":
            code = self._send(200, self.server.metrics.render().encode(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            code = self._quote()
        self.server.metrics.observe(method, route, code, time.monotonic() - started)

    def _quote(self) -> int:
        if self.headers.get_content_type() != "application/json":
            return self._json(415, {"error": "send application/json"})
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True  # a body of unknown length stays unread
            return self._json(411, {"error": "Content-Length is required"})
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True  # the body stays unread
            return self._json(413, {"error": f"a cart is at most {MAX_BODY_BYTES} bytes"})
        try:
            cart = json.loads(self.rfile.read(int(length)))
        except ValueError:
            return self._json(400, {"error": "the body is not valid JSON"})
        try:
            return self._json(200, quote(cart).to_dict())
        except CartError as e:
            return self._json(422, {"error": e.message, "field": e.field})

    def _json(self, code: int, body: Any, allow: Optional[str] = None) -> int:
        return self._send(code, json.dumps(body).encode(), "application/json", allow)

    def _send(self, code: int, body: bytes, content_type: str, allow: Optional[str] = None) -> int:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        self.wfile.write(body)
        return code

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        log.info(json.dumps({"client": self.client_address[0], "request": format % args}))
