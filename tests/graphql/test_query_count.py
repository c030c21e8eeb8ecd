"""A page of any size costs the same number of SQL statements: related rows load per relation, not per parent."""

from datetime import UTC, datetime, timedelta

import pytest

from models.crm import Contact, Customer, Interaction, InteractionKind
from models.hr import Department, Employee
from models.inventory import Product, StockMove, Warehouse
from models.sales import SalesOrder, SalesOrderLine
from tests.statements import app_engine, counting_statements

CUSTOMERS = 210
CONTACTS_EACH = 3
INTERACTIONS_EACH = 7
MOST_STATEMENTS = 8  # customers, contacts, interactions, their employees, owners, departments, and a little slack

NESTED_PAGE = """
query Nested($first: Int!) {
  customers(first: $first) {
    nodes {
      code
      contacts { name email }
      interactions(first: 5) { nodes { subject employee { name } } }
      owner { name department { name } }
    }
  }
}"""


@pytest.fixture
def crowded_crm(insert) -> None:
    """210 customers, each with 3 contacts and 7 interactions, owned by employees spread over 4 departments."""
    departments = insert(Department.__table__, [{"code": f"D{i}", "name": f"Department {i}"} for i in range(4)])
    employees = insert(
        Employee.__table__,
        [
            {"email": f"e{i}@onebook.test", "name": f"Employee {i}", "department_id": departments[i % 4]}
            for i in range(30)
        ],
    )
    customers = insert(
        Customer.__table__,
        [
            {"code": f"C-{i:05}", "name": f"Customer {i}", "owner_id": employees[i % 30] if i % 10 else None}
            for i in range(1, CUSTOMERS + 1)
        ],
    )
    insert(
        Contact.__table__,
        [
            {"customer_id": customer, "name": f"Contact {n}", "email": f"c{n}@{customer}.test"}
            for customer in customers
            for n in range(CONTACTS_EACH)
        ],
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    insert(
        Interaction.__table__,
        [
            {
                "customer_id": customer,
                "employee_id": employees[(customer + n) % 30] if n % 3 else None,
                "kind": InteractionKind.EMAIL,
                "occurred_at": start + timedelta(days=n),
                "subject": f"Subject {n}",
            }
            for customer in customers
            for n in range(INTERACTIONS_EACH)
        ],
    )


def nested_page(gql, client, size: int) -> tuple[list[dict], list[str]]:
    with counting_statements(app_engine(client)) as statements:
        nodes = gql(NESTED_PAGE, {"first": size})["data"]["customers"]["nodes"]
    return nodes, statements


def test_nested_page_costs_the_same_statements_for_5_and_200_customers(gql, client, crowded_crm):
    # given 210 customers with contacts, interactions and owners, and a warmed-up connection
    gql("{ customers(first: 1) { nodes { code } } }")

    # when reading 5 and then 200 customers with everything nested
    few, few_statements = nested_page(gql, client, 5)
    many, many_statements = nested_page(gql, client, 200)

    # then both pages are complete
    assert len(few) == 5
    assert len(many) == 200
    for node in many:
        assert len(node["contacts"]) == CONTACTS_EACH
        assert [item["subject"] for item in node["interactions"]["nodes"]] == [f"Subject {n}" for n in (6, 5, 4, 3, 2)]
    assert sum(node["owner"] is not None for node in many) == 180
    assert all(node["owner"]["department"] is not None for node in many if node["owner"])
    # and the number of statements does not depend on the page size, and stays small
    assert len(many_statements) == len(few_statements), (few_statements, many_statements)
    assert len(many_statements) <= MOST_STATEMENTS, many_statements


def test_total_counts_of_nested_pages_cost_one_statement_for_the_whole_page(gql, client, crowded_crm):
    # given 210 customers; when asking for each one's interaction count on pages of 5 and 200
    query = "query ($first: Int!) { customers(first: $first) { totalCount nodes { interactions { totalCount } } } }"
    gql("{ customers(first: 1) { nodes { code } } }")
    with counting_statements(app_engine(client)) as few_statements:
        gql(query, {"first": 5})
    with counting_statements(app_engine(client)) as many_statements:
        body = gql(query, {"first": 200})

    # then every count is right and the statements don't grow with the page
    assert body["data"]["customers"]["totalCount"] == CUSTOMERS
    assert {node["interactions"]["totalCount"] for node in body["data"]["customers"]["nodes"]} == {INTERACTIONS_EACH}
    assert len(many_statements) == len(few_statements) <= 5, many_statements


ORDERS = 120
LINES_EACH = 4
ORDER_PAGE = """
query Orders($first: Int!) {
  salesOrders(first: $first) {
    nodes {
      number customer { code } warehouse { code }
      lines { lineNo quantity product { sku stock { onHand reserved available warehouse { code } } } }
    }
  }
}"""


@pytest.fixture
def busy_sales(insert) -> None:
    """120 sales orders for 30 customers from 2 warehouses, each with 4 lines over 10 products."""
    customers = insert(Customer.__table__, [{"code": f"C-{i:05}", "name": f"Customer {i}"} for i in range(30)])
    warehouses = insert(Warehouse.__table__, [{"code": f"W{i}", "name": f"Warehouse {i}"} for i in range(2)])
    products = insert(Product.__table__, [{"sku": f"P-{i}", "name": f"Product {i}"} for i in range(10)])
    orders = insert(
        SalesOrder.__table__,
        [
            {"number": f"SO-{i:06}", "customer_id": customers[i % 30], "warehouse_id": warehouses[i % 2]}
            for i in range(ORDERS)
        ],
    )
    insert(
        SalesOrderLine.__table__,
        [
            {"order_id": order, "line_no": n + 1, "product_id": products[(order + n) % 10], "quantity": n + 1}
            for order in orders
            for n in range(LINES_EACH)
        ],
    )
    insert(
        StockMove.__table__,
        [
            {"product_id": product, "warehouse_id": warehouse, "quantity": 50, "kind": "adjustment", "value": 100}
            for product in products
            for warehouse in warehouses
        ],
    )


def test_orders_with_lines_products_and_stock_cost_the_same_statements_for_5_and_100(gql, client, busy_sales):
    # given 120 orders with 4 lines each, 10 products in stock in 2 warehouses, and a warmed-up connection
    gql("{ salesOrders(first: 1) { nodes { number } } }")

    # when reading 5 and then 100 orders with their customers, warehouses, lines, products and stock levels
    with counting_statements(app_engine(client)) as few_statements:
        gql(ORDER_PAGE, {"first": 5})
    with counting_statements(app_engine(client)) as many_statements:
        many = gql(ORDER_PAGE, {"first": 100})["data"]["salesOrders"]["nodes"]

    # then every order comes with its lines, and the statements don't grow with the page
    assert len(many) == 100
    assert all([line["lineNo"] for line in node["lines"]] == [1, 2, 3, 4] for node in many)
    levels = many[0]["lines"][0]["product"]["stock"]
    assert [(level["onHand"], level["warehouse"]["code"]) for level in levels] == [("50.000", "W0"), ("50.000", "W1")]
    assert len(many_statements) == len(few_statements) <= 9, many_statements
