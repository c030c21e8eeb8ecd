"""Reading an uploaded .xlsx or .csv into plain rows for the importer.

Values come back as the file holds them (calamine gives numbers as float and dates as date or datetime; a CSV gives
text), with real sheet row numbers, the cells whose formula has no saved result, and the `_onebook` snapshot an
export left behind. An .xlsx passes `sync.safety` before calamine reads it; a CSV has its encoding and delimiter
sniffed. Every problem with the file is an `UnreadableWorkbook` whose message is meant for the user.
"""

import csv
import gc
import io
import json
import os
from collections.abc import Callable, Container, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import orjson
from python_calamine import CalamineSheet, CalamineWorkbook

from sync.safety import UnreadableWorkbook, WorkbookArchive, WorksheetScan, max_workbook_bytes

ONEBOOK_SHEET = "_onebook"
LOOKUPS_SHEET = "_lookups"
ONEBOOK_HEADER = ("Sheet", "ID", "Version", "Values")
HIDDEN_SHEETS = {ONEBOOK_SHEET, LOOKUPS_SHEET}  # written by exports for Onebook itself, never data
DATA_SHEET_ROOT = "worksheet"  # chart sheets, dialog sheets and macro sheets hold no rows to import
KINDS = {".xlsx": "xlsx", ".csv": "csv"}
CSV_DELIMITERS = ",;\t"
CSV_SNIFF_CHARACTERS = 64 * 1024
CSV_SNIFF_LINES = 50
CSV_FALLBACK_ENCODING = "cp1252"  # what Excel on Windows writes as "CSV"; latin-1 when even that fails

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_PLAIN_JSON_TYPES = frozenset({str, int, bool, type(None)})  # what orjson and json read alike

T = TypeVar("T")


@dataclass
class SheetData:
    """One sheet as read: header titles, then the non-empty rows as (1-based sheet row number, values aligned to
    the header; None for an empty cell)."""

    title: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row number, 0-based column) without result


@dataclass
class BaseRow:
    """What an export recorded for one row in `_onebook`: its version and its values by attribute."""

    version: int
    values: dict[str, Any]


@dataclass
class WorkbookData:
    """Everything read from one file; `base` and `exported` are empty for a CSV or a workbook without `_onebook`."""

    sheets: list[SheetData]
    base: dict[tuple[str, int], BaseRow]  # (sheet title, id) -> the exported row
    exported: dict[str, set[int]]  # sheet title -> ids the export listed
    kind: str  # "xlsx" or "csv"


Meanwhile = Callable[[list[str], dict[str, set[int]]], None]


def read_workbook(
    path: str | os.PathLike[str],
    *,
    sheet_title: str | None = None,
    csv_sheet_title: str | None = None,
    meanwhile: Meanwhile | None = None,
) -> WorkbookData:
    """Read an .xlsx (every data sheet, or only `sheet_title`, matched case-insensitively) or a .csv.

    A CSV holds one sheet titled `csv_sheet_title`, else `sheet_title`, else the file name's stem.
    `meanwhile(data sheet names, exported)` is called, in this thread, while calamine parses the data sheets of a
    workbook whose `_onebook` sheet was read (`exported`: the ids each sheet's export listed): the importer reads
    those records from the database then, instead of after the read.

    Raises:
        UnreadableWorkbook: the file is missing, of another type, damaged, unsafe or too large.
    """
    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        got = f" (got {path.suffix})" if path.suffix else ""
        raise UnreadableWorkbook(f"{path.name} must be .xlsx or .csv{got}; save it as one of those")
    with collector_paused():
        if kind == "csv":
            return _read_csv(path, title=csv_sheet_title or sheet_title or path.stem)
        return _read_xlsx(path, sheet_title=sheet_title, meanwhile=meanwhile)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read (and, by the importer, while it is imported).

    Reading and importing build millions of long-lived container objects (cells, rows, parameters) and no reference
    cycles, so the collector finds nothing, but each of its full passes walks every object built so far: about a
    tenth of reading a 100,000-row export with its `_onebook` sheet, 3 of 21 seconds for a 1,000,000-row sheet, a
    third of importing it. Reference counting frees everything as usual.
    The pause is process-wide (Python has nothing narrower): another thread's cyclic garbage waits until the read
    ends. Only the caller that found the collector running starts it again, so it is never left paused.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


