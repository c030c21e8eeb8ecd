"""Document numbers (SO-000123, PO-, INV-, JE-, WO-): one counter row per prefix, bumped atomically.

`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` creates or increments the counter in one statement, so concurrent
transactions never receive the same number (on PostgreSQL the second waits for the first's row lock). Numbers taken
by a transaction that rolls back are given out again: numbers are unique, not gapless-audited.
"""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.system import DocumentCounter

DIGITS = 6


def format_number(prefix: str, value: int) -> str:
    """('SO', 123) -> 'SO-000123'."""
    return f"{prefix}-{value:0{DIGITS}d}"


def reserve_numbers(session: Session, prefix: str, count: int) -> list[str]:
    """The next `count` numbers for this prefix, reserved by this transaction."""
    if count <= 0:
        return []
    table = DocumentCounter.__table__
    dialect = session.get_bind().dialect.name
    insert: Callable[..., sa.Insert] = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(prefix=prefix, last_value=count)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.prefix], set_={"last_value": table.c.last_value + count}
    ).returning(table.c.last_value)
    last = session.execute(statement).scalar_one()
    return [format_number(prefix, value) for value in range(last - count + 1, last + 1)]


def next_number(session: Session, prefix: str) -> str:
    """The next document number for this prefix, e.g. `next_number(session, "SO")` -> 'SO-000124'."""
    (number,) = reserve_numbers(session, prefix, 1)
    return number
