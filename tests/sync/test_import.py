"""Importing workbooks: an export edited as people edit it comes back through the one write path, all or nothing.

Every test writes real files (an export edited with openpyxl, a workbook or CSV typed from scratch) and imports them
into this backend's database.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

import sync.importer
from app.database import transaction
from app.demo import seed
from models.crm import Contact, Customer, CustomerKind, CustomerStatus, Interaction, Ticket, TicketStatus
from models.hr import Department, Employee
from models.system import AuditEvent, ImportBatch, User
from resolvers import crud
from resolvers.errors import Refused
from resolvers.permissions import Actor
from resolvers.users import add_user
from sync.importer import OnConflict
from sync.registry import SHEETS, layout_for
from sync.undo import undo_import
from sync.writing import csv_stream, readable_columns
from tests.factories import count, stored
from tests.sync.workbooks import (
    ADMIN,
    EditedWorkbook,
    actor,
    database_contents,
    errors_at,
    excel_serial,
    export,
    new_workbook,
    plan,
    run_import,
    write_csv,
)

API = Actor.system(via="api")


def counts(*, created: int = 0, updated: int = 0, unchanged: int = 0, deleted: int = 0, conflicts: int = 0) -> dict:
    """A sheet's expected plan."""
    return {"created": created, "updated": updated, "unchanged": unchanged, "deleted": deleted, "conflicts": conflicts}


def scalar(engine, query):
    with engine.connect() as connection:
        return connection.scalar(query)


def change(engine, model, id: int, **values) -> None:
    """Someone changes a record in Onebook (through the API) after the export."""
    with transaction(engine) as session:
        crud.update(session, model, id, values, actor=API)


def audit_events(engine, **where) -> list[dict]:
    events = AuditEvent.__table__
    query = sa.select(events).where(*(events.c[name] == value for name, value in where.items())).order_by(events.c.id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def business_contents(engine) -> dict[str, list[tuple]]:
    """Every table but the import's own bookkeeping."""
    contents = database_contents(engine)
    del contents["import_batches"]
    return contents


# --- round trips --------------------------------------------------------------------------------------------------


def test_an_unedited_export_imports_with_no_changes_on_every_sheet(engine, database_url, tmp_path):
    seed(engine, size="small")
    with transaction(engine) as session:
        add_user(session, email="ann@onebook.test", roles="sales", name="Ann", actor=API)
        crud.create(session, User, {"email": "no-roles@onebook.test", "active": False}, actor=API)
    path = export(database_url, tmp_path / "everything.xlsx")
    before = business_contents(engine)

    result = run_import(engine, path)

    importable = {layout.title for layout in SHEETS if layout.importable}
    assert result.errors == [] and result.conflicts == [] and result.warnings == []
    assert set(result.summary()) == importable
    seeded = {title for title, planned in result.summary().items() if planned["unchanged"] > 0}
    assert {"Departments", "Employees", "Customers", "Contacts", "Interactions", "Users"} <= seeded
    for title, planned in result.summary().items():
        assert planned == counts(unchanged=planned["unchanged"]), title
    assert business_contents(engine) == before
    assert audit_events(engine, batch_id=result.batch_id) == []


def test_importing_the_same_edited_file_twice_changes_nothing_the_second_time(
    engine, database_url, tmp_path, make_customer
):
    customer = make_customer(name="Old name")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    book.set("Customers", customer.id, "Name", "New name")
    book.add("Customers", {"Code": "C-NEW", "Name": "New customer"})
    book.add("Contacts", {"Customer Code": "C-NEW", "Name": "Nia", "Email": "nia@new.test"})
    path = book.save(tmp_path / "edited.xlsx")
    first = run_import(engine, path)
    assert first.errors == []
    after_first = business_contents(engine)

    second = run_import(engine, path)

    assert second.errors == [] and second.applied
    assert second.summary() == {"Customers": counts(unchanged=2), "Contacts": counts(unchanged=1)}
    assert business_contents(engine) == after_first
    assert audit_events(engine, batch_id=second.batch_id) == []


# --- the records an export lists are read while the file is parsed -----------------------------------------------


@pytest.fixture
def reads(engine, monkeypatch):
    """What the import reads, in order: each statement reading a sheet's records with their references' keys
    (`_current_values`) as "records of <table>", and "file read" once the workbook has been read."""
    seen: list[str] = []
    real_read = sync.importer.read_workbook

    def read_workbook(*args, **kwargs):
        data = real_read(*args, **kwargs)
        seen.append("file read")
        return data

    def statement_run(connection, cursor, statement, parameters, context, executemany):
        found = re.search(r"FROM (\w+) LEFT OUTER JOIN", statement)
        if found:
            seen.append(f"records of {found.group(1)}")

    monkeypatch.setattr(sync.importer, "read_workbook", read_workbook)
    sa.event.listen(engine, "before_cursor_execute", statement_run)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", statement_run)


def test_the_records_an_export_lists_are_read_once_while_the_file_is_read(
    engine, database_url, tmp_path, make_customer, reads
):
    customers = [make_customer(city="Paris") for _ in range(3)]
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", customers[1].id, "City", "Lyon")
    path = book.save(tmp_path / "edited.xlsx")

    result = run_import(engine, path)

    assert result.errors == [] and result.summary() == {"Customers": counts(updated=1, unchanged=2)}
    assert reads == ["records of customers", "file read"]
    assert [stored(engine, Customer, customer.id)["city"] for customer in customers] == ["Paris", "Lyon", "Paris"]


def test_a_record_the_export_did_not_list_is_read_after_the_file(engine, database_url, tmp_path, make_customer, reads):
    listed = make_customer(name="Listed")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    later = make_customer(name="Added later")
    book.set("Customers", listed.id, "Name", "Listed, renamed")
    book.add("Customers", {"Code": later.code, "Name": "Added later, renamed"})  # typed by its code

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == [] and plan(result, "Customers")["updated"] == 2
    assert reads == ["records of customers", "file read", "records of customers"]  # the second: only the other
    assert stored(engine, Customer, listed.id)["name"] == "Listed, renamed"
    assert stored(engine, Customer, later.id)["name"] == "Added later, renamed"


def test_only_the_chosen_sheets_records_are_read_ahead(
    engine, database_url, tmp_path, make_customer, make_contact, reads
):
    customer = make_customer()
    contact = make_contact(customer, name="Pat")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    book.set("Contacts", contact.id, "Name", "Patricia")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), sheet="Contacts")

    assert result.errors == [] and result.summary() == {"Contacts": counts(updated=1)}
    assert reads == ["records of contacts", "file read"]
    assert stored(engine, Contact, contact.id)["name"] == "Patricia"