# --- xlsx ---------------------------------------------------------------------------------------------------------


def _read_xlsx(path: Path, *, sheet_title: str | None, meanwhile: Meanwhile | None) -> WorkbookData:
    """Check the archive and scan each sheet; calamine reads each sheet once it has passed its scan.

    calamine parses a sheet without holding the GIL, so it runs in a worker thread (`_CalamineThread`) while this
    thread scans the next sheet and turns parsed sheets into rows. `_onebook` is scanned first: calamine parses it
    while the data sheets are scanned, and `_read_base` (all Python) runs while calamine parses them. That takes a
    quarter to a third off reading a 100,000-row export; a single sheet has nothing to overlap.
    Ordering rules, as in a sequential read: `check` and `verify_parts` pass before calamine opens the workbook,
    and a sheet reaches calamine only once it and every sheet scanned before it passed `scan_worksheet`. Errors are
    raised in the order a sequential read meets them (the data sheets' scans, `_onebook`'s, opening the workbook,
    each data sheet, `_onebook`), whichever thread met them first. `meanwhile` runs once `_onebook` has been read
    without error, before the data sheets are awaited.
    """
    with WorkbookArchive(path) as archive:
        archive.check()
        worksheets = {
            name: part
            for name, part in archive.sheet_parts().items()
            if (head := archive.head(part)) is not None and head.root == DATA_SHEET_ROOT
        }
        names = [name for name in worksheets if name.casefold() not in HIDDEN_SHEETS]
        if sheet_title is not None:
            names = _choose_sheet(path, names, sheet_title)
        onebook = next((name for name in worksheets if name.casefold() == ONEBOOK_SHEET), None)
        # calamine reads the shared strings, styles and workbook parts when it opens the file, then each sheet
        # asked for: every one of them is inflated here first, against its declared size and checksum, and each
        # sheet's real extent is measured.
        archive.verify_parts()
        with _CalamineThread(path) as calamine:
            base_scan: Future[WorksheetScan] | None = None  # its error waits for the data sheets' scans
            if onebook is not None:
                base_scan = _settled(lambda: archive.scan_worksheet(worksheets[onebook], sheet=onebook))
            hand_over = base_scan is None or base_scan.exception() is None
            if onebook is not None and hand_over:
                calamine.parse(onebook)
            formulas: dict[str, set[tuple[int, int]]] = {}
            for name in names:
                scan = archive.scan_worksheet(worksheets[name], sheet=name)
                if hand_over:
                    calamine.parse(name)
                formulas[name] = _formula_cells(archive, worksheets[name]) if scan.has_formulas else set()
            if base_scan is not None:
                base_scan.result()
            calamine.wait_open()
            base_read = None  # its error waits for the data sheets'
            if onebook is not None:
                base_read = _settled(lambda: _calamine(path, lambda: _read_base(path, calamine.sheet(onebook))))
                if meanwhile is not None and base_read.exception() is None:
                    meanwhile(names, base_read.result()[1])
            sheets = [
                _calamine(path, lambda name=name: _read_sheet(calamine.sheet(name), name, formulas[name]))
                for name in names
            ]
            base, exported = base_read.result() if base_read is not None else ({}, {})
    return WorkbookData(sheets=sheets, base=base, exported=exported, kind="xlsx")


