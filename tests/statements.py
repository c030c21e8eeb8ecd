"""Counting the SQL statements an engine sends, for the tests that hold the number of statements constant."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def counting_statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs (an executemany counts once)."""
    statements: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def app_engine(client) -> sa.Engine:
    """The synchronous side of the engine the test client's app reads and writes through."""
    return client.app.state.engine.sync_engine
