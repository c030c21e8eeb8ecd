"""The Google Sheets adapter on the real gspread client, against the local fake Sheets API (tests/sheets_fake.py).

Google's quota is counted in requests per minute, so every operation here asserts how many requests it sent: the
server's log and the client's own count must agree. Backoff never really sleeps: the sleep is injected and recorded.
"""

import json
import socket
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import gspread
import pytest

from sync.sheets_api import (
    SheetsClient,
    SheetsUnavailable,
    Tab,
    TabSpec,
    client_from_settings,
)
from tests.sheets_fake import SERVICE_ACCOUNT_EMAIL, FakeSheetsServer

CUSTOMERS = [
    ["ID", "Code", "Name", "Credit Limit", "Active", "Phone"],
    [1, "C-0001", "Acme", 2500.5, True, "0044123"],
    [2, "C-0002", "Globex", 1000, False],
    [],
    [4, "C-0004", "", 0, True, "", "", ""],
]
CUSTOMERS_AS_READ = [
    ["ID", "Code", "Name", "Credit Limit", "Active", "Phone"],
    [1, "C-0001", "Acme", 2500.5, True, "0044123"],
    [2, "C-0002", "Globex", 1000, False],
    [],
    [4, "C-0004", "", 0, True],
]


@pytest.fixture
def workbook(sheets_server: FakeSheetsServer) -> FakeSheetsServer:
    sheets_server.add_spreadsheet(
        "book-1",
        {"Customers": CUSTOMERS, "Sales Orders": [["Number", "Customer Code"], ["SO-1", "C-0001"]], "Bob's": [["x"]]},
        title="Sales team",
    )
    return sheets_server


def calls_since(server: FakeSheetsServer, start: int) -> list[tuple[str, str]]:
    return [call for call in server.calls[start:] if call[1] != "/token"]


# --- reading ------------------------------------------------------------------------------------------------------