def test_a_refused_file_leaves_the_database_free_for_other_writers(engine, database_url, tmp_path, make_customer):
    customer = make_customer(name="Before")
    path = tmp_path / "broken.xlsx"
    path.write_bytes(export(database_url, tmp_path / "export.xlsx", ["customers"]).read_bytes()[:2000])

    result = run_import(engine, path)
    change(engine, Customer, customer.id, name="After")  # would wait, then fail, if the import still held the lock

    assert result.errors and not result.applied
    assert stored(engine, Customer, customer.id)["name"] == "After"


# --- cells as people type them ------------------------------------------------------------------------------------


def test_text_choices_in_any_case_and_money_with_separators_are_applied(engine, database_url, tmp_path, make_customer):
    customer = make_customer(name="Acme", status=CustomerStatus.ACTIVE, credit_limit=Decimal("10.00"))
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", customer.id, "Name", "  Acme Holdings ")
    book.set("Customers", customer.id, "Status", "INACTIVE")
    book.set("Customers", customer.id, "Kind", "pErSoN")
    book.set("Customers", customer.id, "Credit Limit", "1,234.50")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert plan(result, "Customers") == counts(updated=1)
    row = stored(engine, Customer, customer.id)
    assert (row["name"], row["status"], row["kind"], row["credit_limit"]) == (
        "Acme Holdings",
        CustomerStatus.INACTIVE,
        CustomerKind.PERSON,
        Decimal("1234.50"),
    )


def test_numbers_typed_in_text_columns_of_new_rows_are_read_as_the_sheet_shows_them(engine, tmp_path):
    path = new_workbook(tmp_path / "new.xlsx", {"Customers": [["Code", "Name", "Phone"], [1001, 2026, 5551234.0]]})

    result = run_import(engine, path)

    assert result.errors == []
    with engine.connect() as connection:
        row = connection.execute(sa.select(Customer.code, Customer.name, Customer.phone)).one()
    assert tuple(row) == ("1001", "2026", "5551234")


def test_an_edited_value_its_check_refuses_is_reported_at_its_cell_and_nothing_is_written(
    engine, database_url, tmp_path, make_customer
):
    customer = make_customer(email="old@acme.test", country="DE", credit_limit=Decimal("10.00"))
    other = make_customer(email="keep@other.test")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    bad = {
        book.set("Customers", customer.id, "Email", "no email"): "email 'no email' is not a valid email address",
        book.set("Customers", customer.id, "Country", "de "): None,  # fine: trimmed and upper-cased
        book.set("Customers", customer.id, "Credit Limit", -5): "credit limit must be at least 0",
        book.set("Customers", other.id, "Name", "x" * 201): "name is longer than 200 characters",
    }
    before = database_contents(engine)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert errors_at(result) == {cell: message for cell, message in bad.items() if message}
    assert database_contents(engine) == before

    book.set("Customers", customer.id, "Email", " New@Acme.TEST")
    book.set("Customers", customer.id, "Credit Limit", "12.5")
    book.set("Customers", other.id, "Name", "Other Ltd")
    result = run_import(engine, book.save(tmp_path / "fixed.xlsx"))

    assert result.errors == []
    row = stored(engine, Customer, customer.id)
    assert (row["email"], row["country"], row["credit_limit"]) == ("new@acme.test", "DE", Decimal("12.50"))


