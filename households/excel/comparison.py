"""The per-village year-over-year comparison sheet (对照表, issue 3 item 4): last year's and this year's roster
side by side, made to be printed, signed and stamped by the village.

One row per household that was on the roster (建档立卡: 未脱贫, 返贫 or 已脱贫) at the end of either year, with
its status at the end of each year and what changed in between: newly registered (新识别), exited (脱贫, 脱贫年度
in the period), returned (返贫), removed (清退), members added or reduced with their reasons (the MemberChange rows
of the period), household size, per-capita net income and housing grade of each year.

"At the end of year Y" is read from the household's change history (the last history row written before
1 January of Y+1; if the household entered the system later, its first history row), then corrected by the year
fields the registry keeps: 建档立卡年度 (registration after Y: not yet on the roster), 脱贫年度 (exit after Y: still
未脱贫 at the end of Y) and 返贫年度. A household's status and housing grade at a given time otherwise exist only in
the history, because an import or a survey form overwrites the live row. The household size of Y counts the members
present at the end of Y, from their MemberChange dates and removal dates (a member transferred out in a later year
still counts in the earlier year); per-capita income is that year's YearlyIncome net income divided by that size,
rounded half-up to cents as SPEC §2 says.

Everything is read in a constant number of queries (6) whatever the village's size. ID numbers are always masked
(a list, SPEC §1).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from households.choices import HouseholdStatus, MemberAddReason, MemberChangeKind, MemberReduceReason, Relation
from households.idnumber import mask_id_number
from households.models import Area, Household, Member, MemberChange, YearlyIncome, per_capita_net_income

from .xlsx_writer import CellStyle, PageSetup, SheetColumn, XlsxWriter

# Status of a household at the end of a year, as the sheet prints it.
NOT_REGISTERED = "未纳入"
ORDINARY = "一般农户"
POOR = "未脱贫"
RETURNED = "返贫"
EXITED = "已脱贫"
REMOVED = "已清退"
ON_ROSTER = frozenset({POOR, RETURNED, EXITED})
POOR_STATUSES = frozenset({POOR, RETURNED})

NEW, EXIT, RETURN, REMOVAL, UNCHANGED = "新识别", "脱贫", "返贫", "清退", "无变化"
ADD_REASONS = dict(MemberAddReason.choices)
REDUCE_REASONS = dict(MemberReduceReason.choices)

SNAPSHOT_FIELDS = ("status", "returned_year", "exit_year", "registration_year", "housing_grade")


@dataclass
class YearState:
    status: str
    members: int
    per_capita: Decimal | None
    housing_grade: str


@dataclass
class ComparisonRow:
    number: str
    group: str
    head_name: str
    head_id_masked: str
    before: YearState
    after: YearState
    changes: list[str]
    added: list[str] = field(default_factory=list)
    reduced: list[str] = field(default_factory=list)

    @property
    def income_change(self) -> Decimal | None:
        if self.before.per_capita is None or self.after.per_capita is None:
            return None
        return self.after.per_capita - self.before.per_capita


@dataclass
class Comparison:
    village: Area
    township_name: str
    first_year: int
    last_year: int
    rows: list[ComparisonRow]

    @property
    def title(self) -> str:
        return f"{self.township_name}{self.village.name} {self.first_year}—{self.last_year}年度扶贫对象动态管理对照表"

    def totals(self) -> dict[str, int]:
        counts = defaultdict(int)
        for row in self.rows:
            for key, state in (("before", row.before), ("after", row.after)):
                if state.status in ON_ROSTER:
                    counts[f"{key}_households"] += 1
                    counts[f"{key}_members"] += state.members
                if state.status in POOR_STATUSES:
                    counts[f"{key}_poor"] += 1
            for change in (NEW, EXIT, RETURN, REMOVAL):
                counts[change] += change in row.changes
            counts["added"] += len(row.added)
            counts["reduced"] += len(row.reduced)
        return counts

    def summary(self) -> str:
        t = self.totals()
        return (
            f"{self.first_year}年末建档立卡{t['before_households']}户{t['before_members']}人（其中未脱贫{t['before_poor']}户）；"
            f"{self.last_year}年末建档立卡{t['after_households']}户{t['after_members']}人（其中未脱贫{t['after_poor']}户）。"
            f"本期新识别{t[NEW]}户，脱贫{t[EXIT]}户，返贫{t[RETURN]}户，清退{t[REMOVAL]}户；"
            f"成员自然增加{t['added']}人，自然减少{t['reduced']}人。"
        )


def year_end(year: int) -> datetime.datetime:
    """The first instant of the next year in the county's time zone: history written before it is "by year end"."""
    return datetime.datetime(year + 1, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def status_at(snapshot: dict[str, Any], year: int) -> str:
    """The household's status at the end of ``year`` from a snapshot of its record, corrected by its year fields."""
    status = snapshot["status"]
    if status == HouseholdStatus.ORDINARY:
        return ORDINARY
    registered = snapshot["registration_year"]
    if registered is not None and registered > year:
        return NOT_REGISTERED
    if status == HouseholdStatus.REMOVED:
        return REMOVED
    exit_year, returned_year = snapshot["exit_year"], snapshot["returned_year"]
    if returned_year and returned_year <= year and (exit_year is None or returned_year >= exit_year):
        return RETURNED
    if exit_year and exit_year <= year:
        return EXITED
    return POOR


def build_comparison(village: Area, first_year: int, last_year: int) -> Comparison:
    """The comparison of ``village`` between the ends of ``first_year`` and ``last_year``, in six queries."""
    households = list(
        Household.objects.filter(village_code=village.code)
        .order_by("area_code", "number")
        .values("id", "number", "area_code", *SNAPSHOT_FIELDS)
    )
    ids = [h["id"] for h in households]
    codes = {village.code[:9], *(h["area_code"] for h in households)}
    area_names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        Household.history.filter(id__in=ids)
        .order_by("id", "history_date", "history_id")
        .values("id", "history_date", *SNAPSHOT_FIELDS)
    ):
        history[row["id"]].append(row)
    members: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in Member.objects.filter(household_id__in=ids).values(
        "id", "household_id", "name", "id_number", "relation", "is_active", "removed_on"
    ):
        members[row["household_id"]][row["id"]] = row
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (
        MemberChange.objects.filter(household_id__in=ids, changed_on__lte=datetime.date(last_year, 12, 31))
        .order_by("changed_on", "id")
        .values("household_id", "member_id", "member__name", "member__id_number", "kind", "reason", "changed_on")
    ):
        changes[row["household_id"]].append(row)
    incomes = {
        (income.household_id, income.year): income
        for income in YearlyIncome.objects.filter(household_id__in=ids, year__in=(first_year, last_year))
    }

    rows = []
    for household in households:
        pk = household["id"]
        snapshots = {year: _snapshot(history.get(pk), household, year) for year in (first_year, last_year)}
        spans = _member_spans(members.get(pk, {}), changes.get(pk, []))
        states = {}
        for year, snapshot in snapshots.items():
            size = sum(1 for joined, left in spans.values() if _present(joined, left, year))
            income = incomes.get((pk, year))
            states[year] = YearState(
                status=status_at(snapshot, year),
                members=size,
                per_capita=per_capita_net_income(income.net_income, size) if income and size else None,
                housing_grade=snapshot["housing_grade"] or "",
            )
        before, after = states[first_year], states[last_year]
        if before.status not in ON_ROSTER and after.status not in ON_ROSTER:
            continue  # on neither year's roster (ordinary, or removed before the period)
        head = _head(members.get(pk, {}).values())
        row = ComparisonRow(
            number=household["number"],
            group=area_names.get(household["area_code"], household["area_code"]),
            head_name=head["name"] if head else "",
            head_id_masked=mask_id_number(head["id_number"]) if head else "",
            before=before,
            after=after,
            changes=[],
        )
        for change in changes.get(pk, []):
            if first_year < change["changed_on"].year <= last_year:
                reasons = ADD_REASONS if change["kind"] == MemberChangeKind.ADD else REDUCE_REASONS
                text = (
                    f"{change['member__name']}（{reasons.get(change['reason'], change['reason'])}，"
                    f"{change['changed_on']:%Y-%m-%d}）"
                )
                (row.added if change["kind"] == MemberChangeKind.ADD else row.reduced).append(text)
        row.changes = _change_labels(row)
        rows.append(row)
    township = area_names.get(village.code[:9], "")
    return Comparison(village=village, township_name=township, first_year=first_year, last_year=last_year, rows=rows)


