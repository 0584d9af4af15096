"""Drawing a plan from the registry: what the sampler sees, reproducible draws (the same literal list on SQLite and
PostgreSQL, whatever the insertion order), villages first, shortfalls, and when a redraw is refused."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assessment.models import AdjustmentCase, Campaign
from assessment.review_models import SampledHousehold, SamplePlan
from assessment.samples import (
    PlanConflict,
    PlanError,
    compute_draw,
    draw_plan,
    load_units,
    plan_units,
    save_plan,
    scope_households,
)
from assessment.sampling import SampleUnit, SeededDraw, interval_sample, random_sample
from assessment.satisfaction import record_answer, respondent_for
from assessment.spot_checks import record_check
from assessment.workflow import CaseKind, Stage
from households.choices import FactKind, HouseholdStatus, PovertyAttribute, PovertyCause
from households.models import Area, Fact, Household
from tests import factories as f
from tests.assessment import review_builders as b

# The literal draw of township A's known roster with seed "2018-县考核" (review_builders.known_roster):
# 未脱贫户 12 → 4 at interval k = 3 (start 0); 已脱贫户 4 → 2 (k = 2); 一般农户 10 → 3 at random.
EXPECTED_CHECK = [
    "53011300100001",
    "53011300100004",
    "53011300100007",
    "53011300100010",
    "53011300200002",
    "53011300200004",
    "53011300300005",
    "53011300300007",
    "53011300300009",
]
EXPECTED_SURVEY = [
    "53011300100003",
    "53011300100005",
    "53011300100009",
    "53011300200001",
    "53011300200003",
    "53011300300003",
    "53011300300007",
    "53011300300009",
    "53011300100002",
    "53011300100006",
    "53011300100010",
    "53011300100012",
    "53011300200004",
    "53011300300002",
    "53011300300006",
    "53011300300010",
]
STRATA = {"poor": 4, "exited": 2, "ordinary": 3}


@pytest.fixture
def assessment(policy):
    return b.make_assessment(policy)


def drawn_numbers(plan: SamplePlan, purpose: str = "check") -> list[str]:
    return list(plan.drawn.filter(purpose=purpose).order_by("position").values_list("number", flat=True))


@pytest.mark.parametrize("shuffle_seed", [7, 123])
def test_the_same_seed_draws_the_literal_list_whatever_the_insertion_order(
    areas, assessment, county_user, shuffle_seed
):
    b.known_roster(areas, shuffle_seed=shuffle_seed)
    plan = b.make_plan(
        assessment, areas[f.TOWNSHIP_A], strata=STRATA, satisfaction_villages=2, satisfaction_per_village=10
    )
    plan = draw_plan(plan, by=county_user)
    assert drawn_numbers(plan) == EXPECTED_CHECK
    assert drawn_numbers(plan, "satisfaction") == EXPECTED_SURVEY
    assert plan.status == SamplePlan.Status.DRAWN and plan.version == 2
    assert plan.satisfaction_village_codes == [f.VILLAGE_A1, f.VILLAGE_A2]
    # No 低保/五保 household without labour in the roster: reported per village, not filled from another group.
    assert plan.shortfalls == [
        f"民意测评：箐口村（{f.VILLAGE_A1}）的无劳动能力低保五保户应抽 2 户，只有 0 户",
        f"民意测评：石羊村（{f.VILLAGE_A2}）的无劳动能力低保五保户应抽 2 户，只有 0 户",
    ]


def test_a_redraw_gives_the_same_households_and_fingerprint(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA), by=county_user)
    first, fingerprint = drawn_numbers(plan), plan.roster_fingerprint
    plan = draw_plan(plan, by=county_user, expected_version=plan.version)
    assert drawn_numbers(plan) == first and plan.roster_fingerprint == fingerprint
    assert len(fingerprint) == 64


def test_another_seed_draws_other_households(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA, seed="另一个种子"), by=county_user)
    assert drawn_numbers(plan) != EXPECTED_CHECK


def test_interval_sampling_over_the_roster_by_number(areas, assessment, county_user):
    """The poor stratum is the interval sample of the ordered roster, recomputed from the documented formula."""
    b.known_roster(areas)
    plan = draw_plan(b.make_plan(assessment, areas[f.TOWNSHIP_A], strata={"poor": 4}), by=county_user)
    expected = interval_sample(b.POOR, 4, SeededDraw("2018-县考核", f.TOWNSHIP_A, "poor", "rest"))
    assert drawn_numbers(plan) == list(expected)
    # k = 12 / 4 = 3: every third household from the start.
    positions = [b.POOR.index(n) for n in drawn_numbers(plan)]
    assert [q - p for p, q in zip(positions, positions[1:], strict=False)] == [3, 3, 3]
    assert set(plan.drawn.values_list("method", flat=True)) == {"interval"}


def test_ordinary_households_are_drawn_at_random(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(b.make_plan(assessment, areas[f.TOWNSHIP_A], strata={"ordinary": 3}), by=county_user)
    expected = random_sample(b.ORDINARY, 3, SeededDraw("2018-县考核", f.TOWNSHIP_A, "ordinary", "rest"))
    assert drawn_numbers(plan) == list(expected)
    assert set(plan.drawn.values_list("method", flat=True)) == {"random"}


def test_what_the_sampler_sees(areas, assessment, policy):
    Area.objects.filter(code=f.VILLAGE_A1).update(is_poor_village=True)
    campaign = Campaign.objects.create(
        year=2018, name="2018", policy=policy, starts_on=datetime.date(2018, 1, 1), is_current=True
    )
    b.household(areas[f.GROUP_A1], "P1", HouseholdStatus.POOR, main_cause=PovertyCause.ILLNESS)
    exiting = b.household(areas[f.GROUP_A2], "P2", HouseholdStatus.POOR)
    withdrawn = b.household(areas[f.GROUP_A2], "P3", HouseholdStatus.POOR, other_causes="07,02")
    b.household(areas[f.GROUP_A1], "E1", HouseholdStatus.EXITED, labour=False)
    dibao = b.household(areas[f.GROUP_A2], "O1", HouseholdStatus.ORDINARY, labour=False)
    Fact.objects.create(household=dibao, kind=FactKind.DIBAO)
    b.household(areas[f.GROUP_A2], "W1", HouseholdStatus.POOR, labour=False, attribute=PovertyAttribute.TEKUN)
    b.household(areas[f.GROUP_A2], "R1", HouseholdStatus.REMOVED)
    exiting.members.update(disabled=True)
    for household, stage in ((exiting, Stage.SURVEY), (withdrawn, Stage.WITHDRAWN)):
        AdjustmentCase.objects.create(
            campaign=campaign,
            number=f"2018-退出-{household.number}",
            kind=CaseKind.EXIT,
            household=household,
            stage=stage,
            reason="达标",
            policy=policy,
            policy_version=1,
            opened_by=f.make_user(f"u{household.number}", "township", areas[f.TOWNSHIP_A]),
        )
    units = {
        u.unit.number: u.unit
        for u in load_units(scope_households(f.TOWNSHIP_A), year=2018, poor_villages={f.VILLAGE_A1})
    }
    assert units == {
        "P1": SampleUnit("P1", "poor", f.VILLAGE_A1, False, True, "poor_with_labour"),
        "P2": SampleUnit("P2", "pre_exit", f.VILLAGE_A2, True, True, "poor_with_labour"),
        "P3": SampleUnit("P3", "poor", f.VILLAGE_A2, True, True, "poor_with_labour"),
        "E1": SampleUnit("E1", "exited", f.VILLAGE_A1, False, False, None),
        "O1": SampleUnit("O1", "ordinary", f.VILLAGE_A2, True, False, "no_labour_dibao_wubao"),
        "W1": SampleUnit("W1", "poor", f.VILLAGE_A2, True, False, "no_labour_dibao_wubao"),
    }
    # Another year's exit list does not make a household pre-exit.
    next_year = load_units(scope_households(f.TOWNSHIP_A), year=2019, poor_villages=set())
    assert {u.unit.number: u.unit.stratum for u in next_year}["P2"] == "poor"


def test_loading_costs_constant_queries(areas, assessment, django_assert_num_queries):
    b.known_roster(areas)
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA)
    plan = SamplePlan.objects.select_related("area", "assessment").get(pk=plan.pk)
    with django_assert_num_queries(2):
        units, villages = plan_units(plan)
    assert len(units) == 26 and len(villages) == 2


def test_villages_first_then_households_only_from_them(areas, assessment, county_user):
    b.known_roster(areas)
    plan = b.make_plan(
        assessment, areas[f.TOWNSHIP_A], strata=STRATA, village_count=1, min_poor_villages=1, min_non_poor_villages=0
    )
    plan = draw_plan(plan, by=county_user)
    assert plan.village_codes == [f.VILLAGE_A1]  # the only poor village
    assert set(plan.drawn.values_list("village_code", flat=True)) == {f.VILLAGE_A1}


def test_shortfalls_are_stored(areas, assessment, county_user):
    b.known_roster(areas)
    plan = b.make_plan(
        assessment,
        areas[f.TOWNSHIP_A],
        strata={"exited": 6, "poor": (4, 4, Decimal("0.5"))},
        village_count=3,
        min_poor_villages=2,
        min_non_poor_villages=1,
    )
    plan = draw_plan(plan, by=county_user)
    assert plan.shortfalls == [
        "应至少抽查 2 个贫困村，只有 1 个",
        "应抽查 3 个村，只有 2 个",
        "未脱贫户中因病因残户应不少于 2 户，只有 0 户",
        "已脱贫户应抽 6 户，名册只有 4 户，已全部抽取",
    ]
    poor = plan.drawn.filter(stratum="poor")
    # The scattered minimum (石羊村 is not a poor village) is met first among the poor households.
    assert poor.filter(village_code=f.VILLAGE_A2).count() >= 4


def test_redraw_is_refused_once_something_is_recorded(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(
        b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA, satisfaction_villages=2), by=county_user
    )
    record_check(plan.drawn.filter(purpose="check").first(), confirmed=True, findings={}, by=county_user)
    with pytest.raises(PlanError, match="已录入抽查或测评结果，不能重新抽取"):
        draw_plan(plan, by=county_user)
    with pytest.raises(PlanError, match="不能再修改"):
        save_plan(plan, [], expected_version=plan.version)


def test_redraw_is_refused_once_an_answer_is_recorded(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(
        b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA, satisfaction_villages=2), by=county_user
    )
    respondent = respondent_for(plan, EXPECTED_SURVEY[0])
    record_answer(plan, respondent, answer="satisfied", by=county_user)
    with pytest.raises(PlanError):
        draw_plan(plan, by=county_user)


def test_a_stale_draw_is_refused(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA), by=county_user)
    with pytest.raises(PlanConflict, match="已被他人修改"):
        draw_plan(plan, by=county_user, expected_version=1)


def test_changing_a_drawn_plan_clears_its_list(areas, assessment, county_user):
    b.known_roster(areas)
    plan = draw_plan(b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA), by=county_user)
    plan.seed = "新种子"
    save_plan(plan, list(plan.strata.all()), expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == SamplePlan.Status.DRAFT and not SampledHousehold.objects.exists()
    assert plan.strata.count() == 3


def test_compute_draw_is_pure(areas, assessment):
    """The stored draw is compute_draw over the loaded roster: a county can recompute it from an export."""
    b.known_roster(areas)
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A], strata=STRATA)
    units, villages = plan_units(plan)
    result = compute_draw(plan, [u.unit for u in reversed(units)], list(reversed(villages)))
    assert [h.number for h in result.check] == EXPECTED_CHECK


def test_a_county_plan_draws_over_every_township(areas, assessment, county_user):
    b.known_roster(areas)
    for i in range(1, 4):
        b.household(areas[f.GROUP_B1], f"5301130020990{i}", HouseholdStatus.POOR)
    plan = draw_plan(b.make_plan(assessment, areas[f.COUNTY_CODE], strata={"poor": 15}), by=county_user)
    numbers = drawn_numbers(plan)
    # 15 poor households in the county (12 in 铜都街道, 3 in 阿旺镇): all of them.
    assert numbers == sorted([*b.POOR, *(f"5301130020990{i}" for i in range(1, 4))])
    assert plan.shortfalls == []


def test_the_ill_and_disabled_share_is_drawn_first(areas, assessment, county_user):
    b.known_roster(areas)
    sick = b.POOR[:3]
    Household.objects.filter(number__in=sick).update(main_cause=PovertyCause.DISABILITY)
    plan = draw_plan(
        b.make_plan(assessment, areas[f.TOWNSHIP_A], strata={"poor": (4, 0, Decimal("0.5"))}), by=county_user
    )
    ill = plan.drawn.filter(part="ill_disabled")
    assert ill.count() == 2 and set(ill.values_list("number", flat=True)) <= set(sick)
    assert plan.drawn.count() == 4 and plan.shortfalls == []
