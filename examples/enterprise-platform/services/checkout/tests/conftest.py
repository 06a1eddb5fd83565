import threading

import pytest

from checkout.app import CheckoutServer


@pytest.fixture
def server():
    """The service on a free local port, serving from a background thread."""
    srv = CheckoutServer(("127.0.0.1", 0))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    srv.ready.set()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)
