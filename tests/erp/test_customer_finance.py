"""A customer's orders, invoices, open balance and lifetime value, as fields of Customer."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.crm import Customer
from models.finance import Invoice, InvoiceStatus
from models.inventory import Warehouse
from models.sales import SalesOrder
from tests.erp.report_books import build_books, insert, invoice
from tests.statements import app_engine, counting_statements

FINANCE = """
query ($first: Int!) {
  customers(first: $first, orderBy: [{code: ASC}]) {
    nodes {
      code
      openBalance
      lifetimeValue
      orders(first: 2) { totalCount nodes { number } }
      invoices(first: 10) { totalCount nodes { number status } }
    }
  }
}"""


@pytest.fixture
def books(engine) -> None:
    build_books(engine)
    with engine.begin() as connection:
        customers = Customer.__table__
        acme = connection.scalar(sa.select(customers.c.id).where(customers.c.code == "C-ACME"))
        warehouse = connection.scalar(sa.select(sa.func.min(Warehouse.__table__.c.id)))
        insert(
            connection,
            SalesOrder,
            [
                {
                    "number": f"SO-{day}",
                    "customer_id": acme,
                    "warehouse_id": warehouse,
                    "order_date": date(2026, 1, day),
                }
                for day in (3, 9, 5)
            ],
        )


def test_finance_reads_balances_orders_and_invoices(books, client_as):
    nodes = client_as("finance")(FINANCE, {"first": 10})["data"]["customers"]["nodes"]

    acme, beta, gamma = nodes
    # Acme: INV-2 has 335.00 open; INV-1 (paid) and INV-2 were invoiced 1000 + 500 net
    assert (acme["openBalance"], acme["lifetimeValue"]) == ("335.00", "1500.00")
    assert acme["orders"] == {"totalCount": 3, "nodes": [{"number": "SO-9"}, {"number": "SO-5"}]}
    assert sorted(item["number"] for item in acme["invoices"]["nodes"]) == ["INV-1", "INV-2"]
    # Beta: INV-3 and INV-4 are both open
    assert (beta["openBalance"], beta["lifetimeValue"]) == ("375.03", "350.49")
    # Gamma: a draft and a cancelled invoice count for nothing, but are its invoices all the same
    assert (gamma["openBalance"], gamma["lifetimeValue"]) == ("0.00", "0.00")
    assert gamma["invoices"]["totalCount"] == 2
    assert gamma["orders"] == {"totalCount": 0, "nodes": []}


def test_a_customer_without_invoices_has_zero_balances(customer, gql):
    node = gql("{ customers { nodes { openBalance lifetimeValue } } }")["data"]["customers"]["nodes"][0]
    assert node == {"openBalance": "0.00", "lifetimeValue": "0.00"}


def test_sales_sees_orders_but_not_invoices_or_balances(books, client_as):
    body = client_as("sales")(FINANCE, {"first": 1}, expect_errors=True)

    (acme,) = body["data"]["customers"]["nodes"]
    assert acme["orders"]["totalCount"] == 3
    assert (acme["openBalance"], acme["lifetimeValue"], acme["invoices"]) == (None, None, None)
    refused = sorted(error["path"][-1] for error in body["errors"])
    assert refused == ["invoices", "lifetimeValue", "openBalance"]
    assert {error["extensions"]["code"] for error in body["errors"]} == {"FORBIDDEN"}


def test_readonly_reads_balances(books, client_as):
    nodes = client_as("readonly")(FINANCE, {"first": 1})["data"]["customers"]["nodes"]
    assert nodes[0]["openBalance"] == "335.00"


# --- statements --------------------------------------------------------------------------------------------------

CUSTOMERS = 210


@pytest.fixture
def many_customers(engine) -> None:
    """210 customers, each with an issued invoice partly paid and a paid one, and one order."""
    with engine.begin() as connection:
        ids = insert(connection, Customer, [{"code": f"C-{n:05}", "name": f"Customer {n}"} for n in range(CUSTOMERS)])
        (warehouse,) = insert(connection, Warehouse, [{"code": "W1", "name": "Main"}])
        insert(
            connection,
            Invoice,
            [
                invoice(f"INV-{id_}-a", id_, InvoiceStatus.ISSUED, "2026-01-01", "2026-02-01", "100.00", "7.00", "7.00")
                for id_ in ids
            ]
            + [
                invoice(f"INV-{id_}-b", id_, InvoiceStatus.PAID, "2026-01-01", "2026-02-01", "0.10", "0.01", "0.11")
                for id_ in ids
            ],
        )
        insert(
            connection,
            SalesOrder,
            [{"number": f"SO-{id_}", "customer_id": id_, "warehouse_id": warehouse} for id_ in ids],
        )


def test_balances_of_5_and_200_customers_cost_the_same_statements(many_customers, gql, client):
    # given 210 customers with invoices and orders, and a warmed-up connection
    gql("{ customers(first: 1) { nodes { code } } }")

    # when reading 5 and then 200 customers with their balances, orders and invoices
    with counting_statements(app_engine(client)) as few:
        gql(FINANCE, {"first": 5})
    with counting_statements(app_engine(client)) as many:
        nodes = gql(FINANCE, {"first": 200})["data"]["customers"]["nodes"]

    # then every balance is right: 107.00 - 7.00 open, 100.00 + 0.10 invoiced
    assert len(nodes) == 200
    assert {(node["openBalance"], node["lifetimeValue"]) for node in nodes} == {("100.00", "100.10")}
    assert {node["invoices"]["totalCount"] for node in nodes} == {2}
    # and the statements don't grow with the page: customers, balances (one for both fields), orders and their
    # count, invoices and their count, and the token
    assert len(many) == len(few) <= 7, many


def test_sums_of_many_cents_stay_exact(engine, gql):
    # given one customer with 1,000 issued invoices of 0.10 net, 0.01 tax, nothing paid (floating point would drift)
    with engine.begin() as connection:
        (customer_id,) = insert(connection, Customer, [{"code": "C-1", "name": "Cents"}])
        insert(
            connection,
            Invoice,
            [
                invoice(f"INV-{n}", customer_id, InvoiceStatus.ISSUED, "2026-01-01", None, "0.10", "0.01", "0")
                for n in range(1000)
            ],
        )

    node = gql('{ customer(code: "C-1") { openBalance lifetimeValue } }')["data"]["customer"]

    assert node == {"openBalance": str(Decimal("110.00")), "lifetimeValue": "100.00"}
