"""A sale from draft to payment through the GraphQL verbs, and every refusal on the way changing nothing."""

from decimal import Decimal

import pytest

from app.database import transaction
from models.crm import Interaction
from models.finance import Invoice, InvoiceStatus, JournalEntry
from models.inventory import StockMove, StockMoveKind
from models.sales import SalesOrder, SalesOrderStatus
from resolvers import crud
from resolvers.permissions import Actor
from tests.erp.books import balances, on_hand, snapshot, trial_balance
from tests.factories import count, stored, update

ERRORS = "errors { field message code }"
ORDER = "id version number status totalAmount"
INVOICE = "id number status netAmount taxAmount totalAmount paidAmount openAmount dueDate"


def verb(gql, name: str, id, **arguments) -> dict:
    """Call a workflow verb that takes an id (and maybe more) and returns the payload."""
    declared = ", ".join(f"${key}: {kind}" for key, (kind, _) in arguments.items())
    passed = ", ".join(f"{key}: ${key}" for key in arguments)
    fields = INVOICE if name == "invoiceSalesOrder" else ORDER
    object_field = "invoice" if name == "invoiceSalesOrder" else "salesOrder"
    document = f"""
    mutation ($id: ID!{", " + declared if declared else ""}) {{
      {name}(id: $id{", " + passed if passed else ""}) {{ {object_field} {{ {fields} }} {ERRORS} }}
    }}"""
    variables = {"id": str(id)} | {key: value for key, (_, value) in arguments.items()}
    return gql(document, variables)["data"][name]


def mutate(gql, call: str, selection: str) -> dict:
    """`mutate(gql, 'cancelInvoice(id: "3")', "invoice { id }")`: the payload of a mutation written inline."""
    return gql(f"mutation {{ {call} {{ {selection} {ERRORS} }} }}")["data"][call.split("(")[0]]


def refused(payload: dict) -> dict:
    (error,) = payload["errors"]
    return error


@pytest.fixture
def stocked(make_stock_move, product, warehouse):
    """10 units of the product in the warehouse at 4.00 each."""
    make_stock_move(product, warehouse, quantity=Decimal("10"), unit_cost=Decimal("4.00"))
    return product


@pytest.fixture
def draft(make_sales_order, make_sales_order_line, customer, warehouse, stocked):
    """A draft order: 3 units at 10.00 less 10% (27.00)."""
    order = make_sales_order(customer, warehouse)
    make_sales_order_line(
        order, stocked, quantity=Decimal("3"), unit_price=Decimal("10.00"), discount_percent=Decimal("10")
    )
    return order


