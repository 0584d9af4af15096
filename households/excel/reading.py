"""Opening an uploaded .xlsx safely and reading the rows of its first sheet.

The order matters (shared/reference/ecosystem.md §B.6):

1. ``inspect_archive`` looks at the file before any spreadsheet library does: size, magic bytes,
   the zip central directory (number of members, declared uncompressed sizes, compression ratios,
   macros), all in well under a second whatever the file claims to hold.
2. It then inflates every XML member itself, in chunks, counting the bytes it really gets (a member
   that inflates past its declared size is a zip bomb lying about itself), refusing a ``<!DOCTYPE``
   (XXE, billion laughs) and noting the cells of the first sheet that hold a formula.
3. Only then python-calamine parses the first sheet. It reads every cell whatever the sheet's
   ``<dimension>`` claims (finding 1) and is ~13× faster than openpyxl (performance.md). It cannot
   tell a formula from a value, hence step 2.

calamine holds the whole sheet in memory as it parses it (about 1.4 GB for a 100,000-household roster,
378,546 rows × 56 columns). A sheet whose XML is larger than ``SLICE_BYTES`` is therefore read in slices:
its XML is cut after a ``</row>`` every ``SLICE_BYTES``, each slice becomes a small workbook of its own
(the original's shared strings, styles and workbook parts, stored uncompressed in memory) and calamine
parses one slice at a time. Cells keep their row numbers (their ``r`` attributes) and types; the rows come
out as from one sheet. When the first slice does not start with the header in cell A1 the sheet is read
whole, as before.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine
from defusedxml import ElementTree as SafeET
from openpyxl.utils import column_index_from_string, get_column_letter

MAX_FILE_BYTES = 50 * 1024 * 1024
# A 100,000-household roster (350,000 member rows) is ~31 MB zipped and ~390 MB of XML; a full Excel
# sheet of 1,048,576 rows stays below this too. Bigger means a bomb or a file that is not a roster.
MAX_UNCOMPRESSED_BYTES = 1536 * 1024 * 1024
# Real sheets compress 8–25×; the 1.28 MB → 224 MB bomb of ecosystem.md §B.6 is 175×.
MAX_COMPRESSION_RATIO = 100
# The ratio of tiny members (styles, an empty sheet) says nothing; only members above this are judged.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_MEMBERS = 1000
# Excel's own limit; the CLI reads up to it, the browser upload may pass a lower cap.
MAX_ROWS = 1_048_576

CHUNK = 1024 * 1024
# Sheets with more XML than this are parsed slice by slice (~24,000 roster rows a slice; the module docstring).
SLICE_BYTES = 32 * 1024 * 1024
SHEET_DATA_RE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?:\s[^>]*)?>")
WORKSHEET_RE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)worksheet[\s>]")
CELL_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/][^>]*>?")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# A formula element <f …> (any namespace prefix); <formula> of data validations does not match.
FORMULA_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
DOCTYPE_RE = re.compile(rb"<!DOCTYPE|<!ENTITY")
CELL_REF_RE = re.compile(r"([A-Z]+)(\d+)")


class UnreadableFile(Exception):
    """The file is not an .xlsx we are willing to open (bad usage: the command exits with status 2)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ArchiveInfo:
    sheet_path: str
    uncompressed_bytes: int
    sheet_bytes: int = 0  # the first sheet's XML, uncompressed
    has_formulas: bool = False
    # (row number, 0-based column index) of the first sheet's cells that hold a formula
    formula_cells: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class SheetRows:
    """The first sheet: its header row (row 1) and an iterator of (row number, cells) for rows 2…"""

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    formula_cells: set[tuple[int, int]]
    first_column: int = 0  # 0-based index of the sheet column that cells[0] belongs to
    header_row_empty: bool = False  # the sheet has data, but row 1 is empty

    def column_letter(self, index: int) -> str:
        return get_column_letter(self.first_column + index + 1)

    def is_formula(self, row: int, index: int) -> bool:
        return bool(self.formula_cells) and (row, self.first_column + index) in self.formula_cells


