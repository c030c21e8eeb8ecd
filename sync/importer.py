"""The import engine: a workbook's edits come back through the one write path, all or nothing.

For each sheet, in import order (parents before children): match headers, parse every cell, resolve every relation
by natural key in bulk, find each row's record (by ID, else by natural key), compare three ways with what the export
recorded in `_onebook` (changed only in the sheet: applied; only in Onebook: kept; in both, differently: a conflict),
then write every sheet's creates, updates and deletes through `resolvers.crud`'s batch functions. Any error
anywhere, or an unresolved conflict, rolls the whole import back; every problem names its cell.
"""

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from operator import call
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.database import begin_writing
from models.system import ImportBatch
from resolvers import crud
from resolvers.among import among
from resolvers.audit import plain
from resolvers.errors import Refused
from resolvers.permissions import Actor, can_read, can_read_field
from resolvers.validation import field_message, label, new_row_checkers, new_row_text_checker, value_checker
from sync.cells import CellError, cell_parser, stored_matcher
from sync.reading import SheetData, WorkbookData, collector_paused, read_workbook
from sync.registry import SHEETS, Column, Kind, SheetLayout, deferred_references, normalize_header
from sync.rows import layout_query
from sync.safety import UnreadableWorkbook

CHUNK = 1_000
IGNORED_SHEETS = {"_onebook", "_lookups", "import report"}


class OnConflict(enum.Enum):
    FAIL = "fail"
    SHEET = "sheet"
    DATABASE = "database"


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    on_conflict: OnConflict = OnConflict.FAIL
    delete_missing: bool = False
    sheet: str | None = None
    day_first: bool = True


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """Something wrong with the workbook, at a cell when one is to blame."""

    sheet: str
    message: str
    row: int | None = None
    column: int | None = None  # 0-based index in the sheet

    @property
    def cell(self) -> str:
        if self.row is None:
            return self.sheet
        place = f"{column_letter(self.column)}{self.row}" if self.column is not None else f"{self.row}:{self.row}"
        return f"{self.sheet}!{place}"

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


@dataclass(frozen=True)
class Conflict:
    """A field changed both in the sheet and in Onebook since the export, to different values."""

    sheet: str
    row: int
    column: int
    title: str
    base: Any
    sheet_value: Any
    database_value: Any

    @property
    def cell(self) -> str:
        return f"{self.sheet}!{column_letter(self.column)}{self.row}"

    @property
    def message(self) -> str:
        return (
            f"{self.title} was {self.base!r} when exported; the sheet says {self.sheet_value!r},"
            f" Onebook now says {self.database_value!r}"
        )

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


@dataclass
class SheetPlan:
    title: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: int = 0


@dataclass
class ImportResult:
    plans: list[SheetPlan] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None
    applied: bool = False
    created: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            plan.title: {
                "created": plan.created,
                "updated": plan.updated,
                "unchanged": plan.unchanged,
                "deleted": plan.deleted,
                "conflicts": plan.conflicts,
            }
            for plan in self.plans
        }


@dataclass(slots=True)
class _Row:
    """One data row of a sheet on its way in."""

    number: int
    values: dict[str, Any]  # attribute -> parsed value (references: natural-key text until resolved)
    id: int | None = None
    target_id: int | None = None  # the record it updates (by ID or natural key)
    cells: list[Any] | None = None  # the raw cells, until the lazy columns are read (`parse_rest`)
    differing: tuple[str, ...] | None = None  # the lazy columns whose cells differ from the record (None: unknown)


