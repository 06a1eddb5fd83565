"""The checkout service: prices carts over HTTP (standard library only)."""

__version__ = "1.0.0"
