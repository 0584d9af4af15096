"""Facts import (FORMATS §3), also what a department uploads for register matching.

A fact is identified by its subject (the member, or the household for household-level facts), kind,
date, amount and 类别: importing the same row again finds it and changes at most its other columns.
An ID number or household number that matches nobody is not an error: the row is listed as unmatched.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from households.bulk_history import create_objects_with_history, update_objects_with_history
from households.choices import FactKind, FactSource
from households.idnumber import mask_id_number
from households.models import Fact, Household, Member

from .columns import fact_columns
from .reading import MAX_ROWS, open_sheet
from .roster import NEW, UNCHANGED, UPDATED, Change, _chunks
from .validation import FileCheck, Problem, RowReader, data_rows, match_headers

BATCH_SIZE = 2000
UPDATABLE = {"exit_measure": "作为脱贫措施", "relocation_housing": "易地搬迁安置", "note": "备注"}
COUNTY_OFFICE = "县扶贫办"


@dataclass
class FactRow:
    row: int
    id_number: str
    household_number: str
    values: dict[str, Any]  # kind, event_date, amount, exit_measure, relocation_housing, category, note

    def identity(self, household_id: int, member_id: int | None) -> tuple:
        v = self.values
        return (household_id, member_id, v["kind"], v["event_date"], v["amount"], v["category"])

    @property
    def subject(self) -> str:
        if self.id_number:
            return f"证件号码 {mask_id_number(self.id_number)}"
        return f"户编号 {self.household_number}"


@dataclass
class FactFile(FileCheck):
    rows: list[FactRow] = field(default_factory=list)


def validate_facts(path: str | Path, *, today: datetime.date | None = None, max_rows: int = MAX_ROWS) -> FactFile:
    columns = fact_columns(today or timezone.localdate())
    result = FactFile()
    rows = open_sheet(path, max_rows=max_rows)
    sheet = match_headers(rows, columns, result)
    if sheet is None:
        return result
    if not sheet.has("证件号码") and not sheet.has("户编号"):
        result.error(1, "", "缺少列：证件号码、户编号（至少要有其中一列）")
        return result
    reader = RowReader(sheet, columns)
    for number, cells in data_rows(sheet, result):
        values = reader.read(number, cells, result)
        if values is None:
            continue
        info = values.pop("id_number", None)
        household_number = values.pop("household_number", "")
        values.setdefault("event_date", None)
        values.setdefault("amount", None)
        values.setdefault("category", "")
        values.setdefault("note", "")
        values.setdefault("exit_measure", False)
        values.setdefault("relocation_housing", False)
        if info is None and not household_number:
            result.error(number, "证件号码", "证件号码和户编号至少填写一个", sheet)
            continue
        kind = values["kind"]
        if kind == FactKind.VEHICLE and values["amount"] is None:
            result.error(number, "金额", "机动车必须填写金额（购车价格）", sheet)
        if values["relocation_housing"] and kind != FactKind.URBAN_PROPERTY:
            result.error(number, "易地搬迁安置", "只有城镇房产才填写易地搬迁安置", sheet)
        result.rows.append(FactRow(number, info.number if info else "", household_number, values))
    if not result.rows and result.ok:
        result.error(None, "", "工作表没有数据行（数据从第2行开始）")
    return result


@dataclass
class PlannedFact:
    row: FactRow
    household_id: int
    member_id: int | None


@dataclass
class FactPlan:
    file: FactFile
    new: list[PlannedFact] = field(default_factory=list)
    updated: list[tuple[Fact, list[Change], FactRow]] = field(default_factory=list)
    unchanged: int = 0
    repeated: list[tuple[FactRow, int]] = field(default_factory=list)  # (row, the earlier row it repeats)
    unmatched: list[FactRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.file.ok and not self.errors

    @property
    def counts(self) -> dict[str, int]:
        return {
            NEW: len(self.new),
            UPDATED: len(self.updated),
            UNCHANGED: self.unchanged,
            "repeated": len(self.repeated),
            "unmatched": len(self.unmatched),
        }


def plan_facts(file: FactFile) -> FactPlan:
    plan = FactPlan(file=file)
    if not file.ok:
        return plan
    members: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(sorted({r.id_number for r in file.rows if r.id_number}), BATCH_SIZE):
        for id_number, pk, household_id, number in (
            Member.objects.active()
            .filter(id_number__in=chunk)
            .order_by()
            .values_list("id_number", "pk", "household_id", "household__number")
        ):
            members[id_number] = (pk, household_id, number)
    households: dict[str, int] = {}
    for chunk in _chunks(sorted({r.household_number for r in file.rows if r.household_number}), BATCH_SIZE):
        households.update(Household.objects.filter(number__in=chunk).order_by().values_list("number", "pk"))

    subjects: list[PlannedFact] = []
    for row in file.rows:
        if row.id_number:
            member = members.get(row.id_number)
            if member is None:
                plan.unmatched.append(row)
                continue
            member_id, household_id, number = member
            if row.household_number and row.household_number != number:
                plan.errors.append(
                    Problem(
                        row.row,
                        "户编号",
                        f"证件号码对应的在册成员属于户编号 {number}，与填写的户编号 {row.household_number} 不一致",
                    )
                )
                continue
            subjects.append(PlannedFact(row, household_id, member_id))
        elif row.household_number in households:
            subjects.append(PlannedFact(row, households[row.household_number], None))
        else:
            plan.unmatched.append(row)

    existing: dict[tuple, Fact] = {}
    for chunk in _chunks(sorted({s.household_id for s in subjects}), BATCH_SIZE):
        for fact in Fact.objects.filter(household_id__in=chunk).order_by("id"):
            key = (fact.household_id, fact.member_id, fact.kind, fact.event_date, fact.amount, fact.category)
            existing.setdefault(key, fact)
    seen: dict[tuple, int] = {}
    for planned in subjects:
        key = planned.row.identity(planned.household_id, planned.member_id)
        if key in seen:
            plan.repeated.append((planned.row, seen[key]))
            continue
        seen[key] = planned.row.row
        fact = existing.get(key)
        if fact is None:
            plan.new.append(planned)
            continue
        changes = [
            Change(name, label, getattr(fact, name), planned.row.values[name])
            for name, label in UPDATABLE.items()
            if getattr(fact, name) != planned.row.values[name]
        ]
        if changes:
            plan.updated.append((fact, changes, planned.row))
        else:
            plan.unchanged += 1
    return plan


def apply_facts(
    plan: FactPlan, *, user=None, reason: str, source_name: str = "", today: datetime.date | None = None
) -> dict[str, int]:
    """Write the plan; ``source_name`` (a department) makes the facts 部门数据比对, else 县级录入."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    source = FactSource.DEPARTMENT if source_name else FactSource.MANUAL
    history = {"user": user, "reason": reason}  # households/bulk_history.py (docs/decisions.md)
    recorded_on = today or timezone.localdate()
    with transaction.atomic():
        created = [
            Fact(
                household_id=planned.household_id,
                member_id=planned.member_id,
                source=source,
                source_name=source_name or COUNTY_OFFICE,
                recorded_on=recorded_on,
                created_by=user,
                **planned.row.values,
            )
            for planned in plan.new
        ]
        if created:
            create_objects_with_history(created, **history)
        updated = []
        for fact, changes, _row in plan.updated:
            for change in changes:
                setattr(fact, change.field, change.new)
            updated.append(fact)
        if updated:
            update_objects_with_history(updated, list(UPDATABLE), **history)
    return plan.counts


def import_facts(
    path: str | Path,
    *,
    user=None,
    reason: str,
    source_name: str = "",
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> tuple[FactFile, FactPlan | None, dict | None]:
    file = validate_facts(path, today=today)
    if not file.ok:
        return file, None, None
    with transaction.atomic():
        plan = plan_facts(file)
        if not plan.ok or dry_run:
            return file, plan, None
        return file, plan, apply_facts(plan, user=user, reason=reason, source_name=source_name, today=today)


def group_unmatched(rows: list[FactRow]) -> dict[str, list[int]]:
    """Unmatched subjects with the rows they appear on, for the report."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        grouped[row.subject].append(row.row)
    return grouped
