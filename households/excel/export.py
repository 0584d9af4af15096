"""Streaming .xlsx exports (FORMATS §6) written with the import's column maps, so an export re-imports.

openpyxl's write-only workbook is fed from querysets read in keyset-paginated chunks, a constant
number of queries per chunk, so memory stays flat whatever the county's size (performance.md:
~60 MiB for 350,000 member rows). Cells are typed: dates as dates, money as numbers shown with two
decimals, codes and ID numbers as text cells with the text number format "@" (so editing them in
Excel does not turn them into floats). Text is always written as a string cell: a value starting
with = + - @ stays text, never a formula (ecosystem.md §B.7). A sheet holds 1,048,576 rows; longer
exports continue on further sheets (花名册（2）…), each with the header row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from households.idnumber import mask_id_number
from households.models import Area, Household, Member, MemberYear, YearlyIncome, scope_filter

from .columns import AREA_COLUMNS, CODE, DATE, ID, INCOME_FIELDS, MONEY, SCHOOLING_FIELDS, Column, roster_columns
from .roster import HOUSEHOLD_FIELDS, MEMBER_FIELDS

MAX_SHEET_ROWS = 1_048_576
CHUNK_SIZE = 2000
NUMBER_FORMATS = {ID: "@", CODE: "@", MONEY: "0.00", DATE: "yyyy-mm-dd"}
FORMULA_PREFIXES = ("=", "+", "-", "@")


class SheetWriter:
    """Rows into a write-only workbook: bold frozen header, column widths, typed cells, sheet overflow."""

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        *,
        mask_ids: bool = False,
        max_rows: int = MAX_SHEET_ROWS,
    ):
        self.workbook = Workbook(write_only=True)
        self.title = title
        self.columns = list(columns)
        self.mask_ids = mask_ids
        self.max_rows = max_rows
        self.rows_written = 0
        self.sheets = 0
        self._sheet_rows = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        title = self.title if self.sheets == 1 else f"{self.title}（{self.sheets}）"
        self.sheet = self.workbook.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        for position, column in enumerate(self.columns, 1):
            self.sheet.column_dimensions[get_column_letter(position)].width = column.width
        # One styled template cell per typed column: openpyxl yields it as-is, so reusing it per row
        # costs one assignment instead of a style lookup for every cell.
        self.templates: list[WriteOnlyCell | None] = []
        for column in self.columns:
            number_format = NUMBER_FORMATS.get(column.kind)
            if number_format:
                cell = WriteOnlyCell(self.sheet)
                cell.number_format = number_format
                self.templates.append(cell)
            else:
                self.templates.append(None)
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self.sheet, value=column.header)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(horizontal="center", vertical="center")
            header.append(cell)
        self.sheet.append(header)
        self._sheet_rows = 1

    def write(self, record: dict[str, Any]) -> None:
        if self._sheet_rows >= self.max_rows:
            self._new_sheet()
        row: list[Any] = []
        for column, template in zip(self.columns, self.templates, strict=True):
            value = column.cell(record)
            if value is None or value == "":
                row.append(None)
                continue
            if isinstance(value, str):
                value = _safe_text(value)
                if column.kind == ID and self.mask_ids:
                    value = mask_id_number(value)
            if template is not None:
                template.value = value
                if isinstance(value, str):
                    template.data_type = "s"
                row.append(template)
            elif isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                row.append(cell)
            else:
                row.append(value)
        self.sheet.append(row)
        self._sheet_rows += 1
        self.rows_written += 1

    def save(self, output: str | Path | IO[bytes]) -> int:
        self.workbook.save(output)
        return self.rows_written


def _safe_text(value: str) -> str:
    """Control characters cannot be stored in xlsx; drop them rather than fail the whole export."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if ILLEGAL_CHARACTERS_RE.search(value) else value


# ---------------------------------------------------------------------------------------------
# Areas (FORMATS §1 layout).


def area_records(area_code: str | None = None) -> Iterator[dict[str, Any]]:
    areas = Area.objects.order_by("code")
    if area_code:
        areas = areas.filter(code__startswith=area_code)
    for code, name, parent_code in areas.values_list("code", "name", "parent__code").iterator(chunk_size=CHUNK_SIZE):
        yield {"code": code, "name": name, "parent_code": parent_code or ""}


def export_areas(output: str | Path | IO[bytes], *, area_code: str | None = None) -> int:
    writer = SheetWriter("行政区划", AREA_COLUMNS)
    for record in area_records(area_code):
        writer.write(record)
    return writer.save(output)


# ---------------------------------------------------------------------------------------------
# Roster (FORMATS §2 layout): each household's active members and its latest income year.


def roster_export_columns(today: datetime.date | None = None) -> list[Column]:
    household, member = roster_columns(today or timezone.localdate())
    return household + member


def roster_records(area_code: str | None = None, *, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """One flat record per active member, households in number order; four queries per chunk."""
    households = Household.objects.all()
    if area_code:
        households = households.filter(**scope_filter(area_code))
    household_fields = ("id", "number", "area_code", *HOUSEHOLD_FIELDS)
    member_fields = ("id", "household_id", "id_number", *MEMBER_FIELDS)
    last = None
    while True:
        page = households.order_by("number")
        if last is not None:
            page = page.filter(number__gt=last)
        chunk = list(page.values(*household_fields)[:chunk_size])
        if not chunk:
            return
        last = chunk[-1]["number"]
        ids = [h["id"] for h in chunk]
        members: dict[int, list[dict[str, Any]]] = {}
        for member in (
            Member.objects.active()
            .filter(household_id__in=ids)
            .order_by("household_id", "relation", "birth_date", "id")
            .values(*member_fields)
        ):
            members.setdefault(member["household_id"], []).append(member)
        incomes: dict[int, dict[str, Any]] = {}
        for income in (
            YearlyIncome.objects.filter(household_id__in=ids)
            .order_by("household_id", "-year")
            .values("household_id", "year", *INCOME_FIELDS)
        ):
            incomes.setdefault(income["household_id"], income)
        member_ids = [m["id"] for group in members.values() for m in group]
        years = {
            (row["member_id"], row["year"]): row
            for row in MemberYear.objects.filter(member_id__in=member_ids)
            .order_by()
            .values("member_id", "year", *SCHOOLING_FIELDS)
        }
        for household in chunk:
            group = members.get(household["id"], [])
            income = incomes.get(household["id"])
            base = dict(household, member_count=len(group))
            if income:
                base.update(income)
                base["income_year"] = income["year"]
            for member in group:
                record = {**base, **member}
                year_row = years.get((member["id"], base.get("income_year")))
                if year_row:  # schooling as of the exported income year
                    record.update({name: year_row[name] for name in SCHOOLING_FIELDS})
                yield record


def export_roster(
    output: str | Path | IO[bytes],
    *,
    area_code: str | None = None,
    mask_ids: bool = False,
    max_rows: int = MAX_SHEET_ROWS,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the roster; ``mask_ids`` masks ID numbers (browser downloads by users without the right)."""
    writer = SheetWriter("花名册", roster_export_columns(), mask_ids=mask_ids, max_rows=max_rows)
    for record in roster_records(area_code, chunk_size=chunk_size):
        writer.write(record)
    return writer.save(output)


def write_records(output, title: str, columns: Sequence[Column], records: Iterable[dict[str, Any]], **options) -> int:
    """Any other list with a column map (the later export kinds)."""
    writer = SheetWriter(title, columns, **options)
    for record in records:
        writer.write(record)
    return writer.save(output)
