"""Areas import (FORMATS §1): validate the whole file → plan against the database → apply in one transaction.

Rows may come in any order; a parent may be in the file or already in the database. Re-importing
updates names. Areas carry no change history (only registry records do, docs/decisions.md), so plain
bulk writes are used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from households.choices import LEVEL_BY_LENGTH
from households.models import Area

from .columns import AREA_COLUMNS
from .reading import MAX_ROWS, open_sheet
from .roster import NEW, UNCHANGED, UPDATED, Change
from .validation import FileCheck, Problem, RowReader, data_rows, match_headers

BATCH_SIZE = 2000
PARENT_LENGTH = {6: None, 9: 6, 12: 9, 15: 12}


@dataclass
class AreaRow:
    row: int
    code: str
    name: str
    parent_code: str


@dataclass
class AreaFile(FileCheck):
    rows: dict[str, AreaRow] = field(default_factory=dict)


def validate_areas(path: str | Path, *, max_rows: int = MAX_ROWS) -> AreaFile:
    result = AreaFile()
    sheet = match_headers(open_sheet(path, max_rows=max_rows), AREA_COLUMNS, result)
    if sheet is None:
        return result
    reader = RowReader(sheet, AREA_COLUMNS)
    for number, cells in data_rows(sheet, result):
        values = reader.read(number, cells, result)
        if values is None:
            continue
        code, parent = values["code"], values["parent_code"]
        expected = PARENT_LENGTH[len(code)]
        if expected is None and parent:
            result.error(number, "上级区划代码", "6位的县级区划代码不填上级区划代码", sheet)
            continue
        if expected is not None:
            if not parent:
                result.error(number, "上级区划代码", f"{len(code)}位区划代码必须填写{expected}位的上级区划代码", sheet)
                continue
            if len(parent) != expected or not code.startswith(parent):
                result.error(
                    number,
                    "上级区划代码",
                    f"上级区划代码 {parent} 与区划代码 {code} 不符：应为区划代码的前{expected}位（{code[:expected]}）",
                    sheet,
                )
                continue
        if code in result.rows:
            result.error(number, "区划代码", f"区划代码 {code} 与第{result.rows[code].row}行重复", sheet)
            continue
        result.rows[code] = AreaRow(number, code, values["name"], parent)
    if not result.rows and result.ok:
        result.error(None, "", "工作表没有数据行（数据从第2行开始）")
    return result


@dataclass
class AreaPlan:
    file: AreaFile
    new: list[AreaRow] = field(default_factory=list)
    updated: list[tuple[Area, list[Change]]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.file.ok and not self.errors

    @property
    def counts(self) -> dict[str, int]:
        return {NEW: len(self.new), UPDATED: len(self.updated), UNCHANGED: self.unchanged}


def plan_areas(file: AreaFile) -> AreaPlan:
    plan = AreaPlan(file=file)
    if not file.ok:
        return plan
    wanted = set(file.rows) | {row.parent_code for row in file.rows.values() if row.parent_code}
    existing = {area.code: area for area in Area.objects.filter(code__in=wanted).select_related("parent")}
    for row in sorted(file.rows.values(), key=lambda r: r.row):
        if row.parent_code and row.parent_code not in file.rows and row.parent_code not in existing:
            plan.errors.append(
                Problem(row.row, "上级区划代码", f"上级区划代码 {row.parent_code} 不存在（文件和系统中都没有）")
            )
            continue
        area = existing.get(row.code)
        if area is None:
            plan.new.append(row)
            continue
        changes = []
        if area.name != row.name:
            changes.append(Change("name", "名称", area.name, row.name))
        old_parent = area.parent.code if area.parent_id else ""
        if old_parent != row.parent_code:
            changes.append(Change("parent", "上级区划代码", old_parent, row.parent_code))
        if changes:
            plan.updated.append((area, changes))
        else:
            plan.unchanged += 1
    return plan


def apply_areas(plan: AreaPlan) -> dict[str, int]:
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    now = timezone.now()
    with transaction.atomic():
        known = {area.code: area for area, _ in plan.updated}
        parents = {row.parent_code for row in plan.file.rows.values() if row.parent_code}
        known.update({area.code: area for area in Area.objects.filter(code__in=parents)})
        # Parents first: one bulk insert per level, so every child finds its parent's primary key.
        for length in sorted(PARENT_LENGTH):
            level = [
                Area(code=row.code, name=row.name, level=LEVEL_BY_LENGTH[length], parent=known.get(row.parent_code))
                for row in plan.new
                if len(row.code) == length
            ]
            for area in Area.objects.bulk_create(level, batch_size=BATCH_SIZE):
                known[area.code] = area
        updated = []
        for area, changes in plan.updated:
            for change in changes:
                if change.field == "name":
                    area.name = change.new
                else:
                    area.parent = known.get(change.new) if change.new else None
            area.updated_at = now
            updated.append(area)
        if updated:
            Area.objects.bulk_update(updated, ["name", "parent", "updated_at"], batch_size=BATCH_SIZE)
    return plan.counts


def import_areas(path: str | Path, *, dry_run: bool = False) -> tuple[AreaFile, AreaPlan | None, dict | None]:
    file = validate_areas(path)
    if not file.ok:
        return file, None, None
    with transaction.atomic():
        plan = plan_areas(file)
        if not plan.ok or dry_run:
            return file, plan, None
        return file, plan, apply_areas(plan)
