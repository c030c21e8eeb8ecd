"""BI exports: `GET /exports/<sheet>.csv|.xlsx`, authenticated, filtered and ordered like the GraphQL list field."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from models.crm import CustomerStatus
from resolvers.permissions import Actor
from sync.registry import layout_for
from sync.writing import csv_stream, readable_columns

BOM = b"\xef\xbb\xbf"
CUSTOMER_TITLES = [
    "ID",
    "Code",
    "Name",
    "Kind",
    "Email",
    "Phone",
    "Address",
    "City",
    "Country",
    "Segment",
    "Status",
    "Credit Limit",
    "Owner Email",
    "Notes",
    "Updated At",
]


def rows(response) -> list[dict[str, str]]:
    """The CSV body as dicts by column title."""
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def get_csv(client, slug: str, **parameters):
    query = {name: json.dumps(value) for name, value in parameters.items()}
    return client.get(f"/exports/{slug}.csv", params=query)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    return error


@pytest.fixture
def customers(make_customer, make_employee):
    """Four customers with different statuses, credit limits and owners."""
    ploy, anan = make_employee(email="ploy@onebook.test"), make_employee(email="anan@onebook.test")
    return {
        "acme": make_customer(
            code="C-1", name="Acme", status=CustomerStatus.ACTIVE, credit_limit=Decimal("5000"), owner_id=ploy.id
        ),
        "globex": make_customer(
            code="C-2", name="Globex", status=CustomerStatus.PROSPECT, credit_limit=Decimal("100"), owner_id=anan.id
        ),
        "initech": make_customer(
            code="C-3", name="Initech", status=CustomerStatus.ACTIVE, credit_limit=Decimal("250.50"), owner_id=anan.id
        ),
        "umbrella": make_customer(code="C-4", name="Umbrella", status=CustomerStatus.INACTIVE),
    }


def test_csv_is_utf8_with_a_bom_and_the_sheets_column_titles(client, customers):
    response = client.get("/exports/customers.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="customers.csv"'
    assert response.content.startswith(BOM)
    first_line = response.content[len(BOM) :].split(b"\r\n", 1)[0].decode()
    assert first_line.split(",") == CUSTOMER_TITLES
    acme = rows(response)[0]
    assert (acme["Code"], acme["Status"], acme["Credit Limit"], acme["Owner Email"]) == (
        "C-1",
        "Active",
        "5000.00",
        "ploy@onebook.test",
    )


def test_csv_is_streamed_in_chunks_of_rows(engine, customers):
    layout = layout_for("customers")
    columns = readable_columns(layout, Actor.system())

    with engine.connect() as connection:
        chunks = list(csv_stream(connection, layout, columns, chunk_rows=3))

    assert len(chunks) == 2  # the BOM, titles and 3 rows; then the last row
    assert chunks[0].startswith(BOM)
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 5


def test_enum_filter_by_graphql_enum_names(client, customers):
    response = get_csv(client, "customers", filter={"status": {"in": ["ACTIVE"]}})

    assert [row["Code"] for row in rows(response)] == ["C-1", "C-3"]


def test_or_and_not_combine_like_in_graphql(client, customers):
    filter_ = {"or": [{"status": {"eq": "INACTIVE"}}, {"creditLimit": {"gt": "1000"}}], "not": {"name": {"eq": "Acme"}}}

    assert [row["Code"] for row in rows(get_csv(client, "customers", filter=filter_))] == ["C-4"]


def test_relation_and_decimal_filters_with_ordering(client, customers):
    response = get_csv(
        client,
        "customers",
        filter={"ownerEmail": {"eq": "anan@onebook.test"}, "creditLimit": {"gte": 100}},
        orderBy=[{"creditLimit": "DESC"}],
    )

    assert [row["Code"] for row in rows(response)] == ["C-3", "C-2"]


def test_order_by_several_keys(client, customers):
    response = get_csv(client, "customers", orderBy=[{"status": "ASC"}, {"name": "DESC"}])

    assert [row["Code"] for row in rows(response)] == ["C-3", "C-1", "C-4", "C-2"]


def test_date_filter(client, make_employee):
    make_employee(email="early@onebook.test", hire_date=date(2023, 5, 1))
    make_employee(email="late@onebook.test", hire_date=date(2025, 1, 15))

    response = get_csv(client, "employees", filter={"hireDate": {"gte": "2024-01-01"}})

    assert [(row["Email"], row["Hire Date"]) for row in rows(response)] == [("late@onebook.test", "2025-01-15")]


def test_datetime_filter_needs_a_timezone(client, customers):
    everything = get_csv(client, "customers", filter={"updatedAt": {"gte": "2000-01-01T00:00:00Z"}})
    naive = get_csv(client, "customers", filter={"updatedAt": {"gte": "2000-01-01T00:00:00"}})

    assert len(rows(everything)) == 4
    assert "timezone" in error_of(naive, 400)["message"]


def test_text_that_a_spreadsheet_would_run_is_neutralised(client, make_customer):
    make_customer(code="C-9", name="=1+1", phone="+66 2 123 4567")

    (row,) = rows(client.get("/exports/customers.csv"))

    assert row["Name"] == "'=1+1"
    assert row["Phone"] == "'+66 2 123 4567"


def test_without_a_token_it_is_401(anonymous_client, customers):
    response = anonymous_client.get("/exports/customers.csv")

    assert error_of(response, 401)["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_role_that_may_not_read_the_entity_gets_403(client_as, customers):
    response = client_as("warehouse").http.get("/exports/interactions.csv")

    error = error_of(response, 403)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "interaction" in error["message"]


def test_filtering_by_a_field_the_role_may_not_read_is_403(client_as, make_employee):
    make_employee(salary=Decimal("540000.00"))

    response = get_csv(client_as("sales").http, "employees", filter={"salary": {"gt": "100000"}})

    assert "salary" in error_of(response, 403)["message"]


def test_a_salesperson_gets_employees_without_the_salary_column(client_as, make_employee):
    make_employee(email="paid@onebook.test", salary=Decimal("540000.00"))

    (row,) = rows(client_as("sales").http.get("/exports/employees.csv"))

    assert row["Email"] == "paid@onebook.test"
    assert "Salary" not in row


def test_an_unknown_sheet_is_404(client):
    assert error_of(client.get("/exports/spaceships.csv"), 404)["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("filter_text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"colour": {"eq": "red"}}', "no field 'colour'"),
        ('{"status": {"eq": "SLEEPING"}}', "not one of PROSPECT, ACTIVE, INACTIVE"),
        ('{"status": {"contains": "ACT"}}', "unknown operator 'contains'"),
        ('{"creditLimit": {"gt": "lots"}}', "decimal number"),
        ('{"updatedAt": {"gt": "yesterday"}}', "ISO 8601"),
        ('{"name": {"in": "Acme"}}', "takes a list"),
        ('{"id": {"eq": "abc"}}', "not a valid id"),
    ],
)
def test_a_bad_filter_is_400_with_a_message_naming_the_problem(client, customers, filter_text, message):
    response = client.get("/exports/customers.csv", params={"filter": filter_text})

    error = error_of(response, 400)
    assert message in error["message"]
    assert error["extensions"]["code"] == "VALIDATION"


def test_a_bad_order_is_400(client, customers):
    response = get_csv(client, "customers", orderBy=[{"name": "SIDEWAYS"}])

    assert "ASC or DESC" in error_of(response, 400)["message"]


def test_xlsx_export_is_one_formatted_sheet(client, customers):
    response = client.get("/exports/customers.xlsx", params={"filter": json.dumps({"status": {"eq": "ACTIVE"}})})

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="customers.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Customers"]
    sheet = workbook["Customers"]
    assert [cell.value for cell in sheet[1]] == CUSTOMER_TITLES
    assert sheet.freeze_panes == "A2"
    values = [dict(zip(CUSTOMER_TITLES, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(row["Code"], row["Status"], row["Credit Limit"]) for row in values] == [
        ("C-1", "Active", 5000),
        ("C-3", "Active", 250.5),
    ]
    assert sheet["L2"].number_format == "#,##0.00"
