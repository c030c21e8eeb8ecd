"""A local Google Sheets API v4 for tests: real HTTP on 127.0.0.1, spreadsheets in memory, Google's value semantics.

The real gspread client reaches it through `sync.sheets_api` (`api_url=server.url`); the service account signs in at
its token endpoint with a real JWT. Values behave as Google's do: numbers stay numbers, strings strings, booleans
booleans; reads drop trailing empty cells and rows; writes beyond a tab's grid are refused; errors carry Google's JSON
shape. Tests edit tabs as a user would (`set_cell`, `rename_tab`, `delete_tab`), inject failures (`fail_next`) and
latency, and count what a sync sent (`calls`).

Fixtures: `sheets_server` (reset for each test), `service_account_file`, `sheets_sleeps` and `sheets_client`.
"""

import asyncio
import base64
import copy
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SERVICE_ACCOUNT_EMAIL = "onebook-sync@onebook-tests.iam.gserviceaccount.com"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
API_PREFIX = "/v4/spreadsheets/"
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
FAILURE_MESSAGES = {
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service "
    "'sheets.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "The request timed out.",
}
_CELL_RANGE = re.compile(r"^([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class GoogleError(Exception):
    """An error answered in Google's shape: {"error": {"code", "message", "status"}}."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        status = STATUS_NAMES.get(self.code, "UNKNOWN")
        return JSONResponse({"error": {"code": self.code, "message": self.message, "status": status}}, self.code)


# --- A1 notation --------------------------------------------------------------------------------------------------


def column_index(letters: str) -> int:
    """0-based index of a column's letters (A -> 0, AA -> 26)."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def column_letters(index: int) -> str:
    """Letters of a 0-based column index (0 -> A)."""
    index += 1
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def quoted(title: str) -> str:
    """A title as Google echoes it in ranges: bare when it is a plain word, else single-quoted."""
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) else "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class GridRange:
    """0-based start, exclusive end; an end of None runs to the edge of the grid."""

    start_row: int = 0
    start_column: int = 0
    end_row: int | None = None
    end_column: int | None = None
    single_cell: bool = False


def split_range(text: str) -> tuple[str | None, str | None]:
    """('Sales Orders', 'A1:C3') from "'Sales Orders'!A1:C3"; (None, text) when no sheet is named."""
    if text.startswith("'"):
        title, position = [], 1
        while position < len(text):
            if text[position] == "'":
                if text[position + 1 : position + 2] == "'":
                    title.append("'")
                    position += 2
                    continue
                break
            title.append(text[position])
            position += 1
        else:
            raise GoogleError(400, f"Unable to parse range: {text}")
        rest = text[position + 1 :]
        if not rest:
            return "".join(title), None
        if not rest.startswith("!"):
            raise GoogleError(400, f"Unable to parse range: {text}")
        return "".join(title), rest[1:]
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


def parse_cells(cells: str, text: str) -> GridRange:
    """A1 cells (`A1`, `A1:C3`, `A2:C`, `A:C`, `2:5`) as a GridRange."""
    match = _CELL_RANGE.match(cells)
    if not cells or not match or not (match[1] or match[2]):
        raise GoogleError(400, f"Unable to parse range: {text}")
    start_letters, start_digits, end_letters, end_digits = match.groups()
    if start_digits == "0" or end_digits == "0":
        raise GoogleError(400, f"Unable to parse range: {text}")
    start_row = int(start_digits) - 1 if start_digits else 0
    start_column = column_index(start_letters) if start_letters else 0
    if ":" not in cells:
        if not (start_letters and start_digits):
            raise GoogleError(400, f"Unable to parse range: {text}")
        return GridRange(start_row, start_column, start_row + 1, start_column + 1, single_cell=True)
    end_row = int(end_digits) if end_digits else None
    end_column = column_index(end_letters) + 1 if end_letters else None
    if end_row is not None and end_row <= start_row:
        start_row, end_row = end_row - 1, start_row + 1
    if end_column is not None and end_column <= start_column:
        start_column, end_column = end_column - 1, start_column + 1
    return GridRange(start_row, start_column, end_row, end_column)


# --- spreadsheets in memory ---------------------------------------------------------------------------------------


