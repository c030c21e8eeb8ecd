"""Checks an uploaded .xlsx must pass before any spreadsheet parser opens it.

Neither calamine nor openpyxl bounds what a workbook inflates to, an XML parser fed a DOCTYPE may expand entities,
and calamine lays a sheet out as one dense grid from its first to its last cell: a few bytes naming cells A1 and
ALL1048576 would ask for a billion cells. `check_workbook` reads only the zip directory and the first few hundred KB
of each part; `WorkbookArchive.scan_worksheet` streams one sheet through a bounded buffer to find its real extent
before calamine reads it. Every part is inflated here by our own bounded, checksummed decompression, so a part that
holds more than its directory entry declares is refused instead of trusted.
"""

import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from lxml import etree

MAX_WORKBOOK_BYTES = 2 << 30  # sum of the parts' inflated sizes; ONEBOOK_MAX_WORKBOOK_BYTES overrides it. A
# million-row Customers export with its `_onebook` sheet unpacks to about 1.3 GiB and must come back in.
MAX_WORKBOOK_BYTES_VARIABLE = "ONEBOOK_MAX_WORKBOOK_BYTES"
MAX_COMPRESSION_RATIO = 200  # a part inflating more than this ...
RATIO_CHECKED_ABOVE_BYTES = 50 * 1024 * 1024  # ... to more than this is a zip bomb
MAX_PARTS = 10_000  # a workbook has dozens of parts; hundreds with many sheets and pictures
XML_HEAD_BYTES = 256 * 1024  # how far into each part the DOCTYPE and <dimension> scan reads
MAX_COLUMNS = 1_000
MAX_ROWS = 2_000_000
MAX_SHEET_CELLS = 20_000_000  # first to last cell, rows x columns: calamine allocates the whole grid
MAX_WORKBOOK_PART_BYTES = 16 * 1024 * 1024  # xl/workbook.xml and its relationships are parsed whole
MAX_TAG_BYTES = 1024 * 1024  # longest stretch of a sheet without a '>' the streaming scan buffers
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
WORKSHEET_ROOTS = {"worksheet", "dialogsheet", "macrosheet"}  # parts calamine reads cells from
XML_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}
XML_UTF16_ENCODINGS = {"utf-16", "utf-16le", "utf-16be", "utf16"}

_READ_BYTES = 256 * 1024  # compressed bytes read from disk at a time
_CHUNK_BYTES = 1024 * 1024  # inflated bytes handed on at a time
_HEAD_CHUNK_BYTES = 16 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and .xlsx encrypted with a password
_ZIP_MAGIC = b"PK\x03\x04"
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_OF_DIRECTORY = b"PK\x06\x06"
_MAX_ZIP_COMMENT = 0xFFFF

_NAME = rb"[A-Za-z_][\w.-]*"
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_ROOT = re.compile(rb"<(" + _NAME + rb":)?(" + _NAME + rb")")
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")
_DIMENSION = re.compile(rb"<(?:" + _NAME + rb":)?dimension\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:" + _NAME + rb":)?sheetData[\s/>]")
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,10})")
# The canonical form every spreadsheet program writes: `<c r="B12" ...>`. A cell tag in any other form (no `r`,
# another attribute first, lower case, a namespace prefix) matches with an empty group and sends the sheet to
# the exact, slower scan.
_CELL = re.compile(rb'<c(?:\s+r="([A-Z]{1,3})([0-9]{1,7})"|[\s/>])')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_FORMULA = re.compile(rb"<f[ \t\r\n/>]")  # an <f> element, in a canonical sheet


class UnreadableWorkbook(Exception):
    """A file Onebook refuses to read; the message tells the user what is wrong and what to do."""


@dataclass(frozen=True)
class WorksheetScan:
    """A sheet's real extent (its last row and column holding a cell, 1-based) and whether it has formulas."""

    max_row: int
    max_column: int
    has_formulas: bool


