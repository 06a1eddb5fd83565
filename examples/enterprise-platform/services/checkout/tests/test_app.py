import http.client
import json
import threading

import pytest

import checkout.__main__ as entry
from checkout.app import MAX_BODY_BYTES


def call(server, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def post_json(server, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return call(server, "POST", "/v1/quote", data, {"Content-Type": content_type})


def test_liveness_answers(server):
    status, _, body = call(server, "GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_readiness_follows_the_ready_flag(server):
    assert call(server, "GET", "/readyz")[0] == 200
    server.ready.clear()
    status, _, body = call(server, "GET", "/readyz")
    assert (status, json.loads(body)) == (503, {"status": "not ready"})


def test_quotes_a_cart(server):
    status, headers, body = post_json(server, {
        "currency": "EUR", "coupon": "WELCOME10",
        "items": [{"sku": "BOOK-1", "quantity": 2, "unit_price_cents": 1250}],
    })
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["total_cents"] == 2678


def test_a_bad_cart_is_422_with_the_field(server):
    status, _, body = post_json(server, {"currency": "CHF", "items": []})
    assert (status, json.loads(body)["field"]) == (422, "currency")


@pytest.mark.parametrize("data, content_type, expected", [
    (b"{not json", "application/json", 400),
    (b"{}", "text/plain", 415),
])
def test_refuses_bodies_it_cannot_read(server, data, content_type, expected):
    assert post_json(server, data, content_type)[0] == expected


def test_requires_a_content_length(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    conn.putrequest("POST", "/v1/quote")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"0\r\n\r\n")
    assert conn.getresponse().status == 411
    conn.close()


def test_refuses_an_oversized_cart(server):
    status, _, _ = call(server, "POST", "/v1/quote", b"", {
        "Content-Type": "application/json", "Content-Length": str(MAX_BODY_BYTES + 1)})
    assert status == 413


def test_unknown_paths_and_wrong_methods(server):
    assert call(server, "GET", "/admin")[0] == 404
    status, headers, _ = call(server, "GET", "/v1/quote")
    assert (status, headers["Allow"]) == (405, "POST")
    assert call(server, "POST", "/healthz", b"")[0] == 405


def wait_for_count(server, method, route, code, expected):
    """A request is counted once its answer is sent, in the server's thread: the client may read the
    answer before that thread has counted it."""
    for _ in range(500):
        if server.metrics.requests(method, route, code) == expected:
            break
        threading.Event().wait(0.01)
    assert server.metrics.requests(method, route, code) == expected


def test_metrics_count_each_request_by_route_and_code(server):
    call(server, "GET", "/healthz")
    call(server, "GET", "/nope?x=1")
    wait_for_count(server, "GET", "/healthz", 200, 1)
    wait_for_count(server, "GET", "other", 404, 1)
    status, headers, body = call(server, "GET", "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert 'checkout_http_requests_total{code="200",method="GET",route="/healthz"} 1' in text
    assert 'checkout_http_requests_total{code="404",method="GET",route="other"} 1' in text
    wait_for_count(server, "GET", "/metrics", 200, 1)


def test_sigterm_turns_not_ready_then_stops(monkeypatch):
    handlers = {}
    monkeypatch.setattr(entry.signal, "signal", lambda sig, handler: handlers.setdefault(sig, handler))
    monkeypatch.setenv("PORT", "0")
    monkeypatch.setenv("DRAIN_SECONDS", "0")
    created = []
    real_server = entry.CheckoutServer
    monkeypatch.setattr(entry, "CheckoutServer", lambda address: created.append(real_server(("127.0.0.1", address[1]))) or created[0])
    result = []
    thread = threading.Thread(target=lambda: result.append(entry.main()), daemon=True)
    thread.start()
    for _ in range(500):
        if created and created[0].ready.is_set():
            break
        threading.Event().wait(0.01)
    server = created[0]
    assert call(server, "GET", "/readyz")[0] == 200
    handlers[entry.signal.SIGTERM]()
    assert not server.ready.is_set()
    thread.join(timeout=5)
    assert result == [0]
    assert handlers[entry.signal.SIGINT] is handlers[entry.signal.SIGTERM]
