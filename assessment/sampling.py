"""Sample plans and reproducible draws for the assessment of townships (issue 6, SPEC §8, seed 002 §五).

Pure functions over plain data: no Django, no database, no clock. A loader elsewhere turns the registry into
``SampleUnit`` rows; the functions here sort them by household number themselves, so the same seed draws the same
households whatever order the database returned them in (SQLite and PostgreSQL collate text differently).
Every formula and choice is written down in docs/assessment-methods.md.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import ceil

from .rates import z_score

__all__ = [
    "REGISTERED_STRATA",
    "SATISFACTION_GROUPS",
    "SATISFACTION_GROUP_LABELS",
    "SATISFACTION_RATIO",
    "STRATUM_LABELS",
    "DrawnHousehold",
    "Method",
    "QuotaCheck",
    "SampleDraw",
    "SampleUnit",
    "SatisfactionGroup",
    "SeededDraw",
    "Stratum",
    "StratumPlan",
    "SurveyResponse",
    "VillageCheck",
    "VillageDraw",
    "VillageUnit",
    "check_satisfaction_survey",
    "draw_satisfaction_households",
    "draw_stratified",
    "draw_villages",
    "interval_positions",
    "interval_sample",
    "random_sample",
    "roster_fingerprint",
    "sample_size",
    "satisfaction_quotas",
]


class Stratum:
    POOR = "poor"
    PRE_EXIT = "pre_exit"
    EXITED = "exited"
    ORDINARY = "ordinary"


STRATUM_LABELS = {
    Stratum.POOR: "未脱贫户",
    Stratum.PRE_EXIT: "预脱贫户",
    Stratum.EXITED: "已脱贫户",
    Stratum.ORDINARY: "一般农户",
}
# Strata on the poor roster (建档立卡名册): drawn by equal interval; the others at random (seed 002 §五(四)
# 「按贫困户名册等间隔抽取、非贫困户随机抽取」).
REGISTERED_STRATA = frozenset({Stratum.POOR, Stratum.PRE_EXIT, Stratum.EXITED})
_STRATUM_ORDER = {code: index for index, code in enumerate(STRATUM_LABELS)}


class Method:
    INTERVAL = "interval"
    RANDOM = "random"


class SatisfactionGroup:
    POOR_WITH_LABOUR = "poor_with_labour"
    ORDINARY = "ordinary"
    NO_LABOUR_DIBAO_WUBAO = "no_labour_dibao_wubao"


# Seed 002 §五(四): 「按5:3:2的比例安排有劳动能力贫困户、农户、无劳动能力低保五保户进行民意测评」.
SATISFACTION_RATIO = (
    (SatisfactionGroup.POOR_WITH_LABOUR, 5),
    (SatisfactionGroup.ORDINARY, 3),
    (SatisfactionGroup.NO_LABOUR_DIBAO_WUBAO, 2),
)
SATISFACTION_GROUPS = tuple(group for group, _ in SATISFACTION_RATIO)
SATISFACTION_GROUP_LABELS = {
    SatisfactionGroup.POOR_WITH_LABOUR: "有劳动能力贫困户",
    SatisfactionGroup.ORDINARY: "一般农户",
    SatisfactionGroup.NO_LABOUR_DIBAO_WUBAO: "无劳动能力低保五保户",
}
# The two roster groups are drawn by interval, ordinary households at random (seed 002 §五(四)).
_SATISFACTION_METHOD = {
    SatisfactionGroup.POOR_WITH_LABOUR: Method.INTERVAL,
    SatisfactionGroup.ORDINARY: Method.RANDOM,
    SatisfactionGroup.NO_LABOUR_DIBAO_WUBAO: Method.INTERVAL,
}
# Seed 002 §五(四): 「每级至少抽查2个村，每村至少抽查10个农户」.
MIN_SURVEY_VILLAGES = 2
MIN_SURVEY_HOUSEHOLDS_PER_VILLAGE = 10
# SPEC §1: a village's 12-digit code starts with its township's 9 digits.
TOWNSHIP_CODE_LENGTH = 9


# ---- sample size ----


def sample_size(*, population: int, margin: Decimal, confidence: int = 95, proportion: Decimal = Decimal("0.5")) -> int:
    """Households to sample for a proportion within ± ``margin`` at ``confidence`` % (Cochran, with the FPC).

    n0 = z² · p · (1 − p) / e², then n = n0 / (1 + (n0 − 1) / N), rounded up, and at most N. Computed exactly
    (fractions), so a result that is a whole number is never pushed up by a rounding error.
    """
    z = Fraction(z_score(confidence))
    if population < 0:
        raise ValueError("总体户数不能为负数")
    e = Fraction(margin)
    p = Fraction(proportion)
    if not 0 < e < 1:
        raise ValueError("允许误差应大于 0 且小于 1（如 0.05 表示 ±5%）")
    if not 0 < p < 1:
        raise ValueError("预期比例应大于 0 且小于 1（不知道时用 0.5）")
    if population == 0:
        return 0
    n0 = z * z * p * (1 - p) / (e * e)
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, ceil(n))


# ---- the seeded generator ----


class SeededDraw:
    """A reproducible stream of whole numbers derived from the stored seed and the draw's key.

    The i-th number (i = 0, 1, …) below ``bound`` is int(SHA-256("{key}:{i}"), big-endian) mod bound, where the key
    is the parts joined by ":" (e.g. "2017-县考核:440232101:pre_exit:rest"). SHA-256 rather than ``random.Random``:
    Python promises a stable sequence only for ``random()``, not for ``randrange``/``sample``/``shuffle``, and
    never ``hash()`` (salted per process). The bias of the modulo is below 2⁻²²⁰ for any roster.
    """

    def __init__(self, *parts: object) -> None:
        self.key = ":".join(str(part) for part in parts)
        self._counter = 0

    def below(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError("bound must be positive")
        digest = hashlib.sha256(f"{self.key}:{self._counter}".encode()).digest()
        self._counter += 1
        return int.from_bytes(digest, "big") % bound

    def child(self, *parts: object) -> SeededDraw:
        return SeededDraw(self.key, *parts)


def _ordered(numbers: Iterable[str]) -> list[str]:
    """The household numbers in code-point order; a number listed twice is an error, not a silent double chance."""
    ordered = sorted(numbers)
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if previous == current:
            raise ValueError(f"户编号 {current} 重复出现，不能抽样")
    return ordered


def _distinct(units: Iterable[SampleUnit]) -> list[SampleUnit]:
    units = list(units)
    _ordered(unit.number for unit in units)
    return units


def _check_size(n: int) -> None:
    if n < 0:
        raise ValueError("样本量不能为负数")


# ---- equal interval and simple random sampling ----


def interval_positions(population: int, n: int, start: int) -> list[int]:
    """Positions floor(s + i·k), i = 0 … n − 1, with k = N / n and s = start / n, computed in integers.

    ``start`` is a whole number in [0, N); s = start / n then lies in [0, k), so the position is
    floor((start + i·N) / n). Needs 0 < n ≤ N.
    """
    if not 0 < n <= population:
        raise ValueError("需要 0 < n ≤ N")
    if not 0 <= start < population:
        raise ValueError("起点应在 [0, N) 内")
    return [(start + i * population) // n for i in range(n)]


def interval_sample(numbers: Iterable[str], n: int, draw: SeededDraw) -> tuple[str, ...]:
    """等间隔抽样: n households at interval k = N / n over the roster ordered by household number.

    The random start is ``draw.below(N) / n`` ∈ [0, k). n = 0 draws nothing; n ≥ N takes the whole roster
    (neither uses the generator).
    """
    _check_size(n)
    ordered = _ordered(numbers)
    population = len(ordered)
    if n == 0:
        return ()
    if n >= population:
        return tuple(ordered)
    return tuple(ordered[position] for position in interval_positions(population, n, draw.below(population)))


def random_sample(numbers: Iterable[str], n: int, draw: SeededDraw) -> tuple[str, ...]:
    """简单随机抽样: n households without replacement, returned in household-number order.

    A partial Fisher–Yates shuffle of the ordered roster: for i = 0 … n − 1 swap item i with item
    i + draw.below(N − i); the first n items are the sample. n ≥ N takes the whole roster.
    """
    _check_size(n)
    ordered = _ordered(numbers)
    population = len(ordered)
    if n >= population:
        return tuple(ordered)
    for i in range(n):
        j = i + draw.below(population - i)
        ordered[i], ordered[j] = ordered[j], ordered[i]
    return tuple(sorted(ordered[:n]))


def _sample(method: str, numbers: Iterable[str], n: int, draw: SeededDraw) -> tuple[str, ...]:
    if method == Method.INTERVAL:
        return interval_sample(numbers, n, draw)
    return random_sample(numbers, n, draw)


# ---- stratified household plans ----


@dataclass(frozen=True, slots=True)
class SampleUnit:
    """One household as the sampler sees it; the loader decides the stratum and the flags."""

    number: str
    stratum: str
    village: str = ""
    # In a village that is not a poor village (非贫困村): a scattered poor household (分散贫困户) when registered.
    scattered: bool = False
    # Main or other poverty cause 因病/因残, or an active member with a disability or a serious disease.
    ill_or_disabled: bool = False
    satisfaction_group: str | None = None


@dataclass(frozen=True, slots=True)
class StratumPlan:
    """How many households of one stratum to draw, with the minimums seed 002 §五(二)(三) asks for."""

    stratum: str
    size: int
    scattered_minimum: int = 0
    ill_disabled_share: Decimal = Decimal(0)

    def problems(self) -> list[str]:
        label = STRATUM_LABELS.get(self.stratum)
        if label is None:
            return [f"未知的抽样层「{self.stratum}」"]
        problems = []
        if self.size < 0:
            problems.append(f"{label}样本量不能为负数")
        if not 0 <= self.scattered_minimum <= max(self.size, 0):
            problems.append(f"{label}中分散户的最低户数应在 0 到样本量 {self.size} 之间")
        if not 0 <= self.ill_disabled_share <= 1:
            problems.append(f"{label}中因病因残户的最低比例应在 0 到 1 之间")
        return problems


@dataclass(frozen=True, slots=True)
class DrawnHousehold:
    number: str
    stratum: str
    village: str
    method: str
    # Which step drew it: "ill_disabled", "scattered" or "rest" (stratified), or a satisfaction group.
    part: str


@dataclass(frozen=True, slots=True)
class SampleDraw:
    households: tuple[DrawnHousehold, ...]
    # Chinese sentences for every size or minimum the roster could not fill.
    shortfalls: tuple[str, ...] = ()

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(h.number for h in self.households)


def draw_stratified(
    units: Iterable[SampleUnit], plans: Sequence[StratumPlan], *, seed: str | int, scope: str
) -> SampleDraw:
    """Draw every stratum of a plan for one township or the county (``scope`` is its area code).

    Per stratum, with n = min(size, N): (1) m = ceil(share · n) households from its ill/disabled households;
    (2) if fewer than the scattered minimum s are scattered so far, the shortfall from its remaining scattered
    households (never beyond n in all); (3) the rest of n from its remaining households. Each step is an interval
    draw for registered strata and a random draw for ordinary households, with the key
    "{seed}:{scope}:{stratum}:{step}". The result is ordered by stratum, then household number.
    """
    problems = [problem for plan in plans for problem in plan.problems()]
    strata = [plan.stratum for plan in plans]
    problems += [f"抽样层「{STRATUM_LABELS[s]}」重复" for s, count in Counter(strata).items() if count > 1]
    if problems:
        raise ValueError("；".join(problems))
    by_stratum: dict[str, dict[str, SampleUnit]] = {}
    for unit in _distinct(units):
        by_stratum.setdefault(unit.stratum, {})[unit.number] = unit
    drawn: list[DrawnHousehold] = []
    shortfalls: list[str] = []
    for plan in sorted(plans, key=lambda p: _STRATUM_ORDER[p.stratum]):
        pool = by_stratum.get(plan.stratum, {})
        stratum_drawn, stratum_shortfalls = _draw_stratum(plan, pool, SeededDraw(seed, scope, plan.stratum))
        drawn += stratum_drawn
        shortfalls += stratum_shortfalls
    return SampleDraw(tuple(drawn), tuple(shortfalls))


def _draw_stratum(
    plan: StratumPlan, pool: Mapping[str, SampleUnit], draw: SeededDraw
) -> tuple[list[DrawnHousehold], list[str]]:
    label = STRATUM_LABELS[plan.stratum]
    method = Method.INTERVAL if plan.stratum in REGISTERED_STRATA else Method.RANDOM
    shortfalls = []
    n = min(plan.size, len(pool))
    if plan.size > len(pool):
        shortfalls.append(f"{label}应抽 {plan.size} 户，名册只有 {len(pool)} 户，已全部抽取")
    chosen: dict[str, str] = {}

    def take(part: str, candidates: list[str], wanted: int) -> None:
        for number in _sample(method, candidates, wanted, draw.child(part)):
            chosen[number] = part

    ill = [number for number, unit in pool.items() if unit.ill_or_disabled]
    ill_wanted = ceil(Fraction(plan.ill_disabled_share) * n)
    if ill_wanted > len(ill):
        shortfalls.append(f"{label}中因病因残户应不少于 {ill_wanted} 户，只有 {len(ill)} 户")
    take("ill_disabled", ill, min(ill_wanted, len(ill)))

    scattered_wanted = min(plan.scattered_minimum, n)
    scattered_have = sum(1 for number in chosen if pool[number].scattered)
    remaining_scattered = [number for number, unit in pool.items() if unit.scattered and number not in chosen]
    scattered_take = min(scattered_wanted - scattered_have, len(remaining_scattered), n - len(chosen))
    if scattered_take > 0:
        take("scattered", remaining_scattered, scattered_take)
    scattered_total = sum(1 for number in chosen if pool[number].scattered)
    if scattered_total < scattered_wanted:
        shortfalls.append(f"{label}中分散户应不少于 {scattered_wanted} 户，只抽到 {scattered_total} 户")

    take("rest", [number for number in pool if number not in chosen], n - len(chosen))
    households = [
        DrawnHousehold(number, plan.stratum, pool[number].village, method, chosen[number]) for number in sorted(chosen)
    ]
    return households, shortfalls


def roster_fingerprint(units: Iterable[SampleUnit]) -> str:
    """SHA-256 (hex) of every input that decides a draw, one line per household in number order:
    "number|stratum|village|scattered|ill_or_disabled|satisfaction_group" (flags as 0/1), joined by newlines.

    Store it with the seed: the same seed redraws the same households only from the same roster, and the roster
    changes every campaign. Equal fingerprints prove the inputs were the same.
    """
    lines = sorted(
        "|".join(
            (
                u.number,
                u.stratum,
                u.village,
                str(int(u.scattered)),
                str(int(u.ill_or_disabled)),
                u.satisfaction_group or "",
            )
        )
        for u in units
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# ---- villages, then households per village ----


@dataclass(frozen=True, slots=True)
class VillageUnit:
    code: str
    poor_village: bool = False


@dataclass(frozen=True, slots=True)
class VillageDraw:
    codes: tuple[str, ...]
    shortfalls: tuple[str, ...] = ()


def draw_villages(
    villages: Iterable[VillageUnit],
    count: int,
    *,
    seed: str | int,
    scope: str,
    min_poor: int = 0,
    min_non_poor: int = 0,
) -> VillageDraw:
    """Draw ``count`` villages of a township at random, at least ``min_poor`` poor villages and ``min_non_poor``
    others first (seed 002 §五(三): 「每镇至少抽查1个贫困村、1个非贫困村」). Keys "{seed}:{scope}:villages:{step}".
    """
    if min(count, min_poor, min_non_poor) < 0 or min_poor + min_non_poor > count:
        raise ValueError("抽查村数应不少于贫困村与非贫困村最低数之和，且都不能为负数")
    by_code = {village.code: village for village in villages}
    draw = SeededDraw(seed, scope, "villages")
    shortfalls = []
    poor = [code for code, village in by_code.items() if village.poor_village]
    non_poor = [code for code, village in by_code.items() if not village.poor_village]
    chosen = set(random_sample(poor, min_poor, draw.child("poor")))
    chosen |= set(random_sample(non_poor, min_non_poor, draw.child("non_poor")))
    if len(poor) < min_poor:
        shortfalls.append(f"应至少抽查 {min_poor} 个贫困村，只有 {len(poor)} 个")
    if len(non_poor) < min_non_poor:
        shortfalls.append(f"应至少抽查 {min_non_poor} 个非贫困村，只有 {len(non_poor)} 个")
    rest = [code for code in by_code if code not in chosen]
    chosen |= set(random_sample(rest, max(count - len(chosen), 0), draw.child("rest")))
    if len(by_code) < count:
        shortfalls.append(f"应抽查 {count} 个村，只有 {len(by_code)} 个")
    return VillageDraw(tuple(sorted(chosen)), tuple(shortfalls))


def satisfaction_quotas(n: int) -> dict[str, int]:
    """Split n respondents 5:3:2 by largest remainder; equal remainders go to the group listed first.

    10 → 5/3/2, 11 → 6/3/2, 12 → 6/4/2, 13 → 6/4/3, 1 → 1/0/0.
    """
    _check_size(n)
    total = sum(weight for _, weight in SATISFACTION_RATIO)
    exact = [(group, Fraction(n * weight, total)) for group, weight in SATISFACTION_RATIO]
    quotas = {group: int(share) for group, share in exact}
    left = n - sum(quotas.values())
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in by_remainder[:left]:
        quotas[exact[i][0]] += 1
    return quotas


def draw_satisfaction_households(
    units: Iterable[SampleUnit],
    villages: Iterable[str],
    *,
    seed: str | int,
    per_village: int = MIN_SURVEY_HOUSEHOLDS_PER_VILLAGE,
) -> SampleDraw:
    """Respondents for the 民意测评 in each drawn village: the 5:3:2 quotas of ``per_village``, each group drawn
    from the village's households of that group (interval for the two roster groups, random for ordinary
    households), key "{seed}:{village}:satisfaction:{group}". A group short of households is reported, not filled
    from another group (that would break the ratio).
    """
    by_village: dict[str, dict[str, dict[str, SampleUnit]]] = {}
    for unit in _distinct(units):
        if unit.satisfaction_group is not None:
            groups = by_village.setdefault(unit.village, {})
            groups.setdefault(unit.satisfaction_group, {})[unit.number] = unit
    drawn: list[DrawnHousehold] = []
    shortfalls: list[str] = []
    quotas = satisfaction_quotas(per_village)
    for village in sorted(set(villages)):
        draw = SeededDraw(seed, village, "satisfaction")
        for group in SATISFACTION_GROUPS:
            pool = by_village.get(village, {}).get(group, {})
            method = _SATISFACTION_METHOD[group]
            numbers = _sample(method, pool, quotas[group], draw.child(group))
            drawn += [DrawnHousehold(number, pool[number].stratum, village, method, group) for number in numbers]
            if len(pool) < quotas[group]:
                shortfalls.append(
                    f"村 {village} 的{SATISFACTION_GROUP_LABELS[group]}应抽 {quotas[group]} 户，只有 {len(pool)} 户"
                )
    return SampleDraw(tuple(drawn), tuple(shortfalls))


# ---- checking a recorded satisfaction survey against the quotas ----


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One respondent of the 民意测评: the household, its village (or group) code, its group and the answer."""

    number: str
    village: str
    group: str
    answer: str

    @property
    def township(self) -> str:
        return self.village[:TOWNSHIP_CODE_LENGTH]


