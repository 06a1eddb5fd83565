"""Prices a cart: the service's business logic, free of I/O.

Amounts are integer cents, so no rounding error creeps in between the lines, the discount and the tax.
"""
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

# value-added tax per currency, in basis points (1900 = 19 %)
TAX_RATES_BP: Dict[str, int] = {"EUR": 1900, "GBP": 2000, "USD": 0}
# coupon code -> percent off the subtotal
COUPONS: Dict[str, int] = {"WELCOME10": 10, "LOYAL20": 20}

MAX_ITEMS = 100
MAX_QUANTITY = 999
MAX_UNIT_PRICE_CENTS = 10_000_000
SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


class CartError(ValueError):
    """A cart the service refuses, with the field that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_price_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: List[Line]
    subtotal_cents: int
    discount_cents: int
    tax_cents: int

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents + self.tax_cents

    def to_dict(self) -> Dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [
                {"sku": line.sku, "quantity": line.quantity, "line_total_cents": line.total_cents}
                for line in self.lines
            ],
            "subtotal_cents": self.subtotal_cents,
            "discount_cents": self.discount_cents,
            "tax_cents": self.tax_cents,
            "total_cents": self.total_cents,
        }


def percent_of(amount_cents: int, basis_points: int) -> int:
    """`amount * basis_points / 10000`, rounded half up (amounts are never negative)."""
    return (amount_cents * basis_points + 5000) // 10000


def _int_in(value: Any, field: str, low: int, high: int) -> int:
    # bool is an int in Python; a cart with "quantity": true is a client bug
    if not isinstance(value, int) or isinstance(value, bool):
        raise CartError(field, "must be an integer")
    if not low <= value <= high:
        raise CartError(field, f"must be between {low} and {high}, got {value}")
    return value


def parse_line(raw: Any, index: int) -> Line:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        raise CartError(where, "must be an object")
    sku = raw.get("sku")
    if not isinstance(sku, str) or not SKU.match(sku):
        raise CartError(f"{where}.sku", "must be 1-32 upper-case letters, digits or '-'")
    quantity = _int_in(raw.get("quantity"), f"{where}.quantity", 1, MAX_QUANTITY)
    price = _int_in(raw.get("unit_price_cents"), f"{where}.unit_price_cents", 0, MAX_UNIT_PRICE_CENTS)
    return Line(sku, quantity, price)


def quote(cart: Any) -> Quote:
    """Prices a cart such as `{"currency": "EUR", "items": [...], "coupon": "WELCOME10"}`."""
    if not isinstance(cart, dict):
        raise CartError("cart", "must be a JSON object")
    currency = cart.get("currency")
    if currency not in TAX_RATES_BP:
        raise CartError("currency", f"must be one of {', '.join(sorted(TAX_RATES_BP))}")
    items = cart.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise CartError("items", f"must be a list of 1 to {MAX_ITEMS} items")
    lines = [parse_line(raw, i) for i, raw in enumerate(items)]
    seen = set()
    for i, line in enumerate(lines):
        if line.sku in seen:
            raise CartError(f"items[{i}].sku", f"{line.sku} appears twice; send one line with the total quantity")
        seen.add(line.sku)
    coupon: Optional[str] = cart.get("coupon")
    if coupon is not None and coupon not in COUPONS:
        raise CartError("coupon", "is not a valid coupon")
    subtotal = sum(line.total_cents for line in lines)
    discount = percent_of(subtotal, COUPONS[coupon] * 100) if coupon else 0
    tax = percent_of(subtotal - discount, TAX_RATES_BP[currency])
    return Quote(currency, lines, subtotal, discount, tax)
