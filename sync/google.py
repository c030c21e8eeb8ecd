"""Google Sheets kept in two-way sync with the database, through the same layouts and import engine as files.

One sync of one link: take the link's lease, read every linked tab in one request, apply the sheet's edits through
the import engine (three-way against the base snapshot kept on the link), compute what every tab should show now,
write all of it in one request, and only then commit the database transaction with the new snapshot. A sync that
fails anywhere leaves the database as it was, and the next run converges.
"""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.database import begin_writing
from models.base import utcnow
from models.system import SheetLink
from resolvers.audit import plain
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor, can_read, can_write
from resolvers.validation import check_value
from sync.cells import FORMULA_PREFIXES, NEUTRALISER, CellError, from_cell, to_cell
from sync.importer import ImportOptions, ImportResult, OnConflict, apply_workbook
from sync.reading import BaseRow, SheetData, WorkbookData
from sync.registry import Column, Kind, SheetLayout, choice_label, layout_for, normalize_header, select_layouts
from sync.rows import iter_rows
from sync.sheets_api import SheetsClient, SheetsUnavailable, TabSpec

LEASE = timedelta(minutes=10)
SERIAL_EPOCH = datetime(1899, 12, 30)  # day 0 of spreadsheet serial dates (Google Sheets and Excel)
NUMBER_FORMATS = {
    Kind.DATE: ("DATE", "yyyy-mm-dd"),
    Kind.DATETIME: ("DATE_TIME", "yyyy-mm-dd hh:mm:ss"),
    Kind.MONEY: ("NUMBER", "#,##0.00"),
}
BUSY = "another sync of this link is running; try again when it ends"
CONFLICTS_TAB = "Conflicts"
ADVISORY_LOCK_NAMESPACE = 7_340_117  # "sheets", so links' advisory locks don't collide with anyone else's


class Mode(enum.Enum):
    PUSH = "push"  # database -> sheet (sheet edits since the last sync are overwritten)
    PULL = "pull"  # sheet -> database (new rows get their ids written back)
    SYNC = "sync"  # both, as one three-way merge


@dataclass
class SyncReport:
    link_id: int
    spreadsheet_id: str
    mode: str
    applied: bool = False
    batch_id: int | None = None
    pulled: dict[str, dict[str, int]] = field(default_factory=dict)
    pushed: dict[str, int] = field(default_factory=dict)  # rows written per tab
    created_tabs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    api_calls: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items()}


# --- links -------------------------------------------------------------------------------------------------------


def link_layouts(link: SheetLink) -> list[SheetLayout]:
    return [layout_for(title) for title in link.sheets.split(",") if title]


def create_link(
    session: Session,
    *,
    spreadsheet_id: str,
    sheets: list[str] | None,
    department: str | None,
    actor: Actor,
    delete_missing: bool = False,
) -> SheetLink:
    """Record a link; its tabs are created on the first push or sync."""
    spreadsheet_id = spreadsheet_id.strip()
    if not spreadsheet_id:
        raise Refused.one("give the spreadsheet id (the long part of its URL)", ErrorCode.VALIDATION, "spreadsheet")
    try:
        layouts = [layout for layout in select_layouts(sheets, department) if layout.importable]
    except KeyError as unknown:
        raise Refused.one(f"no sheet called {unknown.args[0]!r}", ErrorCode.VALIDATION, "sheets") from None
    if not layouts:
        raise Refused.one("no importable sheets chosen", ErrorCode.VALIDATION, "sheets")
    forbidden = [layout.title for layout in layouts if not can_read(actor.roles, layout.model)]
    if forbidden:
        raise Refused.one(f"you may not read {', '.join(forbidden)}", ErrorCode.FORBIDDEN, "sheets")
    if session.scalar(sa.select(SheetLink.id).where(SheetLink.spreadsheet_id == spreadsheet_id)) is not None:
        raise Refused.one(f"spreadsheet {spreadsheet_id} is already linked", ErrorCode.VALIDATION, "spreadsheet")
    link = SheetLink(
        spreadsheet_id=spreadsheet_id,
        sheets=",".join(layout.title for layout in layouts),
        delete_missing=delete_missing,
        created_by=actor.email,
        snapshot={},
        last_report={},
    )
    session.add(link)
    session.flush()
    return link


