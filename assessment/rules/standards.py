"""Exit standards (SPEC §4.3): Yunnan's 户"7条" (Y1–Y7, seed 003) and Guangdong's 八有 (G1–G8, seed 002).

``Criterion.holds`` means the standard is met. An unknown value (None, an empty grade) never meets a standard.
"""

from __future__ import annotations

from .codes import DROPOUT_LABELS, SAFE_GRADES, Dropout, FactKind, Relocation, Schooling, StandardSet
from .context import HouseholdContext
from .results import Criterion
from .text import km, yes_no


def exit_standards(ctx: HouseholdContext) -> dict[str, Criterion]:
    """Every standard of the policy's set, by code, in code order."""
    if ctx.policy.exit_standard_set == StandardSet.GUANGDONG8:
        return {
            "G1": income_share_standard(ctx),
            "G2": housing_standard(ctx, "G2"),
            "G3": schooling_standard(ctx, "G3"),
            "G4": medical_standard(ctx, "G4"),
            "G5": water_standard(ctx, "G5"),
            "G6": _utility(ctx, "G6", ctx.household.electricity, "通生活用电"),
            "G7": _utility(ctx, "G7", ctx.household.radio_tv, "通广播电视"),
            "G8": _utility(ctx, "G8", ctx.household.broadband, "通宽带"),
        }
    return {
        "Y1": income_food_standard(ctx),
        "Y2": water_standard(ctx, "Y2"),
        "Y3": housing_standard(ctx, "Y3"),
        "Y4": schooling_standard(ctx, "Y4"),
        "Y5": medical_standard(ctx, "Y5"),
        "Y6": pension_standard(ctx),
        "Y7": support_standard(ctx),
    }


def unmet_codes(standards: dict[str, Criterion]) -> list[str]:
    return [code for code, criterion in standards.items() if not criterion.holds]


def _no_income_message(ctx: HouseholdContext) -> str:
    if ctx.income is None:
        return f"无{ctx.year}年度收入记录"
    return "无在册成员，无法计算人均纯收入"


def income_food_standard(ctx: HouseholdContext) -> Criterion:
    """Y1 两不愁: income strictly above the exit line (「稳定超过3500元」) and food and clothing secured."""
    line = ctx.prepared.exit_line
    income = ctx.per_capita
    if income is None:
        income_ok = False
        text = _no_income_message(ctx)
    else:
        income_ok = income > line
        verb = "高于" if income_ok else "未高于"
        text = f"人均纯收入 {income:,.2f} 元，{verb}脱贫收入标准 {ctx.prepared.exit_text} 元"
    food = ctx.household.food_clothing_secured
    food_text = "不愁吃、不愁穿" if food is True else ("未实现不愁吃、不愁穿" if food is False else "不愁吃穿情况未知")
    return Criterion("Y1", income_ok and food is True, f"{text}，{food_text}", value=income, threshold=line)


def income_share_standard(ctx: HouseholdContext) -> Criterion:
    """G1: income at least the provincial rural reference income × ratio (「不低于…45%」); the product is exact."""
    line = ctx.prepared.exit_line
    income = ctx.per_capita
    basis = ctx.prepared.reference_text
    if income is None:
        return Criterion("G1", False, f"{_no_income_message(ctx)}，不能认定达到{basis}", threshold=line)
    met = income >= line
    verb = "不低于" if met else "低于"
    return Criterion("G1", met, f"人均纯收入 {income:,.2f} 元，{verb}{basis}", value=income, threshold=line)


def water_standard(ctx: HouseholdContext, code: str) -> Criterion:
    """Y2/G5: 饮水安全 = 是 and the fetching radius at most the limit (exactly 1.0 km meets it)."""
    hh = ctx.household
    limit = ctx.prepared.radius_limit
    limit_text = ctx.prepared.radius_text
    radius = hh.water_radius_km
    safe = hh.safe_water
    water = "饮水安全" if safe is True else ("饮水不安全" if safe is False else "饮水安全情况未知")
    if radius is None:
        within = False
        text = f"{water}，取水半径未知（标准不超过 {limit_text} 公里）"
    else:
        within = radius <= limit
        text = f"{water}，取水半径 {km(radius)} 公里，{'不超过' if within else '超过'} {limit_text} 公里"
    return Criterion(code, safe is True and within, text, value=radius, threshold=limit)