def _snapshot(history: list[dict[str, Any]] | None, household: dict[str, Any], year: int) -> dict[str, Any]:
    if not history:
        return household
    end = year_end(year)
    chosen = history[0]
    for row in history:
        if row["history_date"] >= end:
            break
        chosen = row
    return chosen


def _member_spans(
    members: dict[int, dict[str, Any]], changes: list[dict[str, Any]]
) -> dict[int, tuple[datetime.date | None, datetime.date | None]]:
    """(joined, left) of every member who belonged to the household: joined None = from the start."""
    spans: dict[int, list[datetime.date | None]] = {}
    for member in members.values():
        left = None
        if not member["is_active"]:
            left = member["removed_on"] or datetime.date.min
        spans[member["id"]] = [None, left]
    for change in changes:  # in date order: the last add and the last reduce win
        span = spans.setdefault(change["member_id"], [None, None])
        if change["kind"] == MemberChangeKind.ADD:
            span[0] = change["changed_on"]
        else:
            span[1] = change["changed_on"]
    return {member: (joined, left) for member, (joined, left) in spans.items()}


def _present(joined: datetime.date | None, left: datetime.date | None, year: int) -> bool:
    end = datetime.date(year, 12, 31)
    return (joined is None or joined <= end) and (left is None or left > end)


