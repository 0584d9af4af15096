"""Data-quality warnings DQ1–DQ7 (SPEC §4.5): they never block an outcome."""

import dataclasses
from datetime import date

import pytest

from assessment.rules import IncomeData, evaluate_household, shared_addresses
from tests.assessment.builders import (
    CHILD_ID,
    HEAD_ID,
    SPOUSE_ID,
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
    with_facts,
)

SAME = dict(wage=D("9000"), business=D("3000"), property_income=D("0"), transfer=D("1200"), business_expenses=D("1200"))


def warnings(hh, **kwargs):
    return evaluate_household(hh, YUNNAN7, **kwargs).warning_codes


# ---- DQ1 ----


@pytest.mark.parametrize("status", ["poor", "exited"])
def test_dq1_income_unchanged_from_the_previous_year(status):
    incomes = {YEAR: IncomeData(YEAR, **SAME), YEAR - 1: IncomeData(YEAR - 1, **SAME)}
    judgement = evaluate_household(household(status=status, exit_year=2017, incomes=incomes), YUNNAN7)
    assert judgement.warning_codes == ("DQ1",)
    assert judgement.warnings[0].message == (
        "2018年度与2017年度的工资性、生产经营性、财产性、转移性收入和生产经营性支出完全相同（纯收入 12,000.00 元），"
        "收入连续年度无变化"
    )


@pytest.mark.parametrize("field", ["wage", "business", "property_income", "transfer", "business_expenses"])
def test_dq1_any_changed_part_is_enough(field):
    previous = IncomeData(YEAR - 1, **{**SAME, field: SAME[field] + D("0.01")})
    assert warnings(household(incomes={YEAR: IncomeData(YEAR, **SAME), YEAR - 1: previous})) == ()


def test_dq1_needs_both_years_and_a_registered_household():
    assert warnings(household(incomes={YEAR: IncomeData(YEAR, **SAME)})) == ()
    incomes = {YEAR: IncomeData(YEAR, **SAME), YEAR - 1: IncomeData(YEAR - 1, **SAME)}
    assert warnings(household(status="ordinary", incomes=incomes)) == ()


def test_dq1_compares_values_not_their_notation():
    incomes = {
        YEAR: IncomeData(YEAR, **SAME),
        YEAR - 1: IncomeData(YEAR - 1, **{k: v + D("0.00") for k, v in SAME.items()}),
    }
    assert warnings(household(incomes=incomes)) == ("DQ1",)


# ---- DQ2 ----


@pytest.mark.parametrize(
    ("previous", "current", "warned"),
    [
        ("05", "05", True),  # 八年级 twice
        ("15", "15", True),  # 高职三年级 twice
        ("04", "05", False),
        ("03", "03", False),  # 小学 is not graded
        ("16", "16", False),  # 大专及以上 is not graded
        ("01", "01", False),
        (None, "05", False),
    ],
)
def test_dq2_same_grade_in_two_consecutive_years(previous, current, warned):
    hh = replace_member(household(), 2, schooling_status=current, previous_schooling_status=previous)
    assert (warnings(hh) == ("DQ2",)) is warned


def test_dq2_message_and_removed_members():
    hh = replace_member(household(), 2, schooling_status="05", previous_schooling_status="05")
    judgement = evaluate_household(hh, YUNNAN7)
    assert judgement.warnings[0].message == "张小明（八年级）在2017、2018年度就读同一年级，连续年度就读同一年级"
    assert warnings(replace_member(hh, 2, is_active=False)) == ()


# ---- DQ3 ----


def test_dq3_no_active_head():
    hh = replace_member(household(), 0, is_active=False)
    judgement = evaluate_household(hh, YUNNAN7)
    assert judgement.warning_codes == ("DQ3",)
    assert judgement.warnings[0].message == "无在册户主"


def test_dq3_more_than_one_head():
    judgement = evaluate_household(replace_member(household(), 1, relation="01"), YUNNAN7)
    assert judgement.warning_codes == ("DQ3",)
    assert judgement.warnings[0].message == "在册户主 2 人，应为 1 人"


# ---- DQ4 ----


def elderly(ages=(60, 72), **changes):
    members = tuple(
        member(f"53011319{40 + i}0101123{i}", f"老人{i}", relation="01" if i == 0 else "02", birth_date=born(age))
        for i, age in enumerate(ages)
    )
    values = {"registered_on": date(2016, 3, 1), "registration_year": 2016, "members": members}
    values.update(changes)
    return household(incomes={YEAR: income("5000.00", size=len(members))}, **values)


SHARED = shared_addresses(["箐口村一组12号", "箐口村一组 12号", "石羊村3号", ""])


