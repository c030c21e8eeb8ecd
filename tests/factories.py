"""Test rows made through the one write path (`resolvers.crud.create`), and what the database holds afterwards.

Each `make_*` fixture takes overrides for the defaults; the plain fixtures (`customer`, `employee`, ...) give one
ready row. Rows come back detached, with their columns loaded.
"""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.base import Base
from models.crm import Contact, Customer, Interaction, InteractionKind, Opportunity, Ticket
from models.finance import (
    Account,
    AccountKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentDirection,
)
from models.hr import Department, Employee
from models.inventory import Product, StockMove, StockMoveKind, Warehouse
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder
from models.purchasing import PurchaseOrder, PurchaseOrderLine, Supplier
from models.sales import SalesOrder, SalesOrderLine
from resolvers import crud
from resolvers.permissions import Actor

_serial = itertools.count(1)


def create(engine: sa.Engine, model: type[Base], values: dict[str, Any], *, actor: Actor | None = None) -> Any:
    """Insert one row through the domain function, in its own committed transaction."""
    with transaction(engine) as session:
        return crud.create(session, model, values, actor=actor or Actor.system(via="api"))


def update(engine: sa.Engine, model: type[Base], id: int, values: dict[str, Any]) -> Any:
    """Change one row through the domain function (a workflow step when `values` has a status)."""
    with transaction(engine) as session:
        return crud.update(session, model, id, values, actor=Actor.system(via="api"))


#: Journal entries are written by operations only; fixtures write them as an operation would.
POSTING = Actor.system(via="api").for_consequences()


def count(engine: sa.Engine, model: type[Base]) -> int:
    """How many rows the model's table holds."""
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(model.__table__))


def stored(engine: sa.Engine, model: type[Base], id: int | str) -> dict[str, Any] | None:
    """The row as the database holds it (column name -> value), or None."""
    table = model.__table__
    with engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.id == int(id))).mappings().first()
    return dict(row) if row is not None else None


@pytest.fixture
def make_employee(engine) -> Callable[..., Employee]:
    return lambda **values: create(
        engine, Employee, {"email": f"staff{next(_serial)}@onebook.test", "name": "Staff"} | values
    )


@pytest.fixture
def make_department(engine) -> Callable[..., Department]:
    return lambda **values: create(engine, Department, {"code": f"D{next(_serial)}", "name": "Department"} | values)


@pytest.fixture
def make_customer(engine) -> Callable[..., Customer]:
    return lambda **values: create(engine, Customer, {"code": f"C-{next(_serial):05}", "name": "Customer"} | values)


@pytest.fixture
def make_contact(engine) -> Callable[..., Contact]:
    return lambda customer, **values: create(
        engine, Contact, {"customer_id": customer.id, "name": "Contact", "email": f"c{next(_serial)}@x.test"} | values
    )


@pytest.fixture
def make_interaction(engine) -> Callable[..., Interaction]:
    return lambda customer, **values: create(
        engine,
        Interaction,
        {
            "customer_id": customer.id,
            "kind": InteractionKind.CALL,
            "occurred_at": datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
            "subject": "Call",
        }
        | values,
    )


@pytest.fixture
def make_opportunity(engine) -> Callable[..., Opportunity]:
    return lambda customer, **values: create(
        engine, Opportunity, {"number": f"OPP-{next(_serial):05}", "customer_id": customer.id, "title": "Deal"} | values
    )


@pytest.fixture
def make_ticket(engine) -> Callable[..., Ticket]:
    return lambda customer, **values: create(
        engine, Ticket, {"number": f"T-{next(_serial):05}", "customer_id": customer.id, "subject": "Help"} | values
    )


@pytest.fixture
def employee(make_employee) -> Employee:
    return make_employee()


@pytest.fixture
def department(make_department) -> Department:
    return make_department()


@pytest.fixture
def customer(make_customer) -> Customer:
    return make_customer()


@pytest.fixture
def contact(make_contact, customer) -> Contact:
    return make_contact(customer)


@pytest.fixture
def opportunity(make_opportunity, customer) -> Opportunity:
    return make_opportunity(customer)


@pytest.fixture
def ticket(make_ticket, customer) -> Ticket:
    return make_ticket(customer)


# --- ERP ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def make_product(engine) -> Callable[..., Product]:
    return lambda **values: create(
        engine, Product, {"sku": f"SKU-{next(_serial):05}", "name": "Widget", "unit_price": Decimal("10.00")} | values
    )


@pytest.fixture
def make_warehouse(engine) -> Callable[..., Warehouse]:
    return lambda **values: create(engine, Warehouse, {"code": f"WH{next(_serial)}", "name": "Warehouse"} | values)