def find_link(session: Session, key: str | int) -> SheetLink:
    """A link by id or spreadsheet id."""
    text = str(key).strip()
    query = sa.select(SheetLink).where(SheetLink.spreadsheet_id == text)
    if text.isdigit():
        query = sa.select(SheetLink).where(sa.or_(SheetLink.id == int(text), SheetLink.spreadsheet_id == text))
    link = session.scalars(query).first()
    if link is None:
        raise Refused.one(f"no linked spreadsheet {text!r} (see `onebook sheets list`)", ErrorCode.NOT_FOUND, "link")
    return link


# --- one sync per link at a time -----------------------------------------------------------------------------------


class LinkBusy(Refused):
    """Another sync of the link holds its lease."""


class Lease:
    """Holds a link's lease for the duration of a sync: a row lease on every database, plus a PostgreSQL advisory
    lock (released automatically if the process dies); a lease left by a dead process expires after LEASE.

    A held lease is refused without waiting: the sync holding it keeps a write transaction open while it writes to
    Google, so anything that writes the link's row (or, on SQLite, anything at all) would wait for it to end.
    """

    def __init__(self, engine: sa.Engine, link_id: int):
        self.engine = engine
        self.link_id = link_id
        self.owner = uuid.uuid4().hex
        self.lock_connection: sa.Connection | None = None

    def __enter__(self) -> "Lease":
        if self.engine.dialect.name == "postgresql":
            self.lock_connection = self.engine.connect()
            taken = self.lock_connection.scalar(
                sa.text("SELECT pg_try_advisory_lock(:namespace, :link)"),
                {"namespace": ADVISORY_LOCK_NAMESPACE, "link": self.link_id},
            )
            self.lock_connection.commit()
            if not taken:
                self._close()
                raise LinkBusy.one(BUSY, ErrorCode.CONFLICT)
        now = utcnow()
        links = SheetLink.__table__
        with self.engine.connect() as connection:  # a read never waits for a writer (WAL, MVCC)
            held_until = connection.scalar(sa.select(links.c.locked_until).where(links.c.id == self.link_id))
        if held_until is not None and held_until >= now:
            self._close()
            raise LinkBusy.one(BUSY, ErrorCode.CONFLICT)
        with self.engine.begin() as connection:
            taken = connection.execute(
                links.update()
                .where(links.c.id == self.link_id)
                .where(sa.or_(links.c.locked_until.is_(None), links.c.locked_until < now))
                .values(locked_until=now + LEASE, lock_owner=self.owner)
            ).rowcount
        if not taken:
            self._close()
            raise LinkBusy.one(BUSY, ErrorCode.CONFLICT)
        return self

    def __exit__(self, *exc: object) -> None:
        links = SheetLink.__table__
        with self.engine.begin() as connection:
            connection.execute(
                links.update()
                .where(links.c.id == self.link_id, links.c.lock_owner == self.owner)
                .values(locked_until=None, lock_owner=None)
            )
        self._close()

    def _close(self) -> None:
        if self.lock_connection is not None:
            self.lock_connection.execute(
                sa.text("SELECT pg_advisory_unlock(:namespace, :link)"),
                {"namespace": ADVISORY_LOCK_NAMESPACE, "link": self.link_id},
            )
            self.lock_connection.commit()
            self.lock_connection.close()
            self.lock_connection = None


# --- values as Google Sheets holds them --------------------------------------------------------------------------


