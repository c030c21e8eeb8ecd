"""Reading uploaded workbooks: real files built here (never committed), good ones read right, bad ones refused.

Every refused file must give the user a message saying what is wrong, and must be refused quickly: the bad-file
tests run under a short timeout, and those that calamine must never see run with calamine replaced by a trap.
"""

import gc
import json
import math
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import sync.reading
from sync import safety
from sync.reading import BaseRow, read_workbook
from sync.safety import UnreadableWorkbook, check_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
QUICK_SECONDS = 15  # a refusal reads the zip directory and a few hundred KB: far below this on any machine
quick = pytest.mark.timeout(QUICK_SECONDS)


# --- building files ---------------------------------------------------------------------------------------------


def write_xlsx(
    path: Path, sheets: dict[str, str | bytes | Iterable[bytes]], extra_parts: dict[str, bytes] | None = None
) -> Path:
    """A minimal workbook: the sheets' XML as given (text, bytes, or byte chunks streamed into the zip)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{index}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for index in range(1, len(sheets) + 1)
    )
    sheet_list = "".join(
        f'<sheet name="{title}" sheetId="{index}" r:id="rId{index}"/>' for index, title in enumerate(sheets, 1)
    )
    targets = "".join(
        f'<Relationship Id="rId{index}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{index}.xml"/>'
        for index in range(1, len(sheets) + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f"<sheets>{sheet_list}</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{targets}'
            "</Relationships>",
        )
        for index, xml in enumerate(sheets.values(), 1):
            name = f"xl/worksheets/sheet{index}.xml"
            if isinstance(xml, str | bytes):
                archive.writestr(name, xml)
            else:
                with archive.open(name, "w", force_zip64=True) as part:
                    for chunk in xml:
                        part.write(chunk)
        for name, content in (extra_parts or {}).items():
            archive.writestr(name, content)
    return path


def sheet_xml(rows: str, *, dimension: str | None = None, before: str = "") -> str:
    """A worksheet part around `rows` (the <row> elements)."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{before}<worksheet xmlns="{MAIN}">{declared}<sheetData>{rows}</sheetData></worksheet>'


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = f'<row r="1">{text_cell("A1", "ID")}{text_cell("B1", "Name")}</row>'


def refused(path: Path, *expected: str, **options: str) -> str:
    """The message read_workbook refuses the file with; it must contain each of `expected`."""
    with pytest.raises(UnreadableWorkbook) as refusal:
        read_workbook(path, **options)
    message = str(refusal.value)
    for part in expected:
        assert part in message
    assert path.name in message
    return message


@pytest.fixture
def calamine_must_not_run(monkeypatch):
    """Fail the test if the parser is ever reached: the file must be refused before parsing."""

    class Trap:
        @staticmethod
        def from_path(path):
            raise AssertionError(f"calamine opened {path}, which should have been refused first")

    monkeypatch.setattr(sync.reading, "CalamineWorkbook", Trap)


