"""The import report: a copy of the workbook with every bad cell marked and commented, and an `Import report` sheet.

Department users open it next to their file, fix the red cells and import again.
"""

import csv
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from sync.importer import ImportResult

ERROR_FILL = PatternFill("solid", start_color="FFC7CE")
CONFLICT_FILL = PatternFill("solid", start_color="FFEB9C")
BOLD = Font(bold=True)
AUTHOR = "Onebook import"


def _csv_title(source: Path, result: ImportResult) -> str:
    """The title the importer gave a CSV's one sheet (`--sheet`, else the file name's stem), as its problems say."""
    for item in [*result.errors, *result.conflicts]:
        if item.sheet != source.name:
            return item.sheet[:31]
    return source.stem[:31]


def _copy_of(source: Path, result: ImportResult):
    if source.suffix.lower() == ".csv":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _csv_title(source, result)
        with source.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
        return workbook
    return load_workbook(source)


def _mark(workbook, sheet_title: str, row: int | None, column: int | None, message: str, fill: PatternFill) -> None:
    if sheet_title not in workbook.sheetnames or row is None:
        return
    sheet = workbook[sheet_title]
    cell = sheet.cell(row=row, column=(column or 0) + 1)
    cell.fill = fill
    text = f"{cell.comment.text}\n{message}" if cell.comment else message
    cell.comment = Comment(text, AUTHOR, width=300, height=120)


def write_report(source: str | Path, target: str | Path, result: ImportResult) -> None:
    """Write the annotated copy of `source` to `target`."""
    source = Path(source)
    try:
        workbook = _copy_of(source, result)
    except Exception:  # an unreadable input still gets a report, with the problems listed
        workbook = Workbook()
        workbook.active.title = "Unreadable file"
    for problem in result.errors:
        _mark(workbook, problem.sheet, problem.row, problem.column, problem.message, ERROR_FILL)
    resolved = result.conflicts if not result.errors else []  # refused conflicts are listed among the errors
    for conflict in resolved:
        _mark(workbook, conflict.sheet, conflict.row, conflict.column, conflict.message, CONFLICT_FILL)
    if "Import report" in workbook.sheetnames:
        del workbook["Import report"]
    report = workbook.create_sheet("Import report", 0)
    status = f"applied as batch {result.batch_id}" if result.applied else "nothing was imported"
    if not result.errors and not result.applied:
        status = "dry run: nothing was written"
    report.append(["Import of", source.name, status])
    report.append([])
    report.append(["Sheet", "Created", "Updated", "Unchanged", "Deleted", "Conflicts"])
    for plan in result.plans:
        report.append([plan.title, plan.created, plan.updated, plan.unchanged, plan.deleted, plan.conflicts])
    report.append([])
    report.append(["Cell", "Kind", "Problem"])
    header_row = report.max_row
    for problem in result.errors:
        report.append([problem.cell, "error", problem.message])
    for conflict in resolved:
        report.append([conflict.cell, "conflict (resolved)", conflict.message])
    for warning in result.warnings:
        report.append(["", "warning", warning])
    for row in (1, 3, header_row):
        for cell in report[row]:
            cell.font = BOLD
    for index, width in enumerate((24, 12, 100), start=1):
        report.column_dimensions[get_column_letter(index)].width = width
    workbook.save(target)
