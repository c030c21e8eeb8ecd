"""Test rows made through the one write path (`resolvers.crud.create`), and what the database holds afterwards.

Each `make_*` fixture takes overrides for the defaults; the plain fixtures (`customer`, `employee`, ...) give one
ready row. Rows come back detached, with their columns loaded.
"""

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.base import Base
from models.crm import Contact, Customer, Interaction, InteractionKind, Opportunity, Ticket
from models.hr import Department, Employee
from resolvers import crud
from resolvers.permissions import Actor

_serial = itertools.count(1)


def create(engine: sa.Engine, model: type[Base], values: dict[str, Any]) -> Any:
    """Insert one row through the domain function, in its own committed transaction."""
    with transaction(engine) as session:
        return crud.create(session, model, values, actor=Actor.system(via="api"))


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
