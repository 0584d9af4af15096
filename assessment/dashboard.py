"""工作进度: cases per stage, overdue tasks and windows, and progress against the campaign schedule, per township and
village of the user's scope, in a constant number of queries (cases, windows, phases, names, one per signal)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from households.models import Area

from .models import AdjustmentCase, Campaign, PublicityWindow
from .signals import dashboard_counts
from .workflow import OPEN_STAGES, Stage, stage_reached


@dataclass
class PhaseProgress:
    name: str
    deadline: datetime.date
    target_stage: str
    starts_on: datetime.date | None

    @property
    def target(self) -> str:
        return Stage(self.target_stage).label

    def state(self, share: float | None, today: datetime.date) -> str:
        if share is None:
            return "none"
        if share >= 1:
            return "done"
        if today > self.deadline:
            return "overdue"
        if self.starts_on and today < self.starts_on:
            return "waiting"
        return "running"


@dataclass
class Row:
    code: str
    name: str = ""
    stages: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    extras: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    overdue_windows: int = 0
    children: list[Row] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return sum(self.stages[s] for s in OPEN_STAGES)

    @property
    def total(self) -> int:
        return sum(self.stages.values())

    def stage_cells(self) -> list[int]:
        return [self.stages[s] for s in (*OPEN_STAGES, Stage.APPROVED, Stage.WITHDRAWN)]

    def share(self, target: str) -> float | None:
        """The share of the row's cases (withdrawn ones left out) that have reached ``target``."""
        counted = {s: n for s, n in self.stages.items() if s != Stage.WITHDRAWN and n}
        total = sum(counted.values())
        if not total:
            return None
        return sum(n for s, n in counted.items() if stage_reached(s, target)) / total

    def add(self, other: Row) -> None:
        for stage, n in other.stages.items():
            self.stages[stage] += n
        for key, n in other.extras.items():
            self.extras[key] += n
        self.overdue_windows += other.overdue_windows


@dataclass
class Dashboard:
    campaign: Campaign
    scope_code: str
    rows: list[Row]
    total: Row
    phases: list[PhaseProgress]
    extra_columns: list[tuple[str, str]]
    today: datetime.date

    @property
    def stage_labels(self) -> list[str]:
        return [Stage(s).label for s in (*OPEN_STAGES, Stage.APPROVED, Stage.WITHDRAWN)]

    def progress(self, row: Row) -> list[tuple[float | None, str]]:
        return [(row.share(p.target_stage), p.state(row.share(p.target_stage), self.today)) for p in self.phases]

    def phase_rows(self) -> list[tuple[PhaseProgress, tuple[float | None, str]]]:
        return list(zip(self.phases, self.progress(self.total), strict=True))

    def table_rows(self) -> list[dict]:
        """The table in display order: each township, then its villages; the total last."""
        rendered = []
        for row in self.rows:
            rendered.append(self._render(row, "township" if row.children else "village"))
            rendered.extend(self._render(child, "village") for child in row.children)
        if self.rows:
            rendered.append(self._render(self.total, "table-active fw-semibold"))
        return rendered

    def _render(self, row: Row, css: str) -> dict:
        return {
            "row": row,
            "css": css,
            "cells": row.stage_cells(),
            "extras": [row.extras[key] for key, _label in self.extra_columns],
            "progress": self.progress(row),
        }


def build_dashboard(campaign: Campaign, scope_code: str, *, today: datetime.date) -> Dashboard:
    """Rows per township (each with its villages) for a county scope; per village for a township scope."""
    by_township = len(scope_code) <= 6
    villages: dict[str, Row] = {}

    def village(code: str) -> Row:
        return villages.setdefault(code, Row(code))

    counts = (
        AdjustmentCase.objects.filter(campaign=campaign)
        .in_scope(scope_code)
        .values("household__village_code", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in counts:
        village(row["household__village_code"]).stages[row["stage"]] += row["n"]

    township_windows: dict[str, int] = defaultdict(int)
    windows = PublicityWindow.objects.filter(
        campaign=campaign, status=PublicityWindow.Status.OPEN, area_code__startswith=scope_code
    ).only("area_code", "open_date", "days", "needs_republish", "status")
    for window in windows:
        if window.is_overdue(today):
            if len(window.area_code) == 12:
                village(window.area_code).overdue_windows += 1
            else:
                township_windows[window.area_code[:9]] += 1

    extra_columns = []
    for _receiver, response in dashboard_counts.send(
        sender=Campaign, campaign=campaign, scope_code=scope_code, today=today
    ):
        if not response:
            continue
        extra_columns.append((response["key"], response["label"]))
        for code, n in response["villages"].items():
            village(code).extras[response["key"]] += n

    codes = set(villages) | {code[:9] for code in villages} | set(township_windows)
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    for code, row in villages.items():
        row.name = names.get(code, code)
    total = Row(scope_code, "合计")
    if by_township:
        townships: dict[str, Row] = {}
        for code in sorted(set(villages) | {c + "000" for c in township_windows}):
            township = townships.setdefault(code[:9], Row(code[:9], names.get(code[:9], code[:9])))
            if code in villages:
                township.children.append(villages[code])
                township.add(villages[code])
        for code, n in township_windows.items():
            townships[code].overdue_windows += n
        rows = [townships[code] for code in sorted(townships)]
    else:
        rows = [villages[code] for code in sorted(villages)]
        total.overdue_windows += sum(township_windows.values())
    for row in rows:
        total.add(row)
    phases = [
        PhaseProgress(p.name, p.deadline, p.target_stage, p.starts_on)
        for p in campaign.phases.exclude(target_stage="").order_by("position", "deadline")
    ]
    return Dashboard(campaign, scope_code, rows, total, phases, extra_columns, today)