def test_a_choice_label_with_spaces_is_read_in_any_case(engine, database_url, tmp_path, ticket):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["tickets"]))
    book.set("Tickets", ticket.id, "Status", "in PROGRESS")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert stored(engine, Ticket, ticket.id)["status"] is TicketStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("typed", "number_format", "day_first", "expected"),
    [
        (excel_serial(date(2026, 11, 28)), "General", True, date(2026, 11, 28)),
        ("2026-11-28", None, True, date(2026, 11, 28)),
        ("28/11/2026", None, True, date(2026, 11, 28)),
        ("11/28/2026", None, False, date(2026, 11, 28)),
        ("03/04/2026", None, True, date(2026, 4, 3)),
        ("03/04/2026", None, False, date(2026, 3, 4)),
    ],
    ids=["excel-serial", "iso", "day-first", "month-first", "ambiguous-day-first", "ambiguous-month-first"],
)
def test_dates_are_read_as_serials_iso_text_or_slashed_in_the_configured_order(
    engine, database_url, tmp_path, make_employee, typed, number_format, day_first, expected
):
    employee = make_employee(hire_date=date(2020, 1, 1))
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["employees"]))
    book.set("Employees", employee.id, "Hire Date", typed, number_format=number_format)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), day_first=day_first)

    assert result.errors == []
    assert stored(engine, Employee, employee.id)["hire_date"] == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("no", False), ("FALSE", False), (0, False), ("0", False), ("Yes", True), ("true", True), (1, True)],
)
def test_booleans_are_read_from_yes_no_true_false_and_1_0(engine, database_url, tmp_path, typed, expected):
    with transaction(engine) as session:
        user = crud.create(session, User, {"email": "bo@onebook.test", "active": not expected}, actor=API)
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["users"]))
    book.set("Users", user.id, "Active", typed)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert stored(engine, User, user.id)["active"] is expected


# --- new rows, natural keys and headers ---------------------------------------------------------------------------


def test_a_new_customer_and_its_contact_referring_to_it_by_code_are_created_together(engine, database_url, tmp_path):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    book.add("Customers", {"Code": "C-NEW", "Name": "New customer", "Status": "Active"})
    book.add("Contacts", {"Customer Code": "C-NEW", "Name": "Nia", "Email": "nia@new.test"})

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert (plan(result, "Customers")["created"], plan(result, "Contacts")["created"]) == (1, 1)
    with engine.connect() as connection:
        customer_id = connection.scalar(sa.select(Customer.id).where(Customer.code == "C-NEW"))
        contact = connection.execute(sa.select(Contact.customer_id, Contact.name, Contact.email)).one()
    assert tuple(contact) == (customer_id, "Nia", "nia@new.test")


NEW_CUSTOMER_HEADER = ["Code", "Name", "Email", "Country", "Status", "Credit Limit"]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_new_rows_values_are_checked_at_their_cells_and_blank_ones_take_the_default(engine, tmp_path, kind):
    rows = [
        NEW_CUSTOMER_HEADER,
        ["C-1", "  Fine Ltd  ", " Sales@Fine.TEST ", "de", "", "12.50"],
        ["C-2", "x" * 201, "not an email", "Germany", "Active", "10.005"],
        ["C-3", "", "", "", "retired", "-5"],
    ]
    path = new_workbook(tmp_path / "new.xlsx", {"Customers": rows}) if kind == "xlsx" else None
    path = path or write_csv(tmp_path / "Customers.csv", rows)
    before = database_contents(engine)

    result = run_import(engine, path)

    assert errors_at(result) == {
        "Customers!B3": "name is longer than 200 characters",
        "Customers!C3": "email 'not an email' is not a valid email address",
        "Customers!D3": "country is longer than 2 characters",
        "Customers!F3": "credit limit has more than two decimal places",
        "Customers!B4": "name is required",
        "Customers!E4": "'retired' is not one of: Prospect, Active, Inactive",
        "Customers!F4": "credit limit must be at least 0",
    }
    assert database_contents(engine) == before

    result = run_import(engine, write_csv(tmp_path / "Customers.csv", rows[:2]))

    assert result.errors == []
    with engine.connect() as connection:
        created = connection.execute(
            sa.select(Customer.name, Customer.email, Customer.country, Customer.status, Customer.credit_limit)
        ).one()
    assert tuple(created) == ("Fine Ltd", "sales@fine.test", "DE", CustomerStatus.PROSPECT, Decimal("12.50"))


