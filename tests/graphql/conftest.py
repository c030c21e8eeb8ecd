"""Bulk rows for list and loader tests: Core inserts, many rows per statement, ids returned in the order given."""

from collections.abc import Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa


@pytest.fixture
def insert(engine) -> Callable[[sa.Table, Sequence[dict[str, Any]]], list[int]]:
    """`insert(table, rows)` writes the rows in one transaction and returns their ids, in the order of `rows`."""

    def insert_rows(table: sa.Table, rows: Sequence[dict[str, Any]]) -> list[int]:
        with engine.begin() as connection:
            result = connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
            return list(result.scalars())

    return insert_rows