def sheet_value(column: Column, value: Any) -> Any:
    """A database value as a cell written with valueInputOption=RAW: text stays text (never a formula)."""
    shown = to_cell(column, value)
    if shown is None:
        return ""
    if (
        isinstance(shown, str)
        and shown.startswith(NEUTRALISER)
        and shown.lstrip(NEUTRALISER).startswith(FORMULA_PREFIXES)
    ):
        # Reading strips one apostrophe before a formula sign (what people type to keep `=x` text), so text that
        # already starts that way gets one more, to come back as it went out.
        return NEUTRALISER + shown
    if column.kind is Kind.MONEY:
        return float(shown)
    if column.kind is Kind.DATETIME:  # a serial number, shown as a date and time by the column's format
        return round((shown - SERIAL_EPOCH).total_seconds() / 86_400, 8)
    if column.kind is Kind.DATE:
        return (shown - SERIAL_EPOCH.date()).days
    return shown


def cell_plain(layout: SheetLayout, column: Column, value: Any, *, day_first: bool) -> Any:
    """What a sheet cell stands for, in the plain form the snapshot keeps (None when it can't be read)."""
    try:
        parsed = from_cell(column, value, day_first=day_first)
    except CellError:
        return None
    if parsed is None or column.kind in (Kind.REFERENCE, Kind.ID):
        return parsed
    try:
        return plain(check_value(layout.model.__table__.c[column.attribute], parsed))
    except ValueError:
        return None


def _same(column: Column, sheet: Any, database: Any) -> bool:
    if column.kind is Kind.REFERENCE and isinstance(sheet, str) and isinstance(database, str):
        return sheet.lower() == database.lower()
    return sheet == database


# --- the sync --------------------------------------------------------------------------------------------------


def _tab_data(layout: SheetLayout, rows: list[list[Any]]) -> SheetData:
    header = [str(cell) for cell in rows[0]] if rows else []
    data = [
        (number, list(row)) for number, row in enumerate(rows[1:], start=2) if any(c not in ("", None) for c in row)
    ]
    return SheetData(title=layout.title, header=header, rows=data, formula_cells=set())


def _base(link: SheetLink) -> tuple[dict[tuple[str, int], BaseRow], dict[str, set[int]]]:
    base, listed = {}, {}
    for title, rows in (link.snapshot or {}).items():
        listed[title] = {int(id) for id in rows}
        for id, row in rows.items():
            base[(title, int(id))] = BaseRow(version=row["version"], values=row["values"])
    return base, listed


def _tab_spec(layout: SheetLayout, session: Session, *, rows: int) -> TabSpec:
    choices, references, protected = {}, {}, []
    formats = {index: NUMBER_FORMATS[c.kind] for index, c in enumerate(layout.columns) if c.kind in NUMBER_FORMATS}
    for index, column in enumerate(layout.columns):
        if column.kind is Kind.ID or column.read_only:
            protected.append(index)
        elif column.kind is Kind.CHOICE:
            choices[index] = [choice_label(member) for member in column.choices]
        elif column.kind is Kind.REFERENCE and column.reference.scope is None:
            key = column.reference.key
            values = list(session.scalars(sa.select(key).order_by(key).limit(500)))
            if values:  # an empty dropdown is not a valid rule
                references[index] = values
    return TabSpec(
        title=layout.title,
        header=[column.title for column in layout.columns],
        choices=choices,
        references=references,
        protected_columns=protected,
        rows=rows,
        formats=formats,
    )


def _order(sheet_rows: list[list[Any]], id_index: int | None, created: dict[int, int]) -> list[int]:
    """Ids in the order the sheet shows them (users sort and filter): the sheet's order is kept."""
    ordered = []
    for number, row in enumerate(sheet_rows[1:], start=2):
        if number in created:
            ordered.append(created[number])
        elif id_index is not None and id_index < len(row):
            try:
                ordered.append(int(float(row[id_index])))
            except (TypeError, ValueError):
                continue
    return ordered