def test_a_row_without_id_whose_natural_key_exists_updates_that_record(engine, tmp_path, make_customer, make_contact):
    customer = make_customer(code="C-1", name="Old name")
    contact = make_contact(customer, name="Pat", email="pat@acme.test")
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Customers": [["Code", "Name"], ["C-1", "New name"]],
            "Contacts": [["Customer Code", "Email", "Name"], ["C-1", "PAT@acme.test", "Patricia"]],
        },
    )

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Customers")["updated"] == plan(result, "Contacts")["updated"] == 1
    assert (count(engine, Customer), count(engine, Contact)) == (1, 1)
    assert stored(engine, Customer, customer.id)["name"] == "New name"
    assert stored(engine, Contact, contact.id)["name"] == "Patricia"


def test_headers_match_titles_or_attribute_names_in_any_case_and_order_and_unknown_ones_are_warned_about(
    engine, tmp_path, make_employee
):
    make_employee(email="owner@onebook.test")
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "customers": [
                ["credit_limit", "  NAME ", "Favourite colour", "owner email", "CODE", "Status"],
                [250, "Acme", "blue", "owner@onebook.test", "C-9", "active"],
            ]
        },
    )

    result = run_import(engine, path)

    assert result.errors == []
    assert result.warnings == ["customers!C1: column 'Favourite colour' is ignored"]
    with engine.connect() as connection:
        row = connection.execute(sa.select(Customer.__table__)).mappings().one()
    owner = scalar(engine, sa.select(Employee.id).where(Employee.email == "owner@onebook.test"))
    assert (row["code"], row["name"], row["credit_limit"], row["status"], row["owner_id"]) == (
        "C-9",
        "Acme",
        Decimal("250.00"),
        CustomerStatus.ACTIVE,
        owner,
    )


def test_read_only_columns_are_ignored(engine, database_url, tmp_path, customer):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", customer.id, "Updated At", "not even a date")
    before = stored(engine, Customer, customer.id)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == [] and result.warnings == []
    assert plan(result, "Customers") == counts(unchanged=1)
    assert stored(engine, Customer, customer.id) == before


# --- three-way merge ----------------------------------------------------------------------------------------------


def test_a_field_changed_only_in_onebook_since_the_export_is_kept(engine, database_url, tmp_path, make_customer):
    customer = make_customer(phone="111", city="Paris")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", customer.id, "City", "Lyon")
    change(engine, Customer, customer.id, phone="222")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == [] and result.conflicts == []
    row = stored(engine, Customer, customer.id)
    assert (row["phone"], row["city"]) == ("222", "Lyon")


def test_a_field_changed_only_in_onebook_since_the_export_is_kept_for_deferred_references_too(
    engine, database_url, tmp_path, make_employee
):
    boss, worker = make_employee(), make_employee()
    path = export(database_url, tmp_path / "export.xlsx", ["employees"])
    change(engine, Employee, worker.id, manager_id=boss.id)

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Employees") == counts(unchanged=2)
    assert stored(engine, Employee, worker.id)["manager_id"] == boss.id


def test_a_deferred_reference_changed_in_the_sheet_is_applied(engine, database_url, tmp_path, make_employee):
    boss, worker = make_employee(email="boss@onebook.test"), make_employee()
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["employees"]))
    book.set("Employees", worker.id, "Manager Email", "Boss@onebook.test")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert plan(result, "Employees") == counts(updated=1, unchanged=1)
    assert stored(engine, Employee, worker.id)["manager_id"] == boss.id


def test_a_deferred_reference_changed_on_both_sides_is_a_conflict_at_its_cell(
    engine, database_url, tmp_path, make_employee
):
    sheet_boss, onebook_boss = make_employee(email="sheet.boss@onebook.test"), make_employee()
    worker = make_employee()
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["employees"]))
    cell = book.set("Employees", worker.id, "Manager Email", sheet_boss.email)
    change(engine, Employee, worker.id, manager_id=onebook_boss.id)
    path = book.save(tmp_path / "edited.xlsx")
    before = database_contents(engine)

    failed = run_import(engine, path)

    assert list(errors_at(failed)) == [cell]
    assert f"the sheet says '{sheet_boss.email}', Onebook now says '{onebook_boss.email}'" in errors_at(failed)[cell]
    assert database_contents(engine) == before

    resolved = run_import(engine, path, on_conflict=OnConflict.SHEET)

    assert resolved.applied and [conflict.cell for conflict in resolved.conflicts] == [cell]
    assert stored(engine, Employee, worker.id)["manager_id"] == sheet_boss.id


