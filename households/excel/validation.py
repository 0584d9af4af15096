"""What every import shares: problems with row and header, header matching, reading the cells of a row."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .columns import Column
from .parsers import CellError
from .reading import SheetRows

FORMULA_MESSAGE = (
    "单元格是公式，导入不计算公式（公式未计算时读到的是空白）；"
    "请在 Excel 中把该列复制后“选择性粘贴 → 数值”，保存后再导入"
)


@dataclass(frozen=True)
class Problem:
    """One error: where (row number, header, column letter) and what, in Chinese."""

    row: int | None
    header: str
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "表头"
        if self.header:
            where += f"「{self.header}」"
            if self.column:
                where += f"（{self.column}列）"
        return f"{where}：{self.message}"


@dataclass
class Sheet:
    """A sheet whose headers matched: the column index of every known header found."""

    rows: SheetRows
    index: dict[str, int]
    letters: dict[str, str]

    def has(self, header: str) -> bool:
        return header in self.index


@dataclass
class FileCheck:
    """Problems and warnings found so far, and the number of non-empty data rows read."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0

    def error(self, row: int | None, header: str, message: str, sheet: Sheet | None = None) -> None:
        letter = sheet.letters.get(header, "") if sheet else ""
        self.errors.append(Problem(row, header, message, letter))

    @property
    def ok(self) -> bool:
        return not self.errors


def match_headers(rows: SheetRows, columns: Sequence[Column], check: FileCheck) -> Sheet | None:
    """Match row 1 against the column map: missing and repeated headers are errors, unknown ones warnings."""
    if rows.header_row_empty:
        check.error(1, "", "第1行是空的：第1行应为表头，数据从第2行开始")
        return None
    if not any(rows.headers):
        check.error(None, "", "工作表是空的：第1行应为表头，数据从第2行开始")
        return None
    known = {column.header: column for column in columns}
    index: dict[str, int] = {}
    letters: dict[str, str] = {}
    for position, header in enumerate(rows.headers):
        if not header:
            continue
        letter = rows.column_letter(position)
        if header in known:
            if header in index:
                check.error(1, header, f"表头重复（{letters[header]}列和{letter}列）")
                continue
            index[header] = position
            letters[header] = letter
        else:
            check.warnings.append(f"忽略未知列「{header}」（{letter}列）")
    missing = [column.header for column in columns if column.required and column.header not in index]
    if missing:
        check.error(1, "", f"缺少列：{'、'.join(missing)}（表头须在第1行，名称须与模板一致）")
    if check.errors:
        return None
    return Sheet(rows=rows, index=index, letters=letters)


def data_rows(sheet: Sheet, check: FileCheck) -> Iterator[tuple[int, list[Any]]]:
    """Non-empty data rows, counted in ``check.rows_read``."""
    for number, cells in sheet.rows.rows:
        for value in cells:  # usually decided by the first cell
            if value is not None and (not isinstance(value, str) or value.strip()):  # not is_empty(value)
                break
        else:
            continue
        check.rows_read += 1
        yield number, cells


class RowReader:
    """Parses some columns of a sheet's rows, with the column positions looked up once.

    Most columns repeat a handful of values (是/否, code labels, years, 0.00), so parsed values and
    errors are remembered per distinct cell; ID numbers and free text are parsed every time.
    """

    def __init__(self, sheet: Sheet, columns: Sequence[Column]):
        self.sheet = sheet
        self.columns = [
            (column, sheet.index[column.header], {} if column.cache else None)
            for column in columns
            if column.header in sheet.index
        ]
        positions = [position for _, position, _ in self.columns]
        # itemgetter picks the cells in C; a row shorter than the header row takes the slow path.
        if len(positions) > 1:
            self._pick = operator.itemgetter(*positions)
        elif positions:
            getter = operator.itemgetter(positions[0])
            self._pick = lambda cells: (getter(cells),)
        else:
            self._pick = lambda cells: ()

    def raw(self, cells: list[Any]) -> tuple[Any, ...]:
        """The unparsed cells, to compare rows cheaply before parsing them."""
        try:
            return self._pick(cells)
        except IndexError:
            width = len(cells)
            return tuple(cells[position] if position < width else "" for _, position, _ in self.columns)

    def read(self, number: int, cells: list[Any], check: FileCheck) -> dict[str, Any] | None:
        """Parse one row into {field: value}; None (and errors recorded) if any cell fails."""
        if self.sheet.rows.formula_cells:
            return self._read_checking_formulas(number, cells, check)
        values: dict[str, Any] = {}
        ok = True
        for (column, _, cache), raw in zip(self.columns, self.raw(cells), strict=True):
            if cache is not None:
                # Text cells are the common case: keyed by the text itself; others by (type, value) so that
                # 1, 1.0 and True stay apart.
                key = raw if raw.__class__ is str else (raw.__class__, raw)
                value = cache.get(key, _MISSING)
                if value is _MISSING:
                    try:
                        value = column.parse(raw)
                    except CellError as error:
                        value = error
                    cache[key] = value
                if value.__class__ is CellError:
                    check.error(number, column.header, value.message, self.sheet)
                    ok = False
                else:
                    values[column.field] = value
                continue
            try:
                values[column.field] = column.parse(raw)
            except CellError as error:
                check.error(number, column.header, error.message, self.sheet)
                ok = False
        return values if ok else None

    def _read_checking_formulas(self, number: int, cells: list[Any], check: FileCheck) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        ok = True
        width = len(cells)
        formulas = self.sheet.rows.formula_cells
        for column, position, cache in self.columns:
            raw = cells[position] if position < width else ""
            if formulas and self.sheet.rows.is_formula(number, position):
                check.error(number, column.header, FORMULA_MESSAGE, self.sheet)
                ok = False
                continue
            if cache is not None:
                key = raw if raw.__class__ is str else (raw.__class__, raw)
                value = cache.get(key, _MISSING)
                if value is _MISSING:
                    try:
                        value = column.parse(raw)
                    except CellError as error:
                        value = error
                    cache[key] = value
                if value.__class__ is CellError:
                    check.error(number, column.header, value.message, self.sheet)
                    ok = False
                else:
                    values[column.field] = value
                continue
            try:
                values[column.field] = column.parse(raw)
            except CellError as error:
                check.error(number, column.header, error.message, self.sheet)
                ok = False
        return values if ok else None


_MISSING = object()
