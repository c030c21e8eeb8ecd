"""Sheets out: department workbooks (.xlsx), and CSV or single-sheet xlsx streams for BI tools.

A department workbook is made to be edited and imported back: bold frozen headers with a comment per column saying
what it takes, dropdowns for choices and references (the referenced keys listed on a hidden `_lookups` sheet), real
dates, money with two decimals, grey read-only columns, and a hidden `_onebook` sheet recording each exported row's
id, version and values, which the importer compares against for three-way conflict detection.

Everything is written with openpyxl's write-only mode, rows streamed from the database: memory stays flat however
big the table. Styles are registered once per workbook and shared by index; text is always written as text, so a
value such as `=HYPERLINK(...)` comes back exactly as it went out and never runs as a formula.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import orjson
import sqlalchemy as sa
from lxml.etree import Element, SubElement
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from resolvers.audit import plain
from resolvers.listing import SortKey
from resolvers.permissions import Actor, can_read, can_read_field
from resolvers.validation import label
from sync.cells import FORMULA_PREFIXES, neutralise, to_cell
from sync.registry import Column, Kind, SheetLayout, choice_label, layout_of
from sync.rows import iter_rows, layout_query, visible_columns

ONEBOOK_SHEET = "_onebook"
ONEBOOK_HEADER = ("Sheet", "ID", "Version", "Values")
LOOKUPS_SHEET = "_lookups"

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"
READ_ONLY_GREY = "D9D9D9"
ID_GREY = "F2F2F2"
#: Excel's last row: dropdowns cover the whole column so rows added below the data get them too.
LAST_ROW = 1_048_576
#: Excel refuses an inline dropdown list longer than this; longer lists go to the `_lookups` sheet.
INLINE_LIST_LIMIT = 255
CSV_CHUNK_ROWS = 1_000
FILE_CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024
#: Excel holds at most this many characters in a cell (openpyxl cuts longer text the same way).
MAX_CELL_TEXT = 32_767
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

#: `progress(sheet_title, rows_written)`, called after each sheet.
ProgressCallback = Callable[[str, int], None]


class ExportForbidden(PermissionError):
    """The actor may not read an entity they asked to export."""


# --- who sees what ----------------------------------------------------------------------------------------------


def readable_columns(layout: SheetLayout, actor: Actor) -> list[Column]:
    """The layout's columns this actor may read; a reference also needs read access to the entity it names.

    Raises:
        ExportForbidden: the actor may not read the layout's entity at all.
    """
    if not can_read(actor.roles, layout.model):
        raise ExportForbidden(f"you may not read {label(layout.model)} records, so you can't export {layout.title}")
    readable = {
        column.attribute
        for column in layout.columns
        if can_read_field(actor.roles, layout.model, column.attribute)
        and (column.reference is None or can_read(actor.roles, column.reference.target))
    }
    return visible_columns(layout, readable)


# --- what each header comment says ------------------------------------------------------------------------------


def column_help(layout: SheetLayout, column: Column) -> str:
    """The header comment: the column's format and allowed values, whether it's required or ignored on import."""
    if column.kind is Kind.ID:
        return "Blank for a new row. Keep the ID of an existing row: it says which record the row changes."
    lines = [_format_help(layout, column)]
    if column.read_only:
        lines.append("Read-only: ignored on import")
    elif column.required:
        lines.append("Required")
    return "\n".join(lines)


def _format_help(layout: SheetLayout, column: Column) -> str:
    match column.kind:
        case Kind.TEXT:
            length = getattr(layout.model.__table__.c[column.attribute].type, "length", None)
            return f"Text, at most {length} characters" if length else "Text"
        case Kind.INTEGER:
            return "Whole number"
        case Kind.MONEY:
            return "Money, two decimals"
        case Kind.DECIMAL:
            scale = layout.model.__table__.c[column.attribute].type.scale
            return f"Number, at most {scale} decimals"
        case Kind.DATE:
            return "Date, e.g. 2026-11-28"
        case Kind.DATETIME:
            return "Date and time in UTC, e.g. 2026-11-28 14:30"
        case Kind.BOOLEAN:
            return "Yes or no"
        case Kind.CHOICE:
            return "One of: " + ", ".join(choice_label(member) for member in column.choices)
        case Kind.REFERENCE:
            return _reference_help(column)
        case Kind.JSON:
            return "JSON text"
    raise AssertionError(column.kind)


def _reference_help(column: Column) -> str:
    reference = column.reference
    target = label(reference.target)
    key = reference.key_name
    text = f"{target.capitalize()} {key} of an existing {target}"
    if reference.scope is not None:
        scope_name = reference.scope[0].removesuffix("_id").replace("_", " ")
        text += f" of this row's {scope_name}"
    return text


# --- cells ------------------------------------------------------------------------------------------------------


class _Styles:
    """Styles made once per workbook; cells refer to them by their index in the workbook's style table."""

    def __init__(self) -> None:
        self.bold = Font(bold=True)
        self.read_only_fill = PatternFill("solid", start_color=READ_ONLY_GREY, end_color=READ_ONLY_GREY)
        self.id_fill = PatternFill("solid", start_color=ID_GREY, end_color=ID_GREY)
        self._ids: dict[tuple, str | None] = {}

    def fill_for(self, column: Column) -> PatternFill | None:
        if column.kind is Kind.ID:
            return self.id_fill
        return self.read_only_fill if column.read_only else None

    def style_id(
        self, sheet: Any, *, fill: PatternFill | None = None, number_format: str | None = None, quote: bool = False
    ) -> str | None:
        """The style index for this combination (None for the default style), registered once."""
        key = (id(fill), number_format, quote)
        if key not in self._ids:
            prototype = Cell(sheet, 1, 1)
            if fill is not None:
                prototype.fill = fill
            if number_format is not None:
                prototype.number_format = number_format
            if quote:
                prototype.quotePrefix = True  # Excel keeps the cell text when someone edits it
            self._ids[key] = str(prototype.style_id) if prototype.has_style else None
        return self._ids[key]


