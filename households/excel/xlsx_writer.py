"""A small streaming .xlsx writer: rows go straight into the zip entry of their sheet as they come.

Why not openpyxl: its write-only mode spends ~90 % of an export in its XML serialiser (docs/excel.md,
"Performance"); building the few tags a data sheet needs as strings and deflating them is an order of
magnitude cheaper. This module writes exactly what the exports need and nothing else:

- typed cells: text, numbers (int, float, Decimal), booleans, real date cells (serial numbers with a
  date format); no formulas ever: a string is always a string cell, so text starting with = + - @ stays
  text (ecosystem.md §B.7) and gets the ``quotePrefix`` style so that editing it in Excel keeps it text;
- a column's style (number format "@" for ID and code columns, "0.00" for money, …), column widths,
  a bold, filled, frozen header row that is repeated on continuation sheets and printed on every page;
- text XML-escaped, characters that XML 1.0 forbids dropped, literal ``_xHHHH_`` protected, text over
  Excel's 32,767 characters cut;
- repeated strings in a shared-strings table (per column: ``shared=False`` for values that never repeat,
  such as ID numbers, which are written inline instead), capped so that memory stays bounded;
- a new sheet when one reaches 1,048,576 rows;
- what a printed form needs: title rows merged across the table, merged cells, row heights, page setup
  (A4, landscape, fit to width, repeated header rows), a page-number footer.

The output is meant for Excel, WPS and LibreOffice; the tests read it back with openpyxl and python-calamine
(tests/households/test_xlsx_writer.py). Nothing here imports Django.
"""

from __future__ import annotations

import datetime
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

MAX_SHEET_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767
# Distinct strings kept in the shared-strings table; later new strings are written inline. About 100 bytes of
# memory each, so the table never holds more than a few tens of MB whatever the export's size.
MAX_SHARED_STRINGS = 300_000
# A zip member over 2 GiB needs zip64 records, which older Excel versions refuse: a sheet whose XML reaches this
# size continues on a new sheet, like a sheet that reaches the row limit (a full roster sheet is ~1.4 GB).
MAX_SHEET_XML_BYTES = 1_900_000_000
# Rows are joined and handed to zlib in blocks of this many.
FLUSH_ROWS = 500
# zipfile's default zlib level. Measured on a generated roster (37,791 rows, 49 MB of XML): level 1 takes 0.12 s
# for 3.5 MB, level 6 0.27 s for 2.0 MB; the smaller file leaves more room under the 50 MB import limit.
DEFAULT_COMPRESSLEVEL = 6

EPOCH_DATE = datetime.date(1899, 12, 30)