@pytest.mark.parametrize(
    ("on_conflict", "expected_name"),
    [(OnConflict.SHEET, "Sheet name"), (OnConflict.DATABASE, "Onebook name")],
)
def test_a_conflict_is_resolved_by_the_chosen_side(
    engine, database_url, tmp_path, make_customer, on_conflict, expected_name
):
    customer = make_customer(name="Exported name", city="Paris")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    cell = book.set("Customers", customer.id, "Name", "Sheet name")
    book.set("Customers", customer.id, "City", "Lyon")
    change(engine, Customer, customer.id, name="Onebook name")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), on_conflict=on_conflict)

    assert result.errors == [] and result.applied
    assert [(c.cell, c.base, c.sheet_value, c.database_value) for c in result.conflicts] == [
        (cell, "Exported name", "Sheet name", "Onebook name")
    ]
    assert plan(result, "Customers")["conflicts"] == 1
    row = stored(engine, Customer, customer.id)
    assert (row["name"], row["city"]) == (expected_name, "Lyon")


def test_a_conflict_fails_the_import_by_default_and_nothing_is_written(engine, database_url, tmp_path, make_customer):
    customer = make_customer(name="Exported name")
    other = make_customer(name="Other")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    cell = book.set("Customers", customer.id, "Name", "Sheet name")
    book.set("Customers", other.id, "Name", "Other, renamed")
    change(engine, Customer, customer.id, name="Onebook name")
    before = database_contents(engine)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert not result.applied and result.batch_id is None
    assert list(errors_at(result)) == [cell]
    assert "the sheet says 'Sheet name', Onebook now says 'Onebook name'" in errors_at(result)[cell]
    assert "--on-conflict" in errors_at(result)[cell]
    assert database_contents(engine) == before


def test_both_sides_changing_a_field_to_the_same_value_is_no_conflict(engine, database_url, tmp_path, customer):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", customer.id, "Name", "Agreed")
    change(engine, Customer, customer.id, name="Agreed")

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == [] and result.conflicts == []
    assert plan(result, "Customers") == counts(unchanged=1)


# --- deleting rows missing from the sheet -------------------------------------------------------------------------


def test_delete_missing_deletes_only_rows_the_export_listed(engine, database_url, tmp_path, make_customer):
    kept, dropped = make_customer(), make_customer()
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.remove("Customers", dropped.id)
    created_after_export = make_customer()

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), delete_missing=True)

    assert result.errors == []
    assert plan(result, "Customers") == counts(unchanged=1, deleted=1)
    assert stored(engine, Customer, dropped.id) is None
    assert stored(engine, Customer, kept.id) is not None
    assert stored(engine, Customer, created_after_export.id) is not None


def test_without_delete_missing_rows_missing_from_the_sheet_stay(engine, database_url, tmp_path, make_customer):
    make_customer()
    dropped = make_customer()
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.remove("Customers", dropped.id)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"))

    assert result.errors == []
    assert plan(result, "Customers")["deleted"] == 0
    assert stored(engine, Customer, dropped.id) is not None


def test_delete_missing_removes_a_customer_and_its_contacts_removed_from_the_same_file(
    engine, database_url, tmp_path, make_customer, make_contact
):
    customer = make_customer()
    contact = make_contact(customer)
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    book.remove("Customers", customer.id)
    book.remove("Contacts", contact.id)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), delete_missing=True)

    assert result.errors == []
    assert plan(result, "Customers")["deleted"] == plan(result, "Contacts")["deleted"] == 1
    assert (count(engine, Customer), count(engine, Contact)) == (0, 0)


def test_delete_missing_refuses_a_customer_whose_contacts_stay(engine, database_url, tmp_path, make_customer, contact):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    book.remove("Customers", contact.customer_id)
    before = database_contents(engine)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), delete_missing=True)

    assert [problem.sheet for problem in result.errors] == ["Customers"]
    code = stored(engine, Customer, contact.customer_id)["code"]
    message = result.errors[0].message
    assert message.startswith(f"the row with ID {contact.customer_id} (Code {code!r}) is gone from the sheet but")
    assert "still has 1 contact" in message
    assert database_contents(engine) == before


# --- dry run ------------------------------------------------------------------------------------------------------


