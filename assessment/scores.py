"""Township scores of one assessment: measured values, manual scores, the scoreboard, appeals and finalization.

Every township is measured together in a constant number of queries (rates: 2, overdue tasks: 1, windows: 2,
data-quality warnings: 3, survey completion: 3) and scored with the pure functions of ``scoring.py``. Once the
county office has finalized, the pages read the stored ``ScoreResult`` rows and nothing is computed again.
How each measured value is computed: docs/assessment-scores.md.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from households.choices import AreaLevel
from households.models import Area, Survey, User
from verification.models import VerificationTask

from . import scoring
from .models import AdjustmentCase, Campaign, EvaluationOutcome, EvaluationResult, EvaluationRun, PublicityWindow
from .rates import AreaRates, Rate
from .review_models import Assessment
from .review_rates import assessment_rates, county_code
from .score_models import (
    IndicatorRow,
    IndicatorTable,
    ManualScoreEntry,
    Measure,
    ScoreAppeal,
    ScoreResult,
    SupportingUnit,
    UnitResult,
)
from .workflow import Stage, stage_reached

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

MEASURE_UNITS = {
    Measure.IDENTIFICATION_ERROR: "%",
    Measure.MISSED: "%",
    Measure.WRONG_INCLUSION: "%",
    Measure.WRONG_EXIT: "%",
    Measure.SATISFACTION: "%",
    Measure.OVERDUE_TASKS: "项",
    Measure.OVERDUE_PUBLICITY: "项",
    Measure.DQ_WARNINGS: "条/百户",
    Measure.SURVEY_COMPLETION: "%",
}
HIGHER_IS_BETTER = frozenset({Measure.SATISFACTION, Measure.SURVEY_COMPLETION})
RATE_MEASURES = frozenset(
    {Measure.IDENTIFICATION_ERROR, Measure.MISSED, Measure.WRONG_INCLUSION, Measure.WRONG_EXIT, Measure.SATISFACTION}
)

# docs/assessment-methods.md §3.2: only the 2% (seed 002 附件1 第8条) and 90% targets come from the seeds and the
# issue; the county sets its own figures.
EXAMPLE_TABLE: tuple[dict[str, Any], ...] = (
    {
        "code": "identification_error",
        "name": "识别误差率",
        "weight": "20",
        "measure": Measure.IDENTIFICATION_ERROR,
        "target": "2",
        "bound": "5",
    },
    {
        "code": "wrong_exit",
        "name": "错退率",
        "weight": "10",
        "measure": Measure.WRONG_EXIT,
        "target": "0",
        "bound": "3",
    },
    {
        "code": "satisfaction",
        "name": "群众认可度",
        "weight": "15",
        "measure": Measure.SATISFACTION,
        "target": "90",
        "bound": "70",
    },
    {
        "code": "overdue_tasks",
        "name": "逾期部门核查任务",
        "weight": "10",
        "measure": Measure.OVERDUE_TASKS,
        "target": "0",
        "bound": "20",
    },
    {
        "code": "overdue_publicity",
        "name": "逾期公示",
        "weight": "5",
        "measure": Measure.OVERDUE_PUBLICITY,
        "target": "0",
        "bound": "5",
    },
    {
        "code": "dq_warnings",
        "name": "数据质量预警",
        "weight": "10",
        "measure": Measure.DQ_WARNINGS,
        "target": "1",
        "bound": "11",
    },
    {
        "code": "survey_completion",
        "name": "调查完成率",
        "weight": "10",
        "measure": Measure.SURVEY_COMPLETION,
        "target": "100",
        "bound": "50",
    },
    {"code": "funds", "name": "扶贫资金使用监管", "weight": "10", "measure": Measure.MANUAL},
    {"code": "archives", "name": "扶贫档案管理", "weight": "10", "measure": Measure.MANUAL},
)


class ScoreError(Exception):
    """A refused action (an appeal after the deadline, finalizing with a pending appeal …), in Chinese."""

    def __init__(self, problems: str | Sequence[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("；".join(self.problems))


class ScoreConflict(ScoreError):
    """Someone saved the same thing after this form was opened (optimistic locking)."""


def example_rows() -> list[dict[str, Any]]:
    """The example table of docs/assessment-methods.md §3.2 as form rows (units and directions filled in)."""
    rows = []
    for position, row in enumerate(EXAMPLE_TABLE, start=1):
        measure = row["measure"]
        values = {"position": position, "unit": MEASURE_UNITS.get(measure, ""), "direction": "", **row}
        if measure != Measure.MANUAL:
            values["direction"] = (
                IndicatorRow.Direction.HIGHER if measure in HIGHER_IS_BETTER else IndicatorRow.Direction.LOWER
            )
        rows.append(values)
    return rows


# ---- the indicator table ----


def get_table(assessment: Assessment) -> IndicatorTable | None:
    return IndicatorTable.objects.filter(assessment=assessment).first()


def table_rows(table: IndicatorTable | None) -> list[IndicatorRow]:
    return list(table.rows.order_by("position", "pk")) if table else []


def to_indicator(row: IndicatorRow) -> scoring.Indicator:
    rule = None
    if not row.is_manual:
        rule = scoring.PointsRule(
            row.target if row.target is not None else Decimal(0),
            row.bound if row.bound is not None else Decimal(0),
            row.direction,
        )
    return scoring.Indicator(row.code, row.name, row.weight, rule, row.unit)


def table_problems(rows: Sequence[IndicatorRow]) -> list[str]:
    """Everything that keeps the table from being used, in Chinese (scoring's checks and the rows' own)."""
    problems = []
    for row in rows:
        name = row.name or row.code
        if row.is_manual:
            continue
        if row.measure not in Measure.values:
            problems.append(f"指标「{name}」的计分方式无效")
        missing = [label for label, value in (("满分界限", row.target), ("零分界限", row.bound)) if value is None]
        if missing:
            problems.append(f"指标「{name}」按实测计分，须填写{'和'.join(missing)}")
        if not row.direction:
            problems.append(f"指标「{name}」按实测计分，须选择方向（越低越好或越高越好）")
    # A blank direction is reported above; scoring's own message for it would repeat it.
    checked = scoring.indicator_table_problems([to_indicator(r) for r in rows])
    return problems + [p for p in checked if "未知的计分方向" not in p]


@transaction.atomic
def save_indicator_table(
    assessment: Assessment,
    *,
    rows: Sequence[dict[str, Any]],
    as_of: datetime.date,
    expected_version: int | None,
    by: User,
) -> IndicatorTable:
    """Replace the table's rows; refused when the scores are final, the table is invalid or someone saved since."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.scores_final:
        raise ScoreError("得分已确定，指标表不能再修改")
    table = IndicatorTable.objects.select_for_update().filter(assessment=locked).first()
    if table is not None and expected_version is not None and table.version != expected_version:
        raise ScoreConflict(f"指标表已被他人修改（现为第{table.version}版），请刷新页面后重新修改")
    built = [IndicatorRow(**row) for row in rows]
    for position, row in enumerate(built, start=1):
        row.position = position
        if row.is_manual:
            row.direction, row.target, row.bound = "", None, None
    problems = table_problems(built)
    if problems:
        raise ScoreError(problems)
    if table is None:
        table = IndicatorTable.objects.create(assessment=locked, as_of=as_of, updated_by=by)
    else:
        table.as_of = as_of
        table.version += 1
        table.updated_by = by
        table.save(update_fields=["as_of", "version", "updated_by", "updated_at"])
        table.rows.all().delete()
    for row in built:
        row.table = table
    IndicatorRow.objects.bulk_create(built)
    return table


