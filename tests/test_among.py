"""`among`: membership in many values as one statement, on each database."""

import sqlalchemy as sa

from models.crm import Customer
from resolvers.among import among
from tests.statements import counting_statements

customers = Customer.__table__


def _codes(connection: sa.Connection, condition: sa.ColumnElement[bool]) -> list[str]:
    return list(connection.scalars(sa.select(customers.c.code).where(condition).order_by(customers.c.code)))


def _insert(connection: sa.Connection, count: int) -> list[int]:
    rows = [{"code": f"C-{n:05}", "name": f"Customer {n}", "version": 1} for n in range(count)]
    connection.execute(customers.insert(), rows)
    return list(connection.scalars(sa.select(customers.c.id).order_by(customers.c.id)))


def test_ids_and_texts_match_like_in(engine):
    with engine.begin() as connection:
        ids = _insert(connection, 5)
        assert _codes(connection, among(connection, customers.c.id, [ids[0], ids[3], 10**9])) == ["C-00000", "C-00003"]
        assert _codes(connection, among(connection, customers.c.code, ["C-00001", "C-99999"])) == ["C-00001"]
        lowered = sa.func.lower(customers.c.code)
        assert _codes(connection, among(connection, lowered, ["c-00002", "C-00004"])) == ["C-00002"]
        assert _codes(connection, among(connection, customers.c.id, [])) == []
        connection.rollback()


def test_numbers_past_64_bits_match_nothing_instead_of_failing(engine):
    with engine.begin() as connection:
        ids = _insert(connection, 2)
        assert _codes(connection, among(connection, customers.c.id, [2**70, ids[1], -(2**64)])) == ["C-00001"]
        connection.rollback()


def test_other_types_fall_back_to_an_in_list(engine):
    with engine.begin() as connection:
        _insert(connection, 2)
        condition = among(connection, customers.c.version, [1.0])
        assert "IN (" in str(condition.compile(connection))
        assert _codes(connection, condition) == ["C-00000", "C-00001"]
        connection.rollback()


def test_thousands_of_values_are_one_statement(engine):
    with engine.begin() as connection:
        ids = _insert(connection, 3_000)
        with counting_statements(engine) as statements:
            found = connection.scalars(sa.select(customers.c.id).where(among(connection, customers.c.id, ids))).all()
        assert sorted(found) == ids
        assert len(statements) == 1
        connection.rollback()
