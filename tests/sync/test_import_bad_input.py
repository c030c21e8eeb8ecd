"""Bad input to the importer: every problem is named at its cell (or file), and nothing at all is written.

"Nothing written" is checked against every row of every table before and after, the bookkeeping tables included.
Damaged and hostile files are built small, as in test_reading.py, whose builders this reuses.
"""

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.database import transaction
from models.crm import Customer
from models.system import ImportBatch
from resolvers import crud
from resolvers.permissions import Actor
from tests.factories import count
from tests.sync.test_reading import BILLION_LAUGHS, HEADER_ROW, sheet_xml, text_cell, write_xlsx
from tests.sync.workbooks import EditedWorkbook, database_contents, errors_at, export, new_workbook, run_import

ROOT = Path(__file__).resolve().parents[2]
QUICK_SECONDS = 30  # a refused file is read no further than its directory and a few hundred KB
quick = pytest.mark.timeout(QUICK_SECONDS)


@pytest.fixture
def refused(engine):
    """`refused(path, **options)` imports the file, checks that nothing was written and returns the errors by cell."""

    def import_refused(path: Path, **options) -> dict[str, str]:
        before = database_contents(engine)
        result = run_import(engine, path, **options)
        assert result.errors, "the import should have been refused"
        assert not result.applied and result.batch_id is None
        assert database_contents(engine) == before
        return errors_at(result)

    return import_refused


@pytest.fixture
def existing(make_customer, make_employee):
    """Rows already in Onebook, so that "nothing written" compares real contents."""
    return make_customer(code="C-1", name="Acme"), make_employee(email="eve@onebook.test")


# --- files that are not workbooks, or hostile ones ----------------------------------------------------------------


@quick
def test_a_file_that_is_not_a_workbook(refused, existing, tmp_path):
    path = tmp_path / "customers.xlsx"
    path.write_text("Code,Name\nC-2,Bo\n")

    assert refused(path) == {
        "customers.xlsx": "customers.xlsx is not an Excel workbook (.xlsx); save it as .xlsx or .csv"
    }


@quick
def test_a_truncated_workbook(refused, existing, database_url, tmp_path):
    path = export(database_url, tmp_path / "customers.xlsx", ["customers"])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    [(where, message)] = refused(path).items()
    assert where == "customers.xlsx"
    assert "is damaged or incomplete" in message and "cut short" in message


@quick
def test_a_workbook_declaring_xml_entities(refused, existing, tmp_path):
    rows = f'<row r="1">{text_cell("A1", "Code")}{text_cell("B1", "Name")}</row>'
    rows += f'<row r="2">{text_cell("A2", "C-2")}{text_cell("B2", "&lol9;")}</row>'
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(rows, before=BILLION_LAUGHS)})

    [(where, message)] = refused(path).items()
    assert where == "customers.xlsx"
    assert "xl/worksheets/sheet1.xml declares a DOCTYPE or an ENTITY" in message


@quick
def test_a_zip_bomb(refused, existing, tmp_path):
    sixty_megabytes = (b" " * (1 << 20) for _ in range(60))
    start = sheet_xml(HEADER_ROW).replace("</sheetData>", "").encode()
    path = write_xlsx(
        tmp_path / "customers.xlsx", {"Customers": [start, *sixty_megabytes, b"</sheetData></worksheet>"]}
    )
    assert path.stat().st_size < 1_000_000

    [(where, message)] = refused(path).items()
    assert where == "customers.xlsx"
    assert "refused as a zip bomb" in message and "60.0 MiB" in message


@quick
def test_a_sheet_with_16000_columns(refused, existing, tmp_path):
    header = f'<row r="1">{text_cell("A1", "Code")}{text_cell("B1", "Name")}<c r="WQJ1"><v>1</v></c></row>'
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(header)})

    [(where, message)] = refused(path).items()
    assert where == "customers.xlsx"
    assert "sheet 'Customers' has cells spanning 16,000 columns; at most 1,000 columns are read" in message


@quick
def test_a_million_empty_formatted_rows_are_no_rows_and_the_one_bad_row_is_named(refused, existing, tmp_path):
    def rows() -> Iterable[bytes]:
        header = f'<row r="1">{text_cell("A1", "Code")}{text_cell("B1", "Name")}</row>'
        yield sheet_xml(header + f'<row r="2">{text_cell("A2", "C-2")}</row>').split("</sheetData>")[0].encode()
        for start in range(3, 1_000_003, 50_000):
            yield "".join(
                f'<row r="{n}" spans="1:2" s="1" customFormat="1" ht="15" customHeight="1"/>'
                for n in range(start, min(start + 50_000, 1_000_003))
            ).encode()
        yield b"</sheetData></worksheet>"

    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": rows()})

    assert refused(path) == {"Customers!B2": "name is required"}


# --- cells that can't be read as their column's kind --------------------------------------------------------------


