"""A linked Google spreadsheet in tests: link it, sync it, and edit its tabs as a person in Google Sheets would.

`SheetUser` finds cells by row number and column title (whatever column the title sits in now), so a test reads
"row 2's City becomes Milan" however the user has rearranged the tab.
"""

from typing import Any

import sqlalchemy as sa

from app.database import transaction
from models.system import ImportBatch, SheetLink
from resolvers import crud
from resolvers.permissions import Actor
from sync.google import Mode, SyncReport, create_link, sync_link
from sync.importer import OnConflict
from sync.sheets_api import SheetsClient
from tests.sheets_fake import FakeSheetsServer, column_letters

SPREADSHEET = "sheet-0001"
ADMIN = Actor.system(via="sheets")
API = Actor.system(via="api")


def link(engine: sa.Engine, *sheets: str, spreadsheet: str = SPREADSHEET, delete_missing: bool = False) -> int:
    """`onebook sheets link SPREADSHEET --sheets ...`: the new link's id."""
    with transaction(engine) as session:
        return create_link(
            session,
            spreadsheet_id=spreadsheet,
            sheets=list(sheets),
            department=None,
            actor=ADMIN,
            delete_missing=delete_missing,
        ).id


def sync(
    engine: sa.Engine,
    client: SheetsClient,
    link_id: int,
    *,
    mode: Mode = Mode.SYNC,
    on_conflict: OnConflict = OnConflict.FAIL,
) -> SyncReport:
    return sync_link(engine, client, link_id, mode=mode, actor=ADMIN, on_conflict=on_conflict)


def update_in_onebook(engine: sa.Engine, model: type, id: int, **values: Any) -> None:
    """Someone changing a record through the API between two syncs."""
    with transaction(engine) as session:
        crud.update(session, model, id, values, actor=API)


def link_state(engine: sa.Engine, link_id: int) -> tuple[Any, dict[str, Any]]:
    """(last_synced_at, snapshot) of a link: what a refused sync must leave as it was."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(SheetLink.last_synced_at, SheetLink.snapshot).where(SheetLink.id == link_id)
        ).one()
    return row.last_synced_at, row.snapshot


def import_batches(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(ImportBatch))


class SheetUser:
    """A person working in one tab of a spreadsheet on the fake Sheets API."""

    def __init__(self, server: FakeSheetsServer, title: str, spreadsheet: str = SPREADSHEET) -> None:
        self.server = server
        self.title = title
        self.spreadsheet = spreadsheet

    def rows(self) -> list[list[Any]]:
        """The tab's values as the API answers them (trailing blanks dropped)."""
        return self.server.tab(self.spreadsheet, self.title)

    def header(self) -> list[Any]:
        rows = self.rows()
        return rows[0] if rows else []

    def address(self, row: int, column_title: str) -> str:
        """Where a column title sits now: `address(2, "City")` -> "H2"."""
        return f"{column_letters(self.header().index(column_title))}{row}"

    def value(self, row: int, column_title: str) -> Any:
        cells = self.rows()[row - 1]
        index = self.header().index(column_title)
        return cells[index] if index < len(cells) else ""

    def record(self, row: int) -> dict[str, Any]:
        """One row as {column title: value}."""
        cells = self.rows()[row - 1]
        return {title: cells[i] if i < len(cells) else "" for i, title in enumerate(self.header())}

    def records(self) -> list[dict[str, Any]]:
        return [self.record(row) for row in range(2, len(self.rows()) + 1)]

    def row_of(self, column_title: str, value: Any) -> int:
        """The row number showing `value` in that column."""
        index = self.header().index(column_title)
        for number, cells in enumerate(self.rows(), start=1):
            if number > 1 and index < len(cells) and cells[index] == value:
                return number
        raise LookupError(f"no row with {column_title} {value!r} in {self.title}")

    def type(self, row: int, column_title: str, value: Any) -> None:
        """Type a value into a cell (numbers and booleans arrive as Google keeps them, unformatted)."""
        self.server.set_cell(self.spreadsheet, self.title, self.address(row, column_title), value)

    def type_at(self, cell: str, value: Any) -> None:
        self.server.set_cell(self.spreadsheet, self.title, cell, value)

    def replace_rows(self, rows: list[list[Any]]) -> None:
        """Rewrite the whole tab, as sorting, deleting rows or moving columns does."""
        old = self.rows()
        height = max(len(old), len(rows))
        for number in range(height):
            new_cells = rows[number] if number < len(rows) else []
            old_cells = old[number] if number < len(old) else []
            for index in range(max(len(new_cells), len(old_cells))):
                value = new_cells[index] if index < len(new_cells) else ""
                self.type_at(f"{column_letters(index)}{number + 1}", value)
