"""Google Sheets through the real gspread client: one batched read, one batched write, retries we control.

A `SheetsClient` wraps a gspread client whose HTTP client is a `SheetsHTTPClient`. That subclass sends every request
(to a local server when `ONEBOOK_SHEETS_API_URL` names one), retries 429 and 5xx with full-jitter exponential backoff,
and reports each attempt so a sync can count the calls it spent of Google's per-minute quota. Everything a user can
fix (a spreadsheet missing or not shared, bad credentials, an exhausted quota) is a `SheetsUnavailable` whose message
says what to do.
"""

import functools
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google.auth.exceptions
import gspread
import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 64.0
DEFAULT_TIMEOUT_SECONDS = (10.0, 120.0)  # connect, read: gspread waits forever otherwise
NEW_TAB_ROWS = 1000  # what Google gives a new tab by default
NEW_TAB_COLUMNS = 26
CREDENTIALS_SETTING = "ONEBOOK_GOOGLE_CREDENTIALS"

_RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout, google.auth.exceptions.TransportError)
_STALE_LAYOUT_MESSAGES = ("Unable to parse range", "exceeds grid limits")  # a tab renamed, deleted or shrunk meanwhile


class SheetsUnavailable(Exception):
    """Google Sheets cannot be used right now; the message tells the user why and what to do."""


@dataclass
class Tab:
    """One tab's values as the API returns them unformatted (str, int, float, bool; dates as serial numbers)."""

    title: str
    sheet_id: int
    rows: list[list[Any]]

    @property
    def size(self) -> tuple[int, int]:
        """(rows, columns) the values occupy: what `write_tabs(previous_sizes=...)` needs to blank stale cells."""
        return len(self.rows), max((len(row) for row in self.rows), default=0)


@dataclass
class TabSpec:
    """A tab to create: its header row, dropdowns (by column index), and columns protected against edits."""

    title: str
    header: list[str]
    choices: dict[int, list[str]] = field(default_factory=dict)  # strict dropdowns (enums)
    references: dict[int, list[str]] = field(default_factory=dict)  # suggested values (natural keys), not enforced
    protected_columns: list[int] = field(default_factory=list)  # read-only columns: editing them warns
    rows: int = 0  # rows about to be written: the tab is created that tall, so no second request has to grow it
    #: column index -> (number format type, pattern), e.g. ("DATE", "yyyy-mm-dd"), so serial numbers show as dates
    formats: dict[int, tuple[str, str]] = field(default_factory=dict)


# --- HTTP ---------------------------------------------------------------------------------------------------------


def request_kind(method: str, url: str) -> str:
    """The API method a request calls, named as Google's reference does (`values.batchGet`, `spreadsheets.get`)."""
    path = urlsplit(url).path
    if "/v4/spreadsheets/" not in path:
        return "drive" if "/drive/" in path else "other"
    rest = path.split("/v4/spreadsheets/", 1)[1]
    if "/values:" in rest:
        return "values." + rest.rsplit("/values:", 1)[1]
    if "/values/" in rest:
        for suffix in ("clear", "append"):
            if rest.endswith(":" + suffix):
                return "values." + suffix
        return "values.update" if method.upper() == "PUT" else "values.get"
    if rest.endswith(":batchUpdate"):
        return "spreadsheets.batchUpdate"
    if "/sheets/" in rest:
        return "sheets.copyTo"
    return "spreadsheets.get"


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client, sending to `api_url` and retrying 429, 5xx and connection errors with full jitter.

    Unlike gspread's `BackOffHTTPClient` its state is per instance and its sleep is injectable. Each attempt is
    reported to `attempt_listeners` with its kind, so retries count as the calls they are.
    """

    def __init__(
        self,
        auth: Any,
        session: requests.Session | None = None,
        *,
        api_url: str = GOOGLE_SHEETS_URL,
        max_attempts: int = 6,
        sleep: Callable[[float], Any] = time.sleep,
        random: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(auth, session)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.api_url = api_url.rstrip("/")
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.random = random
        self.timeout = DEFAULT_TIMEOUT_SECONDS
        self.attempt_listeners: list[Callable[[str], None]] = []

    def backoff_delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...): uniform in [0, min(cap, base * 2**(retry-1))]."""
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (retry - 1))
        return ceiling * self.random()

    def local_url(self, endpoint: str) -> str:
        """The endpoint with Google's Sheets host replaced by `api_url`."""
        if endpoint.startswith(GOOGLE_SHEETS_URL):
            return self.api_url + endpoint[len(GOOGLE_SHEETS_URL) :]
        return endpoint

    def request(
        self,
        method: str,
        endpoint: str,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Any = None,
    ) -> requests.Response:
        url = self.local_url(endpoint)
        kind = request_kind(method, url)
        for attempt in range(1, self.max_attempts + 1):
            for listener in self.attempt_listeners:
                listener(kind)
            try:
                response = self.session.request(
                    method=method,
                    url=url,
                    params=params,
                    data=data,
                    json=json,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                )
            except _RETRYABLE_ERRORS as error:
                failure = f"could not be reached ({type(error).__name__})"
            else:
                if response.ok:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise APIError(response)
                failure = f"kept answering {response.status_code} {_status_phrase(response)}".rstrip()
            if attempt < self.max_attempts:
                self.sleep(self.backoff_delay(attempt))
        raise SheetsUnavailable(
            f"Google Sheets {failure} to {kind} after {self.max_attempts} attempts; "
            "try again later (Google's quota is counted per minute)."
        )


