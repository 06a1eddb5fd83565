"""Runs the service: `python -m checkout` (PORT, default 8080; DRAIN_SECONDS, default 5).

On SIGTERM the pod turns not-ready at once, keeps serving for DRAIN_SECONDS while Kubernetes and the
mesh stop sending it traffic, then stops.
"""
import logging
import os
import signal
import sys
import threading
from typing import Any, Callable

from .app import CheckoutServer


def drain_then_stop(server: CheckoutServer, drain_seconds: float) -> Callable[..., None]:
    """The SIGTERM handler: not ready now, shut down after the drain period."""

    def handler(*_: Any) -> None:
        server.ready.clear()
        timer = threading.Timer(drain_seconds, server.shutdown)
        timer.daemon = True
        timer.start()

    return handler


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = CheckoutServer(("", int(os.environ.get("PORT", "8080"))))
    stop = drain_then_stop(server, float(os.environ.get("DRAIN_SECONDS", "5")))
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.ready.set()
    logging.getLogger("checkout").info("listening on port %d", server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":  # pragma: no cover (the container's entry point)
    sys.exit(main())
