"""Google Sheets two-way sync against the local fake of the Sheets API, with the real gspread client."""

import sqlalchemy as sa

from app.database import transaction
from models.crm import Customer
from models.system import AuditEvent, SheetLink
from resolvers import crud
from resolvers.permissions import Actor
from sync.google import Mode, create_link, sync_link
from sync.importer import OnConflict
from tests.factories import count

SPREADSHEET = "sheet-0001"
ADMIN = Actor.system(via="sheets")


def link_customers(engine, **options) -> int:
    with transaction(engine) as session:
        return create_link(
            session, spreadsheet_id=SPREADSHEET, sheets=["customers"], department=None, actor=ADMIN, **options
        ).id


def titles(rows):
    return rows[0]


def column(rows, title):
    return rows[0].index(title)


def test_first_sync_creates_the_tab_and_writes_every_row_in_one_write(
    engine, sheets_server, sheets_client, make_customer
):
    # given two customers and a linked, empty spreadsheet
    make_customer(code="C-1", name="Acme")
    make_customer(code="C-2", name="Beta")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    # when it syncs
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    # then the Customers tab exists with a header and both rows, in at most 4 calls (open, read, create, write)
    assert report.errors == [], report.errors
    assert report.created_tabs == ["Customers"]
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    assert rows[0][:3] == ["ID", "Code", "Name"]
    assert [row[1] for row in rows[1:]] == ["C-1", "C-2"]
    assert report.api_calls <= 4


def test_a_cell_edited_in_the_sheet_is_applied_and_audited_as_sheets(
    engine, sheets_server, sheets_client, make_customer
):
    customer = make_customer(code="C-1", name="Acme", city="Rome")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    city = column(rows, "City")
    # when someone types a new city in the sheet and the link syncs
    sheets_server.set_cell(SPREADSHEET, "Customers", f"{chr(65 + city)}2", "Milan")
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    # then the database has it, audited through sheets, with one read and one write (plus the metadata)
    assert report.errors == []
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city).where(Customer.id == customer.id)) == "Milan"
        via = connection.scalars(sa.select(AuditEvent.via).where(AuditEvent.entity == "Customer")).all()
    assert "sheets" in via
    assert report.api_calls == 3


def test_a_change_made_in_onebook_reaches_the_sheet(engine, sheets_server, sheets_client, make_customer):
    customer = make_customer(code="C-1", name="Acme")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    with transaction(engine) as session:
        crud.update(session, Customer, customer.id, {"name": "Acme Renamed"}, actor=ADMIN)
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert report.errors == []
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    assert rows[1][column(rows, "Name")] == "Acme Renamed"


def test_a_row_added_in_the_sheet_is_created_and_gets_its_id_written_back(
    engine, sheets_server, sheets_client, make_customer
):
    make_customer(code="C-1", name="Acme")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    sheets_server.set_cell(SPREADSHEET, "Customers", "B3", "C-2")
    sheets_server.set_cell(SPREADSHEET, "Customers", "C3", "New Co")
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert report.errors == [], report.errors
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    new_id = rows[2][0]
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.code).where(Customer.id == new_id)) == "C-2"
    # and syncing again creates nothing more
    again = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert again.pulled["Customers"]["created"] == 0
    assert count(engine, Customer) == 2


def test_both_sides_edited_is_a_conflict_listed_on_a_conflicts_tab_and_nothing_changes(
    engine, sheets_server, sheets_client, make_customer
):
    customer = make_customer(code="C-1", name="Acme", city="Rome")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    city = column(rows, "City")
    sheets_server.set_cell(SPREADSHEET, "Customers", f"{chr(65 + city)}2", "Milan")
    with transaction(engine) as session:
        crud.update(session, Customer, customer.id, {"city": "Turin"}, actor=ADMIN)
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert report.applied is False
    assert any("City" in error for error in report.errors)
    assert "Conflicts" in sheets_server.tab_titles(SPREADSHEET)
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city).where(Customer.id == customer.id)) == "Turin"
    # the sheet still has its edit: nothing lost; resolving in favour of the sheet converges
    assert sheets_server.tab(SPREADSHEET, "Customers")[1][city] == "Milan"
    resolved = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN, on_conflict=OnConflict.SHEET)
    assert resolved.errors == []
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city).where(Customer.id == customer.id)) == "Milan"