def declare_size(path: Path, part: str, size: int) -> None:
    """Rewrite a part's declared size (and CRC, to match its first `size` bytes): a crafted, lying zip entry."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(part)
        content = archive.read(part)
    crc = zlib.crc32(content[:size])
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == part.encode():
            struct.pack_into("<I", data, at + 16, crc)
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


# --- files that are not workbooks ---------------------------------------------------------------------------------


@quick
def test_a_text_file_named_xlsx_is_refused(tmp_path, calamine_must_not_run):
    path = tmp_path / "customers.xlsx"
    path.write_text("ID,Name\n1,Ann\n")

    refused(path, "is not an Excel workbook (.xlsx); save it as .xlsx or .csv")


@quick
def test_an_empty_xlsx_file_is_refused(tmp_path, calamine_must_not_run):
    path = tmp_path / "customers.xlsx"
    path.write_bytes(b"")

    refused(path, "is empty")


@quick
def test_an_old_or_password_protected_excel_file_is_refused(tmp_path, calamine_must_not_run):
    path = tmp_path / "customers.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))

    refused(path, "old Excel file (.xls) or a password-protected workbook")


@quick
def test_a_workbook_cut_in_half_is_refused(tmp_path, calamine_must_not_run):
    workbook = Workbook()
    for number in range(2000):
        workbook.active.append([number, f"customer {number}", date(2024, 1, 1)])
    path = tmp_path / "customers.xlsx"
    workbook.save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    refused(path, "is damaged or incomplete", "cut short")


@quick
def test_a_zip_without_the_workbook_parts_is_refused(tmp_path, calamine_must_not_run):
    path = tmp_path / "customers.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    refused(path, "is not a complete Excel workbook", "[Content_Types].xml", "xl/workbook.xml")


@quick
def test_an_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "customers.ods"
    path.write_bytes(b"PK\x03\x04")

    refused(path, "must be .xlsx or .csv (got .ods)")


def test_a_missing_file_is_refused(tmp_path):
    refused(tmp_path / "customers.xlsx", "does not exist")
    refused(tmp_path / "customers.csv", "does not exist")


# --- XML entities -------------------------------------------------------------------------------------------------

BILLION_LAUGHS = (  # ten to the ninth "lol"s, three GB, from under a kilobyte
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    + "]>"
)


@quick
def test_a_sheet_declaring_entities_is_refused_before_parsing(tmp_path, calamine_must_not_run):
    rows = f'<row r="1">{text_cell("A1", "ID")}</row><row r="2">{text_cell("A2", "&lol9;")}</row>'
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(rows, before=BILLION_LAUGHS)})

    message = refused(path, "xl/worksheets/sheet1.xml", "declares a DOCTYPE or an ENTITY")
    with pytest.raises(UnreadableWorkbook, match="DOCTYPE"):
        check_workbook(path)
    assert "Traceback" not in message


@quick
def test_an_entity_in_a_utf16_part_is_refused(tmp_path, calamine_must_not_run):
    strings = (BILLION_LAUGHS + f'<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>').encode("utf-16")
    path = write_xlsx(
        tmp_path / "customers.xlsx", {"Customers": sheet_xml(HEADER_ROW)}, {"xl/sharedStrings.xml": strings}
    )

    refused(path, "xl/sharedStrings.xml", "declares a DOCTYPE or an ENTITY")


@quick
def test_a_doctype_hidden_behind_a_long_comment_is_refused(tmp_path, calamine_must_not_run):
    padding = "<!--" + "x" * (safety.XML_HEAD_BYTES + 1) + "-->"
    path = write_xlsx(
        tmp_path / "customers.xlsx", {"Customers": sheet_xml(HEADER_ROW, before=padding + BILLION_LAUGHS)}
    )

    refused(path, "xl/worksheets/sheet1.xml", "does not start like an XML document")


# --- zip bombs ----------------------------------------------------------------------------------------------------


@quick
def test_a_workbook_inflating_beyond_the_limit_is_refused(tmp_path, monkeypatch, calamine_must_not_run):
    monkeypatch.setenv(safety.MAX_WORKBOOK_BYTES_VARIABLE, str(1_000_000))
    rows = HEADER_ROW + "".join(f'<row r="{n}">{text_cell(f"B{n}", "x" * 40)}</row>' for n in range(2, 30_000))
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(rows)})
    assert path.stat().st_size < 1_000_000

    refused(path, "would inflate to", "more than the 976.6 KiB allowed")


@quick
def test_a_part_with_an_absurd_compression_ratio_is_refused(tmp_path, calamine_must_not_run):
    padding = b" " * (1 << 20)
    sixty_megabytes = (padding for _ in range(60))
    xml = [sheet_xml(HEADER_ROW).replace("</sheetData>", "").encode(), *sixty_megabytes, b"</sheetData></worksheet>"]
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": xml})
    assert path.stat().st_size < 1_000_000

    refused(path, "zip bomb", "xl/worksheets/sheet1.xml", "60.0 MiB")


@quick
def test_a_part_holding_more_than_it_declares_is_refused(tmp_path, calamine_must_not_run):
    rows = HEADER_ROW + "".join(f'<row r="{n}">{text_cell(f"B{n}", "Ann")}</row>' for n in range(2, 5_000))
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(rows)})
    declare_size(path, "xl/worksheets/sheet1.xml", 1_000)

    refused(path, "xl/worksheets/sheet1.xml", "holds more data than its 1,000 bytes declared")


def test_checking_a_workbook_reads_only_the_start_of_each_part(tmp_path, monkeypatch):
    padding = (b" " * (1 << 20) for _ in range(20))
    xml = [sheet_xml(HEADER_ROW).replace("</sheetData>", "").encode(), *padding, b"</sheetData></worksheet>"]
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": xml})
    inflated = []
    inflate = safety.WorkbookArchive.inflate

    def counting(self, info, **options):
        for chunk in inflate(self, info, **options):
            inflated.append(len(chunk))
            yield chunk

    monkeypatch.setattr(safety.WorkbookArchive, "inflate", counting)

    check_workbook(path)

    assert sum(inflated) < safety.XML_HEAD_BYTES * 6  # a few small parts and the sheet's first 256 KiB, not 20 MiB


# --- sheets too big to lay out --------------------------------------------------------------------------------------


@quick
def test_a_sheet_declaring_16384_columns_is_refused(tmp_path, calamine_must_not_run):
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(HEADER_ROW, dimension="A1:XFD1")})

    refused(path, "sheet 'Customers' declares the range A1:XFD1, which spans 16,384 columns", "at most 1,000 columns")
    with pytest.raises(UnreadableWorkbook, match="16,384 columns"):
        check_workbook(path)


@quick
def test_two_cells_far_apart_are_refused_whatever_the_dimension_says(tmp_path, calamine_must_not_run):
    rows = HEADER_ROW + '<row r="1048576"><c r="ALL1048576"><v>1</v></c></row>'
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(rows, dimension="A1:B1")})
    check_workbook(path)  # the declared dimension is harmless: only reading the sheet finds the lie

    refused(path, "sheet 'Customers' has cells spread over 1,048,576 rows x 1,000 columns")


@quick
def test_cells_without_references_are_counted_too(tmp_path, calamine_must_not_run):
    cells = "<c><v>1</v></c>" * (safety.MAX_COLUMNS + 1)
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(f"<row>{cells}</row>")})

    refused(path, "sheet 'Customers' has cells spanning 1,001 columns")


@quick
def test_a_million_empty_formatted_rows_read_quickly_as_no_rows(tmp_path):
    def rows() -> Iterable[bytes]:
        yield sheet_xml(HEADER_ROW + f'<row r="2">{text_cell("A2", "7")}</row>').split("</sheetData>")[0].encode()
        for start in range(3, 1_000_003, 50_000):
            stop = min(start + 50_000, 1_000_003)
            yield "".join(
                f'<row r="{n}" spans="1:2" s="1" customFormat="1" ht="15" customHeight="1"/>'
                for n in range(start, stop)
            ).encode()
        yield b"</sheetData></worksheet>"

    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": rows()})

    data = read_workbook(path)

    assert [(sheet.title, sheet.header, sheet.rows) for sheet in data.sheets] == [
        ("Customers", ["ID", "Name"], [(2, ["7", None])])
    ]


def long_sheet(rows: Iterable[str], header: str = HEADER_ROW) -> Iterable[bytes]:
    """A sheet's XML streamed around `rows`: several of the scan's 1 MiB chunks for a few thousand rows."""
    yield sheet_xml(header).split("</sheetData>")[0].encode()
    yield from (row.encode() for row in rows)
    yield b"</sheetData></worksheet>"


def named_rows(numbers: Iterable[int], extra: dict[int, str] | None = None) -> Iterable[str]:
    for n in numbers:
        yield f'<row r="{n}">{text_cell(f"B{n}", f"Customer {n} " + "x" * 80)}{(extra or {}).get(n, "")}</row>'


@quick
def test_a_long_sheet_is_measured_to_its_last_row_and_column_wherever_they_are(tmp_path):
    # The highest row number comes first and the widest column only in a late chunk: the scan must not assume
    # rows in order, nor that the first chunks show every column.
    rows = [
        '<row r="90000"><c r="A90000"><v>1</v></c></row>',
        *named_rows(range(2, 40_000), {39_000: '<c r="AC39000"/>'}),
    ]
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": long_sheet(rows)})

    with safety.WorkbookArchive(path) as archive:
        archive.check()
        scan = archive.scan_worksheet("xl/worksheets/sheet1.xml", sheet="Customers")

    assert (scan.max_row, scan.max_column, scan.has_formulas) == (90_000, 29, False)


@quick
def test_a_cell_beyond_the_column_limit_late_in_a_long_sheet_is_refused(tmp_path, calamine_must_not_run):
    rows = named_rows(range(2, 40_000), {39_000: '<c r="ALM39000"><v>1</v></c>'})
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": long_sheet(rows)})

    refused(path, "sheet 'Customers' has cells spanning 1,001 columns")


# --- good workbooks -------------------------------------------------------------------------------------------------


def exported_workbook(path: Path) -> Path:
    """A workbook shaped like an Onebook export, edited by a person: blank rows, a stray note, hidden sheets."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Customers"
    sheet.append(["ID", "Name", "Since", "Last call", "Balance", "VIP", None, None])
    sheet.append([1, "Ann & Co <b>", date(2024, 1, 31), datetime(2024, 2, 1, 9, 30), 1234.5, True])
    sheet.append([])
    sheet.append([None, "  New customer ", None, None, 0.1, False])
    sheet["J4"] = "a note beyond the header"
    sheet.append([])
    lookups = workbook.create_sheet("_lookups")
    lookups.sheet_state = "hidden"
    lookups.append(["Owner Email"])
    onebook = workbook.create_sheet("_onebook")
    onebook.sheet_state = "hidden"
    onebook.append(["Sheet", "ID", "Version", "Values"])
    onebook.append(["Customers", 1, 3, json.dumps({"name": "Ann & Co", "balance": "1234.50", "since": "2024-01-31"})])
    onebook.append(["Customers", 2, 1, json.dumps({"name": "Deleted since"})])
    workbook.save(path)
    return path