def normalized(value: Any) -> Any:
    """A stored value: Google keeps numbers as doubles and answers integral ones without a fraction."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def user_entered(value: Any) -> Any:
    """What Sheets makes of typed text: numbers, TRUE/FALSE, a leading apostrophe keeps text as text."""
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    if _NUMBER.match(value.strip()):
        return float(value.strip())
    return value


def formatted(value: Any) -> Any:
    """The FORMATTED_VALUE rendering (without number formats)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value if isinstance(value, str) else str(value)


@dataclass
class FakeSheet:
    """One tab: its grid, its non-empty cells, and the formatting requests applied to it."""

    sheet_id: int
    title: str
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    frozen_row_count: int = 0
    hidden: bool = False
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, column), 0-based -> non-empty value
    formats: list[dict[str, Any]] = field(default_factory=list)  # repeatCell requests
    validations: list[dict[str, Any]] = field(default_factory=list)  # setDataValidation requests
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    dimension_properties: list[dict[str, Any]] = field(default_factory=list)  # updateDimensionProperties requests

    def properties(self, index: int) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_row_count:
            grid["frozenRowCount"] = self.frozen_row_count
        properties = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            properties["hidden"] = True
        return properties

    def set(self, row: int, column: int, value: Any) -> None:
        if value is None or value == "":
            self.cells.pop((row, column), None)
        else:
            self.cells[(row, column)] = normalized(value)

    def clip(self, grid_range: GridRange) -> tuple[int, int, int, int]:
        """(start_row, start_column, end_row, end_column) of a range cut to the grid."""
        end_row = self.row_count if grid_range.end_row is None else min(grid_range.end_row, self.row_count)
        end_column = (
            self.column_count if grid_range.end_column is None else min(grid_range.end_column, self.column_count)
        )
        return grid_range.start_row, grid_range.start_column, end_row, end_column

    def a1(self, start_row: int, start_column: int, end_row: int, end_column: int) -> str:
        start, end = f"{column_letters(start_column)}{start_row + 1}", f"{column_letters(end_column - 1)}{end_row}"
        return f"{quoted(self.title)}!{start}:{end}"

    def read(self, grid_range: GridRange) -> tuple[str, list[list[Any]]]:
        """The range in A1 and its rows; trailing empty cells and rows dropped, inner gaps as ""."""
        start_row, start_column, end_row, end_column = self.clip(grid_range)
        inside = {
            (row, column): value
            for (row, column), value in self.cells.items()
            if start_row <= row < end_row and start_column <= column < end_column
        }
        rows: list[list[Any]] = []
        if inside:
            last_row = max(row for row, _ in inside)
            for row in range(start_row, last_row + 1):
                columns = [column for (r, column) in inside if r == row]
                width = max(columns) - start_column + 1 if columns else 0
                rows.append([inside.get((row, start_column + offset), "") for offset in range(width)])
        return self.a1(start_row, start_column, max(end_row, start_row + 1), max(end_column, start_column + 1)), rows

    def values(self) -> list[list[Any]]:
        return self.read(GridRange())[1]

    def resize(self, rows: int, columns: int) -> None:
        self.row_count, self.column_count = rows, columns
        self.cells = {(r, c): v for (r, c), v in self.cells.items() if r < rows and c < columns}


