"""Household roster import (FORMATS §2): validate the whole file → plan against the database → apply.

Three plain functions, each returning a result object, so the CLI and the browser upload (with its
preview) share them:

- ``validate_roster(path)`` reads and checks the file on its own (cells, household columns that agree
  across a household's rows, one 户主, ID numbers not repeated, 家庭人口数, status rules) → RosterFile;
- ``plan_roster(roster)`` checks it against the database (区划代码 exist, an ID number active in
  another household, a removed member re-appearing) and works out, per household and member, what
  is new, what changes (field, old → new) and what is unchanged → RosterPlan;
- ``apply_roster(plan, user=..., reason=...)`` writes the plan in one transaction with bulk writes that
  record history (households/bulk_history.py, docs/decisions.md) → RosterResult.

Any error in the first two steps means nothing is written.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from households.bulk_history import insert_with_history, refresh_statistics, update_with_history
from households.choices import HouseholdStatus, Relation, SchoolingStatus
from households.idnumber import mask_id_number
from households.models import Area, Household, Member, MemberYear, YearlyIncome

from .columns import (
    HEALTH_FIELDS,
    INCOME_FIELDS,
    RETURNED,
    SCHOOLING_FIELDS,
    TRANSFER_PARTS,
    ZERO,
    Column,
    roster_columns,
)
from .parsers import clean_text
from .reading import MAX_ROWS, open_sheet
from .validation import FileCheck, Problem, RowReader, Sheet, data_rows, match_headers

BATCH_SIZE = 2000
# Records written by one import above which the tables' planner statistics are refreshed (bulk_history).
ANALYZE_AFTER_ROWS = 50_000
NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"

# Household model fields the roster writes (besides the area and its copied codes).
HOUSEHOLD_FIELDS = (
    "address",
    "phone",
    "status",
    "returned_year",
    "attribute",
    "id_standard",
    "registered_on",
    "registration_year",
    "exit_year",
    "main_cause",
    "other_causes",
    "housing_area",
    "housing_grade",
    "relocation",
    "safe_water",
    "water_radius_km",
    "electricity",
    "radio_tv",
    "broadband",
    "sanitary_toilet",
    "arable_land_mu",
    "forest_land_mu",
    "food_clothing_secured",
)
AREA_CODE_FIELDS = ("area", "area_code", "county_code", "township_code", "village_code")
MEMBER_FIELDS = (
    "name",
    "relation",
    "ethnicity",
    "education",
    "dropout_reason",
    "schooling_status",
    "heavy_study_burden",
    *HEALTH_FIELDS,
    "disease_name",
    "disability_grade",
    "labour_skill",
    "migrant_work",
    "migrant_months",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "family_doctor",
    "shares_income",
)
# Tuples of a record's fields, compared in one go before looking field by field (most re-imported records are equal).
_household_values = operator.itemgetter(*HOUSEHOLD_FIELDS)
_member_values = operator.itemgetter(*MEMBER_FIELDS)
_schooling_values = operator.itemgetter(*SCHOOLING_FIELDS)
STUDENT_STATUSES = frozenset(SchoolingStatus.values) - {SchoolingStatus.NOT_STUDENT}

# Labels for the plan's "field: old → new" lines.
FIELD_LABELS = {
    "area": "区划代码",
    "status": "户状态",
    "returned_year": "返贫年度",
    "registration_year": "建档立卡年度",
    "chronic_disease": "长期慢性病",
    "serious_disease": "患有大病",
    "disabled": "残疾",
}


# ---------------------------------------------------------------------------------------------
# Step 1: the file on its own.


@dataclass(slots=True)
class RosterMember:
    row: int
    id_number: str
    sex: str
    birth_date: datetime.date
    values: dict[str, Any]  # MEMBER_FIELDS


@dataclass
class RosterHousehold:
    number: str
    first_row: int
    raw: tuple[Any, ...]
    values: dict[str, Any] | None  # parsed household columns of the first row; None if a cell failed
    rows: list[int] = field(default_factory=list)
    members: list[RosterMember] = field(default_factory=list)

    @property
    def income_year(self) -> int | None:
        return self.values.get("income_year") if self.values else None

    @property
    def income(self) -> dict[str, Decimal]:
        return {name: self.values[name] for name in INCOME_FIELDS}


@dataclass
class RosterFile(FileCheck):
    path: str = ""
    households: dict[str, RosterHousehold] = field(default_factory=dict)
    columns: dict[str, Column] = field(default_factory=dict)


def validate_roster(path: str | Path, *, today: datetime.date | None = None, max_rows: int = MAX_ROWS) -> RosterFile:
    """Read and check the whole file. Raises reading.UnreadableFile when it is not a usable .xlsx."""
    today = today or timezone.localdate()
    household_columns, member_columns = roster_columns(today)
    result = RosterFile(path=str(path), columns={c.field: c for c in household_columns + member_columns})
    rows = open_sheet(path, max_rows=max_rows)
    sheet = match_headers(rows, household_columns + member_columns, result)
    if sheet is None:
        return result
    shared = [c for c in household_columns if c.field != "number" and sheet.has(c.header)]
    number_reader = RowReader(sheet, household_columns[:1])
    shared_reader = RowReader(sheet, shared)
    member_reader = RowReader(sheet, member_columns)
    id_rows: dict[str, int] = {}
    head_rows: dict[str, list[int]] = defaultdict(list)
    formula_rows = {row for row, _ in rows.formula_cells}

    for number, cells in data_rows(sheet, result):
        parsed_number = number_reader.read(number, cells, result)
        if parsed_number is None:
            member_reader.read(number, cells, result)  # report its other errors too
            continue
        household_number = parsed_number["number"]
        raw = shared_reader.raw(cells)
        household = result.households.get(household_number)
        if household is None:
            values = shared_reader.read(number, cells, result)
            household = RosterHousehold(household_number, number, raw, values)
            result.households[household_number] = household
            if values is not None:
                _check_household(household, values, sheet, result)
        elif raw != household.raw or number in formula_rows:
            _compare_household_cells(household, number, cells, shared, shared_reader, result)
        household.rows.append(number)

        values = member_reader.read(number, cells, result)
        if values is None:
            continue
        info = values.pop("id_number")
        values.update(values.pop("health"))
        if info.number in id_rows:
            result.error(number, "证件号码", f"与第{id_rows[info.number]}行的证件号码重复（同一人只能出现一次）", sheet)
            continue
        id_rows[info.number] = number
        _check_member(number, values, sheet, result)
        if values["relation"] == Relation.HEAD:
            head_rows[household_number].append(number)
        household.members.append(RosterMember(number, info.number, info.sex, info.birth_date, values))

    if not result.households and result.ok:
        result.error(None, "", "工作表没有数据行（数据从第2行开始）")
    for household in result.households.values():
        heads = head_rows.get(household.number, [])
        if not heads and household.members and len(household.members) == len(household.rows):
            result.error(
                household.first_row,
                "与户主关系",
                f"户编号 {household.number} 没有户主（每户须有且只有一个户主）",
                sheet,
            )
        for row in heads[1:]:
            result.error(
                row, "与户主关系", f"户编号 {household.number} 已有户主（第{heads[0]}行），每户只能有一个户主", sheet
            )
        size = household.values.get("member_count") if household.values else None
        if size is not None and size != len(household.rows):
            rows = "、".join(str(r) for r in household.rows[:10]) + ("…" if len(household.rows) > 10 else "")
            result.error(
                household.first_row,
                "家庭人口数",
                f"家庭人口数为{size}，但文件中户编号 {household.number} 有{len(household.rows)}行成员（第{rows}行）",
                sheet,
            )
    result.errors.sort(key=lambda problem: problem.row or 0)
    return result


def _compare_household_cells(
    household: RosterHousehold,
    number: int,
    cells: list[Any],
    shared: list[Column],
    reader: RowReader,
    result: RosterFile,
) -> None:
    """A later row of the household: its household columns must agree with the first row's."""
    sheet = reader.sheet
    values = reader.read(number, cells, result)
    if values is None or household.values is None:
        return
    for column in shared:
        if values[column.field] != household.values[column.field]:
            position = shared.index(column)
            first, mine = household.raw[position], reader.raw(cells)[position]
            result.error(
                number,
                column.header,
                f"与同户（户编号 {household.number}）第{household.first_row}行不一致："
                f"第{household.first_row}行为“{_shown(first)}”，第{number}行为“{_shown(mine)}”",
                sheet,
            )


