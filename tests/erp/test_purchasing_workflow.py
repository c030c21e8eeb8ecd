"""Purchase orders from draft to received and paid: placing, receiving in parts, the stock and the payable each
receipt posts, paying the supplier, and every refused step leaving the books as they were."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.finance import Account, JournalEntry, JournalLine, Payment
from models.inventory import StockMove
from models.purchasing import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from models.system import AuditEvent
from tests.factories import count, stored, update

ERRORS = "errors { field message code }"
ORDER_FIELDS = (
    "id version number status totalAmount receivedAmount paidAmount lines { lineNo quantity unitCost receivedQuantity }"
)
ORDER_PAYLOAD = f"purchaseOrder {{ {ORDER_FIELDS} }} {ERRORS}"

PLACE = f"mutation ($id: ID!) {{ placePurchaseOrder(id: $id) {{ {ORDER_PAYLOAD} }} }}"
CANCEL = f"mutation ($id: ID!) {{ cancelPurchaseOrder(id: $id) {{ {ORDER_PAYLOAD} }} }}"
RECEIVE = f"""
mutation ($id: ID!, $version: Int, $lines: [ReceiptLineInput!]) {{
  receivePurchaseOrder(id: $id, version: $version, lines: $lines) {{ {ORDER_PAYLOAD} }}
}}"""
UPDATE_ORDER = f"""
mutation ($id: ID!, $input: UpdatePurchaseOrderInput!) {{
  updatePurchaseOrder(id: $id, input: $input) {{ {ORDER_PAYLOAD} }}
}}"""
CREATE_LINE = f"""
mutation ($input: CreatePurchaseOrderLineInput!) {{
  createPurchaseOrderLine(input: $input) {{ purchaseOrderLine {{ id quantity }} {ERRORS} }}
}}"""
UPDATE_LINE = f"""
mutation ($id: ID!, $input: UpdatePurchaseOrderLineInput!) {{
  updatePurchaseOrderLine(id: $id, input: $input) {{ purchaseOrderLine {{ id quantity }} {ERRORS} }}
}}"""
DELETE_LINE = f"""
mutation ($id: ID!) {{ deletePurchaseOrderLine(id: $id) {{ purchaseOrderLine {{ id }} {ERRORS} }} }}"""
PAY = f"""
mutation ($id: ID!, $amount: Decimal!) {{
  payPurchaseOrder(purchaseOrderId: $id, amount: $amount) {{ payment {{ id direction amount }} {ERRORS} }}
}}"""
STOCK = """
query ($sku: String!, $warehouse: String!) {
  stockLevels(productSku: $sku, warehouseCode: $warehouse) { onHand value }
}"""


# --- helpers --------------------------------------------------------------------------------------------------------


def ledger_counts(engine) -> dict[str, int]:
    """How many rows the books hold: what a refused operation must leave as it was."""
    return {model.__tablename__: count(engine, model) for model in (StockMove, JournalEntry, JournalLine, Payment)}


def state_of(engine, order) -> tuple[PurchaseOrderStatus, int, Decimal, Decimal]:
    row = stored(engine, PurchaseOrder, order.id)
    return row["status"], row["version"], row["received_amount"], row["paid_amount"]


def postings(engine, source: str) -> list[list[tuple[str, Decimal, Decimal]]]:
    """Each journal entry with this source, in order, as its lines' (account code, debit, credit)."""
    entries, lines, accounts = JournalEntry.__table__, JournalLine.__table__, Account.__table__
    query = (
        sa.select(entries.c.id, accounts.c.code, lines.c.debit, lines.c.credit)
        .join(lines, lines.c.entry_id == entries.c.id)
        .join(accounts, accounts.c.id == lines.c.account_id)
        .where(entries.c.source == source)
        .order_by(entries.c.id, lines.c.id)
    )
    found: dict[int, list] = {}
    with engine.connect() as connection:
        for entry_id, code, debit, credit in connection.execute(query):
            found.setdefault(entry_id, []).append((code, debit, credit))
    return list(found.values())


