"""Exit standards Y1–Y7 (seed 003, 户"7条") and G1–G8 (seed 002, 八有); EXIT_READY / EXIT_NOT_MET (SPEC §4.3)."""

import dataclasses
from datetime import date

import pytest

from assessment.rules import age_on, evaluate_household, exit_standards, household_context, unmet_codes
from tests.assessment.builders import (
    CHILD_ID,
    GUANGDONG8,
    SUPPORT,
    YEAR,
    YUNNAN7,
    D,
    born,
    codes,
    fact,
    household,
    income,
    member,
    replace_member,
)


def standards(hh, policy=YUNNAN7):
    return exit_standards(household_context(hh, policy))


def unmet(hh, policy=YUNNAN7):
    return unmet_codes(standards(hh, policy))


def test_baseline_meets_every_yunnan_standard():
    judgement = evaluate_household(household(), YUNNAN7)
    assert codes(judgement) == ["EXIT_READY"]
    ready = judgement.outcomes[0]
    assert ready.criteria == ()
    assert ready.message == (
        "达到户“7条”标准：人均纯收入 4,000.00 元，高于脱贫收入标准 3,500.00 元，不愁吃、不愁穿，其余各项均达标"
        "（云南省2018年度 第1版）"
    )


# ---- Y1 两不愁 ----


@pytest.mark.parametrize(
    ("per_capita", "food", "met"),
    [
        ("3500.00", True, False),  # 「稳定超过3500元」: 3,500.00 itself fails
        ("3500.01", True, True),
        ("3499.99", True, False),
        ("3500.01", False, False),
        ("3500.01", None, False),  # unknown 不愁吃穿 is not met
    ],
)
def test_y1_income_strictly_above_the_exit_line_and_food_secured(per_capita, food, met):
    hh = household(incomes={YEAR: income(per_capita)}, food_clothing_secured=food)
    y1 = standards(hh)["Y1"]
    assert y1.holds is met
    assert (y1.value, y1.threshold) == (D(per_capita), D("3500.00"))


@pytest.mark.parametrize(
    ("per_capita", "food", "message"),
    [
        ("3500.00", True, "人均纯收入 3,500.00 元，未高于脱贫收入标准 3,500.00 元，不愁吃、不愁穿"),
        ("3500.01", False, "人均纯收入 3,500.01 元，高于脱贫收入标准 3,500.00 元，未实现不愁吃、不愁穿"),
        ("12500.50", None, "人均纯收入 12,500.50 元，高于脱贫收入标准 3,500.00 元，不愁吃穿情况未知"),
    ],
)
def test_y1_message(per_capita, food, message):
    assert standards(household(incomes={YEAR: income(per_capita)}, food_clothing_secured=food))["Y1"].message == message


def test_y1_rounding_half_up_can_lift_income_above_the_line():
    # 7,000.01 / 2 = 3,500.005 → 3,500.01
    hh = replace_member(household(incomes={YEAR: income(None, wage=D("7000.01"))}), 2, is_active=False)
    assert standards(hh)["Y1"].holds


def test_y1_is_unmet_without_this_years_income():
    y1 = standards(household(incomes={YEAR - 1: income("9000.00", year=YEAR - 1)}))["Y1"]
    assert not y1.holds
    assert y1.message == "无2018年度收入记录，不愁吃、不愁穿"


def test_y1_is_unmet_without_active_members():
    assert "Y1" in unmet(household(members=()))


# ---- Y2 drinking water ----


@pytest.mark.parametrize(
    ("safe", "radius", "met"),
    [
        (True, "1.0", True),  # exactly the limit meets it
        (True, "1.00", True),
        (True, "1.01", False),
        (True, "0", True),
        (False, "0.2", False),
        (None, "0.2", False),
        (True, None, False),  # unknown radius is not met
    ],
)
def test_y2_safe_water_within_the_radius_limit(safe, radius, met):
    hh = household(safe_water=safe, water_radius_km=D(radius) if radius is not None else None)
    assert standards(hh)["Y2"].holds is met


@pytest.mark.parametrize(
    ("safe", "radius", "message"),
    [
        (True, "1.0", "饮水安全，取水半径 1.0 公里，不超过 1.0 公里"),
        (True, "1.01", "饮水安全，取水半径 1.01 公里，超过 1.0 公里"),
        (False, "0.50", "饮水不安全，取水半径 0.5 公里，不超过 1.0 公里"),
        (None, None, "饮水安全情况未知，取水半径未知（标准不超过 1.0 公里）"),
    ],
)
def test_y2_message(safe, radius, message):
    hh = household(safe_water=safe, water_radius_km=D(radius) if radius is not None else None)
    assert standards(hh)["Y2"].message == message


# ---- Y3 housing ----