def _shown(value: Any) -> str:
    return clean_text(value) or "空"


def _check_household(household: RosterHousehold, values: dict[str, Any], sheet: Sheet, result: RosterFile) -> None:
    row = household.first_row
    status = values["status_label"]
    if status != HouseholdStatus.ORDINARY and not values["registered_on"]:
        result.error(row, "建档立卡日期", "户状态不是一般农户时必须填写建档立卡日期", sheet)
    if status == HouseholdStatus.ORDINARY and values["attribute"]:
        result.error(row, "贫困户属性", "一般农户不填写贫困户属性", sheet)
    if status == HouseholdStatus.EXITED and not values["exit_year"]:
        result.error(row, "脱贫年度", "已脱贫户必须填写脱贫年度", sheet)
    if values["exit_year"] and values["registered_on"] and values["exit_year"] < values["registered_on"].year:
        result.error(
            row, "脱贫年度", f"脱贫年度{values['exit_year']}早于建档立卡日期{values['registered_on']:%Y-%m-%d}", sheet
        )
    if values.get("returned_year") and status != RETURNED:
        result.error(row, "返贫年度", "只有户状态为返贫时才填写返贫年度", sheet)
    main = values["main_cause"]
    others = values["other_causes"].split(",") if values["other_causes"] else []
    if main and main in others:
        result.error(row, "其他致贫原因", "其他致贫原因不能与主要致贫原因重复", sheet)
    if others and not main:
        result.error(row, "主要致贫原因", "填写了其他致贫原因，但没有主要致贫原因", sheet)
    parts = sum((values[name] for name in TRANSFER_PARTS), ZERO)
    if parts > values["transfer"]:
        result.error(
            row,
            "转移性收入",
            f"低保金、特困供养金、养老金、生态补偿金、计划生育金、其他转移性收入合计{parts}元，"
            f"超过转移性收入{values['transfer']}元",
            sheet,
        )
    if not values["income_year"] and any(values[name] for name in INCOME_FIELDS):
        result.error(row, "收入年度", "填写了收入，但没有收入年度", sheet)