def test_a_sale_goes_from_draft_to_paid_and_the_books_follow(gql, engine, draft, stocked, warehouse, customer):
    # Given a draft order of 27.00 for goods that cost 4.00 a unit
    assert stored(engine, SalesOrder, draft.id)["total_amount"] == Decimal("27.00")

    # When it is confirmed: reserved, on the timeline
    confirmed = verb(gql, "confirmSalesOrder", draft.id)
    assert confirmed["errors"] == [] and confirmed["salesOrder"]["status"] == "CONFIRMED"
    levels = gql("{ stockLevels { onHand reserved available value product { sku } warehouse { code } } }")
    assert levels["data"]["stockLevels"] == [
        {
            "onHand": "10.000",
            "reserved": "3.000",
            "available": "7.000",
            "value": "40.00",
            "product": {"sku": stocked.sku},
            "warehouse": {"code": warehouse.code},
        }
    ]

    # When it ships: the stock leaves at cost, and the cost of goods is posted
    shipped = verb(gql, "shipSalesOrder", draft.id)
    assert shipped["salesOrder"]["status"] == "SHIPPED"
    assert on_hand(engine, stocked.id, warehouse.id) == Decimal("7.000")
    assert balances(engine) == {"1200": Decimal("28.00"), "5000": Decimal("12.00"), "5100": Decimal("-40.00")}

    # When it is invoiced with 7% tax: a draft invoice of 27.00 + 1.89
    invoiced = verb(gql, "invoiceSalesOrder", draft.id, taxRate=("Decimal", "7"))
    assert invoiced["errors"] == []
    invoice = invoiced["invoice"]
    assert (invoice["status"], invoice["netAmount"], invoice["taxAmount"], invoice["totalAmount"]) == (
        "DRAFT",
        "27.00",
        "1.89",
        "28.89",
    )
    assert stored(engine, SalesOrder, draft.id)["status"] is SalesOrderStatus.INVOICED

    # When finance issues it: receivable, revenue and tax posted; due in 30 days
    issued = gql(
        f"mutation ($id: ID!) {{ issueInvoice(id: $id) {{ invoice {{ {INVOICE} issueDate }} {ERRORS} }} }}",
        {"id": invoice["id"]},
    )["data"]["issueInvoice"]
    assert issued["errors"] == [] and issued["invoice"]["openAmount"] == "28.89"
    books = balances(engine)
    assert (books["1100"], books["4000"], books["2100"]) == (Decimal("28.89"), Decimal("-27.00"), Decimal("-1.89"))

    # When the customer pays in two parts, the second covering the rest: the invoice is paid
    pay = f"""mutation ($invoiceId: ID!, $amount: Decimal!) {{
      recordPayment(invoiceId: $invoiceId, amount: $amount) {{ payment {{ amount invoice {{ {INVOICE} }} }} {ERRORS} }}
    }}"""
    first = gql(pay, {"invoiceId": invoice["id"], "amount": "20"})["data"]["recordPayment"]
    assert first["payment"]["invoice"]["openAmount"] == "8.89"
    second = gql(pay, {"invoiceId": invoice["id"], "amount": "8.89"})["data"]["recordPayment"]
    assert second["errors"] == []
    assert second["payment"]["invoice"]["status"] == "PAID"

    # Then the books balance, cash holds what was paid, nothing is receivable, and the customer's timeline tells it
    books = balances(engine)
    assert trial_balance(engine) == 0
    assert (books["1000"], books["1100"]) == (Decimal("28.89"), Decimal("0.00"))
    timeline = gql(
        "query ($code: String!) { customer(code: $code) { interactions(first: 10) { nodes { kind subject } } } }",
        {"code": customer.code},
    )["data"]["customer"]["interactions"]["nodes"]
    subjects = sorted(node["subject"].split(":")[0] for node in timeline)
    assert subjects == sorted(
        [
            f"Order {draft.number} confirmed",
            f"Order {draft.number} shipped",
            f"Invoice {invoice['number']} issued",
            f"Payment of 20.00 received for invoice {invoice['number']}",
            f"Payment of 8.89 received for invoice {invoice['number']}",
        ]
    )
    assert {node["kind"] for node in timeline} == {"PURCHASE"}


def test_shipping_an_unconfirmed_order_is_refused_and_changes_nothing(gql, engine, draft):
    before = snapshot(engine)

    payload = verb(gql, "shipSalesOrder", draft.id)

    error = refused(payload)
    assert error["code"] == "INVALID_STATE" and error["field"] is None
    assert error["message"] == (
        f"sales order {draft.number} is draft; it can't become shipped (from draft it can become confirmed or"
        " cancelled)"
    )
    assert snapshot(engine) == before


def test_confirming_over_the_credit_limit_is_refused_and_changes_nothing(
    gql, engine, make_customer, make_sales_order, make_sales_order_line, warehouse, stocked
):
    # Given a customer with a limit of 50.00 and an order of 30.00 already confirmed
    customer = make_customer(credit_limit=Decimal("50.00"))
    first = make_sales_order(customer, warehouse)
    make_sales_order_line(first, stocked, quantity=Decimal("3"), unit_price=Decimal("10.00"))
    assert verb(gql, "confirmSalesOrder", first.id)["errors"] == []
    second = make_sales_order(customer, warehouse)
    make_sales_order_line(second, stocked, quantity=Decimal("3"), unit_price=Decimal("10.00"))
    before = snapshot(engine)

    # When a second order of 30.00 is confirmed
    error = refused(verb(gql, "confirmSalesOrder", second.id))

    # Then it is refused with the figures, and nothing changed (no status, no timeline entry)
    assert error["code"] == "INVALID_STATE"
    assert "would owe 60.00 with this order (30.00 open plus 30.00), over the credit limit of 50.00" in error["message"]
    assert snapshot(engine) == before


