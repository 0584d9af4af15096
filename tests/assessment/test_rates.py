"""Spot-check classification, rates, Wilson intervals and the 2% / 90% targets (issue 6, seed 002, seed 004).
Pure functions: no database."""

from decimal import Decimal as D
from fractions import Fraction

import pytest

from assessment.rates import (
    IDENTIFICATION_ERROR_TARGET,
    Answer,
    AreaRates,
    Basis,
    CheckResult,
    Classification,
    FollowUp,
    Rate,
    area_rates,
    classify,
    normal_interval,
    override,
    percent_text,
    rates_by_township,
    spot_check,
    wilson_interval,
    z_score,
)
from assessment.rules import OutcomeCode as O
from assessment.rules import evaluate_household
from assessment.sampling import SatisfactionGroup, SurveyResponse
from tests.assessment.builders import YEAR, YUNNAN7, household, income

TOWNSHIP_A = "440232101"
TOWNSHIP_B = "440232102"
COUNTY = "440232"


def pct(value):
    return f"{(value * 100).quantize(D('0.01'))}%"


# ---- percentages ----


@pytest.mark.parametrize(
    ("found", "sampled", "places", "text"),
    [
        (21, 1522, 2, "1.38%"),  # seed 004: 「漏评户有21户，占样本户的1.38%」
        (5, 1522, 2, "0.33%"),  # seed 004: 「错退户有5户，占样本户的0.33%」
        (21, 1522, 3, "1.380%"),
        (1, 3, 2, "33.33%"),
        (2, 3, 2, "66.67%"),
        (1, 800, 2, "0.13%"),  # 0.125% rounds half up
        (1, 8, 2, "12.50%"),
        (0, 10, 2, "0.00%"),
        (10, 10, 2, "100.00%"),
        (1, 3, 0, "33%"),
        (0, 0, 2, "—"),
    ],
)
def test_percentages_are_exact_and_round_half_up(found, sampled, places, text):
    assert percent_text(found, sampled, places) == text


# ---- intervals ----


def test_wilson_interval_of_the_seed_004_figures():
    low, high = wilson_interval(21, 1522)
    assert (pct(low), pct(high)) == ("0.90%", "2.10%")
    low, high = wilson_interval(5, 1522)
    assert (pct(low), pct(high)) == ("0.14%", "0.77%")


def test_wilson_interval_of_a_textbook_case():
    # 1 of 10 at 95%: 1.79% – 40.42% (Wilson 1927; Newcombe 1998, table I)
    low, high = wilson_interval(1, 10)
    assert (pct(low), pct(high)) == ("1.79%", "40.42%")


@pytest.mark.parametrize(("confidence", "interval"), [(90, ("0.97%", "1.96%")), (99, ("0.79%", "2.39%"))])
def test_wilson_interval_at_other_confidence_levels(confidence, interval):
    low, high = wilson_interval(21, 1522, confidence)
    assert (pct(low), pct(high)) == interval


def test_wilson_interval_stays_informative_at_zero_found():
    low, high = wilson_interval(0, 10)
    z2 = z_score(95) ** 2
    assert low == 0
    # z² / (n + z²) = 27.75%: zero errors in ten households does not prove a rate of zero
    assert abs(high - z2 / (10 + z2)) < D("1e-20")
    assert pct(high) == "27.75%"
    assert normal_interval(0, 10) == (0, 0)  # the normal approximation collapses: why Wilson


def test_wilson_interval_at_all_found():
    low, high = wilson_interval(10, 10)
    z2 = z_score(95) ** 2
    assert high == 1
    assert pct(low) == pct(10 / (10 + z2))


def test_wilson_intervals_are_symmetric_in_found_and_not_found():
    low, high = wilson_interval(3, 40)
    mirror_low, mirror_high = wilson_interval(37, 40)
    assert pct(low) == pct(1 - mirror_high)
    assert pct(high) == pct(1 - mirror_low)


def test_normal_interval_for_comparison():
    low, high = normal_interval(21, 1522)
    assert (pct(low), pct(high)) == ("0.79%", "1.97%")
    low, high = normal_interval(1, 10)
    assert low == 0  # clipped: -8.59% would be impossible


def test_an_empty_sample_has_no_interval():
    assert wilson_interval(0, 0) is None
    assert normal_interval(0, 0) is None


@pytest.mark.parametrize(("found", "sampled"), [(-1, 10), (11, 10)])
def test_impossible_counts_are_refused(found, sampled):
    with pytest.raises(ValueError, match="应在 0 到样本数"):
        wilson_interval(found, sampled)
    with pytest.raises(ValueError):
        Rate(found, sampled)