def receipt_moves(engine, reference: str) -> list[tuple[int, Decimal, Decimal, Decimal, str]]:
    """The stock moves a document caused: (product id, quantity, unit cost, value, kind), in order."""
    moves = StockMove.__table__
    query = (
        sa.select(moves.c.product_id, moves.c.quantity, moves.c.unit_cost, moves.c.value, moves.c.kind)
        .where(moves.c.reference == reference)
        .order_by(moves.c.id)
    )
    with engine.connect() as connection:
        return [(p, q, c, v, k.value) for p, q, c, v, k in connection.execute(query)]


def lines_of(engine, order) -> list[dict]:
    table = PurchaseOrderLine.__table__
    with engine.connect() as connection:
        query = sa.select(table).where(table.c.order_id == order.id).order_by(table.c.line_no)
        return [dict(row) for row in connection.execute(query).mappings()]


def only_error(payload: dict, object_field: str) -> dict:
    assert payload[object_field] is None, payload
    (error,) = payload["errors"]
    return error


def receive(gql, order, lines=None, **variables) -> dict:
    body = gql(RECEIVE, {"id": str(order.id), "lines": lines} | variables)
    return body["data"]["receivePurchaseOrder"]


@pytest.fixture
def bolts(make_product):
    return make_product(sku="BOLT-M8", name="Bolt M8")


@pytest.fixture
def nuts(make_product):
    return make_product(sku="NUT-M8", name="Nut M8")


@pytest.fixture
def draft_order(make_purchase_order, make_purchase_order_line, supplier, warehouse, bolts, nuts):
    """A draft of 54.00: line 1, 10 bolts at 2.50; line 2, 4 nuts at 7.25."""
    order = make_purchase_order(supplier, warehouse)
    make_purchase_order_line(order, bolts, line_no=1, quantity=Decimal("10"), unit_cost=Decimal("2.50"))
    make_purchase_order_line(order, nuts, line_no=2, quantity=Decimal("4"), unit_cost=Decimal("7.25"))
    return order


@pytest.fixture
def ordered(engine, draft_order):
    """The draft above, placed with the supplier."""
    return update(engine, PurchaseOrder, draft_order.id, {"status": PurchaseOrderStatus.ORDERED})


# --- placing --------------------------------------------------------------------------------------------------------


def test_placing_a_draft_with_lines_orders_it_and_audits_the_step(gql, engine, draft_order):
    # when the draft is placed
    payload = gql(PLACE, {"id": str(draft_order.id)})["data"]["placePurchaseOrder"]

    # then it is ordered, with its total, nothing received or paid yet
    assert payload["errors"] == []
    order = payload["purchaseOrder"]
    assert (order["status"], order["version"]) == ("ORDERED", 2)
    assert (order["totalAmount"], order["receivedAmount"], order["paidAmount"]) == ("54.00", "0.00", "0.00")
    # and the step is in the audit trail under its own name
    events = AuditEvent.__table__
    with engine.connect() as connection:
        actions = connection.scalars(
            sa.select(events.c.action).where(events.c.entity == "PurchaseOrder", events.c.entity_id == draft_order.id)
        ).all()
    assert actions == ["create", "order"]
    # and nothing has moved yet
    assert ledger_counts(engine) == {"stock_moves": 0, "journal_entries": 0, "journal_lines": 0, "payments": 0}


def test_a_draft_without_lines_is_not_placed(gql, engine, purchase_order):
    payload = gql(PLACE, {"id": str(purchase_order.id)})["data"]["placePurchaseOrder"]

    error = only_error(payload, "purchaseOrder")
    assert error["code"] == "INVALID_STATE"
    assert error["message"] == f"purchase order {purchase_order.number} has no lines to order"
    assert state_of(engine, purchase_order)[:2] == (PurchaseOrderStatus.DRAFT, 1)


# --- receiving ------------------------------------------------------------------------------------------------------


def test_a_partial_receipt_moves_stock_in_at_cost_and_posts_the_payable(gql, engine, ordered, bolts, warehouse):
    # when 4 of the 10 bolts arrive
    payload = receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])

    # then the line counts them, the order owes their value and is still ordered
    assert payload["errors"] == []
    order = payload["purchaseOrder"]
    assert (order["status"], order["receivedAmount"], order["totalAmount"]) == ("ORDERED", "10.00", "54.00")
    assert [(line["lineNo"], line["receivedQuantity"]) for line in order["lines"]] == [(1, "4.000"), (2, "0.000")]
    # and the bolts came in at the line's cost
    assert receipt_moves(engine, ordered.number) == [
        (bolts.id, Decimal("4.000"), Decimal("2.50"), Decimal("10.00"), "receipt")
    ]
    level = gql(STOCK, {"sku": bolts.sku, "warehouse": warehouse.code})["data"]["stockLevels"]
    assert level == [{"onHand": "4.000", "value": "10.00"}]
    # and the payable is posted: inventory up, owed to the supplier
    assert postings(engine, ordered.number) == [[("1200", Decimal("10.00"), Decimal("0.00")),
                                                 ("2000", Decimal("0.00"), Decimal("10.00"))]]  # fmt: skip


