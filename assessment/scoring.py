"""Township scores: the indicator table, points, grades, ranking and the final performance score (issue 6, seed 002
§六–§八).

Pure functions over plain data: no Django, no database, no clock. Scores are ``Decimal`` with two places and
compare exactly. Formulas and interpretations: docs/assessment-methods.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "GRADE_LABELS",
    "Direction",
    "Grade",
    "Indicator",
    "IndicatorLine",
    "IndicatorTableError",
    "ManualScore",
    "Measurement",
    "PointsRule",
    "Ranked",
    "ScoringInputError",
    "TownshipScore",
    "check_indicator_table",
    "grade",
    "indicator_table_problems",
    "per_hundred",
    "performance_score",
    "rank",
    "score_township",
    "totals",
    "unit_scores",
]

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _points(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value: Decimal) -> str:
    """A score or weight without trailing zeros: 100, 12.5, 87.25."""
    return f"{value.normalize():f}"


# ---- the indicator table ----


class Direction:
    LOWER_IS_BETTER = "lower"
    HIGHER_IS_BETTER = "higher"


@dataclass(frozen=True, slots=True)
class PointsRule:
    """Full points at or better than ``target``, none at or worse than ``bound``, linear in between.

    Lower is better (error rates, overdue items, warnings per 100 households): needs bound ≥ target. Higher is
    better (satisfaction, completion): needs bound ≤ target. bound = target is a step: full points when the target
    is met, none otherwise.
    """

    target: Decimal
    bound: Decimal
    direction: str = Direction.LOWER_IS_BETTER

    def problems(self) -> list[str]:
        if self.direction == Direction.LOWER_IS_BETTER:
            return [] if self.bound >= self.target else ["越低越好的指标，扣完分的界限应不低于满分界限"]
        if self.direction == Direction.HIGHER_IS_BETTER:
            return [] if self.bound <= self.target else ["越高越好的指标，扣完分的界限应不高于满分界限"]
        return [f"未知的计分方向「{self.direction}」"]

    def points(self, value: Decimal, weight: Decimal) -> Decimal:
        """weight × (bound − value) / (bound − target), clipped to [0, weight], rounded half up to 0.01."""
        lower = self.direction == Direction.LOWER_IS_BETTER
        if value <= self.target if lower else value >= self.target:
            return _points(weight)
        if value >= self.bound if lower else value <= self.bound:
            return Decimal("0.00")
        return _points(weight * (self.bound - value) / (self.bound - self.target))


@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of the county's indicator table; ``rule`` is None for a manually scored indicator."""

    code: str
    name: str
    weight: Decimal
    rule: PointsRule | None = None
    # What the measured value is, for the deductions list: "%", "项", "条/百户" …
    unit: str = ""

    @property
    def measured(self) -> bool:
        return self.rule is not None


class IndicatorTableError(ValueError):
    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("；".join(self.problems))


class ScoringInputError(ValueError):
    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("；".join(self.problems))


def indicator_table_problems(indicators: Sequence[Indicator]) -> list[str]:
    """Every reason the table cannot be used, in Chinese; empty when the table is valid."""
    if not indicators:
        return ["指标表没有任何指标"]
    problems = []
    for code, count in Counter(i.code for i in indicators).items():
        if count > 1:
            problems.append(f"指标代码「{code}」重复")
    for indicator in indicators:
        name = indicator.name.strip() or indicator.code
        if not indicator.code.strip():
            problems.append(f"指标「{name}」缺少代码")
        if not indicator.name.strip():
            problems.append(f"指标「{indicator.code}」缺少名称")
        if indicator.weight <= 0:
            problems.append(f"指标「{name}」的分值应大于 0")
        elif indicator.weight != _points(indicator.weight):
            problems.append(f"指标「{name}」的分值最多两位小数")
        if indicator.rule is not None:
            problems += [f"指标「{name}」：{problem}" for problem in indicator.rule.problems()]
    total = sum((i.weight for i in indicators), Decimal(0))
    if total != HUNDRED:
        problems.append(f"各指标分值合计为 {_number(total)} 分，应为 100 分")
    return problems


def check_indicator_table(indicators: Sequence[Indicator]) -> None:
    problems = indicator_table_problems(indicators)
    if problems:
        raise IndicatorTableError(problems)


# ---- scoring one township ----


@dataclass(frozen=True, slots=True)
class Measurement:
    """A measured indicator's value, with the households or items behind it (household numbers, task ids …)."""

    value: Decimal
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ManualScore:
    """Points given by hand (0 … weight), with the reason for any deduction and the items behind it."""

    points: Decimal
    note: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    code: str
    name: str
    weight: Decimal
    points: Decimal
    # The measured value (None for a manual indicator), the assessor's note, the items behind the value.
    value: Decimal | None = None
    unit: str = ""
    note: str = ""
    items: tuple[str, ...] = ()

    @property
    def lost(self) -> Decimal:
        return self.weight - self.points