def test_a_dry_run_reports_the_plan_and_writes_nothing(engine, database_url, tmp_path, make_customer):
    edited, dropped = make_customer(), make_customer()
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", edited.id, "Name", "Renamed")
    book.remove("Customers", dropped.id)
    book.add("Customers", {"Code": "C-NEW", "Name": "New"})
    before = database_contents(engine)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), dry_run=True, delete_missing=True)

    assert result.errors == []
    assert not result.applied and result.batch_id is None
    assert plan(result, "Customers") == counts(created=1, updated=1, deleted=1)
    assert database_contents(engine) == before


# --- references to rows created in the same file ------------------------------------------------------------------


def test_a_new_department_headed_by_a_new_employee_in_the_same_file(engine, tmp_path):
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Departments": [["Code", "Name", "Head Email"], ["OPS", "Operations", "Hana@onebook.test"]],
            "Employees": [["Email", "Name", "Department Code"], ["hana@onebook.test", "Hana", "OPS"]],
        },
    )

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Departments")["created"] == plan(result, "Employees")["created"] == 1
    with engine.connect() as connection:
        department = connection.execute(sa.select(Department.id, Department.head_id)).one()
        employee = connection.execute(sa.select(Employee.id, Employee.department_id)).one()
    assert (department.head_id, employee.department_id) == (employee.id, department.id)


def test_a_new_employee_managed_by_another_new_employee(engine, tmp_path):
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Employees": [
                ["Email", "Name", "Manager Email"],
                ["worker@onebook.test", "Wim", "boss@onebook.test"],
                ["boss@onebook.test", "Bea", None],
            ]
        },
    )

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Employees") == counts(created=2)
    with engine.connect() as connection:
        managers = dict(connection.execute(sa.select(Employee.email, Employee.manager_id)).all())
        boss_id = connection.scalar(sa.select(Employee.id).where(Employee.email == "boss@onebook.test"))
    assert managers == {"worker@onebook.test": boss_id, "boss@onebook.test": None}


def test_a_deferred_reference_to_nobody_is_reported_with_the_other_errors(engine, tmp_path):
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Departments": [["Code", "Name", "Head Email"], ["OPS", "Operations", "nobody@onebook.test"]],
            "Employees": [["Email", "Name"], ["not an email", "Hana"]],
        },
    )
    before = database_contents(engine)

    result = run_import(engine, path)

    assert errors_at(result) == {
        "Employees!A2": "email 'not an email' is not a valid email address",
        "Departments!C2": "no employee with email 'nobody@onebook.test'",
    }
    assert database_contents(engine) == before


# --- batches, audit and undo --------------------------------------------------------------------------------------


def edited_customers(engine, database_url, tmp_path, make_customer):
    """An applied import that updated one customer, created one and deleted one."""
    updated, deleted = make_customer(name="Before"), make_customer(name="Doomed", city="Oslo")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", updated.id, "Name", "After")
    book.remove("Customers", deleted.id)
    book.add("Customers", {"Code": "C-NEW", "Name": "New"})
    before = business_contents(engine)
    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), delete_missing=True)
    assert result.errors == [] and result.applied
    created = scalar(engine, sa.select(Customer.id).where(Customer.code == "C-NEW"))
    return result, before, {"updated": updated.id, "deleted": deleted.id, "created": created}


def test_an_applied_import_is_a_batch_whose_audit_events_name_it(engine, database_url, tmp_path, make_customer):
    result, _, ids = edited_customers(engine, database_url, tmp_path, make_customer)

    batch = stored(engine, ImportBatch, result.batch_id)
    assert (batch["via"], batch["filename"], batch["status"]) == ("import", "edited.xlsx", "applied")
    assert batch["summary"] == result.summary()
    events = audit_events(engine, batch_id=result.batch_id)
    assert sorted((e["action"], e["entity"], e["entity_id"]) for e in events) == sorted(
        [
            ("update", "Customer", ids["updated"]),
            ("delete", "Customer", ids["deleted"]),
            ("create", "Customer", ids["created"]),
        ]
    )
    assert {e["via"] for e in events} == {"import"}


def test_undo_reverts_the_creates_updates_and_deletes_of_a_batch(engine, database_url, tmp_path, make_customer):
    result, before, ids = edited_customers(engine, database_url, tmp_path, make_customer)

    with transaction(engine) as session:
        counts = undo_import(session, result.batch_id, actor=ADMIN)

    assert counts == {"deleted": 1, "reverted": 1, "restored": 1}
    assert stored(engine, Customer, ids["created"]) is None
    assert stored(engine, Customer, ids["updated"])["name"] == "Before"
    restored = stored(engine, Customer, ids["deleted"])
    assert (restored["name"], restored["city"]) == ("Doomed", "Oslo")
    bookkeeping = {"created_at", "updated_at", "version"}
    customers = Customer.__table__
    positions = [index for index, column in enumerate(customers.c) if column.name not in bookkeeping]
    after = business_contents(engine)
    assert [[row[i] for i in positions] for row in after["customers"]] == [
        [row[i] for i in positions] for row in before["customers"]
    ]
    assert stored(engine, ImportBatch, result.batch_id)["status"] == "undone"


