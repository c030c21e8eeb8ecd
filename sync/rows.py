"""A layout's rows as a sheet shows them: one query per sheet, references joined to their natural keys.

Shared by workbook exports, BI exports and Google Sheets pushes, so all of them show the same values.
"""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from sync.registry import Column, Kind, SheetLayout


def visible_columns(layout: SheetLayout, readable: set[str] | None = None) -> list[Column]:
    """The layout's columns a reader may see (`readable`: attribute names; None for all)."""
    return [column for column in layout.columns if readable is None or column.attribute in readable]


def layout_query(
    layout: SheetLayout, columns: list[Column], *, where: sa.ColumnElement[bool] | None = None
) -> sa.Select:
    """SELECT id, version and one value per column, references as the referenced row's natural key."""
    table = layout.model.__table__
    selected: list[sa.ColumnElement[Any]] = [table.c.id.label("_id"), _version(table).label("_version")]
    joined: sa.FromClause = table
    for index, column in enumerate(columns):
        if column.kind is Kind.ID:
            selected.append(table.c.id.label(f"c{index}"))
        elif column.kind is Kind.REFERENCE:
            reference = column.reference
            target = reference.target.__table__.alias(f"r{index}")
            joined = joined.outerjoin(target, target.c.id == table.c[column.attribute])
            if reference.via is not None:  # the target is known by a related row's key
                keyed = reference.key.table.alias(f"k{index}")
                joined = joined.outerjoin(keyed, keyed.c.id == target.c[reference.via.name])
                target = keyed
            selected.append(target.c[reference.key.name].label(f"c{index}"))
        else:
            selected.append(table.c[column.attribute].label(f"c{index}"))
    query = sa.select(*selected).select_from(joined)
    if where is not None:
        query = query.where(where)
    return query.order_by(table.c.id)


def _version(table: sa.Table) -> sa.ColumnElement[int]:
    return table.c.version if "version" in table.c else sa.literal(1)


def iter_rows(
    connection: sa.Connection,
    layout: SheetLayout,
    columns: list[Column],
    *,
    where: sa.ColumnElement[bool] | None = None,
    batch: int = 5_000,
) -> Iterator[tuple[int, int, list[Any]]]:
    """(id, version, values in column order) for every row, streamed from the server in batches."""
    # Options on the statement, not the connection: Connection.execution_options() changes the connection itself,
    # and every later statement in the transaction would open a server-side cursor too.
    query = layout_query(layout, columns, where=where).execution_options(stream_results=True, yield_per=batch)
    result = connection.execute(query)
    for row in result:
        yield row[0], row[1], list(row[2:])