@dataclass(frozen=True, slots=True)
class TownshipScore:
    township: str
    lines: tuple[IndicatorLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.points for line in self.lines), Decimal("0.00"))

    @property
    def grade(self) -> str:
        return grade(self.total)

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]

    @property
    def deductions(self) -> tuple[IndicatorLine, ...]:
        """The indicators that lost points, most points lost first (then in table order): what a township sees."""
        lost = [(index, line) for index, line in enumerate(self.lines) if line.lost > 0]
        return tuple(line for _, line in sorted(lost, key=lambda pair: (-pair[1].lost, pair[0])))


def score_township(
    township: str,
    indicators: Sequence[Indicator],
    *,
    measurements: Mapping[str, Measurement],
    manual: Mapping[str, ManualScore],
) -> TownshipScore:
    """Score one township on a valid table; every missing, unknown or out-of-range input is reported at once."""
    check_indicator_table(indicators)
    problems = []
    codes = {i.code for i in indicators}
    for code in sorted((measurements.keys() | manual.keys()) - codes):
        problems.append(f"指标表中没有指标「{code}」")
    lines = []
    for indicator in indicators:
        if indicator.rule is not None:
            measurement = measurements.get(indicator.code)
            if indicator.code in manual:
                problems.append(f"指标「{indicator.name}」按实测计分，不能手工打分")
            if measurement is None:
                problems.append(f"缺少指标「{indicator.name}」的实测值")
                continue
            points = indicator.rule.points(measurement.value, indicator.weight)
            lines.append(
                IndicatorLine(
                    indicator.code,
                    indicator.name,
                    indicator.weight,
                    points,
                    measurement.value,
                    indicator.unit,
                    items=measurement.items,
                )
            )
            continue
        score = manual.get(indicator.code)
        if indicator.code in measurements:
            problems.append(f"指标「{indicator.name}」为手工打分指标，不能填实测值")
        if score is None:
            problems.append(f"缺少指标「{indicator.name}」的得分")
            continue
        if not 0 <= score.points <= indicator.weight or score.points != _points(score.points):
            weight = _number(indicator.weight)
            problems.append(f"指标「{indicator.name}」的得分 {score.points} 应在 0 到 {weight} 分之间，最多两位小数")
            continue
        lines.append(
            IndicatorLine(
                indicator.code,
                indicator.name,
                indicator.weight,
                _points(score.points),
                note=score.note,
                items=score.items,
            )
        )
    if problems:
        raise ScoringInputError(problems)
    return TownshipScore(township, tuple(lines))


def per_hundred(count: int, households: int) -> Decimal:
    """count per 100 households, to two places (e.g. data-quality warnings per 100 households)."""
    if households <= 0:
        raise ValueError("户数应大于 0")
    return _points(Decimal(count) * HUNDRED / Decimal(households))


# ---- grades, ranking, performance score ----


class Grade:
    GOOD = "good"
    FAIRLY_GOOD = "fairly_good"
    AVERAGE = "average"
    POOR = "poor"


# Seed 002 §六: 「90分以上(含90分)为“好”，80-89分(含80分)为“较好”，60-79分(含60分)为“一般”，59分以下为“较差”」.
GRADE_LABELS = {Grade.GOOD: "好", Grade.FAIRLY_GOOD: "较好", Grade.AVERAGE: "一般", Grade.POOR: "较差"}
_GRADE_FLOORS = ((Decimal(90), Grade.GOOD), (Decimal(80), Grade.FAIRLY_GOOD), (Decimal(60), Grade.AVERAGE))


def grade(total: Decimal) -> str:
    """好 ≥ 90; 较好 80 ≤ total < 90; 一般 60 ≤ total < 80; 较差 < 60 (89.99 is 较好, 59.99 is 较差)."""
    for floor, code in _GRADE_FLOORS:
        if total >= floor:
            return code
    return Grade.POOR


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    key: str
    total: Decimal


def rank(totals: Mapping[str, Decimal]) -> list[Ranked]:
    """Competition ranking (1, 1, 3): highest total first; equal totals share a rank and are listed by key."""
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ranked: list[Ranked] = []
    for position, (key, total) in enumerate(ordered, start=1):
        same = bool(ranked) and ranked[-1].total == total
        ranked.append(Ranked(ranked[-1].rank if same else position, key, total))
    return ranked


def performance_score(total: Decimal, *, upper_level: bool = False) -> Decimal:
    """Seed 002 §八: 总得分 ÷ 100 × 2, or × 3 for the 6 上级直管单位; exact (a total with two places gives four)."""
    if not 0 <= total <= HUNDRED:
        raise ValueError("考核总得分应在 0 到 100 之间")
    return total / HUNDRED * (3 if upper_level else 2)


def unit_scores(unit_townships: Mapping[str, str], township_totals: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Seed 002 §七(二): a 帮扶单位's final score is the final score of the township it supports."""
    missing = sorted(unit for unit, township in unit_townships.items() if township not in township_totals)
    if missing:
        raise ValueError("帮扶的镇还没有考核得分：" + "、".join(missing))
    return {unit: township_totals[township] for unit, township in unit_townships.items()}


def totals(scores: Iterable[TownshipScore]) -> dict[str, Decimal]:
    return {score.township: score.total for score in scores}