def test_receiving_the_rest_makes_the_order_received(gql, engine, ordered, bolts, nuts, warehouse):
    # given 4 bolts arrived earlier
    receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])

    # when the other 6 bolts and all 4 nuts arrive
    payload = receive(gql, ordered, [{"lineNo": 2, "quantity": "4"}, {"lineNo": 1, "quantity": "6"}])

    # then the order is received, owing its whole value
    assert payload["errors"] == []
    order = payload["purchaseOrder"]
    assert (order["status"], order["receivedAmount"]) == ("RECEIVED", "54.00")
    assert [line["receivedQuantity"] for line in order["lines"]] == ["10.000", "4.000"]
    assert gql(STOCK, {"sku": nuts.sku, "warehouse": warehouse.code})["data"]["stockLevels"] == [
        {"onHand": "4.000", "value": "29.00"}
    ]
    # and each receipt posted its own payable
    assert [entry[0] for entry in postings(engine, ordered.number)] == [
        ("1200", Decimal("10.00"), Decimal("0.00")),
        ("1200", Decimal("44.00"), Decimal("0.00")),
    ]


def test_receiving_more_than_was_ordered_names_the_line_and_changes_nothing(gql, engine, ordered):
    # given 4 of the 10 bolts arrived
    receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])
    before, books = state_of(engine, ordered), ledger_counts(engine)

    # when 7 more are said to have arrived (with nuts that are fine)
    payload = receive(gql, ordered, [{"lineNo": 2, "quantity": "1"}, {"lineNo": 1, "quantity": "7"}])

    # then the receipt is refused, naming the line and what may still arrive
    assert only_error(payload, "purchaseOrder") == {
        "field": ["lines", "1", "quantity"],
        "message": "line 1 ordered 10.000; 4.000 already received, so at most 6.000 more can arrive",
        "code": "VALIDATION",
    }
    # and nothing of it was written, not even the nuts
    assert state_of(engine, ordered) == before
    assert ledger_counts(engine) == books
    received = {row["line_no"]: row["received_quantity"] for row in lines_of(engine, ordered)}
    assert received == {1: Decimal("4.000"), 2: Decimal("0.000")}


def test_one_line_received_twice_in_one_receipt_counts_both(gql, engine, ordered):
    payload = receive(gql, ordered, [{"lineNo": 1, "quantity": "6"}, {"lineNo": 1, "quantity": "6"}])

    error = only_error(payload, "purchaseOrder")
    assert (error["field"], error["code"]) == (["lines", "1", "quantity"], "VALIDATION")
    assert ledger_counts(engine)["stock_moves"] == 0


def test_receiving_a_line_the_order_does_not_have_is_not_found(gql, engine, ordered):
    payload = receive(gql, ordered, [{"lineNo": 3, "quantity": "1"}])

    assert only_error(payload, "purchaseOrder") == {
        "field": ["lines", "0", "lineNo"],
        "message": f"purchase order {ordered.number} has no line 3",
        "code": "NOT_FOUND",
    }
    assert state_of(engine, ordered)[:2] == (PurchaseOrderStatus.ORDERED, 2)
    assert ledger_counts(engine)["stock_moves"] == 0


@pytest.mark.parametrize("quantity", ["0", "-2"])
def test_a_received_quantity_must_be_more_than_zero(gql, engine, ordered, quantity):
    payload = receive(gql, ordered, [{"lineNo": 1, "quantity": quantity}])

    assert only_error(payload, "purchaseOrder") == {
        "field": ["lines", "0", "quantity"],
        "message": "a received quantity is more than 0",
        "code": "VALIDATION",
    }
    assert state_of(engine, ordered)[:3] == (PurchaseOrderStatus.ORDERED, 2, Decimal("0.00"))
    assert ledger_counts(engine) == {"stock_moves": 0, "journal_entries": 0, "journal_lines": 0, "payments": 0}


