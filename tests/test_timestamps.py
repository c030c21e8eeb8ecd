"""Timestamps come back timezone-aware in UTC on each database, however their runs of equal values fall."""

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from models.crm import Customer

customers = Customer.__table__


def test_each_row_reads_back_its_own_timestamp_in_utc(engine):
    first = datetime(2026, 11, 28, 9, 30, 15, 120000, tzinfo=UTC)
    later = first + timedelta(hours=5)
    written = [first, first, later, first, later, later, first]
    with engine.begin() as connection:
        connection.execute(
            customers.insert(),
            [
                {"code": f"C-{n}", "name": f"Customer {n}", "version": 1, "created_at": at, "updated_at": first}
                for n, at in enumerate(written)
            ],
        )
        for _ in range(2):  # the second read starts where the first ended
            rows = connection.execute(sa.select(customers.c.created_at, customers.c.updated_at).order_by("code")).all()
            assert [row.created_at for row in rows] == written
            assert {row.created_at.tzinfo for row in rows} == {UTC}
        bangkok = timezone(timedelta(hours=7))
        connection.execute(customers.update().values(updated_at=later.astimezone(bangkok)))
        assert set(connection.scalars(sa.select(customers.c.updated_at))) == {later}
        connection.rollback()