def test_text_in_a_money_column_a_bad_date_and_an_unknown_choice(refused, existing, database_url, tmp_path):
    customer, employee = existing
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["employees", "customers"]))
    money = book.set("Customers", customer.id, "Credit Limit", "lots")
    choice = book.set("Customers", customer.id, "Status", "Platinum")
    real_date = book.set("Employees", employee.id, "Hire Date", "31/02/2026")
    new = book.add("Employees", {"Email": "new@onebook.test", "Name": "New", "Hire Date": "next week"})

    assert refused(book.save(tmp_path / "edited.xlsx")) == {
        money: "expected a number, got 'lots'",
        choice: "'Platinum' is not one of: Prospect, Active, Inactive",
        real_date: "'31/02/2026' is not a real date",
        f"Employees!G{new}": "expected a date (2026-11-28 or day/month/year), got 'next week'",
    }


def test_a_missing_required_column(refused, existing, tmp_path):
    path = new_workbook(tmp_path / "customers.xlsx", {"Customers": [["Name", "City"], ["Bo", "Oslo"]]})

    assert refused(path) == {"Customers!1:1": "required column missing: Code"}


def test_duplicate_natural_keys_inside_the_file(refused, existing, tmp_path):
    path = new_workbook(
        tmp_path / "typed.xlsx",
        {
            "Customers": [["Code", "Name"], ["C-DUP", "First"], ["C-DUP", "Second"]],
            "Contacts": [
                ["Customer Code", "Email", "Name"],
                ["C-1", "pat@acme.test", "Pat"],
                ["C-1", "PAT@acme.test", "P"],
            ],
        },
    )

    assert refused(path) == {
        "Customers!A3": "code 'C-DUP' is given to another customer earlier in the same batch",
        "Contacts!B3": "email 'pat@acme.test' is given to another contact for this customer earlier in the same batch",
    }


def test_a_relation_to_a_missing_record(refused, existing, tmp_path):
    path = new_workbook(
        tmp_path / "contacts.xlsx",
        {
            "Contacts": [
                ["Customer Code", "Name", "Email"],
                ["C-1", "Pat", "pat@acme.test"],
                ["C-0099", "Bo", "bo@x.test"],
            ]
        },
    )

    assert refused(path) == {"Contacts!A3": "no customer with code 'C-0099'"}


def test_an_ambiguous_relation_by_codes_differing_only_in_case(refused, make_customer, tmp_path):
    make_customer(code="acme-1")
    make_customer(code="ACME-1")
    path = new_workbook(
        tmp_path / "contacts.xlsx",
        {
            "Contacts": [
                ["Customer Code", "Name", "Email"],
                ["ACME-1", "Exact", "x@acme.test"],
                ["Acme-1", "Bo", "bo@x.test"],
            ]
        },
    )

    assert refused(path) == {
        "Contacts!A3": "'Acme-1' matches 2 customers whose codes differ only in case; write it exactly"
    }


# --- formulas -----------------------------------------------------------------------------------------------------


def formula_workbook(path: Path, name_cell: str) -> Path:
    rows = f'<row r="1">{text_cell("A1", "Code")}{text_cell("B1", "Name")}</row>'
    rows += f'<row r="2">{text_cell("A2", "C-2")}{name_cell}</row>'
    return write_xlsx(path, {"Customers": sheet_xml(rows)})


def test_a_formula_with_a_saved_result_imports_its_result(engine, tmp_path):
    path = formula_workbook(tmp_path / "customers.xlsx", '<c r="B2" t="str"><f>CONCAT("A","nn")</f><v>Ann</v></c>')

    result = run_import(engine, path)

    assert result.errors == []
    with engine.connect() as connection:
        assert connection.execute(sa.select(Customer.code, Customer.name)).all() == [("C-2", "Ann")]


def test_a_formula_without_a_saved_result_is_named_at_its_cell(refused, existing, tmp_path):
    path = formula_workbook(tmp_path / "customers.xlsx", '<c r="B2"><f>CONCAT("A","nn")</f></c>')

    assert refused(path) == {
        "Customers!B2": "a formula without a saved result; open the file in a spreadsheet and save it again"
    }


def test_a_formula_without_a_saved_result_is_named_even_where_the_record_holds_nothing(refused, existing, tmp_path):
    """Row C-1 updates the existing customer, whose City is empty: the formula's missing result reads as empty too,
    and must still be reported rather than taken as the stored value."""
    rows = f'<row r="1">{text_cell("A1", "Code")}{text_cell("B1", "Name")}{text_cell("C1", "City")}</row>'
    rows += f'<row r="2">{text_cell("A2", "C-1")}{text_cell("B2", "Acme")}<c r="C2"><f>CONCAT("Ly","on")</f></c></row>'
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(rows)})

    assert refused(path) == {
        "Customers!C2": "a formula without a saved result; open the file in a spreadsheet and save it again"
    }


