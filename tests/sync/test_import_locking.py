"""An import reads the records it will change, then writes: on SQLite it takes the database's write lock before its
first read, as API writes do (`begin_writing`), so no other writer commits in between."""

import pytest

from sync.importer import ImportOptions, import_workbook
from tests.statements import counting_statements
from tests.sync.workbooks import ADMIN, write_csv


def test_an_import_takes_the_sqlite_write_lock_before_it_reads(engine, backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("PostgreSQL locks the rows an import reads (FOR UPDATE) instead of the whole database")
    path = write_csv(tmp_path / "customers.csv", [["Code", "Name"], ["L-1", "Locked Ltd"]])
    with counting_statements(engine) as statements:
        result = import_workbook(engine, path, actor=ADMIN, options=ImportOptions())
    assert result.applied and not result.errors
    assert statements[0] == "BEGIN IMMEDIATE"
    assert any(statement.startswith("INSERT INTO customers") for statement in statements)