def sync_link(
    engine: sa.Engine,
    client: SheetsClient,
    link_id: int,
    *,
    mode: Mode,
    actor: Actor,
    on_conflict: OnConflict = OnConflict.FAIL,
    day_first: bool = True,
) -> SyncReport:
    """Push, pull or sync one link; see the module docstring. Problems come back in the report, never raised."""
    with Session(engine) as session:
        link = session.get(SheetLink, link_id)
        if link is None:
            raise Refused.one(f"no sheet link {link_id}", ErrorCode.NOT_FOUND, "link")
        report = SyncReport(link_id=link.id, spreadsheet_id=link.spreadsheet_id, mode=mode.value)
    calls_before = client.calls
    try:
        with Lease(engine, link_id):
            _sync(engine, client, link_id, mode, actor, on_conflict, day_first, report)
    except LinkBusy as busy:
        # The running sync records its own report; writing this one would wait for its transaction to end.
        report.errors += [error.message for error in busy.errors]
        return report
    except Refused as refused:
        report.errors += [error.message for error in refused.errors]
    except SheetsUnavailable as unavailable:
        report.errors.append(str(unavailable))
        report.applied = False
    report.api_calls = client.calls - calls_before
    with Session(engine) as session, session.begin():
        link = session.get(SheetLink, link_id)
        if link is not None:
            link.last_report = report.as_dict()
    return report


def _sync(
    engine: sa.Engine,
    client: SheetsClient,
    link_id: int,
    mode: Mode,
    actor: Actor,
    on_conflict: OnConflict,
    day_first: bool,
    report: SyncReport,
) -> None:
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            link = session.get(SheetLink, link_id)
            layouts = link_layouts(link)
            if mode is not Mode.PULL:
                blocked = [layout.title for layout in layouts if not can_read(actor.roles, layout.model)]
                if blocked:
                    raise Refused.one(f"you may not read {', '.join(blocked)}", ErrorCode.FORBIDDEN)
            if mode is not Mode.PUSH:
                blocked = [layout.title for layout in layouts if not can_write(actor.roles, layout.model)]
                if blocked:
                    raise Refused.one(f"you may not change {', '.join(blocked)}", ErrorCode.FORBIDDEN)
            spreadsheet = client.open(link.spreadsheet_id)
            existing = _tabs_present(client.tab_titles(spreadsheet), [layout.title for layout in layouts])
            # The Conflicts tab is read in the same request: its size lets the write blank what it listed last time.
            found = client.read_tabs(spreadsheet, list(existing.values()))
            tabs = {title: found[actual] for title, actual in existing.items() if actual in found}
            conflicts_tab = tabs.pop(CONFLICTS_TAB, None)
            conflicts_size = conflicts_tab.size if conflicts_tab is not None else (0, 0)
            for layout in layouts:
                if layout.title not in existing and link.snapshot.get(layout.title):
                    report.warnings.append(
                        f"tab {layout.title!r} is missing (renamed or deleted?); it is written again from Onebook"
                        " (a renamed copy keeps its rows; nothing was deleted)"
                    )
            base, listed = _base(link)
            result: ImportResult | None = None
            if mode is not Mode.PUSH and tabs:
                data = WorkbookData(
                    sheets=[_tab_data(layout, tabs[layout.title].rows) for layout in layouts if layout.title in tabs],
                    base=base,
                    exported=listed,
                    kind="google",
                )
                options = ImportOptions(
                    on_conflict=on_conflict, delete_missing=link.delete_missing, day_first=day_first
                )
                begin_writing(session)  # what follows reads, then writes what it read: no writer in between
                result = apply_workbook(
                    session,
                    data,
                    actor=actor,
                    options=options,
                    filename=f"Google spreadsheet {link.spreadsheet_id}",
                    via="sheets",
                )
                report.pulled = result.summary()
                report.warnings += result.warnings
                report.conflicts = [str(conflict) for conflict in result.conflicts]
                if result.errors:
                    report.errors += [str(problem) for problem in result.errors]
                    transaction.rollback()
                    _write_conflicts_tab(client, spreadsheet, existing, report, conflicts_size)
                    return
            contents, sizes, snapshot = {}, {}, {}
            created = result.created if result is not None else {}
            for layout in layouts:
                sheet_rows = tabs[layout.title].rows if layout.title in tabs else []
                contents[layout.title], snapshot[layout.title] = _tab_content(
                    connection, layout, sheet_rows, mode, created, link.snapshot.get(layout.title, {}), day_first
                )
                if sheet_rows:
                    sizes[layout.title] = (len(sheet_rows), max(len(row) for row in sheet_rows))
                report.pushed[layout.title] = len(contents[layout.title]) - 1
            if report.conflicts or CONFLICTS_TAB in existing:
                # Conflicts resolved by policy are listed; a sync without any empties the list of the last one.
                contents[CONFLICTS_TAB] = _problem_rows(report.conflicts)
                sizes[CONFLICTS_TAB] = conflicts_size
            missing = [layout for layout in layouts if layout.title not in existing]
            if missing or (report.conflicts and CONFLICTS_TAB not in existing):
                specs = [_tab_spec(layout, session, rows=len(contents[layout.title])) for layout in missing]
                if report.conflicts and CONFLICTS_TAB not in existing:
                    specs.append(TabSpec(CONFLICTS_TAB, ["Cell", "What happened"], rows=len(contents[CONFLICTS_TAB])))
                client.create_tabs(spreadsheet, specs)
                report.created_tabs = [spec.title for spec in specs]
            link.snapshot = snapshot
            link.last_synced_at = utcnow()
            session.flush()
            client.write_tabs(
                spreadsheet,
                {existing.get(title, title): rows for title, rows in contents.items()},
                previous_sizes={existing.get(title, title): size for title, size in sizes.items()},
            )
            transaction.commit()
            report.applied = True
            report.batch_id = result.batch_id if result is not None else None
        except BaseException:
            transaction.rollback()
            raise
        finally:
            session.close()


