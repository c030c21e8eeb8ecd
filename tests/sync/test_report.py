"""The import report (`--report OUT.xlsx`): the workbook again, every bad cell filled and commented with what is
wrong, and an `Import report` sheet listing every problem by cell, so people fix the red cells and import again."""

from pathlib import Path

from openpyxl import load_workbook

from app.database import transaction
from models.crm import Customer
from resolvers import crud
from resolvers.permissions import Actor
from sync.importer import OnConflict
from sync.report import write_report
from tests.sync.workbooks import EditedWorkbook, export, run_import, write_csv

ERROR_FILL = "FFC7CE"
CONFLICT_FILL = "FFEB9C"


def report_of(engine, source: Path, target: Path, **options):
    """Import `source` and write its report to `target`; returns the result and the report, opened."""
    result = run_import(engine, source, **options)
    write_report(source, target, result)
    return result, load_workbook(target)


def marked(workbook, cell: str) -> tuple[str, str] | None:
    """(fill colour, comment) of a cell named like 'Customers!D7', or None when it is not marked."""
    sheet, coordinate = cell.split("!")
    found = workbook[sheet][coordinate]
    if found.comment is None:
        return None
    return found.fill.start_color.rgb[-6:], found.comment.text


def listed(workbook) -> list[tuple]:
    """The problem lines of the Import report sheet: (cell, kind, message)."""
    rows = list(workbook["Import report"].iter_rows(values_only=True))
    start = rows.index(("Cell", "Kind", "Problem", None, None, None)) + 1
    return [row[:3] for row in rows[start:]]


def test_each_bad_cell_is_filled_and_commented_and_every_problem_is_listed(engine, database_url, tmp_path, customer):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    money = book.set("Customers", customer.id, "Credit Limit", "lots")
    row = book.add("Contacts", {"Customer Code": "C-404", "Name": "Bo", "Email": "bo@x.test"})
    book.book["Contacts"].cell(row=1, column=8, value="Shoe size")
    source = book.save(tmp_path / "edited.xlsx")

    result, report = report_of(engine, source, tmp_path / "report.xlsx")

    contact_cell = f"Contacts!B{row}"
    assert marked(report, money) == (ERROR_FILL, "expected a number, got 'lots'")
    assert marked(report, contact_cell) == (ERROR_FILL, "no customer with code 'C-404'")
    assert report.sheetnames[0] == "Import report"
    assert report["Import report"]["C1"].value == "nothing was imported"
    assert listed(report) == [
        (money, "error", "expected a number, got 'lots'"),
        (contact_cell, "error", "no customer with code 'C-404'"),
        (None, "warning", "Contacts!H1: column 'Shoe size' is ignored"),
    ]
    assert report[money.split("!")[0]][money.split("!")[1]].value == "lots"  # the person's input is kept
    assert len(result.errors) == 2


def test_cells_that_are_fine_are_not_marked(engine, database_url, tmp_path, customer):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    money = book.set("Customers", customer.id, "Credit Limit", "lots")
    name = book.cell("Customers", customer.id, "Name")

    _, report = report_of(engine, book.save(tmp_path / "edited.xlsx"), tmp_path / "report.xlsx")

    assert marked(report, money) is not None
    assert marked(report, name) is None


def test_a_resolved_conflict_is_marked_and_listed_as_such(engine, database_url, tmp_path, customer):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    cell = book.set("Customers", customer.id, "Name", "Sheet name")
    with transaction(engine) as session:
        crud.update(session, Customer, customer.id, {"name": "Onebook name"}, actor=Actor.system(via="api"))

    result, report = report_of(
        engine, book.save(tmp_path / "edited.xlsx"), tmp_path / "report.xlsx", on_conflict=OnConflict.DATABASE
    )

    assert result.applied
    fill, comment = marked(report, cell)
    assert fill == CONFLICT_FILL and "the sheet says 'Sheet name', Onebook now says 'Onebook name'" in comment
    assert report["Import report"]["C1"].value == f"applied as batch {result.batch_id}"
    assert [(where, kind) for where, kind, _ in listed(report)] == [(cell, "conflict (resolved)")]


def test_a_csv_input_gets_a_report_workbook_too(engine, tmp_path):
    source = write_csv(tmp_path / "customers.csv", [["Code", "Name", "Credit Limit"], ["C-1", "Acme", "1,000.5x"]])

    _, report = report_of(engine, source, tmp_path / "report.xlsx")

    assert report.sheetnames == ["Import report", "customers"]
    assert marked(report, "customers!C2") == (ERROR_FILL, "expected a number, got '1,000.5x'")
    assert report["customers"]["B2"].value == "Acme"
    assert listed(report) == [("customers!C2", "error", "expected a number, got '1,000.5x'")]


def test_a_csv_imported_as_a_named_sheet_has_its_cells_marked(engine, tmp_path):
    source = write_csv(tmp_path / "export 2026-11-28.csv", [["Code", "Name", "Status"], ["C-1", "Acme", "Gold"]])

    _, report = report_of(engine, source, tmp_path / "report.xlsx", sheet="Customers")

    assert marked(report, "Customers!C2") == (ERROR_FILL, "'Gold' is not one of: Prospect, Active, Inactive")
    assert listed(report) == [("Customers!C2", "error", "'Gold' is not one of: Prospect, Active, Inactive")]


def test_an_unreadable_file_still_gets_a_report_saying_why(engine, tmp_path):
    source = tmp_path / "customers.xlsx"
    source.write_text("not a workbook")

    result, report = report_of(engine, source, tmp_path / "report.xlsx")

    assert listed(report) == [("customers.xlsx", "error", result.errors[0].message)]
    assert "is not an Excel workbook" in result.errors[0].message