def test_undo_removes_rows_created_with_references_to_each_other(engine, tmp_path, make_employee):
    existing = make_employee()
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Departments": [["Code", "Name", "Head Email"], ["OPS", "Operations", "boss@onebook.test"]],
            "Employees": [
                ["Email", "Name", "Department Code", "Manager Email"],
                ["boss@onebook.test", "Bea", "OPS", None],
                ["worker@onebook.test", "Wim", "OPS", "boss@onebook.test"],
                [existing.email, existing.name, "OPS", "boss@onebook.test"],
            ],
        },
    )
    before = business_contents(engine)
    result = run_import(engine, path)
    assert result.errors == []

    with transaction(engine) as session:
        undo_import(session, result.batch_id, actor=ADMIN)

    after = business_contents(engine)
    assert (count(engine, Department), count(engine, Employee)) == (0, 1)
    row = stored(engine, Employee, existing.id)
    assert (row["department_id"], row["manager_id"]) == (None, None)
    assert after["employees"][0][:3] == before["employees"][0][:3]


def test_undo_is_refused_when_a_later_change_touched_the_same_rows(engine, database_url, tmp_path, make_customer):
    result, _, ids = edited_customers(engine, database_url, tmp_path, make_customer)
    change(engine, Customer, ids["updated"], phone="555")
    before = database_contents(engine)

    with pytest.raises(Refused) as refusal, transaction(engine) as session:
        undo_import(session, result.batch_id, actor=ADMIN)

    assert "can't be undone: later changes touched its rows" in str(refusal.value.errors[0].message)
    assert f"Customer {ids['updated']} (update" in refusal.value.errors[0].message
    assert database_contents(engine) == before


def test_a_batch_is_undone_only_once(engine, database_url, tmp_path, make_customer):
    result, _, _ = edited_customers(engine, database_url, tmp_path, make_customer)
    with transaction(engine) as session:
        undo_import(session, result.batch_id, actor=ADMIN)

    with pytest.raises(Refused, match="already undone"), transaction(engine) as session:
        undo_import(session, result.batch_id, actor=ADMIN)


# --- permissions --------------------------------------------------------------------------------------------------


def test_a_salesperson_cannot_change_a_credit_limit_by_import(engine, database_url, tmp_path, make_customer):
    customer = make_customer(credit_limit=Decimal("100.00"))
    sales = actor("sales")
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"], as_actor=sales))
    cell = book.set("Customers", customer.id, "Credit Limit", 99999)
    book.set("Customers", customer.id, "Name", "Allowed change")
    before = database_contents(engine)

    result = run_import(engine, book.save(tmp_path / "edited.xlsx"), as_actor=sales)

    assert errors_at(result) == {cell: "you may not change the credit limit of a customer"}
    assert database_contents(engine) == before


def test_a_salesperson_importing_a_users_sheet_is_refused(engine, tmp_path, customer):
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Customers": [["Code", "Name"], [customer.code, "Renamed"]],
            "Users": [["Email", "Roles"], ["me@onebook.test", "admin"]],
        },
    )
    before = database_contents(engine)

    result = run_import(engine, path, as_actor=actor("sales"))

    assert errors_at(result) == {"Users": "you may not read or change Users; remove the sheet"}
    assert database_contents(engine) == before


# --- CSV ----------------------------------------------------------------------------------------------------------


def test_a_csv_named_after_its_sheet_imports_with_formula_like_text_restored(engine, tmp_path):
    path = write_csv(
        tmp_path / "Customers.csv",
        [
            ["Code", "Name", "Notes"],
            ["C-1", "Zoë Ärger GmbH", '\'=HYPERLINK("http://x.test")'],
            ["C-2", "'+49 Ltd", "'-"],
        ],
    )

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Customers")["created"] == 2
    with engine.connect() as connection:
        rows = connection.execute(sa.select(Customer.code, Customer.name, Customer.notes).order_by(Customer.code))
        assert [tuple(row) for row in rows] == [
            ("C-1", "Zoë Ärger GmbH", '=HYPERLINK("http://x.test")'),
            ("C-2", "+49 Ltd", "-"),
        ]


def test_a_csv_with_another_name_is_imported_as_the_sheet_given(engine, tmp_path, make_customer):
    customer = make_customer(code="C-1", name="Old")
    path = write_csv(tmp_path / "export 2026-11-28.csv", [["ID", "Code", "Name"], [customer.id, "C-1", "New"]])

    without_sheet = run_import(engine, path)
    result = run_import(engine, path, sheet="Customers")

    assert [problem.message for problem in without_sheet.errors] == ["no sheet in this file matches an Onebook sheet"]
    assert result.errors == []
    assert plan(result, "Customers")["updated"] == 1
    assert stored(engine, Customer, customer.id)["name"] == "New"


