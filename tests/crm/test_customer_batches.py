"""Creating customers in batches, as a sheet import does: ids, audit events and the number of statements."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.crm import Customer, CustomerStatus
from models.system import AuditEvent
from resolvers import crud
from resolvers.errors import Refused
from resolvers.permissions import Actor
from tests.factories import stored
from tests.statements import counting_statements


def new_customers(count: int, start: int = 1) -> list[dict]:
    return [
        {"code": f"B-{n:04}", "name": f"Batch {n}", "status": "active", "credit_limit": "12.50"}
        for n in range(start, start + count)
    ]


def test_a_batch_gets_ids_after_the_existing_rows_in_the_order_given(engine, make_customer):
    # given a customer already stored
    existing = make_customer()
    # when three more are created in one batch
    with transaction(engine) as session:
        written = crud.create_many(session, Customer, new_customers(3), actor=Actor.system(via="api"))
    # then each written row carries the id it was stored under, in the order given, after the existing one
    ids = [row.id for row in written]
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > existing.id
    for row in written:
        assert stored(engine, Customer, row.id)["code"] == row.code
        assert row.version == 1 and row.status is CustomerStatus.ACTIVE and row.credit_limit == Decimal("12.50")


def test_each_created_row_has_one_audit_event_with_its_values(engine):
    # when two customers are created in one batch
    with transaction(engine) as session:
        written = crud.create_many(session, Customer, new_customers(2), actor=Actor.system(via="import"))
    # then each has one audit event listing every given field as [None, value], in plain form
    events = AuditEvent.__table__
    with engine.connect() as connection:
        found = connection.execute(sa.select(events).where(events.c.entity == "Customer").order_by(events.c.id)).all()
    assert [event.entity_id for event in found] == [row.id for row in written]
    assert found[0].via == "import" and found[0].action == "create"
    assert found[0].changes == {
        "code": [None, "B-0001"],
        "name": [None, "Batch 1"],
        "kind": [None, "company"],
        "status": [None, "active"],
        "credit_limit": [None, "12.50"],
    }


def test_a_batch_is_written_with_a_number_of_statements_that_does_not_grow_with_its_size(engine):
    # when batches of 5 and of 50 customers are created
    counts = []
    for size, start in ((5, 1), (50, 100)):
        with counting_statements(engine) as statements, transaction(engine) as session:
            crud.create_many(session, Customer, new_customers(size, start), actor=Actor.system(via="import"))
        counts.append(len(statements))
    # then both take the same number of statements (no statement per row)
    assert counts[0] == counts[1]


def test_a_refused_batch_writes_nothing_and_takes_no_ids(engine):
    # given a batch whose second row repeats the first one's code
    rows = new_customers(2)
    rows[1]["code"] = rows[0]["code"]
    # when it is created, then it is refused and nothing is stored
    with pytest.raises(Refused) as refused, transaction(engine) as session:
        crud.create_many(session, Customer, rows, actor=Actor.system(via="import"))
    assert [error.row for error in refused.value.errors] == [1]
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Customer.__table__)) == 0


def test_a_batch_longer_than_one_insert_statement_is_stored_whole_with_an_audit_event_per_row(engine):
    # given more customers than one INSERT lists on SQLite (PostgreSQL copies them in)
    size = 2 * crud.ROWS_PER_INSERT + 7
    # when they are created in one batch
    with counting_statements(engine) as statements, transaction(engine) as session:
        written = crud.create_many(session, Customer, new_customers(size), actor=Actor.system(via="import"))
    # then every row is stored under the id it was given, each with its own audit event
    table, events = Customer.__table__, AuditEvent.__table__
    with engine.connect() as connection:
        codes = dict(connection.execute(sa.select(table.c.id, table.c.code)).all())
        audited = dict(connection.execute(sa.select(events.c.entity_id, events.c.changes)).all())
    assert codes == {row.id: row.code for row in written} and len(codes) == size
    assert {id: changes["code"][1] for id, changes in audited.items()} == codes
    if engine.dialect.name == "sqlite":  # three INSERTs for the rows, three for their events
        inserts = [statement for statement in statements if statement.startswith("INSERT INTO")]
        assert len(inserts) == 6


def test_a_batch_of_updates_longer_than_one_statement_changes_each_row_once(engine):
    # given more customers than one UPDATE lists on SQLite
    size = 2 * crud.ROWS_PER_INSERT + 7
    with transaction(engine) as session:
        written = crud.create_many(session, Customer, new_customers(size), actor=Actor.system(via="import"))
    patches = [crud.Patch(row.id, {"name": f"Renamed {row.id}"}, 1) for row in written]
    # when each is renamed in one batch
    with counting_statements(engine) as statements, transaction(engine) as session:
        crud.update_many(session, Customer, patches, actor=Actor.system(via="import"))
    # then each row has its new name and version 2
    table = Customer.__table__
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table.c.id, table.c.name, table.c.version)).all()
    assert {(id, name, version) for id, name, version in rows} == {(row.id, f"Renamed {row.id}", 2) for row in written}
    if engine.dialect.name == "sqlite":  # three UPDATEs, a thousand rows at most each
        assert len([statement for statement in statements if statement.startswith("UPDATE customers")]) == 3


def test_a_row_changed_after_it_was_read_refuses_the_whole_batch(engine):
    # given customers read for an update, one of which is then changed by another write in the same transaction
    size = crud.ROWS_PER_INSERT + 3
    with transaction(engine) as session:
        written = crud.create_many(session, Customer, new_customers(size), actor=Actor.system(via="import"))
    table = Customer.__table__
    with pytest.raises(Refused) as refused, transaction(engine) as session:
        current = {row.id: row for row in session.execute(sa.select(table))}
        moved = written[size - 2].id
        session.execute(table.update().where(table.c.id == moved).values(version=table.c.version + 1))
        patches = [crud.Patch(row.id, {"city": "Bergen"}) for row in written]
        # when the batch is written from what was read, then the row whose version moved on fails it
        crud.update_many(session, Customer, patches, actor=Actor.system(via="import"), current=current)
    assert refused.value.errors[0].code.name == "CONFLICT"
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).where(table.c.city == "Bergen")) == 0