def housing_standard(ctx: HouseholdContext, code: str) -> Criterion:
    """Y3/G2: housing grade A or B, and not relocated without moving in (seed 003: 「必须以入住为准」)."""
    hh = ctx.household
    grade = hh.housing_grade
    if grade in SAFE_GRADES:
        text = f"住房安全等级为{grade}级"
    elif grade:
        text = f"住房为{grade}级危房"
    else:
        text = "住房安全等级未知"
    moved_not_in = hh.relocation == Relocation.MOVED_NOT_IN
    if moved_not_in:
        text += "，易地扶贫搬迁已搬迁未入住"
    return Criterion(code, grade in SAFE_GRADES and not moved_not_in, text, value=grade or None)


def schooling_standard(ctx: HouseholdContext, code: str) -> Criterion:
    """Y4/G3: no active member aged 6–15 has a dropout reason, and no active member left school 因贫."""
    failing = []
    for member, age in zip(ctx.active, ctx.ages, strict=True):
        reason = member.dropout_reason
        if reason and (6 <= age <= 15 or reason == Dropout.POVERTY):
            failing.append(f"{member.name}（{age}岁，{DROPOUT_LABELS.get(reason, reason)}）")
    if failing:
        return Criterion(code, False, "有失学辍学成员：" + "、".join(failing), value=len(failing))
    return Criterion(code, True, "无6–15岁失学辍学成员，无因贫辍学成员", value=0)


_MEDICAL = (
    ("medical_insurance", "基本医疗保险"),
    ("serious_illness_insurance", "大病保险"),
    ("family_doctor", "家庭医生签约"),
)


def medical_standard(ctx: HouseholdContext, code: str) -> Criterion:
    """Y5/G4: every active member has basic medical insurance, serious-illness insurance and a family doctor."""
    failing = []
    for member in ctx.active:
        if (
            member.medical_insurance is True
            and member.serious_illness_insurance is True
            and member.family_doctor is True
        ):
            continue
        gaps = "，".join(
            f"{label}：{yes_no(getattr(member, name))}" for name, label in _MEDICAL if getattr(member, name) is not True
        )
        failing.append(f"{member.name}（{gaps}）")
    if failing:
        return Criterion(code, False, "医疗保障未全覆盖：" + "；".join(failing), value=len(failing))
    return Criterion(code, True, f"{len(ctx.active)}名在册成员均参加基本医疗保险、大病保险并签约家庭医生", value=0)


def pension_standard(ctx: HouseholdContext) -> Criterion:
    """Y6: every active member aged 16–59 whose schooling status is 非在校生 has pension insurance."""
    failing = []
    for member, age in zip(ctx.active, ctx.ages, strict=True):
        if (
            16 <= age <= 59
            and member.schooling_status == Schooling.NOT_STUDENT
            and member.pension_insurance is not True
        ):
            failing.append(f"{member.name}（{age}岁，养老保险：{yes_no(member.pension_insurance)}）")
    if failing:
        return Criterion("Y6", False, "16–59岁非在校成员未参加养老保险：" + "、".join(failing), value=len(failing))
    return Criterion("Y6", True, "16–59岁非在校成员均参加养老保险", value=0)


def support_standard(ctx: HouseholdContext) -> Criterion:
    """Y7: at least one 帮扶措施 fact (a member-level one counts for the household)."""
    facts = ctx.facts.get(FactKind.SUPPORT_MEASURE, ())
    if not facts:
        return Criterion("Y7", False, "无帮扶措施记录", value=0, threshold=1)
    kinds = "、".join(dict.fromkeys(f.category for f in facts if f.category))
    text = f"享受帮扶措施 {len(facts)} 项" + (f"（{kinds}）" if kinds else "")
    return Criterion("Y7", True, text, value=len(facts), threshold=1)


def _utility(ctx: HouseholdContext, code: str, value: bool | None, label: str) -> Criterion:
    """G6–G8: 通生活用电, 通广播电视, 通宽带 = 是."""
    text = label if value is True else (f"未{label}" if value is False else f"{label}情况未知")
    return Criterion(code, value is True, text, value=value)
