"""Large sheets read slice by slice (households/excel/reading.py): the same headers, rows, row numbers, types and
formula cells as one whole read, and the same validated roster; files the slices cannot rebuild are read whole."""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from households.excel import reading
from households.excel.roster import validate_roster
from tests.households import excel_builders as xb


def read(path: Path, slice_bytes: int, monkeypatch, **options) -> tuple[list, list, set]:
    monkeypatch.setattr(reading, "SLICE_BYTES", slice_bytes)
    sheet = reading.open_sheet(path, **options)
    return sheet.headers, list(sheet.rows), sheet.formula_cells


def both(path: Path, monkeypatch, slice_bytes: int = 1500):
    """Whole and sliced reads, without empty rows and trailing empty cells (a whole read makes every row as wide
    as the widest, a slice as wide as the header or its own widest; empty rows are skipped by every reader)."""

    def trimmed(result):
        headers, rows, formulas = result
        rows = [(number, cells[: len(cells) - len(cells_tail(cells))]) for number, cells in rows]
        rows = [(number, cells) for number, cells in rows if cells]  # a slice may begin after an empty row
        return headers[: len(headers) - len(cells_tail(headers))], rows, formulas

    whole = read(path, 10**12, monkeypatch)
    sliced = read(path, slice_bytes, monkeypatch)
    return trimmed(whole), trimmed(sliced)


def cells_tail(cells: list) -> list:
    tail = []
    for value in reversed(cells):
        if value != "":
            break
        tail.append(value)
    return tail


def excel_like(path: Path, rows: int = 120, *, first_column: int = 1) -> Path:
    """Shared strings, dates, numbers, booleans, empty rows in the middle and a formula, as Excel writes them."""
    book = Workbook()
    sheet = book.active
    headers = ["户编号", "姓名", "出生日期", "收入", "是否", "公式"]
    for offset, header in enumerate(headers):
        sheet.cell(row=1, column=first_column + offset, value=header)
    for n in range(2, rows + 2):
        if n % 17 == 0:
            continue  # an empty row
        values = [
            f"HH-{n:04d}",
            f"姓名{n % 7}",
            datetime.date(1970, 1, 1) + datetime.timedelta(days=n),
            n * 1.5,
            n % 2 == 0,
        ]
        for offset, value in enumerate(values):
            sheet.cell(row=n, column=first_column + offset, value=value)
    sheet.cell(row=rows, column=first_column + 5, value="=1+1")
    book.save(path)
    return path


def test_an_excel_written_sheet_reads_the_same_in_slices(tmp_path, monkeypatch):
    path = excel_like(tmp_path / "book.xlsx")
    whole, sliced = both(path, monkeypatch)
    assert sliced == whole
    headers, rows, formulas = sliced
    assert headers[:2] == ["户编号", "姓名"] and formulas == {(120, 5)}
    assert [number for number, _ in rows][:3] == [2, 3, 4] and len(rows) == 120 - 7  # 7 empty rows left out
    number, cells = rows[0]
    assert isinstance(cells[2], datetime.date) and cells[3] == 3.0 and cells[4] is True


def test_the_sheet_is_really_cut_into_slices(tmp_path):
    path = excel_like(tmp_path / "book.xlsx", rows=300)
    original = reading.SLICE_BYTES
    try:
        reading.SLICE_BYTES = 2000
        slices = list(reading._sheet_slices(path, "xl/worksheets/sheet1.xml"))
    finally:
        reading.SLICE_BYTES = original
    assert len(slices) > 5
    assert all(b"<sheetData>" in s and s.rstrip().endswith(b"</worksheet>") for s in slices)


def test_a_roster_validates_the_same_in_slices(tmp_path, monkeypatch):
    rows = [row for n in range(1, 41) for row in xb.household_rows(f"HH-S-{n:04d}", members=3)]
    rows[50]["证件号码"] = "530113197005010000"  # a row error must keep its row number
    path = xb.write_roster(tmp_path / "名册.xlsx", rows)
    monkeypatch.setattr(reading, "SLICE_BYTES", 10**12)
    whole = validate_roster(path)
    monkeypatch.setattr(reading, "SLICE_BYTES", 3000)
    sliced = validate_roster(path)
    assert sliced.rows_read == whole.rows_read == 120
    assert [(p.row, p.header, p.message) for p in sliced.errors] == [(p.row, p.header, p.message) for p in whole.errors]
    assert sliced.errors and sliced.errors[0].row == 52
    assert [h.number for h in sliced.households.values()] == [h.number for h in whole.households.values()]


def test_a_header_not_in_a1_is_read_whole(tmp_path, monkeypatch):
    path = excel_like(tmp_path / "book.xlsx", first_column=2)
    whole, sliced = both(path, monkeypatch)
    assert sliced == whole


def test_cells_without_references_are_read_whole(tmp_path, monkeypatch):
    source = excel_like(tmp_path / "book.xlsx")
    path = tmp_path / "no-refs.xlsx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1", data)
            copy.writestr(member, data)
    whole, sliced = both(path, monkeypatch)
    assert sliced == whole


def test_more_rows_than_allowed_are_refused_in_slices(tmp_path, monkeypatch):
    path = excel_like(tmp_path / "book.xlsx")
    monkeypatch.setattr(reading, "SLICE_BYTES", 1500)
    with pytest.raises(reading.UnreadableFile, match="超过上限60行"):
        list(reading.open_sheet(path, max_rows=60).rows)  # found while the slices are read
