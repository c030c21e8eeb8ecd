"""What people actually do to a linked Google spreadsheet, and what the sync makes of it.

Each test: a linked spreadsheet someone has mishandled (not shared, tabs renamed or deleted, headers retyped, columns
moved, rows sorted or deleted, wrong values typed, both sides edited, Google failing mid-sync). The sync answers with
a clear report; nothing is lost (a refused sync leaves the database as it was and the sheet's edits where they are);
and the next sync converges. Runs on SQLite and PostgreSQL, against the fake Sheets API with the real gspread client.
"""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.crm import Customer
from models.hr import Employee
from models.system import AuditEvent
from sync.importer import OnConflict
from sync.sheets_api import client_from_settings
from tests.factories import count, stored
from tests.sheets_fake import SERVICE_ACCOUNT_EMAIL
from tests.sync.linked_spreadsheet import (
    SPREADSHEET,
    SheetUser,
    import_batches,
    link,
    link_state,
    sync,
    update_in_onebook,
)


@pytest.fixture
def customers_tab(engine, sheets_server, sheets_client):
    """Link Customers to an empty spreadsheet and sync once: returns (link id, the person editing the tab)."""

    def linked(*, delete_missing: bool = False) -> tuple[int, SheetUser]:
        sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
        link_id = link(engine, "customers", delete_missing=delete_missing)
        first = sync(engine, sheets_client, link_id)
        assert first.errors == [], first.errors
        return link_id, SheetUser(sheets_server, "Customers")

    return linked


def city_of(engine, customer) -> str:
    return stored(engine, Customer, customer.id)["city"]


def assert_converged(engine, sheets_client, link_id, *, warnings: list[str] | None = None) -> None:
    """A sync after the one under test finds nothing to do: no problem, no change, one read and one write."""
    again = sync(engine, sheets_client, link_id)
    assert (again.errors, again.conflicts, again.warnings, again.created_tabs) == ([], [], warnings or [], [])
    assert all(plan["created"] == plan["updated"] == plan["deleted"] == 0 for plan in again.pulled.values())
    assert again.api_calls == 3


# --- sharing --------------------------------------------------------------------------------------------------


def test_a_spreadsheet_not_shared_with_the_service_account_is_refused_saying_whom_to_share_it_with(
    engine, sheets_server, sheets_client, make_customer
):
    # given a customer and a linked spreadsheet its owner forgot to share with the service account
    make_customer(code="C-1", name="Acme")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": [["my notes"]]}, shared=False)
    link_id = link(engine, "customers")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the report says to share it with the service account, and neither side changed
    assert report.applied is False
    assert len(report.errors) == 1
    assert SERVICE_ACCOUNT_EMAIL in report.errors[0] and "Share" in report.errors[0], report.errors
    assert sheets_server.tab_titles(SPREADSHEET) == ["Sheet1"]
    assert link_state(engine, link_id) == (None, {})
    # and once it is shared, the next sync creates the tab
    sheets_server.spreadsheet(SPREADSHEET).shared = True
    shared = sync(engine, sheets_client, link_id)
    assert shared.errors == [] and shared.created_tabs == ["Customers"]
    assert [row["Code"] for row in SheetUser(sheets_server, "Customers").records()] == ["C-1"]
    assert sheets_server.tab(SPREADSHEET, "Sheet1") == [["my notes"]]


