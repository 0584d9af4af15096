"""The satisfaction survey of a plan: 5:3:2 quotas per village enforced when answers are recorded, substitutes,
and the problems of the recorded survey shown on the page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessment.review_models import SatisfactionResponse
from assessment.samples import draw_plan
from assessment.satisfaction import SurveyError, record_answer, respondent_for
from households.choices import HouseholdStatus, PovertyAttribute
from tests import factories as f
from tests.assessment import review_builders as b

LABOUR = [f"L{i:02d}" for i in range(1, 8)]  # 7 poor households with labour
ORDINARY = [f"O{i:02d}" for i in range(1, 6)]  # 5 ordinary households
DIBAO = [f"D{i:02d}" for i in range(1, 4)]  # 3 低保 households without labour


@pytest.fixture
def plan(areas, policy, county_user):
    group = areas[f.GROUP_A1]
    for number in LABOUR:
        b.household(group, number, HouseholdStatus.POOR)
    for number in ORDINARY:
        b.household(group, number, HouseholdStatus.ORDINARY)
    for number in DIBAO:
        b.household(group, number, HouseholdStatus.POOR, labour=False, attribute=PovertyAttribute.DIBAO)
    b.household(group, "N01", HouseholdStatus.POOR, labour=False)  # in no group
    b.household(areas[f.GROUP_B1], "B01", HouseholdStatus.POOR)  # another township
    plan = b.make_plan(
        b.make_assessment(policy), areas[f.TOWNSHIP_A], satisfaction_villages=2, satisfaction_per_village=10
    )
    return draw_plan(plan, by=county_user)


def drawn(plan, group: str) -> list[str]:
    rows = plan.drawn.filter(purpose="satisfaction", satisfaction_group=group).order_by("number")
    return list(rows.values_list("number", flat=True))


def answer(plan, number: str, value: str = "satisfied", user=None):
    return record_answer(plan, respondent_for(plan, number), answer=value, by=user)


def test_respondents_are_drawn_by_the_quotas(plan):
    assert len(drawn(plan, "poor_with_labour")) == 5
    assert len(drawn(plan, "ordinary")) == 3
    dibao = drawn(plan, "no_labour_dibao_wubao")
    assert len(dibao) == 2 and set(dibao) <= set(DIBAO)
    assert set(drawn(plan, "poor_with_labour")) <= set(LABOUR) and set(drawn(plan, "ordinary")) <= set(ORDINARY)
    # Village 石羊村 has no households: reported, not filled from elsewhere.
    assert any(f.VILLAGE_A2 in text for text in plan.shortfalls)


def test_an_answer_over_the_quota_is_refused(plan, county_user):
    chosen = drawn(plan, "poor_with_labour")
    for number in chosen:
        answer(plan, number, user=county_user)
    extra = next(n for n in LABOUR if n not in chosen)
    message = "箐口村（530113001001）的有劳动能力贫困户已测评 5 户，按 5:3:2 每村 10 户的配额为 5 户，不能再增加"
    with pytest.raises(SurveyError, match=re.escape(message)):
        answer(plan, extra)
    # Changing a recorded answer is not a new respondent.
    changed = answer(plan, chosen[0], "dissatisfied")
    assert changed.answer == "dissatisfied"
    assert SatisfactionResponse.objects.count() == 5


def test_a_substitute_of_the_same_group_fits_in_the_quota(plan, county_user):
    chosen = drawn(plan, "ordinary")
    answer(plan, chosen[0])
    answer(plan, chosen[1])
    substitute = next(n for n in ORDINARY if n not in chosen)
    row = answer(plan, substitute, "basically_satisfied")
    assert (row.group, row.village_code) == ("ordinary", f.VILLAGE_A1)
    with pytest.raises(SurveyError, match="一般农户已测评 3 户"):
        answer(plan, chosen[2])


@pytest.mark.parametrize(
    "number,message",
    [
        ("B01", "户编号 B01 不在本方案的范围内"),
        ("N01", "不属于有劳动能力贫困户、一般农户或无劳动能力低保五保户"),
        ("NOPE", "户编号 NOPE 不在本方案的范围内"),
    ],
)
def test_who_cannot_answer(plan, number, message):
    with pytest.raises(SurveyError, match=message):
        answer(plan, number)


def test_answer_must_be_one_of_three(plan):
    with pytest.raises(SurveyError, match="请选择测评结果"):
        record_answer(plan, respondent_for(plan, "L01"), answer="maybe", by=None)


def test_the_page_shows_the_quota_problems(client_for, assessor_user, plan):
    for number in drawn(plan, "poor_with_labour")[:4]:
        answer(plan, number)
    page = client_for(assessor_user).get(reverse("assessment:satisfaction_survey", args=[plan.pk])).text
    assert "至少应测评 2 个村，现有 1 个" in page
    assert (
        f"箐口村（{f.VILLAGE_A1}）已测评 4 户，按 5:3:2 至少应为 10 户，还缺：有劳动能力贫困户 1 户、一般农户 3 户"
        in page
    )
    assert "配额 5 户，已测评 4 户" in page


def test_the_page_records_and_refuses_with_the_typed_values(client_for, assessor_user, plan):
    client = client_for(assessor_user)
    url = reverse("assessment:satisfaction_survey", args=[plan.pk])
    response = client.post(url, {"number": "L01", "answer": "satisfied", "respondent": "张三"})
    assert response.status_code == 302 and SatisfactionResponse.objects.get().respondent == "张三"
    refused = client.post(url, {"number": "B01", "answer": "satisfied", "respondent": "李四"})
    assert "户编号 B01 不在本方案的范围内" in refused.text and "李四" in refused.text
    missing = client.post(url, {"number": "L02", "respondent": "王五"})
    assert "请选择测评结果" in missing.text