@dataclass(frozen=True)
class PartHead:
    """What the start of an XML part says: its root element and, for a worksheet, its declared dimension."""

    root: str  # local name of the root element
    prefixed: bool  # the root element carries a namespace prefix
    ascii_compatible: bool  # byte patterns like b"<c " can be searched for directly
    dimension: str | None = None  # a worksheet's declared <dimension ref="...">


def max_workbook_bytes() -> int:
    """The inflated-size limit: `ONEBOOK_MAX_WORKBOOK_BYTES` when set, else `MAX_WORKBOOK_BYTES`."""
    raw = os.environ.get(MAX_WORKBOOK_BYTES_VARIABLE, "").strip()
    if not raw:
        return MAX_WORKBOOK_BYTES
    try:
        limit = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_WORKBOOK_BYTES_VARIABLE} must be a whole number of bytes, got {raw!r}") from None
    if limit <= 0:
        raise ValueError(f"{MAX_WORKBOOK_BYTES_VARIABLE} must be positive, got {raw!r}")
    return limit


def check_workbook(path: str | os.PathLike[str]) -> None:
    """Refuse an .xlsx that is not a workbook, is damaged, or could exhaust memory or time when parsed.

    Reads the zip directory and the start of each part only: fast whatever the file holds.

    Raises:
        UnreadableWorkbook: with a message for the user.
    """
    with WorkbookArchive(path) as archive:
        archive.check()


