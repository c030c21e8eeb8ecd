"""Imports that change many rows at once: every row's change, version and audit event, however the batch is written
(on PostgreSQL, more than `crud.COPY_UPDATES_FROM` updated rows are copied in through a staging table)."""

from decimal import Decimal

import sqlalchemy as sa

from app.database import transaction
from models.crm import Customer, CustomerStatus
from models.system import AuditEvent
from resolvers import crud
from resolvers.permissions import Actor
from sync.undo import undo_import
from tests.sync.workbooks import ADMIN, EditedWorkbook, export, plan, run_import

ROWS = 2 * crud.COPY_UPDATES_FROM + 10  # each half a batch of its own
API = Actor.system(via="api")


def many_customers(engine) -> list[int]:
    """ROWS customers in Lyon, active, with a credit limit of 100.00."""
    rows = [
        {"code": f"M-{n:04}", "name": f"Customer {n}", "city": "Lyon", "status": CustomerStatus.ACTIVE,
         "credit_limit": Decimal("100.00")}
        for n in range(ROWS)
    ]  # fmt: skip
    with transaction(engine) as session:
        return [row.id for row in crud.create_many(session, Customer, rows, actor=API)]


def customers(engine) -> dict[int, tuple]:
    table = Customer.__table__
    query = sa.select(table.c.id, table.c.city, table.c.status, table.c.credit_limit, table.c.version)
    with engine.connect() as connection:
        return {row.id: tuple(row[1:]) for row in connection.execute(query)}


def test_an_import_changing_many_rows_writes_each_change_once_with_its_audit_event(engine, database_url, tmp_path):
    ids = many_customers(engine)
    moved, closed = ids[::2], ids[1::2]  # two sets of changed columns: the city; the status and the credit limit
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    for id in moved:
        book.set("Customers", id, "City", "Bergen")
    for id in closed:
        book.set("Customers", id, "Status", "Inactive")
        book.set("Customers", id, "Credit Limit", 2500.5)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert plan(result, "Customers")["updated"] == ROWS
    stored = customers(engine)
    assert {stored[id] for id in moved} == {("Bergen", CustomerStatus.ACTIVE, Decimal("100.00"), 2)}
    assert {stored[id] for id in closed} == {("Lyon", CustomerStatus.INACTIVE, Decimal("2500.50"), 2)}
    events = AuditEvent.__table__
    query = sa.select(events.c.entity_id, events.c.changes, events.c.via).where(events.c.batch_id == result.batch_id)
    with engine.connect() as connection:
        audited = {row.entity_id: (row.changes, row.via) for row in connection.execute(query)}
    assert audited == {
        **{id: ({"city": ["Lyon", "Bergen"]}, "import") for id in moved},
        **{id: ({"status": ["active", "inactive"], "credit_limit": ["100.00", "2500.50"]}, "import") for id in closed},
    }


def test_an_import_changing_many_rows_keeps_a_change_made_in_onebook_meanwhile(engine, database_url, tmp_path):
    ids = many_customers(engine)
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    for id in ids:
        book.set("Customers", id, "City", "Bergen")
    with transaction(engine) as session:
        crud.update(session, Customer, ids[0], {"credit_limit": Decimal("7.00")}, actor=API)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    stored = customers(engine)
    assert stored[ids[0]] == ("Bergen", CustomerStatus.ACTIVE, Decimal("7.00"), 3)
    assert {stored[id] for id in ids[1:]} == {("Bergen", CustomerStatus.ACTIVE, Decimal("100.00"), 2)}


def test_undoing_an_import_that_changed_many_rows_restores_them(engine, database_url, tmp_path):
    ids = many_customers(engine)
    before = customers(engine)
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    for id in ids:
        book.set("Customers", id, "Status", "Inactive")
    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))
    assert result.errors == []

    with transaction(engine) as session:
        undo_import(session, result.batch_id, actor=ADMIN)

    after = customers(engine)
    assert {id: row[:3] for id, row in after.items()} == {id: row[:3] for id, row in before.items()}
