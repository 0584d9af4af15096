"""Streaming .xlsx exports (FORMATS §6) written with the import's column maps, so an export re-imports.

Rows are read from querysets in keyset-paginated chunks, a constant number of queries per chunk, and written
as they come by our own streaming writer (``xlsx_writer``: openpyxl's serialiser was ~90 % of the export's
time), so memory stays flat whatever the county's size. Cells are typed: dates as dates, money as numbers
shown with two decimals, codes and ID numbers as text cells with the text number format "@" (so editing them
in Excel does not turn them into floats). Text is always a string cell: a value starting with = + - @ stays
text, never a formula (ecosystem.md §B.7). Values that repeat (labels, yes/no, area codes) go to the
shared-strings table, values that never do (ID numbers, household numbers, names, addresses) are written
inline. A sheet holds 1,048,576 rows; longer exports continue on further sheets (花名册（2）…), each with the
header row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from households.idnumber import mask_id_number
from households.models import Area, Household, Member, MemberYear, YearlyIncome, scope_filter

from .columns import AREA_COLUMNS, CODE, DATE, ID, INCOME_FIELDS, MONEY, SCHOOLING_FIELDS, Column, roster_columns
from .roster import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from .xlsx_writer import DATE_STYLE, DEFAULT_STYLE, MAX_SHEET_ROWS, MONEY_STYLE, TEXT_STYLE, SheetColumn, XlsxWriter

CHUNK_SIZE = 2000
CELL_STYLES = {ID: TEXT_STYLE, CODE: TEXT_STYLE, MONEY: MONEY_STYLE, DATE: DATE_STYLE}


def sheet_columns(columns: Sequence[Column]) -> list[SheetColumn]:
    """The writer's columns for a column map: width, number format by cell kind, shared strings unless the
    values rarely repeat (the column map's ``cache`` flag says the same for the import)."""
    return [
        SheetColumn(width=column.width, style=CELL_STYLES.get(column.kind, DEFAULT_STYLE), shared=column.cache)
        for column in columns
    ]


class SheetWriter:
    """Records (flat dicts) into one sheet of a streaming workbook through a column map.

    The workbook is written to ``output`` as rows come; ``save()`` finishes it and returns the number of
    data rows. ``mask_ids`` masks the ID-number columns (530113********1234).
    """

    def __init__(
        self,
        output: str | Path | IO[bytes],
        title: str,
        columns: Sequence[Column],
        *,
        mask_ids: bool = False,
        max_rows: int = MAX_SHEET_ROWS,
    ):
        self.columns = list(columns)
        self.book = XlsxWriter(output, max_rows=max_rows)
        self.sheet = self.book.add_sheet(title, sheet_columns(self.columns), header=[c.header for c in self.columns])
        self.rows_written = 0
        # Column.cell() unrolled: (formatter, field, whole record?) per column; ~2 million cells a county.
        self._cells = [(column.format, column.field, column.whole_record) for column in self.columns]
        self._masked = [n for n, column in enumerate(self.columns) if column.kind == ID] if mask_ids else []

    def write(self, record: dict[str, Any]) -> None:
        get = record.get
        row = [fmt(record) if whole else fmt(get(name)) for fmt, name, whole in self._cells]
        for position in self._masked:
            if row[position]:
                row[position] = mask_id_number(row[position])
        self.sheet.append(row)
        self.rows_written += 1

    def save(self) -> int:
        self.book.close()
        return self.rows_written


# ---------------------------------------------------------------------------------------------
# Areas (FORMATS §1 layout).


def area_records(area_code: str | None = None) -> Iterator[dict[str, Any]]:
    areas = Area.objects.order_by("code")
    if area_code:
        areas = areas.filter(code__startswith=area_code)
    for code, name, parent_code in areas.values_list("code", "name", "parent__code").iterator(chunk_size=CHUNK_SIZE):
        yield {"code": code, "name": name, "parent_code": parent_code or ""}


def export_areas(output: str | Path | IO[bytes], *, area_code: str | None = None) -> int:
    return write_records(output, "行政区划", AREA_COLUMNS, area_records(area_code))


# ---------------------------------------------------------------------------------------------
# Roster (FORMATS §2 layout): each household's active members and its latest income year.


def roster_export_columns(today: datetime.date | None = None) -> list[Column]:
    household, member = roster_columns(today or timezone.localdate())
    return household + member


def roster_households(area_code: str | None = None) -> QuerySet[Household]:
    households = Household.objects.all()
    if area_code:
        households = households.filter(**scope_filter(area_code))
    return households


def roster_row_count(households: QuerySet[Household]) -> int:
    """The number of rows ``export_roster`` writes for these households (their active members), in one query."""
    return Member.objects.active().filter(household__in=households.order_by().values("pk")).count()


def roster_records(
    area_code: str | None = None,
    *,
    households: QuerySet[Household] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict[str, Any]]:
    """One flat record per active member, households in number order; four queries per chunk.

    ``households`` (e.g. the user's visible households with the list's filters) replaces ``area_code``.
    """
    if households is None:
        households = roster_households(area_code)
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
    households: QuerySet[Household] | None = None,
    mask_ids: bool = False,
    max_rows: int = MAX_SHEET_ROWS,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the roster of an area (or of ``households``); ``mask_ids`` masks ID numbers. Returns the row count."""
    records = roster_records(area_code, households=households, chunk_size=chunk_size)
    return write_records(output, "花名册", roster_export_columns(), records, mask_ids=mask_ids, max_rows=max_rows)


def write_records(
    output: str | Path | IO[bytes],
    title: str,
    columns: Sequence[Column],
    records: Iterable[dict[str, Any]],
    **options: Any,
) -> int:
    """Any list with a column map (the later export kinds use this too). Returns the number of data rows."""
    writer = SheetWriter(output, title, columns, **options)
    for record in records:
        writer.write(record)
    return writer.save()
