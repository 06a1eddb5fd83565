from checkout.metrics import Metrics


def test_counts_requests_and_buckets_durations():
    m = Metrics()
    m.observe("GET", "/healthz", 200, 0.002)
    m.observe("GET", "/healthz", 200, 0.3)
    m.observe("POST", "/v1/quote", 422, 0.01)
    assert m.requests("GET", "/healthz", 200) == 2
    assert m.requests("GET", "/healthz", 500) == 0
    text = m.render()
    assert 'checkout_http_requests_total{code="200",method="GET",route="/healthz"} 2' in text
    assert 'checkout_http_requests_total{code="422",method="POST",route="/v1/quote"} 1' in text
    assert 'checkout_http_request_duration_seconds_bucket{le="0.005",route="/healthz"} 1' in text
    assert 'checkout_http_request_duration_seconds_bucket{le="0.25",route="/healthz"} 1' in text
    assert 'checkout_http_request_duration_seconds_bucket{le="0.5",route="/healthz"} 2' in text
    assert 'checkout_http_request_duration_seconds_bucket{le="+Inf",route="/healthz"} 2' in text
    assert 'checkout_http_request_duration_seconds_count{route="/healthz"} 2' in text
    assert text.endswith("\n")


def test_renders_the_metric_families_before_any_request():
    text = Metrics().render()
    assert "# TYPE checkout_http_requests_total counter" in text
    assert "# TYPE checkout_http_request_duration_seconds histogram" in text
