"""Department workbooks: written as people edit them and as the importer reads them back."""

import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import orjson
import pytest

from app.database import transaction
from models.crm import Customer, CustomerStatus
from models.system import Role
from resolvers import crud
from resolvers.permissions import Actor
from sync.export_command import ExportArgumentError, export_workbook_file
from sync.registry import layout_for, select_layouts
from sync.writing import ExportForbidden, write_workbook
from tests.factories import stored

ADMIN = Actor.system()


def actor(*roles: str) -> Actor:
    return Actor(user_id=None, email=f"{'-'.join(roles)}@onebook.test", roles=frozenset(Role(r) for r in roles))


def export(engine, tmp_path: Path, sheets: list[str], *, as_actor: Actor = ADMIN) -> openpyxl.Workbook:
    """Write a workbook of these sheets and open it as a person's spreadsheet program would."""
    path = tmp_path / "export.xlsx"
    with engine.connect() as connection:
        write_workbook(path, connection, [layout_for(name) for name in sheets], actor=as_actor)
    return openpyxl.load_workbook(path)


def header(sheet) -> dict[str, openpyxl.cell.Cell]:
    return {cell.value: cell for cell in sheet[1]}


def column_of(sheet, title: str) -> str:
    return header(sheet)[title].column_letter


def row_of(sheet, id: int) -> dict[str, object]:
    titles = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == id:
            return dict(zip(titles, row, strict=True))
    raise AssertionError(f"no row with ID {id}")


def test_header_is_bold_frozen_and_commented_with_each_columns_format(engine, tmp_path, customer):
    workbook = export(engine, tmp_path, ["customers"])

    sheet = workbook["Customers"]
    titles = header(sheet)
    assert list(titles)[:4] == ["ID", "Code", "Name", "Kind"]
    assert all(cell.font.b for cell in titles.values())
    assert sheet.freeze_panes == "A2"
    assert "Blank for a new row" in titles["ID"].comment.text
    assert "Required" in titles["Code"].comment.text
    assert titles["Status"].comment.text == "One of: Prospect, Active, Inactive"
    assert titles["Credit Limit"].comment.text == "Money, two decimals"
    assert titles["Owner Email"].comment.text == "Employee email of an existing employee"
    assert titles["Updated At"].comment.text.endswith("Read-only: ignored on import")
    assert sheet.column_dimensions["C"].width == layout_for("customers").column("name").width
    assert sheet.auto_filter.ref == f"A1:{column_of(sheet, 'Updated At')}2"