@pytest.mark.parametrize("lines", [None, [{"lineNo": 1, "quantity": "1"}]], ids=["everything", "one-line"])
def test_a_draft_is_not_received(gql, engine, draft_order, lines):
    payload = receive(gql, draft_order, lines)

    error = only_error(payload, "purchaseOrder")
    assert error["code"] == "INVALID_STATE"
    assert error["message"] == (
        f"purchase order {draft_order.number} is draft; it can't become received (from draft it can become ordered"
        " or cancelled)"
    )
    assert state_of(engine, draft_order)[:2] == (PurchaseOrderStatus.DRAFT, 1)
    assert ledger_counts(engine)["stock_moves"] == 0


@pytest.mark.parametrize("lines", [None, [{"lineNo": 1, "quantity": "1"}]], ids=["everything", "one-line"])
def test_a_received_order_is_not_received_again(gql, engine, ordered, lines):
    # given everything arrived
    assert receive(gql, ordered)["errors"] == []
    before, books = state_of(engine, ordered), ledger_counts(engine)

    # when it is received again
    payload = receive(gql, ordered, lines)

    # then that is refused and nothing more comes in
    error = only_error(payload, "purchaseOrder")
    assert error["code"] == "INVALID_STATE"
    assert error["message"] == (
        f"purchase order {ordered.number} is received; it can't become received (that is final)"
    )
    assert (state_of(engine, ordered), ledger_counts(engine)) == (before, books)


def test_receiving_without_lines_takes_in_everything_outstanding(gql, engine, ordered, bolts, nuts):
    # given 4 of the 10 bolts arrived
    receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])

    # when the order is received without saying which lines
    payload = receive(gql, ordered)

    # then the other 6 bolts and the 4 nuts come in, and the order is received
    assert payload["errors"] == []
    order = payload["purchaseOrder"]
    assert (order["status"], order["receivedAmount"]) == ("RECEIVED", "54.00")
    assert receipt_moves(engine, ordered.number) == [
        (bolts.id, Decimal("4.000"), Decimal("2.50"), Decimal("10.00"), "receipt"),
        (bolts.id, Decimal("6.000"), Decimal("2.50"), Decimal("15.00"), "receipt"),
        (nuts.id, Decimal("4.000"), Decimal("7.25"), Decimal("29.00"), "receipt"),
    ]
    assert [entry[1] for entry in postings(engine, ordered.number)] == [
        ("2000", Decimal("0.00"), Decimal("10.00")),
        ("2000", Decimal("0.00"), Decimal("44.00")),
    ]


def test_setting_the_status_to_received_receives_everything_outstanding(gql, engine, ordered, bolts, nuts):
    # given 4 of the 10 bolts arrived
    receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])

    # when the order's status is set, as a sheet's Status column would
    payload = gql(UPDATE_ORDER, {"id": str(ordered.id), "input": {"status": "RECEIVED"}})["data"]["updatePurchaseOrder"]

    # then the same happens as for the verb
    assert payload["errors"] == []
    order = payload["purchaseOrder"]
    assert (order["status"], order["receivedAmount"]) == ("RECEIVED", "54.00")
    assert [line["receivedQuantity"] for line in order["lines"]] == ["10.000", "4.000"]
    assert receipt_moves(engine, ordered.number)[1:] == [
        (bolts.id, Decimal("6.000"), Decimal("2.50"), Decimal("15.00"), "receipt"),
        (nuts.id, Decimal("4.000"), Decimal("7.25"), Decimal("29.00"), "receipt"),
    ]
    assert postings(engine, ordered.number)[1] == [
        ("1200", Decimal("44.00"), Decimal("0.00")),
        ("2000", Decimal("0.00"), Decimal("44.00")),
    ]


# --- cancelling and editing ---------------------------------------------------------------------------------------


def test_an_ordered_order_nothing_arrived_for_is_cancelled(gql, engine, ordered):
    payload = gql(CANCEL, {"id": str(ordered.id)})["data"]["cancelPurchaseOrder"]

    assert payload["errors"] == []
    assert payload["purchaseOrder"]["status"] == "CANCELLED"


