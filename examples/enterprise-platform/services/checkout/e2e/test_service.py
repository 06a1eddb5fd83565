"""End-to-end tests against the deployed service (E2E_BASE_URL, set by the kind E2E job)."""
import json
import os
import unittest
import urllib.error
import urllib.request

BASE_URL = os.environ.get("E2E_BASE_URL", "http://127.0.0.1:8080")


def request(method: str, path: str, body: bytes = b"", content_type: str = "application/json"):
    req = urllib.request.Request(BASE_URL + path, data=body if method == "POST" else None, method=method)
    if method == "POST":
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class ServiceTest(unittest.TestCase):
    def test_probes_answer(self) -> None:
        self.assertEqual(request("GET", "/healthz")[0], 200)
        status, body = request("GET", "/readyz")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "ready")

    def test_quote_refuses_what_is_not_json(self) -> None:
        self.assertEqual(request("POST", "/v1/quote", b"cart", "text/plain")[0], 415)

    def test_metrics_are_exposed(self) -> None:
        status, body = request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn(b"# TYPE", body)


if __name__ == "__main__":
    unittest.main()