def _check_member(row: int, values: dict[str, Any], sheet: Sheet, result: RosterFile) -> None:
    if values["disability_grade"] and not values["disabled"]:
        result.error(row, "残疾等级", "填写了残疾等级，但健康状况不含“残疾”", sheet)
    if values["dropout_reason"] and values["schooling_status"] in STUDENT_STATUSES:
        result.error(row, "失学辍学原因", "在校生不填写失学辍学原因（辍学者的在校生状况应为非在校生）", sheet)


# ---------------------------------------------------------------------------------------------
# Step 2: against the database.


@dataclass(frozen=True)
class Change:
    """One field of an existing record that the import changes."""

    field: str
    label: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.label}：{_display(self.old)} → {_display(self.new)}"


def _display(value: Any) -> str:
    if value is None or value == "":
        return "空"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, Area):
        return value.code
    return str(value)


@dataclass
class MemberPlan:
    parsed: RosterMember
    action: str
    changes: list[Change] = field(default_factory=list)
    instance: Member | None = None  # the existing member, loaded only when it changes
    pk: int | None = None
    year_action: str | None = None
    year_instance: MemberYear | None = None


@dataclass
class HouseholdPlan:
    parsed: RosterHousehold
    action: str
    fields: dict[str, Any]  # model values the import gives the household (HOUSEHOLD_FIELDS + area)
    changes: list[Change] = field(default_factory=list)
    instance: Household | None = None  # the existing household, loaded only when it changes
    pk: int | None = None
    members: list[MemberPlan] = field(default_factory=list)
    income_action: str | None = None
    income_changes: list[Change] = field(default_factory=list)
    income_instance: YearlyIncome | None = None
    latest_year: bool = True  # the file's income year is the household's latest: members carry its schooling

    @property
    def number(self) -> str:
        return self.parsed.number