class _CalamineThread:
    """One worker thread that parses, in order, the sheets handed to it with calamine.

    It opens the workbook when the first sheet is handed over (or `wait_open` is called), so a file refused by the
    first sheet's scan never reaches calamine. A CalamineWorkbook serves one thread at a time (a second caller gets
    "Already borrowed"): only this thread touches it, and it is closed once the thread has stopped. Leaving the
    `with` block cancels what has not started and waits for what has: no thread outlives the read.
    """

    def __init__(self, path: Path):
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calamine")
        self._book: Future[CalamineWorkbook] | None = None
        self._parsing: dict[str, Future[CalamineSheet]] = {}

    def __enter__(self) -> "_CalamineThread":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None):
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._book is not None and not self._book.cancelled() and self._book.exception() is None:
            self._book.result().close()

    def parse(self, name: str) -> None:
        """Have the thread parse a sheet that has passed its scan."""
        book = self._opened()
        self._parsing[name] = self._executor.submit(
            lambda: _calamine(self._path, lambda: book.result().get_sheet_by_name(name))
        )

    def wait_open(self) -> None:
        """Open the workbook if no sheet has been handed over yet; raise what calamine met opening it."""
        self._opened().result()

    def sheet(self, name: str) -> CalamineSheet:
        """The sheet, once parsed; raise what calamine met opening the workbook or parsing it. Asked once per sheet:
        the thread keeps no reference to the sheet, which is dropped as soon as the caller is done with it."""
        return self._parsing.pop(name).result()

    def _opened(self) -> Future[CalamineWorkbook]:
        if self._book is None:
            path = self._path
            self._book = self._executor.submit(_calamine, path, lambda: CalamineWorkbook.from_path(str(path)))
        return self._book


def _settled(call: Callable[[], T]) -> Future[T]:
    """`call`'s result, or the error it raised, held in a finished Future until the caller's turn to raise it."""
    future: Future[T] = Future()
    try:
        future.set_result(call())
    except Exception as exc:
        future.set_exception(exc)
    return future


def _choose_sheet(path: Path, names: list[str], title: str) -> list[str]:
    wanted = title.strip().casefold()
    chosen = [name for name in names if name.strip().casefold() == wanted]
    if not chosen:
        listed = ", ".join(repr(name) for name in names) or "none"
        raise UnreadableWorkbook(f"{path.name} has no sheet named {title!r}; its sheets are: {listed}")
    return chosen[:1]


def _formula_cells(archive: WorkbookArchive, part: str) -> set[tuple[int, int]]:
    """(row, 0-based column) of the formula cells saved without a result (files written by scripts, not by a
    spreadsheet program): calamine would read them as empty."""
    return {(row, column - 1) for row, column, cached in archive.iter_formula_cells(part) if not cached}


def _calamine(path: Path, read: Callable[[], T]) -> T:
    """Run a calamine call, turning its errors (and a panic in its Rust code) into a message for the user."""
    try:
        return read()
    except (UnreadableWorkbook, AssertionError):
        raise
    except Exception as exc:
        raise UnreadableWorkbook(f"{path.name} could not be read ({exc}); save it again as .xlsx") from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise UnreadableWorkbook(f"{path.name} could not be read; save it again as .xlsx") from None


def _read_sheet(sheet: CalamineSheet, name: str, formula_cells: set[tuple[int, int]]) -> SheetData:
    if sheet.start is None:
        return SheetData(title=name, header=[], rows=[])
    reader = _SheetRows(sheet)
    width = len(reader.header)
    formula_cells = {(row, column) for row, column in formula_cells if column < width}
    formula_rows = {row for row, _ in formula_cells}
    rows = list(reader.rows(keep=formula_rows))
    # calamine's range ends at the last cell with a value: rows holding only unsaved formulas lie beyond it.
    rows.extend((row, [None] * width) for row in sorted(formula_rows) if row > reader.height)
    return SheetData(title=name, header=reader.header, rows=rows, formula_cells=formula_cells)