def test_an_order_with_goods_received_is_not_cancelled(gql, engine, ordered):
    receive(gql, ordered, [{"lineNo": 1, "quantity": "1"}])
    before = state_of(engine, ordered)

    payload = gql(CANCEL, {"id": str(ordered.id)})["data"]["cancelPurchaseOrder"]

    error = only_error(payload, "purchaseOrder")
    assert error["code"] == "INVALID_STATE"
    assert error["message"] == f"purchase order {ordered.number} has goods received; it can't be cancelled"
    assert state_of(engine, ordered) == before


def test_an_order_with_free_goods_received_is_not_cancelled_either(
    gql, engine, make_purchase_order, make_purchase_order_line, supplier, warehouse, bolts
):
    # given an order of free samples, one of which arrived (nothing is owed for it)
    order = make_purchase_order(supplier, warehouse)
    make_purchase_order_line(order, bolts, quantity=Decimal("2"), unit_cost=Decimal("0"))
    update(engine, PurchaseOrder, order.id, {"status": PurchaseOrderStatus.ORDERED})
    receive(gql, order, [{"lineNo": 1, "quantity": "1"}])

    # when it is cancelled
    payload = gql(CANCEL, {"id": str(order.id)})["data"]["cancelPurchaseOrder"]

    # then that is refused: goods arrived, whatever they cost
    assert only_error(payload, "purchaseOrder")["code"] == "INVALID_STATE"
    assert state_of(engine, order)[0] is PurchaseOrderStatus.ORDERED


def test_the_lines_of_an_ordered_order_do_not_change(gql, engine, ordered, bolts):
    (first, _) = lines_of(engine, ordered)

    edited = gql(UPDATE_LINE, {"id": str(first["id"]), "input": {"quantity": "12"}})["data"]["updatePurchaseOrderLine"]
    added = gql(
        CREATE_LINE,
        {"input": {"orderId": str(ordered.id), "lineNo": 3, "productId": str(bolts.id), "quantity": "1"}},
    )["data"]["createPurchaseOrderLine"]
    deleted = gql(DELETE_LINE, {"id": str(first["id"])})["data"]["deletePurchaseOrderLine"]

    message = f"purchase order {ordered.number} is ordered; only a draft's lines can change"
    for payload in (edited, added, deleted):
        error = only_error(payload, "purchaseOrderLine")
        assert (error["code"], error["message"]) == ("INVALID_STATE", message)
    assert lines_of(engine, ordered)[0] == first
    assert count(engine, PurchaseOrderLine) == 2
    assert stored(engine, PurchaseOrder, ordered.id)["total_amount"] == Decimal("54.00")


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_line_orders_more_than_nothing(gql, engine, purchase_order, bolts, quantity):
    payload = gql(
        CREATE_LINE,
        {"input": {"orderId": str(purchase_order.id), "lineNo": 1, "productId": str(bolts.id), "quantity": quantity}},
    )["data"]["createPurchaseOrderLine"]

    assert only_error(payload, "purchaseOrderLine") == {
        "field": ["input", "quantity"],
        "message": "quantity must be more than 0",
        "code": "VALIDATION",
    }
    assert count(engine, PurchaseOrderLine) == 0


def test_the_supplier_of_an_ordered_order_does_not_change(gql, engine, ordered, make_supplier):
    other = make_supplier()

    payload = gql(UPDATE_ORDER, {"id": str(ordered.id), "input": {"supplierId": str(other.id)}})["data"][
        "updatePurchaseOrder"
    ]

    assert only_error(payload, "purchaseOrder") == {
        "field": ["input", "supplierId"],
        "message": f"purchase order {ordered.number} is ordered; its supplier id can't change any more",
        "code": "INVALID_STATE",
    }
    row = stored(engine, PurchaseOrder, ordered.id)
    assert (row["supplier_id"], row["version"]) == (ordered.supplier_id, 2)


# --- paying the supplier --------------------------------------------------------------------------------------------


