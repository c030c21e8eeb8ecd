"""Workbooks over GraphQL, as a frontend uses them: `exportWorkbook` gives a download link, `importWorkbook` takes
the file back as a multipart upload (the GraphQL multipart request spec: fields `operations`, `map`, `0`)."""

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from models.crm import Customer
from models.system import ImportBatch
from tests.factories import stored
from tests.sync.workbooks import EditedWorkbook, database_contents, export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT = """
query Export($sheets: [String!]) {
  exportWorkbook(sheets: $sheets) { url filename sheets }
}
"""
IMPORT = """
mutation Import($file: Upload!, $dryRun: Boolean!, $onConflict: OnConflict!) {
  importWorkbook(file: $file, dryRun: $dryRun, onConflict: $onConflict) {
    applied batchId
    plans { title created updated unchanged deleted conflicts }
    errors { sheet cell row message }
    conflicts { cell message }
    warnings
  }
}
"""


def upload(http, path: Path, *, filename: str | None = None, dry_run: bool = False, on_conflict: str = "FAIL") -> dict:
    """POST the file to importWorkbook as a multipart request; returns the response body."""
    operations = {"query": IMPORT, "variables": {"file": None, "dryRun": dry_run, "onConflict": on_conflict}}
    files = {"0": (filename or path.name, path.read_bytes(), XLSX)}
    data = {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})}
    response = http.post("/graphql", data=data, files=files)
    assert response.status_code == 200, response.text
    return response.json()


def report(body: dict) -> dict:
    assert "errors" not in body, body["errors"]
    return body["data"]["importWorkbook"]


def unchanged_plans(plans: list[dict]) -> bool:
    return all(plan["created"] == plan["updated"] == plan["deleted"] == plan["conflicts"] == 0 for plan in plans)


def contents(engine, *, bookkeeping: bool = True) -> dict:
    """Every table (but when a token was last used, which each request records); without the import batches
    when `bookkeeping` is False."""
    found = database_contents(engine)
    del found["api_tokens"]
    if not bookkeeping:
        del found["import_batches"]
    return found


@pytest.fixture
def crm(make_customer, make_contact, make_employee):
    owner = make_employee()
    customer = make_customer(owner_id=owner.id)
    make_contact(customer)
    return customer


def test_the_export_link_downloads_a_workbook_that_imports_back_with_no_changes(
    gql, client, anonymous_client, engine, tmp_path, crm
):
    link = gql(EXPORT, {"sheets": ["customers", "contacts"]})["data"]["exportWorkbook"]
    assert link["sheets"] == ["Customers", "Contacts"]
    assert link["url"].startswith("/exports/workbook.xlsx?")

    download = client.get(link["url"])

    assert download.status_code == 200
    assert download.headers["content-type"] == XLSX
    assert anonymous_client.get(link["url"]).status_code == 401
    path = tmp_path / link["filename"]
    path.write_bytes(download.content)
    before = contents(engine, bookkeeping=False)
    imported = report(upload(client, path))
    assert imported["errors"] == [] and imported["applied"]
    assert {plan["title"]: plan["unchanged"] for plan in imported["plans"]} == {"Customers": 1, "Contacts": 1}
    assert unchanged_plans(imported["plans"])
    assert contents(engine, bookkeeping=False) == before


def test_a_dry_run_upload_reports_the_plan_and_a_real_one_applies_it(client, engine, database_url, tmp_path, crm):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", crm.id, "Name", "Renamed over the API")
    book.add("Customers", {"Code": "C-API", "Name": "New over the API"})
    path = book.save(tmp_path / "edited.xlsx")
    before = contents(engine)

    dry = report(upload(client, path, dry_run=True))

    assert (dry["applied"], dry["batchId"], dry["errors"]) == (False, None, [])
    assert dry["plans"] == [
        {"title": "Customers", "created": 1, "updated": 1, "unchanged": 0, "deleted": 0, "conflicts": 0}
    ]
    assert contents(engine) == before

    applied = report(upload(client, path))

    assert applied["applied"] and applied["errors"] == []
    assert applied["plans"] == dry["plans"]
    assert stored(engine, Customer, crm.id)["name"] == "Renamed over the API"
    assert stored(engine, ImportBatch, int(applied["batchId"]))["status"] == "applied"


def test_bad_cells_come_back_as_errors_with_their_cell(client, engine, database_url, tmp_path, crm):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers", "contacts"]))
    money = book.set("Customers", crm.id, "Credit Limit", "lots")
    row = book.add("Contacts", {"Customer Code": "C-404", "Name": "Bo", "Email": "bo@x.test"})
    before = contents(engine)

    refused = report(upload(client, book.save(tmp_path / "edited.xlsx")))

    assert refused["applied"] is False and refused["batchId"] is None
    assert [(e["sheet"], e["cell"], e["message"]) for e in refused["errors"]] == [
        ("Customers", money, "expected a number, got 'lots'"),
        ("Contacts", f"Contacts!B{row}", "no customer with code 'C-404'"),
    ]
    assert contents(engine) == before


def test_a_conflict_is_reported_at_its_cell_and_resolved_when_asked(gql, client, engine, database_url, tmp_path, crm):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    cell = book.set("Customers", crm.id, "Name", "Sheet name")
    path = book.save(tmp_path / "edited.xlsx")
    gql(
        'mutation($id: ID!) { updateCustomer(id: $id, input: {name: "Onebook name"}) { errors { message } } }',
        {"id": str(crm.id)},
    )

    failed = report(upload(client, path))
    resolved = report(upload(client, path, on_conflict="SHEET"))

    assert [error["cell"] for error in failed["errors"]] == [cell]
    assert resolved["applied"] and [conflict["cell"] for conflict in resolved["conflicts"]] == [cell]
    assert stored(engine, Customer, crm.id)["name"] == "Sheet name"


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_by_name(client, engine, tmp_path):
    path = tmp_path / "customers.txt"
    path.write_text("Code,Name\nC-1,Acme\n")
    before = contents(engine)

    refused = report(upload(client, path))

    assert refused["applied"] is False
    assert [error["message"] for error in refused["errors"]] == ["customers.txt must be an .xlsx or .csv file"]
    assert contents(engine) == before


def test_an_import_over_the_api_is_a_batch_in_the_users_name(app, token_for, engine, database_url, tmp_path, crm):
    book = EditedWorkbook(export(database_url, tmp_path / "export.xlsx", ["customers"]))
    book.set("Customers", crm.id, "City", "Bergen")
    path = book.save(tmp_path / "edited.xlsx")
    token = token_for("sales", email="sam@onebook.test")

    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as http:
        applied = report(upload(http, path))

    batch = stored(engine, ImportBatch, int(applied["batchId"]))
    assert (batch["actor_email"], batch["via"], batch["filename"]) == ("sam@onebook.test", "import", "edited.xlsx")


def test_a_user_without_roles_may_neither_export_nor_import(client_as, engine, database_url, tmp_path, crm):
    nobody = client_as()
    path = export(database_url, tmp_path / "export.xlsx", ["customers"])
    before = contents(engine)

    exported = nobody(EXPORT, {"sheets": ["customers"]}, expect_errors=True)
    imported = upload(nobody.http, path)

    assert exported["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert imported["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert imported["data"] is None
    assert contents(engine) == before