def test_an_unknown_confidence_level_is_refused():
    with pytest.raises(ValueError, match="置信水平只能是"):
        Rate(1, 10, confidence=80)


# ---- rates and targets ----


def test_a_rate_from_counts():
    rate = Rate(21, 1522)
    assert rate.value == Fraction(21, 1522)
    assert rate.percent == "1.38%"
    assert rate.wilson_text == "0.90%–2.10%"
    assert (pct(rate.normal[0]), pct(rate.normal[1])) == ("0.79%", "1.97%")
    assert str(rate) == "1.38%（21/1522，95%置信区间 0.90%–2.10%）"
    assert rate.meets_target is None


def test_an_empty_rate():
    rate = Rate(0, 0, target=IDENTIFICATION_ERROR_TARGET)
    assert rate.value is None
    assert rate.percent == "—"
    assert rate.wilson_text == "—"
    assert rate.meets_target is None


@pytest.mark.parametrize(
    ("found", "sampled", "meets"),
    [
        (2, 100, True),  # 「控制在2%以内」: exactly 2% is within
        (3, 100, False),
        (21, 1522, True),
        (201, 10000, False),
        (2001, 100000, False),  # shown as 2.00%, yet above the target: compared exactly
        (0, 5, True),
    ],
)
def test_identification_error_target_is_at_most_two_percent(found, sampled, meets):
    assert Rate(found, sampled, target=IDENTIFICATION_ERROR_TARGET).meets_target is meets


@pytest.mark.parametrize(("approving", "respondents", "meets"), [(90, 100, True), (89, 100, False), (9, 10, True)])
def test_satisfaction_target_is_at_least_ninety_percent(approving, respondents, meets):
    assert Rate(approving, respondents, target=D("0.90"), target_is_maximum=False).meets_target is meets


def test_a_rate_from_households_keeps_them_one_click_away():
    rate = Rate.of_households(["b", "a"], ["c", "a", "b", "a"])
    assert (rate.found, rate.sampled) == (2, 3)
    assert rate.found_households == ("a", "b")
    assert rate.sampled_households == ("a", "b", "c")


def test_found_households_must_be_in_the_sample():
    with pytest.raises(ValueError, match="发现的户不在样本中：x"):
        Rate.of_households(["x"], ["a"])


# ---- spot-check classification ----


@pytest.mark.parametrize(
    ("status", "outcomes", "expected"),
    [
        ("ordinary", [], Classification(CheckResult.CORRECT, None)),
        ("ordinary", [O.MISSED], Classification(CheckResult.MISSED, None)),
        ("poor", [O.EXIT_READY], Classification(CheckResult.CORRECT, True)),
        ("poor", [O.EXIT_NOT_MET], Classification(CheckResult.CORRECT, False)),
        ("poor", [O.NORMAL_EXIT, O.EXIT_READY], Classification(CheckResult.CORRECT, True)),
        ("poor", [O.WRONG_INCLUSION, O.EXIT_NOT_MET], Classification(CheckResult.WRONG_INCLUSION, False)),
        ("exited", [], Classification(CheckResult.CORRECT, True)),
        ("exited", [O.WRONG_EXIT], Classification(CheckResult.WRONG_EXIT, False)),
        ("exited", [O.CONTINUE_SUPPORT], Classification(CheckResult.CORRECT, False, FollowUp.CONTINUE_SUPPORT)),
        ("exited", [O.RETURN_RISK], Classification(CheckResult.CORRECT, False, FollowUp.RETURN_RISK)),
        ("exited", [O.WRONG_INCLUSION], Classification(CheckResult.WRONG_INCLUSION, True)),
        # Never qualified beats wrongly exited: the remedy is removal, not re-admission.
        ("exited", [O.WRONG_INCLUSION, O.WRONG_EXIT], Classification(CheckResult.WRONG_INCLUSION, False)),
    ],
)
def test_classification_from_status_and_outcomes(status, outcomes, expected):
    assert classify(status, outcomes) == expected


def test_a_removed_household_cannot_be_spot_checked():
    with pytest.raises(ValueError, match="状态为「removed」的户不能抽查"):
        classify("removed", [])