def test_a_credit_limit_of_zero_means_no_limit(gql, draft, customer):
    assert customer.credit_limit == Decimal("0.00")
    assert verb(gql, "confirmSalesOrder", draft.id)["errors"] == []


def test_shipping_more_than_the_warehouse_holds_is_refused_naming_the_product(
    gql, engine, make_sales_order, make_sales_order_line, customer, warehouse, stocked
):
    order = make_sales_order(customer, warehouse)
    make_sales_order_line(order, stocked, quantity=Decimal("12"))
    verb(gql, "confirmSalesOrder", order.id)
    before = snapshot(engine)

    error = refused(verb(gql, "shipSalesOrder", order.id))

    assert error["code"] == "INVALID_STATE"
    assert error["message"] == f"only 10 pcs of {stocked.sku} in {warehouse.code}; 12 needed"
    assert snapshot(engine) == before


def test_a_warehouse_that_allows_it_ships_into_negative_stock(
    gql, engine, make_warehouse, make_sales_order, make_sales_order_line, customer, product
):
    warehouse = make_warehouse(allow_negative=True)
    order = make_sales_order(customer, warehouse)
    make_sales_order_line(order, product, quantity=Decimal("2"))
    verb(gql, "confirmSalesOrder", order.id)

    assert verb(gql, "shipSalesOrder", order.id)["errors"] == []

    assert on_hand(engine, product.id, warehouse.id) == Decimal("-2.000")
    assert trial_balance(engine) == 0


def test_a_draft_or_confirmed_order_is_cancelled_but_a_shipped_one_is_not(gql, engine, draft):
    assert verb(gql, "confirmSalesOrder", draft.id)["errors"] == []
    assert verb(gql, "cancelSalesOrder", draft.id)["salesOrder"]["status"] == "CANCELLED"

    error = refused(verb(gql, "confirmSalesOrder", draft.id))
    assert error["code"] == "INVALID_STATE" and "that is final" in error["message"]


def test_an_order_without_lines_is_not_confirmed(gql, make_sales_order, customer, warehouse):
    order = make_sales_order(customer, warehouse)

    error = refused(verb(gql, "confirmSalesOrder", order.id))

    assert (
        error["code"] == "INVALID_STATE" and error["message"] == f"sales order {order.number} has no lines to confirm"
    )


def test_a_new_order_starts_as_a_draft(gql, customer, warehouse):
    payload = mutate(
        gql,
        f'createSalesOrder(input: {{customerId: "{customer.id}", warehouseId: "{warehouse.id}", status: SHIPPED}})',
        "salesOrder { id }",
    )

    assert refused(payload)["field"] == ["input", "status"]


