"""Spot checks: the re-surveyed fields applied to the household, judged under the seed policy and classified
(correct / 漏评 / 错评 / 错退), overrides with a reason, optimistic locking.

The seed policy (tests.assessment.county.seed_policy): identification line 2,952.00, exit line 3,500.00, vehicles
from 30,000.00, water within 1 km, 错退 years 2016, 继续帮扶 years 2014–2015. ``ready_household`` meets every
standard (per-capita income 4,000.00, B-grade housing, insured members, a support measure).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assessment.loader import load_households
from assessment.review_models import SampledHousehold, SpotCheck
from assessment.spot_checks import CheckConflict, apply_findings, per_capita_of, record_check
from households.models import Household
from tests import factories as f
from tests.assessment import county as c
from tests.assessment import review_builders as b

D = Decimal


@pytest.fixture
def plan(policy, areas):
    return b.make_plan(b.make_assessment(policy), areas[f.TOWNSHIP_A])


def sampled(plan, status: str, *, exit_year: int | None = None, number: str = "S-0001") -> SampledHousehold:
    household = c.ready_household(
        plan.area.children.first().children.first(), number=number, status=status, exit_year=exit_year
    )
    return SampledHousehold.objects.create(
        plan=plan,
        household=household,
        position=1,
        number=household.number,
        status=status,
        stratum=status,
        village_code=household.village_code,
    )


CASES = [
    # status, exit year, findings, result, exit standard met, follow-up
    ("ordinary", None, None, "correct", None, ""),
    ("ordinary", None, {"per_capita_income": D("2000")}, "correct", None, ""),
    ("ordinary", None, {"per_capita_income": D("2000"), "housing_grade": "C"}, "missed", None, ""),
    ("ordinary", None, {"per_capita_income": D("2000"), "serious_disease": True}, "missed", None, ""),
    ("ordinary", None, {"income_total": D("5000"), "family_size": 2, "housing_grade": "D"}, "missed", None, ""),
    (
        "ordinary",
        None,
        {"per_capita_income": D("2000"), "housing_grade": "D", "vehicle": True, "vehicle_price": D("50000")},
        "correct",
        None,
        "",
    ),
    ("poor", None, None, "correct", True, ""),
    ("poor", None, {"housing_grade": "D"}, "correct", False, ""),
    ("poor", None, {"income_total": D("6000"), "family_size": 2}, "correct", False, ""),
    ("poor", None, {"vehicle": True, "vehicle_price": D("50000")}, "wrong_inclusion", True, ""),
    ("poor", None, {"vehicle": True, "vehicle_price": D("20000")}, "correct", True, ""),
    ("poor", None, {"public_payroll": True}, "wrong_inclusion", True, ""),
    ("exited", 2016, None, "correct", True, ""),
    ("exited", 2016, {"housing_grade": "D"}, "wrong_exit", False, ""),
    ("exited", 2016, {"per_capita_income": D("3000")}, "wrong_exit", False, ""),
    ("exited", 2016, {"water_radius_km": D("2.5")}, "wrong_exit", False, ""),
    ("exited", 2016, {"safe_water": False}, "wrong_exit", False, ""),
    ("exited", 2016, {"medical_covered": False}, "wrong_exit", False, ""),
    ("exited", 2016, {"out_of_school": True}, "wrong_exit", False, ""),
    ("exited", 2016, {"food_clothing_secured": False}, "wrong_exit", False, ""),
    ("exited", 2016, {"urban_property": True}, "wrong_inclusion", True, ""),
    ("exited", 2016, {"business": True, "housing_grade": "D"}, "wrong_inclusion", False, ""),
    ("exited", 2015, {"housing_grade": "D"}, "correct", False, "continue_support"),
    ("exited", 2017, {"housing_grade": "D"}, "correct", False, "return_risk"),
]


@pytest.mark.parametrize("status,exit_year,findings,result,exit_met,follow_up", CASES)
def test_the_rules_classify_the_re_surveyed_household(
    plan, county_user, status, exit_year, findings, result, exit_met, follow_up
):
    row = sampled(plan, status, exit_year=exit_year)
    check = record_check(row, confirmed=findings is None, findings=findings or {}, by=county_user)
    check.refresh_from_db()
    assert (check.computed_result, check.result) == (result, result)
    assert check.exit_standard_met is exit_met
    assert check.follow_up == follow_up
    assert check.status == status and check.checked_by == county_user
    assert check.confirmed is (findings is None)


def test_findings_are_stored_as_json(plan, county_user):
    row = sampled(plan, "ordinary")
    findings = {"per_capita_income": D("2000.50"), "housing_grade": "C", "safe_water": True}
    check = record_check(row, confirmed=False, findings=findings, by=county_user)
    check.refresh_from_db()
    assert check.findings == {"per_capita_income": "2000.50", "housing_grade": "C", "safe_water": True}
    assert check.outcome_codes == ["MISSED"]


def test_an_override_needs_a_reason_and_keeps_the_computed_result(plan, county_user):
    row = sampled(plan, "ordinary")
    with pytest.raises(ValueError, match="改判抽查结果必须填写理由"):
        record_check(row, confirmed=True, findings={}, result="missed", reason="  ", by=county_user)
    with pytest.raises(ValueError, match="一般农户不能判为「错退」"):
        record_check(row, confirmed=True, findings={}, result="wrong_exit", reason="实地发现", by=county_user)
    check = record_check(row, confirmed=True, findings={}, result="missed", reason=" 实地收入明显偏低 ", by=county_user)
    assert (check.computed_result, check.result, check.override_reason) == ("correct", "missed", "实地收入明显偏低")
    assert check.overridden
    again = record_check(
        row, confirmed=True, findings={}, result="correct", reason="不用了", by=county_user, expected_version=1
    )
    assert (again.result, again.override_reason, again.version) == ("correct", "", 2)


def test_a_stale_check_is_refused(plan, county_user):
    row = sampled(plan, "poor")
    record_check(row, confirmed=True, findings={}, by=county_user, expected_version=0)
    with pytest.raises(CheckConflict, match="已被他人修改"):
        record_check(row, confirmed=False, findings={"housing_grade": "D"}, by=county_user, expected_version=0)
    assert SpotCheck.objects.get().confirmed is True


def test_the_status_as_drawn_is_judged(plan, county_user):
    """The registry moved the household on after the draw: the check judges the status it was sampled in."""
    row = sampled(plan, "exited", exit_year=2016)
    Household.objects.filter(pk=row.household_id).update(status="poor")
    check = record_check(row, confirmed=False, findings={"housing_grade": "D"}, by=county_user)
    assert check.result == "wrong_exit"


@pytest.mark.parametrize(
    "findings,per_capita",
    [
        ({"per_capita_income": D("2951.99")}, D("2951.99")),
        ({"income_total": D("10000"), "family_size": 3}, D("3333.33")),
        ({"income_total": D("10000"), "family_size": 6}, D("1666.67")),
        ({"housing_grade": "C"}, None),
    ],
)
def test_the_per_capita_income_of_the_findings(findings, per_capita):
    assert per_capita_of(findings) == per_capita


def test_apply_findings_replaces_only_what_was_found(areas, policy):
    household = c.ready_household(areas[f.GROUP_A1], number="X-1")
    data = next(load_households(Household.objects.filter(pk=household.pk), income_year=2018))
    changed = apply_findings(data, {"per_capita_income": D("2000"), "housing_grade": "D"}, income_year=2018)
    assert changed.incomes[2018].net == D("6000")  # 2,000 × 3 active members
    assert changed.housing_grade == "D"
    assert (changed.safe_water, changed.water_radius_km, changed.facts) == (
        data.safe_water,
        data.water_radius_km,
        data.facts,
    )
    cleared = apply_findings(data, {"vehicle": False, "medical_covered": False}, income_year=2018)
    assert all(m.medical_insurance is False and m.family_doctor is False for m in cleared.members)
    assert data.members[0].medical_insurance is True  # the loaded data is not changed
