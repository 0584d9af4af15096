"""Spot-check classification and the assessment rates with their confidence intervals (issue 6, SPEC §8).

Pure functions over plain data: no Django, no database, no clock. The classification reads the outcome codes that
``assessment.rules`` gives for the re-surveyed household. Formulas and interpretations: docs/assessment-methods.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Protocol

from .rules import OutcomeCode, Status

__all__ = [
    "ANSWER_LABELS",
    "CHECK_RESULT_LABELS",
    "IDENTIFICATION_ERROR_TARGET",
    "SATISFACTION_TARGET",
    "Z_SCORES",
    "Answer",
    "AreaRates",
    "Basis",
    "CheckResult",
    "Classification",
    "FollowUp",
    "Rate",
    "Respondent",
    "SpotCheck",
    "area_rates",
    "classify",
    "normal_interval",
    "override",
    "percent_text",
    "rates_by_township",
    "spot_check",
    "wilson_interval",
    "z_score",
]

# Two-sided standard normal quantiles: 1.645 (90%), 1.96 (95%), 2.576 (99%).
Z_SCORES = {90: Decimal("1.645"), 95: Decimal("1.96"), 99: Decimal("2.576")}
# Seed 002 附件1 第8条: 「贫困人口识别误差率控制在2%以内」 (2% itself is within).
IDENTIFICATION_ERROR_TARGET = Decimal("0.02")
# 群众认可度 ≥ 90%: the target (the national county-exit standard); the seeds give no figure.
SATISFACTION_TARGET = Decimal("0.90")
TOWNSHIP_CODE_LENGTH = 9


def z_score(confidence: int) -> Decimal:
    try:
        return Z_SCORES[confidence]
    except KeyError:
        raise ValueError("置信水平只能是 90%、95% 或 99%") from None


# ---- proportions and intervals ----


def percent_text(numerator: int, denominator: int, places: int = 2) -> str:
    """numerator / denominator as a percentage rounded half up, exactly: 21 / 1522 → "1.38%"; 0 / 0 → "—"."""
    if denominator == 0:
        return "—"
    scale = 10 ** (2 + places)
    units = (2 * numerator * scale + denominator) // (2 * denominator)
    whole, fraction = divmod(units, 10**places)
    return f"{whole}.{fraction:0{places}d}%" if places else f"{whole}%"


def wilson_interval(found: int, sampled: int, confidence: int = 95) -> tuple[Decimal, Decimal] | None:
    """Wilson score interval for found / sampled (``None`` for an empty sample).

    (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n), clipped to [0, 1]; exactly 0 for found = 0 and exactly 1
    for found = n.
    """
    _check_counts(found, sampled)
    if sampled == 0:
        return None
    z = z_score(confidence)
    with localcontext() as ctx:
        ctx.prec = 28
        n = Decimal(sampled)
        p = Decimal(found) / n
        z2 = z * z
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = z * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt() / denominator
        low = Decimal(0) if found == 0 else max(Decimal(0), centre - half)
        high = Decimal(1) if found == sampled else min(Decimal(1), centre + half)
    return low, high


def normal_interval(found: int, sampled: int, confidence: int = 95) -> tuple[Decimal, Decimal] | None:
    """Normal approximation (Wald) p̂ ± z·√(p̂(1 − p̂)/n), clipped to [0, 1]; shown only for comparison."""
    _check_counts(found, sampled)
    if sampled == 0:
        return None
    z = z_score(confidence)
    with localcontext() as ctx:
        ctx.prec = 28
        n = Decimal(sampled)
        p = Decimal(found) / n
        half = z * (p * (1 - p) / n).sqrt()
        return max(Decimal(0), p - half), min(Decimal(1), p + half)


def _check_counts(found: int, sampled: int) -> None:
    if not 0 <= found <= sampled:
        raise ValueError(f"发现数 {found} 应在 0 到样本数 {sampled} 之间")


def _interval_text(interval: tuple[Decimal, Decimal] | None) -> str:
    if interval is None:
        return "—"
    low, high = (f"{(bound * 100).quantize(Decimal('0.01'))}%" for bound in interval)
    return f"{low}–{high}"


@dataclass(frozen=True, slots=True)
class Rate:
    """found / sampled, with the households behind both numbers (empty when built from counts)."""

    found: int
    sampled: int
    found_households: tuple[str, ...] = ()
    sampled_households: tuple[str, ...] = ()
    # A proportion (0.02 for 2%); ``target_is_maximum``: the rate meets it at or below (errors) or at or above.
    target: Decimal | None = None
    target_is_maximum: bool = True
    confidence: int = 95

    def __post_init__(self) -> None:
        _check_counts(self.found, self.sampled)
        z_score(self.confidence)

    @classmethod
    def of_households(
        cls,
        found: Iterable[str],
        sampled: Iterable[str],
        *,
        target: Decimal | None = None,
        target_is_maximum: bool = True,
        confidence: int = 95,
    ) -> Rate:
        sampled_set = set(sampled)
        found_set = set(found)
        if not found_set <= sampled_set:
            raise ValueError("发现的户不在样本中：" + "、".join(sorted(found_set - sampled_set)))
        return cls(
            len(found_set),
            len(sampled_set),
            tuple(sorted(found_set)),
            tuple(sorted(sampled_set)),
            target,
            target_is_maximum,
            confidence,
        )

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.found, self.sampled) if self.sampled else None

    @property
    def percent(self) -> str:
        return percent_text(self.found, self.sampled)

    @property
    def wilson(self) -> tuple[Decimal, Decimal] | None:
        return wilson_interval(self.found, self.sampled, self.confidence)

    @property
    def normal(self) -> tuple[Decimal, Decimal] | None:
        return normal_interval(self.found, self.sampled, self.confidence)

    @property
    def wilson_text(self) -> str:
        return _interval_text(self.wilson)

    @property
    def meets_target(self) -> bool | None:
        """Compared exactly (not the rounded percentage); ``None`` without a target or an empty sample."""
        value = self.value
        if self.target is None or value is None:
            return None
        target = Fraction(self.target)
        return value <= target if self.target_is_maximum else value >= target

    def __str__(self) -> str:
        return f"{self.percent}（{self.found}/{self.sampled}，{self.confidence}%置信区间 {self.wilson_text}）"


# ---- spot-check classification ----


class CheckResult:
    CORRECT = "correct"
    MISSED = "missed"
    WRONG_INCLUSION = "wrong_inclusion"
    WRONG_EXIT = "wrong_exit"


CHECK_RESULT_LABELS = {
    CheckResult.CORRECT: "识别准确",
    CheckResult.MISSED: "漏评",
    CheckResult.WRONG_INCLUSION: "错评",
    CheckResult.WRONG_EXIT: "错退",
}
# The only results a household of each registered status can have (an override must respect them too).
_POSSIBLE_RESULTS = {
    Status.ORDINARY: frozenset({CheckResult.CORRECT, CheckResult.MISSED}),
    Status.POOR: frozenset({CheckResult.CORRECT, CheckResult.WRONG_INCLUSION}),
    Status.EXITED: frozenset({CheckResult.CORRECT, CheckResult.WRONG_INCLUSION, CheckResult.WRONG_EXIT}),
}
_STATUS_LABELS = {Status.ORDINARY: "一般农户", Status.POOR: "未脱贫户", Status.EXITED: "已脱贫户"}


class FollowUp:
    """Findings that are not identification errors but are shown beside the result."""

    CONTINUE_SUPPORT = "continue_support"
    RETURN_RISK = "return_risk"


_EXIT_FAILURES = {
    OutcomeCode.WRONG_EXIT: None,
    OutcomeCode.CONTINUE_SUPPORT: FollowUp.CONTINUE_SUPPORT,
    OutcomeCode.RETURN_RISK: FollowUp.RETURN_RISK,
}


@dataclass(frozen=True, slots=True)
class Classification:
    result: str
    # Whether the re-surveyed household meets the exit standard: for poor (pre-exit) and exited households only.
    exit_standard_met: bool | None
    follow_up: str | None = None


def classify(status: str, outcome_codes: Iterable[str]) -> Classification:
    """Classify a spot-checked household from its registered status and the rules' outcomes on the re-survey.

    ordinary: MISSED → 漏评. poor: WRONG_INCLUSION → 错评. exited: WRONG_INCLUSION → 错评 (it takes precedence:
    a household that never qualified was not wrongly exited), else WRONG_EXIT → 错退. CONTINUE_SUPPORT and
    RETURN_RISK are correct identifications with a follow-up. Everything else is correct.
    """
    codes = set(outcome_codes)
    if status == Status.ORDINARY:
        result = CheckResult.MISSED if OutcomeCode.MISSED in codes else CheckResult.CORRECT
        return Classification(result, None)
    if status == Status.POOR:
        result = CheckResult.WRONG_INCLUSION if OutcomeCode.WRONG_INCLUSION in codes else CheckResult.CORRECT
        return Classification(result, OutcomeCode.EXIT_READY in codes)
    if status == Status.EXITED:
        failures = [code for code in _EXIT_FAILURES if code in codes]
        follow_up = _EXIT_FAILURES[failures[0]] if failures else None
        if OutcomeCode.WRONG_INCLUSION in codes:
            result = CheckResult.WRONG_INCLUSION
        elif OutcomeCode.WRONG_EXIT in codes:
            result = CheckResult.WRONG_EXIT
        else:
            result = CheckResult.CORRECT
        return Classification(result, not failures, follow_up)
    raise ValueError(f"状态为「{status}」的户不能抽查（只抽查一般农户、未脱贫户和已脱贫户）")


@dataclass(frozen=True, slots=True)
class SpotCheck:
    """The spot-check result of one sampled household: what the rules said, and what stands after any override."""

    number: str
    # The household's village or group code; its first nine digits are the township (SPEC §1).
    area: str
    status: str
    computed: str
    result: str
    exit_standard_met: bool | None = None
    follow_up: str | None = None
    override_reason: str = ""

    @property
    def township(self) -> str:
        return self.area[:TOWNSHIP_CODE_LENGTH]

    @property
    def overridden(self) -> bool:
        return self.result != self.computed


def spot_check(number: str, area: str, status: str, outcome_codes: Iterable[str]) -> SpotCheck:
    found = classify(status, outcome_codes)
    return SpotCheck(number, area, status, found.result, found.result, found.exit_standard_met, found.follow_up)


def override(check: SpotCheck, result: str, reason: str) -> SpotCheck:
    """The assessor's own result, with a required reason; overriding back to the computed result clears it."""
    if result not in _POSSIBLE_RESULTS[check.status]:
        label = CHECK_RESULT_LABELS.get(result, result)
        raise ValueError(f"{_STATUS_LABELS[check.status]}不能判为「{label}」")
    if result == check.computed:
        return replace(check, result=result, override_reason="")
    if not reason.strip():
        raise ValueError("改判抽查结果必须填写理由")
    return replace(check, result=result, override_reason=reason.strip())