@dataclass(frozen=True)
class AbsentMember:
    household_number: str
    name: str
    id_number: str
    relation: str

    def __str__(self) -> str:
        return f"户编号 {self.household_number} {self.name}（{mask_id_number(self.id_number)}）"


@dataclass
class RosterPlan:
    roster: RosterFile
    households: list[HouseholdPlan] = field(default_factory=list)
    absent_members: list[AbsentMember] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.roster.ok

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        counts = {
            kind: dict.fromkeys((NEW, UPDATED, UNCHANGED), 0)
            for kind in ("households", "members", "incomes", "member_years")
        }
        for household in self.households:
            counts["households"][household.action] += 1
            if household.income_action:
                counts["incomes"][household.income_action] += 1
            for member in household.members:
                counts["members"][member.action] += 1
                if member.year_action:
                    counts["member_years"][member.year_action] += 1
        return counts


def plan_roster(roster: RosterFile) -> RosterPlan:
    """Compare the validated file with the database; errors that need the database go into plan.errors."""
    plan = RosterPlan(roster=roster)
    if not roster.ok:
        return plan
    households = list(roster.households.values())
    areas: dict[str, Area] = {}
    for codes in _chunks(sorted({h.values["area_code"] for h in households}), BATCH_SIZE):
        areas.update((area.code, area) for area in Area.objects.filter(code__in=codes))
    # A first import into an empty registry has no one to look up (~4 s of index probes at 100,000 households).
    registry_has_members = Member.objects.exists()

    for chunk in _chunks(households, BATCH_SIZE):
        # Existing records are compared as plain rows (values(), several times cheaper than model instances);
        # only the ones that change are then loaded as instances, for the bulk update and its history rows.
        # .order_by(): the models' default orderings would join other tables for nothing.
        numbers = [h.number for h in chunk]
        existing = {
            row.number: row
            for row in _rows(
                Household.objects.filter(number__in=numbers), "number", "area_id", "area_code", *HOUSEHOLD_FIELDS
            )
        }
        pks = [row.pk for row in existing.values()]
        incomes: dict[int, dict[int, Row]] = defaultdict(dict)
        for row in _rows(YearlyIncome.objects.filter(household_id__in=pks), "household_id", "year", *INCOME_FIELDS):
            incomes[row.household_id][row.year] = row
        active: dict[int, list[Row]] = defaultdict(list)
        for row in _rows(
            Member.objects.active().filter(household_id__in=pks), "household_id", "id_number", *MEMBER_FIELDS
        ):
            active[row.household_id].append(row)
        years: dict[tuple[int, int], Row] = {}
        active_years = MemberYear.objects.filter(member__household_id__in=pks, member__is_active=True)
        for row in _rows(active_years, "member_id", "year", *SCHOOLING_FIELDS):
            years[(row.member_id, row.year)] = row
        # Every other member carrying a file's ID number matters only for an ID that is not already an active
        # member of its own household (active elsewhere, or removed from this one): a re-import looks up none.
        matched = {(row.household_id, row.id_number) for members in active.values() for row in members}
        members_by_id = _members_by_id(
            [
                member.id_number
                for parsed in chunk
                for member in parsed.members
                if parsed.number not in existing or (existing[parsed.number].pk, member.id_number) not in matched
            ]
            if registry_has_members
            else []
        )
        chunk_plans = [
            _plan_household(parsed, existing.get(parsed.number), areas, incomes, active, years, members_by_id, plan)
            for parsed in chunk
        ]
        _load_changed_instances(chunk_plans)
        plan.households.extend(chunk_plans)
    plan.errors.sort(key=lambda problem: problem.row or 0)
    return plan


