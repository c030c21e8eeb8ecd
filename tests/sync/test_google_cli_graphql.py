"""Google Sheets links from the command line (`onebook sheets ...`) and over GraphQL (`sheetLinks`, `syncSheet`).

The CLI runs in-process with the settings an operator exports (database, service-account key, API URL of the fake
Sheets server); exit status 0 on success, 1 when refused with the reasons printed. GraphQL documents go over HTTP to
an app built with the same Google settings. Runs on SQLite and PostgreSQL.
"""

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from app.cli import cli
from models.crm import Customer
from models.system import SheetLink
from tests.factories import stored
from tests.sync.linked_spreadsheet import SPREADSHEET, SheetUser, update_in_onebook

SYNC_SHEET = """
mutation Sync($linkId: ID!, $onConflict: OnConflict!) {
  syncSheet(linkId: $linkId, onConflict: $onConflict) {
    applied batchId apiCalls createdTabs pulled pushed conflicts errors warnings
  }
}
"""
SHEET_LINKS = "{ sheetLinks { id spreadsheetId sheets deleteMissing lastSyncedAt lastReport } }"
SHEETS_AUDIT = """
{ auditEvents(filter: {entity: {eq: "Customer"}, action: {eq: "update"}}) { nodes { via actorEmail changes } } }
"""


@pytest.fixture
def onebook(database_url, engine, service_account_file, sheets_server):
    """`onebook("sheets", "sync", "1")` runs the CLI with this backend's database and the fake Sheets API."""
    runner = CliRunner()
    env = {
        "ONEBOOK_DATABASE_URL": database_url,
        "ONEBOOK_GOOGLE_CREDENTIALS": str(service_account_file),
        "ONEBOOK_SHEETS_API_URL": sheets_server.url,
        "COLUMNS": "200",
    }

    def run(*args: str, **overrides: str | None) -> Result:
        return runner.invoke(cli, list(args), env=env | overrides)

    return run


@pytest.fixture
def linked(onebook, sheets_server, make_customer):
    """A customer in Rome, and the spreadsheet linked to Customers with `onebook sheets link`: the person in it."""
    make_customer(code="C-1", name="Acme", city="Rome")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    result = onebook("sheets", "link", SPREADSHEET, "--sheets", "customers")
    assert result.exit_code == 0, result.output
    return SheetUser(sheets_server, "Customers")


def city(engine) -> str:
    with engine.connect() as connection:
        return connection.scalar(sa.select(Customer.city).where(Customer.code == "C-1"))


# --- the command line ---------------------------------------------------------------------------------------------


def test_link_records_the_link_and_list_shows_it(onebook, linked):
    result = onebook("sheets", "list")

    assert result.exit_code == 0, result.output
    assert f"1\t{SPREADSHEET}\tCustomers\tlast synced never\t0 errors" in result.output


def test_linking_an_unknown_sheet_or_the_same_spreadsheet_twice_exits_1_with_the_reason(onebook, engine, linked):
    unknown = onebook("sheets", "link", "sheet-0002", "--sheets", "customers,rockets")
    twice = onebook("sheets", "link", SPREADSHEET, "--sheets", "contacts")

    assert unknown.exit_code == 1 and "no sheet called 'rockets'" in unknown.output
    assert twice.exit_code == 1 and f"spreadsheet {SPREADSHEET} is already linked" in twice.output
    with engine.connect() as connection:
        assert connection.execute(sa.select(SheetLink.spreadsheet_id, SheetLink.sheets)).all() == [
            (SPREADSHEET, "Customers")
        ]


def test_push_writes_onebook_over_the_sheet_and_pull_brings_the_sheets_edits_in(onebook, engine, linked):
    # given a pushed tab with a city typed over
    first = onebook("sheets", "push", SPREADSHEET)
    assert first.exit_code == 0, first.output
    assert "to sheet Customers: 1 rows" in first.output and "created tabs: Customers" in first.output
    linked.type(2, "City", "Milan")

    # when it is pushed again, Onebook's city is written over the edit; when pulled after a new edit, it comes in
    pushed = onebook("sheets", "push", "1")
    assert pushed.exit_code == 0, pushed.output
    assert (linked.value(2, "City"), city(engine)) == ("Rome", "Rome")
    linked.type(2, "City", "Milan")
    pulled = onebook("sheets", "pull", SPREADSHEET)

    # then
    assert pulled.exit_code == 0, pulled.output
    assert "from sheet Customers: 0 created, 1 updated, 0 deleted, 0 conflicts" in pulled.output
    assert "applied; 3 Google Sheets API calls" in pulled.output
    assert city(engine) == "Milan"