# ---- what the measured values are, per township ----


@dataclass(frozen=True, slots=True)
class Item:
    """Something behind a measured value: a household (its number), a task or a publicity window."""

    kind: str  # "household" | "task" | "window"
    key: str
    label: str
    household: str = ""  # the household a task concerns (its page is where the township can look)

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "label": self.label, "household": self.household}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Item:
        return cls(data["kind"], data["key"], data["label"], data.get("household", ""))


@dataclass(frozen=True, slots=True)
class Measured:
    """A township's measured value (None: no data) with the items behind it and how it was counted."""

    value: Decimal | None
    items: tuple[Item, ...] = ()
    basis: str = ""
    note: str = ""


def reference_date(table: IndicatorTable | None, today: datetime.date) -> datetime.date:
    """The date overdue things are counted at: the table's 统计截止日期, or today while it is still ahead."""
    return min(table.as_of, today) if table else today


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def _percent(found: int, of: int) -> Decimal:
    return Decimal(found) * HUNDRED / Decimal(of)


def measure_rates(
    by_township: dict[str, AreaRates], codes: Iterable[str], measures: set[str]
) -> dict[str, dict[str, Measured]]:
    """The rates of rates.py as percentages, with the households behind the numerator (or, for 群众认可度, the
    respondents who did not approve)."""
    result: dict[str, dict[str, Measured]] = defaultdict(dict)
    for code in codes:
        rates = by_township.get(code)
        for measure in measures & RATE_MEASURES:
            rate: Rate | None = getattr(rates, measure) if rates else None
            if rate is None or rate.sampled == 0:
                note = "该乡镇没有民意测评" if measure == Measure.SATISFACTION else "该乡镇没有抽查样本"
                result[code][measure] = Measured(None, note=note)
                continue
            if measure == Measure.SATISFACTION:
                behind = sorted(set(rate.sampled_households) - set(rate.found_households))
                items = tuple(Item("household", n, f"{n}（不满意）") for n in behind)
                basis = f"{rate.found} / {rate.sampled} 户满意或基本满意"
            else:
                labels = _result_labels(rates)
                items = tuple(Item("household", n, f"{n}（{labels.get(n, '')}）") for n in rate.found_households)
                basis = f"{rate.found} / {rate.sampled} 户"
            result[code][measure] = Measured(_percent(rate.found, rate.sampled), items, basis)
    return result


