"""The satisfaction survey of a plan (民意测评, 5:3:2, seed 002 §五(四)): recording answers within the quotas and
checking the recorded survey (sampling.check_satisfaction_survey).

A drawn respondent who cannot be met may be replaced by another household of the same village and group (替换户);
an answer that would take its group past the village's 5:3:2 quota is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from households.models import Area, User

from .review_models import SampledHousehold, SamplePlan, SatisfactionResponse
from .samples import load_units, scope_households, scope_villages
from .sampling import (
    SATISFACTION_GROUP_LABELS,
    SATISFACTION_GROUPS,
    QuotaCheck,
    SurveyResponse,
    check_satisfaction_survey,
    satisfaction_quotas,
)


class SurveyError(Exception):
    """An answer that may not be recorded (Chinese message)."""


@dataclass(frozen=True, slots=True)
class Respondent:
    household_id: int
    number: str
    village: str
    group: str


def respondent_for(plan: SamplePlan, number: str) -> Respondent:
    """The household numbered ``number`` as a respondent of the plan: in one of its survey villages, in a group."""
    villages = scope_villages(plan.area.code)
    poor = {v.code for v in villages if v.poor_village}
    loaded = load_units(
        scope_households(plan.area.code).filter(number=number), year=plan.assessment.year, poor_villages=poor
    )
    if not loaded:
        raise SurveyError(f"户编号 {number} 不在本方案的范围内")
    item = loaded[0]
    if item.unit.village not in plan.satisfaction_village_codes:
        raise SurveyError(f"户 {number} 不在本方案的民意测评村")
    if item.unit.satisfaction_group is None:
        raise SurveyError(f"户 {number} 不属于有劳动能力贫困户、一般农户或无劳动能力低保五保户，不能作为测评对象")
    return Respondent(item.pk, number, item.unit.village, item.unit.satisfaction_group)


def record_answer(
    plan: SamplePlan, respondent: Respondent, *, answer: str, name: str = "", note: str = "", by: User | None
) -> SatisfactionResponse:
    """Store (or change) one answer; a new answer over its group's quota in its village is refused."""
    if answer not in SatisfactionResponse.Answer.values:
        raise SurveyError("请选择测评结果：满意、基本满意或不满意")
    with transaction.atomic():
        SamplePlan.objects.select_for_update().filter(pk=plan.pk).first()  # one answer at a time per plan
        existing = SatisfactionResponse.objects.filter(plan=plan, household_id=respondent.household_id).first()
        if existing is None:
            quota = satisfaction_quotas(plan.satisfaction_per_village)[respondent.group]
            taken = SatisfactionResponse.objects.filter(
                plan=plan, village_code=respondent.village, group=respondent.group
            ).count()
            if taken >= quota:
                label = SATISFACTION_GROUP_LABELS[respondent.group]
                village = Area.objects.filter(code=respondent.village).values_list("name", flat=True).first()
                raise SurveyError(
                    f"{village or '村'}（{respondent.village}）的{label}已测评 {taken} 户，"
                    f"按 5:3:2 每村 {plan.satisfaction_per_village} 户的配额为 {quota} 户，不能再增加"
                )
            existing = SatisfactionResponse(
                plan=plan,
                household_id=respondent.household_id,
                number=respondent.number,
                village_code=respondent.village,
                group=respondent.group,
            )
        existing.answer = answer
        existing.respondent = name
        existing.note = note
        existing.recorded_by = by
        existing.save()
    return existing


def survey_check(responses: list[SatisfactionResponse], plan: SamplePlan) -> QuotaCheck:
    return check_satisfaction_survey(
        [SurveyResponse(r.number, r.village_code, r.group, r.answer) for r in responses],
        min_villages=2,
        min_per_village=max(plan.satisfaction_per_village, 10),
    )


@dataclass(frozen=True, slots=True)
class VillageSurvey:
    """One survey village on the page: per group its quota, drawn respondents and answers."""

    code: str
    name: str
    groups: tuple[dict, ...]


def village_surveys(
    plan: SamplePlan, drawn: list[SampledHousehold], responses: list[SatisfactionResponse], names: dict[str, str]
) -> list[VillageSurvey]:
    quotas = satisfaction_quotas(plan.satisfaction_per_village)
    answers = {r.household_id: r for r in responses}
    result = []
    for code in plan.satisfaction_village_codes:
        groups = []
        for group in SATISFACTION_GROUPS:
            people = [d for d in drawn if d.village_code == code and d.satisfaction_group == group]
            drawn_ids = {d.household_id for d in people}
            substitutes = [
                r for r in responses if r.village_code == code and r.group == group and r.household_id not in drawn_ids
            ]
            answered = sum(1 for r in responses if r.village_code == code and r.group == group)
            groups.append(
                {
                    "group": group,
                    "label": SATISFACTION_GROUP_LABELS[group],
                    "quota": quotas[group],
                    "answered": answered,
                    "rows": [(d, answers.get(d.household_id)) for d in people],
                    "substitutes": substitutes,
                }
            )
        result.append(VillageSurvey(code, names.get(code, code), tuple(groups)))
    return result