@dataclass
class FakeSpreadsheet:
    """A spreadsheet: its tabs in order, who may use it, and every spreadsheets:batchUpdate request applied."""

    spreadsheet_id: str
    title: str
    shared: bool | str = True  # True: editor; "reader": read-only; False: not shared with the service account
    sheets: list[FakeSheet] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    next_protected_range_id: int = 1

    def sheet(self, title: str) -> FakeSheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(f"spreadsheet {self.spreadsheet_id!r} has no tab {title!r}")

    def sheet_by_id(self, sheet_id: Any, where: str) -> FakeSheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise GoogleError(400, f"Invalid {where}: No grid with id: {sheet_id}")

    def resolve(self, text: str) -> tuple[FakeSheet, GridRange]:
        """The tab and cells an A1 range names, as Google resolves them (a bare title is a whole tab)."""
        title, cells = split_range(text)
        if title is None:
            if any(sheet.title == text for sheet in self.sheets):
                return self.sheet(text), GridRange()
            sheet = next((s for s in self.sheets if not s.hidden), self.sheets[0])
            return sheet, parse_cells(text, text)
        matches = [sheet for sheet in self.sheets if sheet.title == title]
        if not matches:
            raise GoogleError(400, f"Unable to parse range: {text}")
        return matches[0], GridRange() if cells is None else parse_cells(cells, text)

    def metadata(self, base_url: str) -> dict[str, Any]:
        sheets = []
        for index, sheet in enumerate(self.sheets):
            entry: dict[str, Any] = {"properties": sheet.properties(index)}
            if sheet.protected_ranges:
                entry["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
            sheets.append(entry)
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": "en_US", "timeZone": "Etc/GMT", "autoRecalc": "ON_CHANGE"},
            "sheets": sheets,
            "spreadsheetUrl": f"{base_url}/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    def write(self, text: str, values: list[list[Any]], *, input_option: str, major_dimension: str = "ROWS") -> dict:
        """values.update semantics: from the range's start, within its bounds and the grid; None leaves a cell be."""
        sheet, grid_range = self.resolve(text)
        if major_dimension == "COLUMNS":
            width = max((len(column) for column in values), default=0)
            values = [[column[i] if i < len(column) else None for column in values] for i in range(width)]
        height = len(values)
        width = max((len(row) for row in values), default=0)
        if not grid_range.single_cell:
            if grid_range.end_row is not None and grid_range.start_row + height > grid_range.end_row:
                raise GoogleError(
                    400,
                    f"Requested writing within range [{text}], but tried writing to row "
                    f"[{grid_range.start_row + height}]",
                )
            if grid_range.end_column is not None and grid_range.start_column + width > grid_range.end_column:
                raise GoogleError(
                    400,
                    f"Requested writing within range [{text}], but tried writing to column "
                    f"[{column_letters(grid_range.start_column + width - 1)}]",
                )
        last_row = grid_range.start_row + max(height, 1)
        last_column = grid_range.start_column + max(width, 1)
        if last_row > sheet.row_count or last_column > sheet.column_count:
            raise GoogleError(
                400,
                f"Range ({sheet.a1(grid_range.start_row, grid_range.start_column, last_row, last_column)}) exceeds "
                f"grid limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}",
            )
        for row_offset, row in enumerate(values):
            for column_offset, value in enumerate(row):
                if value is None:
                    continue
                if input_option == "USER_ENTERED":
                    value = user_entered(value)
                sheet.set(grid_range.start_row + row_offset, grid_range.start_column + column_offset, value)
        updated = sheet.a1(grid_range.start_row, grid_range.start_column, last_row, last_column)
        return {
            "spreadsheetId": self.spreadsheet_id,
            "updatedRange": updated,
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": sum(len(row) for row in values),
        }

    def clear(self, text: str) -> str:
        sheet, grid_range = self.resolve(text)
        start_row, start_column, end_row, end_column = sheet.clip(grid_range)
        for row, column in list(sheet.cells):
            if start_row <= row < end_row and start_column <= column < end_column:
                del sheet.cells[(row, column)]
        return sheet.a1(start_row, start_column, end_row, end_column)


# --- the server ---------------------------------------------------------------------------------------------------


@dataclass
class _Failure:
    status: int
    remaining: int
    methods: frozenset[str] | None
    paths: tuple[str, ...] | None

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.paths is None:
            return path != "/token"  # google-auth retries its token requests itself, sleeping for real
        return any(fragment in path for fragment in self.paths)


class FakeSheetsServer:
    """The Sheets API v4 and Google's OAuth token endpoint, served by uvicorn in a background thread."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, FakeSpreadsheet] = {}
        self._failures: list[_Failure] = []
        self._tokens: dict[str, str] = {}  # access token -> service account email
        self._next_sheet_id = 1
        self.latency = 0.0
        self.refuse_credentials = False  # answer the token endpoint with invalid_grant, as for a deleted key
        self.calls: list[tuple[str, str]] = []
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST", "PUT", "DELETE"])])

    # --- lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, name="fake-sheets-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Sheets API did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def reset(self) -> None:
        """Forget spreadsheets, calls, pending failures and latency."""
        with self._lock:
            self._spreadsheets.clear()
            self._failures.clear()
            self.calls.clear()
            self.latency = 0.0
            self.refuse_credentials = False

    # --- what tests set up and inspect

    def add_spreadsheet(
        self,
        spreadsheet_id: str,
        tabs: dict[str, list[list[Any]]] | None = None,
        *,
        shared: bool | str = True,
        title: str | None = None,
    ) -> FakeSpreadsheet:
        """A spreadsheet with tabs {title: rows}; `shared` False means not shared with the service account."""
        with self._lock:
            spreadsheet = FakeSpreadsheet(spreadsheet_id, title or f"Spreadsheet {spreadsheet_id}", shared)
            for tab_title, rows in (tabs or {"Sheet1": []}).items():
                sheet = FakeSheet(
                    self._new_sheet_id(),
                    tab_title,
                    row_count=max(DEFAULT_ROWS, len(rows)),
                    column_count=max(DEFAULT_COLUMNS, *(len(row) for row in rows), 0),
                )
                for row_index, row in enumerate(rows):
                    for column_index_, value in enumerate(row):
                        sheet.set(row_index, column_index_, value)
                spreadsheet.sheets.append(sheet)
            self._spreadsheets[spreadsheet_id] = spreadsheet
            return spreadsheet

    def spreadsheet(self, spreadsheet_id: str) -> FakeSpreadsheet:
        with self._lock:
            return self._spreadsheets[spreadsheet_id]

    def sheet(self, spreadsheet_id: str, title: str) -> FakeSheet:
        """A tab, to inspect its grid, formats, validations and protected ranges."""
        with self._lock:
            return self._spreadsheets[spreadsheet_id].sheet(title)

    def tab(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """A tab's values as the API would answer them unformatted."""
        with self._lock:
            return self.sheet(spreadsheet_id, title).values()

    def tab_titles(self, spreadsheet_id: str) -> list[str]:
        with self._lock:
            return [sheet.title for sheet in self._spreadsheets[spreadsheet_id].sheets]

    def set_cell(self, spreadsheet_id: str, title: str, cell: str, value: Any) -> None:
        """A user typing `value` into `cell` (like "C7"); None or "" empties it. The grid grows to fit."""
        with self._lock:
            sheet = self.sheet(spreadsheet_id, title)
            grid_range = parse_cells(cell, cell)
            sheet.row_count = max(sheet.row_count, grid_range.start_row + 1)
            sheet.column_count = max(sheet.column_count, grid_range.start_column + 1)
            sheet.set(grid_range.start_row, grid_range.start_column, value)

    def rename_tab(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        with self._lock:
            self.sheet(spreadsheet_id, title).title = new_title

    def delete_tab(self, spreadsheet_id: str, title: str) -> None:
        with self._lock:
            spreadsheet = self._spreadsheets[spreadsheet_id]
            spreadsheet.sheets.remove(spreadsheet.sheet(title))

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        methods: str | Iterable[str] | None = None,
        paths: str | Iterable[str] | None = None,
    ) -> None:
        """Answer the next `count` matching API requests with `status` in Google's error shape.

        `methods` ("GET", "POST", ...) and `paths` (substrings of the decoded path, like "values:batchGet" or
        ":batchUpdate") narrow which requests fail; the token endpoint fails only when a path names "/token".
        """
        method_set = None if methods is None else frozenset([methods] if isinstance(methods, str) else methods)
        path_list = None if paths is None else tuple([paths] if isinstance(paths, str) else paths)
        with self._lock:
            self._failures.append(_Failure(status, count, method_set, path_list))

    @property
    def api_calls(self) -> list[tuple[str, str]]:
        """Calls to the Sheets API, without the token endpoint."""
        with self._lock:
            return [call for call in self.calls if call[1] != "/token"]

    def _new_sheet_id(self) -> int:
        self._next_sheet_id += 1
        return self._next_sheet_id * 1000 + 7

    # --- HTTP

    async def _dispatch(self, request: Request) -> Response:
        method = request.method
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("ascii")
        path = unquote(raw_path)
        with self._lock:
            self.calls.append((method, path))
            latency = self.latency
            failure = next((f for f in self._failures if f.remaining > 0 and f.matches(method, path)), None)
            if failure is not None:
                failure.remaining -= 1
                self._failures = [f for f in self._failures if f.remaining > 0]
        try:
            body = await request.body()
        except ClientDisconnect:
            return Response(status_code=499)
        if latency:
            await asyncio.sleep(latency)
        if failure is not None:
            return self._failure_response(failure.status)
        try:
            if raw_path == "/token" and method == "POST":
                return self._token(body)
            if not raw_path.startswith(API_PREFIX):
                raise GoogleError(404, f"The requested URL {path} was not found on this server.")
            email = self._authenticated(request)
            payload = json.loads(body) if body else {}
            with self._lock:
                return JSONResponse(self._api(request, method, raw_path[len(API_PREFIX) :], payload, email))
        except GoogleError as error:
            return error.response()
        except json.JSONDecodeError:
            return GoogleError(400, "Invalid JSON payload received.").response()

    @staticmethod
    def _failure_response(status: int) -> Response:
        if status == 502:  # Google's front end answers 502 with an HTML page, not JSON
            return Response("<html><title>Error 502 (Server Error)!!1</title></html>", 502, media_type="text/html")
        return GoogleError(status, FAILURE_MESSAGES.get(status, "Injected failure.")).response()

    def _token(self, body: bytes) -> Response:
        form = parse_qs(body.decode())
        grant_type = form.get("grant_type", [""])[0]
        if grant_type != JWT_BEARER_GRANT:
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant_type}"}, 400
            )
        try:
            claims = json.loads(_b64decode(form["assertion"][0].split(".")[1]))
        except (KeyError, IndexError, ValueError):
            return JSONResponse({"error": "invalid_grant", "error_description": "Invalid JWT."}, 400)
        if self.refuse_credentials:
            return JSONResponse({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, 400)
        token = "ya29.fake-" + secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = str(claims.get("iss", ""))
        return JSONResponse({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _authenticated(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            email = self._tokens.get(token) if scheme.lower() == "bearer" else None
        if email is None:
            raise GoogleError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                "other valid authentication credential.",
            )
        return email

    def _spreadsheet_for(self, spreadsheet_id: str, *, writes: bool) -> FakeSpreadsheet:
        spreadsheet = self._spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            raise GoogleError(404, "Requested entity was not found.")
        if spreadsheet.shared is False or (writes and spreadsheet.shared is not True):  # "reader" may only read
            raise GoogleError(403, "The caller does not have permission")
        return spreadsheet

    def _api(self, request: Request, method: str, rest: str, payload: dict[str, Any], email: str) -> dict[str, Any]:
        query = request.query_params
        if "/" not in rest:
            if rest.endswith(":batchUpdate") and method == "POST":
                spreadsheet = self._spreadsheet_for(unquote(rest[: -len(":batchUpdate")]), writes=True)
                return self._batch_update(spreadsheet, payload.get("requests", []))
            if ":" not in rest and method == "GET":
                return self._spreadsheet_for(unquote(rest), writes=False).metadata(self.url)
            raise GoogleError(404, f"Method not found: {method} {rest}")
        spreadsheet_id, tail = rest.split("/", 1)
        spreadsheet_id = unquote(spreadsheet_id)
        if tail == "values:batchGet" and method == "GET":
            spreadsheet = self._spreadsheet_for(spreadsheet_id, writes=False)
            ranges = query.getlist("ranges")
            value_ranges = [self._read(spreadsheet, text, query) for text in ranges]
            return {"spreadsheetId": spreadsheet_id, "valueRanges": value_ranges}
        if tail == "values:batchUpdate" and method == "POST":
            spreadsheet = self._spreadsheet_for(spreadsheet_id, writes=True)
            return self._values_batch_update(spreadsheet, payload)
        if tail == "values:batchClear" and method == "POST":
            spreadsheet = self._spreadsheet_for(spreadsheet_id, writes=True)
            staged = copy.deepcopy(spreadsheet)
            cleared = [staged.clear(text) for text in payload.get("ranges", [])]
            self._spreadsheets[spreadsheet_id] = staged
            return {"spreadsheetId": spreadsheet_id, "clearedRanges": cleared}
        if tail.startswith("values/"):
            encoded = tail[len("values/") :]
            if method == "POST" and encoded.endswith(":clear"):
                spreadsheet = self._spreadsheet_for(spreadsheet_id, writes=True)
                return {"spreadsheetId": spreadsheet_id, "clearedRange": spreadsheet.clear(unquote(encoded[:-6]))}
            if method == "POST" and encoded.endswith(":append"):
                spreadsheet = self._spreadsheet_for(spreadsheet_id, writes=True)
                return self._append(spreadsheet, unquote(encoded[: -len(":append")]), payload, query)
            text = unquote(encoded)
            if method == "GET":
                return self._read(self._spreadsheet_for(spreadsheet_id, writes=False), text, query)
            if method == "PUT":
                spreadsheet = self._spreadsheet_for(spreadsheet_id, writes=True)
                input_option = self._input_option(query.get("valueInputOption"))
                staged = copy.deepcopy(spreadsheet)
                result = staged.write(
                    text,
                    payload.get("values", []),
                    input_option=input_option,
                    major_dimension=payload.get("majorDimension", "ROWS"),
                )
                self._spreadsheets[spreadsheet_id] = staged
                return result
        raise GoogleError(404, f"Method not found: {method} {tail}")

    @staticmethod
    def _input_option(option: str | None) -> str:
        if not option:
            raise GoogleError(400, "'valueInputOption' is required but not specified")
        if option not in ("RAW", "USER_ENTERED"):
            raise GoogleError(400, f"Invalid value at 'value_input_option' ({option})")
        return option

    @staticmethod
    def _read(spreadsheet: FakeSpreadsheet, text: str, query: Any) -> dict[str, Any]:
        sheet, grid_range = spreadsheet.resolve(text)
        a1, rows = sheet.read(grid_range)
        if query.get("valueRenderOption", "FORMATTED_VALUE") == "FORMATTED_VALUE":
            rows = [[formatted(value) for value in row] for row in rows]
        major = query.get("majorDimension", "ROWS")
        result: dict[str, Any] = {"range": a1, "majorDimension": major}
        if major == "COLUMNS" and rows:
            width = max(len(row) for row in rows)
            columns = [[row[i] if i < len(row) else "" for row in rows] for i in range(width)]
            rows = [_without_trailing_blanks(column) for column in columns]
        if rows:
            result["values"] = rows
        return result

    def _values_batch_update(self, spreadsheet: FakeSpreadsheet, payload: dict[str, Any]) -> dict[str, Any]:
        input_option = self._input_option(payload.get("valueInputOption"))
        staged = copy.deepcopy(spreadsheet)  # all or nothing, like Google
        responses = [
            staged.write(
                item["range"],
                item.get("values", []),
                input_option=input_option,
                major_dimension=item.get("majorDimension", "ROWS"),
            )
            for item in payload.get("data", [])
        ]
        self._spreadsheets[spreadsheet.spreadsheet_id] = staged
        return {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
            "responses": responses,
        }

    def _append(self, spreadsheet: FakeSpreadsheet, text: str, payload: dict[str, Any], query: Any) -> dict[str, Any]:
        input_option = self._input_option(query.get("valueInputOption"))
        staged = copy.deepcopy(spreadsheet)
        sheet, grid_range = staged.resolve(text)
        values = payload.get("values", [])
        first_free = 1 + max((row for row, _ in sheet.cells), default=-1)
        needed = first_free + len(values)
        sheet.row_count = max(sheet.row_count, needed)  # append grows the grid
        start = f"{quoted(sheet.title)}!{column_letters(grid_range.start_column)}{first_free + 1}"
        updates = staged.write(start, values, input_option=input_option)
        self._spreadsheets[spreadsheet.spreadsheet_id] = staged
        return {"spreadsheetId": spreadsheet.spreadsheet_id, "tableRange": text, "updates": updates}

    def _batch_update(self, spreadsheet: FakeSpreadsheet, requests: list[dict[str, Any]]) -> dict[str, Any]:
        staged = copy.deepcopy(spreadsheet)  # all or nothing, like Google
        replies = []
        for number, request in enumerate(requests):
            if len(request) != 1:
                raise GoogleError(400, f"Invalid requests[{number}]: exactly one kind of request must be set")
            (kind, body), where = next(iter(request.items())), f"requests[{number}].{next(iter(request))}"
            handler = getattr(self, f"_request_{kind}", None)
            if handler is None:
                raise GoogleError(400, f"Invalid {where}: the fake Sheets API does not implement {kind}")
            replies.append(handler(staged, body, where))
        staged.requests.extend(copy.deepcopy(requests))
        self._spreadsheets[spreadsheet.spreadsheet_id] = staged
        return {"spreadsheetId": spreadsheet.spreadsheet_id, "replies": replies}

    def _request_addSheet(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict[str, Any]:
        properties = body.get("properties", {})
        title = properties.get("title") or f"Sheet{len(spreadsheet.sheets) + 1}"
        if any(sheet.title.casefold() == title.casefold() for sheet in spreadsheet.sheets):
            raise GoogleError(
                400, f'Invalid {where}: A sheet with the name "{title}" already exists. Please enter another name.'
            )
        sheet_id = properties.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_sheet_id()
        elif any(sheet.sheet_id == sheet_id for sheet in spreadsheet.sheets):
            raise GoogleError(400, f"Invalid {where}: Sheet with id {sheet_id} already exists.")
        grid = properties.get("gridProperties", {})
        sheet = FakeSheet(
            sheet_id,
            title,
            row_count=grid.get("rowCount", DEFAULT_ROWS),
            column_count=grid.get("columnCount", DEFAULT_COLUMNS),
            frozen_row_count=grid.get("frozenRowCount", 0),
            hidden=properties.get("hidden", False),
        )
        spreadsheet.sheets.insert(properties.get("index", len(spreadsheet.sheets)), sheet)
        return {"addSheet": {"properties": sheet.properties(spreadsheet.sheets.index(sheet))}}

    def _request_deleteSheet(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict[str, Any]:
        sheet = spreadsheet.sheet_by_id(body.get("sheetId"), where)
        if len(spreadsheet.sheets) == 1:
            raise GoogleError(400, f"Invalid {where}: You can't remove all the sheets in a document.")
        spreadsheet.sheets.remove(sheet)
        return {}

    def _request_updateSheetProperties(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str
    ) -> dict[str, Any]:
        properties = body.get("properties", {})
        sheet = spreadsheet.sheet_by_id(properties.get("sheetId"), where)
        fields = body.get("fields", "")
        if not fields:
            raise GoogleError(400, f"Invalid {where}: At least one field must be updated.")
        grid = properties.get("gridProperties", {})
        wanted = (
            [name.strip() for name in fields.split(",")] if fields != "*" else ["title", "gridProperties", "hidden"]
        )
        for name in wanted:
            if name == "title":
                title = properties.get("title", "")
                if any(s is not sheet and s.title.casefold() == title.casefold() for s in spreadsheet.sheets):
                    raise GoogleError(400, f'Invalid {where}: A sheet with the name "{title}" already exists.')
                sheet.title = title
            elif name == "hidden":
                sheet.hidden = bool(properties.get("hidden", False))
            elif name == "index":
                spreadsheet.sheets.remove(sheet)
                spreadsheet.sheets.insert(properties.get("index", 0), sheet)
            elif name in ("gridProperties", "gridProperties.rowCount", "gridProperties.columnCount"):
                rows = (
                    grid.get("rowCount", sheet.row_count) if name != "gridProperties.columnCount" else sheet.row_count
                )
                columns = (
                    grid.get("columnCount", sheet.column_count)
                    if name != "gridProperties.rowCount"
                    else sheet.column_count
                )
                sheet.resize(rows, columns)
                if name == "gridProperties":
                    sheet.frozen_row_count = grid.get("frozenRowCount", 0)
            elif name == "gridProperties.frozenRowCount":
                sheet.frozen_row_count = grid.get("frozenRowCount", 0)
        return {}

    def _request_appendDimension(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict:
        sheet = spreadsheet.sheet_by_id(body.get("sheetId"), where)
        length = int(body.get("length", 0))
        if length < 1:
            raise GoogleError(400, f"Invalid {where}: length must be at least 1")
        if body.get("dimension") == "ROWS":
            sheet.row_count += length
        elif body.get("dimension") == "COLUMNS":
            sheet.column_count += length
        else:
            raise GoogleError(400, f"Invalid {where}: dimension must be ROWS or COLUMNS")
        return {}

    def _request_updateCells(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict:
        start = body.get("start") or {
            "sheetId": body.get("range", {}).get("sheetId"),
            "rowIndex": body.get("range", {}).get("startRowIndex", 0),
            "columnIndex": body.get("range", {}).get("startColumnIndex", 0),
        }
        sheet = spreadsheet.sheet_by_id(start.get("sheetId"), where)
        fields = body.get("fields", "")
        if fields != "*" and "userEnteredValue" not in fields.split(","):
            return {}
        for row_offset, row in enumerate(body.get("rows", [])):
            for column_offset, cell in enumerate(row.get("values", [])):
                entered = cell.get("userEnteredValue", {})
                value = next(iter(entered.values()), None)
                row_index = start.get("rowIndex", 0) + row_offset
                column_index_ = start.get("columnIndex", 0) + column_offset
                if row_index >= sheet.row_count or column_index_ >= sheet.column_count:
                    raise GoogleError(400, f"Invalid {where}: range exceeds grid limits")
                sheet.set(row_index, column_index_, value)
        return {}

    def _request_repeatCell(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict:
        spreadsheet.sheet_by_id(body.get("range", {}).get("sheetId"), where).formats.append(body)
        return {}

    def _request_setDataValidation(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict:
        condition = body.get("rule", {}).get("condition", {})
        if body.get("rule") and condition.get("type") == "ONE_OF_LIST" and not condition.get("values"):
            raise GoogleError(400, f"Invalid {where}: ONE_OF_LIST condition needs at least one value")
        spreadsheet.sheet_by_id(body.get("range", {}).get("sheetId"), where).validations.append(body)
        return {}

    def _request_addProtectedRange(self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str) -> dict:
        protected = copy.deepcopy(body.get("protectedRange", {}))
        sheet = spreadsheet.sheet_by_id(protected.get("range", {}).get("sheetId"), where)
        protected["protectedRangeId"] = spreadsheet.next_protected_range_id
        spreadsheet.next_protected_range_id += 1
        sheet.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": protected}}

    def _request_updateDimensionProperties(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str
    ) -> dict[str, Any]:
        spreadsheet.sheet_by_id(body.get("range", {}).get("sheetId"), where).dimension_properties.append(body)
        return {}

    def _request_updateSpreadsheetProperties(
        self, spreadsheet: FakeSpreadsheet, body: dict[str, Any], where: str
    ) -> dict[str, Any]:
        if "title" in body.get("fields", "") or body.get("fields") == "*":
            spreadsheet.title = body.get("properties", {}).get("title", spreadsheet.title)
        return {}


def _without_trailing_blanks(values: list[Any]) -> list[Any]:
    end = len(values)
    while end and values[end - 1] == "":
        end -= 1
    return values[:end]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


# --- fixtures -----------------------------------------------------------------------------------------------------


@cache
def service_account_private_key() -> str:
    """One RSA key per test session (PEM, PKCS#8), so google-auth signs real JWTs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def service_account_info(token_url: str, *, email: str = SERVICE_ACCOUNT_EMAIL) -> dict[str, str]:
    """A service-account key in Google's JSON layout whose token_uri is `token_url`."""
    return {
        "type": "service_account",
        "project_id": "onebook-tests",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": service_account_private_key(),
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_url,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }


@pytest.fixture(scope="session")
def running_sheets_server() -> Iterator[FakeSheetsServer]:
    server = FakeSheetsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sheets_server(running_sheets_server: FakeSheetsServer) -> Iterator[FakeSheetsServer]:
    """The fake Sheets API, empty at the start of each test."""
    running_sheets_server.reset()
    yield running_sheets_server
    running_sheets_server.reset()


@pytest.fixture
def service_account_file(tmp_path: Path, sheets_server: FakeSheetsServer) -> Path:
    """A service-account key file (ONEBOOK_GOOGLE_CREDENTIALS) that signs in at the fake server."""
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(service_account_info(f"{sheets_server.url}/token"), indent=2))
    return path


@pytest.fixture
def sheets_sleeps() -> list[float]:
    """The backoff delays `sheets_client` would have slept, in order."""
    return []


@pytest.fixture
def sheets_client(service_account_file: Path, sheets_server: FakeSheetsServer, sheets_sleeps: list[float]) -> Any:
    """A `sync.sheets_api.SheetsClient` on the real gspread client, talking to the fake; it never really sleeps."""
    from sync.sheets_api import client_from_settings

    return client_from_settings(str(service_account_file), api_url=sheets_server.url, sleep=sheets_sleeps.append)