def _tab_content(
    connection: sa.Connection,
    layout: SheetLayout,
    sheet_rows: list[list[Any]],
    mode: Mode,
    created: dict[tuple[str, int], int],
    previous: dict[str, Any],
    day_first: bool,
) -> tuple[list[list[Any]], dict[str, Any]]:
    """What the tab should show after this sync, and the new base snapshot for it."""
    columns = list(layout.columns)
    current = {id: (version, values) for id, version, values in iter_rows(connection, layout, columns)}
    header = [column.title for column in columns]
    sheet_header = [str(cell) for cell in sheet_rows[0]] if sheet_rows else []
    id_index = next((i for i, title in enumerate(sheet_header) if title.strip().lower() == "id"), None)
    new_ids = {number: id for (title, number), id in created.items() if title == layout.title}
    order = [id for id in _order(sheet_rows, id_index, new_ids) if id in current] if sheet_rows else []
    order += sorted(set(current) - set(order))
    if mode is Mode.PULL and sheet_rows:
        return _pulled_content(layout, sheet_rows, id_index, new_ids, current, previous, day_first)
    # Columns the team added to the tab are theirs: kept with each row (moved after Onebook's columns).
    known = {normalize_header(column.title) for column in columns} | {normalize_header(c.attribute) for c in columns}
    extra = [i for i, title in enumerate(sheet_header) if title.strip() and normalize_header(title) not in known]
    extra_values: dict[Any, list[Any]] = {}
    for number, row in enumerate(sheet_rows[1:], start=2):
        key = new_ids.get(number) or _row_id(row, id_index) or ("row", number)
        extra_values[key] = [row[i] if i < len(row) else "" for i in extra]
    blank = [""] * len(extra)
    content = [header + [sheet_header[i] for i in extra]]
    snapshot = {}
    if mode is Mode.PUSH and sheet_rows:
        # Rows typed into the sheet since the last sync have no id yet: a push keeps them for the next pull.
        unsaved = [
            row for row in sheet_rows[1:] if id_index is None or id_index >= len(row) or row[id_index] in ("", None)
        ]
    else:
        unsaved = []
    for id in order:
        version, values = current[id]
        shown = [sheet_value(column, value) for column, value in zip(columns, values, strict=True)]
        content.append(shown + extra_values.get(id, blank))
        snapshot[str(id)] = {
            "version": version,
            "values": {c.attribute: plain(v) for c, v in zip(columns, values, strict=True) if c.kind is not Kind.ID},
        }
    content += [row for row in unsaved if any(cell not in ("", None) for cell in row)]
    return content, snapshot


