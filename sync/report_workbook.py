"""The report workbook: one formatted sheet per report, each with a native Excel chart drawn from the sheet's cells.

Written for people who open it in Excel or LibreOffice: a caption in row 1, column titles in row 3 (bold), the figures
below them as numbers with a money format, totals in bold, and a chart to the right that reads the cells, so editing a
figure redraws the chart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from models.base import today
from models.system import Role
from resolvers import reports
from resolvers.reports import Report
from sync.writing import MONEY_FORMAT

QUANTITY_FORMAT = "#,##0.000"
DATE_FORMAT = "yyyy-mm-dd"
BOLD = Font(bold=True)
CAPTION = Font(bold=True, size=14)
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
#: Sheet titles in workbook order; each sheet has one chart.
SHEET_TITLES = (
    "Profit and loss",
    "Liquidity",
    "Receivables aging",
    "Sales by month",
    "Sales by customer",
    "Pipeline",
    "Inventory valuation",
)

#: The reports the workbook holds: whoever reads it must be allowed to read each of them.
WORKBOOK_REPORTS = (
    Report.PROFIT_AND_LOSS,
    Report.LIQUIDITY,
    Report.RECEIVABLES_AGING,
    Report.SALES_BY_MONTH,
    Report.SALES_BY_CUSTOMER,
    Report.PIPELINE_BY_STAGE,
    Report.INVENTORY_VALUATION,
)


def can_read_workbook(roles: frozenset[Role]) -> bool:
    return all(reports.can_read_report(roles, report) for report in WORKBOOK_REPORTS)


def report_period(start: date | None, end: date | None, as_of: date | None) -> tuple[date, date, date]:
    """The period and balance day, defaults filled in: the year to date (UTC), balances at the period's end.

    Raises ValueError when the period would end before it starts.
    """
    end = end or today()
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    return start, end, as_of or end


@dataclass(frozen=True)
class Table:
    """Where a sheet's figures landed: the rows of data, the first row of totals, and the columns by title."""

    sheet: Worksheet
    headers: Sequence[str]
    first_row: int
    last_row: int
    totals_row: int

    def column(self, title: str) -> int:
        return self.headers.index(title) + 1

    def values(self, *titles: str) -> Reference:
        """The data cells of these adjacent columns, their titles included (series names)."""
        columns = [self.column(title) for title in titles]
        return Reference(
            self.sheet, min_col=min(columns), max_col=max(columns), min_row=HEADER_ROW, max_row=self.last_row
        )

    def categories(self, title: str) -> Reference:
        column = self.column(title)
        return Reference(self.sheet, min_col=column, min_row=self.first_row, max_row=self.last_row)


def write_table(
    sheet: Worksheet,
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    totals: Sequence[Sequence[Any]] = (),
) -> Table:
    """Caption, bold titles, rows, bold totals; money, quantities and dates formatted; columns as wide as their text."""
    sheet.cell(row=1, column=1, value=caption).font = CAPTION
    for index, title in enumerate(headers, start=1):
        sheet.cell(row=HEADER_ROW, column=index, value=title).font = BOLD
    row_number = HEADER_ROW
    for row in rows:
        row_number += 1
        write_row(sheet, row_number, row)
    if not rows:
        row_number += 1  # an empty report leaves one blank row for its chart to read
    last_data_row = row_number
    for row in totals:
        row_number += 1
        for cell in write_row(sheet, row_number, row):
            cell.font = BOLD
    for index, title in enumerate(headers, start=1):
        cells = [sheet.cell(row=number, column=index).value for number in range(HEADER_ROW, row_number + 1)]
        width = max(len(display(value)) for value in [title, *cells])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 50)
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=1)
    return Table(sheet, list(headers), FIRST_ROW, last_data_row, last_data_row + 1)


def write_row(sheet: Worksheet, row_number: int, values: Sequence[Any]) -> list[Any]:
    cells = []
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=row_number, column=index, value=value)
        if isinstance(value, Decimal):
            cell.number_format = QUANTITY_FORMAT if value.as_tuple().exponent == -3 else MONEY_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        cells.append(cell)
    return cells


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def add_bar_chart(
    table: Table,
    title: str,
    values: Reference,
    categories: Reference,
    *,
    horizontal: bool = False,
    from_rows: bool = False,
    y_title: str = "Amount",
) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.add_data(values, titles_from_data=not from_rows, from_rows=from_rows)
    chart.set_categories(categories)
    chart.width, chart.height = 18, 9
    anchor_column = get_column_letter(len(table.headers) + 2)
    table.sheet.add_chart(chart, f"{anchor_column}{HEADER_ROW}")
    return chart


# --- one function per sheet --------------------------------------------------------------------------------------


def profit_and_loss_sheet(sheet: Worksheet, report: reports.ProfitAndLoss) -> None:
    rows = [("Income", item.code, item.name, item.amount) for item in report.income]
    rows += [("Expense", item.code, item.name, item.amount) for item in report.expenses]
    table = write_table(
        sheet,
        f"Profit and loss, {report.start} to {report.end}",
        ("Section", "Code", "Account", "Amount"),
        rows,
        totals=[
            ("Total income", None, None, report.total_income),
            ("Total expenses", None, None, report.total_expenses),
            ("Net profit", None, None, report.net_profit),
        ],
    )
    add_bar_chart(table, "Income and expenses by account", table.values("Amount"), table.categories("Account"))