def test_an_edited_export_reads_back_with_real_row_numbers_and_types(tmp_path):
    data = read_workbook(exported_workbook(tmp_path / "export.xlsx"))

    assert data.kind == "xlsx"
    assert [sheet.title for sheet in data.sheets] == ["Customers"]
    customers = data.sheets[0]
    assert customers.header == ["ID", "Name", "Since", "Last call", "Balance", "VIP"]
    assert customers.rows == [
        (2, [1.0, "Ann & Co <b>", date(2024, 1, 31), datetime(2024, 2, 1, 9, 30), 1234.5, True]),
        (4, [None, "  New customer ", None, None, 0.1, False]),
    ]
    assert customers.formula_cells == set()


def test_the_onebook_sheet_gives_each_exported_rows_version_and_values(tmp_path):
    data = read_workbook(exported_workbook(tmp_path / "export.xlsx"))

    assert data.base == {
        ("Customers", 1): BaseRow(version=3, values={"name": "Ann & Co", "balance": "1234.50", "since": "2024-01-31"}),
        ("Customers", 2): BaseRow(version=1, values={"name": "Deleted since"}),
    }
    assert data.exported == {"Customers": {1, 2}}


def test_a_damaged_onebook_sheet_is_refused(tmp_path):
    path = exported_workbook(tmp_path / "export.xlsx")
    workbook = load_workbook(path)
    workbook["_onebook"]["D3"] = "{not json"
    workbook.save(path)

    refused(
        path,
        "the hidden _onebook sheet",
        "damaged at row 3 (its Values cell should hold a JSON object)",
        "export the workbook again",
    )