def _status_phrase(response: requests.Response) -> str:
    if response.status_code == 429:
        return "(quota exhausted)"
    try:
        status = response.json()["error"]["status"]
    except (ValueError, KeyError, TypeError):
        return f"({response.reason})" if response.reason else ""
    return f"({status})"


# --- spreadsheets -------------------------------------------------------------------------------------------------


class LinkedSpreadsheet(gspread.Spreadsheet):
    """A gspread Spreadsheet that keeps the tab list its metadata request returned (gspread keeps only the title)."""

    metadata: Mapping[str, Any]

    def fetch_sheet_metadata(self, params: Any = None) -> Mapping[str, Any]:
        metadata = super().fetch_sheet_metadata(params)
        if params is None:
            self.metadata = metadata
        return metadata


def quote_title(title: str) -> str:
    """A tab title as an A1 range covering the whole tab: `'Sales Orders'`, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def column_letters(count: int) -> str:
    """The letters of the `count`-th column (1 -> A, 27 -> AA)."""
    letters = ""
    while count > 0:
        count, remainder = divmod(count - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


class SheetsClient:
    """Opens a spreadsheet, reads all its tabs in one request, writes them in one, and creates formatted tabs."""

    def __init__(self, gspread_client: gspread.Client, *, api_calls: MutableMapping[str, int] | None = None) -> None:
        http_client = gspread_client.http_client
        if not isinstance(http_client, SheetsHTTPClient):
            raise TypeError(
                "SheetsClient needs a gspread client built with http_client=SheetsHTTPClient "
                "(client_from_settings builds one) so it can retry and count requests"
            )
        self.gspread = gspread_client
        self.api_calls = api_calls
        self.calls = 0
        self.calls_by_kind: dict[str, int] = {}
        auth = getattr(http_client, "auth", None)
        self.service_account_email: str | None = getattr(auth, "service_account_email", None)
        http_client.attempt_listeners.append(self._count)

    def _count(self, kind: str) -> None:
        self.calls += 1
        self.calls_by_kind[kind] = self.calls_by_kind.get(kind, 0) + 1
        if self.api_calls is not None:
            self.api_calls[kind] = self.api_calls.get(kind, 0) + 1

    # --- public operations

    def open(self, spreadsheet_id: str) -> gspread.Spreadsheet:
        """The spreadsheet with its tab list (one request); SheetsUnavailable when missing or not shared."""
        with self._google_errors(spreadsheet_id, "open"):
            return LinkedSpreadsheet(self.gspread.http_client, {"id": spreadsheet_id})

    def tab_titles(self, spreadsheet: gspread.Spreadsheet) -> dict[str, int]:
        """Title -> sheetId of every tab, from the metadata `open` fetched (no request)."""
        return {title: properties["sheetId"] for title, properties in self._tab_properties(spreadsheet).items()}

    def read_tabs(self, spreadsheet: gspread.Spreadsheet, titles: list[str]) -> dict[str, Tab]:
        """The named tabs' values in one values:batchGet; tabs the spreadsheet does not have are left out."""
        for refreshed in (False, True):
            tabs = self._tab_properties(spreadsheet)
            wanted = [title for title in dict.fromkeys(titles) if title in tabs]
            if not wanted:
                return {}
            try:
                with self._google_errors(spreadsheet.id, "read", stale_layout_ok=not refreshed):
                    response = spreadsheet.values_batch_get(
                        [quote_title(title) for title in wanted],
                        params={"valueRenderOption": "UNFORMATTED_VALUE", "majorDimension": "ROWS"},
                    )
            except _StaleLayout:
                self._refresh(spreadsheet)
                continue
            value_ranges = response.get("valueRanges", [])
            return {
                title: Tab(title=title, sheet_id=tabs[title]["sheetId"], rows=_trimmed(value_range.get("values", [])))
                for title, value_range in zip(wanted, value_ranges, strict=True)
            }
        raise AssertionError("unreachable")

    def write_tabs(
        self,
        spreadsheet: gspread.Spreadsheet,
        contents: dict[str, list[list[Any]]],
        *,
        previous_sizes: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        """Write each tab's whole content from A1 in one values:batchUpdate (RAW), blanking what it held beyond.

        `previous_sizes` gives (rows, columns) a tab held before (`Tab.size`); the write is padded with "" to cover
        them. A tab whose grid is too small for the content is grown first, in one spreadsheets:batchUpdate.
        """
        previous_sizes = previous_sizes or {}
        blocks = {
            title: _padded_block(title, rows, previous_sizes.get(title, (0, 0))) for title, rows in contents.items()
        }
        blocks = {title: block for title, block in blocks.items() if block and block[0]}
        if not blocks:
            return
        for refreshed in (False, True):
            tabs = self._tab_properties(spreadsheet)
            missing = [title for title in blocks if title not in tabs]
            if missing:
                raise SheetsUnavailable(
                    f"Spreadsheet {spreadsheet.title!r} has no tab {missing[0]!r}: "
                    "it was renamed or deleted; link the spreadsheet again to recreate it."
                )
            try:
                self._grow_grids(spreadsheet, tabs, blocks)
                with self._google_errors(spreadsheet.id, "write", stale_layout_ok=not refreshed):
                    spreadsheet.values_batch_update(
                        {
                            "valueInputOption": "RAW",
                            "data": [
                                {
                                    "range": f"{quote_title(title)}!A1:{column_letters(len(block[0]))}{len(block)}",
                                    "majorDimension": "ROWS",
                                    "values": block,
                                }
                                for title, block in blocks.items()
                            ],
                        }
                    )
                return
            except _StaleLayout:
                self._refresh(spreadsheet)

    def create_tabs(self, spreadsheet: gspread.Spreadsheet, specs: list[TabSpec]) -> dict[str, int]:
        """Add formatted tabs in one spreadsheets:batchUpdate; returns title -> new sheetId.

        Each tab gets its header (bold, frozen), dropdowns below it (strict for choices, suggestions for
        references) and warning-only protection on read-only columns.
        """
        if not specs:
            return {}
        tabs = self._tab_properties(spreadsheet)
        taken_titles = {title.casefold() for title in tabs}  # Google compares tab titles case-insensitively
        taken_ids = {properties["sheetId"] for properties in tabs.values()}
        requests_: list[dict[str, Any]] = []
        formatting: list[dict[str, Any]] = []
        new_ids: dict[str, int] = {}
        for spec in specs:
            if spec.title.casefold() in taken_titles:
                raise SheetsUnavailable(f"Spreadsheet {spreadsheet.title!r} already has a tab named {spec.title!r}.")
            taken_titles.add(spec.title.casefold())
            sheet_id = _unused_sheet_id(taken_ids)
            taken_ids.add(sheet_id)
            new_ids[spec.title] = sheet_id
            requests_.append(_add_sheet_request(spec, sheet_id))
            formatting.extend(_formatting_requests(spec, sheet_id))
        with self._google_errors(spreadsheet.id, "add tabs to"):
            response = spreadsheet.batch_update({"requests": requests_ + formatting})
        added = [reply["addSheet"]["properties"] for reply in response.get("replies", []) if "addSheet" in reply]
        if isinstance(spreadsheet, LinkedSpreadsheet):
            spreadsheet.metadata = {
                **spreadsheet.metadata,
                "sheets": [*spreadsheet.metadata.get("sheets", []), *({"properties": p} for p in added)],
            }
        return {properties["title"]: properties["sheetId"] for properties in added} or new_ids

    # --- internals

    def _tab_properties(self, spreadsheet: gspread.Spreadsheet) -> dict[str, dict[str, Any]]:
        metadata = getattr(spreadsheet, "metadata", None)
        if metadata is None:  # a Spreadsheet not opened through `open`: ask once
            metadata = self._refresh(spreadsheet)
        return {sheet["properties"]["title"]: sheet["properties"] for sheet in metadata.get("sheets", [])}

    def _refresh(self, spreadsheet: gspread.Spreadsheet) -> Mapping[str, Any]:
        with self._google_errors(spreadsheet.id, "open"):
            return spreadsheet.fetch_sheet_metadata()

    def _grow_grids(
        self, spreadsheet: gspread.Spreadsheet, tabs: dict[str, dict[str, Any]], blocks: dict[str, list[list[Any]]]
    ) -> None:
        """Append rows and columns where a tab's grid is smaller than what is about to be written (Google refuses)."""
        growth: list[dict[str, Any]] = []
        for title, block in blocks.items():
            grid = tabs[title].get("gridProperties", {})
            for dimension, needed, have in (
                ("ROWS", len(block), grid.get("rowCount", 0)),
                ("COLUMNS", len(block[0]), grid.get("columnCount", 0)),
            ):
                if needed > have:
                    growth.append(
                        {
                            "appendDimension": {
                                "sheetId": tabs[title]["sheetId"],
                                "dimension": dimension,
                                "length": needed - have,
                            }
                        }
                    )
        if not growth:
            return
        with self._google_errors(spreadsheet.id, "resize tabs in"):
            spreadsheet.batch_update({"requests": growth})
        for title, block in blocks.items():
            grid = tabs[title].setdefault("gridProperties", {})
            grid["rowCount"] = max(grid.get("rowCount", 0), len(block))
            grid["columnCount"] = max(grid.get("columnCount", 0), len(block[0]))

    @contextmanager
    def _google_errors(self, spreadsheet_id: str, action: str, *, stale_layout_ok: bool = False) -> Iterator[None]:
        """Turn what Google and google-auth raise into a SheetsUnavailable a user can act on."""
        try:
            yield
        except APIError as error:
            message = str(error.error.get("message", ""))
            if stale_layout_ok and error.code == 400 and any(text in message for text in _STALE_LAYOUT_MESSAGES):
                raise _StaleLayout from error
            raise SheetsUnavailable(self._explain(error, spreadsheet_id, action)) from error
        except google.auth.exceptions.RefreshError as error:
            raise SheetsUnavailable(
                f"Google refused the service account {self._account()}'s credentials ({_first_line(error)}): "
                f"check the key file named by {CREDENTIALS_SETTING}, or create a new key for the service account."
            ) from error

    def _account(self) -> str:
        return self.service_account_email or "(unknown service account)"

    def _explain(self, error: APIError, spreadsheet_id: str, action: str) -> str:
        google_said = error.error.get("message") or error.error.get("status") or "no details"
        account = self._account()
        if error.code == 404:
            return (
                f"Google Sheets has no spreadsheet {spreadsheet_id!r} that the service account {account} can see: "
                f"check the ID in the link, and share the spreadsheet with {account}."
            )
        if error.code == 403 and action in ("open", "read"):
            return (
                f"Spreadsheet {spreadsheet_id!r} is not shared with the service account {account}: in Google Sheets "
                f"click Share and add {account} as an Editor. (Google said: {google_said})"
            )
        if error.code == 403:
            return (
                f"The service account {account} may not {action} spreadsheet {spreadsheet_id!r}: share it with "
                f"{account} as an Editor, not a Viewer. (Google said: {google_said})"
            )
        if error.code == 401:
            return (
                f"Google did not accept the service account {account}'s credentials: check the key file named by "
                f"{CREDENTIALS_SETTING}. (Google said: {google_said})"
            )
        return f"Google Sheets refused to {action} spreadsheet {spreadsheet_id!r}: {google_said} ({error.code})."


class _StaleLayout(Exception):
    """The spreadsheet's tabs changed since its metadata was fetched: fetch it again and retry once."""


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows without trailing empty cells and without trailing empty rows, as the API returns them."""
    trimmed = []
    for row in rows:
        end = len(row)
        while end and row[end - 1] in ("", None):
            end -= 1
        trimmed.append(list(row[:end]))
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def _padded_block(title: str, rows: list[list[Any]], previous_size: tuple[int, int]) -> list[list[Any]]:
    """A rectangle of writable values: None becomes "", short rows and missing rows are padded to the old size."""
    previous_rows, previous_columns = previous_size
    width = max(max((len(row) for row in rows), default=0), previous_columns)
    height = max(len(rows), previous_rows)
    block = []
    for row_number, row in enumerate(rows, start=1):
        cells = [
            _writable(value, f"{title}!{column_letters(column)}{row_number}") for column, value in enumerate(row, 1)
        ]
        block.append(cells + [""] * (width - len(cells)))
    block.extend([""] * width for _ in range(height - len(rows)))
    return block


def _writable(value: Any, cell: str) -> str | int | float | bool:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"{cell}: {value!r} cannot be written to Google Sheets")
    if isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"{cell}: cannot write a {type(value).__name__} ({value!r}); convert it to str, int, float or bool")


def _unused_sheet_id(taken: set[int]) -> int:
    while True:
        sheet_id = random.randrange(1, 2**31 - 1)
        if sheet_id not in taken:
            return sheet_id


def _add_sheet_request(spec: TabSpec, sheet_id: int) -> dict[str, Any]:
    used_columns = [len(spec.header), *(c + 1 for c in (*spec.choices, *spec.references, *spec.protected_columns))]
    return {
        "addSheet": {
            "properties": {
                "sheetId": sheet_id,
                "title": spec.title,
                "gridProperties": {
                    "rowCount": max(NEW_TAB_ROWS, spec.rows),
                    "columnCount": max(NEW_TAB_COLUMNS, *used_columns),
                    "frozenRowCount": 1,
                },
            }
        }
    }


def _formatting_requests(spec: TabSpec, sheet_id: int) -> list[dict[str, Any]]:
    """Header values in bold, dropdowns on the data rows, warning-only protection on read-only columns."""
    requests_: list[dict[str, Any]] = [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": title}} for title in spec.header]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "repeatCell": {
                "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
    ]
    for columns, strict in ((spec.choices, True), (spec.references, False)):
        for column, allowed in sorted(columns.items()):
            requests_.append(
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": sheet_id,
                            "startRowIndex": 1,
                            "startColumnIndex": column,
                            "endColumnIndex": column + 1,
                        },
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": value} for value in allowed],
                            },
                            "strict": strict,
                            "showCustomUi": True,
                        },
                    }
                }
            )
    for column, (kind, pattern) in sorted(spec.formats.items()):
        requests_.append(
            {
                "repeatCell": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": 1,
                        "startColumnIndex": column,
                        "endColumnIndex": column + 1,
                    },
                    "cell": {"userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    for column in sorted(spec.protected_columns):
        requests_.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": {"sheetId": sheet_id, "startColumnIndex": column, "endColumnIndex": column + 1},
                        "description": "Onebook: read-only column, ignored on import",
                        "warningOnly": True,
                    }
                }
            }
        )
    return requests_


# --- settings -----------------------------------------------------------------------------------------------------


def load_service_account(credentials_path: str | None) -> dict[str, Any]:
    """The service-account key named by ONEBOOK_GOOGLE_CREDENTIALS, or SheetsUnavailable saying what is wrong."""
    if not credentials_path:
        raise SheetsUnavailable(
            f"Google Sheets is not configured: set {CREDENTIALS_SETTING} to the path of a service-account key "
            "(a JSON file from Google Cloud: IAM > Service accounts > Keys > Add key)."
        )
    path = Path(credentials_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SheetsUnavailable(f"The Google credentials file {path} ({CREDENTIALS_SETTING}) does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise SheetsUnavailable(
            f"The Google credentials file {path} ({CREDENTIALS_SETTING}) cannot be read: {reason}."
        ) from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as error:
        raise SheetsUnavailable(
            f"The Google credentials file {path} ({CREDENTIALS_SETTING}) is not JSON "
            f"(line {error.lineno}): download the service-account key again."
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        hint = (
            " (it looks like an OAuth client secret)"
            if isinstance(info, dict) and {"installed", "web"} & info.keys()
            else ""
        )
        raise SheetsUnavailable(
            f"The Google credentials file {path} ({CREDENTIALS_SETTING}) is not a service-account key{hint}: "
            'it needs "type": "service_account", a client_email and a private_key.'
        )
    missing = [name for name in ("client_email", "private_key", "token_uri") if not info.get(name)]
    if missing:
        raise SheetsUnavailable(
            f"The service-account key {path} ({CREDENTIALS_SETTING}) lacks {', '.join(missing)}: "
            "download the key again."
        )
    return info


def client_from_settings(
    credentials_path: str | None,
    *,
    api_url: str | None = None,
    max_attempts: int = 6,
    sleep: Callable[[float], Any] = time.sleep,
    api_calls: MutableMapping[str, int] | None = None,
) -> SheetsClient:
    """A SheetsClient signed in as the service account in `credentials_path`, sending to `api_url` (default Google)."""
    info = load_service_account(credentials_path)
    http_client = functools.partial(
        SheetsHTTPClient, api_url=api_url or GOOGLE_SHEETS_URL, max_attempts=max_attempts, sleep=sleep
    )
    try:
        gspread_client = gspread.service_account_from_dict(info, http_client=http_client)  # type: ignore[arg-type]
    except (ValueError, TypeError) as error:  # google-auth cannot load the private key
        raise SheetsUnavailable(
            f"The service-account key {credentials_path} ({CREDENTIALS_SETTING}) cannot be used: "
            f"{_first_line(error)}. Download the key again."
        ) from None
    return SheetsClient(gspread_client, api_calls=api_calls)
