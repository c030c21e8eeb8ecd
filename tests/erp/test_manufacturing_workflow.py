"""Work orders from planned to done: completing one consumes its bill of materials and produces the product at what
the components cost; a refused step leaves the stock and the books as they were."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.finance import JournalEntry, JournalLine, Payment
from models.inventory import StockMove
from models.manufacturing import WorkOrder, WorkOrderStatus
from tests.factories import count, stored, update

ERRORS = "errors { field message code }"
ORDER_PAYLOAD = f"workOrder {{ id version number status quantity }} {ERRORS}"
START = f"mutation ($id: ID!) {{ startWorkOrder(id: $id) {{ {ORDER_PAYLOAD} }} }}"
COMPLETE = f"mutation ($id: ID!) {{ completeWorkOrder(id: $id) {{ {ORDER_PAYLOAD} }} }}"
DELETE = f"mutation ($id: ID!) {{ deleteWorkOrder(id: $id) {{ {ORDER_PAYLOAD} }} }}"
CANCEL = f"mutation ($id: ID!) {{ cancelWorkOrder(id: $id) {{ {ORDER_PAYLOAD} }} }}"
UPDATE = f"""
mutation ($id: ID!, $input: UpdateWorkOrderInput!) {{
  updateWorkOrder(id: $id, input: $input) {{ {ORDER_PAYLOAD} }}
}}"""
STOCK = """
query ($warehouse: String!) {
  stockLevels(warehouseCode: $warehouse) { product { sku } onHand value }
}"""


def ledger_counts(engine) -> dict[str, int]:
    """How many rows the books hold: what a refused operation must leave as it was."""
    return {model.__tablename__: count(engine, model) for model in (StockMove, JournalEntry, JournalLine, Payment)}


def state_of(engine, order) -> tuple[WorkOrderStatus, int]:
    row = stored(engine, WorkOrder, order.id)
    return row["status"], row["version"]


def stock(gql, warehouse) -> dict[str, tuple[str, str]]:
    """SKU -> (on hand, value) in the warehouse."""
    levels = gql(STOCK, {"warehouse": warehouse.code})["data"]["stockLevels"]
    return {level["product"]["sku"]: (level["onHand"], level["value"]) for level in levels}


def only_error(payload: dict) -> dict:
    assert payload["workOrder"] is None, payload
    (error,) = payload["errors"]
    return error


def step(gql, mutation: str, order) -> dict:
    (payload,) = gql(mutation, {"id": str(order.id)})["data"].values()
    return payload


@pytest.fixture
def steel(make_product):
    return make_product(sku="STEEL", name="Steel tube", unit="m")


@pytest.fixture
def paint(make_product):
    return make_product(sku="PAINT", name="Paint", unit="l")


@pytest.fixture
def table(make_product, make_bill_of_materials, make_bom_line, steel, paint):
    """A product made of 2 m of steel and 0.5 l of paint per unit."""
    product = make_product(sku="TABLE", name="Table")
    bom = make_bill_of_materials(product)
    make_bom_line(bom, steel, quantity_per_unit=Decimal("2"))
    make_bom_line(bom, paint, quantity_per_unit=Decimal("0.5"))
    return product


@pytest.fixture
def stocked(make_stock_move, warehouse, steel, paint):
    """20 m of steel worth 70.00 (10 at 3.00, 10 at 4.00: 3.50 on average) and 5 l of paint at 1.20."""
    make_stock_move(steel, warehouse, quantity=Decimal("10"), unit_cost=Decimal("3.00"))
    make_stock_move(steel, warehouse, quantity=Decimal("10"), unit_cost=Decimal("4.00"))
    make_stock_move(paint, warehouse, quantity=Decimal("5"), unit_cost=Decimal("1.20"))


@pytest.fixture
def started(engine, make_work_order, table, warehouse):
    """A work order for 3 tables, started."""
    order = make_work_order(table, warehouse, quantity=Decimal("3"))
    return update(engine, WorkOrder, order.id, {"status": WorkOrderStatus.IN_PROGRESS})


def test_a_product_without_a_bill_of_materials_is_not_started(gql, engine, make_work_order, product, warehouse):
    order = make_work_order(product, warehouse)

    error = only_error(step(gql, START, order))

    assert error == {
        "field": None,
        "message": f"{product.sku} has no bill of materials with components; add one before making it",
        "code": "INVALID_STATE",
    }
    assert state_of(engine, order) == (WorkOrderStatus.PLANNED, 1)


def test_completing_consumes_the_components_and_produces_at_their_cost(
    gql, engine, make_work_order, table, warehouse, stocked
):
    # given a planned order for 3 tables, with enough steel and paint
    order = make_work_order(table, warehouse, quantity=Decimal("3"))
    books = ledger_counts(engine)

    # when it is started and completed
    started = step(gql, START, order)
    done = step(gql, COMPLETE, order)

    # then it is done
    assert started["errors"] == done["errors"] == []
    assert (started["workOrder"]["status"], done["workOrder"]["status"]) == ("IN_PROGRESS", "DONE")
    # and 6 m of steel (at 3.50) and 1.5 l of paint (at 1.20) were used, making 3 tables worth 21.00 + 1.80
    assert stock(gql, warehouse) == {
        "STEEL": ("14.000", "49.00"),
        "PAINT": ("3.500", "4.20"),
        "TABLE": ("3.000", "22.80"),
    }
    moves = StockMove.__table__
    with engine.connect() as connection:
        made = connection.execute(
            sa.select(moves.c.quantity, moves.c.unit_cost, moves.c.value, moves.c.kind)
            .where(moves.c.reference == order.number)
            .order_by(moves.c.id)
        ).all()
    assert [(q, c, v, k.value) for q, c, v, k in made] == [
        (Decimal("-6.000"), Decimal("3.50"), Decimal("-21.00"), "production_out"),
        (Decimal("-1.500"), Decimal("1.20"), Decimal("-1.80"), "production_out"),
        (Decimal("3.000"), Decimal("7.60"), Decimal("22.80"), "production_in"),
    ]
    # and the value only moved within inventory: nothing is posted
    assert ledger_counts(engine) == books | {"stock_moves": books["stock_moves"] + 3}


def test_a_fraction_of_a_unit_uses_its_components_rounded_up_to_a_thousandth(
    gql, engine, make_work_order, table, warehouse, stocked
):
    # given an order for a third of a table (0.1665 l of paint, finer than stock is counted)
    order = make_work_order(table, warehouse, quantity=Decimal("0.333"))
    assert step(gql, START, order)["errors"] == []

    # when it is completed
    done = step(gql, COMPLETE, order)

    # then 0.666 m of steel (2.33) and 0.167 l of paint (0.20) were used, and the table part holds their value
    assert done["errors"] == []
    assert stock(gql, warehouse) == {
        "STEEL": ("19.334", "67.67"),
        "PAINT": ("4.833", "5.80"),
        "TABLE": ("0.333", "2.53"),
    }


def test_completing_with_a_short_component_names_it_and_changes_nothing(
    gql, engine, make_work_order, make_stock_move, table, warehouse, steel, paint
):
    # given 20 m of steel but only 1 l of paint, and an order for 3 tables (1.5 l of paint) started
    make_stock_move(steel, warehouse, quantity=Decimal("20"), unit_cost=Decimal("3.00"))
    make_stock_move(paint, warehouse, quantity=Decimal("1"), unit_cost=Decimal("1.20"))
    order = make_work_order(table, warehouse, quantity=Decimal("3"))
    assert step(gql, START, order)["errors"] == []
    books, before = ledger_counts(engine), stock(gql, warehouse)

    # when it is completed
    error = only_error(step(gql, COMPLETE, order))

    # then that is refused, naming the paint, and not even the steel was used
    assert error == {
        "field": None,
        "message": f"only 1 l of PAINT in {warehouse.code}; 1.5 needed",
        "code": "INVALID_STATE",
    }
    assert state_of(engine, order) == (WorkOrderStatus.IN_PROGRESS, 2)
    assert ledger_counts(engine) == books
    assert stock(gql, warehouse) == before


def test_every_short_component_is_named(gql, engine, started, warehouse):
    payload = step(gql, COMPLETE, started)

    assert payload["workOrder"] is None
    assert [(error["code"], error["message"]) for error in payload["errors"]] == [
        ("INVALID_STATE", f"only 0 m of STEEL in {warehouse.code}; 6 needed"),
        ("INVALID_STATE", f"only 0 l of PAINT in {warehouse.code}; 1.5 needed"),
    ]
    assert state_of(engine, started) == (WorkOrderStatus.IN_PROGRESS, 2)
    assert count(engine, StockMove) == 0


def test_a_planned_order_is_not_done_without_being_started(gql, engine, make_work_order, table, warehouse, stocked):
    order = make_work_order(table, warehouse)
    books = ledger_counts(engine)

    error = only_error(step(gql, COMPLETE, order))

    assert error["code"] == "INVALID_STATE"
    assert error["message"] == (
        f"work order {order.number} is planned; it can't become done (from planned it can become in progress or"
        " cancelled)"
    )
    assert state_of(engine, order) == (WorkOrderStatus.PLANNED, 1)
    assert ledger_counts(engine) == books


def test_a_planned_order_is_cancelled(gql, engine, make_work_order, table, warehouse):
    order = make_work_order(table, warehouse)

    payload = step(gql, CANCEL, order)

    assert payload["errors"] == []
    assert (payload["workOrder"]["status"], payload["workOrder"]["version"]) == ("CANCELLED", 2)


def test_a_done_order_is_not_cancelled(gql, engine, started, warehouse, stocked):
    assert step(gql, COMPLETE, started)["errors"] == []
    books, before = ledger_counts(engine), stock(gql, warehouse)

    error = only_error(step(gql, CANCEL, started))

    assert error["code"] == "INVALID_STATE"
    assert error["message"] == f"work order {started.number} is done; it can't become cancelled (that is final)"
    assert state_of(engine, started) == (WorkOrderStatus.DONE, 3)
    assert (ledger_counts(engine), stock(gql, warehouse)) == (books, before)


def test_a_done_or_started_order_is_not_deleted(gql, engine, make_work_order, table, warehouse, stocked):
    # given one order done (its stock moves name it) and one started
    done = make_work_order(table, warehouse)
    for mutation in (START, COMPLETE):
        assert step(gql, mutation, done)["errors"] == []
    started = make_work_order(table, warehouse)
    assert step(gql, START, started)["errors"] == []
    books = ledger_counts(engine)

    # when they are deleted
    refusals = [only_error(step(gql, DELETE, order)) for order in (done, started)]

    # then both stay, with what they did
    assert refusals == [
        {
            "field": ["id"],
            "message": f"work order {done.number} is done; only a planned or cancelled work order can be deleted",
            "code": "INVALID_STATE",
        },
        {
            "field": ["id"],
            "message": f"work order {started.number} is in progress; only a planned or cancelled work order can be"
            " deleted",
            "code": "INVALID_STATE",
        },
    ]
    assert (state_of(engine, done), state_of(engine, started)) == (
        (WorkOrderStatus.DONE, 3),
        (WorkOrderStatus.IN_PROGRESS, 2),
    )
    assert ledger_counts(engine) == books


def test_a_planned_or_cancelled_order_is_deleted(gql, engine, make_work_order, table, warehouse):
    planned, cancelled = make_work_order(table, warehouse), make_work_order(table, warehouse)
    assert step(gql, CANCEL, cancelled)["errors"] == []

    for order in (planned, cancelled):
        assert step(gql, DELETE, order)["errors"] == []

    assert count(engine, WorkOrder) == 0


def test_the_quantity_of_a_started_order_does_not_change(gql, engine, started):
    payload = gql(UPDATE, {"id": str(started.id), "input": {"quantity": "5"}})["data"]["updateWorkOrder"]

    assert only_error(payload) == {
        "field": ["input", "quantity"],
        "message": f"work order {started.number} is in progress; its quantity can't change any more",
        "code": "INVALID_STATE",
    }
    row = stored(engine, WorkOrder, started.id)
    assert (row["quantity"], row["version"]) == (Decimal("3.000"), 2)


def test_warehouse_staff_make_products_and_sales_staff_do_not(client_as, engine, started, warehouse, stocked):
    refused = step(client_as("sales"), COMPLETE, started)
    assert only_error(refused)["code"] == "FORBIDDEN"
    assert state_of(engine, started) == (WorkOrderStatus.IN_PROGRESS, 2)

    done = step(client_as("warehouse"), COMPLETE, started)

    assert done["errors"] == []
    assert done["workOrder"]["status"] == "DONE"