@pytest.mark.parametrize(
    ("hh", "warned"),
    [
        (elderly(), True),
        (elderly(ages=(60, 59)), False),  # one member under 60
        (elderly(registration_year=2015, registered_on=date(2015, 3, 1)), False),  # registered three years before
        (elderly(registration_year=YEAR, registered_on=date(YEAR, 3, 1)), True),
        (elderly(registration_year=None, registered_on=date(2017, 3, 1)), True),  # the year from R
        (elderly(registration_year=None, registered_on=None), False),
        (elderly(address="小江村9号"), False),  # an address nobody else has
        (elderly(address=""), False),
        (elderly(address="小江村9号", split_from_other=True), True),  # recorded as split from another household
        (elderly(status="ordinary"), False),
        (elderly(status="exited", exit_year=2017), True),
    ],
)
def test_dq4_possible_split_to_obtain_support(hh, warned):
    assert ("DQ4" in warnings(hh, shared_addresses=SHARED)) is warned


def test_dq4_needs_an_active_member():
    assert "DQ4" not in warnings(elderly(members=()), shared_addresses=SHARED)


def test_dq4_ignores_removed_younger_members():
    hh = elderly(ages=(65, 30))
    assert "DQ4" not in warnings(hh, shared_addresses=SHARED)
    assert "DQ4" in warnings(replace_member(hh, 1, is_active=False), shared_addresses=SHARED)


def test_dq4_messages():
    judgement = evaluate_household(elderly(), YUNNAN7, shared_addresses=SHARED)
    assert (
        judgement.warnings[0].message
        == "在册成员均年满60岁，2016年建档立卡，地址「箐口村一组12号」与其他农户相同，疑似分户争贫"
    )
    judgement = evaluate_household(elderly(address="", split_from_other=True), YUNNAN7)
    assert judgement.warnings[0].message == "在册成员均年满60岁，2016年建档立卡，登记为从其他农户分出，疑似分户争贫"


def test_shared_addresses_normalises_whitespace_and_skips_empty_ones():
    assert SHARED == frozenset({"箐口村一组12号"})
    assert shared_addresses(["", " ", ""]) == frozenset()


# ---- DQ5, DQ6, DQ7 ----


def test_dq5_an_active_member_with_a_death_fact():
    judgement = evaluate_household(
        with_facts(fact("deceased", SPOUSE_ID, date(2018, 2, 1), source_label="公安")), YUNNAN7
    )
    assert judgement.warning_codes == ("DQ5",)
    assert (
        judgement.warnings[0].message
        == "在册成员李梅（发生日期 2018-02-01，来源：公安，登记于 2018-06-01）有死亡记录，仍在册"
    )


def test_dq5_ignores_removed_members_and_household_level_facts():
    hh = replace_member(with_facts(fact("deceased", CHILD_ID), fact("deceased", None)), 2, is_active=False)
    assert warnings(hh) == ()


def test_dq6_no_active_member_also_means_no_head():
    judgement = evaluate_household(household(members=()), YUNNAN7)
    assert judgement.warning_codes == ("DQ3", "DQ6")
    assert judgement.warnings[1].message == "无在册成员"
    # E9 needs an active member: an empty household is not wrongly included because of it
    assert "E9" not in judgement.criteria


def test_dq7_no_income_record_for_the_income_year():
    judgement = evaluate_household(household(incomes={YEAR - 1: income("5000.00", year=YEAR - 1)}), YUNNAN7)
    assert judgement.warning_codes == ("DQ7",)
    assert judgement.warnings[0].message == "无2018年度收入记录：识别条件I1不成立，收入标准视为未达到"
    assert codes(judgement) == ["EXIT_NOT_MET"]
    assert judgement.outcomes[0].criteria == ("Y1",)


@pytest.mark.parametrize("status", ["ordinary", "poor", "exited"])
def test_dq7_applies_to_every_status_except_removed(status):
    assert "DQ7" in warnings(household(status=status, exit_year=2017, incomes={}))


def test_warnings_never_block_outcomes_and_come_in_code_order():
    hh = replace_member(
        with_facts(fact("deceased", HEAD_ID), incomes={}, housing_grade="C"),
        1,
        relation="01",
        schooling_status="06",
        previous_schooling_status="06",
    )
    judgement = evaluate_household(hh, YUNNAN7)
    assert judgement.warning_codes == ("DQ2", "DQ3", "DQ5", "DQ7")
    assert codes(judgement) == ["EXIT_NOT_MET"]
    assert [m.id_number for m in judgement.members] == [HEAD_ID]


def test_policy_income_year_selects_the_years_compared():
    policy = dataclasses.replace(YUNNAN7, income_year=2019)
    incomes = {2019: IncomeData(2019, **SAME), 2018: IncomeData(2018, **SAME)}
    assert evaluate_household(household(incomes=incomes), policy).warning_codes == ("DQ1",)
