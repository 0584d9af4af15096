"""The change history of one household (SPEC §2: who, when and what changed, readable on the household page).

django-simple-history keeps one historical row per save (and per object of its bulk helpers). This module reads
the rows of the household, its members, incomes, facts, member years and surveys in a fixed number of queries,
diffs each row against the previous row of the same object in Python, and merges everything newest first.

Members and facts can move between households (户间转移 moves the member row and its facts), so their rows are
read for every object that was ever in the household and kept while the object was in it, plus the row that
moved it out: a transfer shows in both households.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from .display import display_value
from .models import Area, Fact, Household, Member, MemberYear, Survey, User, YearlyIncome

KIND_LABELS = {"+": "新增", "~": "修改", "-": "删除"}
SYSTEM_USER = "系统"

# Columns that are bookkeeping, not content: derived area codes follow the area, the version is a lock counter.
HIDDEN_FIELDS = frozenset({"id", "version", "area_code", "county_code", "township_code", "village_code"})


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: str
    subject: str
    kind: str
    reason: str
    # For 修改: the fields that changed. None when there is no earlier row to compare with.
    changes: list[FieldChange] | None = field(default_factory=list)
    # Tie-breaker for rows written in the same instant (bulk writes): model order, then row id.
    order: tuple[int, int] = (0, 0)


@dataclass
class _Labels:
    """Display names of the objects that foreign keys in the history rows point to."""

    areas: dict[int, str] = field(default_factory=dict)
    households: dict[int, str] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)


def household_history(household: Household) -> list[HistoryEntry]:
    """Every recorded change of ``household`` and what belongs to it, newest first."""
    pk = household.pk
    member_rows = _rows(Member, _ever_in_household(Member, pk))
    fact_rows = _rows(Fact, _ever_in_household(Fact, pk))
    income_rows = _rows(YearlyIncome, _ever_in_household(YearlyIncome, pk))
    survey_rows = _rows(Survey, _ever_in_household(Survey, pk))
    household_rows = _rows(Household, models.Q(id=pk))
    member_ids = _ever_in_household(Member, pk)
    year_rows = _rows(MemberYear, models.Q(member_id__in=member_ids))

    members_by_id = _group(member_rows)
    labels = _load_labels(household_rows, member_rows, fact_rows, survey_rows, members_by_id)

    entries: list[HistoryEntry] = []
    entries += _entries(household_rows, 0, labels, lambda row: "户信息")
    entries += _entries(
        member_rows, 1, labels, lambda row: f"成员 {row.name}", keep=lambda row, prev: _in(pk, row, prev)
    )
    entries += _entries(
        year_rows,
        2,
        labels,
        lambda row: f"成员 {labels.members.get(row.member_id, '')} {row.year}年度情况",
        keep=lambda row, prev: _member_was_in(pk, members_by_id.get(row.member_id, []), row.history_date),
    )
    entries += _entries(income_rows, 3, labels, lambda row: f"{row.year}年度收入", keep=lambda r, p: _in(pk, r, p))
    entries += _entries(fact_rows, 4, labels, lambda row: _fact_subject(row, labels), keep=lambda r, p: _in(pk, r, p))
    entries += _entries(
        survey_rows, 5, labels, lambda row: f"实地调查 {row.surveyed_on:%Y-%m-%d}", keep=lambda r, p: _in(pk, r, p)
    )
    entries.sort(key=lambda e: (e.when, e.order), reverse=True)
    return entries


def _ever_in_household(model: type[models.Model], household_pk: int):
    """Ids of the objects of ``model`` that belonged to the household at any recorded moment (a subquery)."""
    return model.history.model.objects.filter(household_id=household_pk).values("id")


def _rows(model: type[models.Model], condition) -> list:
    history_model = model.history.model
    if isinstance(condition, models.Q):
        queryset = history_model.objects.filter(condition)
    else:
        queryset = history_model.objects.filter(id__in=condition)
    return list(queryset.select_related("history_user").order_by("history_date", "history_id"))


def _group(rows: Iterable) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row.id].append(row)
    return grouped


def _in(household_pk: int, row, prev) -> bool:
    """Keep rows written while the object was in the household, and the row that moved it out."""
    return row.household_id == household_pk or (prev is not None and prev.household_id == household_pk)


def _member_was_in(household_pk: int, member_rows: list, when: datetime.datetime) -> bool:
    if not member_rows:
        return True
    index = bisect.bisect_right([row.history_date for row in member_rows], when) - 1
    return member_rows[max(index, 0)].household_id == household_pk


def _fact_subject(row, labels: _Labels) -> str:
    subject = f"事实：{row.get_kind_display()}"
    if row.member_id:
        subject += f"（{labels.members.get(row.member_id, '')}）"
    return subject


def _entries(
    rows: list,
    rank: int,
    labels: _Labels,
    subject: Callable[[Any], str],
    keep: Callable[[Any, Any], bool] = lambda row, prev: True,
) -> list[HistoryEntry]:
    entries = []
    previous: dict[int, Any] = {}
    for row in rows:
        prev = previous.get(row.id)
        previous[row.id] = row
        if not keep(row, prev):
            continue
        changes: list[FieldChange] | None = []
        if row.history_type == "~":
            if prev is None:
                changes = None
            else:
                changes = _diff(prev, row, labels)
                if not changes:
                    continue  # a save that changed nothing a person can read
        user = row.history_user
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=user.display_name if user else SYSTEM_USER,
                subject=subject(row),
                kind=KIND_LABELS.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
                changes=changes,
                order=(rank, row.history_id),
            )
        )
    return entries


def _diff(old, new, labels: _Labels) -> list[FieldChange]:
    changes = []
    for tracked in new.tracked_fields:
        if tracked.name in HIDDEN_FIELDS:
            continue
        before, after = getattr(old, tracked.attname), getattr(new, tracked.attname)
        if before == after:
            continue
        changes.append(
            FieldChange(str(tracked.verbose_name), _show(tracked, before, labels), _show(tracked, after, labels))
        )
    return changes


def _show(tracked: models.Field, value: Any, labels: _Labels) -> str:
    if isinstance(tracked, models.ForeignKey) and value is not None:
        names = {
            Area: labels.areas,
            Household: labels.households,
            Member: labels.members,
            User: labels.users,
        }.get(tracked.related_model, {})
        return names.get(value, f"#{value}")
    return display_value(tracked, value)


def _load_labels(household_rows, member_rows, fact_rows, survey_rows, members_by_id) -> _Labels:
    """One query per kind of object referred to, and only when something refers to it."""
    labels = _Labels()
    # A member is named by its latest recorded name.
    labels.members = {member_id: rows[-1].name for member_id, rows in members_by_id.items()}
    area_ids = {row.area_id for row in household_rows}
    household_ids = {row.household_id for row in member_rows + fact_rows}
    missing_members = {row.member_id for row in fact_rows if row.member_id} - labels.members.keys()
    user_ids = {row.created_by_id for row in fact_rows + survey_rows if row.created_by_id}
    if area_ids:
        for area in Area.objects.filter(pk__in=area_ids).select_related("parent"):
            labels.areas[area.pk] = f"{area.parent.name} {area.name}" if area.parent_id else area.name
    if household_ids:
        labels.households = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "number"))
    if missing_members:
        labels.members.update(Member.objects.filter(pk__in=missing_members).values_list("pk", "name"))
    if user_ids:
        labels.users = {user.pk: user.display_name for user in User.objects.filter(pk__in=user_ids)}
    return labels