@dataclass(frozen=True, slots=True)
class VillageCheck:
    village: str
    recorded: dict[str, int]
    # The smallest conforming survey that contains what was recorded: at least 10, split 5:3:2.
    target: dict[str, int]

    @property
    def missing(self) -> dict[str, int]:
        return {group: self.target[group] - self.recorded[group] for group in SATISFACTION_GROUPS}

    @property
    def ok(self) -> bool:
        return not any(self.missing.values())


@dataclass(frozen=True, slots=True)
class QuotaCheck:
    villages: tuple[VillageCheck, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_satisfaction_survey(
    responses: Iterable[SurveyResponse],
    *,
    min_villages: int = MIN_SURVEY_VILLAGES,
    min_per_village: int = MIN_SURVEY_HOUSEHOLDS_PER_VILLAGE,
) -> QuotaCheck:
    """Check a recorded survey (one township's or the county's) against seed 002 §五(四) and list what is missing.

    A village conforms when it has at least ``min_per_village`` respondents and its counts per group equal the 5:3:2
    split of its total. For a village that does not, the target is the smallest total T ≥ max(recorded, minimum)
    whose split holds at least what was recorded in every group; what is missing is that split minus the recorded
    counts (adding exactly those households makes the village conform). A household answering twice counts once.
    """
    recorded: dict[str, Counter[str]] = {}
    problems: list[str] = []
    seen: set[str] = set()
    for response in responses:
        if response.group not in SATISFACTION_GROUP_LABELS:
            raise ValueError(f"户 {response.number} 的测评对象类别「{response.group}」无效")
        if response.number in seen:
            problems.append(f"户 {response.number} 重复测评，只计一次")
            continue
        seen.add(response.number)
        recorded.setdefault(response.village, Counter())[response.group] += 1
    if len(recorded) < min_villages:
        problems.append(f"至少应测评 {min_villages} 个村，现有 {len(recorded)} 个")
    checks = []
    for village in sorted(recorded):
        counts = {group: recorded[village][group] for group in SATISFACTION_GROUPS}
        check = VillageCheck(village, counts, _conforming_target(counts, min_per_village))
        checks.append(check)
        if not check.ok:
            lacking = "、".join(
                f"{SATISFACTION_GROUP_LABELS[group]} {count} 户" for group, count in check.missing.items() if count
            )
            total = sum(counts.values())
            target = sum(check.target.values())
            problems.append(f"村 {village} 已测评 {total} 户，按 5:3:2 至少应为 {target} 户，还缺：{lacking}")
    return QuotaCheck(tuple(checks), tuple(problems))


def _conforming_target(counts: Mapping[str, int], minimum: int) -> dict[str, int]:
    total = max(sum(counts.values()), minimum)
    while True:
        quotas = satisfaction_quotas(total)
        if all(quotas[group] >= counts[group] for group in SATISFACTION_GROUPS):
            return quotas
        total += 1