@pytest.mark.parametrize(
    ("grade", "relocation", "met", "message"),
    [
        ("A", "no", True, "住房安全等级为A级"),
        ("B", "moved_in", True, "住房安全等级为B级"),
        ("C", "no", False, "住房为C级危房"),
        ("D", "no", False, "住房为D级危房"),
        ("", "no", False, "住房安全等级未知"),
        ("A", "moved_not_in", False, "住房安全等级为A级，易地扶贫搬迁已搬迁未入住"),
    ],
)
def test_y3_housing_grade_a_or_b_and_moved_in(grade, relocation, met, message):
    y3 = standards(household(housing_grade=grade, relocation=relocation))["Y3"]
    assert (y3.holds, y3.message) == (met, message)


# ---- Y4 schooling ----


@pytest.mark.parametrize(
    ("age", "reason", "met"),
    [
        (5, "04", True),
        (6, "04", False),
        (15, "04", False),  # a 15-year-old dropout fails
        (16, "04", True),  # a 16-year-old who left school because of dislike does not
        (16, "01", False),  # anyone who left school 因贫 fails
        (40, "01", False),
        (15, "", True),
    ],
)
def test_y4_dropouts_aged_6_to_15_or_left_school_because_of_poverty(age, reason, met):
    hh = replace_member(household(), 2, birth_date=born(age), schooling_status="01", dropout_reason=reason)
    assert standards(hh)["Y4"].holds is met


def test_y4_age_is_on_31_december_of_the_income_year():
    # born on 31 December 2002: 16 on 31 December 2018 (15 for most of the year)
    hh = replace_member(household(), 2, birth_date=date(2002, 12, 31), schooling_status="01", dropout_reason="04")
    assert standards(hh)["Y4"].holds
    hh = replace_member(hh, 2, birth_date=date(2003, 1, 1))
    assert not standards(hh)["Y4"].holds


@pytest.mark.parametrize(
    ("birth", "age"),
    [(date(2003, 1, 1), 15), (date(2002, 12, 31), 16), (date(1958, 12, 31), 60), (date(1959, 1, 1), 59)],
)
def test_age_is_taken_on_31_december_of_the_income_year(birth, age):
    assert age_on(birth, YEAR) == age


def test_y4_ignores_removed_members_and_names_the_dropout():
    hh = replace_member(household(), 2, birth_date=born(12), dropout_reason="02")
    assert standards(hh)["Y4"].message == "有失学辍学成员：张小明（12岁，因病）"
    assert standards(replace_member(hh, 2, is_active=False))["Y4"].holds


# ---- Y5 medical ----


@pytest.mark.parametrize("field", ["medical_insurance", "serious_illness_insurance", "family_doctor"])
@pytest.mark.parametrize("value", [False, None])
def test_y5_every_active_member_insured_with_a_family_doctor(field, value):
    hh = replace_member(household(), 1, **{field: value})
    assert standards(hh)["Y5"].holds is False
    assert standards(replace_member(hh, 1, is_active=False))["Y5"].holds


def test_y5_message_lists_the_gaps():
    hh = replace_member(household(), 1, serious_illness_insurance=None, family_doctor=False)
    assert standards(hh)["Y5"].message == "医疗保障未全覆盖：李梅（大病保险：未知，家庭医生签约：否）"
    assert standards(household())["Y5"].message == "3名在册成员均参加基本医疗保险、大病保险并签约家庭医生"


# ---- Y6 pension ----


@pytest.mark.parametrize(
    ("age", "schooling", "pension", "met"),
    [
        (15, "01", None, True),
        (16, "01", None, False),
        (16, "01", False, False),
        (16, "01", True, True),
        (16, "07", None, True),  # 在校生: not required
        (59, "01", None, False),
        (60, "01", None, True),
    ],
)
def test_y6_non_students_aged_16_to_59_have_pension_insurance(age, schooling, pension, met):
    hh = replace_member(household(), 2, birth_date=born(age), schooling_status=schooling, pension_insurance=pension)
    assert standards(hh)["Y6"].holds is met


def test_y6_message():
    hh = replace_member(household(), 2, birth_date=born(20), schooling_status="01", pension_insurance=None)
    assert standards(hh)["Y6"].message == "16–59岁非在校成员未参加养老保险：张小明（20岁，养老保险：未知）"


# ---- Y7 support ----


def test_y7_needs_at_least_one_support_measure():
    assert not standards(household(facts=()))["Y7"].holds
    assert standards(household(facts=()))["Y7"].message == "无帮扶措施记录"
    y7 = standards(household())["Y7"]
    assert (y7.holds, y7.message) == (True, "享受帮扶措施 1 项（产业扶持）")


def test_y7_member_level_support_counts_for_the_household():
    member_support = fact("support_measure", CHILD_ID, category="教育资助")
    assert standards(household(facts=(member_support,)))["Y7"].holds
    removed = replace_member(household(facts=(member_support,)), 2, is_active=False)
    assert not standards(removed)["Y7"].holds


def test_y7_without_category():
    y7 = standards(household(facts=(fact("support_measure", None, category=""),)))["Y7"]
    assert y7.message == "享受帮扶措施 1 项"


# ---- EXIT_READY / EXIT_NOT_MET ----