# XML 1.0 forbids C0 controls except tab, LF, CR; lone surrogates and U+FFFE/U+FFFF cannot be encoded.
ILLEGAL_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters that need work: markup, controls (CR must survive as &#13;), and the underscore of _xHHHH_.
SPECIAL_RE = re.compile("[&<>\x00-\x1f\ud800-\udfff\ufffe\uffff_]")
# Excel reads _x0041_ in text as the character U+0041; a literal one is escaped as _x005F_x0041_.
EXCEL_ESCAPE_RE = re.compile("_(x[0-9A-Fa-f]{4}_)")
FORMULA_PREFIXES = ("=", "+", "-", "@")
SHEET_TITLE_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm:ss"
# Built-in number formats Excel knows by id; anything else is declared in styles.xml from id 164 on.
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CT_PREFIX = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks. Equal styles share one entry of styles.xml."""

    number_format: str = "General"
    bold: bool = False
    font_size: float | None = None
    fill: str | None = None  # background colour as RRGGBB
    horizontal: str | None = None  # left / center / right
    vertical: str | None = None  # top / center / bottom
    wrap: bool = False
    border: bool = False  # thin border on all four sides
    quote_prefix: bool = False  # Excel keeps the cell text when it is edited (formula-like text)


DEFAULT_STYLE = CellStyle()
TEXT_STYLE = CellStyle(number_format="@")
MONEY_STYLE = CellStyle(number_format="0.00")
DATE_STYLE = CellStyle(number_format=DATE_FORMAT)
HEADER_STYLE = CellStyle(bold=True, fill="DDEBF7", horizontal="center", vertical="center")


@dataclass(frozen=True)
class SheetColumn:
    """One column: its width, the style of its cells and whether its strings go to the shared table."""

    width: float | None = None
    style: CellStyle = DEFAULT_STYLE
    shared: bool = True


@dataclass(frozen=True)
class PageSetup:
    """Printing: paper (9 = A4), orientation, fit to the page width, margins in inches, a page-number footer."""

    paper_size: int = 9
    landscape: bool = True
    fit_to_width: bool = True
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.5, 0.5)  # left, right, top, bottom
    footer: str | None = "第 &P 页，共 &N 页"


@dataclass
class _SheetInfo:
    title: str
    path: str
    print_title_rows: tuple[int, int] | None = None


@dataclass
class _Options:
    columns: list[SheetColumn]
    header: list[str] | None
    header_style: CellStyle
    title_rows: list[tuple[str, CellStyle, float | None]]
    freeze_header: bool
    page_setup: PageSetup | None
    continuation_title: str


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def clean_text(value: str) -> str:
    """Text as a cell can hold it: forbidden characters dropped, cut at Excel's 32,767 characters."""
    if ILLEGAL_XML_RE.search(value):
        value = ILLEGAL_XML_RE.sub("", value)
    return value[:MAX_CELL_CHARS]


def escape_text(value: str) -> str:
    """The text of a <t> element: markup escaped, CR kept as a character reference, _xHHHH_ protected."""
    if not SPECIAL_RE.search(value):
        return value
    if ILLEGAL_XML_RE.search(value):
        value = ILLEGAL_XML_RE.sub("", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if "_x" in value:
        value = EXCEL_ESCAPE_RE.sub(r"_x005F_\1", value)
    return value


def _t_element(value: str) -> str:
    """<t> with xml:space="preserve" when leading/trailing whitespace would otherwise be dropped."""
    text = escape_text(value)
    if value[0] in " \t\n\r" or value[-1] in " \t\n\r":
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def escape_attribute(value: str) -> str:
    return escape_text(value).replace('"', "&quot;")


def excel_serial(value: datetime.date | datetime.datetime) -> float | int:
    """Days since 1899-12-30 (Excel's 1900 date system; the 1900 leap-year bug only matters before March 1900)."""
    if isinstance(value, datetime.datetime):  # its wall-clock time, whatever its tzinfo
        return (value.date() - EPOCH_DATE).days + _day_fraction(value)
    return (value - EPOCH_DATE).days


def _day_fraction(value: datetime.datetime | datetime.time) -> float:
    return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000) / 86400


def sheet_title(title: str) -> str:
    """Excel's rules for sheet names: at most 31 characters, none of []:*?/\\, not empty."""
    title = SHEET_TITLE_FORBIDDEN_RE.sub("_", clean_text(title)).strip("'") or "Sheet"
    return title[:31]


class XlsxWriter:
    """Writes one .xlsx to a path or a binary file object (seekable or not, e.g. a streaming response sink).

    Usage::

        with XlsxWriter(path) as book:
            sheet = book.add_sheet("花名册", columns, header=[...])
            for values in rows:
                sheet.append(values)

    Only one sheet is open at a time (a zip archive writes one member at a time): ``add_sheet`` closes the
    previous one. ``close()`` writes the shared strings, styles and workbook parts.
    """

    def __init__(
        self,
        output: str | Path | IO[bytes],
        *,
        max_rows: int = MAX_SHEET_ROWS,
        max_shared_strings: int = MAX_SHARED_STRINGS,
        compresslevel: int = DEFAULT_COMPRESSLEVEL,
        max_sheet_bytes: int = MAX_SHEET_XML_BYTES,
    ):
        if max_rows < 2:
            raise ValueError("a sheet needs room for a header and a row")
        self.zip = zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.max_rows = max_rows
        self.max_sheet_bytes = max_sheet_bytes
        self.max_shared_strings = max_shared_strings
        self.sheets: list[_SheetInfo] = []
        self.shared: dict[str, int] = {}
        self._shared_xml: list[str] = []
        self.shared_references = 0
        self._styles: dict[CellStyle, int] = {DEFAULT_STYLE: 0}
        self._current: Sheet | None = None
        self._closed = False

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.zip.close()  # leave the half-written archive to the caller (it writes to a temporary file)

    # Styles and strings -------------------------------------------------------------------------

    def style_id(self, style: CellStyle) -> int:
        index = self._styles.get(style)
        if index is None:
            index = self._styles[style] = len(self._styles)
        return index

    def shared_index(self, value: str) -> int | None:
        """The shared-strings index of ``value`` (already cleaned), or None once the table is full."""
        index = self.shared.get(value)
        if index is None:
            if len(self._shared_xml) >= self.max_shared_strings:
                return None
            index = self.shared[value] = len(self._shared_xml)
            self._shared_xml.append(f"<si>{_t_element(value)}</si>")
        self.shared_references += 1
        return index

    # Sheets ----------------------------------------------------------------------------------

    def add_sheet(
        self,
        title: str,
        columns: Sequence[SheetColumn],
        *,
        header: Sequence[str] | None = None,
        header_style: CellStyle = HEADER_STYLE,
        title_rows: Sequence[tuple[str, CellStyle, float | None]] = (),
        freeze_header: bool = True,
        page_setup: PageSetup | None = None,
    ) -> Sheet:
        """Start a sheet: optional title rows (merged across the columns), then the header row.

        The header row is frozen, printed on every page and repeated on continuation sheets, which are
        started automatically when a sheet is full and titled ``title（2）``, ``title（3）`` …
        """
        if not columns or len(columns) > MAX_COLUMNS:
            raise ValueError(f"a sheet has 1 to {MAX_COLUMNS} columns")
        options = _Options(
            columns=list(columns),
            header=[clean_text(str(h)) for h in header] if header is not None else None,
            header_style=header_style,
            title_rows=list(title_rows),
            freeze_header=freeze_header and header is not None,
            page_setup=page_setup,
            continuation_title=title,
        )
        return self._open_sheet(title, options, part=1)

    def _open_sheet(self, title: str, options: _Options, part: int) -> Sheet:
        if self._closed:
            raise ValueError("the workbook is closed")
        if self._current is not None:
            self._current.close()
        title = self._unique_title(sheet_title(title))
        info = _SheetInfo(title=title, path=f"xl/worksheets/sheet{len(self.sheets) + 1}.xml")
        self.sheets.append(info)
        self._current = Sheet(self, info, options, part)
        return self._current

    def _unique_title(self, title: str) -> str:
        taken = {sheet.title.casefold() for sheet in self.sheets}
        candidate, number = title, 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f"（{number}）"
            candidate = title[: 31 - len(suffix)] + suffix
        return candidate

    def close(self) -> None:
        if self._closed:
            return
        if self._current is not None:
            self._current.close()
            self._current = None
        if not self.sheets:
            self.add_sheet("Sheet1", [SheetColumn()]).close()
            self._current = None
        self.zip.writestr("xl/sharedStrings.xml", self._shared_strings_xml())
        self.zip.writestr("xl/styles.xml", self._styles_xml())
        self.zip.writestr("xl/workbook.xml", self._workbook_xml())
        self.zip.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
        self.zip.writestr("_rels/.rels", ROOT_RELS)
        self.zip.writestr("docProps/app.xml", APP_XML)
        self.zip.writestr("[Content_Types].xml", self._content_types())
        self.zip.close()
        self._closed = True

    # Package parts ------------------------------------------------------------------------------

    def _shared_strings_xml(self) -> str:
        count = len(self._shared_xml)
        return (
            f'{XML_DECL}<sst xmlns="{MAIN_NS}" count="{self.shared_references}" uniqueCount="{count}">'
            + "".join(self._shared_xml)
            + "</sst>"
        )

    def _styles_xml(self) -> str:
        formats: dict[str, int] = {}
        fonts: dict[tuple, int] = {(False, None): 0}
        fills: dict[str | None, int] = {None: 0}
        borders: dict[bool, int] = {False: 0}
        xfs = []
        for style in sorted(self._styles, key=self._styles.__getitem__):
            number_format = BUILTIN_FORMATS.get(style.number_format)
            if number_format is None:
                number_format = formats.setdefault(style.number_format, 164 + len(formats))
            font = fonts.setdefault((style.bold, style.font_size), len(fonts))
            fill = fills.setdefault(style.fill, len(fills) + 1)  # fills 0 and 1 are reserved (none, gray125)
            border = borders.setdefault(style.border, len(borders))
            attributes = (
                f'numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
                + (' applyNumberFormat="1"' if number_format else "")
                + (' applyFont="1"' if font else "")
                + (' applyFill="1"' if fill else "")
                + (' applyBorder="1"' if border else "")
                + (' quotePrefix="1"' if style.quote_prefix else "")
            )
            alignment = ""
            if style.horizontal or style.vertical or style.wrap:
                alignment = (
                    "<alignment"
                    + (f' horizontal="{style.horizontal}"' if style.horizontal else "")
                    + (f' vertical="{style.vertical}"' if style.vertical else "")
                    + (' wrapText="1"' if style.wrap else "")
                    + "/>"
                )
                attributes += ' applyAlignment="1"'
            xfs.append(f"<xf {attributes}>{alignment}</xf>" if alignment else f"<xf {attributes}/>")
        num_fmts = "".join(
            f'<numFmt numFmtId="{number}" formatCode="{escape_attribute(code)}"/>' for code, number in formats.items()
        )
        font_xml = "".join(
            "<font>"
            + ("<b/>" if bold else "")
            + f'<sz val="{size or 11}"/><name val="宋体"/><family val="2"/><charset val="134"/>'
            + "</font>"
            for bold, size in fonts
        )
        fill_xml = '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        fill_xml += "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{colour}"/><bgColor indexed="64"/>'
            "</patternFill></fill>"
            for colour in fills
            if colour is not None
        )
        thin = '<left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/>'
        border_xml = "".join(
            f"<border>{thin}</border>" if has else "<border><left/><right/><top/><bottom/><diagonal/></border>"
            for has in borders
        )
        return (
            f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}">'
            + (f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">{font_xml}</fonts>'
            + f'<fills count="{len(fills) + 1}">{fill_xml}</fills>'
            + f'<borders count="{len(borders)}">{border_xml}</borders>'
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
            + "</styleSheet>"
        )

    def _workbook_xml(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape_attribute(sheet.title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self.sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
            f"'{escape_attribute(sheet.title.replace(chr(39), chr(39) * 2))}'!${first}:${last}</definedName>"
            for n, sheet in enumerate(self.sheets)
            if sheet.print_title_rows
            for first, last in [sheet.print_title_rows]
        )
        return (
            f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )

    def _workbook_rels(self) -> str:
        rels = [
            f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(self.sheets) + 1)
        ]
        count = len(self.sheets)
        rels.append(f'<Relationship Id="rId{count + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>')
        rels.append(f'<Relationship Id="rId{count + 2}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
        return f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>'

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/{sheet.path}" ContentType="{CT_PREFIX}.worksheet+xml"/>' for sheet in self.sheets
        )
        return (
            f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT_PREFIX}.sheet.main+xml"/>'
            f"{sheets}"
            f'<Override PartName="/xl/styles.xml" ContentType="{CT_PREFIX}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_PREFIX}.sharedStrings+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        )