def test_quota_errors_during_the_write_leave_the_database_unchanged_and_the_next_sync_converges(
    engine, sheets_server, make_customer, service_account_file
):
    from sync.sheets_api import client_from_settings

    customer = make_customer(code="C-1", name="Acme", city="Rome")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    client = client_from_settings(
        str(service_account_file), api_url=sheets_server.url, max_attempts=2, sleep=lambda _: None
    )
    link_id = link_customers(engine)
    sync_link(engine, client, link_id, mode=Mode.SYNC, actor=ADMIN)
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    city = column(rows, "City")
    sheets_server.set_cell(SPREADSHEET, "Customers", f"{chr(65 + city)}2", "Milan")
    sheets_server.fail_next(429, count=2, methods=["POST"])  # both attempts of the one write
    failed = sync_link(engine, client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert failed.applied is False and failed.errors
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city).where(Customer.id == customer.id)) == "Rome"
    converged = sync_link(engine, client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert converged.errors == []
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city).where(Customer.id == customer.id)) == "Milan"


def test_a_spreadsheet_that_does_not_exist_is_a_clear_report(engine, sheets_server, sheets_client):
    link_id = link_customers(engine)
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert report.applied is False
    assert report.errors and SPREADSHEET in report.errors[0]
    with engine.connect() as connection:
        stored = connection.execute(sa.select(SheetLink.last_report)).scalar_one()
    assert stored["errors"] == report.errors


def test_a_column_the_team_added_to_the_tab_is_kept_through_syncs(engine, sheets_server, sheets_client, make_customer):
    # given a synced tab to which someone added a "Follow-up" column with notes
    make_customer(code="C-1", name="Acme")
    make_customer(code="C-2", name="Beta")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    width = len(sheets_server.tab(SPREADSHEET, "Customers")[0])
    extra = chr(65 + width)
    sheets_server.set_cell(SPREADSHEET, "Customers", f"{extra}1", "Follow-up")
    sheets_server.set_cell(SPREADSHEET, "Customers", f"{extra}3", "call Beta on Monday")
    # when Onebook changes a customer and the link syncs
    with transaction(engine) as session:
        crud.update(session, Customer, 1, {"name": "Acme Renamed"}, actor=ADMIN)
    report = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    # then the change is written and the team's column and its note are still there, on the same row
    assert report.errors == []
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    note = rows[0].index("Follow-up")
    assert rows[1][column(rows, "Name")] == "Acme Renamed"
    assert rows[2][column(rows, "Code")] == "C-2" and rows[2][note] == "call Beta on Monday"


def test_dates_are_written_as_real_dates_serial_numbers_with_a_date_format(
    engine, sheets_server, sheets_client, make_customer
):
    # given a customer (its Updated At is a date and time)
    make_customer(code="C-1", name="Acme")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link_customers(engine)
    # when the first sync creates and fills the tab
    sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    # then the cell holds a serial number, and its column got a date-time number format in the creation request
    rows = sheets_server.tab(SPREADSHEET, "Customers")
    updated = column(rows, "Updated At")
    assert isinstance(rows[1][updated], int | float) and rows[1][updated] > 40_000
    formats = [
        request["repeatCell"]
        for request in sheets_server.spreadsheet(SPREADSHEET).requests
        if "repeatCell" in request and "numberFormat" in str(request)
    ]
    assert any(
        f["range"]["startColumnIndex"] == updated
        and f["cell"]["userEnteredFormat"]["numberFormat"]["type"] == "DATE_TIME"
        for f in formats
    )
    # and a second sync reads the serial back as the same moment: nothing to change
    again = sync_link(engine, sheets_client, link_id, mode=Mode.SYNC, actor=ADMIN)
    assert again.errors == [] and again.pulled["Customers"]["updated"] == 0
