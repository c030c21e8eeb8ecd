"""`onebook demo`: deterministic demo data, written once into an empty database."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.database import create_sync_engine, transaction
from app.demo import DEMO_TABLES, REFERENCE_TIME, SIZES, DemoDataExists, seed
from app.migrate import upgrade
from models.crm import (
    Customer,
    CustomerKind,
    CustomerStatus,
    Interaction,
    InteractionKind,
    Opportunity,
    OpportunityStage,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from models.finance import Invoice, InvoiceLine, InvoiceStatus, JournalEntry, JournalLine, Payment, PaymentDirection
from models.hr import Department, Employee
from models.inventory import StockMove, StockMoveKind
from models.manufacturing import WorkOrder, WorkOrderStatus
from models.purchasing import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus
from resolvers import crud, ledger
from resolvers.documents import line_amount, money
from resolvers.ledger import cents
from resolvers.permissions import Actor
from resolvers.reports import AGING_BUCKETS, receivables_aging
from resolvers.stock import stock_levels
from tests.erp.books import balances

API = Actor.system(via="api")
CONFIRMED, SHIPPED, INVOICED = SalesOrderStatus.CONFIRMED, SalesOrderStatus.SHIPPED, SalesOrderStatus.INVOICED


def row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in DEMO_TABLES
        }


def all_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(sa.select(table).order_by(table.c.id))]
            for table in DEMO_TABLES
        }


def test_small_seed_writes_the_small_counts_and_reports_each_table(engine):
    reported: list[tuple[str, int]] = []

    written = seed(engine, size="small", progress=lambda table, count: reported.append((table, count)))

    drawn = {table: count for table, count in SIZES["small"].items() if table != "interactions"}
    assert {table: written[table] for table in drawn} == drawn
    assert written["interactions"] > SIZES["small"]["interactions"]  # conversations plus the purchase timeline
    assert row_counts(engine) == written
    assert reported == list(written.items())
    assert [table for table, count in written.items() if count == 0] == []
    assert set(written) == {table.name for table in DEMO_TABLES}


def test_same_seed_writes_identical_rows_into_two_fresh_databases(engine, empty_database_url):
    upgrade(empty_database_url)
    other_engine = create_sync_engine(empty_database_url)
    try:
        seed(engine, size="small", seed=7)
        seed(other_engine, size="small", seed=7)

        assert all_rows(engine) == all_rows(other_engine)
    finally:
        other_engine.dispose()


def test_seeding_a_database_with_customers_is_refused_and_writes_nothing(engine):
    with Session(engine) as session:
        session.add(Customer(code="C-90001", name="Existing Customer"))
        session.commit()
    before = all_rows(engine)

    with pytest.raises(DemoDataExists, match="customers"):
        seed(engine, size="small")

    assert all_rows(engine) == before


def test_unknown_size_is_refused(engine):
    with pytest.raises(ValueError, match="huge"):
        seed(engine, size="huge")

    assert set(row_counts(engine).values()) == {0}


def test_orm_inserts_after_seeding_get_fresh_ids(engine):
    written = seed(engine, size="small")

    with Session(engine) as session:
        customer = Customer(code="C-90001", name="New Customer")
        employee = Employee(email="new.hire@onebook.example", name="New Hire")
        interaction = Interaction(
            customer=customer,
            kind=InteractionKind.NOTE,
            occurred_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            subject="First note",
        )
        session.add_all([customer, employee, interaction])
        session.commit()

        assert customer.id == SIZES["small"]["customers"] + 1
        assert employee.id == SIZES["small"]["employees"] + 1
        assert interaction.id == written["interactions"] + 1


def test_small_demo_shows_every_state_with_consistent_values(engine):
    seed(engine, size="small")

    with Session(engine) as session:
        customers = session.scalars(sa.select(Customer).order_by(Customer.id)).all()  # PostgreSQL has no implicit order
        interactions = session.scalars(sa.select(Interaction)).all()
        opportunities = session.scalars(sa.select(Opportunity)).all()
        tickets = session.scalars(sa.select(Ticket)).all()
        departments = session.scalars(sa.select(Department)).all()
        employees = session.scalars(sa.select(Employee)).all()

        assert {customer.kind for customer in customers} == set(CustomerKind)
        assert {customer.status for customer in customers} == set(CustomerStatus)
        assert {interaction.kind for interaction in interactions} == set(InteractionKind)
        assert {opportunity.stage for opportunity in opportunities} == set(OpportunityStage)
        assert {ticket.status for ticket in tickets} == set(TicketStatus)
        assert {ticket.priority for ticket in tickets} == set(TicketPriority)

        assert [customer.code for customer in customers[:2]] == ["C-00001", "C-00002"]
        assert all(
            opportunity.probability == {OpportunityStage.WON: 100, OpportunityStage.LOST: 0}[opportunity.stage]
            for opportunity in opportunities
            if opportunity.stage.is_closed
        )
        assert all((ticket.resolution is not None) == (ticket.status is TicketStatus.CLOSED) for ticket in tickets)
        assert all(
            department.head is not None and department.head.department is department for department in departments
        )
        assert sum(employee.manager is None for employee in employees) == 1
        assert all(
            interaction.contact is None or interaction.contact.customer_id == interaction.customer_id
            for interaction in interactions
        )


def test_small_demo_orders_are_consistent_and_numbering_continues_after_them(engine):
    seed(engine, size="small")

    with Session(engine) as session:
        orders = session.scalars(sa.select(SalesOrder).order_by(SalesOrder.id)).all()
        lines = session.scalars(sa.select(SalesOrderLine)).all()
        purchase_lines = session.scalars(sa.select(PurchaseOrderLine)).all()
        customers = {customer.id: customer for customer in session.scalars(sa.select(Customer))}

        assert [order.number for order in orders[:2]] == ["SO-000001", "SO-000002"]
        assert all(customers[order.customer_id].status is CustomerStatus.ACTIVE for order in orders)
        assert all(customers[order.customer_id].created_at < order.created_at for order in orders)
        assert {order.id for order in orders} == {line.order_id for line in lines}  # every order has lines
        assert len({(line.order_id, line.product_id) for line in lines}) == len(lines)  # no product twice per order
        assert all(line.quantity > 0 and line.unit_cost > 0 for line in purchase_lines)
        assert all(line.unit_price == line.product.unit_price for line in lines)
        assert {order.status for order in orders} == set(SalesOrderStatus)

    # When one more of each numbered document is created through the write path,
    with transaction(engine) as session:
        created = [
            crud.create(session, SalesOrder, {"customer_id": 1, "warehouse_id": 1}, actor=API).number,
            crud.create(session, PurchaseOrder, {"supplier_id": 1, "warehouse_id": 1}, actor=API).number,
            crud.create(session, Invoice, {"customer_id": 1}, actor=API).number,
            crud.create(
                session, WorkOrder, {"product_id": 1, "quantity": Decimal(1), "warehouse_id": 1}, actor=API
            ).number,
            ledger.post_manual_entry(
                session,
                lines=[ledger.ManualLine(ledger.CASH, debit=Decimal(1)), ledger.ManualLine("3000", credit=Decimal(1))],
                memo="Owner's contribution",
                actor=API,
            ).number,
        ]

    # then each continues after the demo's last one.
    with engine.connect() as connection:
        last = {
            prefix: connection.scalar(sa.select(sa.func.max(table.c.number)))
            for prefix, table in (("SO", SalesOrder.__table__), ("PO", PurchaseOrder.__table__),
                                  ("INV", Invoice.__table__), ("WO", WorkOrder.__table__),
                                  ("JE", JournalEntry.__table__))
        }  # fmt: skip
    assert created == [last[prefix] for prefix in ("SO", "PO", "INV", "WO", "JE")]
    assert created == [
        f"SO-{SIZES['small']['sales_orders'] + 1:06d}",
        f"PO-{SIZES['small']['purchase_orders'] + 1:06d}",
        f"INV-{row_counts(engine)['invoices']:06d}",
        f"WO-{SIZES['small']['work_orders'] + 1:06d}",
        f"JE-{row_counts(engine)['journal_entries']:06d}",
    ]


# --- the books ------------------------------------------------------------------------------------------------------


def assert_books_are_consistent(engine: sa.Engine) -> None:
    """What the operations keep true: the ledger balances and agrees with the documents and the stock."""
    with engine.connect() as connection:
        invoices = connection.execute(sa.select(Invoice.__table__)).all()
        purchase_orders = connection.execute(sa.select(PurchaseOrder.__table__)).all()
        moves = connection.execute(sa.select(StockMove.__table__).order_by(StockMove.id)).all()
        lines = connection.execute(sa.select(JournalLine.__table__)).all()
        payments = connection.execute(sa.select(Payment.__table__)).all()
        sales_lines = connection.execute(sa.select(SalesOrderLine.__table__)).all()
        orders = connection.execute(sa.select(SalesOrder.__table__)).all()
        purchase_lines = connection.execute(sa.select(PurchaseOrderLine.__table__)).all()
        invoice_lines = connection.execute(sa.select(InvoiceLine.__table__)).all()
    account = balances(engine)

    # The trial balance is zero, and every entry balances with one-sided lines.
    assert sum(account.values()) == 0
    by_entry: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        assert (line.debit > 0) != (line.credit > 0)
        by_entry[line.entry_id] += line.debit - line.credit
    assert set(by_entry.values()) == {0}

    # Receivables are the issued invoices' open amounts, payables what was received and not paid, inventory the moves.
    assert account["1100"] == sum(
        (i.total_amount - i.paid_amount for i in invoices if i.status is InvoiceStatus.ISSUED), 0
    )
    assert -account["2000"] == sum((order.received_amount - order.paid_amount for order in purchase_orders), 0)
    assert account["1200"] == sum((move.value for move in moves), 0)
    assert all(order.paid_amount <= order.received_amount for order in purchase_orders)

    # Invoices are paid by their payments, and paid exactly when the payments cover them.
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for payment in payments:
        if payment.direction is PaymentDirection.INCOMING:
            paid[payment.invoice_id] += payment.amount
    assert all(invoice.paid_amount == paid[invoice.id] for invoice in invoices)
    assert all(
        (invoice.status is InvoiceStatus.PAID) == (invoice.paid_amount == invoice.total_amount) for invoice in invoices
    )
    assert all(invoice.tax_amount == cents(invoice.net_amount * invoice.tax_rate / 100) for invoice in invoices)
    assert all(invoice.total_amount == invoice.net_amount + invoice.tax_amount for invoice in invoices)

    # Documents total their lines.
    order_totals: dict[int, Decimal] = defaultdict(Decimal)
    for line in sales_lines:
        order_totals[line.order_id] += line_amount(line.quantity, line.unit_price, line.discount_percent)
    assert all(order.total_amount == order_totals[order.id] for order in orders)
    purchase_totals: dict[int, Decimal] = defaultdict(Decimal)
    for line in purchase_lines:
        purchase_totals[line.order_id] += cents(line.quantity * line.unit_cost)
        assert 0 <= line.received_quantity <= line.quantity
    assert all(order.total_amount == purchase_totals[order.id] for order in purchase_orders)
    invoice_nets: dict[int, Decimal] = defaultdict(Decimal)
    for line in invoice_lines:
        invoice_nets[line.invoice_id] += cents(line.quantity * line.unit_price)
    assert all(invoice.net_amount == invoice_nets[invoice.id] for invoice in invoices)
    assert {invoice.net_amount for invoice in invoices} <= {order.total_amount for order in orders}

    # Stock is the sum of the moves and never below zero, at any moment, in any warehouse; goods leave at the
    # moving average cost of what the warehouse holds, and every move's value is its quantity at its cost.
    held: dict[tuple[int, int], tuple[Decimal, Decimal]] = {}
    for move in sorted(moves, key=lambda move: (move.occurred_at, move.id)):
        place = (move.product_id, move.warehouse_id)
        quantity, value = held.get(place, (Decimal(0), Decimal(0)))
        if move.quantity < 0:
            assert quantity + move.quantity >= 0, f"{move.reference} takes {place} below zero"
            assert move.unit_cost == cents(value / quantity)
            expected = -value if quantity + move.quantity == 0 else cents(move.quantity * move.unit_cost)
            assert move.value == expected
        elif move.kind is not StockMoveKind.PRODUCTION_IN:
            assert move.value == cents(move.quantity * move.unit_cost)
        held[place] = (quantity + move.quantity, value + move.value)
    with Session(engine) as session:
        levels = {(level.product_id, level.warehouse_id): level.on_hand for level in stock_levels(session)}
    assert levels == {place: quantity for place, (quantity, _) in held.items()}
    assert all(quantity >= 0 for quantity in levels.values())


def test_small_demo_books_balance_and_agree_with_documents_and_stock(engine):
    seed(engine, size="small")

    assert_books_are_consistent(engine)


def test_larger_custom_demo_books_balance_and_agree_with_documents_and_stock(engine, monkeypatch):
    medium = {**SIZES["small"], "customers": 300, "contacts": 600, "interactions": 1_000, "products": 60,
              "warehouses": 3, "suppliers": 30, "purchase_orders": 150, "purchase_order_lines": 400,
              "sales_orders": 800, "sales_order_lines": 2_000, "bills_of_materials": 6, "work_orders": 30}  # fmt: skip
    monkeypatch.setitem(SIZES, "medium", medium)

    written = seed(engine, size="medium")

    assert written["sales_orders"] == 800 and written["sales_order_lines"] == 2_000
    assert_books_are_consistent(engine)


def test_small_demo_documents_follow_their_workflows(engine):
    seed(engine, size="small")

    with Session(engine) as session:
        orders = {order.number: order for order in session.scalars(sa.select(SalesOrder))}
        invoices = session.scalars(sa.select(Invoice)).all()
        moves = session.scalars(sa.select(StockMove)).all()
        entries = session.scalars(sa.select(JournalEntry)).all()
        timeline = {
            interaction.subject
            for interaction in session.scalars(
                sa.select(Interaction).where(Interaction.kind == InteractionKind.PURCHASE)
            )
        }
        work_orders = session.scalars(sa.select(WorkOrder)).all()
        purchase_orders = session.scalars(sa.select(PurchaseOrder)).all()
        aging = receivables_aging(session, REFERENCE_TIME.date())

        shipped = {number for number, order in orders.items() if order.status in (SHIPPED, INVOICED)}
        assert {move.reference for move in moves if move.kind is StockMoveKind.SHIPMENT} == shipped
        assert all(move.quantity < 0 for move in moves if move.kind is StockMoveKind.SHIPMENT)
        assert {entry.source for entry in entries if entry.memo.startswith("Cost of goods shipped")} == shipped
        assert all(f"Order {number} shipped" in timeline for number in shipped)
        confirmed = [order for order in orders.values() if order.status in (CONFIRMED, SHIPPED, INVOICED)]
        assert all(f"Order {order.number} confirmed: {money(order.total_amount)}" in timeline for order in confirmed)

        assert {invoice.sales_order.number for invoice in invoices} == {
            number for number, order in orders.items() if order.status is INVOICED
        }
        assert {invoice.status for invoice in invoices} == {
            InvoiceStatus.DRAFT,
            InvoiceStatus.ISSUED,
            InvoiceStatus.PAID,
        }
        assert any(0 < invoice.paid_amount < invoice.total_amount for invoice in invoices)  # partly paid
        for invoice in invoices:
            if invoice.status is not InvoiceStatus.DRAFT:
                assert invoice.due_date == invoice.issue_date + timedelta(days=30)
                assert (
                    f"Invoice {invoice.number} issued: {money(invoice.total_amount)}, due {invoice.due_date}"
                    in timeline
                )
        assert all(getattr(aging.totals, name) > 0 for name, _title, _days in AGING_BUCKETS)  # every bucket

        assert {order.status for order in purchase_orders} == set(PurchaseOrderStatus)
        assert {order.status for order in work_orders} == set(WorkOrderStatus)
        done = {order.number for order in work_orders if order.status is WorkOrderStatus.DONE}
        assert {move.reference for move in moves if move.kind is StockMoveKind.PRODUCTION_IN} == done
        for number in done:
            produced = [move for move in moves if move.reference == number]
            assert sum(move.value for move in produced) == 0  # the product is worth what its components cost

        entry_numbers = [entry.number for entry in sorted(entries, key=lambda entry: entry.id)]
        assert entry_numbers[:2] == ["JE-000001", "JE-000002"]
        assert [entry.posted_at for entry in sorted(entries, key=lambda e: e.id)] == sorted(
            e.posted_at for e in entries
        )
        assert all(entry.posted_at < REFERENCE_TIME for entry in entries)
