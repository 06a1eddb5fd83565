import pytest

from checkout.pricing import CartError, percent_of, quote


def cart(**overrides):
    body = {"currency": "EUR", "items": [{"sku": "BOOK-1", "quantity": 2, "unit_price_cents": 1250}]}
    body.update(overrides)
    return body


def test_prices_lines_and_adds_the_tax():
    q = quote(cart(items=[
        {"sku": "BOOK-1", "quantity": 2, "unit_price_cents": 1250},
        {"sku": "PEN", "quantity": 1, "unit_price_cents": 199},
    ]))
    assert q.subtotal_cents == 2699
    assert q.discount_cents == 0
    assert q.tax_cents == 513  # 19 % of 26.99 = 5.1281, rounded
    assert q.total_cents == 3212
    assert q.to_dict()["lines"] == [
        {"sku": "BOOK-1", "quantity": 2, "line_total_cents": 2500},
        {"sku": "PEN", "quantity": 1, "line_total_cents": 199},
    ]


def test_a_coupon_comes_off_before_the_tax():
    q = quote(cart(coupon="WELCOME10"))
    assert (q.subtotal_cents, q.discount_cents, q.tax_cents, q.total_cents) == (2500, 250, 428, 2678)


def test_tax_depends_on_the_currency():
    assert quote(cart(currency="USD")).tax_cents == 0
    assert quote(cart(currency="GBP")).tax_cents == 500


def test_rounds_half_up():
    assert percent_of(50, 1000) == 5
    assert percent_of(5, 1000) == 1  # 0.5 cents
    assert percent_of(4, 1000) == 0


@pytest.mark.parametrize("body, field", [
    ([], "cart"),
    (cart(currency="CHF"), "currency"),
    (cart(items=[]), "items"),
    (cart(items="BOOK-1"), "items"),
    (cart(items=[{"sku": f"S{i}", "quantity": 1, "unit_price_cents": 1} for i in range(101)]), "items"),
    (cart(items=["BOOK-1"]), "items[0]"),
    (cart(items=[{"sku": "book", "quantity": 1, "unit_price_cents": 1}]), "items[0].sku"),
    (cart(items=[{"sku": "BOOK", "quantity": 0, "unit_price_cents": 1}]), "items[0].quantity"),
    (cart(items=[{"sku": "BOOK", "quantity": True, "unit_price_cents": 1}]), "items[0].quantity"),
    (cart(items=[{"sku": "BOOK", "quantity": 1, "unit_price_cents": "1"}]), "items[0].unit_price_cents"),
    (cart(items=[{"sku": "BOOK", "quantity": 1, "unit_price_cents": -1}]), "items[0].unit_price_cents"),
    (cart(items=[{"sku": "BOOK", "quantity": 1, "unit_price_cents": 1}, {"sku": "BOOK", "quantity": 2, "unit_price_cents": 1}]), "items[1].sku"),
    (cart(coupon="FREE"), "coupon"),
])
def test_refuses_a_bad_cart_naming_the_field(body, field):
    with pytest.raises(CartError) as e:
        quote(body)
    assert e.value.field == field
    assert str(e.value).startswith(f"{field}: ")