def test_a_spreadsheet_shared_read_only_applies_nothing_and_says_to_make_the_account_an_editor(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given a synced tab, an edit in it, and then the owner downgrading the service account to Viewer
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    link_id, user = customers_tab()
    before = link_state(engine, link_id)
    user.type(2, "City", "Milan")
    sheets_server.spreadsheet(SPREADSHEET).shared = "reader"

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the edit was read but not applied (the sheet could not be written), and the report says why
    assert report.applied is False
    assert any("Editor" in error and SERVICE_ACCOUNT_EMAIL in error for error in report.errors), report.errors
    assert city_of(engine, acme) == "Rome"
    assert link_state(engine, link_id) == before
    assert user.value(2, "City") == "Milan"
    # and when it is an editor again, the next sync applies the edit
    sheets_server.spreadsheet(SPREADSHEET).shared = True
    assert sync(engine, sheets_client, link_id).errors == []
    assert city_of(engine, acme) == "Milan"
    assert_converged(engine, sheets_client, link_id)


# --- tabs renamed or deleted ---------------------------------------------------------------------------------------


def test_a_linked_tab_renamed_by_a_user_is_left_alone_and_the_tab_is_written_again(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given a synced tab in which someone typed a new city and then renamed the tab
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    link_id, user = customers_tab()
    user.type(2, "City", "Milan")
    sheets_server.rename_tab(SPREADSHEET, "Customers", "Customers (mine)")
    renamed = sheets_server.tab(SPREADSHEET, "Customers (mine)")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then a fresh Customers tab is written from Onebook and the report warns about the missing one
    assert report.errors == [] and report.applied
    assert report.created_tabs == ["Customers"]
    assert len(report.warnings) == 1 and "'Customers' is missing" in report.warnings[0], report.warnings
    assert [(row["Code"], row["City"]) for row in user.records()] == [("C-1", "Rome")]
    # and the renamed copy is not a linked tab: left exactly as the user has it, its edit not applied
    assert sheets_server.tab(SPREADSHEET, "Customers (mine)") == renamed
    assert city_of(engine, acme) == "Rome"
    assert_converged(engine, sheets_client, link_id)


def test_a_linked_tab_deleted_by_a_user_is_written_again_and_deletes_nothing_even_with_delete_missing(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given two customers synced to a link that deletes rows missing from the sheet, and the tab deleted
    make_customer(code="C-1", name="Acme")
    make_customer(code="C-2", name="Beta")
    link_id, user = customers_tab(delete_missing=True)
    sheets_server.delete_tab(SPREADSHEET, "Customers")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then no customer is deleted, the tab is back with both rows, and the report says it was missing
    assert report.errors == [] and report.applied
    assert count(engine, Customer) == 2
    assert report.created_tabs == ["Customers"]
    assert any("'Customers' is missing" in warning for warning in report.warnings), report.warnings
    assert [row["Code"] for row in user.records()] == ["C-1", "C-2"]
    assert_converged(engine, sheets_client, link_id)


def test_a_linked_tab_renamed_only_in_case_is_still_the_linked_tab(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given a synced tab renamed from Customers to CUSTOMERS (Google allows no second tab differing only in case)
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    link_id, _ = customers_tab()
    sheets_server.rename_tab(SPREADSHEET, "Customers", "CUSTOMERS")
    user = SheetUser(sheets_server, "CUSTOMERS")
    user.type(2, "City", "Milan")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the renamed tab is read and written as the linked one, under the user's title
    assert (report.errors, report.warnings, report.created_tabs) == ([], [], [])
    assert city_of(engine, acme) == "Milan"
    assert sheets_server.tab_titles(SPREADSHEET) == ["Sheet1", "CUSTOMERS"]
    assert user.record(2)["City"] == "Milan"
    assert_converged(engine, sheets_client, link_id)


# --- headers --------------------------------------------------------------------------------------------------


def test_a_required_column_renamed_in_the_header_refuses_the_sync_at_its_cell(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given a synced tab where someone retyped the Code header and also edited a city
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    link_id, user = customers_tab()
    before = link_state(engine, link_id)
    code_header = user.address(1, "Code")
    user.type(2, "City", "Milan")
    user.type(1, "Code", "Customer Ref")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then nothing is applied and the report names the missing column and the header cell now holding something else
    assert report.applied is False
    assert any("required column missing: Code" in error for error in report.errors), report.errors
    assert any(f"Customers!{code_header}" in text for text in report.errors + report.warnings)
    assert city_of(engine, acme) == "Rome"
    assert link_state(engine, link_id) == before
    # and the sheet keeps what the user typed; the Conflicts tab lists the problem
    assert (user.value(1, "Customer Ref"), user.value(2, "City")) == ("Customer Ref", "Milan")
    assert any("required column missing: Code" in row[1] for row in sheets_server.tab(SPREADSHEET, "Conflicts")[1:])
    # when the header is put back, the next sync applies the edit and clears the Conflicts tab
    user.type(1, "Customer Ref", "Code")
    fixed = sync(engine, sheets_client, link_id)
    assert fixed.errors == [] and city_of(engine, acme) == "Milan"
    assert sheets_server.tab(SPREADSHEET, "Conflicts") == [["Cell", "What happened"]]
    assert_converged(engine, sheets_client, link_id)


def test_an_optional_column_renamed_in_the_header_is_ignored_with_a_warning_and_the_rest_applied(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given a synced tab where someone retyped the City header and renamed the customer
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    link_id, user = customers_tab()
    city_header = user.address(1, "City")
    user.type(1, "City", "Town")
    user.type(2, "Name", "Acme Holdings")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the renamed column is ignored with a warning at its cell and the name change is applied
    assert report.errors == [] and report.applied
    assert report.warnings == [f"Customers!{city_header}: column 'Town' is ignored"]
    assert stored(engine, Customer, acme.id)["name"] == "Acme Holdings"
    assert city_of(engine, acme) == "Rome"
    # and the tab shows Onebook's layout again; the retyped column is kept as the team's own (nothing is lost)
    assert user.record(2)["City"] == "Rome" and user.record(2)["Name"] == "Acme Holdings"
    assert user.record(2)["Town"] == "Rome"
    town_header = user.address(1, "Town")
    assert_converged(engine, sheets_client, link_id, warnings=[f"Customers!{town_header}: column 'Town' is ignored"])


def test_columns_moved_in_the_sheet_still_land_in_their_fields(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given a synced tab where someone moved City and Credit Limit to the front, then edited both
    acme = make_customer(code="C-1", name="Acme", city="Rome", credit_limit=Decimal("100"))
    link_id, user = customers_tab()
    rows = user.rows()
    order = [rows[0].index("City"), rows[0].index("Credit Limit")]
    order += [i for i in range(len(rows[0])) if i not in order]
    user.replace_rows([[row[i] if i < len(row) else "" for i in order] for row in rows])
    assert user.header()[:3] == ["City", "Credit Limit", "ID"]
    user.type(2, "City", "Milan")
    user.type(2, "Credit Limit", 2500)

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then each edit reached its own field, and nothing else changed
    assert (report.errors, report.warnings) == ([], [])
    assert report.pulled["Customers"]["updated"] == 1
    after = stored(engine, Customer, acme.id)
    assert (after["city"], after["credit_limit"], after["name"], after["code"]) == (
        "Milan",
        Decimal("2500"),
        "Acme",
        "C-1",
    )
    # and every value is under its own title in the tab
    record = user.record(2)
    assert (record["ID"], record["Code"], record["City"], record["Credit Limit"]) == (acme.id, "C-1", "Milan", 2500)
    assert_converged(engine, sheets_client, link_id)


# --- rows sorted or deleted ---------------------------------------------------------------------------------------


def test_rows_sorted_in_the_sheet_keep_their_order_and_their_ids(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given three synced customers, sorted by name descending in the sheet, one of them edited there
    for code, name in (("C-1", "Acme"), ("C-2", "Beta"), ("C-3", "Gamma")):
        make_customer(code=code, name=name, city="Rome")
    link_id, user = customers_tab()
    rows = user.rows()
    name = rows[0].index("Name")
    user.replace_rows([rows[0], *sorted(rows[1:], key=lambda row: row[name], reverse=True)])
    user.type(user.row_of("Code", "C-3"), "City", "Milan")
    # and a customer added in Onebook meanwhile
    delta = make_customer(code="C-4", name="Delta")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the sheet keeps the user's order, the new customer is appended, every ID still belongs to its code
    assert report.errors == []
    records = user.records()
    assert [row["Code"] for row in records] == ["C-3", "C-2", "C-1", "C-4"]
    for row in records:
        assert stored(engine, Customer, row["ID"])["code"] == row["Code"]
    assert records[3]["ID"] == delta.id
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city).where(Customer.code == "C-3")) == "Milan"
    assert_converged(engine, sheets_client, link_id)
    assert [row["Code"] for row in user.records()] == ["C-3", "C-2", "C-1", "C-4"]


def test_a_row_deleted_in_the_sheet_is_not_deleted_in_onebook_without_delete_missing(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given three synced customers and C-2's row deleted in the sheet
    for code in ("C-1", "C-2", "C-3"):
        make_customer(code=code)
    link_id, user = customers_tab()
    rows = user.rows()
    user.replace_rows([row for row in rows if "C-2" not in row])

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the customer stays in Onebook and comes back to the sheet
    assert report.errors == []
    assert report.pulled["Customers"]["deleted"] == 0
    assert count(engine, Customer) == 3
    assert sorted(row["Code"] for row in user.records()) == ["C-1", "C-2", "C-3"]
    assert_converged(engine, sheets_client, link_id)


def test_with_delete_missing_only_rows_the_last_sync_wrote_are_deleted(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given two customers synced to a delete-missing link, C-2's row deleted in the sheet
    make_customer(code="C-1")
    beta = make_customer(code="C-2")
    link_id, user = customers_tab(delete_missing=True)
    user.replace_rows([row for row in user.rows() if "C-2" not in row])
    # and C-3 created in Onebook after that sync, so the sheet never had it
    make_customer(code="C-3")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then only C-2 is deleted, through the sheets channel; C-3 is written to the sheet
    assert report.errors == []
    assert report.pulled["Customers"]["deleted"] == 1
    assert stored(engine, Customer, beta.id) is None
    with engine.connect() as connection:
        assert connection.scalars(sa.select(Customer.code).order_by(Customer.code)).all() == ["C-1", "C-3"]
        deletion = connection.execute(
            sa.select(AuditEvent.via).where(AuditEvent.entity == "Customer", AuditEvent.action == "delete")
        ).scalar_one()
    assert deletion == "sheets"
    assert [row["Code"] for row in user.records()] == ["C-1", "C-3"]
    assert_converged(engine, sheets_client, link_id)


# --- values -----------------------------------------------------------------------------------------------------


def test_text_in_a_money_column_refuses_the_sync_naming_the_cell_and_applies_nothing(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given two synced customers; someone typed words into C-1's Credit Limit and a new city for C-2
    acme = make_customer(code="C-1", name="Acme", credit_limit=Decimal("100"))
    beta = make_customer(code="C-2", name="Beta", city="Rome")
    link_id, user = customers_tab()
    before = link_state(engine, link_id)
    batches = import_batches(engine)
    credit_cell = user.address(2, "Credit Limit")
    user.type(2, "Credit Limit", "lots")
    user.type(3, "City", "Milan")

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the report names the cell and what was expected; neither edit is applied
    assert report.applied is False
    assert report.errors == [f"Customers!{credit_cell}: expected a number, got 'lots'"]
    assert stored(engine, Customer, acme.id)["credit_limit"] == Decimal("100")
    assert city_of(engine, beta) == "Rome"
    assert (link_state(engine, link_id), import_batches(engine)) == (before, batches)
    # and the sheet keeps both edits, with the bad cell listed on the Conflicts tab
    assert (user.value(2, "Credit Limit"), user.value(3, "City")) == ("lots", "Milan")
    assert [f"Customers!{credit_cell}", "expected a number, got 'lots'"] in sheets_server.tab(SPREADSHEET, "Conflicts")
    # when the cell is corrected, the next sync applies both edits
    user.type(2, "Credit Limit", 5000)
    fixed = sync(engine, sheets_client, link_id)
    assert fixed.errors == []
    assert stored(engine, Customer, acme.id)["credit_limit"] == Decimal("5000")
    assert city_of(engine, beta) == "Milan"
    assert_converged(engine, sheets_client, link_id)


def test_text_starting_with_an_apostrophe_and_a_formula_sign_goes_out_and_comes_back_unchanged(
    engine, sheets_server, sheets_client, make_customer, customers_tab
):
    # given notes that start like a neutralised formula, synced to the sheet
    acme = make_customer(code="C-1", name="Acme", notes="'=not a formula")
    link_id, user = customers_tab()

    # when it syncs again without anyone touching the sheet
    assert_converged(engine, sheets_client, link_id)

    # then the notes are as they were (reading strips one apostrophe before a formula sign: one more was written)
    assert stored(engine, Customer, acme.id)["notes"] == "'=not a formula"
    assert user.value(2, "Notes") == "''=not a formula"


def test_a_date_typed_as_google_stores_it_and_a_formulas_float_result_are_read_as_their_values(
    engine, sheets_server, sheets_client, make_employee
):
    # given a synced Employees tab
    ann = make_employee(email="ann@onebook.test", name="Ann", salary=Decimal("1000.00"))
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link(engine, "employees")
    assert sync(engine, sheets_client, link_id).errors == []
    user = SheetUser(sheets_server, "Employees")
    # when someone types 2026-03-02 into Hire Date (the API answers the serial number Google keeps, 46083) and the
    # salary cell holds a formula showing 1234.56 whose result, unformatted, is the double next to it
    serial = (date(2026, 3, 2) - date(1899, 12, 30)).days
    user.type(2, "Hire Date", serial)
    user.type(2, "Salary", 1234.5600000000002)
    report = sync(engine, sheets_client, link_id)

    # then Onebook stores the date and the salary to the cent
    assert report.errors == [], report.errors
    after = stored(engine, Employee, ann.id)
    assert (after["hire_date"], after["salary"]) == (date(2026, 3, 2), Decimal("1234.56"))
    # and the tab shows Onebook's values, which the next sync reads as unchanged
    assert user.value(2, "Salary") == 1234.56
    assert_converged(engine, sheets_client, link_id)


# --- both sides edited ----------------------------------------------------------------------------------------


@pytest.fixture
def edited_on_both_sides(engine, make_customer, customers_tab):
    """A synced customer whose city was changed in the sheet (Milan) and through the API (Turin); the sheet also
    renamed it and the API changed its phone."""
    acme = make_customer(code="C-1", name="Acme", city="Rome", phone="111")
    link_id, user = customers_tab()
    user.type(2, "City", "Milan")
    user.type(2, "Name", "Acme Holdings")
    update_in_onebook(engine, Customer, acme.id, city="Turin", phone="222")
    return link_id, user, acme


def test_a_conflict_under_fail_changes_neither_side_and_names_the_cell(engine, sheets_client, edited_on_both_sides):
    link_id, user, acme = edited_on_both_sides
    city_cell = user.address(2, "City")

    # when it syncs with the default policy
    report = sync(engine, sheets_client, link_id)

    # then it is refused with the conflict at its cell, and each side keeps exactly what it had
    assert report.applied is False
    assert report.conflicts == [
        f"Customers!{city_cell}: City was 'Rome' when exported; the sheet says 'Milan', Onebook now says 'Turin'"
    ]
    assert any(error.startswith(f"Customers!{city_cell}: ") for error in report.errors)
    after = stored(engine, Customer, acme.id)
    assert (after["city"], after["name"], after["phone"]) == ("Turin", "Acme", "222")
    assert (user.value(2, "City"), user.value(2, "Name"), user.value(2, "Phone")) == ("Milan", "Acme Holdings", "111")
    # when it is resolved in Onebook's favour, the sheet takes Onebook's city and Onebook the sheet's name
    resolved = sync(engine, sheets_client, link_id, on_conflict=OnConflict.DATABASE)
    assert resolved.errors == []
    after = stored(engine, Customer, acme.id)
    assert (after["city"], after["name"], after["phone"]) == ("Turin", "Acme Holdings", "222")
    assert (user.value(2, "City"), user.value(2, "Name"), user.value(2, "Phone")) == ("Turin", "Acme Holdings", "222")


@pytest.mark.parametrize(
    ("policy", "city"), [(OnConflict.SHEET, "Milan"), (OnConflict.DATABASE, "Turin")], ids=["sheet", "database"]
)
def test_a_conflict_resolved_by_policy_merges_everything_else_and_the_next_sync_converges(
    engine, sheets_server, sheets_client, edited_on_both_sides, policy, city
):
    link_id, user, acme = edited_on_both_sides

    # when it syncs choosing who wins conflicts
    report = sync(engine, sheets_client, link_id, on_conflict=policy)

    # then the winner's city is on both sides, and the changes that did not conflict are merged both ways
    assert report.errors == [] and report.applied
    assert len(report.conflicts) == 1 and report.pulled["Customers"]["conflicts"] == 1
    after = stored(engine, Customer, acme.id)
    assert (after["city"], after["name"], after["phone"]) == (city, "Acme Holdings", "222")
    assert (user.value(2, "City"), user.value(2, "Name"), user.value(2, "Phone")) == (city, "Acme Holdings", "222")
    # and the Conflicts tab records what was decided, until a sync without conflicts clears it
    assert len(sheets_server.tab(SPREADSHEET, "Conflicts")) == 2
    assert_converged(engine, sheets_client, link_id)
    assert sheets_server.tab(SPREADSHEET, "Conflicts") == [["Cell", "What happened"]]


# --- Google failing in the middle of a sync -------------------------------------------------------------------------

REQUESTS = {"read": "values:batchGet", "write": "values:batchUpdate"}


@pytest.mark.parametrize("status", [429, 500])
@pytest.mark.parametrize("step", ["read", "write"])
def test_a_transient_google_error_during_the_read_or_the_write_is_retried(
    engine, sheets_server, sheets_client, sheets_sleeps, make_customer, customers_tab, step, status
):
    # given a synced tab with an edit, and Google failing the next two attempts of the read (or write)
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    link_id, user = customers_tab()
    user.type(2, "City", "Milan")
    sheets_sleeps.clear()
    sheets_server.fail_next(status, count=2, paths=REQUESTS[step])

    # when it syncs
    report = sync(engine, sheets_client, link_id)

    # then the failed attempts were retried after a backoff, counted, and the sync went through
    assert report.errors == [] and report.applied
    assert report.api_calls == 3 + 2
    assert len(sheets_sleeps) == 2
    assert city_of(engine, acme) == "Milan"


@pytest.mark.parametrize("status", [429, 500])
@pytest.mark.parametrize("step", ["read", "write"])
def test_a_google_error_that_outlasts_the_retries_changes_nothing_and_the_next_sync_converges(
    engine, sheets_server, service_account_file, make_customer, step, status
):
    # given a synced tab with an edited city and a new row, and a client that tries each request three times
    client = client_from_settings(
        str(service_account_file), api_url=sheets_server.url, max_attempts=3, sleep=lambda _: None
    )
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link(engine, "customers")
    assert sync(engine, client, link_id).errors == []
    user = SheetUser(sheets_server, "Customers")
    user.type(2, "City", "Milan")
    user.type_at("B3", "C-NEW")
    user.type_at("C3", "New Co")
    before, batches = link_state(engine, link_id), import_batches(engine)
    sheets_server.fail_next(status, count=3, paths=REQUESTS[step])

    # when it syncs
    report = sync(engine, client, link_id)

    # then the report says what kept failing, and the database is exactly as it was
    assert report.applied is False
    kind = REQUESTS[step].replace(":", ".")
    assert report.errors == [
        f"Google Sheets kept answering {status} {'(quota exhausted)' if status == 429 else '(INTERNAL)'} to {kind}"
        " after 3 attempts; try again later (Google's quota is counted per minute)."
    ]
    assert report.api_calls == (2 if step == "read" else 3) + 2
    assert city_of(engine, acme) == "Rome"
    assert count(engine, Customer) == 1
    assert (link_state(engine, link_id), import_batches(engine)) == (before, batches)
    # and the sheet still has the edit and the new row, without an ID
    assert user.value(2, "City") == "Milan" and user.record(3)["ID"] == ""
    # when Google recovers, the next sync applies both once and writes the new row's ID back
    recovered = sync(engine, client, link_id)
    assert recovered.errors == []
    assert recovered.pulled["Customers"]["created"] == 1
    assert city_of(engine, acme) == "Milan"
    assert stored(engine, Customer, user.record(3)["ID"])["code"] == "C-NEW"
    assert_converged(engine, client, link_id)
    assert count(engine, Customer) == 2


def test_a_write_that_fails_on_the_first_sync_leaves_the_new_tab_for_the_next_sync_to_fill(
    engine, sheets_server, service_account_file, make_customer
):
    # given a new link whose first write Google refuses every time
    client = client_from_settings(
        str(service_account_file), api_url=sheets_server.url, max_attempts=2, sleep=lambda _: None
    )
    make_customer(code="C-1", name="Acme")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link(engine, "customers")
    sheets_server.fail_next(503, count=2, paths=REQUESTS["write"])

    # when it syncs
    failed = sync(engine, client, link_id)

    # then the tab was created but the link records no sync
    assert failed.applied is False and failed.created_tabs == ["Customers"]
    assert link_state(engine, link_id) == (None, {})
    # and the next sync fills the existing tab without creating it again
    filled = sync(engine, client, link_id)
    assert filled.errors == [] and filled.created_tabs == []
    assert [row["Code"] for row in SheetUser(sheets_server, "Customers").records()] == ["C-1"]
    assert_converged(engine, client, link_id)
