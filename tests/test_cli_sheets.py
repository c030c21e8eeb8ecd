"""`onebook export` and `onebook import`: operators move workbooks in and out; exit 0 on success, 1 when the input
is refused (with every bad cell printed), 2 on misuse."""

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from app.cli import cli
from models.crm import Customer
from models.system import ImportBatch
from tests.factories import stored
from tests.sync.workbooks import EditedWorkbook, database_contents


@pytest.fixture
def onebook(database_url, engine):
    """`onebook("import", "file.xlsx")` runs the CLI against this backend's test database."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"ONEBOOK_DATABASE_URL": database_url, "COLUMNS": "200"})

    return run


@pytest.fixture
def exported(onebook, tmp_path, make_customer, make_contact):
    """A workbook written by `onebook export` of customers and contacts."""
    make_contact(make_customer(code="C-1", name="Acme"))
    path = tmp_path / "export.xlsx"
    result = onebook("export", str(path), "--sheets", "customers,contacts")
    assert result.exit_code == 0, result.output
    return path


def test_export_then_a_dry_run_import_exits_0_and_writes_nothing(onebook, engine, exported):
    before = database_contents(engine)

    result = onebook("import", str(exported), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Plan (nothing written):" in result.output
    assert "Customers: 0 created, 0 updated, 1 unchanged, 0 deleted, 0 conflicts" in result.output
    assert "Contacts: 0 created, 0 updated, 1 unchanged, 0 deleted, 0 conflicts" in result.output
    assert "Dry run: nothing was written." in result.output
    assert database_contents(engine) == before


def test_an_import_with_errors_exits_1_and_prints_every_bad_cell(onebook, engine, exported, tmp_path):
    book = EditedWorkbook(exported)
    customer_id = book.book["Customers"]["A2"].value
    money = book.set("Customers", customer_id, "Credit Limit", "lots")
    row = book.add("Contacts", {"Customer Code": "C-404", "Name": "Bo", "Email": "bo@x.test"})
    path = book.save(tmp_path / "edited.xlsx")
    before = database_contents(engine)

    result = onebook("import", str(path))

    assert result.exit_code == 1, result.output
    assert f"{money}: expected a number, got 'lots'" in result.output
    assert f"Contacts!B{row}: no customer with code 'C-404'" in result.output
    assert "Nothing was imported: 2 problem(s)." in result.output
    assert database_contents(engine) == before


def test_an_unknown_conflict_policy_is_misuse(onebook, engine, exported):
    before = database_contents(engine)

    result = onebook("import", str(exported), "--on-conflict", "bogus")

    assert result.exit_code == 2
    assert "--on-conflict must be fail, sheet or database" in result.output
    assert database_contents(engine) == before


def test_report_writes_the_marked_workbook(onebook, exported, tmp_path):
    book = EditedWorkbook(exported)
    money = book.set("Customers", book.book["Customers"]["A2"].value, "Credit Limit", "lots")
    report = tmp_path / "report.xlsx"

    result = onebook("import", str(book.save(tmp_path / "edited.xlsx")), "--report", str(report))

    assert result.exit_code == 1
    assert f"Report written to {report}." in result.output
    workbook = load_workbook(report)
    sheet, cell = money.split("!")
    assert workbook[sheet][cell].comment.text == "expected a number, got 'lots'"
    assert [row[:3] for row in workbook["Import report"].iter_rows(values_only=True)][-1] == (
        money,
        "error",
        "expected a number, got 'lots'",
    )


def test_an_applied_import_is_undone_once(onebook, engine, exported, tmp_path):
    book = EditedWorkbook(exported)
    customer_id = book.book["Customers"]["A2"].value
    book.set("Customers", customer_id, "Name", "Renamed")
    imported = onebook("import", str(book.save(tmp_path / "edited.xlsx")))
    assert imported.exit_code == 0, imported.output
    with engine.connect() as connection:
        batch = connection.scalar(sa.select(sa.func.max(ImportBatch.id)))
    assert f"Imported as batch {batch} (undo with `onebook import undo {batch}`)." in imported.output
    assert stored(engine, Customer, customer_id)["name"] == "Renamed"

    undone = onebook("import", "undo", str(batch))
    again = onebook("import", "undo", str(batch))

    assert undone.exit_code == 0, undone.output
    assert f"Undid batch {batch}: 1 reverted" in undone.output
    assert stored(engine, Customer, customer_id)["name"] == "Acme"
    assert again.exit_code == 1
    assert f"import batch {batch} is already undone" in again.output


def test_undo_without_a_batch_is_misuse(onebook):
    result = onebook("import", "undo")

    assert result.exit_code == 2
    assert "usage: onebook import undo BATCH" in result.output