def column_number(letters: str) -> int:
    """1-based number of a column written in letters: A -> 1, XFD -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count:,} bytes"


class WorkbookArchive:
    """An .xlsx opened as a zip: its checks, and its parts read through bounded, verified decompression."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.name = self.path.name
        try:
            self._raw: BinaryIO = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise UnreadableWorkbook(f"{self.name} does not exist") from None
        except IsADirectoryError:
            raise UnreadableWorkbook(f"{self.name} is a folder, not a workbook") from None
        except OSError as exc:
            raise UnreadableWorkbook(f"{self.name} could not be opened: {exc.strerror or exc}") from None
        try:
            self._zip = self._open_zip()
        except BaseException:
            self._raw.close()
            raise
        self._parts = {info.filename: info for info in self._zip.infolist()}
        self._parts_folded = {name.casefold(): info for name, info in reversed(self._parts.items())}
        self._heads: dict[str, PartHead] = {}
        self._sheet_parts: dict[str, str] | None = None
        self._canonical: set[str] = set()  # sheets whose every cell `scan_worksheet` found written `<c r="B12"`

    def __enter__(self) -> "WorkbookArchive":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None):
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._raw.close()

    # --- the container ------------------------------------------------------------------------------------------

    def _open_zip(self) -> zipfile.ZipFile:
        start = self._raw.read(len(_OLE_MAGIC))
        if not start:
            raise UnreadableWorkbook(f"{self.name} is empty")
        if start == _OLE_MAGIC:
            raise UnreadableWorkbook(
                f"{self.name} is an old Excel file (.xls) or a password-protected workbook; "
                "save it as .xlsx without a password, or as .csv"
            )
        if not start.startswith(_ZIP_MAGIC):
            raise UnreadableWorkbook(f"{self.name} is not an Excel workbook (.xlsx); save it as .xlsx or .csv")
        count = self._declared_part_count()
        if count > MAX_PARTS:
            raise UnreadableWorkbook(
                f"{self.name} is refused: it holds {count:,} parts, more than the {MAX_PARTS:,} a workbook needs"
            )
        try:
            return zipfile.ZipFile(self._raw)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error):
            raise self._damaged() from None

    def _declared_part_count(self) -> int:
        """Entries in the zip's central directory, read from its end record before zipfile loads them all."""
        size = self._raw.seek(0, os.SEEK_END)
        tail_start = max(0, size - (22 + _MAX_ZIP_COMMENT))
        self._raw.seek(tail_start)
        tail = self._raw.read()
        at = tail.rfind(_END_OF_DIRECTORY)
        if at < 0 or len(tail) - at < 22:
            raise self._damaged()
        count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
        locator = at - 20
        if count == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR:
            (record_offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
            self._raw.seek(record_offset)
            record = self._raw.read(56)
            if len(record) < 56 or not record.startswith(_ZIP64_END_OF_DIRECTORY):
                raise self._damaged()
            (count,) = struct.unpack("<Q", record[32:40])
        return count

    def _damaged(self, part: str | None = None, detail: str | None = None) -> UnreadableWorkbook:
        where = f" ({'part ' + part if part else ''}{': ' if part and detail else ''}{detail or ''})"
        where = "" if where == " ()" else where
        return UnreadableWorkbook(
            f"{self.name} is damaged or incomplete{where}; was the upload or download cut short? Save it again as .xlsx"
        )

    def part(self, name: str) -> zipfile.ZipInfo | None:
        """A part by name; part names are case-insensitive in Office files."""
        return self._parts.get(name) or self._parts_folded.get(name.casefold())

    # --- fast checks ------------------------------------------------------------------------------------------

    def check(self) -> None:
        """Everything `check_workbook` refuses, in the order that gives the most useful message."""
        limit = max_workbook_bytes()
        entries = self._zip.infolist()
        if len(entries) != len(self._parts):
            raise self._damaged(detail="two parts with the same name")
        total = 0
        for info in entries:
            if info.flag_bits & 0x1:
                raise UnreadableWorkbook(f"{self.name} is refused: its part {info.filename} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnreadableWorkbook(
                    f"{self.name} is refused: its part {info.filename} uses a compression spreadsheet programs do "
                    "not write; save it again as .xlsx"
                )
            if info.file_size and not info.compress_size:
                raise self._damaged(info.filename)
            ratio = info.file_size / info.compress_size if info.compress_size else 0
            if info.file_size > RATIO_CHECKED_ABOVE_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise UnreadableWorkbook(
                    f"{self.name} is refused as a zip bomb: its part {info.filename} inflates {ratio:,.0f} times, "
                    f"from {_size(info.compress_size)} to {_size(info.file_size)}"
                )
            total += info.file_size
        if total > limit:
            raise UnreadableWorkbook(
                f"{self.name} is refused: it would inflate to {_size(total)} when opened, more than the "
                f"{_size(limit)} allowed; split it into smaller workbooks"
            )
        missing = [name for name in REQUIRED_PARTS if self.part(name) is None]
        if missing:
            raise UnreadableWorkbook(
                f"{self.name} is not a complete Excel workbook (it has no {', '.join(missing)}); "
                "save it again as .xlsx, or as .csv"
            )
        for info in self._parts.values():
            head = self._scan_head(info)
            if head is not None:
                self._heads[info.filename] = head
        self._check_dimensions()

    def _scan_head(self, info: zipfile.ZipInfo) -> PartHead | None:
        """Read the start of a part: refuse a DOCTYPE or ENTITY, find the root element and a sheet's dimension.

        None for a part that is not XML (a picture, a printer setting)."""
        is_xml_name = info.filename.lower().endswith((".xml", ".rels", ".vml"))
        buffer = b""
        encoding: str | None = None
        head: PartHead | None = None
        for chunk in self.inflate(info, head=XML_HEAD_BYTES, chunk_size=_HEAD_CHUNK_BYTES):
            buffer += chunk
            if encoding is None:
                encoding = self._xml_encoding(info, buffer, is_xml_name=is_xml_name)
                if encoding is None:
                    continue  # only white space so far
                if not encoding:
                    return None
            text = buffer if encoding == "ascii" else buffer.decode(encoding, "ignore").encode()
            if _DECLARATION.search(text):
                raise UnreadableWorkbook(
                    f"{self.name} is refused: its part {info.filename} declares a DOCTYPE or an ENTITY, which "
                    "spreadsheet programs never write (entities can expand into gigabytes or read other files)"
                )
            if head is None:
                prolog_end = _PROLOG.match(text).end()
                root = _ROOT.match(text, prolog_end)
                if root is None or root.end() == len(text):
                    continue  # still in the prolog, or the root element's name is cut off
                self._check_declared_encoding(info, text[:prolog_end])
                head = PartHead(root.group(2).decode(), root.group(1) is not None, encoding == "ascii")
            if head.root not in WORKSHEET_ROOTS:
                return head
            dimension = _DIMENSION.search(text)
            if dimension is not None:
                return PartHead(head.root, head.prefixed, head.ascii_compatible, dimension.group(1).decode())
            if _SHEET_DATA.search(text):
                return head
        if head is None and len(buffer) >= XML_HEAD_BYTES:
            raise UnreadableWorkbook(
                f"{self.name} is refused: its part {info.filename} does not start like an XML document "
                f"(no root element in its first {_size(XML_HEAD_BYTES)})"
            )
        return head

    def _xml_encoding(self, info: zipfile.ZipInfo, start: bytes, *, is_xml_name: bool) -> str | None:
        """ "ascii" for UTF-8 and other ASCII-compatible text, a UTF-16 codec, "" for a part that is not XML, None
        while the part has shown nothing but white space."""
        if start.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        if start.startswith(b"<\x00"):
            return "utf-16-le"
        if start.startswith(b"\x00<"):
            return "utf-16-be"
        stripped = start.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if stripped.startswith(b"<") and b"\x00" not in start[:4]:
            return "ascii"
        if not stripped:
            return None
        if is_xml_name and stripped:
            # Anything else an XML parser might still decode (UTF-32, EBCDIC) is refused rather than guessed at.
            raise UnreadableWorkbook(
                f"{self.name} is refused: its part {info.filename} is not UTF-8 or UTF-16 XML; save it again as .xlsx"
            )
        return ""

    def _check_declared_encoding(self, info: zipfile.ZipInfo, prolog: bytes) -> None:
        declared = _XML_ENCODING.search(prolog)
        if declared is None:
            return
        encoding = declared.group(1).decode("ascii", "replace").strip().lower()
        if encoding not in XML_ENCODINGS | XML_UTF16_ENCODINGS:
            raise UnreadableWorkbook(
                f"{self.name} is refused: its part {info.filename} declares the text encoding {encoding!r}; "
                "save it again as .xlsx"
            )

    def _check_dimensions(self) -> None:
        names = self._part_sheet_names()
        for part, head in self._heads.items():
            if head.dimension is None:
                continue
            bounds = [_CELL_REFERENCE.fullmatch(ref.strip()) for ref in head.dimension.split(":")]
            if not bounds or None in bounds or len(bounds) > 2:
                continue  # a malformed dimension; the streaming scan finds the real extent
            columns = max(column_number(bound.group(1)) for bound in bounds)
            rows = max(int(bound.group(2)) for bound in bounds)
            self._check_extent(names.get(part, part), rows, columns, declared=head.dimension)

    def _part_sheet_names(self) -> dict[str, str]:
        try:
            return {part: sheet for sheet, part in self.sheet_parts().items()}
        except UnreadableWorkbook:
            return {}

    def _check_extent(self, sheet: str, rows: int, columns: int, *, declared: str | None = None) -> None:
        spans = f"declares the range {declared}, which spans" if declared else "has cells spanning"
        if columns > MAX_COLUMNS:
            raise UnreadableWorkbook(
                f"{self.name} is refused: sheet {sheet!r} {spans} {columns:,} columns; at most {MAX_COLUMNS:,} "
                "columns are read. Delete the unused columns, or save the data as .csv"
            )
        if rows > MAX_ROWS:
            raise UnreadableWorkbook(
                f"{self.name} is refused: sheet {sheet!r} {spans} {rows:,} rows; at most {MAX_ROWS:,} rows are "
                "read. Delete the unused rows, or split the sheet"
            )
        if declared is None and rows * columns > MAX_SHEET_CELLS:
            raise UnreadableWorkbook(
                f"{self.name} is refused: sheet {sheet!r} has cells spread over {rows:,} rows x {columns:,} "
                f"columns, more than the {MAX_SHEET_CELLS:,} cells a sheet may span. Delete the stray cells far "
                "from the data, or split the sheet"
            )

    # --- decompression ------------------------------------------------------------------------------------------

    def inflate(
        self, info: zipfile.ZipInfo, *, head: int | None = None, chunk_size: int = _CHUNK_BYTES
    ) -> Iterator[bytes]:
        """A part's bytes in chunks of at most `chunk_size`, never more than its directory entry declares.

        With `head`, stops once that many bytes are out; otherwise checks the size and the CRC at the end.
        """
        raw = self._raw
        raw.seek(info.header_offset)
        local = raw.read(30)
        if len(local) != 30 or not local.startswith(_ZIP_MAGIC):
            raise self._damaged(info.filename)
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        position = info.header_offset + 30 + name_length + extra_length
        left = info.compress_size
        inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
        pending = b""
        produced = crc = 0
        while True:
            if not pending and left:
                raw.seek(position)
                pending = raw.read(min(_READ_BYTES, left))
                if not pending:
                    raise self._damaged(info.filename, "cut short")
                position += len(pending)
                left -= len(pending)
            if inflater is None:
                out, pending = pending[:chunk_size], pending[chunk_size:]
                finished = not pending and not left
            else:
                try:
                    out = inflater.decompress(pending, chunk_size) if pending else inflater.flush()
                except zlib.error as exc:
                    raise self._damaged(info.filename, str(exc)) from None
                pending = inflater.unconsumed_tail if pending else b""
                finished = inflater.eof or (not pending and not left and not out)
            if out:
                produced += len(out)
                if produced > info.file_size:
                    raise UnreadableWorkbook(
                        f"{self.name} is refused: its part {info.filename} holds more data than its "
                        f"{_size(info.file_size)} declared (a crafted file?)"
                    )
                if head is None:
                    crc = zlib.crc32(out, crc)
                yield out
                if head is not None and produced >= head:
                    return
            if finished:
                break
        if head is None and (
            produced != info.file_size or crc != info.CRC or (inflater is not None and not inflater.eof)
        ):
            raise self._damaged(info.filename, "checksum or size mismatch")

    def read_part(self, info: zipfile.ZipInfo, *, limit: int) -> bytes:
        """A whole (small) part; refused when it declares more than `limit` bytes."""
        if info.file_size > limit:
            raise UnreadableWorkbook(
                f"{self.name} is refused: its part {info.filename} is {_size(info.file_size)}, more than the "
                f"{_size(limit)} allowed"
            )
        return b"".join(self.inflate(info))

    def verify_parts(self) -> None:
        """Inflate in full every part but the worksheets (`scan_worksheet` does those it is asked for), so a part
        holding more than its directory entry declares is refused before a parser trusts the entry. Run `check`
        first."""
        for name, info in self._parts.items():
            head = self._heads.get(name)
            if head is None or head.root not in WORKSHEET_ROOTS:
                self.verify(info)

    def verify(self, info: zipfile.ZipInfo) -> None:
        """Inflate a part completely, checking its declared size and CRC, and throw the bytes away."""
        for _chunk in self.inflate(info):
            pass

    # --- structure ------------------------------------------------------------------------------------------------

    def head(self, part: str) -> PartHead | None:
        """What `check` found at the start of a part (None for a part that is not XML)."""
        return self._heads.get(part)

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> part name, in workbook order, from xl/workbook.xml and its relationships."""
        if self._sheet_parts is not None:
            return self._sheet_parts
        workbook = self._parse_small("xl/workbook.xml", required=True)
        relationships = self._parse_small("xl/_rels/workbook.xml.rels", required=False)
        targets: dict[str, str] = {}
        if relationships is not None:
            for relationship in relationships.iter("{*}Relationship"):
                target, identifier = relationship.get("Target"), relationship.get("Id")
                if target and identifier and relationship.get("TargetMode") != "External":
                    resolved = target[1:] if target.startswith("/") else posixpath.join("xl", target)
                    targets[identifier] = posixpath.normpath(resolved)
        parts: dict[str, str] = {}
        for sheet in workbook.iter("{*}sheet"):
            name = sheet.get("name")
            identifier = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
            target = targets.get(identifier or "")
            info = self.part(target) if target else None
            if name is None or info is None:
                raise self._damaged(target or "xl/_rels/workbook.xml.rels", f"sheet {name!r} has no part")
            parts[name] = info.filename
        self._sheet_parts = parts
        return parts

    def _parse_small(self, name: str, *, required: bool) -> etree._Element | None:
        info = self.part(name)
        if info is None:
            if required:
                raise self._damaged(name, "missing")
            return None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            return etree.fromstring(self.read_part(info, limit=MAX_WORKBOOK_PART_BYTES), parser)
        except etree.XMLSyntaxError as exc:
            raise self._damaged(info.filename, str(exc)) from None

    # --- one sheet, streamed ----------------------------------------------------------------------------------------

    def scan_worksheet(self, part: str, *, sheet: str) -> WorksheetScan:
        """Stream a sheet once to find its last row and column and whether it has formulas; refuse a sheet whose
        cells span more than MAX_ROWS, MAX_COLUMNS or MAX_SHEET_CELLS. Memory stays bounded whatever its size."""
        info = self.part(part)
        if info is None:
            raise self._damaged(part, "missing")
        head = self._heads.get(info.filename)
        if head is None or head.root not in WORKSHEET_ROOTS:
            raise self._damaged(info.filename, "not a worksheet")
        if head.ascii_compatible and not head.prefixed:
            scan = self._scan_canonical(info, sheet)
            if scan is not None:
                self._canonical.add(info.filename)
                return scan
        return self._scan_exactly(info, sheet)

    def _scan_canonical(self, info: zipfile.ZipInfo, sheet: str) -> WorksheetScan | None:
        """The fast scan, by byte patterns; None as soon as a cell is not written `<c r="B12" ...>`.

        Once the columns in use are known, each chunk is matched with `_cells_up_to` (one small bytes object per
        cell, its row number); only a chunk with a cell beyond those columns, or not canonical, is matched again
        with `_CELL` to learn which.
        """
        max_row = max_column = 0
        has_formulas = False
        known: re.Pattern[bytes] | None = None  # the cells in columns A to max_column, with their row numbers
        carry = b""
        for chunk in self.inflate(info):
            data = carry + chunk
            cut = data.rfind(b">") + 1
            data, carry = data[:cut], data[cut:]
            if len(carry) > MAX_TAG_BYTES:
                raise self._damaged(info.filename, "a tag that never ends")
            if not data:
                continue
            rows = known.findall(data) if known is not None else None
            if rows is None or b"" in rows:
                cells = _CELL.findall(data)
                found = set(map(itemgetter(0), cells))
                if b"" in found:
                    return None
                last = max(found, key=_column_order, default=b"")
                if last and column_number(last.decode()) > max_column:
                    max_column = column_number(last.decode())
                    known = _cells_up_to(last)
                rows = list(map(itemgetter(1), cells))
            if _PREFIXED_CELL.search(data):
                return None
            if rows:
                max_row = max(max_row, _largest_number(rows))
            has_formulas = has_formulas or _FORMULA.search(data) is not None
            self._check_extent(sheet, max_row, max_column)
        return WorksheetScan(max_row, max_column, has_formulas)

    def _scan_exactly(self, info: zipfile.ZipInfo, sheet: str) -> WorksheetScan:
        max_row = max_column = 0
        has_formulas = False
        for row, column, cached in self.iter_cells(info.filename):
            has_formulas = has_formulas or cached is not None
            if row > max_row or column > max_column:
                max_row, max_column = max(max_row, row), max(max_column, column)
                self._check_extent(sheet, max_row, max_column)
        return WorksheetScan(max_row, max_column, has_formulas)

    def iter_cells(self, part: str) -> Iterator[tuple[int, int, bool | None]]:
        """(row, column, whether its formula has a cached value, or None without a formula) for every cell
        element, 1-based, positions inferred as spreadsheet programs do where `r` is missing; memory stays flat."""
        info = self.part(part)
        if info is None:
            raise self._damaged(part, "missing")
        parser = etree.XMLPullParser(
            events=("start", "end"),
            tag=("{*}row", "{*}c"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        row = column = 0
        try:
            for chunk in self.inflate(info):
                parser.feed(chunk)
                for event, element in parser.read_events():
                    is_row = element.tag.endswith("}row") or element.tag == "row"
                    if event == "start":
                        if is_row:
                            row = self._row_number(element.get("r"), row + 1, info)
                            column = 0
                        continue
                    if not is_row:
                        cell_row, column = self._cell_position(element.get("r"), row, column + 1, info)
                        yield cell_row, column, _cached_formula_value(element)
                    _forget(element)
            parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._damaged(info.filename, str(exc)) from None

    def iter_formula_cells(self, part: str) -> Iterator[tuple[int, int, bool]]:
        """(row, column, whether the formula's last result was saved with it) for each cell holding a formula: what
        `iter_cells` gives for those cells, and the same refusals. Memory stays flat.

        A sheet `scan_worksheet` found canonical names every cell's position in the cell itself, so there Python
        need not see each cell: lxml parses the sheet, and only the rows (whose numbers are checked as `iter_cells`
        checks them) and the formula elements come up to Python. That is many times faster on a big sheet.
        """
        info = self.part(part)
        if info is None:
            raise self._damaged(part, "missing")
        if info.filename in self._canonical:
            yield from self._formula_cells_by_reference(info)
            return
        for row, column, cached in self.iter_cells(part):
            if cached is not None:
                yield row, column, cached

    def _formula_cells_by_reference(self, info: zipfile.ZipInfo) -> Iterator[tuple[int, int, bool]]:
        """`iter_formula_cells` for a canonical sheet. After each chunk, every finished element is searched for
        formulas and dropped from the tree; only the elements still open, and the last finished child of each,
        stay (a cell is kept whole until it ends, since its saved result follows its formula)."""
        root_tag = "{*}" + self._heads[info.filename].root
        parser = etree.XMLPullParser(
            events=("start",),
            tag=(root_tag, "{*}row"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        root: etree._Element | None = None
        try:
            for chunk in self.inflate(info):
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    if root is None:
                        root = element.getroottree().getroot()
                    if _named(element, "row"):
                        self._row_number(element.get("r"), 0, info)
                if root is not None:
                    yield from self._drop_finished(root, info)
            root = parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._damaged(info.filename, str(exc)) from None
        yield from self._formulas_in(root, info)

    def _drop_finished(self, root: etree._Element, info: zipfile.ZipInfo) -> Iterator[tuple[int, int, bool]]:
        """The formula cells parsed so far but those in a cell that may not have ended; then every finished element
        is removed from the tree, keeping the open path down from the root and the last child of each element on
        it. The path stops at a cell: its formula comes before its saved result, so it is kept whole until then."""
        path = [root]
        while len(path[-1]) and not _named(path[-1], "c"):
            path.append(path[-1][-1])
        held = set(path[-1].iter("{*}f")) if _named(path[-1], "c") else set()
        yield from self._formulas_in(root, info, held=held)
        for element in path[:-1]:
            del element[:-1]

    def _formulas_in(
        self, element: etree._Element, info: zipfile.ZipInfo, *, held: set[etree._Element] | None = None
    ) -> Iterator[tuple[int, int, bool]]:
        cell = None
        for formula in element.iter("{*}f"):
            parent = formula.getparent()
            if parent is cell or not _named(parent, "c") or (held and formula in held):
                continue  # a second formula in the same cell, not a cell's formula, or in a cell not yet ended
            cell = parent
            row, column = self._cell_position(cell.get("r"), 0, 0, info)
            yield row, column, bool(_cached_formula_value(cell))

    def _row_number(self, reference: str | None, default: int, info: zipfile.ZipInfo) -> int:
        if reference is None:
            return default
        if not reference.strip().isdigit():
            raise self._damaged(info.filename, f"row number {reference[:20]!r}")
        return int(reference)

    def _cell_position(self, reference: str | None, row: int, column: int, info: zipfile.ZipInfo) -> tuple[int, int]:
        if reference is None:
            return row, column
        match = _CELL_REFERENCE.fullmatch(reference.strip())
        if match is None:
            raise self._damaged(info.filename, f"cell reference {reference[:20]!r}")
        return int(match.group(2)), column_number(match.group(1))


def _cells_up_to(letters: bytes) -> re.Pattern[bytes]:
    """`_CELL` for a sheet whose columns end at `letters`, with one group, the row number: a cell in a later column
    matches with an empty group, as a cell not written canonically does."""
    return re.compile(rb'<c(?:\s+r="' + _columns_up_to(letters) + rb'([0-9]{1,7})"|[\s/>])')


def _columns_up_to(letters: bytes) -> bytes:
    """A pattern for the column names from A to `letters`: a shorter name, or one as long whose first letter that
    differs comes earlier in the alphabet (or none differs). For CB: [A-Z]{1,1}, [A-B][A-Z], C[A-B]."""
    options = [b"[A-Z]{1,%d}" % (len(letters) - 1)] if len(letters) > 1 else []
    for at in range(len(letters)):
        last = at == len(letters) - 1
        highest = letters[at] if last else letters[at] - 1
        if highest >= ord("A"):
            options.append(letters[:at] + b"[A-%c]" % highest + b"[A-Z]" * (len(letters) - 1 - at))
    return b"(?:" + b"|".join(options) + b")"


def _column_order(letters: bytes) -> tuple[int, bytes]:
    """Column names sort by length, then alphabetically: Z, AA, AB, ..."""
    return len(letters), letters


def _largest_number(numerals: list[bytes]) -> int:
    """The largest of some decimal numerals (a chunk's row numbers), mostly without converting each to int: among
    the numerals as long as the longest, byte order is numeric order, and the greatest in byte order of them all is
    the largest when it is one of the longest."""
    top = max(numerals)
    if len(top) == len(max(numerals, key=len)):
        return int(top)
    return max(map(int, numerals))


def _named(element: etree._Element, local_name: str) -> bool:
    """Whether an element (not a comment) has this name, in any namespace."""
    tag = element.tag
    return isinstance(tag, str) and (tag == local_name or tag.endswith("}" + local_name))


def _cached_formula_value(cell: etree._Element) -> bool | None:
    """None for a cell without a formula; else whether the formula's last result was saved with it."""
    value = formula = None
    for child in cell:
        if isinstance(child.tag, str):  # skip comments and processing instructions
            local = child.tag.rpartition("}")[2]
            if local == "v":
                value = child
            elif local == "f":
                formula = child
    if formula is None:
        return None
    return value is not None and (bool(value.text) or cell.get("t") == "str")


def _forget(element: etree._Element) -> None:
    """Drop a parsed element's content and its earlier siblings so a streamed sheet keeps memory flat."""
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]
