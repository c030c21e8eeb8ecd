"""`onebook demo`: deterministic demo data, written once into an empty database."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.database import create_sync_engine
from app.demo import DEMO_TABLES, SIZES, DemoDataExists, seed
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
from models.hr import Department, Employee
from models.purchasing import PurchaseOrderLine
from models.sales import SalesOrder, SalesOrderLine
from resolvers.numbering import next_number


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

    assert written == SIZES["small"]
    assert row_counts(engine) == SIZES["small"]
    assert reported == list(SIZES["small"].items())


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
    seed(engine, size="small")

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
        assert interaction.id == SIZES["small"]["interactions"] + 1


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
        assert {order.id for order in orders} == {line.order_id for line in lines}  # every order has lines
        assert len({(line.order_id, line.product_id) for line in lines}) == len(lines)  # no product twice per order
        assert all(line.quantity > 0 and line.unit_cost == line.product.unit_cost for line in purchase_lines)
        assert all(line.unit_price == line.product.unit_price for line in lines)

        assert next_number(session, "SO") == f"SO-{SIZES['small']['sales_orders'] + 1:06d}"
        assert next_number(session, "PO") == f"PO-{SIZES['small']['purchase_orders'] + 1:06d}"