NUMBER_FORMATS = {Kind.DATE: DATE_FORMAT, Kind.DATETIME: DATETIME_FORMAT, Kind.MONEY: MONEY_FORMAT}


@dataclass(frozen=True)
class _CellFormat:
    """How one column's values become cells: a conversion to what the sheet shows, and the style indexes."""

    letter: str
    convert: Callable[[Any], Any] | None
    style: str | None
    text_style: str | None  # for text starting like a formula: marked as text (quote prefix)


def _cell_format(index: int, column: Column, sheet: Any, styles: _Styles) -> _CellFormat:
    convert: Callable[[Any], Any] | None = None
    if column.kind is Kind.CHOICE:
        labels = {member: choice_label(member) for member in column.choices}

        def convert(value: Any) -> Any:
            return labels.get(value) or to_cell(column, value)

    elif column.kind in (Kind.DATETIME, Kind.JSON):

        def convert(value: Any) -> Any:
            return to_cell(column, value)

    fill = styles.fill_for(column)
    return _CellFormat(
        letter=get_column_letter(index),
        convert=convert,
        style=styles.style_id(sheet, fill=fill, number_format=NUMBER_FORMATS.get(column.kind)),
        text_style=styles.style_id(sheet, fill=fill, quote=True),
    )


def _text(value: str) -> str:
    """Text as a worksheet can hold it: without the control characters XML refuses, at most 32,767 characters."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value[:MAX_CELL_TEXT]


def _row_element(number: int, values: Sequence[Any], formats: Sequence[_CellFormat]) -> Any:
    """One `<row>` of cells: numbers and booleans as values, dates as Excel serials, text as inline strings.

    Text is always written as a string cell, so text that looks like a formula (`=HYPERLINK(...)`) stays text.
    """
    n = str(number)
    row = Element("row", r=n)
    for cell_format, value in zip(formats, values, strict=True):
        if value is None:
            continue
        if cell_format.convert is not None:
            value = cell_format.convert(value)
        kind = type(value)
        if kind is str or isinstance(value, str):
            value = _text(value)
            if not value:
                continue
            style = cell_format.text_style if value.startswith(FORMULA_PREFIXES) else cell_format.style
            cell = SubElement(row, "c", r=cell_format.letter + n, t="inlineStr")
            text = SubElement(SubElement(cell, "is"), "t")
            if value[0].isspace() or value[-1].isspace():
                text.set(XML_SPACE, "preserve")
            text.text = value
        else:
            style = cell_format.style
            if kind is bool:
                cell = SubElement(row, "c", r=cell_format.letter + n, t="b")
                SubElement(cell, "v").text = "1" if value else "0"
            else:
                cell = SubElement(row, "c", r=cell_format.letter + n)
                SubElement(cell, "v").text = _number_text(value)
        if style is not None:
            cell.set("s", style)
    return row


def _number_text(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return repr(to_excel(value))
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"can't write {value!r} to a cell")


class _SheetRows:
    """Streams rows into a write-only sheet, each row built as one XML element.

    openpyxl's `append` makes and inspects a cell object per value; building the row element directly writes the
    same XML in about 60% of the time (bench/export_speed.py), which is what keeps the export within reach of
    writing plain values. This drives the write-only sheet's own writer: the header row, with its comments, goes
    through openpyxl's `write_row`; column widths and the frozen pane must be set before the stream starts.
    """

    def __init__(self, sheet: Any, formats: Sequence[_CellFormat]) -> None:
        self.sheet = sheet
        self.formats = formats
        self.count = 0  # rows written, the header included
        sheet._get_writer()  # writes what precedes the rows: widths, views
        self._stream = self._rows(sheet)
        next(self._stream)
        sheet._rows = self._stream  # the sheet closes it when the workbook is saved

    @staticmethod
    def _rows(sheet: Any) -> Iterator[None]:
        xf = sheet._writer.xf.send(True)
        with xf.element("sheetData"):
            try:
                while True:
                    row = yield
                    if isinstance(row, list):
                        sheet._writer.write_row(xf, row, row[0].row)
                    else:
                        xf.write(row)
            except GeneratorExit:
                pass
        sheet._writer.xf.send(None)

    def header(self, cells: list[Cell]) -> None:
        self.count += 1
        for column_number, cell in enumerate(cells, 1):
            cell.row, cell.column = self.count, column_number
        self._stream.send(cells)

    def append(self, values: Sequence[Any]) -> None:
        self.count += 1
        self._stream.send(_row_element(self.count, values, self.formats))


# --- workbook pieces --------------------------------------------------------------------------------------------


def _header(
    layout: SheetLayout, sheet: Any, columns: Sequence[Column], styles: _Styles, *, comments: bool = True
) -> list[Cell]:
    """Bold titles, grey over read-only columns (and light grey over ID), each with a comment saying what it takes."""
    cells = []
    for column in columns:
        cell = Cell(sheet, 1, 1, column.title)
        cell.font = styles.bold
        fill = styles.fill_for(column)
        if fill is not None:
            cell.fill = fill
        if comments:
            text = column_help(layout, column)
            comment = Comment(text, "Onebook")
            comment.width = 260
            comment.height = 24 + 18 * (text.count("\n") + 1 + len(text) // 36)
            cell.comment = comment
        cells.append(cell)
    return cells


def _start_sheet(
    layout: SheetLayout, sheet: Any, columns: Sequence[Column], styles: _Styles, *, comments: bool = True
) -> _SheetRows:
    """Widths, the frozen header row and the header itself; returns the stream the data rows go to."""
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    rows = _SheetRows(sheet, [_cell_format(index, column, sheet, styles) for index, column in enumerate(columns, 1)])
    rows.header(_header(layout, sheet, columns, styles, comments=comments))
    return rows


def _finish_sheet(sheet: Any, columns: Sequence[Column], rows: _SheetRows) -> None:
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows.count}"


def _choice_list(column: Column) -> str | None:
    """The inline dropdown formula (`"Prospect,Active,Inactive"`), or None when Excel can't take it inline."""
    labels = [choice_label(member) for member in column.choices]
    if any("," in text or '"' in text for text in labels):
        return None
    formula = '"' + ",".join(labels) + '"'
    return formula if len(formula) - 2 <= INLINE_LIST_LIMIT else None