def onebook_workbook(path: Path, *records: list) -> Path:
    workbook = Workbook()
    workbook.active.title = "Customers"
    workbook.active.append(["ID", "Name"])
    onebook = workbook.create_sheet("_onebook")
    onebook.append(["Sheet", "ID", "Version", "Values"])
    for record in records:
        onebook.append(record)
    workbook.save(path)
    return path


def test_onebook_values_read_exactly_as_the_json_module_reads_them(tmp_path):
    # orjson reads most records; what it refuses (NaN) or would read otherwise (an integer beyond 64 bits becomes a
    # float there) is read by the standard library, as before.
    texts = {
        1: '{"name": "Ann", "vip": true, "owner": null, "visits": 12}',
        2: '{"score": NaN, "tags": ["a", 1.5]}',
        3: '{"code": 123456789012345678901234567890}',
    }
    path = onebook_workbook(tmp_path / "export.xlsx", *(["Customers", id_, 1, text] for id_, text in texts.items()))

    base = read_workbook(path).base

    assert base[("Customers", 1)].values == json.loads(texts[1])
    assert base[("Customers", 2)].values["tags"] == ["a", 1.5]
    assert math.isnan(base[("Customers", 2)].values["score"])
    assert base[("Customers", 3)].values == {"code": 123456789012345678901234567890}


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (["", 2, 1, "{}"], "no sheet title"),
        (["Customers", 2, 1.5, "{}"], "expected a whole number, got 1.5"),
        (["Customers", True, 1, "{}"], "expected a whole number, got True"),
        (["Customers", 2, 1, "[1, 2]"], "its Values cell should hold a JSON object"),
        (["Customers", 2, 1, '{"name": "Ann"} and more'], "its Values cell should hold a JSON object"),
        (["Customers", 2, 1, "[" * 5_000 + "]" * 5_000], "its Values cell should hold a JSON object"),
    ],
)
def test_each_damaged_onebook_record_is_refused_with_its_row_and_problem(tmp_path, record, problem):
    path = onebook_workbook(tmp_path / "export.xlsx", ["Customers", 1, 1, "{}"], record)

    refused(path, f"damaged at row 3 ({problem})")