def open_sheet(path: str | Path, *, max_rows: int = MAX_ROWS) -> SheetRows:
    """Check the file and return the rows of its first sheet; raise UnreadableFile in Chinese."""
    info = inspect_archive(path)
    if info.sheet_bytes > SLICE_BYTES:
        sliced = _open_sliced(path, info, max_rows)
        if sliced is not None:
            return sliced
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as error:  # calamine raises its own zip/XML errors and plain ValueErrors
        raise UnreadableFile(f"无法读取工作表：{error}") from None
    start = sheet.start
    if start is None:
        return SheetRows(headers=[], rows=iter(()), formula_cells=info.formula_cells)
    if sheet.total_height > max_rows:
        raise UnreadableFile(f"工作表有{sheet.total_height}行，超过上限{max_rows}行")
    first_row, first_column = start
    rows = sheet.iter_rows()
    if first_row > 0:
        # Row 1 is empty: there is no header row where FORMATS puts it.
        return SheetRows(headers=[], rows=iter(()), formula_cells=info.formula_cells, header_row_empty=True)
    headers = [str(value).strip() if value is not None else "" for value in next(rows, [])]
    return SheetRows(
        headers=headers,
        rows=enumerate(rows, first_row + 2),
        formula_cells=info.formula_cells,
        first_column=first_column,
    )


def _open_sliced(path: str | Path, info: ArchiveInfo, max_rows: int) -> SheetRows | None:
    """The first sheet read slice by slice; None when it must be read whole (header not in A1, no rows)."""
    slices = _sheet_slices(path, info.sheet_path)
    first = next(slices, None)
    if first is None or not _cells_have_references(first):
        slices.close()
        return None
    others = _other_members(path, info.sheet_path)
    sheet = _slice_sheet(others, info.sheet_path, first)
    del first
    if sheet.start != (0, 0):
        slices.close()
        return None
    rows = _slice_rows(sheet, max_rows, previous_end=-1)
    _number, header_cells = next(rows)
    headers = [str(value).strip() if value is not None else "" for value in header_cells]

    def all_rows() -> Iterator[tuple[int, list[Any]]]:
        nonlocal sheet
        end = sheet.end[0] if sheet.end else 0
        yield from rows
        del sheet
        for xml in slices:
            part = _slice_sheet(others, info.sheet_path, xml)
            del xml
            last = part.end[0] if part.end else end
            yield from _slice_rows(part, max_rows, previous_end=end, width=len(header_cells))
            end = last
            del part

    return SheetRows(headers=headers, rows=all_rows(), formula_cells=info.formula_cells)


def _cells_have_references(xml: bytes) -> bool:
    """The first cell carries its reference (r="A2"): a slice's cells keep their place in the sheet."""
    match = CELL_TAG_RE.search(xml)
    return match is None or b' r="' in match.group(0) or b" r='" in match.group(0)


