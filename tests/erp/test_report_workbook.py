"""The report workbook: one sheet per report with its figures and a native chart; from the CLI and over HTTP."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.chart import BarChart
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from sync.report_workbook import SHEET_TITLES, report_period, write_report_workbook
from tests.erp.report_books import build_books

D = Decimal


@pytest.fixture
def books(engine) -> None:
    build_books(engine)


def workbook_of(engine, **dates) -> openpyxl.Workbook:
    stream = io.BytesIO()
    period = {"start": date(2026, 1, 1), "end": date(2026, 3, 31), "as_of": date(2026, 3, 31)} | dates
    with Session(engine) as session:
        write_report_workbook(session, stream, period["start"], period["end"], period["as_of"])
    stream.seek(0)
    return openpyxl.load_workbook(stream)


def table(sheet, first_row: int = 3) -> list[tuple]:
    """The sheet's rows from the column titles down, as values."""
    return [row for row in sheet.iter_rows(min_row=first_row, values_only=True)]


def test_every_report_has_a_sheet_with_a_chart(engine, books):
    workbook = workbook_of(engine)

    assert workbook.sheetnames == list(SHEET_TITLES)
    for sheet in workbook.worksheets:
        assert len(sheet._charts) == 1, sheet.title
        assert isinstance(sheet._charts[0], BarChart)
        assert sheet["A3"].font.bold, sheet.title


def test_profit_and_loss_sheet(engine, books):
    sheet = workbook_of(engine)["Profit and loss"]

    assert sheet["A1"].value == "Profit and loss, 2026-01-01 to 2026-03-31"
    assert table(sheet) == [
        ("Section", "Code", "Account", "Amount"),
        ("Income", "4000", "Sales revenue", 1750.5),
        ("Income", "4900", "Other income", 0),
        ("Expense", "5000", "Cost of goods sold", 200),
        ("Expense", "5100", "Inventory adjustments", 20),
        ("Expense", "6000", "Operating expenses", 150),
        ("Total income", None, None, 1750.5),
        ("Total expenses", None, None, 370),
        ("Net profit", None, None, 1380.5),
    ]
    assert sheet["D4"].number_format == "#,##0.00"
    assert sheet["A11"].font.bold
    # the chart draws the accounts' amounts, named by the accounts, and not the totals
    (chart,) = sheet._charts
    (series,) = chart.series
    assert series.val.numRef.f == "'Profit and loss'!$D$4:$D$8"
    assert series.cat.numRef.f == "'Profit and loss'!$C$4:$C$8"


def test_liquidity_and_aging_sheets(engine, books):
    workbook = workbook_of(engine)

    # at the end of March: the interest received on April 1 is not in the cash yet
    assert table(workbook["Liquidity"]) == [
        ("Figure", "Ledger", "Documents"),
        ("Cash", 1620, None),
        ("Receivables", 710.03, 710.03),
        ("Payables", 399.99, 399.99),
        ("Inventory", 679.99, 679.99),
        ("Working capital", 2610.03, None),
    ]
    aging = workbook["Receivables aging"]
    assert table(aging) == [
        ("Customer code", "Customer", "Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days", "Total"),
        ("C-ACME", "Acme", 0, 335, 0, 0, 0, 335),
        ("C-BETA", "Beta", 268.04, 0, 0, 0, 106.99, 375.03),
        ("Total", None, 268.04, 335, 0, 0, 106.99, 710.03),
    ]
    # the aging chart is one series: the totals row across the buckets
    (series,) = aging._charts[0].series
    assert series.val.numRef.f == "'Receivables aging'!$C$6:$G$6"