ROOT_RELS = (
    f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
APP_XML = (
    f"{XML_DECL}<Properties "
    'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>扶贫对象动态管理系统</Application></Properties>"
)


class Sheet:
    """The open sheet. ``append`` writes one data row (values aligned with the columns; None or "" = empty)."""

    def __init__(self, book: XlsxWriter, info: _SheetInfo, options: _Options, part: int):
        self.book = book
        self.info = info
        self.options = options
        self.part = part
        self.row_number = 0
        self.data_rows = 0
        self.merges: list[str] = []
        self._next: Sheet | None = None
        self._buffer: list[str] = []
        self._letters = [column_letter(i) for i in range(len(options.columns))]
        self._width = len(options.columns)
        self._closed = False
        self._prepare_column_styles()
        self._stream = book.zip.open(info.path, "w", force_zip64=False)
        self._data_bytes = 0  # of the rows flushed so far (checked against max_sheet_bytes)
        self._write(self._sheet_head())
        for text, style, height in options.title_rows:
            self.write_row([text], styles=[style], height=height)
            if self._width > 1:
                self.merge(self.row_number, 0, self.row_number, self._width - 1)
        if options.header is not None:
            self.write_row(options.header, style=options.header_style)
            self.info.print_title_rows = (self.row_number, self.row_number)

    def _prepare_column_styles(self) -> None:
        """Per column: style ids for ordinary values, dates, date-times and formula-like text."""
        book = self.book
        self._style_ids: list[str] = []
        self._date_ids: list[str] = []
        self._datetime_ids: list[str] = []
        self._quoted_ids: list[str] = []
        self._shared: list[bool] = []
        for column in self.options.columns:
            style = column.style
            self._style_ids.append(_s_attribute(book.style_id(style)))
            is_date_format = any(token in style.number_format for token in ("yy", "dd", "mm"))
            date_style = style if is_date_format else replace(style, number_format=DATE_FORMAT)
            datetime_style = style if is_date_format else replace(style, number_format=DATETIME_FORMAT)
            self._date_ids.append(_s_attribute(book.style_id(date_style)))
            self._datetime_ids.append(_s_attribute(book.style_id(datetime_style)))
            self._quoted_ids.append(_s_attribute(book.style_id(replace(style, quote_prefix=True))))
            self._shared.append(column.shared)

    def _sheet_head(self) -> str:
        options = self.options
        parts = [f'{XML_DECL}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">']
        if options.page_setup and options.page_setup.fit_to_width:
            parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        header_rows = len(options.title_rows) + (1 if options.header is not None else 0)
        if options.freeze_header and header_rows:
            top_left = f"A{header_rows + 1}"
            parts.append(
                '<sheetViews><sheetView workbookViewId="0"'
                + (' tabSelected="1"' if not self.book.sheets[:-1] else "")
                + f'><pane ySplit="{header_rows}" topLeftCell="{top_left}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{top_left}" sqref="{top_left}"/></sheetView></sheetViews>'
            )
        else:
            parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        parts.append('<sheetFormatPr defaultRowHeight="15"/>')
        widths = [
            f'<col min="{n}" max="{n}" width="{column.width:g}" customWidth="1"/>'
            for n, column in enumerate(options.columns, 1)
            if column.width
        ]
        if widths:
            parts.append(f"<cols>{''.join(widths)}</cols>")
        parts.append("<sheetData>")
        return "".join(parts)

    # Rows ------------------------------------------------------------------------------------

    def append(self, values: Sequence[Any]) -> None:
        """One data row; starts a continuation sheet (with the header row) when this one is full."""
        if self._next is not None:
            self._next.append(values)
            return
        if self.row_number >= self.book.max_rows or self._data_bytes >= self.book.max_sheet_bytes:
            self._next = self._continue()
            self._next.append(values)
            return
        self.row_number += 1
        self.data_rows += 1
        row = self.row_number
        parts = [f'<row r="{row}">']
        add = parts.append
        book = self.book
        shared, shared_index, shared_hits = book.shared, book.shared_index, 0
        # A cell's reference (r="C5") is optional in OOXML (ECMA-376 §18.3.1.4: the next column after the
        # previous cell). Writing it only after an empty cell lets deflate match whole repeated row fragments:
        # the file is ~3× smaller (docs/excel.md, "The writer"; openpyxl and calamine read it in the tests).
        gap = False
        for position, value in enumerate(values):
            if value is None:
                gap = True
                continue
            kind = value.__class__
            if kind is str:
                if not value:
                    gap = True
                    continue
                is_shared = self._shared[position]
                index = shared.get(value) if is_shared else None
                if index is not None:
                    shared_hits += 1
                else:
                    if SPECIAL_RE.search(value) or len(value) > MAX_CELL_CHARS:
                        value = clean_text(value)
                        if not value:
                            gap = True
                            continue
                    if is_shared:
                        index = shared_index(value)
                opening = f'<c r="{self._letters[position]}{row}"' if gap else "<c"
                style = self._quoted_ids[position] if value[0] in "=+-@" else self._style_ids[position]
                if index is None:
                    add(f'{opening}{style} t="inlineStr"><is>{_t_element(value)}</is></c>')
                else:
                    add(f'{opening}{style} t="s"><v>{index}</v></c>')
            elif kind is int or (kind is Decimal and value.is_finite()):
                opening = f'<c r="{self._letters[position]}{row}"' if gap else "<c"
                add(f"{opening}{self._style_ids[position]}><v>{value}</v></c>")
            else:
                opening = f'<c r="{self._letters[position]}{row}"' if gap else "<c"
                cell = self._typed_cell(value, position, opening)
                if not cell:
                    gap = True
                    continue
                add(cell)
            gap = False
        book.shared_references += shared_hits
        add("</row>")
        self._buffer.append("".join(parts))
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def _typed_cell(self, value: Any, position: int, opening: str) -> str:
        """The less common types: bool, float, date, datetime, time, str subclasses, Decimal specials."""
        style = self._style_ids[position]
        if isinstance(value, bool):
            return f'{opening}{style} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, datetime.datetime):
            return f"{opening}{self._datetime_ids[position]}><v>{excel_serial(value)!r}</v></c>"
        if isinstance(value, datetime.date):
            return f"{opening}{self._date_ids[position]}><v>{excel_serial(value)}</v></c>"
        if isinstance(value, datetime.time):
            return f"{opening}{style}><v>{_day_fraction(value)!r}</v></c>"
        if isinstance(value, float | Decimal | int):
            number = float(value)
            if math.isnan(number) or math.isinf(number):
                return ""  # xlsx has no NaN or infinity
            text = repr(number) if isinstance(value, float) else str(value)
            return f"{opening}{style}><v>{text}</v></c>"
        text = clean_text(str(value))
        if not text:
            return ""
        if text[0] in "=+-@":
            style = self._quoted_ids[position]
        return f'{opening}{style} t="inlineStr"><is>{_t_element(text)}</is></c>'

    def write_row(
        self,
        values: Sequence[Any],
        *,
        style: CellStyle | None = None,
        styles: Sequence[CellStyle | None] | None = None,
        height: float | None = None,
    ) -> int:
        """A row outside the data (title, header, footer): every cell in ``style``, or per cell ``styles``.

        Cells without a value but with a style are written too (borders of a signature block). Returns the row
        number. Never starts a continuation sheet; after one was started, rows go to the last sheet.
        """
        if self._next is not None:
            return self._next.write_row(values, style=style, styles=styles, height=height)
        self.row_number += 1
        row = self.row_number
        count = max(len(values), len(styles or ()))
        parts = [f'<row r="{row}"' + (f' ht="{height:g}" customHeight="1">' if height else ">")]
        for position in range(count):
            value = values[position] if position < len(values) else None
            cell_style = style or (styles[position] if styles and position < len(styles) else None)
            ref = f"{column_letter(position)}{row}"
            s = _s_attribute(self.book.style_id(cell_style)) if cell_style else ""
            if value is None or value == "":
                if s:
                    parts.append(f'<c r="{ref}"{s}/>')
                continue
            if isinstance(value, str):
                text = clean_text(value)
                if text and text[0] in "=+-@" and cell_style:
                    s = _s_attribute(self.book.style_id(replace(cell_style, quote_prefix=True)))
                parts.append(f'<c r="{ref}"{s} t="inlineStr"><is>{_t_element(text)}</is></c>' if text else "")
            elif isinstance(value, bool):
                parts.append(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                parts.append(f'<c r="{ref}"{s}><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{ref}"{s} t="inlineStr"><is>{_t_element(clean_text(str(value)))}</is></c>')
        parts.append("</row>")
        self._buffer.append("".join(parts))
        return row

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """Merge a block of cells (0-based columns, sheet row numbers) of the last sheet."""
        if self._next is not None:
            self._next.merge(first_row, first_column, last_row, last_column)
            return
        self.merges.append(f"{column_letter(first_column)}{first_row}:{column_letter(last_column)}{last_row}")

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.append(values)

    def _continue(self) -> Sheet:
        title = f"{self.options.continuation_title}（{self.part + 1}）"
        options = replace(self.options, title_rows=[])
        return self.book._open_sheet(title, options, part=self.part + 1)

    @property
    def total_data_rows(self) -> int:
        """Data rows of this sheet and its continuation sheets."""
        return self.data_rows + (self._next.total_data_rows if self._next is not None else 0)

    def flush(self) -> None:
        if self._buffer:
            self._data_bytes += self._write("".join(self._buffer))
            self._buffer.clear()

    def _write(self, text: str) -> int:
        data = text.encode()
        self._stream.write(data)
        return len(data)

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        tail = ["</sheetData>"]
        if self.merges:
            tail.append(f'<mergeCells count="{len(self.merges)}">')
            tail.extend(f'<mergeCell ref="{ref}"/>' for ref in self.merges)
            tail.append("</mergeCells>")
        page = self.options.page_setup
        if page:
            left, right, top, bottom = page.margins
            tail.append('<printOptions horizontalCentered="1"/>')
            tail.append(
                f'<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" header="0.2" footer="0.2"/>'
            )
            orientation = "landscape" if page.landscape else "portrait"
            tail.append(
                f'<pageSetup paperSize="{page.paper_size}" orientation="{orientation}"'
                + (' fitToWidth="1" fitToHeight="0"' if page.fit_to_width else "")
                + "/>"
            )
            if page.footer:
                tail.append(f"<headerFooter><oddFooter>&amp;C{escape_text(page.footer)}</oddFooter></headerFooter>")
        tail.append("</worksheet>")
        self._write("".join(tail))
        self._stream.close()
        self._closed = True


def _s_attribute(style_id: int) -> str:
    return f' s="{style_id}"' if style_id else ""


__all__ = [
    "DATE_STYLE",
    "DEFAULT_STYLE",
    "HEADER_STYLE",
    "MAX_SHEET_ROWS",
    "MONEY_STYLE",
    "TEXT_STYLE",
    "CellStyle",
    "PageSetup",
    "Sheet",
    "SheetColumn",
    "XlsxWriter",
]