def _row_id(row: list[Any], id_index: int | None) -> int | None:
    if id_index is None or id_index >= len(row):
        return None
    try:
        return int(float(row[id_index]))
    except (TypeError, ValueError):
        return None


def _pulled_content(
    layout: SheetLayout,
    sheet_rows: list[list[Any]],
    id_index: int | None,
    new_ids: dict[int, int],
    current: dict[int, tuple[int, list[Any]]],
    previous: dict[str, Any],
    day_first: bool,
) -> tuple[list[list[Any]], dict[str, Any]]:
    """A pull writes back only the ids of new rows; the base keeps, per cell, what the sheet and Onebook agree on,
    so that a change made only in Onebook is pushed by the next sync."""
    columns = list(layout.columns)
    by_title = {column.title.lower(): column for column in columns}
    sheet_header = [str(cell) for cell in sheet_rows[0]]
    positions = {
        by_title[t.strip().lower()].attribute: i for i, t in enumerate(sheet_header) if t.strip().lower() in by_title
    }
    content = [list(row) for row in sheet_rows]
    snapshot = {}
    for number, id in new_ids.items():
        row = content[number - 1]
        if id_index is not None:
            row.extend([""] * (id_index + 1 - len(row)))
            row[id_index] = id
    for number, row in enumerate(content[1:], start=2):
        id = new_ids.get(number)
        if id is None and id_index is not None and id_index < len(row):
            try:
                id = int(float(row[id_index]))
            except (TypeError, ValueError):
                id = None
        if id is None or id not in current:
            continue
        version, values = current[id]
        was = previous.get(str(id), {}).get("values", {})
        agreed = {}
        for column, value in zip(columns, values, strict=True):
            if column.kind is Kind.ID:
                continue
            database = plain(value)
            index = positions.get(column.attribute)
            cell = row[index] if index is not None and index < len(row) else None
            sheet = cell_plain(layout, column, cell, day_first=day_first)
            agreed[column.attribute] = database if _same(column, sheet, database) else was.get(column.attribute)
        snapshot[str(id)] = {"version": version, "values": agreed}
    return content, snapshot


def _problem_rows(lines: list[str]) -> list[list[str]]:
    """The Conflicts tab's content: one row per problem, its cell ("Customers!H2") apart from what happened."""
    return [["Cell", "What happened"]] + [[text.split(": ", 1)[0], text.split(": ", 1)[-1]] for text in lines]


def _tabs_present(tab_titles: dict[str, int], titles: list[str]) -> dict[str, str]:
    """Our title -> the spreadsheet's title for each linked tab (and the Conflicts tab) it has. Google allows no two
    tabs whose titles differ only in case, so a tab someone renamed from `Customers` to `customers` is still ours."""
    by_folded = {title.casefold(): title for title in tab_titles}
    wanted = [*titles, CONFLICTS_TAB]
    return {title: by_folded[title.casefold()] for title in wanted if title.casefold() in by_folded}


def _write_conflicts_tab(
    client: SheetsClient,
    spreadsheet: Any,
    existing: dict[str, str],
    report: SyncReport,
    previous_size: tuple[int, int],
) -> None:
    """When a sync is refused, say why where the team looks: a Conflicts tab listing every problem by cell (and
    nothing left over from an earlier, longer list)."""
    lines = report.errors or report.conflicts
    if not lines:
        return
    if CONFLICTS_TAB not in existing:
        client.create_tabs(spreadsheet, [TabSpec(CONFLICTS_TAB, ["Cell", "What happened"], rows=len(lines) + 1)])
    title = existing.get(CONFLICTS_TAB, CONFLICTS_TAB)
    client.write_tabs(spreadsheet, {title: _problem_rows(lines)}, previous_sizes={title: previous_size})