def test_sync_exits_1_on_a_conflict_printing_its_cell_and_0_once_resolved(onebook, engine, linked):
    # given a synced tab whose city changed in the sheet and in Onebook
    assert onebook("sheets", "sync", SPREADSHEET).exit_code == 0
    cell = f"Customers!{linked.address(2, 'City')}"
    linked.type(2, "City", "Milan")
    with engine.connect() as connection:
        customer_id = connection.scalar(sa.select(Customer.id))
    update_in_onebook(engine, Customer, customer_id, city="Turin")

    # when it syncs, then again letting the sheet win
    refused = onebook("sheets", "sync", SPREADSHEET)
    resolved = onebook("sheets", "sync", SPREADSHEET, "--on-conflict", "sheet")

    # then the first exits 1 naming the cell and changes nothing; the second exits 0 with the sheet's city
    assert refused.exit_code == 1
    assert f"conflict: {cell}: City was 'Rome' when exported" in refused.output
    assert "nothing changed" in refused.output
    assert resolved.exit_code == 0, resolved.output
    assert city(engine) == "Milan"
    # and `list` shows how the last sync went
    assert "0 errors" in onebook("sheets", "list").output


def test_sync_exits_1_on_a_bad_cell_and_on_a_missing_spreadsheet_with_the_reason(
    onebook, engine, linked, sheets_server
):
    assert onebook("sheets", "sync", SPREADSHEET).exit_code == 0
    cell = f"Customers!{linked.address(2, 'Credit Limit')}"
    linked.type(2, "Credit Limit", "lots")

    bad_cell = onebook("sheets", "sync", SPREADSHEET)
    sheets_server.reset()
    missing = onebook("sheets", "sync", SPREADSHEET)

    assert bad_cell.exit_code == 1 and f"{cell}: expected a number, got 'lots'" in bad_cell.output
    assert missing.exit_code == 1 and f"no spreadsheet '{SPREADSHEET}'" in missing.output
    assert "1 errors" in onebook("sheets", "list").output


def test_sync_without_credentials_exits_1_saying_what_to_set(onebook, linked):
    result = onebook("sheets", "sync", SPREADSHEET, ONEBOOK_GOOGLE_CREDENTIALS=None)

    assert result.exit_code == 1
    assert "set ONEBOOK_GOOGLE_CREDENTIALS" in result.output


def test_sync_of_an_unknown_link_exits_1(onebook, linked):
    result = onebook("sheets", "sync", "no-such-sheet")

    assert result.exit_code == 1 and "no linked spreadsheet 'no-such-sheet'" in result.output


def test_watch_syncs_every_link_each_round_and_sleeps_only_between_rounds(
    onebook, engine, linked, sheets_server, make_contact, monkeypatch
):
    # given a second linked spreadsheet, with Contacts
    sheets_server.add_spreadsheet("sheet-0002", tabs={"Sheet1": []})
    assert onebook("sheets", "link", "sheet-0002", "--sheets", "contacts").exit_code == 0
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)

    # when it watches for one round, then for two
    once = onebook("sheets", "watch", "--every", "5", "--times", "1")
    twice = onebook("sheets", "watch", "--every", "5", "--times", "2")

    # then each round synced both links, with one pause of 5 seconds between the two rounds and none after the last
    assert once.exit_code == 0, once.output
    assert once.output.count("sync of spreadsheet") == 2
    assert "Customers" in sheets_server.tab_titles(SPREADSHEET)
    assert "Contacts" in sheets_server.tab_titles("sheet-0002")
    assert twice.output.count("sync of spreadsheet") == 4
    assert slept == [5]


def test_unlink_forgets_the_link_and_leaves_the_spreadsheet_alone(onebook, engine, linked, sheets_server):
    assert onebook("sheets", "sync", SPREADSHEET).exit_code == 0
    before = linked.rows()

    result = onebook("sheets", "unlink", SPREADSHEET)

    assert result.exit_code == 0 and f"Unlinked spreadsheet {SPREADSHEET}." in result.output
    assert onebook("sheets", "list").output == ""
    assert linked.rows() == before
    assert onebook("sheets", "unlink", SPREADSHEET).exit_code == 1


# --- GraphQL ------------------------------------------------------------------------------------------------------


