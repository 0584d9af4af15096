"""Spot checks (实地核查, issue 6 part 2): the assessor's field findings applied to the household's data, judged by
the rules under the assessment's policy and classified (rates.spot_check), with an optional override.

Findings are the re-surveyed values of what the rules read (docs/assessment-review.md "What a re-survey records");
a field left blank keeps the registry's value. ``apply_findings`` is pure: it replaces fields of the loaded
``HouseholdData`` (and its members) with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from households.models import Household, User

from .loader import load_households
from .rates import CheckResult, override, spot_check
from .review_models import SampledHousehold, SpotCheck
from .rules import FactData, FactKind, HouseholdData, IncomeData, MemberData, Status, evaluate_household
from .rules.context import age_on

CENT = Decimal("0.01")

# The exclusion facts a re-survey may find or clear (E1, E3, E4, E6): finding key → fact kind.
EXCLUSION_FINDINGS = {
    "public_payroll": FactKind.PUBLIC_PAYROLL,
    "vehicle": FactKind.VEHICLE,
    "urban_property": FactKind.URBAN_PROPERTY,
    "business": FactKind.BUSINESS,
}
FINDING_LABELS = {
    "per_capita_income": "人均纯收入（元）",
    "income_total": "家庭纯收入（元）",
    "family_size": "家庭人口",
    "housing_grade": "住房安全等级",
    "safe_water": "饮水安全",
    "water_radius_km": "取水半径（公里）",
    "out_of_school": "有失学辍学儿童",
    "medical_covered": "医保全覆盖（基本医保、大病保险、家庭医生）",
    "serious_disease": "有成员患大病",
    "food_clothing_secured": "不愁吃、不愁穿",
    "public_payroll": "有财政供养人员",
    "vehicle": "有机动车",
    "vehicle_price": "机动车价格（元）",
    "urban_property": "在城镇有房产",
    "business": "有工商注册经营",
}
FOLLOW_UP_LABELS = {"continue_support": "继续帮扶", "return_risk": "返贫风险"}


class CheckConflict(Exception):
    def __init__(self) -> None:
        super().__init__("该户的抽查结果已被他人修改，请刷新页面后重新录入")


class CheckError(Exception):
    """A check that may not be recorded (Chinese message)."""


def findings_text(findings: dict[str, Any]) -> list[str]:
    """「住房安全等级：C」 lines for the page and the rate lists."""
    lines = []
    for key, label in FINDING_LABELS.items():
        if key in findings:
            value = findings[key]
            if isinstance(value, bool):
                value = "是" if value else "否"
            lines.append(f"{label}：{value}")
    return lines


def per_capita_of(findings: dict[str, Any]) -> Decimal | None:
    """The re-surveyed per-capita net income: typed directly, or the total over the family size (half up)."""
    if findings.get("per_capita_income") not in (None, ""):
        return Decimal(str(findings["per_capita_income"]))
    total, size = findings.get("income_total"), findings.get("family_size")
    if total not in (None, "") and size:
        return (Decimal(str(total)) / int(size)).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


def apply_findings(data: HouseholdData, findings: dict[str, Any], *, income_year: int) -> HouseholdData:
    """The household as re-surveyed: each finding replaces what the registry says; absent keys keep it."""
    changes: dict[str, Any] = {}
    for key in ("housing_grade", "safe_water", "food_clothing_secured"):
        if key in findings:
            changes[key] = findings[key]
    if "water_radius_km" in findings:
        changes["water_radius_km"] = Decimal(str(findings["water_radius_km"]))
    members = list(data.members)
    active = [i for i, m in enumerate(members) if m.is_active]
    per_capita = per_capita_of(findings)
    if per_capita is not None:
        # The rules divide the year's net income by the active members: store per-capita × that count.
        size = len(active) or 1
        changes["incomes"] = {**data.incomes, income_year: IncomeData(income_year, wage=per_capita * size)}
    if "medical_covered" in findings:
        covered = bool(findings["medical_covered"])
        for i in active:
            members[i] = replace(
                members[i], medical_insurance=covered, serious_illness_insurance=covered, family_doctor=covered
            )
    if "serious_disease" in findings:
        # Yes keeps the registry's sick members (or marks the first active member); no clears them all.
        if not findings["serious_disease"]:
            for i in active:
                members[i] = replace(members[i], serious_disease=False)
        elif active and not any(members[i].serious_disease for i in active):
            members[active[0]] = replace(members[active[0]], serious_disease=True)
    if "out_of_school" in findings:
        members = _schooling(members, active, bool(findings["out_of_school"]), income_year)
    changes["members"] = tuple(members)
    facts = list(data.facts)
    for key, kind in EXCLUSION_FINDINGS.items():
        if key not in findings:
            continue
        facts = [f for f in facts if f.kind != kind]
        if findings[key]:
            amount = Decimal(str(findings["vehicle_price"])) if kind == FactKind.VEHICLE else None
            facts.append(FactData(kind=kind, amount=amount, source_label="考核实地核查"))
    changes["facts"] = tuple(facts)
    return replace(data, **changes)


def _schooling(members: list[MemberData], active: list[int], out: bool, year: int) -> list[MemberData]:
    """A found dropout marks the first active member aged 6–15 (else the youngest) 因贫失学; none clears them all."""
    if not out:
        return [replace(m, dropout_reason="") if i in active else m for i, m in enumerate(members)]
    if not active:
        return members
    school_age = [i for i in active if 6 <= age_on(members[i].birth_date, year) <= 15]
    chosen = school_age[0] if school_age else max(active, key=lambda i: members[i].birth_date)
    members[chosen] = replace(members[chosen], dropout_reason="01")
    return members


@dataclass(frozen=True, slots=True)
class Judged:
    outcome_codes: tuple[str, ...]
    computed: str
    exit_standard_met: bool | None
    follow_up: str | None
    messages: tuple[str, ...]


def judge(sampled: SampledHousehold, findings: dict[str, Any], *, confirmed: bool) -> Judged:
    """Load the household, apply the findings, evaluate with the assessment's policy, classify by the status as
    drawn (five queries)."""
    policy = sampled.plan.assessment.policy
    year = policy.income_year
    data = next(load_households(Household.objects.filter(pk=sampled.household_id), income_year=year))
    if sampled.status not in (Status.ORDINARY, Status.POOR, Status.EXITED):
        raise CheckError("已清退的户不能抽查")
    data = replace(data, status=sampled.status)
    if not confirmed:
        data = apply_findings(data, findings, income_year=year)
    judgement = evaluate_household(data, policy.as_rules_policy())
    codes = tuple(o.code for o in judgement.outcomes)
    found = spot_check(sampled.number, sampled.village_code, sampled.status, codes)
    return Judged(
        codes, found.computed, found.exit_standard_met, found.follow_up, tuple(o.message for o in judgement.outcomes)
    )


def record_check(
    sampled: SampledHousehold,
    *,
    confirmed: bool,
    findings: dict[str, Any],
    result: str = "",
    reason: str = "",
    note: str = "",
    by: User | None,
    expected_version: int | None = None,
) -> SpotCheck:
    """Store (or replace) the household's check. ``result`` blank keeps the computed result; another result is an
    override with a required reason (rates.override). Raises CheckConflict, CheckError or ValueError (Chinese)."""
    judged = judge(sampled, findings, confirmed=confirmed)
    found = spot_check(sampled.number, sampled.village_code, sampled.status, judged.outcome_codes)
    final = override(found, result or found.computed, reason)
    with transaction.atomic():
        check = SpotCheck.objects.select_for_update().filter(sampled=sampled).first()
        if check is None:
            if expected_version not in (None, 0):
                raise CheckConflict()
            check = SpotCheck(sampled=sampled)
        else:
            if expected_version is not None and check.version != expected_version:
                raise CheckConflict()
            check.version += 1
        check.status = sampled.status
        check.confirmed = confirmed
        check.findings = {} if confirmed else _json(findings)
        check.outcome_codes = list(judged.outcome_codes)
        check.computed_result = final.computed
        check.result = final.result
        check.override_reason = final.override_reason
        check.exit_standard_met = judged.exit_standard_met
        check.follow_up = judged.follow_up or ""
        check.note = note
        check.checked_by = by
        check.save()
    return check


def _json(findings: dict[str, Any]) -> dict[str, Any]:
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in findings.items()}


RESULT_FOR_STATUS = {
    Status.ORDINARY: (CheckResult.CORRECT, CheckResult.MISSED),
    Status.POOR: (CheckResult.CORRECT, CheckResult.WRONG_INCLUSION),
    Status.EXITED: (CheckResult.CORRECT, CheckResult.WRONG_INCLUSION, CheckResult.WRONG_EXIT),
}
