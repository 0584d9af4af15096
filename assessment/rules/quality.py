"""Data-quality warnings DQ1–DQ7 (SPEC §4.5): what can only be seen over time. They never block."""

from __future__ import annotations

from .codes import GRADED_SCHOOLING, SCHOOLING_LABELS, FactKind, Relation, Status
from .context import HouseholdContext
from .results import QualityWarning
from .text import fact_detail, money


def data_quality_warnings(ctx: HouseholdContext) -> list[QualityWarning]:
    """The warnings of one household, in code order."""
    hh = ctx.household
    year = ctx.year
    registered = hh.status in (Status.POOR, Status.EXITED)
    warnings = []

    # DQ1 收入连续年度无变化 (seed 003 §三(四)1)
    previous = hh.incomes.get(year - 1)
    if registered and ctx.income is not None and previous is not None and ctx.income.parts() == previous.parts():
        warnings.append(
            QualityWarning(
                "DQ1",
                f"{year}年度与{year - 1}年度的工资性、生产经营性、财产性、转移性收入和生产经营性支出完全相同"
                f"（纯收入 {money(ctx.income.net)} 元），收入连续年度无变化",
            )
        )

    # DQ2 连续年度就读同一年级
    repeaters = [
        f"{m.name}（{SCHOOLING_LABELS[m.schooling_status]}）"
        for m in ctx.active
        if m.schooling_status in GRADED_SCHOOLING and m.previous_schooling_status == m.schooling_status
    ]
    if repeaters:
        warnings.append(
            QualityWarning("DQ2", f"{'、'.join(repeaters)}在{year - 1}、{year}年度就读同一年级，连续年度就读同一年级")
        )

    # DQ3 exactly one active head
    heads = sum(1 for m in ctx.active if m.relation == Relation.HEAD)
    if heads == 0:
        warnings.append(QualityWarning("DQ3", "无在册户主"))
    elif heads > 1:
        warnings.append(QualityWarning("DQ3", f"在册户主 {heads} 人，应为 1 人"))

    # DQ4 分户争贫
    if registered and ctx.active and min(ctx.ages) >= 60:
        registration_year = hh.registration_year or (hh.registered_on.year if hh.registered_on else None)
        if registration_year is not None and year - 2 <= registration_year <= year:
            if ctx.shared_address:
                how = f"地址「{hh.address}」与其他农户相同"
            elif hh.split_from_other:
                how = "登记为从其他农户分出"
            else:
                how = ""
            if how:
                warnings.append(
                    QualityWarning(
                        "DQ4",
                        f"在册成员均年满60岁，{registration_year}年建档立卡，{how}，疑似分户争贫",
                    )
                )

    # DQ5 an active member with a 死亡 fact
    dead = [
        f"{ctx.names[f.member_id_number]}{fact_detail(f)}"
        for f in ctx.facts.get(FactKind.DECEASED, ())
        if f.member_id_number
    ]
    if dead:
        warnings.append(QualityWarning("DQ5", f"在册成员{'、'.join(dead)}有死亡记录，仍在册"))

    # DQ6 no active member
    if not ctx.active:
        warnings.append(QualityWarning("DQ6", "无在册成员"))

    # DQ7 no income of the income year
    if ctx.income is None:
        warnings.append(QualityWarning("DQ7", f"无{year}年度收入记录：识别条件I1不成立，收入标准视为未达到"))
    return warnings