def _add_dropdown(sheet: Any, index: int, formula: str, *, strict: bool) -> None:
    """A list dropdown over the whole column below the header, so rows added at the end get it too."""
    letter = get_column_letter(index)
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle="Not in the list",
        error="Pick a value from the list." if strict else "Not an existing key: fine only if this workbook adds it.",
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.data_validations.append(validation)


class _Lookups:
    """What the hidden `_lookups` sheet lists: one column per referenced entity's keys (and per choice list too
    long to be inline), gathered before any sheet is written so that dropdown formulas can point at them."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.lists: dict[Any, tuple[str, list[str]]] = {}

    def reference_range(self, column: Column) -> str:
        reference = column.reference
        key = (reference.target, reference.key.name)
        if key not in self.lists:
            query = (
                sa.select(reference.key)
                .select_from(reference.key_source)
                .where(reference.key.is_not(None))
                .distinct()
                .order_by(reference.key)
            )
            values = [str(value) for value in self.connection.scalars(query)]
            self.lists[key] = (_layout_title(reference.target), values)
        return self._range(key)

    def choices_range(self, column: Column) -> str:
        key = column.choices
        if key not in self.lists:
            self.lists[key] = (column.title, [choice_label(member) for member in column.choices])
        return self._range(key)

    def _range(self, key: Any) -> str:
        letter = get_column_letter(list(self.lists).index(key) + 1)
        last = max(len(self.lists[key][1]), 1) + 1
        return f"{quote_sheetname(LOOKUPS_SHEET)}!${letter}$2:${letter}${last}"

    def write(self, sheet: Any, styles: _Styles) -> None:
        lists = list(self.lists.values())
        for index in range(len(lists)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = 24
        formats = [_cell_format(index, KEY_COLUMN, sheet, styles) for index in range(1, len(lists) + 1)]
        rows = _SheetRows(sheet, formats)
        rows.append([title for title, _values in lists])
        for row in range(max(len(values) for _title, values in lists)):
            rows.append([values[row] if row < len(values) else None for _title, values in lists])


#: How a natural key is written on `_lookups`: text that stays text.
KEY_COLUMN = Column("Key", "key", Kind.TEXT)


def _layout_title(model: type) -> str:
    try:
        return layout_of(model).title
    except StopIteration:
        return model.__name__


def _dropdowns(columns: Sequence[Column], lookups: _Lookups) -> list[tuple[int, str, bool]]:
    """(column number, list formula, strict) for each editable choice and reference column."""
    dropdowns = []
    for index, column in enumerate(columns, 1):
        if column.read_only:
            continue
        if column.kind is Kind.CHOICE:
            dropdowns.append((index, _choice_list(column) or lookups.choices_range(column), True))
        elif column.kind is Kind.REFERENCE:
            # Not strict: a key this same workbook adds (a new customer's code) is fine, with a warning.
            dropdowns.append((index, lookups.reference_range(column), False))
    return dropdowns


# --- department workbooks ---------------------------------------------------------------------------------------


def write_workbook(
    target: str | IO[bytes],
    connection: sa.Connection,
    layouts: Sequence[SheetLayout],
    *,
    actor: Actor,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write an editable workbook with one sheet per layout and return the rows written per sheet title.

    Args:
        target: a file path or a binary file object.
        connection: where the rows are read; on PostgreSQL give it REPEATABLE READ for one consistent snapshot.
        layouts: the sheets, in the order they appear (`select_layouts` gives them in import order).
        actor: whose read permissions decide the sheets and columns.
        progress: called as `progress(sheet_title, rows_written)` after each sheet.

    Raises:
        ExportForbidden: the actor may not read one of the layouts' entities; nothing is written.
        ValueError: no layouts were given.
    """
    if not layouts:
        raise ValueError("no sheets to export")
    plans = [(layout, readable_columns(layout, actor)) for layout in layouts]  # refuse before writing anything
    lookups = _Lookups(connection)
    dropdowns = [_dropdowns(columns, lookups) for _layout, columns in plans]

    workbook = Workbook(write_only=True)
    styles = _Styles()
    sheets = [workbook.create_sheet(layout.title) for layout, _columns in plans]
    if lookups.lists:
        lookup_sheet = workbook.create_sheet(LOOKUPS_SHEET)
        lookup_sheet.sheet_state = "hidden"
        lookups.write(lookup_sheet, styles)
    onebook_sheet = workbook.create_sheet(ONEBOOK_SHEET)
    onebook_sheet.sheet_state = "hidden"
    onebook = _SheetRows(
        onebook_sheet, [_cell_format(index, KEY_COLUMN, onebook_sheet, styles) for index in (1, 2, 3, 4)]
    )
    onebook.append(ONEBOOK_HEADER)

    written: dict[str, int] = {}
    for sheet, (layout, columns), sheet_dropdowns in zip(sheets, plans, dropdowns, strict=True):
        rows = _start_sheet(layout, sheet, columns, styles)
        for index, formula, strict in sheet_dropdowns:
            _add_dropdown(sheet, index, formula, strict=strict)
        written[layout.title] = _write_sheet_rows(rows, onebook, connection, layout, columns)
        _finish_sheet(sheet, columns, rows)
        if progress is not None:
            progress(layout.title, written[layout.title])
    workbook.save(target)
    return written