def test_what_was_received_is_paid_in_parts_and_posted_against_cash(gql, engine, ordered):
    # given 4 bolts (10.00) arrived
    receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])

    # when the supplier is paid 6.00 and then the remaining 4.00
    first = gql(PAY, {"id": str(ordered.id), "amount": "6.00"})["data"]["payPurchaseOrder"]
    second = gql(PAY, {"id": str(ordered.id), "amount": "4"})["data"]["payPurchaseOrder"]

    # then both are outgoing payments, the order counts them and each is posted: payable down, cash down
    assert first["errors"] == second["errors"] == []
    assert (first["payment"]["direction"], first["payment"]["amount"]) == ("OUTGOING", "6.00")
    assert state_of(engine, ordered)[2:] == (Decimal("10.00"), Decimal("10.00"))
    assert postings(engine, ordered.number)[1:] == [
        [("2000", Decimal("6.00"), Decimal("0.00")), ("1000", Decimal("0.00"), Decimal("6.00"))],
        [("2000", Decimal("4.00"), Decimal("0.00")), ("1000", Decimal("0.00"), Decimal("4.00"))],
    ]


@pytest.mark.parametrize(("paid_before", "amount", "still"), [("0", "10.01", "10.00"), ("7.50", "2.51", "2.50")])
def test_paying_more_than_is_owed_is_refused_and_changes_nothing(gql, engine, ordered, paid_before, amount, still):
    # given 4 bolts (10.00) arrived, some of which may be paid
    receive(gql, ordered, [{"lineNo": 1, "quantity": "4"}])
    if Decimal(paid_before):
        assert gql(PAY, {"id": str(ordered.id), "amount": paid_before})["data"]["payPurchaseOrder"]["errors"] == []
    before, books = state_of(engine, ordered), ledger_counts(engine)

    # when more than is still owed is paid
    payload = gql(PAY, {"id": str(ordered.id), "amount": amount})["data"]["payPurchaseOrder"]

    # then the payment is refused, saying what is owed, and nothing is written
    assert only_error(payload, "payment") == {
        "field": ["amount"],
        "message": f"{amount} is more than the {still} still owed on purchase order {ordered.number}",
        "code": "VALIDATION",
    }
    assert (state_of(engine, ordered), ledger_counts(engine)) == (before, books)


def test_nothing_is_owed_on_a_draft(gql, engine, draft_order):
    payload = gql(PAY, {"id": str(draft_order.id), "amount": "1"})["data"]["payPurchaseOrder"]

    error = only_error(payload, "payment")
    assert error["code"] == "INVALID_STATE"
    assert error["message"] == f"purchase order {draft_order.number} is draft; nothing is owed on it"
    assert count(engine, Payment) == 0


# --- who may do what ------------------------------------------------------------------------------------------------


def test_sales_staff_do_not_place_purchase_orders(client_as, engine, draft_order):
    payload = client_as("sales")(PLACE, {"id": str(draft_order.id)})["data"]["placePurchaseOrder"]

    assert only_error(payload, "purchaseOrder")["code"] == "FORBIDDEN"
    assert state_of(engine, draft_order)[:2] == (PurchaseOrderStatus.DRAFT, 1)


def test_warehouse_staff_receive_goods_but_do_not_cancel_orders(client_as, engine, ordered):
    warehouse_staff = client_as("warehouse")

    # cancelling is for purchasing
    cancelling = warehouse_staff(CANCEL, {"id": str(ordered.id)})["data"]["cancelPurchaseOrder"]
    assert only_error(cancelling, "purchaseOrder")["code"] == "FORBIDDEN"
    assert state_of(engine, ordered)[:2] == (PurchaseOrderStatus.ORDERED, 2)

    # but the goods are received by the warehouse, in part and then the rest
    partial = receive(warehouse_staff, ordered, [{"lineNo": 1, "quantity": "4"}])
    rest = receive(warehouse_staff, ordered)

    assert partial["errors"] == rest["errors"] == []
    assert (rest["purchaseOrder"]["status"], rest["purchaseOrder"]["receivedAmount"]) == ("RECEIVED", "54.00")
    assert ledger_counts(engine) == {"stock_moves": 3, "journal_entries": 2, "journal_lines": 4, "payments": 0}


def test_warehouse_staff_do_not_place_a_draft(client_as, engine, draft_order):
    payload = client_as("warehouse")(PLACE, {"id": str(draft_order.id)})["data"]["placePurchaseOrder"]

    error = only_error(payload, "purchaseOrder")
    assert error["code"] == "FORBIDDEN"
    assert state_of(engine, draft_order)[:2] == (PurchaseOrderStatus.DRAFT, 1)
