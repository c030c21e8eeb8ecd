"""`onebook export FILE.xlsx [--sheets customers,contacts] [--department sales]`: what the command does.

The CLI parses arguments and prints; this opens the database, picks the sheets and writes the workbook. The file
appears only once it is complete: it is written next to the target under a temporary name, then renamed.
"""

import os
from pathlib import Path

from app.database import create_sync_engine
from resolvers.permissions import Actor
from sync.registry import DEPARTMENTS, SHEETS, SheetLayout, select_layouts
from sync.writing import ProgressCallback, write_workbook


class ExportArgumentError(ValueError):
    """The sheets or department asked for don't name anything to export (a misuse: the message says what does)."""


def export_layouts(sheets: list[str] | None, department: str | None) -> list[SheetLayout]:
    """The layouts named by `--sheets` (titles or slugs) or used by `--department`; all importable ones otherwise."""
    if department is not None and department not in DEPARTMENTS:
        raise ExportArgumentError(f"no department {department!r}: departments are {', '.join(DEPARTMENTS)}")
    try:
        layouts = select_layouts([name.strip() for name in sheets if name.strip()] if sheets else None, department)
    except KeyError as unknown:
        known = ", ".join(layout.slug for layout in SHEETS)
        raise ExportArgumentError(f"no sheet called {unknown.args[0]!r}: sheets are {known}") from None
    if not layouts:
        raise ExportArgumentError(f"the {department} department has no sheets")
    return layouts


def export_workbook_file(
    path: str,
    *,
    database_url: str,
    sheets: list[str] | None,
    department: str | None,
    actor: Actor,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write the workbook to `path` and return the rows written per sheet title.

    Args:
        path: the .xlsx file to write; replaced only once the new one is complete.
        database_url: `ONEBOOK_DATABASE_URL`.
        sheets: sheet titles or slugs (`customers`, `Sales Orders`); None for a department's or all sheets.
        department: a department whose sheets to export (`sales`), when `sheets` is not given.
        actor: whose read permissions apply (`Actor.system()` at the command line).
        progress: called as `progress(sheet_title, rows_written)` after each sheet.

    Raises:
        ExportArgumentError: an unknown sheet or department.
        sync.writing.ExportForbidden: the actor may not read one of the sheets.
    """
    layouts = export_layouts(sheets, department)
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    engine = create_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # One snapshot for every sheet: a row's references and its `_onebook` record agree across sheets.
                connection.execution_options(isolation_level="REPEATABLE READ")
            written = write_workbook(partial, connection, layouts, actor=actor, progress=progress)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()
    return written