# ---- rates per township and county ----


class Basis:
    """The denominator of 漏评率, 错评率 and 错退率."""

    # The sampled households that could have the error: ordinary (漏评), poor and exited (错评), exited (错退).
    STRATUM = "stratum"
    # Every sampled household, as seed 004 does (「漏评户有21户，占样本户的1.38%」).
    ALL = "all"


class Answer:
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


ANSWER_LABELS = {Answer.SATISFIED: "满意", Answer.BASICALLY_SATISFIED: "基本满意", Answer.DISSATISFIED: "不满意"}
_APPROVING = frozenset({Answer.SATISFIED, Answer.BASICALLY_SATISFIED})


class Respondent(Protocol):
    """What the satisfaction rate reads of a respondent (``sampling.SurveyResponse`` has it)."""

    @property
    def number(self) -> str: ...

    @property
    def answer(self) -> str: ...

    @property
    def township(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AreaRates:
    area: str
    missed: Rate
    wrong_inclusion: Rate
    wrong_exit: Rate
    identification_error: Rate
    satisfaction: Rate

    @property
    def sampled(self) -> int:
        return self.identification_error.sampled


def area_rates(
    area: str,
    checks: Sequence[SpotCheck],
    responses: Sequence[Respondent] = (),
    *,
    basis: str = Basis.STRATUM,
    confidence: int = 95,
) -> AreaRates:
    """漏评率, 错评率, 错退率, the identification error rate (漏评 + 错评 over every sampled household, ≤ 2%) and
    群众认可度 ((满意 + 基本满意) / respondents, ≥ 90%) of one area's checks and responses."""
    if basis not in (Basis.STRATUM, Basis.ALL):
        raise ValueError(f"未知的比率口径「{basis}」")
    everyone = [c.number for c in checks]
    twice = sorted(number for number, count in Counter(everyone).items() if count > 1)
    if twice:
        raise ValueError("同一户有多条抽查结果：" + "、".join(twice))

    def with_result(result: str) -> list[str]:
        return [c.number for c in checks if c.result == result]

    def among(*statuses: str) -> list[str]:
        return everyone if basis == Basis.ALL else [c.number for c in checks if c.status in statuses]

    missed = with_result(CheckResult.MISSED)
    wrong_inclusion = with_result(CheckResult.WRONG_INCLUSION)
    for response in responses:
        if response.answer not in ANSWER_LABELS:
            raise ValueError(f"户 {response.number} 的测评结果「{response.answer}」无效")
    approving = [r.number for r in responses if r.answer in _APPROVING]
    return AreaRates(
        area=area,
        missed=Rate.of_households(missed, among(Status.ORDINARY), confidence=confidence),
        wrong_inclusion=Rate.of_households(wrong_inclusion, among(Status.POOR, Status.EXITED), confidence=confidence),
        wrong_exit=Rate.of_households(with_result(CheckResult.WRONG_EXIT), among(Status.EXITED), confidence=confidence),
        identification_error=Rate.of_households(
            missed + wrong_inclusion, everyone, target=IDENTIFICATION_ERROR_TARGET, confidence=confidence
        ),
        satisfaction=Rate.of_households(
            approving,
            [r.number for r in responses],
            target=SATISFACTION_TARGET,
            target_is_maximum=False,
            confidence=confidence,
        ),
    )


def rates_by_township(
    checks: Sequence[SpotCheck],
    responses: Sequence[Respondent] = (),
    *,
    county: str,
    basis: str = Basis.STRATUM,
    confidence: int = 95,
) -> tuple[dict[str, AreaRates], AreaRates]:
    """The rates of every township that has checks or responses (by code), and of the whole county."""
    checks_by: dict[str, list[SpotCheck]] = {}
    responses_by: dict[str, list[Respondent]] = {}
    for check in checks:
        checks_by.setdefault(check.township, []).append(check)
    for response in responses:
        responses_by.setdefault(response.township, []).append(response)
    townships = {
        code: area_rates(code, checks_by.get(code, []), responses_by.get(code, []), basis=basis, confidence=confidence)
        for code in sorted(checks_by.keys() | responses_by.keys())
    }
    return townships, area_rates(county, checks, responses, basis=basis, confidence=confidence)