def _result_labels(rates: AreaRates) -> dict[str, str]:
    labels = {}
    for rate, label in ((rates.missed, "漏评"), (rates.wrong_inclusion, "错评"), (rates.wrong_exit, "错退")):
        for number in rate.found_households:
            labels[number] = label
    return labels


def overdue_tasks(codes: Sequence[str], on: datetime.date) -> dict[str, list[Item]]:
    """Department tasks of the townships' households that were past their due date and not done at the end of
    ``on``: still pending, or closed after that day (one query)."""
    rows = (
        VerificationTask.objects.filter(household__township_code__in=codes, due_on__lt=on)
        .filter(
            Q(status__in=VerificationTask.PENDING)
            | Q(status=VerificationTask.Status.CLOSED, closed_at__gte=_end_of(on))
        )
        .order_by("due_on", "pk")
        .values_list("pk", "due_on", "household__number", "household__township_code", "department__name")
    )
    found: dict[str, list[Item]] = defaultdict(list)
    for pk, due_on, number, township, department in rows:
        label = f"核查任务 #{pk}（{department}，户 {number}，期限 {due_on:%Y-%m-%d}）"
        found[township].append(Item("task", str(pk), label, number))
    return found


def assessment_campaign(assessment: Assessment) -> Campaign | None:
    return Campaign.objects.filter(year=assessment.year).first()


def overdue_windows(campaign: Campaign, codes: Sequence[str], on: datetime.date) -> dict[str, list[Item]]:
    """The campaign's publicity windows (village or township level) overdue at the end of ``on``: open past their
    last day or changed and not published again (``PublicityWindow.is_overdue``, as the dashboard counts them),
    or closed only after ``on`` although their last day was before it (one query)."""
    windows = (
        PublicityWindow.objects.filter(campaign=campaign)
        .filter(
            Q(status=PublicityWindow.Status.OPEN) | Q(status=PublicityWindow.Status.CLOSED, closed_at__gte=_end_of(on))
        )
        .only("pk", "title", "area_code", "status", "open_date", "days", "needs_republish")
        .order_by("area_code", "pk")
    )
    wanted = set(codes)
    found: dict[str, list[Item]] = defaultdict(list)
    for window in windows:
        township = window.area_code[:9]
        if township not in wanted or window.open_date is None or window.open_date > on:
            continue
        last_day = window.last_day
        if window.status == PublicityWindow.Status.OPEN:
            overdue = window.is_overdue(on)
        else:
            overdue = last_day is not None and last_day < on
        if overdue:
            why = (
                "名单变更未重新公示" if window.needs_republish and window.status == "open" else f"应于 {last_day} 结束"
            )
            found[township].append(Item("window", str(window.pk), f"{window.title}（{why}）"))
    return found