def _slice_rows(sheet, max_rows: int, *, previous_end: int, width: int = 0) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells aligned on column A, at least ``width`` of them) of one slice; the first slice's first
    item is its header row. A whole read makes every row as wide as the widest; here a slice's rows are as wide
    as its widest or the first slice (which holds the header), and a row that is shorter reads as empty cells."""
    if sheet.start is None:
        return
    first_row, first_column = sheet.start
    if first_row <= previous_end:  # cells without row numbers: the slices cannot be put back together
        raise UnreadableFile("无法按行号读取工作表（单元格缺少行号），请在 Excel 中打开并另存为 .xlsx 后再导入")
    if sheet.total_height > max_rows:
        raise UnreadableFile(f"工作表至少有{sheet.total_height}行，超过上限{max_rows}行")
    # iter_rows() would start at A1 (the empty area above the slice included); to_python skips that area.
    pad = [""] * first_column
    for number, cells in enumerate(sheet.to_python(skip_empty_area=True), first_row + 1):
        if pad:
            cells = pad + cells
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        yield number, cells


def _sheet_slices(path: str | Path, sheet_path: str) -> Iterator[bytes]:
    """The sheet's XML as complete worksheet documents of about ``SLICE_BYTES`` each, cut after a ``</row>``.

    Nothing is yielded when the XML has no ``<sheetData>`` element with content (the caller reads it whole).
    """
    with zipfile.ZipFile(path) as archive, archive.open(sheet_path) as handle:
        buffer = bytearray()
        prefix = b""
        row_end = closing = b""
        while True:
            block = handle.read(4 * CHUNK)
            buffer += block
            if not prefix:
                match = SHEET_DATA_RE.search(buffer)
                if match is None or match.group(0).endswith(b"/>"):
                    if not block or match is not None:
                        return
                    continue
                prefix = bytes(buffer[: match.end()])
                namespace = match.group(1)
                root = WORKSHEET_RE.search(prefix)
                closing = b"</%ssheetData></%sworksheet>" % (namespace, root.group(1) if root else b"")
                row_end = b"</%srow>" % namespace
                del buffer[: match.end()]
            if not block:
                yield prefix + bytes(buffer)
                return
            cut = buffer.find(row_end, SLICE_BYTES)
            while cut >= 0:
                cut += len(row_end)
                yield prefix + bytes(buffer[:cut]) + closing
                del buffer[:cut]
                cut = buffer.find(row_end, SLICE_BYTES)


def _other_members(path: str | Path, sheet_path: str) -> dict[str, bytes]:
    """Every part of the workbook but the first sheet (shared strings, styles, workbook …), for the slices."""
    with zipfile.ZipFile(path) as archive:
        return {m.filename: archive.read(m) for m in archive.infolist() if m.filename != sheet_path and not m.is_dir()}


def _slice_sheet(others: dict[str, bytes], sheet_path: str, xml: bytes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, data in others.items():
            out.writestr(name, data)
        out.writestr(sheet_path, xml)
    buffer.seek(0)
    try:
        return python_calamine.CalamineWorkbook.from_filelike(buffer).get_sheet_by_index(0)
    except Exception as error:  # calamine raises its own zip/XML errors and plain ValueErrors
        raise UnreadableFile(f"无法读取工作表：{error}") from None


def inspect_archive(path: str | Path) -> ArchiveInfo:
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"文件不存在：{path}")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("文件是空的")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"文件大小 {size / 1024 / 1024:.1f} MB 超过上限 {MAX_FILE_BYTES // 1024 // 1024} MB")
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == OLE_MAGIC:
        raise UnreadableFile("这是旧版 Excel（.xls）文件或加密的工作簿；请在 Excel 中取消密码并另存为 .xlsx 后再导入")
    if not magic.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(path):
        raise UnreadableFile("不是 Excel 工作簿（.xlsx）文件")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_directory(members)
            sheet_path = _first_sheet_path(archive)
            info = ArchiveInfo(
                sheet_path=sheet_path,
                uncompressed_bytes=sum(m.file_size for m in members),
                sheet_bytes=archive.getinfo(sheet_path).file_size,
            )
            with path.open("rb") as raw:
                for member in members:
                    if member.is_dir():
                        continue
                    is_xml = member.filename.endswith((".xml", ".rels", ".vml"))
                    is_sheet = member.filename == sheet_path
                    if is_xml or member.file_size:
                        _scan_member(raw, member, check_xml=is_xml, find_formulas=is_sheet, info=info)
            if info.has_formulas:
                info.formula_cells = _formula_cells(archive, sheet_path)
    except (zipfile.BadZipFile, zlib.error, struct.error, KeyError, EOFError) as error:
        raise UnreadableFile(f"xlsx 文件已损坏：{error}") from None
    return info


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(f"压缩包内有{len(members)}个文件，超过上限{MAX_MEMBERS}个，不像是 Excel 工作簿")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnreadableFile("不是 Excel 工作簿（.xlsx）文件：缺少 xl/workbook.xml")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnreadableFile("工作簿包含宏（.xlsm），请另存为不含宏的 .xlsx 后再导入")
    total = 0
    for member in members:
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableFile(f"xlsx 内的 {member.filename} 使用了不支持的压缩方式")
        if member.flag_bits & 0x1:
            raise UnreadableFile("工作簿已加密，请取消密码后再导入")
        total += member.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UnreadableFile(
                f"解压后大小超过上限 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB，疑似压缩炸弹，已拒绝打开"
            )
        if member.file_size > RATIO_CHECK_MIN_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise UnreadableFile(
                    f"xlsx 内的 {member.filename} 压缩比 {ratio:.0f}:1 超过上限 {MAX_COMPRESSION_RATIO}:1，"
                    "疑似压缩炸弹，已拒绝打开"
                )


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The first <sheet> of xl/workbook.xml, through its relationship (not "the active one")."""
    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if archive.getinfo(name).file_size > 10 * 1024 * 1024:
            raise UnreadableFile(f"xlsx 内的 {name} 过大")
    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # defusedxml refuses DTDs and entities; any parse error means a broken workbook
        raise UnreadableFile("xlsx 文件已损坏：无法读取 xl/workbook.xml") from None
    sheet = workbook.find(f"{{{MAIN_NS}}}sheets/{{{MAIN_NS}}}sheet")
    if sheet is None:
        raise UnreadableFile("工作簿中没有工作表")
    rel_id = sheet.get(f"{{{REL_NS}}}id")
    for rel in rels.iter(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target).replace("xl/../", "")
    raise UnreadableFile("xlsx 文件已损坏：找不到第一个工作表")


