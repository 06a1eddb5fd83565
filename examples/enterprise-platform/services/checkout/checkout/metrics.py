"""Request metrics in the Prometheus text format (0.0.4), without a client library."""
import threading
from typing import Dict, List, Tuple

# seconds; the SLO's latency threshold (250 ms) is one of the bounds
BUCKETS: Tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _labels(**labels: str) -> str:
    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return "{" + body + "}"


class Metrics:
    """Counts requests by method, route and status code, and their duration by route."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Dict[Tuple[str, str, str], int] = {}
        self._buckets: Dict[str, List[int]] = {}
        self._sums: Dict[str, float] = {}
        self._counts: Dict[str, int] = {}

    def observe(self, method: str, route: str, code: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, str(code))
            self._requests[key] = self._requests.get(key, 0) + 1
            buckets = self._buckets.setdefault(route, [0] * len(BUCKETS))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self._sums[route] = self._sums.get(route, 0.0) + seconds
            self._counts[route] = self._counts.get(route, 0) + 1

    def requests(self, method: str, route: str, code: int) -> int:
        with self._lock:
            return self._requests.get((method, route, str(code)), 0)

    def render(self) -> str:
        with self._lock:
            out = [
                "# HELP checkout_http_requests_total HTTP requests by method, route and status code.",
                "# TYPE checkout_http_requests_total counter",
            ]
            for (method, route, code), n in sorted(self._requests.items()):
                out.append(f"checkout_http_requests_total{_labels(method=method, route=route, code=code)} {n}")
            out += [
                "# HELP checkout_http_request_duration_seconds Time to answer an HTTP request, by route.",
                "# TYPE checkout_http_request_duration_seconds histogram",
            ]
            for route in sorted(self._buckets):
                for bound, n in zip(BUCKETS, self._buckets[route]):
                    out.append(f"checkout_http_request_duration_seconds_bucket{_labels(route=route, le=repr(bound))} {n}")
                out.append(f"checkout_http_request_duration_seconds_bucket{_labels(route=route, le='+Inf')} {self._counts[route]}")
                out.append(f"checkout_http_request_duration_seconds_sum{_labels(route=route)} {self._sums[route]}")
                out.append(f"checkout_http_request_duration_seconds_count{_labels(route=route)} {self._counts[route]}")
            return "\n".join(out) + "\n"