# --- calamine reading one sheet while the next is scanned ---------------------------------------------------------

ONEBOOK_HEADER_ROW = (
    f'<row r="1">{text_cell("A1", "Sheet")}{text_cell("B1", "ID")}{text_cell("C1", "Version")}'
    f"{text_cell('D1', 'Values')}</row>"
)
FAR_CELL = '<c r="ALM2"><v>1</v></c>'  # in column 1,001 of row 2: the scan refuses the sheet


def export_xml(
    path: Path,
    *,
    customers: str = "",
    onebook: str = "",
    first_values: str = "{}",
    extra_parts: dict[str, bytes] | None = None,
) -> Path:
    """A data sheet and a `_onebook` sheet holding a record per customer (20,000 of them: some time to parse); the
    cells in `customers` and `onebook` are added to their second rows, whose Values cell holds `first_values`."""
    records = "".join(
        f'<row r="{n}">{text_cell(f"A{n}", "Customers")}<c r="B{n}"><v>{n}</v></c><c r="C{n}"><v>1</v></c>'
        f"{text_cell(f'D{n}', first_values if n == 2 else '{}')}{onebook if n == 2 else ''}</row>"
        for n in range(2, 20_002)
    )
    sheets = {
        "Customers": sheet_xml(f'{HEADER_ROW}<row r="2">{text_cell("B2", "Ann")}{customers}</row>'),
        "_onebook": sheet_xml(ONEBOOK_HEADER_ROW + records),
    }
    return write_xlsx(path, sheets, extra_parts)


def calamine_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("calamine")]


def test_a_data_sheet_and_its_onebook_sheet_are_both_read(tmp_path):
    data = read_workbook(export_xml(tmp_path / "export.xlsx"))

    assert [(sheet.title, sheet.rows) for sheet in data.sheets] == [("Customers", [(2, [None, "Ann"])])]
    assert len(data.base) == 20_000
    assert data.base[("Customers", 20_001)] == BaseRow(version=1, values={})
    assert calamine_threads() == []


def test_meanwhile_gets_the_sheet_names_and_exported_ids_while_the_data_sheets_are_parsed(tmp_path):
    seen = []

    def meanwhile(names, exported):
        seen.append((names, {title: len(ids) for title, ids in exported.items()}, calamine_threads()))

    data = read_workbook(export_xml(tmp_path / "export.xlsx"), meanwhile=meanwhile)

    assert [(names, counts) for names, counts, _ in seen] == [(["Customers"], {"Customers": 20_000})]
    assert seen[0][2] != []  # called during the read, calamine's thread still there, not after it
    assert len(data.base) == 20_000


def test_meanwhile_is_not_called_without_a_readable_onebook_sheet(tmp_path):
    calls = []
    plain_book = tmp_path / "plain.xlsx"
    book = Workbook()
    book.active.title = "Customers"
    book.active.append(["Code", "Name"])
    book.save(plain_book)
    csv_file = tmp_path / "Customers.csv"
    csv_file.write_text("Code,Name\nC-1,Ann\n", encoding="utf-8")

    read_workbook(plain_book, meanwhile=lambda *args: calls.append(args))
    read_workbook(csv_file, meanwhile=lambda *args: calls.append(args))
    with pytest.raises(UnreadableWorkbook):
        read_workbook(export_xml(tmp_path / "bad.xlsx", first_values="{not json"), meanwhile=lambda *a: calls.append(a))

    assert calls == []


@quick
def test_an_onebook_sheet_refused_by_its_scan_never_reaches_calamine(tmp_path, calamine_must_not_run):
    path = export_xml(tmp_path / "export.xlsx", onebook=FAR_CELL)

    refused(path, "sheet '_onebook' has cells spanning 1,001 columns")
    assert calamine_threads() == []


@quick
def test_a_data_sheet_refused_while_calamine_parses_onebook_is_reported_and_the_thread_stops(tmp_path):
    path = export_xml(tmp_path / "export.xlsx", customers=FAR_CELL)

    refused(path, "sheet 'Customers' has cells spanning 1,001 columns")
    assert calamine_threads() == []


