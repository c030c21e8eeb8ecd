"""Per-request dataloaders: related rows for a whole page in one statement per relation, never one per parent."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

import sqlalchemy as sa
from strawberry.dataloader import DataLoader

from resolvers.listing import Page, PageWindow, SortKey, after_condition, decode_cursor, make_page

Execute = Callable[[sa.Executable], Awaitable[list[sa.Row]]]


class Loaders:
    """Creates each kind of loader once per request, keyed by what it loads."""

    def __init__(self, execute: Execute):
        self._execute = execute
        self._loaders: dict[Hashable, DataLoader] = {}

    def _get(self, key: Hashable, load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader:
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = DataLoader(load_fn=load)
        return loader

    def row(self, column: sa.Column) -> DataLoader:
        """The one row whose `column` equals each key (a to-one relation, or a lookup by natural key)."""

        async def load(keys: list[Any]) -> list[sa.Row | None]:
            rows = await self._execute(sa.select(column.table).where(column.in_(set(keys))))
            by_key = {row._mapping[column.name]: row for row in rows}
            return [by_key.get(key) for key in keys]

        return self._get(("row", column), load)

    def rows(self, column: sa.Column, order: Sequence[SortKey]) -> DataLoader:
        """All rows whose `column` equals each key, in the given order (a short to-many relation)."""

        async def load(keys: list[Any]) -> list[list[sa.Row]]:
            query = sa.select(column.table).where(column.in_(set(keys))).order_by(*(key.clause() for key in order))
            grouped: dict[Any, list[sa.Row]] = defaultdict(list)
            for row in await self._execute(query):
                grouped[row._mapping[column.name]].append(row)
            return [grouped.get(key, []) for key in keys]

        return self._get(("rows", column, tuple(order)), load)

    def page(
        self, column: sa.Column, order: Sequence[SortKey], window: PageWindow, where: sa.ColumnElement | None = None
    ) -> DataLoader:
        """One page of children per parent, for every parent at once: a window function ranks within each parent."""

        async def load(keys: list[Any]) -> list[Page]:
            table = column.table
            scan_keys = window.keys(order)
            ranked = sa.select(
                table,
                sa.func.row_number()
                .over(partition_by=column, order_by=[key.clause() for key in scan_keys])
                .label("_rank"),
            ).where(column.in_(set(keys)), sa.true() if where is None else where)
            if window.cursor is not None:
                ranked = ranked.where(after_condition(scan_keys, decode_cursor(order, window.cursor)))
            ranked = ranked.subquery()
            query = (
                sa.select(*(ranked.c[child.name] for child in table.c))
                .where(ranked.c._rank <= window.size + 1)
                .order_by(ranked.c[column.name], ranked.c._rank)
            )
            grouped: dict[Any, list[sa.Row]] = defaultdict(list)
            for row in await self._execute(query):
                grouped[row._mapping[column.name]].append(row)
            return [make_page(grouped.get(key, []), order, window) for key in keys]

        return self._get(("page", column, tuple(order), window, where), load)

    def count(self, column: sa.Column, where: sa.ColumnElement | None = None) -> DataLoader:
        """How many rows reference each key (totalCount of a nested connection)."""

        async def load(keys: list[Any]) -> list[int]:
            condition = sa.true() if where is None else where
            query = sa.select(column, sa.func.count()).where(column.in_(set(keys)), condition).group_by(column)
            counts = {key: count for key, count in await self._execute(query)}
            return [counts.get(key, 0) for key in keys]

        return self._get(("count", column, where), load)

    def derived(self, name: Hashable, load: Callable[[list[Any], Execute], Awaitable[list[Any]]]) -> DataLoader:
        """A loader of values derived from many rows (the stock levels of each product), made once per request."""
        return self._get(("derived", name), lambda keys: load(keys, self._execute))

    def aggregate(self, query: Callable[[list[Any]], sa.Select]) -> DataLoader:
        """Figures per key from one grouped statement for the whole page (a customer's open balance): `query(keys)`
        selects the key first, then the figures; a key without a row loads None."""

        async def load(keys: list[Any]) -> list[sa.Row | None]:
            by_key = {row[0]: row for row in await self._execute(query(keys))}
            return [by_key.get(key) for key in keys]

        return self._get(("aggregate", query), load)
