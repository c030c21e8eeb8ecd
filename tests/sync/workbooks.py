"""Real files for import tests, and the database's whole contents to compare before and after.

An export is written with the export command, opened with openpyxl as a person's spreadsheet program would, edited
cell by cell (found by the row's ID and the column's title) and saved under a new name; new workbooks and CSV files
are written from plain rows.
"""

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from models.base import Base
from models.system import Role
from resolvers.permissions import Actor
from sync.export_command import export_workbook_file
from sync.importer import ImportOptions, ImportResult, import_workbook

ADMIN = Actor.system(via="import")


def actor(*roles: str) -> Actor:
    """A signed-in person with these roles (`actor("sales")`)."""
    return Actor(user_id=None, email=f"{'-'.join(roles) or 'nobody'}@onebook.test", roles=frozenset(map(Role, roles)))


def export(
    database_url: str, path: Path, sheets: Sequence[str] | None = None, *, as_actor: Actor | None = None
) -> Path:
    """`onebook export` of these sheets (all importable ones by default) to `path`."""
    names = list(sheets) if sheets else None
    export_workbook_file(str(path), database_url=database_url, sheets=names, department=None, actor=as_actor or ADMIN)
    return path


def run_import(engine: sa.Engine, path: Path, *, as_actor: Actor = ADMIN, **options: Any) -> ImportResult:
    """`onebook import` of the file with these options (dry_run, on_conflict, delete_missing, sheet, day_first)."""
    return import_workbook(engine, path, actor=as_actor, options=ImportOptions(**options))


def excel_serial(day: date) -> int:
    """The number Excel stores for a date."""
    return (day - date(1899, 12, 30)).days


class EditedWorkbook:
    """An exported workbook opened for editing: `book.set("Customers", 7, "Name", "Acme")`, then `book.save(path)`."""

    def __init__(self, path: Path):
        self.book = load_workbook(path)

    def titles(self, sheet: str) -> list[str]:
        return [cell.value for cell in self.book[sheet][1]]

    def column(self, sheet: str, title: str) -> int:
        """1-based column number of a header title."""
        return self.titles(sheet).index(title) + 1

    def row_of(self, sheet: str, id: int) -> int:
        """The sheet row holding the record with this ID."""
        for row in self.book[sheet].iter_rows(min_row=2, max_col=1):
            if row[0].value == id:
                return row[0].row
        raise AssertionError(f"no row with ID {id} on {sheet}")

    def cell(self, sheet: str, id: int, title: str) -> str:
        """Where a record's field is, as the importer names it: 'Customers!C2'."""
        return f"{sheet}!{get_column_letter(self.column(sheet, title))}{self.row_of(sheet, id)}"

    def set(self, sheet: str, id: int, title: str, value: Any, *, number_format: str | None = None) -> str:
        """Type a value into a record's cell; returns the cell's name."""
        cell = self.book[sheet].cell(row=self.row_of(sheet, id), column=self.column(sheet, title), value=value)
        if number_format is not None:
            cell.number_format = number_format
        return f"{sheet}!{cell.coordinate}"

    def add(self, sheet: str, values: dict[str, Any]) -> int:
        """Append a row (no ID: a new record) with values by column title; returns its row number."""
        worksheet = self.book[sheet]
        number = worksheet.max_row + 1
        for title, value in values.items():
            worksheet.cell(row=number, column=self.column(sheet, title), value=value)
        return number

    def remove(self, sheet: str, id: int) -> None:
        """Delete the record's row from the sheet, as a person deletes a line."""
        self.book[sheet].delete_rows(self.row_of(sheet, id))

    def save(self, path: Path) -> Path:
        self.book.save(path)
        return path


def new_workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """A workbook typed from scratch (no `_onebook` sheet): each sheet's rows, header first."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, bom: bool = True) -> Path:
    """A CSV file as Excel saves "CSV UTF-8": a byte order mark, then comma-separated rows."""
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def database_contents(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: equal before and after means nothing was written."""
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def errors_at(result: ImportResult) -> dict[str, str]:
    """The import's errors by cell ('Customers!C2' -> message; several at one cell joined by ' | ')."""
    found: dict[str, str] = {}
    for problem in result.errors:
        found[problem.cell] = f"{found[problem.cell]} | {problem.message}" if problem.cell in found else problem.message
    return found


def plan(result: ImportResult, title: str) -> dict[str, int]:
    """One sheet's plan: created, updated, unchanged, deleted, conflicts."""
    return result.summary()[title]
