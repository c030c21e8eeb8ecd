"""Renders the README's pictures: an exported Customers sheet and an import report, through LibreOffice.

.venv/bin/python docs/make_pictures.py      (needs `soffice` and `pdftoppm` on the PATH, and Pillow)
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.properties import PageSetupProperties

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.database import create_sync_engine  # noqa: E402
from app.demo import seed  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from resolvers.permissions import Actor  # noqa: E402
from sync.export_command import export_workbook_file  # noqa: E402
from sync.importer import import_workbook  # noqa: E402
from sync.report import write_report  # noqa: E402

ROWS = 12
LEFT_OUT = ("Address", "Segment", "Notes", "Phone")


def only_first_rows(path: Path, title: str, out: Path) -> None:
    """Keep one sheet's first rows and main columns, landscape and one page wide, for a readable picture."""
    workbook = openpyxl.load_workbook(path)
    for name in workbook.sheetnames:
        if name != title:
            del workbook[name]
    sheet = workbook[title]
    sheet.delete_rows(ROWS + 1, sheet.max_row)
    titles = [cell.value for cell in sheet[1]]
    for index in sorted((titles.index(name) + 1 for name in LEFT_OUT if name in titles), reverse=True):
        sheet.delete_cols(index)
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    workbook.save(out)


def render(xlsx: Path, png: Path, work: Path) -> None:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
        check=True,
        capture_output=True,
    )
    pdf = work / (xlsx.stem + ".pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "130", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png.with_suffix(""))],
        check=True,
    )
    crop(png)


def crop(png: Path, margin: int = 12) -> None:
    """Cut the blank page around the table."""
    from PIL import Image, ImageChops

    image = Image.open(png).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        left, top, right, bottom = box
        image.crop((max(left - margin, 0), max(top - margin, 0), right + margin, bottom + margin)).save(png)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        url = f"sqlite:///{work / 'demo.db'}"
        upgrade(url)
        engine = create_sync_engine(url)
        seed(engine, size="small")
        export = work / "sales.xlsx"
        export_workbook_file(str(export), database_url=url, sheets=["customers"], department=None, actor=Actor.system())
        only_first_rows(export, "Customers", work / "customers.xlsx")
        render(work / "customers.xlsx", ROOT / "docs" / "exported-sheet.png", work)

        edited = openpyxl.load_workbook(export)
        sheet = edited["Customers"]
        titles = [cell.value for cell in sheet[1]]
        sheet.cell(3, titles.index("Credit Limit") + 1).value = "lots"
        sheet.cell(5, titles.index("Owner Email") + 1).value = "nobody@example.com"
        sheet.cell(7, titles.index("Status") + 1).value = "Gone"
        sheet.cell(9, titles.index("Email") + 1).value = "not-an-email"
        edited.save(work / "edited.xlsx")
        result = import_workbook(engine, work / "edited.xlsx", actor=Actor.system(via="import"))
        write_report(work / "edited.xlsx", work / "report.xlsx", result)
        report = openpyxl.load_workbook(work / "report.xlsx")
        for name in report.sheetnames:
            if name != "Import report":
                del report[name]
        sheet = report["Import report"]
        sheet.column_dimensions["C"].width = 70
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        report.save(work / "report-only.xlsx")
        render(work / "report-only.xlsx", ROOT / "docs" / "import-report.png", work)
        only_first_rows(work / "report.xlsx", "Customers", work / "marked.xlsx")
        render(work / "marked.xlsx", ROOT / "docs" / "marked-cells.png", work)


if __name__ == "__main__":
    main()