def test_read_only_columns_are_grey_and_the_id_column_light_grey(engine, tmp_path, customer):
    sheet = export(engine, tmp_path, ["customers"])["Customers"]

    updated, id_ = column_of(sheet, "Updated At"), column_of(sheet, "ID")
    assert sheet[f"{updated}1"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet[f"{updated}2"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet[f"{id_}2"].fill.fgColor.rgb.endswith("F2F2F2")
    assert sheet[f"{column_of(sheet, 'Name')}2"].fill.fill_type is None


def test_choice_and_reference_columns_have_dropdowns_backed_by_a_hidden_lookups_sheet(
    engine, tmp_path, make_employee, make_customer
):
    # given employees who own customers
    ploy, anan = make_employee(email="ploy@onebook.test"), make_employee(email="anan@onebook.test")
    make_customer(owner_id=ploy.id)

    workbook = export(engine, tmp_path, ["customers"])

    # then status is an inline list of labels, the owner a range of employee emails on the hidden _lookups sheet
    sheet = workbook["Customers"]
    dropdowns = {str(validation.sqref): validation for validation in sheet.data_validations.dataValidation}
    status = dropdowns[f"{column_of(sheet, 'Status')}2:{column_of(sheet, 'Status')}1048576"]
    assert status.type == "list"
    assert status.formula1 == '"Prospect,Active,Inactive"'
    owner = dropdowns[f"{column_of(sheet, 'Owner Email')}2:{column_of(sheet, 'Owner Email')}1048576"]
    assert owner.formula1 == "'_lookups'!$A$2:$A$3"
    lookups = workbook["_lookups"]
    assert lookups.sheet_state == "hidden"
    assert [cell.value for cell in lookups["A"]] == ["Employees", anan.email, ploy.email]
    # a read-only column gets no dropdown
    assert not any(column_of(sheet, "Updated At") in key for key in dropdowns)


def test_onebook_sheet_records_each_rows_id_version_and_values(engine, tmp_path, make_employee, make_customer):
    # given a customer changed once since it was created (version 2) and another one
    owner = make_employee(email="owner@onebook.test")
    changed = make_customer(name="Acme", status=CustomerStatus.ACTIVE, credit_limit=Decimal("1500.50"))
    with transaction(engine) as session:
        crud.update(session, Customer, changed.id, {"owner_id": owner.id}, actor=ADMIN)
    other = make_customer(name="Globex")

    workbook = export(engine, tmp_path, ["customers"])

    # then _onebook, hidden, has one [sheet, id, version, values] row per exported row
    onebook = workbook["_onebook"]
    assert onebook.sheet_state == "hidden"
    rows = list(onebook.iter_rows(values_only=True))
    assert rows[0] == ("Sheet", "ID", "Version", "Values")
    assert [(sheet, id, version) for sheet, id, version, _ in rows[1:]] == [
        ("Customers", changed.id, 2),
        ("Customers", other.id, 1),
    ]
    # and the values are every shown column but ID, as plain JSON, references as natural keys
    updated_at = stored(engine, Customer, changed.id)["updated_at"]
    assert orjson.loads(rows[1][3]) == {
        "code": changed.code,
        "name": "Acme",
        "kind": "company",
        "email": None,
        "phone": None,
        "address": None,
        "city": None,
        "country": None,
        "segment": None,
        "status": "active",
        "credit_limit": "1500.50",
        "owner_id": "owner@onebook.test",
        "notes": None,
        "updated_at": updated_at.isoformat(),
    }


def test_dates_are_real_dates_and_money_is_a_number_with_two_decimals(engine, tmp_path, make_employee, make_customer):
    hired = make_employee(hire_date=date(2024, 2, 1), salary=Decimal("540000.00"))
    customer = make_customer(credit_limit=Decimal("1500.50"))

    workbook = export(engine, tmp_path, ["employees", "customers"])

    employees = workbook["Employees"]
    hire_date = employees[f"{column_of(employees, 'Hire Date')}2"]
    assert row_of(employees, hired.id)["Hire Date"] == datetime(2024, 2, 1)
    assert hire_date.is_date and hire_date.number_format == "yyyy-mm-dd"
    customers = workbook["Customers"]
    credit = customers[f"{column_of(customers, 'Credit Limit')}2"]
    assert credit.value == 1500.5 and credit.data_type == "n"
    assert credit.number_format == "#,##0.00"
    updated = customers[f"{column_of(customers, 'Updated At')}2"]
    stored_updated_at = stored(engine, Customer, customer.id)["updated_at"]
    assert updated.is_date and updated.number_format == "yyyy-mm-dd hh:mm"
    assert updated.value == stored_updated_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def test_formula_like_text_is_written_as_text_and_comes_back_exactly(engine, tmp_path, make_customer):
    # given names that a spreadsheet would run as a formula, read as an error value or as a number
    formula = '=HYPERLINK("http://evil.example/steal","Click me")'
    texts = [formula, "#N/A", "+66 2 123 4567", "-5"]
    for text in texts:
        make_customer(name=text)

    path = tmp_path / "export.xlsx"
    with engine.connect() as connection:
        write_workbook(path, connection, [layout_for("customers")], actor=ADMIN)

    # then each is a text cell holding exactly that text; no cell holds a formula
    sheet = openpyxl.load_workbook(path)["Customers"]
    name = column_of(sheet, "Name")
    for row, text in enumerate(texts, start=2):
        cell = sheet[f"{name}{row}"]
        assert (cell.value, cell.data_type) == (text, "s")
    assert sheet[f"{name}2"].quotePrefix  # editing it in Excel keeps it text
    with zipfile.ZipFile(path) as archive:
        assert all(b"<f>" not in archive.read(member) for member in archive.namelist() if member.endswith(".xml"))


def test_a_salesperson_sees_no_salary_column_and_hr_does(engine, tmp_path, make_employee):
    paid = make_employee(salary=Decimal("540000.00"))

    sales = export(engine, tmp_path, ["employees"], as_actor=actor("sales"))
    hr = export(engine, tmp_path, ["employees"], as_actor=actor("hr"))

    assert "Salary" not in header(sales["Employees"])
    (_, _, _, values), *_ = sales["_onebook"].iter_rows(min_row=2, values_only=True)
    assert "salary" not in orjson.loads(values)
    assert "Salary" in header(hr["Employees"])
    assert row_of(hr["Employees"], paid.id)["Salary"] == 540000


def test_a_sheet_the_actor_may_not_read_refuses_the_export(engine, tmp_path, customer):
    path = tmp_path / "export.xlsx"

    with engine.connect() as connection, pytest.raises(ExportForbidden, match="interaction"):
        write_workbook(
            path, connection, [layout_for("customers"), layout_for("interactions")], actor=actor("warehouse")
        )

    assert not path.exists()


def test_department_selection_exports_that_departments_sheets(database_url, tmp_path, make_employee, customer):
    make_employee()
    path = tmp_path / "hr.xlsx"
    reported = []

    written = export_workbook_file(
        str(path),
        database_url=database_url,
        sheets=None,
        department="hr",
        actor=actor("hr"),
        progress=lambda title, rows: reported.append((title, rows)),
    )

    assert list(written) == [layout.title for layout in select_layouts(department="hr")] == ["Departments", "Employees"]
    assert reported == [("Departments", 0), ("Employees", 1)]
    workbook = openpyxl.load_workbook(path)
    visible = [sheet.title for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
    assert visible == ["Departments", "Employees"]


def test_sheets_by_name_and_unknown_names(database_url, tmp_path, customer):
    path = tmp_path / "sales.xlsx"

    written = export_workbook_file(
        str(path), database_url=database_url, sheets=["contacts", "Customers"], department=None, actor=ADMIN
    )

    assert written == {"Customers": 1, "Contacts": 0}  # in import order: customers before their contacts
    with pytest.raises(ExportArgumentError, match="no sheet called 'nope'"):
        export_workbook_file(str(path), database_url=database_url, sheets=["nope"], department=None, actor=ADMIN)
    with pytest.raises(ExportArgumentError, match="no department"):
        export_workbook_file(str(path), database_url=database_url, sheets=None, department="space", actor=ADMIN)


def test_a_refused_export_leaves_no_file(database_url, tmp_path, customer):
    path = tmp_path / "refused.xlsx"

    with pytest.raises(ExportForbidden):
        export_workbook_file(
            str(path), database_url=database_url, sheets=["interactions"], department=None, actor=actor("warehouse")
        )

    assert list(tmp_path.iterdir()) == []


def test_scoped_references_say_whose_key_they_take(engine, tmp_path, customer, contact, make_interaction):
    interaction = make_interaction(customer, contact_id=contact.id)

    sheet = export(engine, tmp_path, ["interactions"])["Interactions"]

    assert header(sheet)["Contact Email"].comment.text == "Contact email of an existing contact of this row's customer"
    row = row_of(sheet, interaction.id)
    assert (row["Customer Code"], row["Contact Email"]) == (customer.code, contact.email)
    assert row["Occurred At"] == datetime(2025, 3, 1, 9, 30)


def test_self_references_are_written_as_the_referenced_rows_key(engine, tmp_path, make_employee):
    boss = make_employee(email="boss@onebook.test")
    report = make_employee(email="report@onebook.test", manager_id=boss.id)

    sheet = export(engine, tmp_path, ["employees"])["Employees"]

    assert row_of(sheet, report.id)["Manager Email"] == "boss@onebook.test"
    assert row_of(sheet, boss.id)["Manager Email"] is None


def test_control_characters_a_worksheet_cannot_hold_are_dropped(engine, tmp_path, make_customer):
    make_customer(name="Bell\x07 Ltd", notes="line one\nline two\ttabbed")

    row = export(engine, tmp_path, ["customers"])["Customers"]["A2":"N2"][0]

    values = {cell.column_letter: cell.value for cell in row}
    assert values["C"] == "Bell Ltd"
    assert values["N"] == "line one\nline two\ttabbed"