class _SheetImport:
    """Everything known about one sheet during an import."""

    def __init__(
        self, layout: SheetLayout, data: SheetData, result: ImportResult, options: ImportOptions, actor: Actor
    ):
        self.actor = actor
        self.layout = layout
        self.data = data
        self.result = result
        self.options = options
        self.positions: dict[str, int] = {}  # attribute -> column index in the sheet
        self.rows: list[_Row] = []
        self.plan = SheetPlan(layout.title)
        self.canonical: dict[tuple[str, int], str] = {}  # (attribute, referenced id) -> its natural key as stored
        self.bad_rows: set[int] = set()
        self.deferred: frozenset[str] = frozenset()  # reference attributes resolved and written in the second pass
        self.created_rows: set[int] = set()  # numbers of the rows this import created
        self.updated_rows: set[int] = set()  # numbers of the existing rows it changed
        self.read = False  # its headers matched and its rows were parsed
        self.lazy: frozenset[str] = frozenset()  # columns read after the rows' records are found (`parse_rest`)
        self.current: dict[int, sa.Row] = {}  # the records the rows update, as read (`_current_values`)
        self.shown_at: dict[str, int] = {}  # where each attribute's shown value sits in a `current` row
        self.apostrophes = True  # a leading apostrophe before formula-like text neutralises it (not in xlsx)

    def problem(self, message: str, row: int | None = None, attribute: str | None = None) -> None:
        column = self.positions.get(attribute) if attribute else None
        self.add(Problem(self.data.title, message, row, column))

    def add(self, problem: Problem) -> None:
        """Record a problem; a row with one is not written (so its errors are not reported twice)."""
        self.result.errors.append(problem)
        if problem.row is not None:
            self.bad_rows.add(problem.row)

    def match_headers(self) -> bool:
        by_name: dict[str, Column] = {}
        for column in self.layout.columns:
            by_name[column.normalized_title] = column
            by_name.setdefault(normalize_header(column.attribute), column)
        for index, header in enumerate(self.data.header):
            if header is None or str(header).strip() == "":
                continue
            column = by_name.get(normalize_header(header))
            if column is not None and not can_read_field(self.actor.roles, self.layout.model, column.attribute):
                column = None  # a field this user may not see is not compared, written or reported
            if column is None:
                self.result.warnings.append(f"{self.data.title}!{column_letter(index)}1: column {header!r} is ignored")
            elif column.attribute in self.positions:
                self.result.errors.append(Problem(self.data.title, f"column {column.title!r} appears twice", 1, index))
            else:
                self.positions[column.attribute] = index
        missing = [
            column.title
            for column in self.layout.columns
            if column.required and not column.read_only and column.attribute not in self.positions
        ]
        if missing:
            self.result.errors.append(
                Problem(self.data.title, f"required column missing: {', '.join(missing)}", 1, None)
            )
        return not missing

    def _parsers(self, attributes: frozenset[str] | None = None) -> list[tuple[str, int, Callable[[Any], Any]]]:
        """(attribute, column index, cell parser) for the columns read from the sheet (or only `attributes`)."""
        return [
            (
                column.attribute,
                self.positions[column.attribute],
                cell_parser(column, day_first=self.options.day_first, apostrophes=self.apostrophes),
            )
            for column in self.layout.columns
            if column.attribute in self.positions
            and (not column.read_only or column.kind is Kind.ID)
            and (attributes is None or column.attribute in attributes)
        ]

    def parse(self) -> None:
        """Parse every cell of every row but those of the `lazy` columns, which stay raw on the row until
        `parse_rest`; then let go of the sheet's raw cells (a big sheet is held only once)."""
        columns = [entry for entry in self._parsers() if entry[0] not in self.lazy]
        for number, cells in self.data.rows:
            values: dict[str, Any] = {}
            self._parse_cells(number, cells, columns, values)
            row_id = values.pop("id", None)
            self.rows.append(_Row(number=number, values=values, id=row_id, cells=cells if self.lazy else None))
        self.data.rows = []

    def parse_rest(self) -> None:
        """Read the lazy columns once each row's record is known (`current`). A cell holding exactly what its
        record stores (`stored_matcher`; a reference: the referenced record's key as stored) is taken as stored
        without parsing: most cells of a re-imported export. The others are parsed as in `parse`."""
        table = self.layout.model.__table__
        stored_at = {name: index for index, name in enumerate(table.c.keys())}
        columns = self._parsers(self.lazy)
        checked = [(attribute, index, self._checked(attribute, parse)) for attribute, index, parse in columns]
        eager = [
            (attribute, new_row_checkers(self.layout.model)[attribute])
            for attribute, _, _ in self._parsers()
            if attribute not in self.lazy and attribute != "id" and self.layout.column(attribute).reference is None
        ]
        formula_cells = self.data.formula_cells
        matched = []  # (attribute, index, parser, where the compared value sits, where the stored one does, test)
        for entry in columns:
            column = self.layout.column(entry[0])
            if column.kind is Kind.REFERENCE:  # the key the sheet shows, in the stored row after the table's columns
                shown_at = self.shown_at[column.attribute]
                matched.append((*entry, shown_at, stored_at[column.attribute], _same_key))
            else:
                at = stored_at[column.attribute]
                matched.append((*entry, at, at, stored_matcher(column, apostrophes=self.apostrophes)))
        new_rows = []  # each value checked as it is read (see `checked_values`)
        for row in self.rows:
            cells, row.cells = row.cells, None
            now = self.current.get(row.target_id) if row.target_id is not None else None
            if now is None:
                self._check_values(row, eager)
                new_rows.append((row, cells))
                continue
            unequal = []
            for attribute, index, parse, compared_at, kept_at, same in matched:
                raw = cells[index] if index < len(cells) else None
                if same(raw, now[compared_at]) and not (formula_cells and (row.number, index) in formula_cells):
                    row.values[attribute] = now[kept_at]
                else:
                    unequal.append((attribute, index, parse))
            row.differing = tuple(attribute for attribute, _, _ in unequal)
            if unequal:
                self._parse_cells(row.number, cells, unequal, row.values)
        self._parse_new_rows(new_rows, checked)

    def _parse_new_rows(self, rows: list[tuple[_Row, list[Any]]], columns: list[tuple[str, int, Callable]]) -> None:
        """`_parse_cells` for many rows, a column at a time (a Python call per cell and none around it: an import of
        a million new rows parses ten million cells); row by row, naming each problem, when a cell won't read."""
        if not rows or not columns:
            return
        if not self.data.formula_cells:
            attributes = [attribute for attribute, _, _ in columns]
            try:
                read = [list(map(parse, [cells[index] for _, cells in rows])) for _, index, parse in columns]
            except (ValueError, IndexError):  # a bad cell, or a short row (a CSV line)
                pass
            else:
                for (row, _), values in zip(rows, zip(*read, strict=True), strict=True):
                    row.values.update(zip(attributes, values, strict=True))
                return
        for row, cells in rows:
            self._parse_cells(row.number, cells, columns, row.values)

    @property
    def checked_values(self) -> bool:
        """Whether the new rows' values were checked as they were read (`parse_rest`), so that the write needn't
        check them again (`crud.create_many(checked=True)`); a bad one is then named by its cell."""
        return bool(self.lazy)

    def _checked(self, attribute: str, parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """A cell parser followed by its column's check (a reference: parsed only, resolved later)."""
        column = self.layout.column(attribute)
        if column.reference is not None:
            return parse
        if column.kind is Kind.TEXT and not self.apostrophes:
            # An xlsx text cell needs no parsing: the check trims it and reads a blank as empty, as the parser would;
            # the parser makes text of anything else (a number typed in a text column).
            fused = new_row_text_checker(self.layout.model, attribute, text_of=parse)
            if fused is not None:
                return fused
        check = new_row_checkers(self.layout.model)[attribute]
        return lambda raw: check(parse(raw))

    def _check_values(self, row: _Row, checks: list[tuple[str, Callable[[Any], Any]]]) -> None:
        """Check the values already parsed (the natural key) of a new row."""
        for attribute, check in checks:
            if attribute in row.values:
                try:
                    row.values[attribute] = check(row.values[attribute])
                except ValueError as error:
                    self.problem(field_message(attribute, error), row.number, attribute)

    def _parse_cells(
        self, number: int, cells: list[Any], columns: list[tuple[str, int, Callable[[Any], Any]]], values: dict
    ) -> None:
        """Parse (and, with the parsers of `_checked`, check) each cell; a problem is reported at its cell."""
        formula_cells = self.data.formula_cells
        for attribute, index, parse in columns:
            if formula_cells and (number, index) in formula_cells:
                message = "a formula without a saved result; open the file in a spreadsheet and save it again"
                self.add(Problem(self.data.title, message, number, index))
                continue
            try:
                values[attribute] = parse(cells[index] if index < len(cells) else None)
            except CellError as error:
                self.add(Problem(self.data.title, str(error), number, index))
            except ValueError as error:  # the column's check
                self.add(Problem(self.data.title, field_message(attribute, error), number, index))


def _same_key(raw: Any, shown: Any) -> bool:
    """A reference cell naming the record's current reference exactly as its key is stored."""
    return raw is not None and raw == shown


def _resolve_references(
    session: Session,
    sheet: _SheetImport,
    deferred: set[tuple[str, str]],
    *,
    late: bool,
    attributes: frozenset[str] | None = None,
) -> None:
    """Natural keys -> ids for every reference column (or only `attributes`), one query per column; missing and
    ambiguous keys are errors at their cells. With `late`, only the columns deferred to the second pass. A cell
    already taken as its record's stored id (`parse_rest`) is not looked up."""
    for column in sheet.layout.columns:
        reference = column.reference
        if reference is None or column.attribute not in sheet.positions:
            continue
        if ((sheet.layout.title, column.attribute) in deferred) != late:
            continue
        if attributes is not None and column.attribute not in attributes:
            continue
        key = reference.key
        target = reference.target.__table__
        scope_attribute, scope_column = reference.scope if reference.scope else (None, None)
        wanted = {
            (row.values.get(scope_attribute) if scope_attribute else None, row.values[column.attribute])
            for row in sheet.rows
            if isinstance(row.values.get(column.attribute), str)
        }
        if not wanted:
            continue
        lowered = sorted({text.lower() for _, text in wanted})
        exact: dict[tuple[Any, str], list[int]] = {}
        folded: dict[tuple[Any, str], list[int]] = {}
        selected = [target.c.id, key] + ([scope_column] if scope_column is not None else [])
        query = (
            sa.select(*selected).select_from(reference.key_source).where(among(session, sa.func.lower(key), lowered))
        )
        for found in session.execute(query):
            scope_value = found[2] if scope_column is not None else None
            exact.setdefault((scope_value, found[1]), []).append(found[0])
            folded.setdefault((scope_value, found[1].lower()), []).append(found[0])
            sheet.canonical[(column.attribute, found[0])] = found[1]
        what = f"{label(reference.target)} with {reference.key_name}"
        for row in sheet.rows:
            text = row.values.get(column.attribute)
            if not isinstance(text, str):
                continue  # empty, or the stored id already
            scope_value = row.values.get(scope_attribute) if scope_attribute else None
            if scope_attribute and not isinstance(scope_value, int):
                row.values.pop(column.attribute)  # its scope (the row's customer) is missing or unresolved
                continue
            ids = exact.get((scope_value, text)) or folded.get((scope_value, text.lower())) or []
            if len(ids) == 1:
                row.values[column.attribute] = ids[0]
            elif not ids:
                scope_note = " for this row's " + scope_attribute.removesuffix("_id") if scope_attribute else ""
                sheet.problem(f"no {what} {text!r}{scope_note}", row.number, column.attribute)
            else:
                plural = f"{reference.target.__name__.lower()}s whose {key.name.replace('_', ' ')}s"
                message = f"{text!r} matches {len(ids)} {plural} differ only in case; write it exactly"
                sheet.problem(message, row.number, column.attribute)


def _find_targets(session: Session, sheet: _SheetImport) -> None:
    """Which record each row updates: its ID, else its natural key; rows with neither are new."""
    table = sheet.layout.model.__table__
    ids = sorted({row.id for row in sheet.rows if row.id is not None})
    existing = set(session.scalars(sa.select(table.c.id).where(among(session, table.c.id, ids)))) if ids else set()
    seen: dict[int, int] = {}
    for row in sheet.rows:
        if row.id is None:
            continue
        if row.id not in existing:
            sheet.problem(f"no {sheet.layout.model.__name__.lower()} with ID {row.id}", row.number, "id")
        elif row.id in seen:
            sheet.problem(f"ID {row.id} appears twice (also row {seen[row.id]})", row.number, "id")
        else:
            seen[row.id] = row.number
            row.target_id = row.id
    key = sheet.layout.natural_key
    if not key:
        _match_identical_rows(session, sheet, taken=set(seen))
        return
    if any(attribute not in sheet.positions for attribute in key):
        return
    # A key part that is a reference must have resolved to an id: an unresolved one is still its text.
    kinds = [int if sheet.layout.column(attribute).kind is Kind.REFERENCE else int | str for attribute in key]
    columns = [table.c[attribute] for attribute in key]
    checks = [_key_check(table.c[attribute]) for attribute in key]
    by_key: dict[tuple, _Row] = {}  # each row without ID by its key as stored
    for row in sheet.rows:
        if row.id is None:
            values = tuple(map(row.values.get, key))
            if all(map(isinstance, values, kinds)):
                by_key[tuple(map(call, checks, values))] = row
    keys = list(by_key)
    chunks = [keys] if len(columns) == 1 else [keys[start : start + CHUNK] for start in range(0, len(keys), CHUNK)]
    for chunk in chunks if keys else []:
        condition = (
            among(session, columns[0], [k[0] for k in chunk]) if len(columns) == 1 else sa.tuple_(*columns).in_(chunk)
        )
        for found in session.execute(sa.select(table.c.id, *columns).where(condition)):
            row = by_key.get(tuple(found[1:]))
            if row is not None:
                row.target_id = found[0]


def _match_identical_rows(session: Session, sheet: _SheetImport, *, taken: set[int]) -> None:
    """Rows without ID of a sheet without natural key (interactions, payments, BOM lines) are new, unless one is the
    same as an existing record in every column the sheet has: then it is taken as that record, one row per record,
    so that importing the same rows twice creates them once. Said in a warning, with the rows so matched."""
    table = sheet.layout.model.__table__
    columns = [
        column
        for column in sheet.layout.columns
        if column.attribute in sheet.positions and not column.read_only and column.kind is not Kind.ID
    ]
    anchor = next((column for column in columns if column.kind is Kind.REFERENCE), None)
    if anchor is None:
        return  # nothing narrows the records to compare with
    checks = [(column.attribute, value_checker(table.c[column.attribute])) for column in columns]
    wanted: dict[tuple, list[_Row]] = {}
    for row in sheet.rows:
        if row.id is None and row.number not in sheet.bad_rows and isinstance(row.values.get(anchor.attribute), int):
            signature = _signature(row.values, checks)
            if signature is not None:
                wanted.setdefault(signature, []).append(row)
    if not wanted:
        return
    anchors = sorted({rows[0].values[anchor.attribute] for rows in wanted.values()})
    query = sa.select(table.c.id, *(table.c[attribute] for attribute, _ in checks))
    query = query.where(among(session, table.c[anchor.attribute], anchors)).order_by(table.c.id)
    matched = []
    for found in session.execute(query):
        if found[0] in taken:
            continue
        stored = tuple(_second_precision(value) for value in found[1:])
        rows = wanted.get(stored)
        if rows:
            row = rows.pop(0)
            row.target_id = found[0]
            matched.append(row.number)
    if matched:
        shown = ", ".join(str(number) for number in matched[:10]) + (", ..." if len(matched) > 10 else "")
        what = label(sheet.layout.model)
        sheet.result.warnings.append(
            f"{sheet.data.title}: {len(matched)} row(s) without ID are the same as an existing {what} in every column"
            f" and were taken as it, not added again (rows {shown}); give a row its ID to say which record it is"
        )


def _signature(values: dict[str, Any], checks: list[tuple[str, Callable[[Any], Any]]]) -> tuple | None:
    """A row's values as the database would hold them, for comparing with stored records; None when one doesn't
    pass its check (the write reports it)."""
    try:
        return tuple(_second_precision(check(values.get(attribute))) for attribute, check in checks)
    except ValueError:
        return None


def _second_precision(value: Any) -> Any:
    """Times as a sheet shows them: to the second."""
    return value.replace(microsecond=0) if isinstance(value, datetime) else value


def _key_check(column: sa.Column) -> Callable[[Any], Any]:
    """A natural-key value as it is stored (emails lowercased, text trimmed), for matching; a value its check
    refuses as it is (the write reports it)."""
    check = value_checker(column)

    def stored(value: Any) -> Any:
        try:
            return check(value)
        except ValueError:
            return value

    return stored


def _current_values(
    session: Session, layout: SheetLayout, ids: Sequence[int], *, known: dict[int, sa.Row] | None = None
) -> tuple[dict[int, sa.Row], dict[str, int]]:
    """The records a sheet touches as the database holds them, by id: the table's columns (what
    `crud.update_many` starts from), then each reference's natural key (what the sheet shows). Also where each
    layout attribute's shown value sits in such a row. Locked on PostgreSQL until the import ends, as the update
    would lock them: read once for both. The records in `known` (read ahead, `_read_ahead`) are not read again."""
    table = layout.model.__table__
    references = [column for column in layout.columns if column.kind is Kind.REFERENCE]
    shown_at = {column.key: index for index, column in enumerate(table.c) if column.key != "id"}
    shown_at.update({column.attribute: len(table.c) + index for index, column in enumerate(references)})
    rows = {id: known[id] for id in ids if id in known} if known else {}
    missing = [id for id in ids if id not in rows] if rows else ids
    if missing:
        shown = layout_query(layout, references, where=among(session, table.c.id, missing))
        keys = list(shown.selected_columns)[2:]  # after id and version
        query = shown.with_only_columns(*table.c, *keys).with_for_update(of=table)
        rows.update((row.id, row) for row in session.execute(query))
    return rows, shown_at


def _read_ahead(
    session: Session, actor: Actor, names: list[str], exported: dict[str, set[int]]
) -> dict[str, dict[int, sa.Row]]:
    """The records `_onebook` lists for the first sheet of `names` an import applies, read (and locked) while
    calamine parses the sheets (`read_workbook`'s `meanwhile`), for `_current_values`. Only the first sheet's: the
    records of a later one may change when an earlier one is written (a contact shows its customer's code)."""
    layouts = [
        layout
        for name in names
        if (layout := _layout_named(name)) is not None and layout.importable and can_read(actor.roles, layout.model)
    ]
    if not layouts:
        return {}
    first = min(layouts, key=SHEETS.index)
    ids = exported.get(first.title)
    if not ids:
        return {}
    rows, _ = _current_values(session, first, sorted(ids))
    return {first.title: rows}


def _comparable(value: Any) -> Any:
    """A value in the plain form `_onebook` records, with empty text as an empty cell (a sheet can't tell them
    apart: a user without roles exports a blank Roles cell)."""
    value = plain(value)
    return None if value == "" else value


@dataclass(frozen=True)
class _Compared:
    """A column compared three ways: where its value sits in the current row, stored and as the sheet shows it,
    and its check (None: a reference, compared by its natural key)."""

    column: Column
    stored: int  # in a `_current_values` row: the table's column (a reference's id)
    position: int  # in a `_current_values` row: as a sheet shows it (a reference's natural key)
    check: Callable[[Any], Any] | None
    nullable: bool


def _typed_form(compared: _Compared, sheet: _SheetImport, value: Any) -> Any:
    """The sheet's value as the database would hold it (its check applied; a reference as its natural key as
    stored), or `_Unreadable` when the check refuses it (reported if the value is to be written)."""
    if compared.check is None:
        return None if value is None else sheet.canonical.get((compared.column.attribute, value), value)
    try:
        return compared.check(value)
    except ValueError as error:
        return _Unreadable(str(error))


@dataclass(frozen=True, eq=False)
class _Unreadable:
    """A value its column's check refuses, and why."""

    problem: str


def _plan_updates(
    session: Session, sheet: _SheetImport, base: dict, on_conflict: OnConflict, *, deferred: bool
) -> tuple[list[tuple[crud.Patch, _Row]], dict[int, sa.Row]]:
    """Three-way compare each row that has a record; returns the patches to apply (only fields that change), with
    rows, and the records as read (locked) for `crud.update_many`. The first pass compares every column but the
    deferred references; the second (`deferred`) only those, once they are resolved, for the rows this import
    created too.

    A cell whose parsed value, or else its checked value, equals the database's is unchanged, decided without
    converting either; only the cells that differ are compared in the plain form `_onebook` records."""
    targets = [row for row in sheet.rows if row.target_id is not None]
    if deferred:
        targets = [row for row in targets if row.number not in sheet.bad_rows]
        current, positions = _current_values(session, sheet.layout, sorted({row.target_id for row in targets}))
    else:
        current, positions = sheet.current, sheet.shown_at  # read when the rows' records were found
    table = sheet.layout.model.__table__
    compared = [
        _Compared(
            column,
            table.c.keys().index(column.attribute),
            positions[column.attribute],
            None if column.kind is Kind.REFERENCE else value_checker(table.c[column.attribute]),
            table.c[column.attribute].nullable,
        )
        for column in sheet.layout.columns
        if column.attribute in sheet.positions
        and not column.read_only
        and column.kind is not Kind.ID
        and (column.attribute in sheet.deferred) == deferred
    ]
    # A lazy cell `parse_rest` took as stored is unchanged: only the others are compared, in the sheet's order.
    order = {entry.column.attribute: index for index, entry in enumerate(compared)}
    always = [index for index, entry in enumerate(compared) if entry.column.attribute not in sheet.lazy]
    patches = []
    for row in targets:
        now = current[row.target_id]
        values = row.values
        exported = None if row.number in sheet.created_rows else base.get((sheet.layout.title, row.target_id))
        changes = {}
        if row.differing is None:
            entries = compared
        else:
            picked = always + [order[attribute] for attribute in row.differing if attribute in order]
            entries = [compared[index] for index in sorted(picked)]
        for entry in entries:
            attribute = entry.column.attribute
            value = values.get(attribute)
            if attribute not in values:
                continue  # a cell that didn't read (reported), or a reference left unresolved (its scope is missing)
            if value == now[entry.stored]:
                continue  # parsed into what is stored (most cells of a re-imported export): nothing to check
            theirs = now[entry.position]
            typed = _typed_form(entry, sheet, value)
            if typed == theirs:
                continue
            unreadable = isinstance(typed, _Unreadable)
            mine = plain(value) if unreadable else plain(typed)
            theirs = _comparable(theirs)
            if mine == theirs:
                continue
            if mine is None and row.id is None and not entry.nullable:
                continue  # a row typed without ID left it blank, as for a new row: it keeps the value it has
            if exported is not None and attribute in exported.values:
                was = _comparable(exported.values[attribute])
                if mine == was:
                    continue  # changed only in Onebook: keep it
                if theirs != was:
                    title, column = entry.column.title, sheet.positions[attribute]
                    conflict = Conflict(sheet.data.title, row.number, column, title, was, mine, theirs)
                    sheet.plan.conflicts += 1
                    sheet.result.conflicts.append(conflict)
                    if on_conflict is not OnConflict.SHEET:
                        continue  # FAIL refuses the import below; DATABASE keeps Onebook's value
            if unreadable:
                sheet.problem(field_message(attribute, typed.problem), row.number, attribute)
                continue
            changes[attribute] = value if entry.check is None else typed  # checked, for `update_many(checked=True)`
        if changes:
            patches.append((crud.Patch(row.target_id, changes, None), row))
    return patches, current


def _report_refusal(sheet: _SheetImport, refused: Refused, rows: Sequence[_Row]) -> None:
    for error in refused.errors:
        row = rows[error.row] if error.row is not None and error.row < len(rows) else None
        attribute = error.field[0] if error.field else None
        sheet.problem(error.message, row.number if row else None, attribute)


def _write_in_batch(sheet: _SheetImport, rows: list[_Row], write: Callable[[list[_Row]], Any]) -> Any:
    """Write the rows; when some are refused, report them and write the others once more, so that rows depending
    on them (children in later sheets) are checked too. The import is rolled back either way."""
    try:
        return write(rows)
    except Refused as refused:
        _report_refusal(sheet, refused, rows)
    remaining = [row for row in rows if row.number not in sheet.bad_rows]
    if not remaining or len(remaining) == len(rows):
        return None
    try:
        return write(remaining)
    except Refused as refused:
        _report_refusal(sheet, refused, remaining)
        return None


def _write_sheet(session: Session, sheet: _SheetImport, base: dict, options: ImportOptions, actor: Actor) -> None:
    model = sheet.layout.model
    patches, current = _plan_updates(session, sheet, base, options.on_conflict, deferred=False)
    planned = {row.number: patch for patch, row in patches}
    targets = [row for row in sheet.rows if row.target_id is not None and row.number not in sheet.bad_rows]
    changed = [row for row in targets if row.number in planned]
    sheet.plan.unchanged += len(targets) - len(changed)

    def update(rows: list[_Row]) -> None:
        patches = [planned[row.number] for row in rows]
        crud.update_many(session, model, patches, actor=actor, current=current, checked=True)
        sheet.plan.updated += len(rows)
        sheet.updated_rows.update(row.number for row in rows)

    if changed:
        _write_in_batch(sheet, changed, update)
    new_rows = [
        row for row in sheet.rows if row.target_id is None and row.id is None and row.number not in sheet.bad_rows
    ]

    def create(rows: list[_Row]) -> None:
        deferred = sheet.deferred  # set in the second pass
        given = [{name: value for name, value in row.values.items() if value is not None} for row in rows]
        values = (
            [{name: value for name, value in row.items() if name not in deferred} for row in given]
            if deferred
            else given
        )
        written = crud.create_many(session, model, values, actor=actor, checked=sheet.checked_values)
        for row, obj in zip(rows, written, strict=True):
            row.target_id = obj.id
        sheet.plan.created += len(rows)
        sheet.created_rows.update(row.number for row in rows)

    if new_rows:
        _write_in_batch(sheet, new_rows, create)


def _delete_missing(
    session: Session, sheet: _SheetImport, exported: set[int], base: dict, on_conflict: OnConflict, actor: Actor
) -> None:
    """Delete exported rows no longer in the sheet; a row changed in Onebook since the export is a conflict."""
    present = {row.target_id for row in sheet.rows if row.target_id is not None}
    missing = sorted(exported - present)
    table = sheet.layout.model.__table__
    versions = {}
    if missing:
        query = sa.select(table.c.id, table.c.version).where(among(session, table.c.id, missing))
        versions = dict(session.execute(query).all())
    missing = [id for id in missing if id in versions]  # already gone: nothing to do
    changed = [
        id
        for id in missing
        if (sheet.layout.title, id) in base and base[(sheet.layout.title, id)].version != versions[id]
    ]
    for id in changed:
        sheet.plan.conflicts += 1
        message = f"{sheet.layout.title} row with ID {id} was deleted in the sheet but changed in Onebook since"
        if on_conflict is OnConflict.FAIL:
            sheet.problem(f"{message} (use --on-conflict sheet or database)")
        else:
            sheet.result.warnings.append(f"{message}: {'deleted' if on_conflict is OnConflict.SHEET else 'kept'}")
    if on_conflict is not OnConflict.SHEET:
        missing = [id for id in missing if id not in changed]
    if not missing:
        return
    try:
        crud.delete_many(session, sheet.layout.model, [(id, None) for id in missing], actor=actor)
        sheet.plan.deleted += len(missing)
    except Refused as refused:
        for error in refused.errors:
            gone = _exported_row(sheet, missing[error.row], base) if error.row is not None else "a row"
            sheet.problem(f"{gone} is gone from the sheet but can't be deleted: {error.message}")


def _exported_row(sheet: _SheetImport, id: int, base: dict) -> str:
    """'the row with ID 12 (Code 'C-0001')': how the user knew a deleted row, by its natural key as exported."""
    exported = base.get((sheet.layout.title, id))
    key = [
        f"{sheet.layout.column(attribute).title} {exported.values[attribute]!r}"
        for attribute in sheet.layout.natural_key or ()
        if exported is not None and exported.values.get(attribute) is not None
    ]
    return f"the row with ID {id}" + (f" ({', '.join(key)})" if key else "")


def _second_pass(
    session: Session, sheets: list[_SheetImport], deferred: set, base: dict, options: ImportOptions, actor: Actor
) -> None:
    """References to rows created in the same import (a department's head, an employee's manager): resolved once
    every row exists, then compared three ways like any other field and written."""
    for sheet in sheets:
        if not sheet.deferred & set(sheet.positions):
            continue
        _resolve_references(session, sheet, deferred, late=True)
        planned, current = _plan_updates(session, sheet, base, options.on_conflict, deferred=True)
        patches = {row.number: patch for patch, row in planned}
        rows = [row for _, row in planned if row.number not in sheet.bad_rows]

        def update(rows: list[_Row], sheet: _SheetImport = sheet, patches: dict = patches, current: dict = current):
            chosen = [patches[row.number] for row in rows]
            crud.update_many(session, sheet.layout.model, chosen, actor=actor, current=current, checked=True)
            for row in rows:
                if row.number not in sheet.created_rows and row.number not in sheet.updated_rows:
                    sheet.updated_rows.add(row.number)
                    sheet.plan.unchanged -= 1
                    sheet.plan.updated += 1

        if rows:
            _write_in_batch(sheet, rows, update)


def _delete_all_missing(session: Session, sheets: list[_SheetImport], exported: dict, base: dict, actor: Actor) -> None:
    """Children before parents (a customer and its contacts both gone from the file), after every write."""
    for sheet in reversed(sheets):
        on_conflict = sheet.options.on_conflict
        _delete_missing(session, sheet, exported.get(sheet.layout.title, set()), base, on_conflict, actor)


def _lazy_columns(layout: SheetLayout, deferred: frozenset[str]) -> frozenset[str]:
    """The columns read only once each row's record is known (`_SheetImport.parse_rest`): all but what finds the
    record (the ID, the natural key, the references' scopes) and the references deferred to the second pass. None
    for a sheet without natural key, whose rows are matched by all their values."""
    if not layout.natural_key:
        return frozenset()
    eager = {"id", *layout.natural_key, *deferred}
    eager.update(column.reference.scope[0] for column in layout.columns if column.reference and column.reference.scope)
    return frozenset(column.attribute for column in layout.columns if column.attribute not in eager)


@cache
def _layouts_by_name() -> dict[str, SheetLayout]:
    """Each layout under its title, slug and model name, normalized as headers are."""
    return {
        normalize_header(name): layout
        for layout in SHEETS
        for name in (layout.title, layout.slug, layout.model.__name__)
    }


def _ignored(title: str) -> bool:
    """Whether a sheet is one Onebook writes for itself (`_onebook`, `_lookups`, an import report): never imported."""
    return normalize_header(title).strip("_") in {normalize_header(name).strip("_") for name in IGNORED_SHEETS}


def _layout_named(title: str) -> SheetLayout | None:
    """The layout a sheet of this title imports into; None for another sheet (ignored ones included)."""
    return None if _ignored(title) else _layouts_by_name().get(normalize_header(title))


def _match_sheets(data: WorkbookData, result: ImportResult, actor: Actor) -> list[tuple[SheetLayout, SheetData]]:
    matched = {}
    for sheet in data.sheets:
        if _ignored(sheet.title):
            continue
        layout = _layout_named(sheet.title)
        if layout is None:
            result.warnings.append(f"{sheet.title}: no such sheet in Onebook; it is ignored")
        elif not layout.importable:
            result.warnings.append(f"{sheet.title}: read-only sheet; it is ignored")
        elif layout.title in matched:
            result.errors.append(Problem(sheet.title, f"a second {layout.title} sheet"))
        elif not can_read(actor.roles, layout.model):
            result.errors.append(Problem(sheet.title, f"you may not read or change {layout.title}; remove the sheet"))
        else:
            matched[layout.title] = (layout, sheet)
    order = {layout.title: index for index, layout in enumerate(SHEETS)}
    return sorted(matched.values(), key=lambda pair: order[pair[0].title])


def apply_workbook(
    session: Session,
    data: WorkbookData,
    *,
    actor: Actor,
    options: ImportOptions = ImportOptions(),
    filename: str,
    via: str = "import",
    progress: Callable[[str], None] | None = None,
    read_ahead: dict[str, dict[int, sa.Row]] | None = None,
) -> ImportResult:
    """Apply workbook data inside the caller's transaction; the caller commits only when `result.errors` is empty
    (and it is not a dry run). `result.created` maps (sheet title, row number) to each new row's id. `read_ahead`
    holds records read in this transaction before anything was written (`_read_ahead`); it is used up here, and a
    sheet uses its records only if no sheet before it has written."""
    read_ahead = read_ahead if read_ahead is not None else {}
    result = ImportResult()
    matched = _match_sheets(data, result, actor)
    if not matched and not result.errors:
        result.errors.append(Problem(filename, "no sheet in this file matches an Onebook sheet"))
    if result.errors:
        return result
    batch = ImportBatch(actor_id=actor.user_id, actor_email=actor.email, via=via, filename=filename)
    session.add(batch)
    session.flush()
    actor = replace(actor, via=via, batch_id=batch.id)
    layouts = [layout for layout, _ in matched]
    deferred = deferred_references(layouts)
    sheets = []
    for layout, data_sheet in matched:
        if progress:
            progress(layout.title)
        sheet = _SheetImport(layout, data_sheet, result, options, actor)
        sheet.deferred = frozenset(attribute for title, attribute in deferred if title == layout.title)
        sheet.apostrophes = data.kind != "xlsx"
        sheets.append(sheet)
        result.plans.append(sheet.plan)
        if not sheet.match_headers():
            continue
        sheet.lazy = _lazy_columns(layout, sheet.deferred)
        sheet.parse()
        sheet.read = True
        _resolve_references(session, sheet, deferred, late=False)
        _find_targets(session, sheet)
        targets = sorted({row.target_id for row in sheet.rows if row.target_id is not None})
        known = read_ahead.pop(layout.title, None)
        sheet.current, sheet.shown_at = _current_values(session, layout, targets, known=known)
        if sheet.lazy:
            sheet.parse_rest()
            _resolve_references(session, sheet, deferred, late=False, attributes=sheet.lazy)
        # Written even after errors elsewhere (rolled back at the end): later sheets then check their references
        # against the rows this one creates, and every problem is reported in one go.
        _write_sheet(session, sheet, data.base, options, actor)
        read_ahead.clear()  # what was read ahead may have changed now
    _second_pass(session, sheets, deferred, data.base, options, actor)
    if options.delete_missing:
        _delete_all_missing(session, [sheet for sheet in sheets if sheet.read], data.exported, data.base, actor)
    if result.conflicts and options.on_conflict is OnConflict.FAIL:
        result.errors.extend(
            Problem(c.sheet, f"{c.message} (use --on-conflict sheet or database)", c.row, c.column)
            for c in result.conflicts
        )
    for sheet in sheets:
        for row in sheet.rows:
            if row.id is None and row.target_id is not None:
                result.created[(sheet.data.title, row.number)] = row.target_id
    batch.summary = result.summary()
    session.flush()
    result.batch_id = batch.id
    return result


def import_workbook(
    engine: sa.Engine,
    path: str | Path,
    *,
    actor: Actor,
    options: ImportOptions = ImportOptions(),
    filename: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import a workbook (.xlsx or .csv) in one transaction; nothing is written unless every row is fine."""
    with collector_paused():
        return _import_file(engine, path, actor=actor, options=options, filename=filename, progress=progress)


def _import_file(
    engine: sa.Engine,
    path: str | Path,
    *,
    actor: Actor,
    options: ImportOptions,
    filename: str | None,
    progress: Callable[[str], None] | None,
) -> ImportResult:
    filename = filename or Path(path).name
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            begin_writing(session)  # the import reads, then writes what it read: no other writer in between
            read_ahead: dict[str, dict[int, sa.Row]] = {}

            def meanwhile(names: list[str], exported: dict[str, set[int]]) -> None:
                read_ahead.update(_read_ahead(session, actor, names, exported))

            try:
                data = read_workbook(path, sheet_title=options.sheet, meanwhile=meanwhile)
            except UnreadableWorkbook as exc:
                transaction.rollback()
                return ImportResult(errors=[Problem(filename, str(exc))])
            result = apply_workbook(
                session, data, actor=actor, options=options, filename=filename, progress=progress, read_ahead=read_ahead
            )
            if result.errors or options.dry_run:
                transaction.rollback()
                result.batch_id = None
                return result
            transaction.commit()
            result.applied = True
            return result
        except BaseException:
            transaction.rollback()
            raise
        finally:
            session.close()