def _write_sheet_rows(
    rows: _SheetRows, onebook: _SheetRows, connection: sa.Connection, layout: SheetLayout, columns: list[Column]
) -> int:
    """Append each row to its sheet and its [sheet, id, version, values as JSON] record to `_onebook`."""
    recorded_columns = [
        (index, column.attribute, _plain_for(column))
        for index, column in enumerate(columns)
        if column.kind is not Kind.ID
    ]
    title = layout.title
    count = 0
    for id_, version, values in iter_rows(connection, layout, columns):
        rows.append(values)
        recorded = {}
        for index, attribute, to_plain in recorded_columns:
            value = values[index]
            recorded[attribute] = value if to_plain is None or value is None else to_plain(value)
        onebook.append((title, id_, version, orjson.dumps(recorded).decode()))
        count += 1
    return count


def _plain_for(column: Column) -> Callable[[Any], Any] | None:
    """`plain` for kinds it changes; None where it returns the value as is (text, numbers, booleans, JSON)."""
    if column.kind in (Kind.CHOICE, Kind.DATE, Kind.DATETIME, Kind.MONEY, Kind.DECIMAL):
        return plain
    return None


# --- BI exports -------------------------------------------------------------------------------------------------


def ordered_rows(
    connection: sa.Connection,
    layout: SheetLayout,
    columns: list[Column],
    *,
    where: sa.ColumnElement[bool] | None = None,
    order_by: Sequence[SortKey] | None = None,
    batch: int = 5_000,
) -> Iterator[list[Any]]:
    """The layout's rows (values in column order), filtered and in the given order (by id by default)."""
    if not order_by:
        for _id, _version, values in iter_rows(connection, layout, columns, where=where, batch=batch):
            yield values
        return
    query = layout_query(layout, columns, where=where).order_by(None).order_by(*(key.clause() for key in order_by))
    result = connection.execute(query.execution_options(stream_results=True, yield_per=batch))
    for row in result:
        yield list(row[2:])


