"""`column IN (values)` for any number of values, as one statement with one parameter.

A sheet import looks up a hundred thousand ids or keys at once. An IN list takes one bound parameter per value, so
it has to be sent in chunks (a statement per thousand values, each compiled anew). Instead the values travel as a
single array: `= ANY(array)` on PostgreSQL, a JSON array unpacked by `json_each` on SQLite; both still use the
column's index. Other databases get a plain IN list.
"""

from collections.abc import Iterable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def among(
    session: Session | sa.Connection, column: sa.ColumnElement[Any], values: Iterable[Any]
) -> sa.ColumnElement[bool]:
    """True for rows whose `column` is one of `values`, for the session's database. Whole numbers and text travel
    as one array; values of other types (dates, decimals) as a plain IN list."""
    values = [value for value in values if not isinstance(value, int) or -(2**63) <= value < 2**63]  # storable
    dialect = session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name
    if all(type(value) is int for value in values):
        item: sa.types.TypeEngine = sa.BigInteger()
    elif all(type(value) is str for value in values):
        item = sa.Text()
    else:
        return column.in_(values)
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(item)))
    if dialect == "sqlite":
        listed = sa.func.json_each(sa.bindparam(None, orjson.dumps(values).decode(), type_=sa.Text))
        return column.in_(sa.select(listed.table_valued("value").c.value))
    return column.in_(values)