@pytest.fixture
def app(database_url, engine, service_account_file: Path, sheets_server):
    """The ASGI app with Google settings: the service-account key and the fake Sheets API."""
    from app.settings import Settings
    from app.web import create_app

    return create_app(
        Settings(
            database_url=database_url, google_credentials=str(service_account_file), sheets_api_url=sheets_server.url
        )
    )


@pytest.fixture
def link_id(engine, linked) -> str:
    """The id of the link `linked` made, as GraphQL writes it."""
    with engine.connect() as connection:
        return str(connection.scalar(sa.select(SheetLink.id)))


def test_sheet_links_lists_links_for_an_admin_and_is_forbidden_to_sales(gql, client_as, link_id):
    links = gql(SHEET_LINKS)["data"]["sheetLinks"]
    sales = client_as("sales")(SHEET_LINKS, expect_errors=True)

    assert links == [
        {
            "id": link_id,
            "spreadsheetId": SPREADSHEET,
            "sheets": ["Customers"],
            "deleteMissing": False,
            "lastSyncedAt": None,
            "lastReport": {},
        }
    ]
    assert sales["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert sales["data"] is None


def test_sync_sheet_returns_the_report_and_audits_the_pulled_edit_as_sheets(gql, engine, linked, link_id):
    # given a link synced once over GraphQL
    first = gql(SYNC_SHEET, {"linkId": link_id, "onConflict": "FAIL"})["data"]["syncSheet"]
    assert first == {
        "applied": True,
        "batchId": None,
        "apiCalls": 3,
        "createdTabs": ["Customers"],
        "pulled": {},
        "pushed": {"Customers": 1},
        "conflicts": [],
        "errors": [],
        "warnings": [],
    }

    # when a city is edited in the sheet and the admin syncs again
    linked.type(2, "City", "Milan")
    second = gql(SYNC_SHEET, {"linkId": link_id, "onConflict": "FAIL"})["data"]["syncSheet"]

    # then the report says one row came in, with one read and one write, and the edit is applied
    assert (second["applied"], second["apiCalls"], second["errors"]) == (True, 3, [])
    assert second["pulled"] == {"Customers": {"created": 0, "updated": 1, "unchanged": 0, "deleted": 0, "conflicts": 0}}
    assert second["pushed"] == {"Customers": 1}
    assert second["batchId"] is not None
    assert city(engine) == "Milan"
    # and the audit trail records the change as made through sheets, by the admin who synced
    events = gql(SHEETS_AUDIT)["data"]["auditEvents"]["nodes"]
    assert [(event["via"], event["changes"]) for event in events] == [("sheets", {"city": ["Rome", "Milan"]})]
    assert events[0]["actorEmail"].startswith("admin-")
    # and sheetLinks shows the same report as the link's last one
    (link,) = gql(SHEET_LINKS)["data"]["sheetLinks"]
    assert link["lastSyncedAt"] is not None
    assert (link["lastReport"]["api_calls"], link["lastReport"]["pulled"]) == (3, second["pulled"])


def test_sync_sheet_reports_a_conflict_by_cell_and_resolves_it_when_asked(gql, engine, linked, link_id):
    assert gql(SYNC_SHEET, {"linkId": link_id, "onConflict": "FAIL"})["data"]["syncSheet"]["errors"] == []
    cell = f"Customers!{linked.address(2, 'City')}"
    linked.type(2, "City", "Milan")
    with engine.connect() as connection:
        customer_id = connection.scalar(sa.select(Customer.id))
    update_in_onebook(engine, Customer, customer_id, city="Turin")

    refused = gql(SYNC_SHEET, {"linkId": link_id, "onConflict": "FAIL"})["data"]["syncSheet"]
    resolved = gql(SYNC_SHEET, {"linkId": link_id, "onConflict": "DATABASE"})["data"]["syncSheet"]

    assert refused["applied"] is False
    assert [conflict.split(": ", 1)[0] for conflict in refused["conflicts"]] == [cell]
    assert any(error.startswith(cell) for error in refused["errors"])
    assert (resolved["applied"], resolved["errors"]) == (True, [])
    assert stored(engine, Customer, customer_id)["city"] == "Turin"
    assert linked.value(2, "City") == "Turin"


def test_sync_sheet_is_forbidden_to_a_role_that_may_change_nothing(client_as, engine, linked, link_id, sheets_server):
    readonly = client_as("readonly")(SYNC_SHEET, {"linkId": link_id, "onConflict": "FAIL"}, expect_errors=True)

    assert readonly["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert sheets_server.api_calls == []
