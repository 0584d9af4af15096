"""Identification conditions I1–I5 and the MISSED outcome (SPEC §4, §4.1; seed 001 §二(一))."""

import dataclasses
from datetime import date

import pytest

from assessment.rules import evaluate_household, household_context, identification_conditions, meets_identification
from assessment.rules.standards import exit_standards
from tests.assessment.builders import (
    CHILD_ID,
    HEAD_ID,
    SUPPORT,
    YEAR,
    YUNNAN7,
    D,
    codes,
    fact,
    household,
    income,
    member,
    replace_member,
)


def conditions(hh, policy=YUNNAN7):
    ctx = household_context(hh, policy)
    return identification_conditions(ctx, exit_standards(ctx))


def ordinary(**changes):
    """An ordinary household that would qualify through I1 + I2 at 2,480.00 yuan in C-grade housing."""
    values = {
        "status": "ordinary",
        "attribute": "",
        "registered_on": None,
        "registration_year": None,
        "housing_grade": "C",
        "incomes": {YEAR: income("2480.00")},
        "facts": (),
    }
    values.update(changes)
    return household(**values)


@pytest.mark.parametrize(
    ("per_capita", "holds"),
    [("2951.99", True), ("2952.00", False), ("2952.01", False), ("-10.00", True)],
)
def test_i1_is_strictly_below_the_identification_line(per_capita, holds):
    i1 = conditions(household(incomes={YEAR: income(per_capita)}))["I1"]
    assert i1.holds is holds
    assert i1.value == D(per_capita)
    assert i1.threshold == D("2952.00")


def test_i1_message_cites_the_figures():
    i1 = conditions(household(incomes={YEAR: income("2480.00")}))["I1"]
    assert i1.message == "人均纯收入 2,480.00 元，低于识别标准 2,952.00 元"
    i1 = conditions(household(incomes={YEAR: income("2952.00")}))["I1"]
    assert i1.message == "人均纯收入 2,952.00 元，不低于识别标准 2,952.00 元"


def test_per_capita_is_rounded_half_up_before_comparing():
    # 8,855.98 / 3 = 2,951.9933… → 2,951.99 (holds); 8,855.985 / 3 = 2,951.995 → 2,952.00 (does not hold)
    assert conditions(household(incomes={YEAR: income(None, wage=D("8855.98"))}))["I1"].holds
    i1 = conditions(household(incomes={YEAR: income(None, wage=D("8855.985"))}))["I1"]
    assert i1.value == D("2952.00")
    assert not i1.holds


def test_per_capita_counts_every_part_and_subtracts_business_expenses():
    record = income(
        None,
        wage=D("3000"),
        business=D("2500"),
        property_income=D("100"),
        transfer=D("1400"),
        business_expenses=D("1000"),
    )
    assert household_context(household(incomes={YEAR: record}), YUNNAN7).per_capita == D("2000.00")


def test_per_capita_divides_by_active_members_only():
    hh = replace_member(household(incomes={YEAR: income("3000.00", size=2)}), 2, is_active=False)
    assert household_context(hh, YUNNAN7).per_capita == D("3000.00")


def test_without_the_income_years_record_i1_does_not_hold():
    i1 = conditions(household(incomes={YEAR - 1: income("100.00", year=YEAR - 1)}))["I1"]
    assert not i1.holds
    assert i1.value is None
    assert i1.message == "无2018年度收入记录，不能认定人均纯收入低于识别标准 2,952.00 元"


def test_without_active_members_i1_does_not_hold():
    i1 = conditions(household(members=()))["I1"]
    assert not i1.holds
    assert i1.message == "无在册成员，无法计算人均纯收入"


@pytest.mark.parametrize(("grade", "holds"), [("A", False), ("B", False), ("C", True), ("D", True), ("", False)])
def test_i2_housing_grade_c_or_d(grade, holds):
    assert conditions(household(housing_grade=grade))["I2"].holds is holds


def test_i3_serious_disease_of_an_active_member_only():
    hh = replace_member(household(), 1, serious_disease=True)
    assert conditions(hh)["I3"].holds
    assert conditions(hh)["I3"].message == "家庭成员李梅患有大病"
    assert not conditions(replace_member(hh, 1, is_active=False))["I3"].holds


@pytest.mark.parametrize(
    ("schooling", "heavy", "holds"),
    [
        ("06", True, False),  # 九年级 is compulsory education
        ("07", True, True),  # 高中一年级
        ("09", True, True),  # 高中三年级
        ("10", True, True),  # 中职一年级
        ("15", True, True),  # 高职三年级
        ("16", True, True),  # 大专及以上
        ("07", False, False),  # not a heavy burden
        ("01", True, False),
    ],
)
def test_i4_study_beyond_compulsory_education_with_heavy_burden(schooling, heavy, holds):
    hh = replace_member(household(), 2, schooling_status=schooling, heavy_study_burden=heavy)
    assert conditions(hh)["I4"].holds is holds


def test_i4_message_names_the_student_and_grade():
    hh = replace_member(household(), 2, schooling_status="08", heavy_study_burden=True)
    assert conditions(hh)["I4"].message == "张小明就读高中二年级，经济负担较重"