class _SheetRows:
    """A calamine sheet row by row: its header (the first row with a value, read on creation), then the later rows,
    streamed so that a caller holds only the rows it keeps.

    calamine yields every row from the sheet's first, but each from the data's first column on; the leading
    columns are put back here.
    """

    def __init__(self, sheet: CalamineSheet):
        self.header: list[str] = []
        self.height = 0  # rows calamine's range spans, from the sheet's first
        self._numbered: Iterator[tuple[int, list[Any]]] = iter(())
        self._number = self._full_width = 0
        if sheet.start is None:
            return
        last_row, last_column = sheet.end
        self.height = last_row + 1
        self._full_width = last_column + 1
        self._numbered = enumerate(sheet.iter_rows(), start=1)
        for number, raw in self._numbered:
            values = _cells(raw, self._full_width, self._full_width)
            if values is not None:
                self.header, self._number = _header(values), number
                return
            self._number = number
        self._check_count()

    def rows(self, *, keep: Container[int] = frozenset()) -> Iterator[tuple[int, list[Any]]]:
        """(1-based sheet row number, cells aligned to the header) for each row after the header with a value
        there, and for each row in `keep` even when empty; checks at the end that calamine yielded every row."""
        full_width, width = self._full_width, len(self.header)
        number = self._number
        for number, raw in self._numbered:
            cells = _cells(raw, full_width, width)
            if cells is not None:
                yield number, cells
            elif number in keep:
                yield number, [None] * width
        self._number = number
        self._check_count()

    def _check_count(self) -> None:
        if self._number != self.height:
            raise AssertionError(f"python-calamine yielded {self._number} rows for a sheet ending at row {self.height}")


def _cells(raw: list[Any], full_width: int, width: int) -> list[Any] | None:
    """One row from calamine as `width` cells from column A, None for an empty cell; None for a row with no value.

    Works on calamine's list in place (it is new for every row) rather than building copies: at 100,000 rows the
    copies and a Python loop over every cell cost more than calamine's own parsing. calamine gives an empty cell
    as "" and never gives None, so counting the blanks tells whether anything is left.
    """
    leading = full_width - len(raw)
    if leading <= 0:
        leading = 0
    elif leading >= width:
        return None
    else:
        raw[:0] = [None] * leading
    del raw[width:]
    blanks = raw.count("")
    if blanks + leading == width:
        return None
    at = -1
    for _ in range(blanks):
        at = raw.index("", at + 1)
        raw[at] = None
    return raw


def _header(values: list[Any]) -> list[str]:
    """Column titles as text, trailing empty columns dropped."""
    titles = [_title(value) for value in values]
    while titles and not titles[-1]:
        titles.pop()
    return titles