def _head(members: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    active = [m for m in members if m["is_active"]]
    return next((m for m in active if m["relation"] == Relation.HEAD), active[0] if active else None)


def _change_labels(row: ComparisonRow) -> list[str]:
    before, after = row.before.status, row.after.status
    labels = []
    if before not in ON_ROSTER and before != REMOVED and after in ON_ROSTER:
        labels.append(NEW)
    if after == REMOVED and before != REMOVED:
        labels.append(REMOVAL)
    if after == EXITED and before in POOR_STATUSES:
        labels.append(EXIT)
    if after == RETURNED and before == EXITED:
        labels.append(RETURN)
    if row.added:
        labels.append(f"增员{len(row.added)}人")
    if row.reduced:
        labels.append(f"减员{len(row.reduced)}人")
    if row.before.housing_grade != row.after.housing_grade and row.before.housing_grade and row.after.housing_grade:
        labels.append(f"危房等级{row.before.housing_grade}→{row.after.housing_grade}")
    return labels or [UNCHANGED]


# ---------------------------------------------------------------------------------------------
# The printed sheet.

BORDER = CellStyle(border=True, vertical="center")
WRAP = CellStyle(border=True, vertical="center", wrap=True)
CENTER = CellStyle(border=True, vertical="center", horizontal="center")
MONEY = CellStyle(border=True, vertical="center", number_format="0.00")
TEXT = CellStyle(border=True, vertical="center", number_format="@")
HEADER = CellStyle(bold=True, border=True, fill="DDEBF7", horizontal="center", vertical="center", wrap=True)
TITLE = CellStyle(bold=True, font_size=16, horizontal="center", vertical="center")
SUBTITLE = CellStyle(horizontal="left", vertical="center", wrap=True)
FOOTER = CellStyle(font_size=12, vertical="bottom")


def comparison_columns(first_year: int, last_year: int) -> list[tuple[str, SheetColumn]]:
    y0, y1 = first_year, last_year
    return [
        ("序号", SheetColumn(5, CENTER)),
        ("村民小组", SheetColumn(10, BORDER)),
        ("户编号", SheetColumn(18, TEXT, shared=False)),
        ("户主姓名", SheetColumn(9, BORDER)),
        ("户主证件号码", SheetColumn(19, TEXT, shared=False)),
        (f"{y0}年末户状态", SheetColumn(9, CENTER)),
        (f"{y1}年末户状态", SheetColumn(9, CENTER)),
        ("变动情况", SheetColumn(16, WRAP)),
        (f"{y0}年末人口", SheetColumn(7, CENTER)),
        (f"{y1}年末人口", SheetColumn(7, CENTER)),
        ("成员增加（原因，日期）", SheetColumn(22, WRAP)),
        ("成员减少（原因，日期）", SheetColumn(22, WRAP)),
        (f"{y0}年人均纯收入（元）", SheetColumn(12, MONEY)),
        (f"{y1}年人均纯收入（元）", SheetColumn(12, MONEY)),
        ("增减（元）", SheetColumn(10, MONEY)),
        (f"{y0}危房等级", SheetColumn(7, CENTER)),
        (f"{y1}危房等级", SheetColumn(7, CENTER)),
        ("备注", SheetColumn(12, WRAP)),
    ]


def write_comparison(output: str | Path | IO[bytes], comparison: Comparison) -> int:
    """The printable sheet: title, summary, one row per household, signature footer. Returns the household rows."""
    columns = comparison_columns(comparison.first_year, comparison.last_year)
    with XlsxWriter(output) as book:
        sheet = book.add_sheet(
            f"{comparison.village.name}对照表",
            [column for _, column in columns],
            header=[header for header, _ in columns],
            header_style=HEADER,
            title_rows=[(comparison.title, TITLE, 30), (comparison.summary(), SUBTITLE, 36)],
            page_setup=PageSetup(landscape=True, fit_to_width=True),
        )
        for number, row in enumerate(comparison.rows, 1):
            sheet.append(
                [
                    number,
                    row.group,
                    row.number,
                    row.head_name,
                    row.head_id_masked,
                    row.before.status,
                    row.after.status,
                    "、".join(row.changes),
                    row.before.members,
                    row.after.members,
                    "\n".join(row.added),
                    "\n".join(row.reduced),
                    row.before.per_capita,
                    row.after.per_capita,
                    row.income_change,
                    row.before.housing_grade,
                    row.after.housing_grade,
                    None,
                ]
            )
        if not comparison.rows:
            sheet.write_row(["（本村在两个年度均无建档立卡户）"])
        sheet.write_row([])
        footer = sheet.write_row(
            [
                "村委会（盖章）",
                None,
                None,
                None,
                None,
                "村党组织书记：",
                None,
                None,
                None,
                None,
                "日期：    年  月  日",
            ],
            style=FOOTER,
            height=36,
        )
        sheet.merge(footer, 0, footer, 4)
        sheet.merge(footer, 5, footer, 9)
        sheet.merge(footer, 10, footer, 14)
    return len(comparison.rows)


def export_comparison(output: str | Path | IO[bytes], village: Area, first_year: int, last_year: int) -> int:
    return write_comparison(output, build_comparison(village, first_year, last_year))


def default_years(village: Area) -> tuple[int, int]:
    """The village's latest income year and the one before (the campaign compares last year with this year)."""
    latest = (
        YearlyIncome.objects.filter(household__village_code=village.code)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    year = latest or timezone.localdate().year
    return year - 1, year