def test_i5_dibao_attribute_and_exit_standard_not_met():
    hh = household(attribute="04", housing_grade="C")
    i5 = conditions(hh)["I5"]
    assert i5.holds
    assert i5.message == "享受低保（低保贫困户），且未达到脱贫标准（Y3未达到）"


def test_i5_does_not_hold_when_the_exit_standard_is_met():
    i5 = conditions(household(attribute="04"))["I5"]
    assert not i5.holds
    assert i5.message == "享受低保（低保贫困户），但已达到脱贫标准"


def test_i5_counts_a_member_level_dibao_fact():
    hh = household(housing_grade="D", facts=(SUPPORT, fact("dibao", CHILD_ID, date(2017, 1, 1))))
    i5 = conditions(hh)["I5"]
    assert i5.holds
    assert [use.member_name for use in i5.facts] == ["张小明"]


def test_i5_ignores_a_dibao_fact_about_a_removed_member():
    hh = household(housing_grade="D", facts=(SUPPORT, fact("dibao", CHILD_ID)))
    hh = replace_member(hh, 2, is_active=False)
    assert not conditions(hh)["I5"].holds
    assert conditions(hh)["I5"].message == "未享受低保"


@pytest.mark.parametrize(
    ("holding", "meets"),
    [
        ({"I1"}, False),
        ({"I2", "I3", "I4"}, False),
        ({"I1", "I2"}, True),
        ({"I1", "I3"}, True),
        ({"I1", "I4"}, True),
        ({"I5"}, True),
        (set(), False),
    ],
)
def test_meets_identification_is_i1_with_one_of_i2_i4_or_i5(holding, meets):
    base = conditions(household())
    judged = {code: dataclasses.replace(c, holds=code in holding) for code, c in base.items()}
    assert meets_identification(judged) is meets


def test_ordinary_household_meeting_the_conditions_is_missed_with_every_holding_i_code():
    hh = replace_member(ordinary(), 0, serious_disease=True)
    judgement = evaluate_household(hh, YUNNAN7)
    assert codes(judgement) == ["MISSED"]
    missed = judgement.outcomes[0]
    assert missed.criteria == ("I1", "I2", "I3")
    assert missed.message == (
        "符合贫困对象识别条件，属漏评：人均纯收入 2,480.00 元，低于识别标准 2,952.00 元；居住C级危房；"
        "家庭成员张三患有大病（云南省2018年度 第1版）"
    )


def test_ordinary_household_at_the_identification_line_is_not_missed():
    assert codes(evaluate_household(ordinary(incomes={YEAR: income("2952.00")}), YUNNAN7)) == []
    assert codes(evaluate_household(ordinary(incomes={YEAR: income("2951.99")}), YUNNAN7)) == ["MISSED"]


def test_ordinary_household_without_this_years_income_is_not_missed_through_i1():
    judgement = evaluate_household(ordinary(incomes={}), YUNNAN7)
    assert codes(judgement) == []
    assert "DQ7" in judgement.warning_codes


def test_ordinary_dibao_household_not_meeting_the_exit_standard_is_missed_through_i5():
    hh = ordinary(attribute="04", incomes={YEAR: income("5000.00")})
    missed = evaluate_household(hh, YUNNAN7).outcomes[0]
    assert (missed.code, missed.criteria) == ("MISSED", ("I2", "I5"))


@pytest.mark.parametrize(
    "blocking",
    [
        fact("public_payroll", HEAD_ID, date(2019, 1, 1), exit_measure=True),  # no exception without R
        fact("village_cadre"),
        fact("vehicle", amount=D("30000.00")),
        fact("urban_property", relocation_housing=True),  # the relocation exception is not applied either
        fact("hired_labour", None),
        fact("business"),
        fact("hollow_registration", None),
    ],
)
def test_ordinary_household_with_an_exclusion_fact_is_not_missed(blocking):
    judgement = evaluate_household(ordinary(facts=(blocking,)), YUNNAN7)
    assert codes(judgement) == []
    assert judgement.meets_identification


def test_ordinary_household_with_a_cheap_vehicle_is_missed():
    hh = ordinary(facts=(fact("vehicle", amount=D("29999.99")),))
    assert codes(evaluate_household(hh, YUNNAN7)) == ["MISSED"]


def test_split_or_fraud_facts_do_not_block_a_household_that_qualifies():
    hh = ordinary(facts=(fact("household_split", None), fact("fraud", None)))
    judgement = evaluate_household(hh, YUNNAN7)
    assert codes(judgement) == ["MISSED"]
    assert not judgement.criteria["E7"].holds
    assert judgement.criteria["E7"].message.endswith("但符合贫困对象识别条件，不据此剔除")


def test_ordinary_household_gets_no_exit_outcomes_and_no_member_removals():
    hh = household(status="ordinary", facts=(fact("deceased", CHILD_ID),), housing_grade="C")
    judgement = evaluate_household(hh, YUNNAN7)
    assert codes(judgement) == []
    assert judgement.members == ()
    assert judgement.warning_codes == ("DQ5",)


def test_member_defaults_are_a_non_student_sharing_income():
    m = member()
    assert (m.schooling_status, m.shares_income, m.is_active) == ("01", True, True)