def dq_warnings(codes: Sequence[str]) -> dict[str, Measured]:
    """Data-quality warnings (DQ*) per 100 households in the latest finished evaluation run covering each township
    (a run of the whole registry, the county or the township), over the households that run evaluated there
    (three queries)."""
    runs = EvaluationRun.objects.filter(status=EvaluationRun.Status.FINISHED).order_by("-finished_at", "-pk")
    chosen: dict[str, int] = {}
    runs_list = list(runs.values_list("pk", "area_code"))
    for code in codes:
        for pk, area_code in runs_list:
            if len(area_code) <= 9 and code.startswith(area_code):
                chosen[code] = pk
                break
    result: dict[str, Measured] = {}
    if not chosen:
        return {code: Measured(None, note="没有已完成的评估批次") for code in codes}
    run_ids = set(chosen.values())
    counted = (
        EvaluationResult.objects.filter(run_id__in=run_ids, household__township_code__in=list(chosen))
        .values("run_id", "household__township_code")
        # One result per household and run: counting the household lets PostgreSQL read only the (run, household)
        # index (bench/README.md, assessment benchmark).
        .annotate(n=Count("household"))
        .order_by()
    )
    households = {
        row["household__township_code"]: row["n"]
        for row in counted
        if chosen.get(row["household__township_code"]) == row["run_id"]
    }
    warnings: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        EvaluationOutcome.objects.filter(
            run_id__in=run_ids, code__startswith="DQ", household__township_code__in=list(chosen)
        )
        .order_by("household__number", "code")
        .values_list("run_id", "household__township_code", "household__number", "code")
    )
    for run_id, township, number, code in rows:
        if chosen.get(township) == run_id:
            warnings[township][number].append(code)
    for code in codes:
        if code not in chosen:
            result[code] = Measured(None, note="没有覆盖该乡镇的已完成评估批次")
            continue
        total = households.get(code, 0)
        if total == 0:
            result[code] = Measured(None, note=f"评估批次 #{chosen[code]} 没有该乡镇的农户")
            continue
        found = warnings.get(code, {})
        count = sum(len(v) for v in found.values())
        items = tuple(Item("household", n, f"{n}（{'、'.join(found[n])}）") for n in sorted(found))
        basis = f"评估批次 #{chosen[code]}：{count} 条 / {total} 户"
        result[code] = Measured(scoring.per_hundred(count, total), items, basis)
    return result


def survey_deadline(campaign: Campaign) -> datetime.date | None:
    """The deadline by which the schedule wants the field survey done: the first phase whose target stage lies past
    实地调查 (the seed 003 schedule: 动态管理和信息采集, 10-15)."""
    phases = campaign.phases.exclude(target_stage="").order_by("deadline", "position")
    for phase in phases:
        if phase.target_stage in Stage.values and stage_reached(phase.target_stage, Stage.DEPARTMENT_REVIEW):
            return phase.deadline
    return None


def survey_completion(campaign: Campaign, codes: Sequence[str]) -> dict[str, Measured]:
    """Households of the campaign's cases (not withdrawn, opened by the survey deadline) with a survey record dated
    from the campaign's start to the deadline, as a share of those households (three queries)."""
    deadline = survey_deadline(campaign)
    if deadline is None:
        return {code: Measured(None, note="进度安排中没有入户调查的截止日期") for code in codes}
    cases = (
        AdjustmentCase.objects.filter(
            campaign=campaign, household__township_code__in=codes, opened_at__lt=_end_of(deadline)
        )
        .exclude(stage=Stage.WITHDRAWN)
        .values_list("household_id", "household__number", "household__township_code")
        .distinct()
    )
    due: dict[str, dict[int, str]] = defaultdict(dict)
    for household_id, number, township in cases:
        due[township][household_id] = number
    ids = [pk for households in due.values() for pk in households]
    done = (
        set(
            Survey.objects.filter(
                household_id__in=ids, surveyed_on__gte=campaign.starts_on, surveyed_on__lte=deadline
            ).values_list("household_id", flat=True)
        )
        if ids
        else set()
    )
    result = {}
    for code in codes:
        households = due.get(code, {})
        if not households:
            result[code] = Measured(HUNDRED, basis="无应调查户", note=f"调查截止 {deadline}")
            continue
        finished = [pk for pk in households if pk in done]
        late = sorted(number for pk, number in households.items() if pk not in done)
        items = tuple(Item("household", n, f"{n}（{deadline} 前未完成入户调查）") for n in late)
        basis = f"{len(finished)} / {len(households)} 户，截止 {deadline}"
        result[code] = Measured(_percent(len(finished), len(households)), items, basis)
    return result