def csv_value(column: Column, value: Any) -> Any:
    """A value as CSV text: as a sheet shows it, times ISO in UTC, formula-like text neutralised."""
    value = to_cell(column, value)
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_stream(
    connection: sa.Connection,
    layout: SheetLayout,
    columns: list[Column],
    *,
    where: sa.ColumnElement[bool] | None = None,
    order_by: Sequence[SortKey] | None = None,
    chunk_rows: int = CSV_CHUNK_ROWS,
) -> Iterator[bytes]:
    """The rows as UTF-8 CSV with a BOM (so Excel reads it as UTF-8), column titles first, in chunks of rows."""
    rows = ordered_rows(connection, layout, columns, where=where, order_by=order_by)
    yield from csv_chunks(columns, rows, chunk_rows=chunk_rows)


def csv_chunks(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, chunk_rows: int = CSV_CHUNK_ROWS
) -> Iterator[bytes]:
    """CSV bytes for rows of database values: the BOM and titles first, then `chunk_rows` rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([column.title for column in columns])
    pending = 0
    for values in rows:
        writer.writerow([csv_value(column, value) for column, value in zip(columns, values, strict=True)])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_single_sheet(
    connection: sa.Connection,
    layout: SheetLayout,
    columns: list[Column],
    *,
    where: sa.ColumnElement[bool] | None = None,
    order_by: Sequence[SortKey] | None = None,
) -> Generator[bytes, None, None]:
    """One formatted sheet for BI tools (no `_onebook`, no lookups), written now, returned as byte chunks.

    The workbook is written to a temporary file (in memory while small) before this returns, so the database work
    is done by then; the iterator only reads the file, and removes it at the end.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the iterator
    try:
        workbook = Workbook(write_only=True)
        styles = _Styles()
        sheet = workbook.create_sheet(layout.title)
        rows = _start_sheet(layout, sheet, columns, styles, comments=False)
        for values in ordered_rows(connection, layout, columns, where=where, order_by=order_by):
            rows.append(values)
        _finish_sheet(sheet, columns, rows)
        workbook.save(spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return _read_chunks(spool)


def _read_chunks(spool: IO[bytes]) -> Generator[bytes, None, None]:
    with spool:
        while chunk := spool.read(FILE_CHUNK_BYTES):
            yield chunk
