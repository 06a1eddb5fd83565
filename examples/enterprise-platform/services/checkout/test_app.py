from app import status_for


def test_serves_paths():
    assert status_for("/") == 200
    assert status_for("/checkout") == 200


def test_rejects_relative():
    assert status_for("checkout") == 400