def test_poor_household_failing_standards_is_exit_not_met_with_sorted_unmet_codes():
    hh = household(
        incomes={YEAR: income("3500.00", size=1)},
        water_radius_km=D("1.01"),
        facts=(),
        members=(member(pension_insurance=None),),
    )
    judgement = evaluate_household(hh, YUNNAN7)
    assert codes(judgement) == ["EXIT_NOT_MET"]
    not_met = judgement.outcomes[0]
    assert not_met.criteria == ("Y1", "Y2", "Y6", "Y7")
    assert not_met.message == (
        "未达到户“7条”标准：人均纯收入 3,500.00 元，未高于脱贫收入标准 3,500.00 元，不愁吃、不愁穿；"
        "饮水安全，取水半径 1.01 公里，超过 1.0 公里；16–59岁非在校成员未参加养老保险：张三（48岁，养老保险：未知）；"
        "无帮扶措施记录（云南省2018年度 第1版）"
    )


def test_a_poor_household_gets_exactly_one_exit_outcome():
    for hh in (household(), household(housing_grade="D"), household(members=(), incomes={})):
        outcome_codes = codes(evaluate_household(hh, YUNNAN7))
        assert sum(code in ("EXIT_READY", "EXIT_NOT_MET") for code in outcome_codes) == 1


# ---- Guangdong 八有 ----


def gd(**changes):
    return household(**changes)


@pytest.mark.parametrize(
    ("per_capita", "met"),
    [
        ("7100.89", True),
        ("7100.88", False),  # below 7,100.883 (45% of 15,779.74), compared unrounded
    ],
)
def test_g1_at_least_45_percent_of_the_reference(per_capita, met):
    g1 = standards(gd(incomes={YEAR: income(per_capita)}), GUANGDONG8)["G1"]
    assert g1.holds is met
    assert g1.threshold == D("7100.883")


def test_g1_exactly_45_percent_meets_it():
    policy = dataclasses.replace(GUANGDONG8, provincial_reference_income=D("15000.00"))
    for per_capita, met in (("6750.00", True), ("6749.99", False)):
        g1 = standards(gd(incomes={YEAR: income(per_capita)}), policy)["G1"]
        assert g1.holds is met
    message = standards(gd(incomes={YEAR: income("6749.99")}), policy)["G1"].message
    assert message == "人均纯收入 6,749.99 元，低于全省农村居民人均可支配收入 15,000.00 元的45%（6,750.00 元）"


def test_g1_does_not_need_food_and_clothing_and_ignores_exit_line():
    policy = dataclasses.replace(GUANGDONG8, exit_line=D("99999.00"))
    assert standards(gd(incomes={YEAR: income("8000.00")}, food_clothing_secured=None), policy)["G1"].holds


def test_g1_without_income():
    g1 = standards(gd(incomes={}), GUANGDONG8)["G1"]
    assert not g1.holds
    assert g1.message == "无2018年度收入记录，不能认定达到全省农村居民人均可支配收入 15,779.74 元的45%（7,100.883 元）"


def test_guangdong_baseline_and_each_utility():
    hh = gd(incomes={YEAR: income("8000.00")})
    assert unmet(hh, GUANGDONG8) == []
    assert list(standards(hh, GUANGDONG8)) == ["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8"]
    for field, code in (("electricity", "G6"), ("radio_tv", "G7"), ("broadband", "G8")):
        assert unmet(dataclasses.replace(hh, **{field: False}), GUANGDONG8) == [code]
        assert unmet(dataclasses.replace(hh, **{field: None}), GUANGDONG8) == [code]
    assert standards(dataclasses.replace(hh, broadband=None), GUANGDONG8)["G8"].message == "通宽带情况未知"
    assert standards(dataclasses.replace(hh, broadband=False), GUANGDONG8)["G8"].message == "未通宽带"


@pytest.mark.parametrize(
    ("changes", "member_changes", "code"),
    [
        ({"housing_grade": "C"}, {}, "G2"),
        ({}, {"birth_date": born(10), "dropout_reason": "04"}, "G3"),
        ({}, {"family_doctor": None}, "G4"),
        ({"water_radius_km": D("1.01")}, {}, "G5"),
    ],
)
def test_guangdong_shares_the_yunnan_checks(changes, member_changes, code):
    hh = replace_member(gd(incomes={YEAR: income("8000.00")}, **changes), 2, **member_changes)
    assert unmet(hh, GUANGDONG8) == [code]


def test_guangdong_has_no_pension_or_support_standard():
    hh = replace_member(gd(incomes={YEAR: income("8000.00")}, facts=()), 0, pension_insurance=False)
    assert unmet(hh, GUANGDONG8) == []


def test_guangdong_exit_ready_message_cites_the_policy():
    judgement = evaluate_household(gd(incomes={YEAR: income("8000.00")}), GUANGDONG8)
    assert codes(judgement) == ["EXIT_READY"]
    assert judgement.outcomes[0].message == (
        "达到“八有”标准：人均纯收入 8,000.00 元，不低于全省农村居民人均可支配收入 15,779.74 元的45%（7,100.883 元），"
        "其余各项均达标（广东省2017年度 第3版）"
    )


def test_support_fact_without_member_counts():
    assert standards(household(facts=(SUPPORT,)))["Y7"].holds