@quick
def test_when_both_sheets_are_refused_the_data_sheets_refusal_is_reported_first(tmp_path, calamine_must_not_run):
    path = export_xml(tmp_path / "export.xlsx", customers=FAR_CELL, onebook=FAR_CELL)

    refused(path, "sheet 'Customers' has cells spanning 1,001 columns")


@quick
def test_a_data_sheet_calamine_cannot_read_is_reported_before_a_damaged_onebook_sheet(tmp_path):
    path = export_xml(tmp_path / "export.xlsx", customers='<c r="C2" t="n"><v>abc</v></c>', first_values="{not json")

    message = refused(path, "could not be read (Parse float error")
    assert "_onebook" not in message
    assert calamine_threads() == []


@quick
def test_a_workbook_calamine_cannot_open_is_reported_before_its_sheets_problems(tmp_path):
    broken_strings = f'<sst xmlns="{MAIN}"><si><t>a</si></sst>'.encode()
    path = export_xml(
        tmp_path / "export.xlsx",
        customers='<c r="C2" t="n"><v>abc</v></c>',
        first_values="{not json",
        extra_parts={"xl/sharedStrings.xml": broken_strings},
    )

    message = refused(path, "could not be read")
    assert "Parse float" not in message
    assert "_onebook" not in message
    assert calamine_threads() == []


def test_the_garbage_collector_runs_again_after_a_read_even_a_refused_one(tmp_path):
    path = exported_workbook(tmp_path / "export.xlsx")
    read_workbook(path)
    assert gc.isenabled()

    path.write_bytes(path.read_bytes()[:1_000])
    with pytest.raises(UnreadableWorkbook):
        read_workbook(path)
    assert gc.isenabled()


def test_data_away_from_a1_keeps_its_sheet_positions(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Contacts"
    sheet["B3"], sheet["C3"] = "Email", "Name"
    sheet["C5"] = "Bo"
    workbook.save(tmp_path / "contacts.xlsx")

    [contacts] = read_workbook(tmp_path / "contacts.xlsx").sheets

    assert contacts.header == ["", "Email", "Name"]
    assert contacts.rows == [(5, [None, None, "Bo"])]


def test_one_sheet_is_chosen_by_title_in_any_case(tmp_path):
    sheets = {"Customers": sheet_xml(HEADER_ROW), "Contacts": sheet_xml(HEADER_ROW)}
    path = write_xlsx(tmp_path / "crm.xlsx", sheets)

    assert [sheet.title for sheet in read_workbook(path, sheet_title="contacts ").sheets] == ["Contacts"]
    refused(path, "has no sheet named 'Orders'; its sheets are: 'Customers', 'Contacts'", sheet_title="Orders")


FORMULAS = (
    HEADER_ROW
    + '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>UPPER("ann")</f><v>ANN</v></c></row>'
    + '<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="str"><f>LOWER("BO")</f></c></row>'
    + '<row r="4"><c r="B4"><f>A4*2</f></c><c r="C4"><f>1+1</f></c></row>'
)


def test_a_formula_gives_its_saved_result(tmp_path):
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(FORMULAS)})

    [customers] = read_workbook(path).sheets

    assert customers.rows[0] == (2, [1.0, "ANN"])
    assert (2, 1) not in customers.formula_cells


def test_a_formula_without_a_saved_result_is_listed(tmp_path):
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": sheet_xml(FORMULAS)})

    [customers] = read_workbook(path).sheets

    assert customers.formula_cells == {(3, 1), (4, 1)}  # C4 lies beyond the header: ignored
    assert customers.rows[1:] == [(3, [2.0, None]), (4, [None, None])]


def test_a_formula_written_by_openpyxl_has_no_saved_result(tmp_path):
    workbook = Workbook()
    workbook.active.append(["ID", "Total"])
    workbook.active.append([1, "=A2*2"])
    workbook.save(tmp_path / "totals.xlsx")

    [sheet] = read_workbook(tmp_path / "totals.xlsx").sheets

    assert sheet.formula_cells == {(2, 1)}