def liquidity_sheet(sheet: Worksheet, report: reports.Liquidity) -> None:
    as_of = f"at the end of {report.as_of}" if report.as_of else "now"
    table = write_table(
        sheet,
        f"Liquidity {as_of} (ledger), next to the documents as they stand",
        ("Figure", "Ledger", "Documents"),
        [
            ("Cash", report.cash, None),
            ("Receivables", report.receivables, report.receivables_from_invoices),
            ("Payables", report.payables, report.payables_from_purchase_orders),
            ("Inventory", report.inventory_value, report.inventory_from_stock_moves),
        ],
        totals=[("Working capital", report.working_capital, None)],
    )
    add_bar_chart(table, "Ledger and documents", table.values("Ledger", "Documents"), table.categories("Figure"))


AGING_TITLES = tuple(title for _, title, _ in reports.AGING_BUCKETS)


def receivables_aging_sheet(sheet: Worksheet, report: reports.ReceivablesAging) -> None:
    def amounts(buckets: reports.AgingBuckets) -> list[Decimal]:
        return [getattr(buckets, name) for name, _, _ in reports.AGING_BUCKETS] + [buckets.total]

    table = write_table(
        sheet,
        f"Receivables aging at {report.as_of}: open amounts of issued invoices by days past due",
        ("Customer code", "Customer", *AGING_TITLES, "Total"),
        [(row.customer_code, row.customer_name, *amounts(row.buckets)) for row in report.customers],
        totals=[("Total", None, *amounts(report.totals))],
    )
    first, last = table.column(AGING_TITLES[0]), table.column(AGING_TITLES[-1])
    add_bar_chart(
        table,
        "Open receivables by days past due",
        Reference(sheet, min_col=first, max_col=last, min_row=table.totals_row),
        Reference(sheet, min_col=first, max_col=last, min_row=HEADER_ROW),
        from_rows=True,
    )


def sales_by_month_sheet(sheet: Worksheet, report: reports.SalesByMonth) -> None:
    table = write_table(
        sheet,
        f"Sales by month (net invoiced), {report.start} to {report.end}",
        ("Month", "Invoices", "Net amount"),
        [(month.label, month.invoice_count, month.net_amount) for month in report.months],
        totals=[("Total", sum(month.invoice_count for month in report.months), report.total)],
    )
    add_bar_chart(table, "Net invoiced per month", table.values("Net amount"), table.categories("Month"))


def sales_by_customer_sheet(sheet: Worksheet, report: reports.SalesByCustomer) -> None:
    table = write_table(
        sheet,
        f"Top customers by net invoiced, {report.start} to {report.end}",
        ("Customer code", "Customer", "Invoices", "Net amount"),
        [(row.customer_code, row.customer_name, row.invoice_count, row.net_amount) for row in report.customers],
        totals=[("All customers", None, None, report.total)],
    )
    add_bar_chart(
        table, "Net invoiced by customer", table.values("Net amount"), table.categories("Customer"), horizontal=True
    )


def pipeline_sheet(sheet: Worksheet, report: reports.Pipeline) -> None:
    table = write_table(
        sheet,
        "Sales pipeline by stage",
        ("Stage", "Opportunities", "Amount", "Weighted amount"),
        [(row.stage.name.title(), row.count, row.amount, row.weighted_amount) for row in report.stages],
        totals=[("Open stages", None, report.open_amount, report.open_weighted_amount)],
    )
    add_bar_chart(table, "Pipeline by stage", table.values("Amount", "Weighted amount"), table.categories("Stage"))


def inventory_sheet(sheet: Worksheet, report: reports.InventoryValuation) -> None:
    where = f"warehouse {report.warehouse_code}" if report.warehouse_code else "all warehouses"
    table = write_table(
        sheet,
        f"Inventory valuation, {where}",
        ("SKU", "Product", "Warehouse", "Quantity", "Value", "Average unit cost"),
        [
            (
                item.product_sku,
                item.product_name,
                item.warehouse_code,
                item.quantity,
                item.value,
                item.average_unit_cost,
            )
            for item in report.items
        ],
        totals=[("Total", None, None, None, report.total_value, None)],
    )
    add_bar_chart(table, "Inventory value by product", table.values("Value"), table.categories("SKU"), horizontal=True)


def write_report_workbook(
    session: Session, target: str | Path | IO[bytes], start: date, end: date, as_of: date, *, top_customers: int = 20
) -> list[str]:
    """Write every report (sales and profit for `start`..`end`, balances at the end of `as_of`) to one workbook;
    returns the sheet titles. Refused (a period that ends before it starts) before anything is written."""
    reports.check_period(start, end)
    sheets = [
        (profit_and_loss_sheet, reports.profit_and_loss(session, start, end)),
        (liquidity_sheet, reports.liquidity(session, as_of)),
        (receivables_aging_sheet, reports.receivables_aging(session, as_of)),
        (sales_by_month_sheet, reports.sales_by_month(session, start, end)),
        (sales_by_customer_sheet, reports.sales_by_customer(session, start, end, top_customers)),
        (pipeline_sheet, reports.pipeline_by_stage(session)),
        (inventory_sheet, reports.inventory_valuation(session)),
    ]
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (write_sheet, report) in zip(SHEET_TITLES, sheets, strict=True):
        write_sheet(workbook.create_sheet(title), report)
    workbook.save(target)
    return list(SHEET_TITLES)