def measure_townships(
    assessment: Assessment, rows: Sequence[IndicatorRow], codes: Sequence[str], *, on: datetime.date
) -> dict[str, dict[str, Measured]]:
    """township code → measure → Measured, for the measures the table uses (a constant number of queries)."""
    measures = {row.measure for row in rows if not row.is_manual}
    result: dict[str, dict[str, Measured]] = {code: {} for code in codes}
    if measures & RATE_MEASURES:
        by_township, _county = assessment_rates(assessment)
        for code, values in measure_rates(by_township, codes, set(measures)).items():
            result[code].update(values)
    if Measure.OVERDUE_TASKS in measures:
        tasks = overdue_tasks(codes, on)
        for code in codes:
            items = tuple(tasks.get(code, ()))
            result[code][Measure.OVERDUE_TASKS] = Measured(Decimal(len(items)), items, f"{len(items)} 项，统计至 {on}")
    campaign = None
    if measures & {Measure.OVERDUE_PUBLICITY, Measure.SURVEY_COMPLETION}:
        campaign = assessment_campaign(assessment)
    if Measure.OVERDUE_PUBLICITY in measures:
        windows = overdue_windows(campaign, codes, on) if campaign else {}
        for code in codes:
            if campaign is None:
                result[code][Measure.OVERDUE_PUBLICITY] = Measured(
                    None, note=f"没有 {assessment.year} 年度的动态管理工作"
                )
                continue
            items = tuple(windows.get(code, ()))
            result[code][Measure.OVERDUE_PUBLICITY] = Measured(
                Decimal(len(items)), items, f"{len(items)} 项，统计至 {on}"
            )
    if Measure.DQ_WARNINGS in measures:
        for code, measured in dq_warnings(codes).items():
            result[code][Measure.DQ_WARNINGS] = measured
    if Measure.SURVEY_COMPLETION in measures:
        if campaign is None:
            for code in codes:
                result[code][Measure.SURVEY_COMPLETION] = Measured(
                    None, note=f"没有 {assessment.year} 年度的动态管理工作"
                )
        else:
            for code, measured in survey_completion(campaign, codes).items():
                result[code][Measure.SURVEY_COMPLETION] = measured
    return result


# ---- the scoreboard ----


def value_text(value: Decimal | None, row_target: Decimal | None = None, row_bound: Decimal | None = None) -> str:
    """A whole number as it is (4); else two places, half up, or three when two would show a threshold the exact
    value is not (2.001 with a target of 2 → 2.001)."""
    if value is None:
        return "—"
    shown = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if shown != value and shown in {row_target, row_bound}:
        shown = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{shown:f}"