def test_formulas_without_results_are_found_all_through_a_long_sheet(tmp_path):
    unsaved = {n for n in range(2, 30_000) if n % 997 == 0}
    saved = {n for n in range(2, 30_000) if n % 1_009 == 0}
    cells = {n: f'<c r="C{n}"><f>A{n}*2</f></c>' for n in unsaved}
    cells |= {n: f'<c r="C{n}"><f>A{n}*2</f><v>4</v></c>' for n in saved}
    cells[29_999] = '<c r="C29999" t="str"><f>"A"</f><v></v></c>'  # an empty text result is a saved result
    header = f'<row r="1">{text_cell("A1", "ID")}{text_cell("B1", "Name")}{text_cell("C1", "Total")}</row>'
    rows = named_rows(range(2, 30_000), cells)
    path = write_xlsx(tmp_path / "totals.xlsx", {"Totals": long_sheet(rows, header=header)})

    [totals] = read_workbook(path).sheets

    assert totals.formula_cells == {(n, 2) for n in unsaved}
    assert all(totals.rows[n - 2][1][2] is None for n in unsaved)


def test_a_sheet_with_namespace_prefixes_and_no_cell_references_reads_the_same(tmp_path):
    xml = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>ID</x:t></x:is></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>Name</x:t></x:is></x:c></x:row>'
        '<x:row><x:c><x:v>1</x:v></x:c><x:c><x:f>"A"&amp;"nn"</x:f></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = write_xlsx(tmp_path / "customers.xlsx", {"Customers": xml})

    [customers] = read_workbook(path).sheets

    assert (customers.header, customers.rows, customers.formula_cells) == (["ID", "Name"], [(2, [1.0, None])], {(2, 1)})


# --- CSV ----------------------------------------------------------------------------------------------------------


def read_csv(tmp_path: Path, content: bytes, name: str = "customers.csv", **options: str):
    path = tmp_path / name
    path.write_bytes(content)
    data = read_workbook(path, **options)
    assert (data.kind, data.base, data.exported) == ("csv", {}, {})
    [sheet] = data.sheets
    return sheet


def test_a_utf8_csv_with_a_byte_order_mark(tmp_path):
    sheet = read_csv(tmp_path, '\ufeffID,Name,City\r\n1,Zoë,Zürich\r\n\r\n2,"Bo, Jr.",\r\n'.encode())

    assert sheet.title == "customers"
    assert sheet.header == ["ID", "Name", "City"]
    assert sheet.rows == [(2, ["1", "Zoë", "Zürich"]), (4, ["2", "Bo, Jr.", None])]


def test_a_cp1252_csv_from_excel_on_windows(tmp_path):
    sheet = read_csv(tmp_path, "ID,Name,Balance\r\n1,Müller,€ 12\r\n".encode("cp1252"))

    assert sheet.rows == [(2, ["1", "Müller", "€ 12"])]


def test_a_semicolon_delimited_csv(tmp_path):
    sheet = read_csv(tmp_path, b"ID;Name;Balance\n1;Ann;12,50\n2;Bo;3\n")

    assert sheet.header == ["ID", "Name", "Balance"]
    assert sheet.rows == [(2, ["1", "Ann", "12,50"]), (3, ["2", "Bo", "3"])]


def test_a_tab_delimited_csv_titled_by_the_caller(tmp_path):
    sheet = read_csv(tmp_path, b"ID\tName\n1\tAnn, Bo\n", name="export (3).csv", csv_sheet_title="Contacts")

    assert (sheet.title, sheet.header, sheet.rows) == ("Contacts", ["ID", "Name"], [(2, ["1", "Ann, Bo"])])


def test_a_quoted_line_break_stays_in_its_row(tmp_path):
    sheet = read_csv(tmp_path, b'ID,Notes,Extra\n1,"two\nlines",,,\n2,x\n')

    assert sheet.rows == [(2, ["1", "two\nlines", None]), (3, ["2", "x", None])]


@quick
def test_an_empty_csv_is_refused(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\xef\xbb\xbf \r\n")

    refused(path, "customers.csv is empty")


@quick
def test_a_csv_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(safety.MAX_WORKBOOK_BYTES_VARIABLE, "100")
    path = tmp_path / "customers.csv"
    path.write_bytes(b"ID,Name\n" + b"1,Ann\n" * 100)

    refused(path, "is 608 bytes, more than the 100 allowed")


@quick
def test_a_csv_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    refused(path, "is not a text file")


@quick
def test_a_workbook_named_csv_is_refused(tmp_path):
    path = exported_workbook(tmp_path / "export.xlsx").rename(tmp_path / "export.csv")

    refused(path, "is an Excel workbook, not a CSV file; rename it to .xlsx")