def _title(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_base(path: Path, sheet: CalamineSheet) -> tuple[dict[tuple[str, int], BaseRow], dict[str, set[int]]]:
    """The `_onebook` records: (sheet title, id) -> version and values, and the ids each sheet's export listed.

    Streamed from calamine: the JSON text of a row is dropped once parsed, instead of every row's text being held
    in Python at once next to the parsed values.
    """
    reader = _SheetRows(sheet)
    if not reader.header:
        return {}, {}
    if [title.casefold() for title in reader.header[: len(ONEBOOK_HEADER)]] != [t.casefold() for t in ONEBOOK_HEADER]:
        raise _damaged_base(path, 1, f"its header should be {', '.join(ONEBOOK_HEADER)}")
    base: dict[tuple[str, int], BaseRow] = {}
    exported: dict[str, set[int]] = {}
    for number, cells in reader.rows():
        title, id_, version, values = cells[:4]
        try:
            if not isinstance(title, str) or not title.strip():
                raise ValueError("no sheet title")
            row_id, row_version = _whole_number(id_), _whole_number(version)
            recorded = _json_object(values)
        except ValueError as exc:
            raise _damaged_base(path, number, str(exc)) from None
        base[(title, row_id)] = BaseRow(version=row_version, values=recorded)
        ids = exported.get(title)
        if ids is None:
            ids = exported[title] = set()
        ids.add(row_id)
    return base, exported


def _json_object(text: Any) -> dict[str, Any]:
    """A Values cell's JSON object, as the standard library's `json.loads` reads it.

    orjson (which wrote it, and parses it several times faster) reads it first. The standard library decides
    whenever the two could differ: orjson refuses NaN, Infinity and lone surrogates, which `json` accepts, and reads
    an integer beyond 64 bits as a float; so a text orjson refuses, or whose values hold a float or a nested list
    or object, is parsed again by `json`.

    Raises:
        ValueError: the cell holds no JSON object.
    """
    if not isinstance(text, str):
        raise ValueError("its Values cell should hold a JSON object")
    try:
        recorded = orjson.loads(text)
        exact = isinstance(recorded, dict) and _PLAIN_JSON_TYPES.issuperset(map(type, recorded.values()))
    except orjson.JSONDecodeError:
        exact = False
    if not exact:
        try:
            recorded = json.loads(text)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: nested deeper than Python recurses
            recorded = None
    if not isinstance(recorded, dict):
        raise ValueError("its Values cell should hold a JSON object")
    return recorded


def _whole_number(value: Any) -> int:
    if type(value) is float and value.is_integer():  # how calamine gives a number: the usual case, checked first
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a whole number, got {value!r}")
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def _damaged_base(path: Path, row: int, problem: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        f"{path.name}: the hidden {ONEBOOK_SHEET} sheet, which records what was exported, is damaged at row {row} "
        f"({problem}); export the workbook again and redo the changes there"
    )


# --- csv ----------------------------------------------------------------------------------------------------------


def _read_csv(path: Path, *, title: str) -> WorkbookData:
    text = _decode_csv(path, _read_bytes(path))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    header: list[str] | None = None
    width = 0
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            values = [value if value != "" else None for value in record]
            if header is None:
                if any(value is not None for value in values):
                    header = _header(values)
                    width = len(header)
                continue
            cells = values[:width]
            cells.extend([None] * (width - len(cells)))
            if any(value is not None for value in cells):
                rows.append((number, cells))
    except csv.Error as exc:
        raise UnreadableWorkbook(f"{path.name} could not be read as CSV at line {reader.line_num}: {exc}") from None
    sheet = SheetData(title=title, header=header or [], rows=rows)
    return WorkbookData(sheets=[sheet], base={}, exported={}, kind="csv")


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        limit = max_workbook_bytes()
        if size > limit:
            raise UnreadableWorkbook(f"{path.name} is {size:,} bytes, more than the {limit:,} allowed; split it")
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableWorkbook(f"{path.name} does not exist") from None
    except IsADirectoryError:
        raise UnreadableWorkbook(f"{path.name} is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableWorkbook(f"{path.name} could not be opened: {exc.strerror or exc}") from None


def _decode_csv(path: Path, raw: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), UTF-16 with one, else cp1252 or latin-1."""
    if raw.startswith(_ZIP_MAGIC):
        raise UnreadableWorkbook(f"{path.name} is an Excel workbook, not a CSV file; rename it to .xlsx")
    if raw.startswith(_OLE_MAGIC):
        raise UnreadableWorkbook(f"{path.name} is an old Excel file (.xls), not a CSV file; save it as .xlsx or .csv")
    try:
        if raw.startswith(_UTF8_BOM):
            text = raw[len(_UTF8_BOM) :].decode("utf-8")
        elif raw.startswith(_UTF16_BOMS):
            text = raw.decode("utf-16")
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = raw.decode(CSV_FALLBACK_ENCODING)
                except UnicodeDecodeError:
                    text = raw.decode("latin-1")
    except UnicodeDecodeError:
        raise UnreadableWorkbook(
            f"{path.name} is not valid text in the encoding it announces; save it again as CSV UTF-8"
        ) from None
    if "\x00" in text:
        raise UnreadableWorkbook(f"{path.name} is not a text file; save the sheet as .csv or .xlsx")
    if not text.strip():
        raise UnreadableWorkbook(f"{path.name} is empty")
    return text


def _sniff_delimiter(text: str) -> str:
    """`,` `;` or tab, from the first lines; the most frequent of them in the first line when sniffing fails."""
    lines = text[:CSV_SNIFF_CHARACTERS].splitlines()
    if len(text) > CSV_SNIFF_CHARACTERS and len(lines) > 1:
        lines.pop()  # cut off mid-line
    sample = "\n".join(lines[:CSV_SNIFF_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        first = next((line for line in lines if line.strip()), "")
        counts = {delimiter: first.count(delimiter) for delimiter in CSV_DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","