class Row(dict):
    """A database row from values(), read like an instance (row.name)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _rows(queryset, *fields: str) -> Iterator[Row]:
    for values in queryset.order_by().values("pk", *fields):
        yield Row(values)


def _load_changed_instances(plans: list[HouseholdPlan]) -> None:
    """Swap the rows of records that change for model instances (bulk updates and history need every field)."""
    wanted: dict[type, list[int]] = defaultdict(list)
    for household in plans:
        if household.instance is not None:
            wanted[Household].append(household.instance.pk)
        if household.income_instance is not None:
            wanted[YearlyIncome].append(household.income_instance.pk)
        for member in household.members:
            if member.instance is not None:
                wanted[Member].append(member.instance.pk)
            if member.year_instance is not None:
                wanted[MemberYear].append(member.year_instance.pk)
    loaded = {model: model.objects.in_bulk(pks) for model, pks in wanted.items()}
    for household in plans:
        if household.instance is not None:
            household.instance = loaded[Household][household.instance.pk]
        if household.income_instance is not None:
            household.income_instance = loaded[YearlyIncome][household.income_instance.pk]
        for member in household.members:
            if member.instance is not None:
                member.instance = loaded[Member][member.instance.pk]
            if member.year_instance is not None:
                member.year_instance = loaded[MemberYear][member.year_instance.pk]


def _members_by_id(file_ids: list[str]) -> dict[str, list[tuple[int, str, bool, str, str]]]:
    """Every member (active or not) carrying an ID number of the file: (household pk, number, active, name, reason)."""
    found: dict[str, list[tuple[int, str, bool, str, str]]] = defaultdict(list)
    for chunk in _chunks(file_ids, BATCH_SIZE):
        rows = (
            Member.objects.filter(id_number__in=chunk)
            .order_by()
            .values_list("id_number", "household_id", "household__number", "is_active", "name", "removed_reason")
        )
        for id_number, household_id, number, is_active, name, reason in rows:
            found[id_number].append((household_id, number, is_active, name, reason))
    return found


def _plan_household(
    parsed: RosterHousehold,
    instance: Row | None,
    areas: dict[str, Area],
    incomes: dict[int, dict[int, Row]],
    active: dict[int, list[Row]],
    years: dict[tuple[int, int], Row],
    members_by_id: dict[str, list[tuple[int, str, bool, str, str]]],
    plan: RosterPlan,
) -> HouseholdPlan:
    values = parsed.values
    assert values is not None
    error = _error_adder(plan, parsed.first_row)
    area = areas.get(values["area_code"])
    if area is None:
        error("区划代码", f"区划代码 {values['area_code']} 不存在，请先导入行政区划")
    fields = _household_fields(values, instance, error)
    fields["area"] = area
    year = values["income_year"]
    household_incomes = incomes.get(instance.pk, {}) if instance else {}
    household_plan = HouseholdPlan(parsed=parsed, action=NEW, fields=fields, pk=instance.pk if instance else None)
    household_plan.latest_year = year is None or all(other <= year for other in household_incomes)

    if instance is not None:
        changes = (
            []
            if len(fields) == len(HOUSEHOLD_FIELDS) + 1 and _household_values(instance) == _household_values(fields)
            else [
                Change(name, _label(name, plan), instance[name], value)
                for name, value in fields.items()
                if name != "area" and instance[name] != value
            ]
        )
        if area is not None and instance.area_id != area.pk:
            changes.insert(0, Change("area", "区划代码", instance.area_code, area.code))
        household_plan.changes = changes
        household_plan.action = UPDATED if changes else UNCHANGED
        if changes:
            household_plan.instance = instance

    if year is not None:
        income = household_incomes.get(year)
        new_income = parsed.income
        if income is None:
            household_plan.income_action = NEW
        else:
            household_plan.income_changes = [
                Change(name, _label(name, plan), income[name], value)
                for name, value in new_income.items()
                if income[name] != value
            ]
            household_plan.income_action = UPDATED if household_plan.income_changes else UNCHANGED
            if household_plan.income_changes:
                household_plan.income_instance = income

    existing_members = {m.id_number: m for m in active.get(instance.pk, [])} if instance else {}
    file_head = next((m for m in parsed.members if m.values["relation"] == Relation.HEAD), None)
    for member in parsed.members:
        household_plan.members.append(
            _plan_member(
                member,
                instance,
                existing_members.get(member.id_number),
                year,
                household_plan,
                years,
                members_by_id,
                plan,
            )
        )
    in_file = {m.id_number for m in parsed.members}
    for member in existing_members.values():
        if member.id_number in in_file:
            continue
        plan.absent_members.append(AbsentMember(parsed.number, member.name, member.id_number, member.relation))
        if member.relation == Relation.HEAD and file_head is not None:
            plan.errors.append(
                Problem(
                    file_head.row,
                    "与户主关系",
                    f"户编号 {parsed.number} 的在册户主 {member.name}（{mask_id_number(member.id_number)}）不在文件中，"
                    "文件却另有户主；更换户主请先为原户主办理成员减少或在调查表中修改与户主关系",
                )
            )
    return household_plan


def _plan_member(
    parsed: RosterMember,
    household: Row | None,
    instance: Row | None,
    year: int | None,
    household_plan: HouseholdPlan,
    years: dict[tuple[int, int], Row],
    members_by_id: dict[str, list[tuple[int, str, bool, str, str]]],
    plan: RosterPlan,
) -> MemberPlan:
    for household_id, number, is_active, name, reason in members_by_id.get(parsed.id_number, []):
        same = household is not None and household_id == household.pk
        if is_active and not same:
            plan.errors.append(
                Problem(
                    parsed.row,
                    "证件号码",
                    f"该证件号码已是户编号 {number} 的在册成员（{name}），同一人只能在一户在册；"
                    "如已迁入本户，请先在原户办理迁出或户间转移",
                )
            )
        elif not is_active and same and instance is None:
            plan.errors.append(
                Problem(
                    parsed.row,
                    "证件号码",
                    f"该成员（{name}）已从本户减少（{reason or '原因未填'}），导入不会恢复已减少的成员；"
                    "如确需恢复，请办理自然增加",
                )
            )
    values = parsed.values
    if not household_plan.latest_year and instance is not None:
        # An earlier income year: the member row keeps the schooling of the latest year (docs/excel.md).
        values = dict(values)
        for name in SCHOOLING_FIELDS:
            values[name] = instance[name]
    member_plan = MemberPlan(parsed=parsed, action=NEW, pk=instance.pk if instance else None)
    if instance is not None:
        same = _member_values(instance) == _member_values(values)
        changes = (
            []
            if same
            else [
                Change(name, _label(name, plan), instance[name], value)
                for name, value in values.items()
                if instance[name] != value
            ]
        )
        member_plan.changes = changes
        member_plan.action = UPDATED if changes else UNCHANGED
        if changes:
            member_plan.instance = instance
    if year is not None:
        row = years.get((instance.pk, year)) if instance is not None else None
        if row is None:
            member_plan.year_action = NEW
        elif _schooling_values(row) != _schooling_values(parsed.values):
            member_plan.year_action = UPDATED
            member_plan.year_instance = row
        else:
            member_plan.year_action = UNCHANGED
    return member_plan


def _household_fields(values: dict[str, Any], instance: Row | None, error) -> dict[str, Any]:
    fields = {name: values[name] for name in HOUSEHOLD_FIELDS if name in values}
    status = values["status_label"]
    if status == RETURNED:
        fields["status"] = HouseholdStatus.POOR
        returned_year = values.get("returned_year")
        if not returned_year and instance is not None and instance.status == HouseholdStatus.POOR:
            returned_year = instance.returned_year
        returned_year = returned_year or values["income_year"]
        if not returned_year:
            error("户状态", "返贫户须填写返贫年度（或收入年度，作为返贫年度）")
        fields["returned_year"] = returned_year
    else:
        fields["status"] = status
        fields["returned_year"] = None
    fields["registration_year"] = values["registered_on"].year if values["registered_on"] else None
    return fields


def _error_adder(plan: RosterPlan, row: int):
    def add(header: str, message: str) -> None:
        plan.errors.append(Problem(row, header, message))

    return add


def _label(name: str, plan: RosterPlan) -> str:
    column = plan.roster.columns.get(name)
    return column.header if column else FIELD_LABELS.get(name, name)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------
# Step 3: write.


@dataclass
class RosterResult:
    counts: dict[str, dict[str, int]]
    absent_members: list[AbsentMember]


def apply_roster(plan: RosterPlan, *, user=None, reason: str, batch_size: int = BATCH_SIZE) -> RosterResult:
    """Write the plan in one transaction; history rows carry ``user`` and ``reason`` (docs/decisions.md)."""
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    now = timezone.now()
    history = {"user": user, "reason": reason, "date": now}
    with transaction.atomic():
        # A few thousand households at a time, so that the rows of a whole county never sit in memory together;
        # still one transaction. Rows are written as value tuples with their history copied by the database
        # (households/bulk_history.py): no model instances for new records.
        for chunk in _chunks(plan.households, batch_size):
            households = _write_households(chunk, now, history)
            _write_incomes(chunk, households, now, history)
            members = _write_members(chunk, households, now, history)
            _write_member_years(chunk, members, history)
        counts = plan.counts
        written = sum(counts[kind][NEW] + counts[kind][UPDATED] for kind in counts)
        if written >= ANALYZE_AFTER_ROWS:
            refresh_statistics(Household, YearlyIncome, Member, MemberYear)
    return RosterResult(counts=counts, absent_members=plan.absent_members)


NEW_HOUSEHOLD_COLUMNS = ("number", "area_id", "area_code", "county_code", "township_code", "village_code")
UPDATED_HOUSEHOLD_COLUMNS = (*HOUSEHOLD_FIELDS, "area_id", *AREA_CODE_FIELDS[1:], "version", "updated_at")


def _write_households(plans: list[HouseholdPlan], now, history) -> dict[str, int]:
    """Create and update households; return the pk of every household of the file by number."""
    pks = {h.number: h.pk for h in plans if h.pk is not None}
    new_numbers, new_rows, updated_rows = [], [], []
    for household_plan in plans:
        fields = household_plan.fields
        if household_plan.action == NEW:
            area = fields["area"]
            code = area.code  # the copied codes that save() would set (Household.copy_area_codes)
            new_numbers.append(household_plan.number)
            new_rows.append(
                (household_plan.number, area.pk, code, code[:6], code[:9], code[:12])
                + tuple(fields[name] for name in HOUSEHOLD_FIELDS)
            )
        elif household_plan.action == UPDATED:
            household = household_plan.instance
            for name, value in fields.items():
                setattr(household, name, value)
            household.copy_area_codes()
            household.version += 1  # a survey form opened before the import must not overwrite it
            household.updated_at = now
            updated_rows.append([household.pk, *(getattr(household, name) for name in UPDATED_HOUSEHOLD_COLUMNS)])
    if new_rows:
        created = insert_with_history(Household, [*NEW_HOUSEHOLD_COLUMNS, *HOUSEHOLD_FIELDS], new_rows, **history)
        pks.update(zip(new_numbers, created, strict=True))
    if updated_rows:
        update_with_history(Household, UPDATED_HOUSEHOLD_COLUMNS, updated_rows, **history)
    return pks


def _write_incomes(plans: list[HouseholdPlan], households: dict[str, int], now, history) -> None:
    created, updated = [], []
    for household_plan in plans:
        if household_plan.income_action == NEW:
            income = household_plan.parsed.income
            created.append(
                (households[household_plan.number], household_plan.parsed.income_year)
                + tuple(income[name] for name in INCOME_FIELDS)
            )
        elif household_plan.income_action == UPDATED:
            income = household_plan.income_instance
            for change in household_plan.income_changes:
                setattr(income, change.field, change.new)
            updated.append([income.pk, *(getattr(income, name) for name in INCOME_FIELDS), now])
    if created:
        insert_with_history(YearlyIncome, ["household_id", "year", *INCOME_FIELDS], created, **history)
    if updated:
        update_with_history(YearlyIncome, [*INCOME_FIELDS, "updated_at"], updated, **history)


def _write_members(plans: list[HouseholdPlan], households: dict[str, int], now, history) -> dict[str, int]:
    """Create and update members; return the member pk of every new member by ID number."""
    created, created_ids, updated = [], [], []
    for household_plan in plans:
        for member_plan in household_plan.members:
            parsed = member_plan.parsed
            if member_plan.action == NEW:
                values = parsed.values
                created_ids.append(parsed.id_number)
                created.append(
                    (households[household_plan.number], parsed.id_number, parsed.sex, parsed.birth_date)
                    + tuple(values[name] for name in MEMBER_FIELDS)
                )
            elif member_plan.action == UPDATED:
                member = member_plan.instance
                for change in member_plan.changes:
                    setattr(member, change.field, change.new)
                updated.append([member.pk, *(getattr(member, name) for name in MEMBER_FIELDS), now])
    pks: dict[str, int] = {}
    if created:
        columns = ["household_id", "id_number", "sex", "birth_date", *MEMBER_FIELDS]
        pks.update(zip(created_ids, insert_with_history(Member, columns, created, **history), strict=True))
    if updated:
        update_with_history(Member, [*MEMBER_FIELDS, "updated_at"], updated, **history)
    return pks


def _write_member_years(plans: list[HouseholdPlan], members: dict[str, int], history) -> None:
    created, updated = [], []
    for household_plan in plans:
        year = household_plan.parsed.income_year
        for member_plan in household_plan.members:
            values = member_plan.parsed.values
            schooling = tuple(values[name] for name in SCHOOLING_FIELDS)
            if member_plan.year_action == NEW:
                member_id = member_plan.pk or members[member_plan.parsed.id_number]
                created.append((member_id, year, *schooling))
            elif member_plan.year_action == UPDATED:
                updated.append((member_plan.year_instance.pk, *schooling))
    if created:
        insert_with_history(MemberYear, ["member_id", "year", *SCHOOLING_FIELDS], created, **history)
    if updated:
        update_with_history(MemberYear, SCHOOLING_FIELDS, updated, **history)


def import_roster(
    path: str | Path, *, user=None, reason: str, dry_run: bool = False, today: datetime.date | None = None
) -> tuple[RosterFile, RosterPlan | None, RosterResult | None]:
    """The whole import as the CLI runs it: validate, plan and (unless dry_run or errors) apply."""
    roster = validate_roster(path, today=today)
    if not roster.ok:
        return roster, None, None
    with transaction.atomic():
        plan = plan_roster(roster)
        if not plan.ok or dry_run:
            return roster, plan, None
        return roster, plan, apply_roster(plan, user=user, reason=reason)