@pytest.mark.parametrize(
    ("changes", "result"),
    [
        ({}, CheckResult.CORRECT),
        ({"status": "ordinary", "housing_grade": "D", "incomes": {YEAR: income("2000.00")}}, CheckResult.MISSED),
        ({"status": "exited", "exit_year": 2016, "housing_grade": "D"}, CheckResult.WRONG_EXIT),
        ({"status": "exited", "exit_year": 2015, "housing_grade": "D"}, CheckResult.CORRECT),
    ],
)
def test_classification_of_a_re_survey_judged_by_the_rules(changes, result):
    hh = household(**changes)
    judgement = evaluate_household(hh, YUNNAN7)
    assert spot_check(hh.number, TOWNSHIP_A + "201", hh.status, judgement.outcome_codes).result == result


def test_an_override_needs_a_reason_and_keeps_the_computed_result():
    check = spot_check("1", TOWNSHIP_A + "201", "ordinary", [O.MISSED])
    with pytest.raises(ValueError, match="改判抽查结果必须填写理由"):
        override(check, CheckResult.CORRECT, "  ")
    changed = override(check, CheckResult.CORRECT, " 入户核实：子女在外务工收入未计入 ")
    assert (changed.computed, changed.result, changed.overridden) == ("missed", "correct", True)
    assert changed.override_reason == "入户核实：子女在外务工收入未计入"
    back = override(changed, CheckResult.MISSED, "")
    assert (back.result, back.overridden, back.override_reason) == ("missed", False, "")


@pytest.mark.parametrize(
    ("status", "result", "message"),
    [
        ("poor", CheckResult.MISSED, "未脱贫户不能判为「漏评」"),
        ("ordinary", CheckResult.WRONG_EXIT, "一般农户不能判为「错退」"),
        ("exited", "nonsense", "已脱贫户不能判为「nonsense」"),
    ],
)
def test_an_override_must_fit_the_household_status(status, result, message):
    with pytest.raises(ValueError, match=message):
        override(spot_check("1", TOWNSHIP_A, status, []), result, "理由")


# ---- rates per township and county ----


def checks_of(township, *, ordinary, missed, poor, wrong_inclusion, exited, wrong_exit):
    checks = []

    def add(prefix, status, count, found, outcome):
        for i in range(count):
            outcomes = [outcome] if i < found else []
            checks.append(spot_check(f"{township}{prefix}{i:04d}", f"{township}201", status, outcomes))

    add("O", "ordinary", ordinary, missed, O.MISSED)
    add("P", "poor", poor, wrong_inclusion, O.WRONG_INCLUSION)
    add("E", "exited", exited, wrong_exit, O.WRONG_EXIT)
    return checks


def answers(township, satisfied, basically, dissatisfied):
    counts = (
        (Answer.SATISFIED, satisfied),
        (Answer.BASICALLY_SATISFIED, basically),
        (Answer.DISSATISFIED, dissatisfied),
    )
    return [
        SurveyResponse(f"{township}{answer[:3]}{i:03d}", f"{township}201", SatisfactionGroup.ORDINARY, answer)
        for answer, count in counts
        for i in range(count)
    ]


SEED_004 = {"ordinary": 600, "missed": 21, "poor": 500, "wrong_inclusion": 0, "exited": 422, "wrong_exit": 5}


def test_seed_004_rates_over_every_sampled_household():
    rates = area_rates(COUNTY, checks_of(TOWNSHIP_A, **SEED_004), basis=Basis.ALL)
    assert rates.sampled == 1522
    assert (rates.missed.percent, rates.missed.found, rates.missed.sampled) == ("1.38%", 21, 1522)
    assert (rates.wrong_exit.percent, rates.wrong_exit.found) == ("0.33%", 5)
    assert rates.wrong_inclusion.percent == "0.00%"
    assert rates.identification_error.percent == "1.38%"
    assert rates.identification_error.meets_target is True


def test_stratum_rates_divide_by_the_households_that_could_have_the_error():
    rates = area_rates(COUNTY, checks_of(TOWNSHIP_A, **SEED_004))
    assert (rates.missed.found, rates.missed.sampled, rates.missed.percent) == (21, 600, "3.50%")
    assert (rates.wrong_inclusion.sampled, rates.wrong_exit.sampled) == (922, 422)
    assert rates.wrong_exit.percent == "1.18%"
    # The identification error rate is over the whole sample in both bases.
    assert (rates.identification_error.found, rates.identification_error.sampled) == (21, 1522)


