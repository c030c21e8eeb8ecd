"""Two shipments of the last units at the same time, on two real connections: one ships, one is refused."""

import threading
import time
from decimal import Decimal

import pytest

from app.database import transaction
from models.sales import SalesOrder, SalesOrderStatus
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor
from tests.erp.books import on_hand, trial_balance
from tests.factories import stored, update


@pytest.fixture
def two_confirmed_orders(make_stock_move, make_sales_order, make_sales_order_line, customer, warehouse, product):
    """5 units in stock, and two confirmed orders for 5 units each."""
    make_stock_move(product, warehouse, quantity=Decimal("5"), unit_cost=Decimal("2.00"))
    orders = []
    for _ in range(2):
        order = make_sales_order(customer, warehouse)
        make_sales_order_line(order, product, quantity=Decimal("5"))
        orders.append(order)
    return orders


def test_two_concurrent_shipments_of_the_last_units_ship_once(engine, two_confirmed_orders, product, warehouse):
    # PostgreSQL: the second waits for the first's lock on the product; SQLite: for its write lock on the database
    for order in two_confirmed_orders:
        update(engine, SalesOrder, order.id, {"status": SalesOrderStatus.CONFIRMED})
    first, second = two_confirmed_orders
    first_has_shipped = threading.Event()
    outcomes: dict[str, object] = {}

    def ship(order, *, before_commit=None, wait_for=None) -> None:
        if wait_for is not None:
            wait_for.wait(timeout=10)
        try:
            with transaction(engine) as session:
                crud.update(session, SalesOrder, order.id, {"status": SalesOrderStatus.SHIPPED}, actor=Actor.system())
                if before_commit is not None:
                    before_commit.set()  # the other transaction starts now, while this one still holds its locks
                    time.sleep(0.5)
            outcomes[order.number] = "shipped"
        except Refused as refused:
            outcomes[order.number] = refused

    # When both ship at once: the second starts while the first has shipped but not yet committed
    threads = [
        threading.Thread(target=ship, args=(first,), kwargs={"before_commit": first_has_shipped}),
        threading.Thread(target=ship, args=(second,), kwargs={"wait_for": first_has_shipped}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then the first shipped, the second waited for it and was refused, and the stock ends at zero
    assert outcomes[first.number] == "shipped"
    refusal = outcomes[second.number]
    assert isinstance(refusal, Refused)
    assert [error.code for error in refusal.errors] == [ErrorCode.INVALID_STATE]
    assert refusal.errors[0].message == f"only 0 pcs of {product.sku} in {warehouse.code}; 5 needed"
    assert stored(engine, SalesOrder, second.id)["status"] is SalesOrderStatus.CONFIRMED
    assert on_hand(engine, product.id, warehouse.id) == Decimal("0.000")
    assert trial_balance(engine) == 0