def number_text(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass
class Line:
    """One indicator of one township as the pages show it (and as a final result stores it)."""

    code: str
    name: str
    measure: str
    weight: Decimal
    points: Decimal
    value: Decimal | None = None
    value_text: str = "—"
    unit: str = ""
    rule: str = ""
    basis: str = ""
    note: str = ""
    items: tuple[Item, ...] = ()

    @property
    def lost(self) -> Decimal:
        return self.weight - self.points

    @property
    def measure_label(self) -> str:
        return Measure(self.measure).label if self.measure in Measure.values else self.measure

    @property
    def is_manual(self) -> bool:
        return self.measure == Measure.MANUAL

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "measure": self.measure,
            "weight": str(self.weight),
            "points": str(self.points),
            "value": None if self.value is None else str(self.value),
            "value_text": self.value_text,
            "unit": self.unit,
            "rule": self.rule,
            "basis": self.basis,
            "note": self.note,
            "items": [item.as_json() for item in self.items],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        return cls(
            code=data["code"],
            name=data["name"],
            measure=data["measure"],
            weight=Decimal(data["weight"]),
            points=Decimal(data["points"]),
            value=None if data.get("value") is None else Decimal(data["value"]),
            value_text=data.get("value_text", "—"),
            unit=data.get("unit", ""),
            rule=data.get("rule", ""),
            basis=data.get("basis", ""),
            note=data.get("note", ""),
            items=tuple(Item.from_json(item) for item in data.get("items", [])),
        )


def rule_text(row: IndicatorRow) -> str:
    if row.is_manual:
        return f"手工打分（0–{number_text(row.weight)} 分）"
    if row.target is None or row.bound is None:
        return ""
    unit = row.unit
    if row.direction == IndicatorRow.Direction.HIGHER:
        return f"≥ {number_text(row.target)}{unit} 满分，≤ {number_text(row.bound)}{unit} 不得分"
    return f"≤ {number_text(row.target)}{unit} 满分，≥ {number_text(row.bound)}{unit} 不得分"


@dataclass
class TownshipBoard:
    code: str
    name: str
    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    total: Decimal | None = None
    grade: str = ""
    rank: int | None = None
    performance: Decimal | None = None

    @property
    def scored(self) -> bool:
        return self.total is not None

    @property
    def grade_label(self) -> str:
        return scoring.GRADE_LABELS.get(self.grade, "")

    @property
    def weight_total(self) -> Decimal:
        return sum((line.weight for line in self.lines), Decimal(0))

    @property
    def lost(self) -> Decimal:
        return sum((line.lost for line in self.lines), Decimal("0.00"))

    @property
    def deductions(self) -> list[Line]:
        lost = [(i, line) for i, line in enumerate(self.lines) if line.lost > 0]
        return [line for _, line in sorted(lost, key=lambda pair: (-pair[1].lost, pair[0]))]


@dataclass
class UnitBoard:
    name: str
    township_code: str
    township_name: str
    upper_level: bool
    total: Decimal | None = None
    performance: Decimal | None = None

    @property
    def factor(self) -> int:
        return 3 if self.upper_level else 2


@dataclass
class Board:
    assessment: Assessment
    final: bool
    townships: list[TownshipBoard]
    units: list[UnitBoard]
    table: IndicatorTable | None = None
    rows: list[IndicatorRow] = field(default_factory=list)
    table_problems: list[str] = field(default_factory=list)
    on: datetime.date | None = None

    def township(self, code: str) -> TownshipBoard | None:
        return next((t for t in self.townships if t.code == code), None)


def county_townships(assessment: Assessment) -> list[Area]:
    """The townships assessed: every township of the county (SPEC §1 codes), by code."""
    county = county_code()
    return list(Area.objects.filter(level=AreaLevel.TOWNSHIP, code__startswith=county).order_by("code"))


def build_board(assessment: Assessment, *, today: datetime.date) -> Board:
    """The stored results when the scores are final; otherwise every township scored now."""
    if assessment.scores_final:
        return stored_board(assessment)
    return live_board(assessment, today=today)


def live_board(assessment: Assessment, *, today: datetime.date) -> Board:
    table = get_table(assessment)
    rows = table_rows(table)
    problems = table_problems(rows) if table else ["县扶贫办尚未设置考核指标表"]
    townships = county_townships(assessment)
    on = reference_date(table, today)
    boards = [TownshipBoard(area.code, area.name) for area in townships]
    if not problems:
        codes = [area.code for area in townships]
        measured = measure_townships(assessment, rows, codes, on=on)
        manual = manual_entries(assessment, rows)
        indicators = [to_indicator(row) for row in rows]
        for board in boards:
            _score(board, rows, indicators, measured[board.code], manual.get(board.code, {}))
        ranked = scoring.rank({b.code: b.total for b in boards if b.total is not None})
        ranks = {r.key: r.rank for r in ranked}
        for board in boards:
            if board.total is not None:
                board.rank = ranks[board.code]
                board.performance = scoring.performance_score(board.total)
    boards.sort(key=lambda b: (b.rank is None, b.rank or 0, b.code))
    totals = {b.code: b.total for b in boards if b.total is not None}
    names = {area.code: area.name for area in townships}
    units = []
    for unit in SupportingUnit.objects.filter(assessment=assessment).select_related("township"):
        total = totals.get(unit.township.code)
        performance = scoring.performance_score(total, upper_level=unit.upper_level) if total is not None else None
        name = names.get(unit.township.code, unit.township.name)
        units.append(UnitBoard(unit.name, unit.township.code, name, unit.upper_level, total, performance))
    units.sort(key=lambda u: (u.township_code, u.name))
    return Board(assessment, False, boards, units, table, rows, problems, on)


def manual_entries(assessment: Assessment, rows: Sequence[IndicatorRow]) -> dict[str, dict[str, ManualScoreEntry]]:
    """township code → indicator code → entry, for the manual indicators of the table (one query)."""
    manual_codes = [row.code for row in rows if row.is_manual]
    found: dict[str, dict[str, ManualScoreEntry]] = defaultdict(dict)
    if not manual_codes:
        return found
    entries = ManualScoreEntry.objects.filter(assessment=assessment, indicator_code__in=manual_codes).select_related(
        "township", "scored_by"
    )
    for entry in entries:
        found[entry.township.code][entry.indicator_code] = entry
    return found


def _score(
    board: TownshipBoard,
    rows: Sequence[IndicatorRow],
    indicators: Sequence[scoring.Indicator],
    measured: dict[str, Measured],
    manual: dict[str, ManualScoreEntry],
) -> None:
    measurements: dict[str, scoring.Measurement] = {}
    manual_scores: dict[str, scoring.ManualScore] = {}
    extra: dict[str, Measured] = {}
    for row in rows:
        if row.is_manual:
            entry = manual.get(row.code)
            if entry is None:
                board.problems.append(f"指标「{row.name}」尚未打分")
            else:
                manual_scores[row.code] = scoring.ManualScore(entry.points, entry.note)
            continue
        value = measured.get(row.measure, Measured(None, note="没有实测值"))
        extra[row.code] = value
        if value.value is not None:
            measurements[row.code] = scoring.Measurement(value.value, tuple(item.key for item in value.items))
        elif row.if_no_data == IndicatorRow.NoData.FULL:
            # 无样本不扣分: scored as meeting the target, shown without a value.
            measurements[row.code] = scoring.Measurement(row.target)
        else:
            board.problems.append(f"指标「{row.name}」无法计分：{value.note}")
    if board.problems:
        return
    try:
        score = scoring.score_township(board.code, indicators, measurements=measurements, manual=manual_scores)
    except scoring.ScoringInputError as error:
        board.problems.extend(error.problems)
        return
    for row, line in zip(rows, score.lines, strict=True):
        value = extra.get(row.code)
        no_data = value is not None and value.value is None
        board.lines.append(
            Line(
                code=row.code,
                name=row.name,
                measure=row.measure,
                weight=line.weight,
                points=line.points,
                value=None if no_data else line.value,
                value_text="无样本" if no_data else value_text(line.value, row.target, row.bound),
                unit="" if row.is_manual else row.unit,
                rule=rule_text(row),
                basis=(f"{value.note}，不扣分" if no_data else value.basis) if value else "",
                note=line.note,
                items=value.items if value else (),
            )
        )
    board.total = score.total
    board.grade = score.grade


def stored_board(assessment: Assessment) -> Board:
    """The results written at finalization (two queries)."""
    boards = [
        TownshipBoard(
            result.township.code,
            result.township_name,
            lines=[Line.from_json(line) for line in result.lines],
            total=result.total,
            grade=result.grade,
            rank=result.rank,
            performance=result.performance,
        )
        for result in ScoreResult.objects.filter(assessment=assessment).select_related("township")
    ]
    boards.sort(key=lambda b: (b.rank, b.code))
    units = [
        UnitBoard(u.name, u.township_code, u.township_name, u.upper_level, u.total, u.performance)
        for u in UnitResult.objects.filter(assessment=assessment)
    ]
    return Board(assessment, True, boards, units)


# ---- manual scores ----


@dataclass(frozen=True)
class ManualInput:
    township: Area
    points: Decimal | None
    note: str
    version: int  # 0 = there was no score when the form was opened


@transaction.atomic
def save_manual_scores(
    assessment: Assessment, *, indicator: IndicatorRow, inputs: Sequence[ManualInput], by: User
) -> int:
    """Save one manual indicator's points for the townships; all or nothing. A score changed by someone else since
    the form was opened is a conflict (nothing saved); a blank points field removes the score."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.scores_final:
        raise ScoreError("得分已确定，不能再修改")
    if not indicator.is_manual:
        raise ScoreError(f"指标「{indicator.name}」按实测计分，不能手工打分")
    stored = {
        e.township_id: e
        for e in ManualScoreEntry.objects.select_for_update().filter(assessment=locked, indicator_code=indicator.code)
    }
    conflicts = [
        i.township.name
        for i in inputs
        if (stored[i.township.pk].version if i.township.pk in stored else 0) != i.version
    ]
    if conflicts:
        raise ScoreConflict(f"{'、'.join(conflicts)}的得分已被他人修改，请刷新页面后重新录入")
    changed = 0
    for given in inputs:
        entry = stored.get(given.township.pk)
        if given.points is None:
            if entry is not None:
                entry.delete()
                changed += 1
            continue
        if not 0 <= given.points <= indicator.weight:
            raise ScoreError(f"{given.township.name}的得分应在 0 到 {number_text(indicator.weight)} 分之间")
        if given.points < indicator.weight and not given.note.strip():
            # A township sees its deductions and may appeal them: each one needs its reason (the form asks too).
            raise ScoreError(f"{given.township.name}扣分了，请填写扣分说明")
        if entry is None:
            try:
                with transaction.atomic():
                    ManualScoreEntry.objects.create(
                        assessment=locked,
                        township=given.township,
                        indicator_code=indicator.code,
                        points=given.points,
                        note=given.note,
                        scored_by=by,
                    )
            except IntegrityError:  # someone scored the same township at the same moment
                raise ScoreConflict(f"{given.township.name}的得分已被他人录入，请刷新页面后重新录入") from None
            changed += 1
        elif entry.points != given.points or entry.note != given.note:
            entry.points, entry.note, entry.scored_by = given.points, given.note, by
            entry.version += 1
            entry.save()
            changed += 1
    return changed


@transaction.atomic
def save_units(assessment: Assessment, *, units: Sequence[tuple[str, Area, bool]]) -> int:
    """Replace the supporting units (name, township supported, upper level); refused once the scores are final."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.scores_final:
        raise ScoreError("得分已确定，帮扶单位不能再修改")
    SupportingUnit.objects.filter(assessment=locked).delete()
    SupportingUnit.objects.bulk_create(
        SupportingUnit(assessment=locked, name=name, township=township, upper_level=upper)
        for name, township, upper in units
    )
    return len(units)


# ---- appeals ----


def appeal_closed_reason(assessment: Assessment, today: datetime.date) -> str:
    """Why a township cannot appeal now ("" when it can): after final, or after the deadline (inclusive)."""
    if assessment.scores_final:
        return "得分已确定，不能再申诉"
    if assessment.appeal_deadline and today > assessment.appeal_deadline:
        return f"申诉已于 {assessment.appeal_deadline:%Y-%m-%d} 截止"
    return ""


@transaction.atomic
def submit_appeal(
    assessment: Assessment,
    *,
    township: Area,
    indicator: IndicatorRow,
    reason: str,
    evidence=None,
    by: User,
    today: datetime.date,
) -> ScoreAppeal:
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    closed = appeal_closed_reason(locked, today)
    if closed:
        raise ScoreError(closed)
    if not reason.strip():
        raise ScoreError("请填写申诉理由")
    appeal = ScoreAppeal(
        assessment=locked,
        township=township,
        indicator_code=indicator.code,
        indicator_name=indicator.name,
        reason=reason.strip(),
        submitted_by=by,
    )
    if evidence is not None:
        appeal.evidence_name = evidence.name[:200]
        appeal.evidence.save(evidence.name, evidence, save=False)
    appeal.save()
    return appeal


def decide_appeal(appeal: ScoreAppeal, *, accept: bool, response: str, by: User) -> ScoreAppeal:
    """The county office's decision with its response; a conditional update, so two people cannot both decide."""
    if not response.strip():
        raise ScoreError("请填写处理意见（采纳时写明修改了什么，如手工得分或抽查改判）")
    status = ScoreAppeal.Status.ACCEPTED if accept else ScoreAppeal.Status.REJECTED
    with transaction.atomic():
        if Assessment.objects.filter(pk=appeal.assessment_id, scores_final=True).exists():
            raise ScoreError("得分已确定，不能再处理申诉")
        updated = ScoreAppeal.objects.filter(pk=appeal.pk, status=ScoreAppeal.Status.PENDING).update(
            status=status, response=response.strip(), decided_by=by, decided_at=timezone.now()
        )
    if not updated:
        raise ScoreConflict("该申诉已由他人处理，请刷新页面")
    appeal.refresh_from_db()
    return appeal


# ---- finalization ----


def finalize_problems(board: Board, pending_appeals: int) -> list[str]:
    """Every reason the scores cannot be made final yet, in Chinese."""
    if board.final:
        return ["得分已确定"]
    problems = list(board.table_problems)
    if pending_appeals:
        problems.append(f"还有 {pending_appeals} 件申诉待处理")
    if not board.townships:
        problems.append("没有要考核的乡镇")
    for township in board.townships:
        problems += [f"{township.name}：{problem}" for problem in township.problems]
    for unit in board.units:
        if unit.total is None:
            problems.append(f"帮扶单位「{unit.name}」帮扶的镇没有考核得分")
    return problems


def pending_appeal_count(assessment: Assessment) -> int:
    return ScoreAppeal.objects.filter(assessment=assessment, status=ScoreAppeal.Status.PENDING).count()


def finalize(assessment: Assessment, *, by: User, today: datetime.date) -> Board:
    """Write every township's and unit's result in one transaction and mark the scores final; refused (ScoreError
    with every reason) while the table is invalid, a township cannot be scored or an appeal is pending."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.scores_final:
            raise ScoreError("得分已确定")
        board = live_board(locked, today=today)
        problems = finalize_problems(board, pending_appeal_count(locked))
        if problems:
            raise ScoreError(problems)
        ScoreResult.objects.bulk_create(
            ScoreResult(
                assessment=locked,
                township_id=area_id,
                township_name=township.name,
                total=township.total,
                grade=township.grade,
                rank=township.rank,
                performance=township.performance,
                lines=[line.as_json() for line in township.lines],
            )
            for township, area_id in _with_area_ids(board.townships)
        )
        UnitResult.objects.bulk_create(
            UnitResult(
                assessment=locked,
                name=unit.name,
                township_code=unit.township_code,
                township_name=unit.township_name,
                upper_level=unit.upper_level,
                total=unit.total,
                performance=unit.performance,
            )
            for unit in board.units
        )
        locked.scores_final = True
        locked.finalized_at = timezone.now()
        locked.finalized_by = by
        locked.save(update_fields=["scores_final", "finalized_at", "finalized_by"])
    assessment.refresh_from_db()
    return stored_board(assessment)


def _with_area_ids(townships: Sequence[TownshipBoard]) -> list[tuple[TownshipBoard, int]]:
    ids = dict(Area.objects.filter(code__in=[t.code for t in townships]).values_list("code", "pk"))
    return [(t, ids[t.code]) for t in townships]