def test_a_date_and_time_typed_in_a_csv_is_read_as_utc(engine, tmp_path, customer):
    path = write_csv(
        tmp_path / "interactions.csv",
        [["Customer Code", "Kind", "Occurred At", "Subject"], [customer.code, "Call", "28/11/2026 14:30", "Hello"]],
    )

    result = run_import(engine, path)

    assert result.errors == []
    occurred = scalar(engine, sa.select(Interaction.occurred_at))
    assert occurred == datetime(2026, 11, 28, 14, 30, tzinfo=UTC)


FORMULA_LIKE = {"name": "'-) Smiley Ltd", "notes": "'=kept as typed", "phone": "+47 22 33 44 55", "address": "=B2"}


def test_formula_like_text_comes_back_unchanged_from_an_xlsx_export(engine, database_url, tmp_path, make_customer):
    customer = make_customer(**FORMULA_LIKE)
    path = export(database_url, tmp_path / "export.xlsx", ["customers"])

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Customers") == counts(unchanged=1)
    assert {name: stored(engine, Customer, customer.id)[name] for name in FORMULA_LIKE} == FORMULA_LIKE


def test_formula_like_text_comes_back_unchanged_from_a_csv_export(engine, tmp_path, make_customer):
    customer = make_customer(**FORMULA_LIKE)
    layout = layout_for("customers")
    with engine.connect() as connection:
        csv_bytes = b"".join(csv_stream(connection, layout, readable_columns(layout, ADMIN)))
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes)

    result = run_import(engine, path)

    assert result.errors == []
    assert plan(result, "Customers") == counts(unchanged=1)
    assert {name: stored(engine, Customer, customer.id)[name] for name in FORMULA_LIKE} == FORMULA_LIKE


def _interaction_rows(customer_code: str) -> list[list[str]]:
    """Interactions typed without IDs (the sheet has no natural key): two identical calls, and a meeting."""
    call = [customer_code, "call", "2026-11-02 09:15", "Renewal", "Asked for a quote"]
    meeting = [customer_code, "meeting", "2026-11-03 14:00", "Kick-off", ""]
    return [["Customer Code", "Kind", "Occurred At", "Subject", "Notes"], call, list(call), meeting]


def test_interactions_without_ids_imported_twice_are_created_once(engine, tmp_path, make_customer):
    customer = make_customer()
    path = write_csv(tmp_path / "interactions.csv", _interaction_rows(customer.code))

    first = run_import(engine, path)
    second = run_import(engine, path)

    assert first.errors == [] and plan(first, "Interactions") == counts(created=3)
    assert second.errors == [] and plan(second, "Interactions") == counts(unchanged=3)
    assert count(engine, Interaction) == 3
    assert second.warnings == [
        "interactions: 3 row(s) without ID are the same as an existing interaction in every column and were taken"
        " as it, not added again (rows 2, 3, 4); give a row its ID to say which record it is"
    ]
    assert audit_events(engine, batch_id=second.batch_id) == []


def test_an_interaction_differing_in_one_column_is_new(engine, tmp_path, make_customer):
    customer = make_customer()
    run_import(engine, write_csv(tmp_path / "interactions.csv", _interaction_rows(customer.code)))
    rows = _interaction_rows(customer.code)
    rows[3][3] = "Kick-off, second session"  # the meeting's subject
    rows.append(list(rows[1]))  # a third identical call: two match the existing ones, this one is new

    (tmp_path / "again").mkdir()
    result = run_import(engine, write_csv(tmp_path / "again" / "interactions.csv", rows))

    assert result.errors == [] and plan(result, "Interactions") == counts(created=2, unchanged=2)
    assert count(engine, Interaction) == 5


def test_a_csv_cell_holding_a_neutralised_formula_is_read_as_the_formula_text(engine, tmp_path, make_customer):
    """In a CSV, one leading apostrophe before formula-like text is the neutraliser, even where the record's text
    is that very cell (so the cell is not taken as stored unread)."""
    customer = make_customer(notes="'=1+1")
    path = write_csv(
        tmp_path / "customers.csv",
        [["ID", "Code", "Name", "Notes"], [customer.id, customer.code, customer.name, "'=1+1"]],
    )

    result = run_import(engine, path)

    assert result.errors == [] and plan(result, "Customers") == counts(updated=1)
    assert stored(engine, Customer, customer.id)["notes"] == "=1+1"
