"""The error workbook of a refused import: the uploaded sheet, every row kept, plus an 错误说明 column.

A clerk opens it in Excel, fixes the marked rows and uploads it again (ecosystem.md §B.12, plan step 3).
The sheet is copied cell by cell with its values and number formats (so 证件号码 columns stay text and
dates stay dates) at the same row numbers as the original, so that 第12行 in a message is row 12 here.
A second sheet, 错误汇总, lists every error (the first sheet is the one an import reads).

Streaming on both sides (openpyxl read-only with the dimensions reset, finding 1; write-only output),
so memory stays flat whatever the size of the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import python_calamine
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .validation import Problem

ERROR_HEADER = "错误说明"
SUMMARY_SHEET = "错误汇总"
ERROR_FILL = PatternFill("solid", fgColor="FDE2E1")
HEADER_FILL = PatternFill("solid", fgColor="F8CBAD")
ERROR_FONT = Font(color="9C0006")


def write_error_report(source: str | Path, target: str | Path, problems: Iterable[Problem]) -> int:
    """Write the error workbook to ``target``; return the number of data rows that carry a message."""
    problems = list(problems)
    by_row: dict[int, list[str]] = defaultdict(list)
    for problem in problems:
        if problem.row and problem.row > 1:
            by_row[problem.row].append(_without_row(problem))
    width = _sheet_width(source)
    reader = load_workbook(source, read_only=True, data_only=False)
    try:
        original = reader.worksheets[0]
        original.reset_dimensions()  # read every row whatever the sheet's <dimension> claims
        book = Workbook(write_only=True)
        sheet = book.create_sheet(original.title or "Sheet1")
        sheet.freeze_panes = "A2"
        sheet.column_dimensions[get_column_letter(width + 1)].width = 60
        number = 0
        for number, cells in enumerate(original.iter_rows(), 1):
            out = [_copy(sheet, cell) for cell in cells]
            out.extend([None] * (width - len(out)))
            if number == 1:
                out.append(_styled(sheet, ERROR_HEADER, fill=HEADER_FILL, font=Font(bold=True)))
            elif number in by_row:
                out.append(_styled(sheet, "；".join(by_row[number]), fill=ERROR_FILL, font=ERROR_FONT))
            sheet.append(out)
        if number == 0:
            sheet.append([None] * width + [_styled(sheet, ERROR_HEADER, fill=HEADER_FILL, font=Font(bold=True))])
        _summary_sheet(book, problems)
        book.save(target)
    finally:
        reader.close()
    return len(by_row)


def _sheet_width(source: str | Path) -> int:
    """Columns used by the first sheet, from calamine (which, unlike <dimension>, tells the truth)."""
    sheet = python_calamine.CalamineWorkbook.from_path(str(source)).get_sheet_by_index(0)
    return sheet.end[1] + 1 if sheet.end else 0


def _copy(sheet, cell):
    value = cell.value
    number_format = getattr(cell, "number_format", None)
    if value is None or not number_format or number_format == "General":
        return value
    out = WriteOnlyCell(sheet, value=value)
    out.number_format = number_format
    return out


def _styled(sheet, value: str, *, fill: PatternFill, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.fill = fill
    cell.font = font
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _summary_sheet(book: Workbook, problems: list[Problem]) -> None:
    sheet = book.create_sheet(SUMMARY_SHEET)
    for letter, size in zip("ABCD", (8, 18, 6, 90), strict=True):
        sheet.column_dimensions[letter].width = size
    sheet.append(
        [_styled(sheet, title, fill=HEADER_FILL, font=Font(bold=True)) for title in ("行号", "列名", "列", "错误说明")]
    )
    for problem in problems:
        sheet.append([problem.row or "表头", problem.header, problem.column, problem.message])


def _without_row(problem: Problem) -> str:
    """The message as the 错误说明 cell shows it: the row is the cell's own row."""
    if problem.header:
        where = f"「{problem.header}」" + (f"（{problem.column}列）" if problem.column else "")
        return f"{where}：{problem.message}"
    return problem.message
