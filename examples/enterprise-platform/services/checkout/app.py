"""The checkout service (a stand-in): answers HTTP on 8080."""
from http.server import BaseHTTPRequestHandler, HTTPServer


def status_for(path: str) -> int:
    """HTTP status for a request path: every path is served."""
    return 200 if path.startswith("/") else 400


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        code = status_for(self.path)
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok\n")


if __name__ == "__main__":
    HTTPServer(("", 8080), Handler).serve_forever()