def _scan_member(raw, member: zipfile.ZipInfo, *, check_xml: bool, find_formulas: bool, info: ArchiveInfo) -> None:
    """Inflate one member ourselves, never past its declared size; look for DTDs and formulas."""
    raw.seek(member.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise zipfile.BadZipFile(f"bad local header for {member.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(member.header_offset + 30 + name_length + extra_length)
    remaining = member.compress_size
    inflater = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
    produced = 0
    tail = b""
    limit = member.file_size
    while remaining > 0:
        chunk = raw.read(min(CHUNK, remaining))
        if not chunk:
            raise zipfile.BadZipFile(f"truncated member {member.filename}")
        remaining -= len(chunk)
        pieces = [chunk] if inflater is None else _inflate(inflater, chunk, limit - produced + 1)
        for data in pieces:
            produced += len(data)
            if produced > limit:
                raise UnreadableFile(f"xlsx 内的 {member.filename} 解压后超过其声明的大小，疑似压缩炸弹，已拒绝打开")
            if check_xml or find_formulas:
                window = tail + data
                # bytes.find runs at memchr speed; the regexes only confirm a rare candidate.
                if check_xml and b"<!" in window and DOCTYPE_RE.search(window):
                    raise UnreadableFile(f"xlsx 内的 {member.filename} 含有 DOCTYPE/实体声明，出于安全原因拒绝打开")
                if (
                    find_formulas
                    and not info.has_formulas
                    and (b"<f" in window or b":f" in window)
                    and FORMULA_RE.search(window)
                ):
                    info.has_formulas = True  # located cell by cell afterwards, with a real XML parser
                tail = window[-16:]
    if inflater is not None and not inflater.eof:
        raise zipfile.BadZipFile(f"incomplete deflate stream in {member.filename}")


def _inflate(inflater, chunk: bytes, budget: int) -> Iterator[bytes]:
    """Decompress ``chunk`` in bounded pieces, so a bomb never sits in memory beyond ``budget``."""
    data = inflater.decompress(chunk, CHUNK)
    yield data
    budget -= len(data)
    while inflater.unconsumed_tail and budget > 0:
        data = inflater.decompress(inflater.unconsumed_tail, CHUNK)
        budget -= len(data)
        yield data
    if inflater.unconsumed_tail:
        yield b"\0"  # more output than the budget allows: the caller's size check fires


def _formula_cells(archive: zipfile.ZipFile, sheet_path: str) -> set[tuple[int, int]]:
    """Cells of the sheet that hold a formula: (row number, 0-based column). Only run when one exists."""
    cells: set[tuple[int, int]] = set()
    cell_tag, formula_tag = f"{{{MAIN_NS}}}c", f"{{{MAIN_NS}}}f"
    with archive.open(sheet_path) as handle:
        for _event, element in SafeET.iterparse(handle, events=("end",)):
            if element.tag == cell_tag:
                if element.find(formula_tag) is not None:
                    match = CELL_REF_RE.fullmatch(element.get("r", ""))
                    if match:
                        cells.add((int(match.group(2)), column_index_from_string(match.group(1)) - 1))
                element.clear()
            elif element.tag.endswith("}row"):
                element.clear()
    return cells
