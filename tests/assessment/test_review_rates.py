"""Rates per township and county from the stored checks and answers: the seeds' figures with their intervals, the
basis, the targets, the households behind every number, and who sees which township."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment.review_models import Assessment, SatisfactionResponse
from assessment.review_rates import assessment_rates
from households.models import Household
from tests import factories as f
from tests.assessment import review_builders as b


@pytest.fixture
def assessment(policy):
    return b.make_assessment(policy)


def seed_004(assessment, areas):
    """Seed 004 §二(一): 1,522 sampled households, 21 漏评 and 5 错退 (the rest of the sample correct)."""
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A])
    results = (
        [("ordinary", "missed")] * 21
        + [("exited", "wrong_exit")] * 5
        + [("ordinary", "correct")] * 996
        + [("poor", "correct")] * 300
        + [("exited", "correct")] * 200
    )
    return b.bulk_checks(plan, areas[f.GROUP_A1], results, prefix="T")


def test_the_seeds_figures_on_the_basis_of_all_sampled_households(assessment, areas):
    seed_004(assessment, areas)
    Assessment.objects.filter(pk=assessment.pk).update(rate_basis="all")
    assessment.refresh_from_db()
    townships, county = assessment_rates(assessment)
    assert list(townships) == [f.TOWNSHIP_A]
    assert (county.missed.found, county.missed.sampled, county.missed.percent) == (21, 1522, "1.38%")
    assert county.missed.wilson_text == "0.90%–2.10%"
    assert (county.wrong_exit.found, county.wrong_exit.percent, county.wrong_exit.wilson_text) == (
        5,
        "0.33%",
        "0.14%–0.77%",
    )
    assert county.identification_error.meets_target is True  # 21 / 1522 = 1.38% ≤ 2%


@pytest.mark.parametrize(
    "rate,found,sampled,percent",
    [
        ("missed", 21, 1017, "2.06%"),
        ("wrong_inclusion", 0, 505, "0.00%"),
        ("wrong_exit", 5, 205, "2.44%"),
        ("identification_error", 21, 1522, "1.38%"),
    ],
)
def test_the_default_basis_divides_by_the_stratum(assessment, areas, rate, found, sampled, percent):
    seed_004(assessment, areas)
    _, county = assessment_rates(assessment)
    value = getattr(county, rate)
    assert (value.found, value.sampled, value.percent) == (found, sampled, percent)


def test_the_rates_page_shows_numbers_and_intervals(client_for, leader_user, assessment, areas):
    seed_004(assessment, areas)
    page = client_for(leader_user).get(reverse("assessment:rates", args=[assessment.pk])).text
    assert "2.06%" in page and "1.38%" in page and "按可能出错的样本户" in page
    url = reverse("assessment:rate_households", args=[assessment.pk])
    assert f"{url}?rate=missed&amp;area={f.TOWNSHIP_A}&amp;which=found" in page
    assert f"{url}?rate=missed&amp;area={f.COUNTY_CODE}&amp;which=sampled" in page
    assert "全县" in page
    everyone = client_for(leader_user).get(
        url, {"rate": "identification_error", "area": f.COUNTY_CODE, "which": "sampled"}
    )
    assert everyone.text.count('href="/households/T') == 1522


def test_the_households_behind_a_number(client_for, assessor_user, assessment, areas):
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A])
    numbers = b.bulk_checks(
        plan, areas[f.GROUP_A1], [("ordinary", "missed"), ("ordinary", "correct"), ("poor", "correct")], prefix="M"
    )
    client = client_for(assessor_user)
    url = reverse("assessment:rate_households", args=[assessment.pk])
    found = client.get(url, {"rate": "missed", "area": f.TOWNSHIP_A, "which": "found"}).text
    assert reverse("households:detail", args=[numbers[0]]) in found
    assert numbers[1] not in found and "漏评" in found
    sampled = client.get(url, {"rate": "missed", "area": f.TOWNSHIP_A, "which": "sampled"}).text
    assert numbers[0] in sampled and numbers[1] in sampled and numbers[2] not in sampled
    everyone = client.get(url, {"rate": "identification_error", "area": f.COUNTY_CODE, "which": "sampled"}).text
    assert all(n in everyone for n in numbers)
    assert client.get(url, {"rate": "nope", "area": f.TOWNSHIP_A, "which": "found"}).status_code == 404
    assert client.get(url, {"rate": "missed", "area": f.TOWNSHIP_B, "which": "found"}).status_code == 404


def test_satisfaction_rate_and_target(client_for, assessor_user, assessment, areas):
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A])
    answers = ["satisfied"] * 8 + ["basically_satisfied"] + ["dissatisfied"]
    for i, value in enumerate(answers):
        h = b.household(areas[f.GROUP_A1], f"Q{i:02d}", "poor")
        SatisfactionResponse.objects.create(
            plan=plan, household=h, number=h.number, village_code=h.village_code, group="poor_with_labour", answer=value
        )
    _, county = assessment_rates(assessment)
    assert (county.satisfaction.found, county.satisfaction.sampled, county.satisfaction.percent) == (9, 10, "90.00%")
    assert county.satisfaction.meets_target is True  # 90.00% meets ≥ 90%
    url = reverse("assessment:rate_households", args=[assessment.pk])
    page = client_for(assessor_user).get(url, {"rate": "satisfaction", "area": f.TOWNSHIP_A, "which": "sampled"}).text
    assert "不满意" in page and "基本满意" in page


def test_a_township_user_sees_only_its_township(client_for, township_b_user, assessment, areas):
    plan_a = b.make_plan(assessment, areas[f.TOWNSHIP_A])
    plan_b = b.make_plan(assessment, areas[f.TOWNSHIP_B])
    b.bulk_checks(plan_a, areas[f.GROUP_A1], [("ordinary", "missed")], prefix="A")
    b.bulk_checks(plan_b, areas[f.GROUP_B1], [("ordinary", "correct"), ("poor", "correct")], prefix="B")
    client = client_for(township_b_user)
    page = client.get(reverse("assessment:rates", args=[assessment.pk])).text
    assert "阿旺镇" in page and "铜都街道" not in page and "全县" not in page
    url = reverse("assessment:rate_households", args=[assessment.pk])
    assert client.get(url, {"rate": "missed", "area": f.TOWNSHIP_A, "which": "found"}).status_code == 404
    mine = client.get(url, {"rate": "identification_error", "area": f.TOWNSHIP_B, "which": "sampled"}).text
    assert "B00000" in mine and "A00000" not in mine


def test_rate_households_runs_constant_queries(
    client_for, assessor_user, assessment, areas, django_assert_max_num_queries
):
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A])
    url = reverse("assessment:rate_households", args=[assessment.pk])
    query = {"rate": "identification_error", "area": f.TOWNSHIP_A, "which": "sampled"}
    client = client_for(assessor_user)
    b.bulk_checks(plan, areas[f.GROUP_A1], [("ordinary", "missed")] * 2, prefix="C")
    with django_assert_max_num_queries(20) as few:
        assert client.get(url, query).status_code == 200
    b.bulk_checks(plan, areas[f.GROUP_A1], [("poor", "correct")] * 20, prefix="D")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, query)
    assert page.text.count("<tr>") >= 22
    assert Household.objects.count() == 22