LINE_UPDATE = f"""mutation ($id: ID!, $input: UpdateSalesOrderLineInput!) {{
  updateSalesOrderLine(id: $id, input: $input) {{ salesOrderLine {{ id }} {ERRORS} }}
}}"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": "0"}, "must be more than 0"),
        ({"quantity": "-1"}, "must be more than 0"),
        ({"discountPercent": "100.01"}, "must be at most 100"),
        ({"discountPercent": "-1"}, "must be at least 0"),
    ],
)
def test_a_line_needs_a_positive_quantity_and_a_discount_up_to_100_percent(gql, engine, draft, change, message):
    line = gql("query ($id: ID!) { salesOrder(id: $id) { lines { id } } }", {"id": str(draft.id)})
    line_id = line["data"]["salesOrder"]["lines"][0]["id"]
    before = snapshot(engine)

    error = refused(gql(LINE_UPDATE, {"id": line_id, "input": change})["data"]["updateSalesOrderLine"])

    assert error["code"] == "VALIDATION" and message in error["message"]
    assert snapshot(engine) == before


def test_lines_of_a_confirmed_order_no_longer_change(gql, engine, draft, stocked):
    verb(gql, "confirmSalesOrder", draft.id)
    line_id = gql("query ($id: ID!) { salesOrder(id: $id) { lines { id } } }", {"id": str(draft.id)})["data"][
        "salesOrder"
    ]["lines"][0]["id"]
    before = snapshot(engine)

    changed = gql(LINE_UPDATE, {"id": line_id, "input": {"quantity": "1"}})["data"]["updateSalesOrderLine"]
    deleted = gql(
        f"mutation ($id: ID!) {{ deleteSalesOrderLine(id: $id) {{ salesOrderLine {{ id }} {ERRORS} }} }}",
        {"id": line_id},
    )["data"]["deleteSalesOrderLine"]

    for payload in (changed, deleted):
        error = refused(payload)
        assert error["code"] == "INVALID_STATE"
        assert error["message"] == f"sales order {draft.number} is confirmed; only a draft's lines can change"
    assert snapshot(engine) == before


def test_the_customer_of_a_confirmed_order_no_longer_changes(gql, engine, draft, make_customer):
    verb(gql, "confirmSalesOrder", draft.id)
    other = make_customer()

    payload = mutate(
        gql, f'updateSalesOrder(id: "{draft.id}", input: {{customerId: "{other.id}"}})', "salesOrder { id }"
    )

    error = refused(payload)
    assert error["code"] == "INVALID_STATE" and "its customer id can't change any more" in error["message"]


def test_a_total_is_kept_by_onebook_not_typed(gql, draft):
    payload = mutate(
        gql, f'updateSalesOrder(id: "{draft.id}", input: {{orderDate: "2026-01-01"}})', "salesOrder { totalAmount }"
    )

    assert payload["salesOrder"]["totalAmount"] == "27.00"


def test_an_invoiced_order_is_billed_once(gql, engine, draft):
    for name in ("confirmSalesOrder", "shipSalesOrder", "invoiceSalesOrder"):
        assert verb(gql, name, draft.id)["errors"] == []

    error = refused(verb(gql, "invoiceSalesOrder", draft.id))

    assert error["code"] == "INVALID_STATE"
    assert count(engine, Invoice) == 1


def test_warehouse_staff_ship_but_do_not_confirm_and_sales_staff_do_not_ship(client_as, gql, engine, draft):
    warehouse_staff, sales_staff = client_as("warehouse"), client_as("sales")

    assert refused(verb(warehouse_staff, "confirmSalesOrder", draft.id))["code"] == "FORBIDDEN"
    assert verb(sales_staff, "confirmSalesOrder", draft.id)["errors"] == []
    assert refused(verb(sales_staff, "shipSalesOrder", draft.id))["code"] == "FORBIDDEN"
    assert verb(warehouse_staff, "shipSalesOrder", draft.id)["salesOrder"]["status"] == "SHIPPED"
    # the shipment's journal entry and timeline note were written for them, audited under their name
    assert count(engine, JournalEntry) == 2 and count(engine, Interaction) == 2


def test_paying_more_than_owed_is_refused_and_changes_nothing(gql, engine, issued_invoice):
    before = snapshot(engine)

    payload = mutate(gql, f'recordPayment(invoiceId: "{issued_invoice.id}", amount: "100.01")', "payment { id }")

    error = refused(payload)
    assert (error["code"], error["field"]) == ("VALIDATION", ["amount"])
    assert error["message"] == f"100.01 is more than the 100.00 still owed on invoice {issued_invoice.number}"
    assert snapshot(engine) == before


def test_a_draft_invoice_is_not_paid(gql, engine, invoice):
    payload = gql(
        f'mutation {{ recordPayment(invoiceId: "{invoice.id}", amount: "1") {{ payment {{ id }} {ERRORS} }} }}'
    )["data"]["recordPayment"]

    assert refused(payload)["code"] == "INVALID_STATE"


def test_an_issued_invoice_no_longer_changes_and_is_not_cancelled(gql, engine, issued_invoice):
    before = snapshot(engine)

    rate = mutate(gql, f'updateInvoice(id: "{issued_invoice.id}", input: {{taxRate: "5"}})', "invoice { id }")
    cancel = mutate(gql, f'cancelInvoice(id: "{issued_invoice.id}")', "invoice { id }")

    assert refused(rate)["code"] == "INVALID_STATE"
    assert refused(cancel)["code"] == "INVALID_STATE" and "reversing its journal entry" in refused(cancel)["message"]
    assert snapshot(engine) == before


def test_an_invoice_is_paid_only_when_payments_cover_it(gql, engine, issued_invoice):
    payload = mutate(gql, f'updateInvoice(id: "{issued_invoice.id}", input: {{status: PAID}})', "invoice { id }")

    assert refused(payload)["message"] == (
        f"invoice {issued_invoice.number} is paid when payments cover it: 0.00 of 100.00 received"
    )


def test_a_draft_invoice_total_follows_its_lines_and_rate(engine, make_invoice, make_invoice_line, customer):
    invoice = make_invoice(customer, tax_rate=Decimal("10"))
    make_invoice_line(invoice, quantity=Decimal("3"), unit_price=Decimal("0.35"))
    make_invoice_line(invoice, line_no=2, quantity=Decimal("1.5"), unit_price=Decimal("2.01"))

    row = stored(engine, Invoice, invoice.id)
    # 1.05 + 3.015 -> 1.05 + 3.02 (each line in cents, halves up); tax 0.407 -> 0.41
    assert (row["net_amount"], row["tax_amount"], row["total_amount"]) == (
        Decimal("4.07"),
        Decimal("0.41"),
        Decimal("4.48"),
    )
    update(engine, Invoice, invoice.id, {"tax_rate": Decimal("20")})
    assert stored(engine, Invoice, invoice.id)["total_amount"] == Decimal("4.88")
    assert stored(engine, Invoice, invoice.id)["status"] is InvoiceStatus.DRAFT


def test_adjustments_post_to_inventory_adjustments_and_other_kinds_come_from_documents(gql, engine, product, warehouse):
    create = f"""mutation ($input: CreateStockMoveInput!) {{
      createStockMove(input: $input) {{ stockMove {{ value }} {ERRORS} }}
    }}"""
    base = {"productId": str(product.id), "warehouseId": str(warehouse.id)}

    counted = gql(create, {"input": base | {"quantity": "5", "unitCost": "2.50", "kind": "ADJUSTMENT"}})
    receipt = gql(create, {"input": base | {"quantity": "5", "unitCost": "2.50", "kind": "RECEIPT"}})

    assert counted["data"]["createStockMove"] == {"stockMove": {"value": "12.50"}, "errors": []}
    assert refused(receipt["data"]["createStockMove"])["field"] == ["input", "kind"]
    assert balances(engine) == {"1200": Decimal("12.50"), "5100": Decimal("-12.50")}
    assert count(engine, StockMove) == 1


def test_goods_out_of_a_holding_worth_less_than_nothing_leave_at_no_cost(engine, make_warehouse, make_product):
    # given a warehouse allowing negative stock: one unit out before any came in (at the product's cost, 3.00),
    # then two in at no cost, so that it holds one unit worth -3.00
    warehouse, product = make_warehouse(allow_negative=True), make_product(unit_cost=Decimal("3.00"))
    adjust = {"product_id": product.id, "warehouse_id": warehouse.id, "kind": StockMoveKind.ADJUSTMENT}
    for quantity, unit_cost in (("-1", "0"), ("2", "0")):
        with transaction(engine) as session:
            crud.create_many(
                session, StockMove, [adjust | {"quantity": Decimal(quantity), "unit_cost": Decimal(unit_cost)}],
                actor=Actor.system(via="api"),
            )  # fmt: skip
    # when that unit goes out
    with transaction(engine) as session:
        (move,) = crud.create_many(
            session, StockMove, [adjust | {"quantity": Decimal("-1"), "unit_cost": Decimal("0")}],
            actor=Actor.system(via="api"),
        )  # fmt: skip
    # then it leaves at no cost (never below zero), the holding is worth nothing, and the books agree
    assert move.unit_cost == Decimal("0.00") and move.value == Decimal("3.00")
    assert on_hand(engine, product.id, warehouse.id) == Decimal("0.000")
    assert balances(engine).get("1200", Decimal(0)) == 0 and trial_balance(engine) == 0
