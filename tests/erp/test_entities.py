"""ERP entities through GraphQL: documents with lines, generated numbers, and the rules every write path applies."""

import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.database import create_sync_engine, transaction
from app.migrate import upgrade
from models.finance import JournalLine
from models.inventory import StockMove
from models.sales import SalesOrder, SalesOrderLine
from models.system import AuditEvent
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.numbering import next_number
from resolvers.permissions import Actor
from tests.factories import POSTING, count, stored

ERRORS = "errors { field message code }"
ORDER_FIELDS = "id version number status orderDate customer { code } warehouse { code }"
LINE_FIELDS = "id version lineNo quantity unitPrice discountPercent product { sku } order { number }"

CREATE_ORDER = f"""
mutation ($input: CreateSalesOrderInput!) {{
  createSalesOrder(input: $input) {{ salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }}
}}"""
CREATE_LINE = f"""
mutation ($input: CreateSalesOrderLineInput!) {{
  createSalesOrderLine(input: $input) {{ salesOrderLine {{ {LINE_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_LINE = f"""
mutation ($id: ID!, $version: Int, $input: UpdateSalesOrderLineInput!) {{
  updateSalesOrderLine(id: $id, version: $version, input: $input) {{ salesOrderLine {{ {LINE_FIELDS} }} {ERRORS} }}
}}"""
DELETE_LINE = f"""
mutation ($id: ID!) {{ deleteSalesOrderLine(id: $id) {{ salesOrderLine {{ id }} {ERRORS} }} }}"""
ORDER_BY_NUMBER = f"""
query ($number: String!) {{
  salesOrder(number: $number) {{ {ORDER_FIELDS} lines {{ lineNo quantity product {{ sku name }} }} }}
}}"""
CREATE_PRODUCT = f"""
mutation ($input: CreateProductInput!) {{
  createProduct(input: $input) {{ product {{ id sku name unit unitPrice active }} {ERRORS} }}
}}"""
CREATE_PAYMENT = f"""
mutation ($input: CreatePaymentInput!) {{
  createPayment(input: $input) {{ payment {{ id direction amount invoice {{ number }} }} {ERRORS} }}
}}"""


def new_order(gql, customer, warehouse, **input):
    variables = {"input": {"customerId": str(customer.id), "warehouseId": str(warehouse.id)} | input}
    return gql(CREATE_ORDER, variables)["data"]["createSalesOrder"]


def new_line(gql, order_id, product, **input):
    variables = {
        "input": {"orderId": str(order_id), "productId": str(product.id), "lineNo": 1, "quantity": "2"} | input
    }
    return gql(CREATE_LINE, variables)["data"]["createSalesOrderLine"]


def only_error(payload, object_field):
    assert payload[object_field] is None
    (error,) = payload["errors"]
    return error


# --- create, read, update, delete ---------------------------------------------------------------------------------


def test_an_order_gets_the_next_number_and_is_readable_by_it_with_its_lines(gql, customer, warehouse, product):
    # given a draft order created without a number
    created = new_order(gql, customer, warehouse)
    assert created["errors"] == []
    order = created["salesOrder"]
    assert re.fullmatch(r"SO-\d{6}", order["number"])
    assert (order["status"], order["customer"], order["warehouse"]) == (
        "DRAFT",
        {"code": customer.code},
        {"code": warehouse.code},
    )

    # when two lines are added
    assert new_line(gql, order["id"], product, lineNo=1, quantity="2.5")["errors"] == []
    assert new_line(gql, order["id"], product, lineNo=2, quantity="1")["errors"] == []

    # then the order, read by its number, lists them in line order with their products
    read = gql(ORDER_BY_NUMBER, {"number": order["number"]})["data"]["salesOrder"]
    assert read["lines"] == [
        {"lineNo": 1, "quantity": "2.500", "product": {"sku": product.sku, "name": product.name}},
        {"lineNo": 2, "quantity": "1.000", "product": {"sku": product.sku, "name": product.name}},
    ]


def test_numbers_follow_each_other_and_a_given_number_is_kept(gql, customer, warehouse):
    first = new_order(gql, customer, warehouse)["salesOrder"]["number"]
    second = new_order(gql, customer, warehouse)["salesOrder"]["number"]
    kept = new_order(gql, customer, warehouse, number="SO-WEB-7")["salesOrder"]["number"]

    assert int(second.removeprefix("SO-")) == int(first.removeprefix("SO-")) + 1
    assert kept == "SO-WEB-7"


def test_a_line_is_updated_as_a_patch_and_deleted(gql, engine, sales_order, product, make_product):
    line = new_line(gql, sales_order.id, product, unitPrice="12.50")["salesOrderLine"]
    other = make_product(sku="GADGET-1")

    updated = gql(
        UPDATE_LINE, {"id": line["id"], "version": 1, "input": {"quantity": "4", "productId": str(other.id)}}
    )["data"]["updateSalesOrderLine"]

    assert updated["errors"] == []
    assert updated["salesOrderLine"]["quantity"] == "4.000"
    assert updated["salesOrderLine"]["unitPrice"] == "12.50"  # untouched
    assert updated["salesOrderLine"]["product"] == {"sku": "GADGET-1"}
    assert updated["salesOrderLine"]["version"] == 2

    deleted = gql(DELETE_LINE, {"id": line["id"]})["data"]["deleteSalesOrderLine"]
    assert deleted["errors"] == []
    assert stored(engine, SalesOrderLine, line["id"]) is None


def test_an_order_with_lines_is_not_deleted(gql, engine, sales_order, product, make_sales_order_line):
    make_sales_order_line(sales_order, product)

    payload = gql(
        "mutation ($id: ID!) { deleteSalesOrder(id: $id) { salesOrder { id } errors { field message code } } }",
        {"id": str(sales_order.id)},
    )["data"]["deleteSalesOrder"]

    error = only_error(payload, "salesOrder")
    assert error["code"] == "INVALID_STATE"
    assert "1 sales order line" in error["message"]
    assert stored(engine, SalesOrder, sales_order.id) is not None


def test_lines_filter_by_order_number_and_product_sku(gql, customer, warehouse, product, make_product):
    order = new_order(gql, customer, warehouse)["salesOrder"]
    other_order = new_order(gql, customer, warehouse)["salesOrder"]
    gadget = make_product(sku="GADGET-2")
    new_line(gql, order["id"], product, lineNo=1)
    new_line(gql, order["id"], gadget, lineNo=2)
    new_line(gql, other_order["id"], gadget, lineNo=1)

    body = gql(
        """query ($number: String!) {
          salesOrderLines(filter: {orderNumber: {eq: $number}, productSku: {eq: "GADGET-2"}}) {
            totalCount nodes { lineNo order { number } }
          }
        }""",
        {"number": order["number"]},
    )["data"]["salesOrderLines"]

    assert body == {"totalCount": 1, "nodes": [{"lineNo": 2, "order": {"number": order["number"]}}]}


def test_a_line_is_found_by_order_number_and_line_number(gql, sales_order, product, make_sales_order_line):
    make_sales_order_line(sales_order, product, line_no=3)

    found = gql(
        "query ($number: String!) { salesOrderLine(orderNumber: $number, lineNo: 3) { lineNo product { sku } } }",
        {"number": sales_order.number},
    )["data"]["salesOrderLine"]

    assert found == {"lineNo": 3, "product": {"sku": product.sku}}


def test_a_product_gets_its_defaults(gql):
    payload = gql(CREATE_PRODUCT, {"input": {"sku": "BOLT-M8", "name": "Bolt M8"}})["data"]["createProduct"]

    assert payload["errors"] == []
    assert {key: payload["product"][key] for key in ("unit", "unitPrice", "active")} == {
        "unit": "pcs",
        "unitPrice": "0.00",
        "active": True,
    }


# --- rules: nothing is written when a value breaks one --------------------------------------------------------------


@pytest.mark.parametrize(
    ("input", "field", "message"),
    [
        pytest.param({"quantity": "0"}, "quantity", "quantity must be more than 0", id="zero-quantity"),
        pytest.param({"quantity": "-3"}, "quantity", "quantity must be more than 0", id="negative-quantity"),
        pytest.param({"quantity": "1.2345"}, "quantity", "quantity has more than three decimal places", id="places"),
        pytest.param(
            {"discountPercent": "100.5"}, "discountPercent", "discount percent must be at most 100", id="discount"
        ),
        pytest.param({"unitPrice": "-1"}, "unitPrice", "unit price must be at least 0", id="negative-price"),
        pytest.param({"lineNo": 0}, "lineNo", "line no must be at least 1", id="line-zero"),
    ],
)
def test_a_bad_line_value_is_a_validation_error_and_writes_nothing(
    gql, engine, sales_order, product, input, field, message
):
    events_before = count(engine, AuditEvent)

    payload = new_line(gql, sales_order.id, product, **input)

    error = only_error(payload, "salesOrderLine")
    assert error == {"field": ["input", field], "message": message, "code": "VALIDATION"}
    assert count(engine, SalesOrderLine) == 0
    assert count(engine, AuditEvent) == events_before


def test_two_lines_with_the_same_number_on_one_order_are_refused(gql, engine, sales_order, product):
    assert new_line(gql, sales_order.id, product, lineNo=1)["errors"] == []

    error = only_error(new_line(gql, sales_order.id, product, lineNo=1), "salesOrderLine")

    assert error["code"] == "VALIDATION"
    assert error["field"] == ["input", "lineNo"]
    assert count(engine, SalesOrderLine) == 1


def test_the_same_line_number_on_another_order_is_fine(gql, customer, warehouse, product):
    first = new_order(gql, customer, warehouse)["salesOrder"]
    second = new_order(gql, customer, warehouse)["salesOrder"]

    assert new_line(gql, first["id"], product, lineNo=1)["errors"] == []
    assert new_line(gql, second["id"], product, lineNo=1)["errors"] == []


def test_a_duplicate_sku_or_order_number_is_refused(gql, engine, customer, warehouse, product):
    error = only_error(
        gql(CREATE_PRODUCT, {"input": {"sku": product.sku, "name": "Copy"}})["data"]["createProduct"], "product"
    )
    assert (error["field"], error["code"]) == (["input", "sku"], "VALIDATION")
    assert f"another product already has sku '{product.sku}'" == error["message"]

    number = new_order(gql, customer, warehouse)["salesOrder"]["number"]
    error = only_error(new_order(gql, customer, warehouse, number=number), "salesOrder")
    assert (error["field"], error["code"]) == (["input", "number"], "VALIDATION")
    assert count(engine, SalesOrder) == 1


def test_an_incoming_payment_needs_an_invoice(gql, engine, purchase_order):
    payload = gql(
        CREATE_PAYMENT,
        {"input": {"direction": "INCOMING", "amount": "10.00", "purchaseOrderId": str(purchase_order.id)}},
    )["data"]["createPayment"]

    assert payload["payment"] is None
    assert {(tuple(error["field"]), error["code"]) for error in payload["errors"]} == {
        (("input", "invoiceId"), "VALIDATION"),
        (("input", "purchaseOrderId"), "VALIDATION"),
    }


def test_a_payment_against_an_invoice_is_recorded(gql, issued_invoice):
    invoice = issued_invoice
    payload = gql(CREATE_PAYMENT, {"input": {"direction": "INCOMING", "amount": "25", "invoiceId": str(invoice.id)}})

    assert payload["data"]["createPayment"]["errors"] == []
    assert payload["data"]["createPayment"]["payment"]["invoice"] == {"number": invoice.number}


# --- ledgers --------------------------------------------------------------------------------------------------------


def test_a_journal_line_with_both_debit_and_credit_is_refused(engine, make_journal_entry, make_account):
    entry, account = make_journal_entry(), make_account()

    with pytest.raises(Refused) as refused, transaction(engine) as session:
        values = {"entry_id": entry.id, "account_id": account.id, "debit": Decimal("5"), "credit": Decimal("5")}
        crud.create(session, JournalLine, values, actor=POSTING)

    (error,) = refused.value.errors
    assert (error.code, error.field) == (ErrorCode.VALIDATION, ("credit",))
    assert count(engine, JournalLine) == 0


def test_nobody_writes_journal_lines_directly_not_even_an_admin(engine, make_journal_entry, make_account):
    entry, account = make_journal_entry(), make_account()

    with pytest.raises(Refused) as refused, transaction(engine) as session:
        values = {"entry_id": entry.id, "account_id": account.id, "debit": Decimal("5")}
        crud.create(session, JournalLine, values, actor=Actor.system(via="api"))

    (error,) = refused.value.errors
    assert error.code is ErrorCode.INVALID_STATE
    assert "posted by the operations that cause them" in error.message
    assert count(engine, JournalLine) == 0


def test_the_database_itself_refuses_a_two_sided_journal_line(engine, make_journal_entry, make_account):
    entry, account = make_journal_entry(), make_account()
    row = {"entry_id": entry.id, "account_id": account.id, "debit": 5, "credit": 5}

    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            JournalLine.__table__.insert(),
            [row | {"created_at": entry.created_at, "updated_at": entry.created_at, "version": 1}],
        )


def test_a_stock_move_is_never_changed_or_deleted(engine, make_stock_move, product, warehouse):
    move = make_stock_move(product, warehouse, quantity=Decimal("2"))

    for write in (
        lambda session: crud.update(session, StockMove, move.id, {"quantity": Decimal("3")}, actor=Actor.system()),
        lambda session: crud.delete(session, StockMove, move.id, actor=Actor.system()),
    ):
        with pytest.raises(Refused) as refused, transaction(engine) as session:
            write(session)
        assert [error.code for error in refused.value.errors] == [ErrorCode.INVALID_STATE]
    assert stored(engine, StockMove, move.id)["quantity"] == Decimal("2.000")


def test_a_stock_move_of_nothing_is_refused(gql, engine, product, warehouse):
    payload = gql(
        f"""mutation ($input: CreateStockMoveInput!) {{
          createStockMove(input: $input) {{ stockMove {{ id }} {ERRORS} }}
        }}""",
        {
            "input": {
                "productId": str(product.id),
                "warehouseId": str(warehouse.id),
                "quantity": "0",
                "kind": "ADJUSTMENT",
            }
        },
    )["data"]["createStockMove"]

    assert only_error(payload, "stockMove")["field"] == ["input", "quantity"]
    assert count(engine, StockMove) == 0


def test_the_api_has_no_update_or_delete_for_ledgers(gql):
    names = {
        field["name"]
        for field in gql("{ __schema { mutationType { fields { name } } } }")["data"]["__schema"]["mutationType"][
            "fields"
        ]
    }

    assert "createStockMove" in names
    assert not {"updateStockMove", "deleteStockMove", "updateJournalEntry", "deleteJournalLine"} & names


# --- numbers --------------------------------------------------------------------------------------------------------


def test_concurrent_transactions_never_get_the_same_number(engine):
    def take(_: int) -> str:
        with transaction(engine) as session:
            return next_number(session, "WO")

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(take, range(40)))

    assert len(set(numbers)) == 40
    assert all(re.fullmatch(r"WO-\d{6}", number) for number in numbers)


def test_a_batch_gets_consecutive_numbers_in_one_go(engine, customer, warehouse):
    rows = [{"customer_id": customer.id, "warehouse_id": warehouse.id} for _ in range(3)]
    with transaction(engine) as session:
        written = crud.create_many(session, SalesOrder, rows, actor=Actor.system())

    values = [int(row.number.removeprefix("SO-")) for row in written]
    assert values == [values[0], values[0] + 1, values[0] + 2]


# --- the migration's chart of accounts ------------------------------------------------------------------------------


def test_a_fresh_database_has_the_default_chart_of_accounts(empty_database_url):
    upgrade(empty_database_url)
    engine = create_sync_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            accounts = dict(connection.execute(sa.text("SELECT code, kind FROM accounts")).all())
    finally:
        engine.dispose()

    assert {code: accounts[code] for code in ("1000", "1100", "1200", "2000", "2100", "3000", "4000", "5000")} == {
        "1000": "asset",
        "1100": "asset",
        "1200": "asset",
        "2000": "liability",
        "2100": "liability",
        "3000": "equity",
        "4000": "income",
        "5000": "expense",
    }


def test_products_are_listed_with_a_product_read_by_sku(gql, make_product):
    make_product(sku="A-1", name="Alpha")
    make_product(sku="B-1", name="Beta", active=False)

    body = gql("{ products(filter: {active: {eq: true}}, orderBy: [{sku: ASC}]) { totalCount nodes { sku } } }")
    assert body["data"]["products"] == {"totalCount": 1, "nodes": [{"sku": "A-1"}]}
    assert gql('{ product(sku: "B-1") { name active } }')["data"]["product"] == {"name": "Beta", "active": False}


def test_a_missing_reference_is_named_in_words(gql, product):
    payload = gql(
        f"mutation ($input: CreateBomLineInput!) {{ createBomLine(input: $input) {{ bomLine {{ id }} {ERRORS} }} }}",
        {"input": {"bomId": "999999", "componentId": str(product.id), "quantityPerUnit": "1"}},
    )["data"]["createBomLine"]

    assert only_error(payload, "bomLine") == {
        "field": ["input", "bomId"],
        "message": "no bill of materials with id 999999",
        "code": "VALIDATION",
    }