@pytest.fixture
def make_stock_move(engine) -> Callable[..., StockMove]:
    return lambda product, warehouse, **values: create(
        engine,
        StockMove,
        {
            "product_id": product.id,
            "warehouse_id": warehouse.id,
            "quantity": Decimal("5"),
            "kind": StockMoveKind.ADJUSTMENT,
        }
        | values,
    )


@pytest.fixture
def make_supplier(engine) -> Callable[..., Supplier]:
    return lambda **values: create(engine, Supplier, {"code": f"S-{next(_serial):04}", "name": "Supplier"} | values)


@pytest.fixture
def make_purchase_order(engine) -> Callable[..., PurchaseOrder]:
    return lambda supplier, warehouse, **values: create(
        engine, PurchaseOrder, {"supplier_id": supplier.id, "warehouse_id": warehouse.id} | values
    )


@pytest.fixture
def make_purchase_order_line(engine) -> Callable[..., PurchaseOrderLine]:
    return lambda order, product, **values: create(
        engine,
        PurchaseOrderLine,
        {"order_id": order.id, "line_no": 1, "product_id": product.id, "quantity": Decimal("3")} | values,
    )


@pytest.fixture
def make_sales_order(engine) -> Callable[..., SalesOrder]:
    return lambda customer, warehouse, **values: create(
        engine, SalesOrder, {"customer_id": customer.id, "warehouse_id": warehouse.id} | values
    )


@pytest.fixture
def make_sales_order_line(engine) -> Callable[..., SalesOrderLine]:
    return lambda order, product, **values: create(
        engine,
        SalesOrderLine,
        {"order_id": order.id, "line_no": 1, "product_id": product.id, "quantity": Decimal("2")} | values,
    )


@pytest.fixture
def make_invoice(engine) -> Callable[..., Invoice]:
    return lambda customer, **values: create(engine, Invoice, {"customer_id": customer.id} | values)


@pytest.fixture
def make_invoice_line(engine) -> Callable[..., InvoiceLine]:
    return lambda invoice, **values: create(
        engine,
        InvoiceLine,
        {"invoice_id": invoice.id, "line_no": 1, "description": "Widgets", "quantity": Decimal("1")} | values,
    )


@pytest.fixture
def make_payment(engine) -> Callable[..., Payment]:
    return lambda invoice, **values: create(
        engine,
        Payment,
        {"direction": PaymentDirection.INCOMING, "invoice_id": invoice.id, "amount": Decimal("10.00")} | values,
    )


@pytest.fixture
def make_account(engine) -> Callable[..., Account]:
    return lambda **values: create(
        engine, Account, {"code": f"9{next(_serial):03}", "name": "Account", "kind": AccountKind.ASSET} | values
    )


@pytest.fixture
def make_journal_entry(engine) -> Callable[..., JournalEntry]:
    return lambda **values: create(engine, JournalEntry, {"memo": "Entry"} | values, actor=POSTING)


@pytest.fixture
def make_journal_line(engine) -> Callable[..., JournalLine]:
    return lambda entry, account, **values: create(
        engine,
        JournalLine,
        {"entry_id": entry.id, "account_id": account.id, "debit": Decimal("10.00")} | values,
        actor=POSTING,
    )


@pytest.fixture
def make_bill_of_materials(engine) -> Callable[..., BillOfMaterials]:
    return lambda product, **values: create(engine, BillOfMaterials, {"product_id": product.id} | values)


@pytest.fixture
def make_bom_line(engine) -> Callable[..., BomLine]:
    return lambda bom, component, **values: create(
        engine, BomLine, {"bom_id": bom.id, "component_id": component.id, "quantity_per_unit": Decimal("2")} | values
    )


@pytest.fixture
def make_work_order(engine) -> Callable[..., WorkOrder]:
    return lambda product, warehouse, **values: create(
        engine, WorkOrder, {"product_id": product.id, "warehouse_id": warehouse.id, "quantity": Decimal("1")} | values
    )


@pytest.fixture
def product(make_product) -> Product:
    return make_product()


@pytest.fixture
def warehouse(make_warehouse) -> Warehouse:
    return make_warehouse()


@pytest.fixture
def supplier(make_supplier) -> Supplier:
    return make_supplier()


@pytest.fixture
def sales_order(make_sales_order, customer, warehouse) -> SalesOrder:
    return make_sales_order(customer, warehouse)


@pytest.fixture
def purchase_order(make_purchase_order, supplier, warehouse) -> PurchaseOrder:
    return make_purchase_order(supplier, warehouse)


@pytest.fixture
def invoice(make_invoice, customer) -> Invoice:
    return make_invoice(customer)


@pytest.fixture
def issued_invoice(engine, make_invoice, make_invoice_line, customer) -> Invoice:
    """An issued invoice of 100.00 (one line, no tax)."""
    invoice = make_invoice(customer)
    make_invoice_line(invoice, unit_price=Decimal("100.00"))
    return update(engine, Invoice, invoice.id, {"status": InvoiceStatus.ISSUED})