def test_sales_pipeline_and_inventory_sheets(engine, books):
    workbook = workbook_of(engine)

    assert table(workbook["Sales by month"]) == [
        ("Month", "Invoices", "Net amount"),
        ("2026-01", 1, 1000),
        ("2026-02", 1, 500),
        ("2026-03", 1, 250.5),
        ("Total", 3, 1750.5),
    ]
    assert table(workbook["Sales by customer"])[1:] == [
        ("C-ACME", "Acme", 2, 1500),
        ("C-BETA", "Beta", 1, 250.5),
        ("All customers", None, None, 1750.5),
    ]
    pipeline = workbook["Pipeline"]
    assert table(pipeline)[1] == ("Lead", 2, 1333.33, 150)
    assert [series.tx.strRef.f for series in pipeline._charts[0].series] == ["'Pipeline'!C3", "'Pipeline'!D3"]
    inventory = workbook["Inventory valuation"]
    assert table(inventory)[1:] == [
        ("P-1", "Bolt", "W1", 29, 580, 20),
        ("P-2", "Gear", "W2", 3, 99.99, 33.33),
        ("Total", None, None, None, 679.99, None),
    ]
    assert inventory["D4"].number_format == "#,##0.000"


def test_an_empty_database_gives_a_workbook_of_zeros_with_charts(engine):
    workbook = workbook_of(engine)

    assert all(len(sheet._charts) == 1 for sheet in workbook.worksheets)
    assert table(workbook["Liquidity"])[1] == ("Cash", 0, None)
    assert table(workbook["Receivables aging"])[-1] == ("Total", None, 0, 0, 0, 0, 0, 0)
    assert table(workbook["Sales by customer"])[1:] == [(None, None, None, None), ("All customers", None, None, 0)]


def test_report_period_defaults_to_the_year_to_date():
    assert report_period(None, date(2026, 5, 17), None) == (date(2026, 1, 1), date(2026, 5, 17), date(2026, 5, 17))
    assert report_period(date(2025, 7, 1), date(2026, 6, 30), date(2026, 1, 31))[2] == date(2026, 1, 31)
    with pytest.raises(ValueError, match="after it ends"):
        report_period(date(2026, 2, 1), date(2026, 1, 1), None)


# --- onebook report ----------------------------------------------------------------------------------------------


def run(database_url: str, *args: str):
    return CliRunner().invoke(cli, ["report", *args], env={"ONEBOOK_DATABASE_URL": database_url, "COLUMNS": "200"})


def test_onebook_report_writes_the_workbook(engine, books, database_url, tmp_path):
    target = tmp_path / "reports.xlsx"

    result = run(database_url, str(target), "--from", "2026-01-01", "--to", "2026-03-31", "--as-of", "2026-01-31")

    assert result.exit_code == 0, result.output
    assert "7 reports for 2026-01-01 to 2026-03-31, balances at 2026-01-31" in result.output
    workbook = openpyxl.load_workbook(target)
    assert workbook["Liquidity"]["B4"].value == 500  # cash at the end of January
    assert workbook["Sales by month"]["C7"].value == 1750.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "--from: '2026-13-01' is not a date"),
        (["--as-of", "yesterday"], "--as-of: 'yesterday' is not a date"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], "after it ends"),
    ],
)
def test_onebook_report_misuse_exits_2_with_a_message(database_url, tmp_path, args, message):
    target = tmp_path / "reports.xlsx"

    result = run(database_url, str(target), *args)

    assert result.exit_code == 2
    assert message in result.output
    assert not target.exists()


def test_onebook_report_needs_an_xlsx_file(database_url, tmp_path):
    result = run(database_url, str(tmp_path / "reports.csv"))
    assert result.exit_code == 2
    assert "must end in .xlsx" in result.output


# --- GET /exports/reports.xlsx -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["finance", "readonly", "admin"])
def test_report_roles_download_the_workbook(books, client_as, role):
    http = client_as(role).http

    response = http.get(
        "/exports/reports.xlsx", params={"from": "2026-01-01", "to": "2026-03-31", "asOf": "2026-03-31"}
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="reports.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == list(SHEET_TITLES)
    assert workbook["Profit and loss"]["D11"].value == 1380.5


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing", "hr"])
def test_other_roles_may_not_download_the_workbook(client_as, role):
    response = client_as(role).http.get("/exports/reports.xlsx")

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_workbook_needs_a_token(anonymous_client):
    assert anonymous_client.get("/exports/reports.xlsx").status_code == 401


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-02-30"}, "from: '2026-02-30' is not a date"),
        ({"asOf": "soon"}, "asOf: 'soon' is not a date"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "after it ends"),
    ],
)
def test_bad_dates_are_a_400(client, params, message):
    response = client.get("/exports/reports.xlsx", params=params)

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