def test_the_households_behind_each_rate():
    checks = checks_of(TOWNSHIP_A, ordinary=3, missed=1, poor=2, wrong_inclusion=1, exited=2, wrong_exit=1)
    rates = area_rates(TOWNSHIP_A, checks)
    assert rates.missed.found_households == (f"{TOWNSHIP_A}O0000",)
    assert rates.wrong_inclusion.found_households == (f"{TOWNSHIP_A}P0000",)
    assert rates.wrong_exit.found_households == (f"{TOWNSHIP_A}E0000",)
    assert rates.identification_error.found_households == (f"{TOWNSHIP_A}O0000", f"{TOWNSHIP_A}P0000")
    assert len(rates.identification_error.sampled_households) == 7


def test_an_override_changes_the_rates():
    checks = checks_of(TOWNSHIP_A, ordinary=10, missed=2, poor=0, wrong_inclusion=0, exited=0, wrong_exit=0)
    checks[0] = override(checks[0], CheckResult.CORRECT, "复核后收入达标")
    assert area_rates(TOWNSHIP_A, checks).missed.found == 1


@pytest.mark.parametrize(
    ("counts", "percent", "meets"),
    [((12, 6, 2), "90.00%", True), ((10, 7, 3), "85.00%", False), ((20, 0, 0), "100.00%", True)],
)
def test_satisfaction_counts_satisfied_and_basically_satisfied(counts, percent, meets):
    rates = area_rates(TOWNSHIP_A, [], answers(TOWNSHIP_A, *counts))
    assert (rates.satisfaction.percent, rates.satisfaction.meets_target) == (percent, meets)
    assert rates.satisfaction.sampled == 20


def test_rates_with_nothing_checked():
    rates = area_rates(TOWNSHIP_A, [])
    assert isinstance(rates, AreaRates)
    assert rates.sampled == 0
    assert rates.identification_error.percent == "—"
    assert rates.satisfaction.meets_target is None


def test_rates_per_township_and_for_the_county():
    checks = checks_of(TOWNSHIP_A, ordinary=50, missed=1, poor=40, wrong_inclusion=2, exited=10, wrong_exit=0)
    checks += checks_of(TOWNSHIP_B, ordinary=30, missed=0, poor=10, wrong_inclusion=0, exited=10, wrong_exit=1)
    responses = answers(TOWNSHIP_A, 8, 1, 1) + answers(TOWNSHIP_B, 10, 0, 0)
    townships, county = rates_by_township(list(reversed(checks)), responses, county=COUNTY)
    assert list(townships) == [TOWNSHIP_A, TOWNSHIP_B]
    a, b = townships[TOWNSHIP_A], townships[TOWNSHIP_B]
    assert (a.identification_error.found, a.identification_error.sampled, a.identification_error.percent) == (
        3,
        100,
        "3.00%",
    )
    assert a.identification_error.meets_target is False
    assert (b.wrong_exit.found, b.wrong_exit.sampled) == (1, 10)
    assert (a.satisfaction.percent, b.satisfaction.percent) == ("90.00%", "100.00%")
    assert county.area == COUNTY
    assert (county.identification_error.found, county.identification_error.sampled) == (3, 150)
    assert county.identification_error.percent == "2.00%"
    assert county.identification_error.meets_target is True
    assert (county.satisfaction.found, county.satisfaction.sampled) == (19, 20)


def test_a_township_with_only_survey_answers_has_rates_too():
    townships, _ = rates_by_township([], answers(TOWNSHIP_B, 1, 0, 0), county=COUNTY)
    assert list(townships) == [TOWNSHIP_B]
    assert townships[TOWNSHIP_B].sampled == 0


def test_the_rates_use_the_chosen_confidence_level():
    checks = checks_of(TOWNSHIP_A, **SEED_004)
    rates = area_rates(TOWNSHIP_A, checks, basis=Basis.ALL, confidence=90)
    assert rates.missed.wilson_text == "0.97%–1.96%"


def test_a_household_checked_twice_is_refused():
    checks = checks_of(TOWNSHIP_A, ordinary=2, missed=0, poor=0, wrong_inclusion=0, exited=0, wrong_exit=0)
    with pytest.raises(ValueError, match="同一户有多条抽查结果"):
        area_rates(TOWNSHIP_A, [*checks, checks[0]])


def test_an_unknown_basis_or_answer_is_refused():
    with pytest.raises(ValueError, match="未知的比率口径"):
        area_rates(TOWNSHIP_A, [], basis="township")
    bad = SurveyResponse("1", TOWNSHIP_A + "201", SatisfactionGroup.ORDINARY, "很满意")
    with pytest.raises(ValueError, match="测评结果「很满意」无效"):
        area_rates(TOWNSHIP_A, [], [bad])