def test_open_fetches_metadata_once_and_tab_titles_cost_nothing(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    titles = sheets_client.tab_titles(spreadsheet)

    assert spreadsheet.title == "Sales team"
    assert titles == {sheet.title: sheet.sheet_id for sheet in workbook.spreadsheet("book-1").sheets}
    assert list(titles) == ["Customers", "Sales Orders", "Bob's"]
    assert workbook.api_calls == [("GET", "/v4/spreadsheets/book-1")]
    assert (sheets_client.calls, sheets_client.calls_by_kind) == (1, {"spreadsheets.get": 1})


def test_read_tabs_reads_every_tab_in_one_request_with_types_kept(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    start = len(workbook.calls)

    tabs = sheets_client.read_tabs(spreadsheet, ["Customers", "Sales Orders", "Bob's", "Not There"])

    assert calls_since(workbook, start) == [("GET", "/v4/spreadsheets/book-1/values:batchGet")]
    assert sheets_client.calls_by_kind == {"spreadsheets.get": 1, "values.batchGet": 1}
    assert set(tabs) == {"Customers", "Sales Orders", "Bob's"}
    customers = tabs["Customers"]
    assert customers == Tab(
        "Customers", sheet_id=sheets_client.tab_titles(spreadsheet)["Customers"], rows=CUSTOMERS_AS_READ
    )
    assert [type(value) for value in customers.rows[1]] == [int, str, str, float, bool, str]
    assert customers.size == (5, 6)
    assert tabs["Bob's"].rows == [["x"]]


def test_read_tabs_sends_nothing_when_no_asked_tab_exists(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")

    assert sheets_client.read_tabs(spreadsheet, ["Invoices"]) == {}
    assert sheets_client.calls == 1


def test_a_tab_deleted_after_open_is_left_out_after_one_metadata_refresh(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    workbook.delete_tab("book-1", "Sales Orders")

    tabs = sheets_client.read_tabs(spreadsheet, ["Customers", "Sales Orders"])

    assert list(tabs) == ["Customers"]
    assert sheets_client.calls_by_kind == {"spreadsheets.get": 2, "values.batchGet": 2}
    assert "Sales Orders" not in sheets_client.tab_titles(spreadsheet)


def test_a_users_edit_is_read_back_with_its_type(workbook, sheets_client):
    workbook.set_cell("book-1", "Customers", "D3", 1500.25)
    workbook.set_cell("book-1", "Customers", "B2", "")
    spreadsheet = sheets_client.open("book-1")

    rows = sheets_client.read_tabs(spreadsheet, ["Customers"])["Customers"].rows

    assert rows[2][3] == 1500.25
    assert rows[1][:3] == [1, "", "Acme"]


# --- writing ------------------------------------------------------------------------------------------------------


def test_write_tabs_writes_all_tabs_in_one_raw_request_and_blanks_stale_cells(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    before = sheets_client.read_tabs(spreadsheet, ["Customers", "Sales Orders"])
    start = len(workbook.calls)

    sheets_client.write_tabs(
        spreadsheet,
        {
            "Customers": [["ID", "Code"], [1, "=1+1"], [2, "007", None, 3.0]],
            "Sales Orders": [["Number", "Customer Code"], ["SO-1", "C-0001"], ["SO-2", "C-0002"]],
        },
        previous_sizes={title: tab.size for title, tab in before.items()},
    )

    assert calls_since(workbook, start) == [("POST", "/v4/spreadsheets/book-1/values:batchUpdate")]
    assert workbook.tab("book-1", "Customers") == [["ID", "Code"], [1, "=1+1"], [2, "007", "", 3]]
    assert workbook.tab("book-1", "Sales Orders") == [
        ["Number", "Customer Code"],
        ["SO-1", "C-0001"],
        ["SO-2", "C-0002"],
    ]
    after = sheets_client.read_tabs(spreadsheet, ["Customers"])["Customers"].rows
    assert [type(value) for value in after[2]] == [int, str, str, int]
    assert sheets_client.calls_by_kind == {"spreadsheets.get": 1, "values.batchGet": 2, "values.batchUpdate": 1}


def test_write_tabs_without_previous_sizes_leaves_cells_beyond_the_content(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")

    sheets_client.write_tabs(spreadsheet, {"Sales Orders": [["Number"]]})

    assert workbook.tab("book-1", "Sales Orders") == [["Number", "Customer Code"], ["SO-1", "C-0001"]]


def test_write_tabs_grows_a_tab_too_small_for_the_content_first(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    rows = [[number, f"SO-{number}", *range(30)] for number in range(1, 1201)]
    start = len(workbook.calls)

    sheets_client.write_tabs(spreadsheet, {"Sales Orders": rows})

    assert calls_since(workbook, start) == [
        ("POST", "/v4/spreadsheets/book-1:batchUpdate"),
        ("POST", "/v4/spreadsheets/book-1/values:batchUpdate"),
    ]
    sheet = workbook.sheet("book-1", "Sales Orders")
    assert (sheet.row_count, sheet.column_count) == (1200, 32)
    assert workbook.tab("book-1", "Sales Orders")[-1] == rows[-1]

    sheets_client.write_tabs(spreadsheet, {"Sales Orders": rows[:10]}, previous_sizes={"Sales Orders": (1200, 32)})
    assert workbook.tab("book-1", "Sales Orders") == rows[:10]
    assert sheets_client.calls_by_kind["spreadsheets.batchUpdate"] == 1  # the grid is big enough now


def test_write_tabs_refuses_values_google_cannot_hold_before_sending(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")

    with pytest.raises(TypeError, match=r"Customers!B2: cannot write a Decimal"):
        sheets_client.write_tabs(spreadsheet, {"Customers": [["ID", "Credit Limit"], [1, Decimal("2.50")]]})
    assert sheets_client.calls == 1


def test_write_tabs_to_a_deleted_tab_says_which(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    workbook.delete_tab("book-1", "Customers")

    with pytest.raises(SheetsUnavailable, match=r"has no tab 'Customers'.*renamed or deleted"):
        sheets_client.write_tabs(spreadsheet, {"Customers": [["ID"]]})
    assert sheets_client.calls_by_kind == {"spreadsheets.get": 2, "values.batchUpdate": 1}


# --- creating tabs ------------------------------------------------------------------------------------------------


def test_create_tabs_adds_and_formats_every_tab_in_one_request(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    start = len(workbook.calls)
    specs = [
        TabSpec(
            "Tickets",
            ["ID", "Number", "Customer Code", "Status", "Total"],
            choices={3: ["open", "in progress", "closed"]},
            references={2: ["C-0001", "C-0002"]},
            protected_columns=[0, 4],
        ),
        TabSpec("Contacts", ["ID", "Email"]),
    ]

    created = sheets_client.create_tabs(spreadsheet, specs)

    assert calls_since(workbook, start) == [("POST", "/v4/spreadsheets/book-1:batchUpdate")]
    assert created == {title: sheets_client.tab_titles(spreadsheet)[title] for title in ("Tickets", "Contacts")}
    assert workbook.tab_titles("book-1")[-2:] == ["Tickets", "Contacts"]
    tickets = workbook.sheet("book-1", "Tickets")
    assert tickets.sheet_id == created["Tickets"]
    assert tickets.frozen_row_count == 1
    assert workbook.tab("book-1", "Tickets") == [["ID", "Number", "Customer Code", "Status", "Total"]]
    assert tickets.formats[0]["cell"]["userEnteredFormat"]["textFormat"] == {"bold": True}
    assert tickets.formats[0]["range"] == {"sheetId": tickets.sheet_id, "startRowIndex": 0, "endRowIndex": 1}
    rules = {v["range"]["startColumnIndex"]: (v["rule"]["strict"], v["rule"]["condition"]) for v in tickets.validations}
    assert rules[3] == (True, {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": s} for s in specs[0].choices[3]]})
    assert rules[2][0] is False
    assert {v["range"]["startRowIndex"] for v in tickets.validations} == {1}  # the header keeps no dropdown
    protected = [(p["range"]["startColumnIndex"], p["warningOnly"]) for p in tickets.protected_ranges]
    assert protected == [(0, True), (4, True)]

    read = sheets_client.read_tabs(spreadsheet, ["Tickets", "Contacts"])  # the new tabs are known without a refresh
    assert read["Contacts"].rows == [["ID", "Email"]]
    assert sheets_client.calls_by_kind == {"spreadsheets.get": 1, "spreadsheets.batchUpdate": 1, "values.batchGet": 1}


def test_create_tabs_refuses_a_title_already_taken_without_a_request(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")

    with pytest.raises(SheetsUnavailable, match=r"already has a tab named 'customers'"):
        sheets_client.create_tabs(spreadsheet, [TabSpec("customers", ["ID"])])
    assert sheets_client.calls == 1


# --- retries ------------------------------------------------------------------------------------------------------


def test_429_then_success_is_retried_with_growing_jittered_backoff(workbook, sheets_client, sheets_sleeps):
    spreadsheet = sheets_client.open("book-1")
    workbook.fail_next(429, count=3, paths="values:batchGet")
    start = len(workbook.calls)

    tabs = sheets_client.read_tabs(spreadsheet, ["Customers"])

    assert tabs["Customers"].rows == CUSTOMERS_AS_READ
    assert calls_since(workbook, start) == [("GET", "/v4/spreadsheets/book-1/values:batchGet")] * 4
    assert sheets_client.calls_by_kind == {"spreadsheets.get": 1, "values.batchGet": 4}
    assert len(sheets_sleeps) == 3
    for retry, delay in enumerate(sheets_sleeps, start=1):
        assert 0 <= delay <= 2 ** (retry - 1)  # full jitter: uniform below base * 2**(retry - 1)


def test_backoff_doubles_up_to_the_cap_and_scales_by_the_jitter(workbook, service_account_file, sheets_server):
    sleeps: list[float] = []
    client = client_from_settings(
        str(service_account_file), api_url=sheets_server.url, max_attempts=10, sleep=sleeps.append
    )
    http_client = client.gspread.http_client
    http_client.random = lambda: 1.0  # the top of each jitter window
    workbook.fail_next(503, count=9)

    client.open("book-1")

    assert sleeps == [1, 2, 4, 8, 16, 32, 64, 64, 64]
    jitter = iter([0.5, 0.25, 0.0])
    http_client.random = lambda: next(jitter)
    sleeps.clear()
    workbook.fail_next(500, count=3)
    client.open("book-1")
    assert sleeps == [0.5, 0.5, 0.0]


def test_persistent_500_gives_up_after_max_attempts(workbook, service_account_file, sheets_server):
    sleeps: list[float] = []
    client = client_from_settings(
        str(service_account_file), api_url=sheets_server.url, max_attempts=4, sleep=sleeps.append
    )
    workbook.fail_next(500, count=100)

    with pytest.raises(SheetsUnavailable, match=r"kept answering 500 .* after 4 attempts; try again later"):
        client.open("book-1")
    assert len(workbook.api_calls) == 4
    assert (client.calls, len(sleeps)) == (4, 3)


def test_exhausted_quota_says_so(workbook, sheets_client):
    spreadsheet = sheets_client.open("book-1")
    workbook.fail_next(429, count=6, paths="values:batchUpdate")

    with pytest.raises(SheetsUnavailable, match=r"kept answering 429 \(quota exhausted\).*try again later"):
        sheets_client.write_tabs(spreadsheet, {"Customers": [["ID"]]})
    assert sheets_client.calls_by_kind["values.batchUpdate"] == 6
    assert workbook.tab("book-1", "Customers") == CUSTOMERS_AS_READ


def test_a_502_html_page_is_retried_like_any_5xx(workbook, sheets_client, sheets_sleeps):
    workbook.fail_next(502, methods="GET")

    assert sheets_client.tab_titles(sheets_client.open("book-1"))
    assert len(sheets_sleeps) == 1


def test_an_unreachable_server_is_retried_then_unavailable(workbook, service_account_file):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = client_from_settings(
        str(service_account_file), api_url=f"http://127.0.0.1:{closed_port}", max_attempts=3, sleep=sleeps.append
    )

    with pytest.raises(SheetsUnavailable, match=r"could not be reached \(ConnectionError\).*after 3 attempts"):
        client.open("book-1")
    assert (client.calls, len(sleeps)) == (3, 2)


def test_calls_add_up_in_a_shared_counter(workbook, service_account_file, sheets_server):
    api_calls: Counter[str] = Counter()
    sleeps: list[float] = []
    client = client_from_settings(
        str(service_account_file), api_url=sheets_server.url, sleep=sleeps.append, api_calls=api_calls
    )
    workbook.fail_next(429, paths="values:batchGet")

    client.read_tabs(client.open("book-1"), ["Customers"])
    client_from_settings(str(service_account_file), api_url=sheets_server.url, api_calls=api_calls).open("book-1")

    assert api_calls == Counter({"spreadsheets.get": 2, "values.batchGet": 2})
    assert (client.calls, len(sleeps)) == (3, 1)


def test_latency_is_waited_out_and_a_timeout_is_retried(workbook, sheets_client, sheets_sleeps):
    workbook.latency = 0.3
    started = time.monotonic()
    sheets_client.open("book-1")
    assert time.monotonic() - started >= 0.3

    sheets_client.gspread.set_timeout(0.05)
    with pytest.raises(SheetsUnavailable, match=r"could not be reached \(ReadTimeout\).*after 6 attempts"):
        sheets_client.open("book-1")
    assert len(sheets_sleeps) == 5


# --- what the user must fix ---------------------------------------------------------------------------------------


def test_an_unknown_spreadsheet_names_the_service_account(sheets_server, sheets_client):
    with pytest.raises(SheetsUnavailable) as raised:
        sheets_client.open("no-such-book")

    assert "no spreadsheet 'no-such-book'" in str(raised.value)
    assert f"share the spreadsheet with {SERVICE_ACCOUNT_EMAIL}" in str(raised.value)
    assert sheets_client.calls == 1  # a 404 is an answer, not a reason to retry


def test_a_spreadsheet_not_shared_tells_whom_to_share_it_with(sheets_server, sheets_client):
    sheets_server.add_spreadsheet("private", {"Customers": CUSTOMERS}, shared=False)

    with pytest.raises(SheetsUnavailable) as raised:
        sheets_client.open("private")

    message = str(raised.value)
    assert f"not shared with the service account {SERVICE_ACCOUNT_EMAIL}" in message
    assert f"add {SERVICE_ACCOUNT_EMAIL} as an Editor" in message


def test_a_spreadsheet_shared_read_only_can_be_read_but_not_written(sheets_server, sheets_client):
    sheets_server.add_spreadsheet("viewer", {"Customers": CUSTOMERS}, shared="reader")
    spreadsheet = sheets_client.open("viewer")
    assert sheets_client.read_tabs(spreadsheet, ["Customers"])["Customers"].rows == CUSTOMERS_AS_READ

    with pytest.raises(
        SheetsUnavailable, match=rf"{SERVICE_ACCOUNT_EMAIL} may not write .* as an Editor, not a Viewer"
    ):
        sheets_client.write_tabs(spreadsheet, {"Customers": [["ID"]]})


def bad_key(path: Path, service_account_file: Path) -> str:
    info = json.loads(service_account_file.read_text())
    info["private_key"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    path.write_text(json.dumps(info))
    return str(path)


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp, good: None, r"not configured: set ONEBOOK_GOOGLE_CREDENTIALS"),
        (lambda tmp, good: str(tmp / "missing.json"), r"missing\.json \(ONEBOOK_GOOGLE_CREDENTIALS\) does not exist"),
        (lambda tmp, good: str(tmp), r"cannot be read"),
        (lambda tmp, good: (tmp / "k.json").write_text("{not json") and str(tmp / "k.json"), r"is not JSON \(line 1\)"),
        (
            lambda tmp, good: (
                (tmp / "k.json").write_text(json.dumps({"installed": {"client_id": "x"}})) and str(tmp / "k.json")
            ),
            r"not a service-account key \(it looks like an OAuth client secret\)",
        ),
        (
            lambda tmp, good: (
                (tmp / "k.json").write_text(json.dumps({"type": "service_account", "client_email": "a"}))
                and str(tmp / "k.json")
            ),
            r"lacks private_key, token_uri",
        ),
        (lambda tmp, good: bad_key(tmp / "k.json", good), r"cannot be used: .*Download the key again"),
    ],
    ids=["unset", "missing", "directory", "not-json", "oauth-client", "incomplete", "bad-private-key"],
)
def test_a_bad_credentials_file_is_refused_with_the_reason(tmp_path, service_account_file, make_path, message):
    with pytest.raises(SheetsUnavailable, match=message):
        client_from_settings(make_path(tmp_path, service_account_file))


def test_credentials_google_refuses_name_the_service_account(workbook, sheets_client):
    workbook.refuse_credentials = True

    with pytest.raises(SheetsUnavailable, match=rf"refused the service account {SERVICE_ACCOUNT_EMAIL}'s credentials"):
        sheets_client.open("book-1")


def test_a_sheets_client_needs_the_retrying_http_client(service_account_file):
    plain = gspread.service_account(filename=str(service_account_file))

    with pytest.raises(TypeError, match="SheetsHTTPClient"):
        SheetsClient(plain)


# --- the fake serves gspread's own methods the same way -----------------------------------------------------------


def test_the_fake_answers_gspreads_worksheet_methods(workbook, sheets_client):
    worksheet = sheets_client.open("book-1").worksheet("Customers")

    assert worksheet.get("A2:C3", value_render_option="UNFORMATTED_VALUE") == [
        [1, "C-0001", "Acme"],
        [2, "C-0002", "Globex"],
    ]
    assert worksheet.get("B2:B", value_render_option="UNFORMATTED_VALUE") == [["C-0001"], ["C-0002"], [], ["C-0004"]]
    assert worksheet.get("D2", value_render_option="FORMATTED_VALUE") == [["2500.5"]]

    worksheet.update([["7", "TRUE", "'12"]], "A7", value_input_option="USER_ENTERED")
    worksheet.update([["7", "TRUE"]], "A8", value_input_option="RAW")
    assert workbook.tab("book-1", "Customers")[6:] == [[7, True, "12"], ["7", "TRUE"]]

    worksheet.batch_clear(["A7:C7", "A8:B8"])
    assert workbook.tab("book-1", "Customers") == CUSTOMERS_AS_READ

    with pytest.raises(gspread.exceptions.APIError, match="exceeds grid limits"):
        worksheet.update([[1]], "AA1")

    worksheet.append_rows([["5", "C-0005"]], value_input_option="RAW")
    assert workbook.tab("book-1", "Customers")[-1] == ["5", "C-0005"]

    worksheet.clear()
    assert workbook.tab("book-1", "Customers") == []