# --- conflicts and many problems at once --------------------------------------------------------------------------


def test_a_row_edited_in_the_sheet_and_in_onebook_since_the_export_is_a_conflict_at_its_cell(
    refused, existing, engine, database_url, tmp_path
):
    customer, _ = existing
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    cell = book.set("Customers", customer.id, "Credit Limit", 500)
    with transaction(engine) as session:
        crud.update(session, Customer, customer.id, {"credit_limit": Decimal("750")}, actor=Actor.system(via="api"))

    errors = refused(book.save(tmp_path / "edited.xlsx"))

    assert list(errors) == [cell]
    assert errors[cell].startswith(
        "Credit Limit was '0.00' when exported; the sheet says '500.00', Onebook now says '750.00'"
    )


def test_errors_in_many_sheets_are_all_reported_at_once(refused, existing, database_url, tmp_path):
    customer, employee = existing
    book = EditedWorkbook(
        export(database_url, tmp_path / "export.xlsx", ["departments", "employees", "customers", "contacts"])
    )
    department = book.add("Departments", {"Code": "OPS", "Name": "Operations", "Head Email": "ghost@onebook.test"})
    hire_date = book.set("Employees", employee.id, "Hire Date", "someday")
    money = book.set("Customers", customer.id, "Credit Limit", "a lot")
    contact = book.add("Contacts", {"Customer Code": "C-404", "Name": "Bo", "Email": "bo@x.test"})

    assert refused(book.save(tmp_path / "edited.xlsx")) == {
        f"Departments!D{department}": "no employee with email 'ghost@onebook.test'",
        hire_date: "expected a date (2026-11-28 or day/month/year), got 'someday'",
        money: "expected a number, got 'a lot'",
        f"Contacts!B{contact}": "no customer with code 'C-404'",
    }


# --- a killed import ----------------------------------------------------------------------------------------------

KILLED_IMPORT = """
import sys
from app.database import create_sync_engine
from resolvers.permissions import Actor
from sync.importer import import_workbook

def progress(title):
    print(title, flush=True)

engine = create_sync_engine(sys.argv[1])
result = import_workbook(engine, sys.argv[2], actor=Actor.system(via="import"), progress=progress)
print("finished", result.applied, flush=True)
"""
ROWS = 20_000


def big_workbook(path: Path) -> Path:
    """20,000 new customers and a contact each: the import is still writing contacts long after customers."""
    book = Workbook(write_only=True)
    customers = book.create_sheet("Customers")
    customers.append(["Code", "Name", "City", "Credit Limit", "Notes"])
    for n in range(ROWS):
        customers.append([f"BIG-{n:06}", f"Customer {n}", "Oslo", n, "x" * 40])
    contacts = book.create_sheet("Contacts")
    contacts.append(["Customer Code", "Name", "Email"])
    for n in range(ROWS):
        contacts.append([f"BIG-{n:06}", f"Person {n}", f"p{n}@big.test"])
    book.save(path)
    return path


def holds_open_write_transaction(engine) -> bool:
    """Whether another process holds uncommitted writes on this database right now."""
    if engine.dialect.name == "postgresql":
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        with engine.connect() as connection:
            return connection.scalar(query) > 0
    probe = sa.create_engine(engine.url, connect_args={"timeout": 0})
    try:
        with probe.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.exec_driver_sql("ROLLBACK")
        return False
    except sa.exc.OperationalError as error:
        return "database is locked" in str(error)
    finally:
        probe.dispose()


def wait_for_line(process: subprocess.Popen, wanted: str, timeout: float) -> list[str]:
    """Read the child's output lines (unbuffered, so none hides from `select`) until `wanted`; fails if the child
    ends or takes longer than `timeout`."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = process.stdout.readline().decode().strip()
        if not line:
            break
        seen.append(line)
        if line == wanted:
            return seen
    process.kill()
    raise AssertionError(f"the import never printed {wanted!r}; it printed {seen}")


@pytest.mark.timeout(240)
def test_killing_the_import_halfway_leaves_the_database_exactly_as_before(
    engine, database_url, tmp_path, make_customer, make_contact
):
    make_contact(make_customer(code="C-1", name="Acme"))
    path = big_workbook(tmp_path / "big.xlsx")
    before = database_contents(engine)
    errors = (tmp_path / "stderr.txt").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, database_url, str(path)],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=errors,
        bufsize=0,
    )
    try:
        # Customers are all written (uncommitted) once the import moves on to Contacts.
        assert wait_for_line(process, "Contacts", timeout=180) == ["Customers", "Contacts"]
        assert holds_open_write_transaction(engine)

        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        errors.close()

    assert database_contents(engine) == before
    assert count(engine, ImportBatch) == 0
    make_customer(code="C-AFTER")  # the database takes writes again
    assert count(engine, Customer) == 2
