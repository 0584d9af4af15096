"""The identification conditions I1–I5 (SPEC §4, seed 001 §二(一)).

A household meets them when (I1 and at least one of I2, I3, I4) or I5 holds. Unknown values never make a
condition hold (an unknown housing grade is not C or D; a missing income record makes I1 fail).
"""

from __future__ import annotations

from .codes import BEYOND_COMPULSORY, DANGEROUS_GRADES, SCHOOLING_LABELS, Attribute, FactKind
from .context import HouseholdContext
from .results import Criterion, FactUse
from .text import fact_detail


def identification_conditions(ctx: HouseholdContext, standards: dict[str, Criterion]) -> dict[str, Criterion]:
    """I1–I5 by code. ``standards`` are the household's exit standards (I5 needs to know they are not all met)."""
    return {
        "I1": income_condition(ctx),
        "I2": housing_condition(ctx),
        "I3": disease_condition(ctx),
        "I4": study_burden_condition(ctx),
        "I5": dibao_condition(ctx, standards),
    }


def meets_identification(conditions: dict[str, Criterion]) -> bool:
    if conditions["I5"].holds:
        return True
    return conditions["I1"].holds and (conditions["I2"].holds or conditions["I3"].holds or conditions["I4"].holds)


def income_condition(ctx: HouseholdContext) -> Criterion:
    """I1: per-capita net income strictly below the identification line (2,952.00 itself does not hold)."""
    prepared = ctx.prepared
    line = prepared.identification_line
    income = ctx.per_capita
    if income is None:
        if ctx.income is None:
            text = f"无{ctx.year}年度收入记录，不能认定人均纯收入低于识别标准 {prepared.identification_text} 元"
        else:
            text = "无在册成员，无法计算人均纯收入"
        return Criterion("I1", False, text, threshold=line)
    holds = income < line
    verb = "低于" if holds else "不低于"
    text = f"人均纯收入 {income:,.2f} 元，{verb}识别标准 {prepared.identification_text} 元"
    return Criterion("I1", holds, text, income, line)


def housing_condition(ctx: HouseholdContext) -> Criterion:
    """I2: housing grade C or D."""
    grade = ctx.household.housing_grade
    if grade in DANGEROUS_GRADES:
        return Criterion("I2", True, f"居住{grade}级危房", value=grade)
    if grade:
        return Criterion("I2", False, f"住房安全等级为{grade}级，不是危房", value=grade)
    return Criterion("I2", False, "住房安全等级未知")


def disease_condition(ctx: HouseholdContext) -> Criterion:
    """I3: an active member's health is 患有大病."""
    sick = [m.name for m in ctx.active if m.serious_disease]
    if sick:
        return Criterion("I3", True, f"家庭成员{'、'.join(sick)}患有大病", value=len(sick))
    return Criterion("I3", False, "无在册成员患有大病", value=0)


def study_burden_condition(ctx: HouseholdContext) -> Criterion:
    """I4: an active member studies beyond compulsory education with the heavy-burden flag."""
    students = [
        f"{m.name}就读{SCHOOLING_LABELS[m.schooling_status]}"
        for m in ctx.active
        if m.heavy_study_burden and m.schooling_status in BEYOND_COMPULSORY
    ]
    if students:
        return Criterion("I4", True, f"{'、'.join(students)}，经济负担较重", value=len(students))
    return Criterion("I4", False, "无义务教育阶段外就读且负担较重的在册成员", value=0)


def dibao_condition(ctx: HouseholdContext, standards: dict[str, Criterion]) -> Criterion:
    """I5: receives 低保 (a 享受低保 fact, or attribute 低保贫困户) and does not meet the exit standard."""
    facts = ctx.facts.get(FactKind.DIBAO)
    attribute = ctx.household.attribute == Attribute.DIBAO
    if not facts and not attribute:
        return Criterion("I5", False, "未享受低保")
    uses = tuple(FactUse(f, ctx.who(f)) for f in facts or ())
    sources = ["低保贫困户"] if attribute else []
    sources.extend(f"{use.member_name}享受低保{fact_detail(use.fact)}" for use in uses)
    unmet = [code for code, criterion in standards.items() if not criterion.holds]
    receives = "享受低保（" + "；".join(sources) + "）"
    if unmet:
        return Criterion("I5", True, f"{receives}，且未达到脱贫标准（{'、'.join(unmet)}未达到）", facts=uses)
    return Criterion("I5", False, f"{receives}，但已达到脱贫标准", facts=uses)
