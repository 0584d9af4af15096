"""The ten exclusion criteria E1–E10, their exceptions and E9 member removal (SPEC §4.2, seed 001 §二(二))."""

import dataclasses
from datetime import date, timedelta

import pytest

from assessment.rules import FactData, after_registration, evaluate_household, household_context, member_removals
from tests.assessment.builders import (
    CHILD_ID,
    HEAD_ID,
    SPOUSE_ID,
    SUPPORT,
    YEAR,
    YUNNAN7,
    D,
    R,
    codes,
    fact,
    household,
    income,
    replace_member,
    with_facts,
)

ON_R = R
DAY_AFTER = R + timedelta(days=1)
BEFORE = date(2010, 1, 1)


def outcome(judgement, code):
    found = judgement.outcome(code)
    return (found.code, found.criteria) if found else None


@pytest.mark.parametrize(
    ("event", "registered_on", "after"),
    [(DAY_AFTER, R, True), (ON_R, R, False), (BEFORE, R, False), (None, R, False), (DAY_AFTER, None, False)],
)
def test_after_r_is_strictly_later_and_undated_counts_as_before(event, registered_on, after):
    assert after_registration(event, registered_on) is after


# (criterion, fact, expected outcome for a poor household): WRONG_INCLUSION when the exception does not apply,
# NORMAL_EXIT when it does.
EXCEPTION_TABLE = [
    # E1/E2: the date after R alone decides (「建档立卡后…考入财政供养系列的」)
    ("E1", fact("public_payroll", event=ON_R), "WRONG_INCLUSION"),
    ("E1", fact("public_payroll", event=DAY_AFTER), "NORMAL_EXIT"),
    ("E1", fact("public_payroll", event=None), "WRONG_INCLUSION"),
    ("E2", fact("village_cadre", event=ON_R), "WRONG_INCLUSION"),
    ("E2", fact("village_cadre", event=DAY_AFTER), "NORMAL_EXIT"),
    # E3: after R and recorded as an exit measure
    ("E3", fact("vehicle", event=DAY_AFTER, amount=D("30000.00"), exit_measure=True), "NORMAL_EXIT"),
    ("E3", fact("vehicle", event=ON_R, amount=D("30000.00"), exit_measure=True), "WRONG_INCLUSION"),
    ("E3", fact("vehicle", event=DAY_AFTER, amount=D("30000.00"), exit_measure=False), "WRONG_INCLUSION"),
    ("E3", fact("vehicle", event=None, amount=D("45000.00"), exit_measure=True), "WRONG_INCLUSION"),
    # E4: (after R and exit measure) or relocation housing
    ("E4", fact("urban_property", event=DAY_AFTER, exit_measure=True), "NORMAL_EXIT"),
    ("E4", fact("urban_property", event=DAY_AFTER, exit_measure=False), "WRONG_INCLUSION"),
    ("E4", fact("urban_property", event=ON_R, exit_measure=True), "WRONG_INCLUSION"),
    ("E4", fact("urban_property", event=BEFORE, relocation_housing=True), "NORMAL_EXIT"),
    ("E4", fact("urban_property", event=None, relocation_housing=True), "NORMAL_EXIT"),
    # E6: after R and exit measure
    ("E6", fact("business", event=DAY_AFTER, exit_measure=True), "NORMAL_EXIT"),
    ("E6", fact("business", event=DAY_AFTER), "WRONG_INCLUSION"),
    ("E6", fact("business", event=ON_R, exit_measure=True), "WRONG_INCLUSION"),
    # no exceptions at all
    ("E5", fact("hired_labour", None, event=DAY_AFTER, exit_measure=True), "WRONG_INCLUSION"),
    ("E8", fact("hollow_registration", None, event=DAY_AFTER, exit_measure=True), "WRONG_INCLUSION"),
]


@pytest.mark.parametrize(("code", "the_fact", "expected"), EXCEPTION_TABLE)
def test_exclusion_and_exception_for_a_poor_household(code, the_fact, expected):
    judgement = evaluate_household(with_facts(the_fact), YUNNAN7)
    assert outcome(judgement, expected) == (expected, (code,))
    other = "NORMAL_EXIT" if expected == "WRONG_INCLUSION" else "WRONG_INCLUSION"
    assert judgement.outcome(other) is None
    criterion = judgement.criteria[code]
    assert criterion.holds is (expected == "WRONG_INCLUSION")
    assert criterion.excepted is (expected == "NORMAL_EXIT")
    assert criterion.facts[0].fact == the_fact
    assert criterion.facts[0].exception_applies is (expected == "NORMAL_EXIT")


@pytest.mark.parametrize(("code", "the_fact", "expected"), EXCEPTION_TABLE)
def test_an_exited_household_gets_nothing_for_an_excepted_criterion(code, the_fact, expected):
    judgement = evaluate_household(with_facts(the_fact, status="exited", exit_year=2017), YUNNAN7)
    if expected == "NORMAL_EXIT":
        assert codes(judgement) == []
    else:
        assert codes(judgement) == ["WRONG_INCLUSION"]


@pytest.mark.parametrize(("amount", "holds"), [("30000.00", True), ("29999.99", False), ("120000.00", True)])
def test_e3_holds_at_or_above_the_vehicle_price_limit(amount, holds):
    judgement = evaluate_household(with_facts(fact("vehicle", amount=D(amount))), YUNNAN7)
    e3 = judgement.criteria["E3"]
    assert e3.holds is holds
    assert (e3.value, e3.threshold) == (D(amount), D("30000.00"))
    assert codes(judgement) == (["WRONG_INCLUSION", "EXIT_READY"] if holds else ["EXIT_READY"])


def test_e3_ignores_a_vehicle_without_a_price():
    e3 = evaluate_household(with_facts(fact("vehicle", amount=None)), YUNNAN7).criteria["E3"]
    assert not e3.holds
    assert e3.message == "无价格达到 30,000.00 元的机动车"


@pytest.mark.parametrize(
    ("the_fact", "reason"),
    [
        (fact("public_payroll", event=ON_R), "发生日期 2014-05-01 不晚于建档立卡日期 2014-05-01"),
        (fact("public_payroll", event=None), "无发生日期，视为建档立卡前"),
        (fact("business", event=DAY_AFTER), "发生日期 2014-05-02 晚于建档立卡日期 2014-05-01，但未作为脱贫措施"),
        (
            fact("urban_property", event=DAY_AFTER),
            "发生日期 2014-05-02 晚于建档立卡日期 2014-05-01，但未作为脱贫措施，且非易地搬迁安置住房",
        ),
    ],
)
def test_the_explanation_says_why_the_exception_did_not_apply(the_fact, reason):
    judgement = evaluate_household(with_facts(the_fact), YUNNAN7)
    criterion = next(c for c in judgement.criteria.values() if c.facts and c.code.startswith("E"))
    assert criterion.exception == reason
    assert criterion.facts[0].reason == reason
    assert f"{reason}，不适用例外" in judgement.outcome("WRONG_INCLUSION").message


@pytest.mark.parametrize(
    ("the_fact", "reason"),
    [
        (fact("village_cadre", event=DAY_AFTER), "发生日期 2014-05-02 晚于建档立卡日期 2014-05-01"),
        (
            fact("vehicle", event=DAY_AFTER, amount=D("50000.00"), exit_measure=True),
            "发生日期 2014-05-02 晚于建档立卡日期 2014-05-01，且作为脱贫措施",
        ),
        (fact("urban_property", event=BEFORE, relocation_housing=True), "易地搬迁进城安置住房"),
    ],
)
def test_the_explanation_says_why_the_exception_applied(the_fact, reason):
    judgement = evaluate_household(with_facts(the_fact), YUNNAN7)
    normal_exit = judgement.outcome("NORMAL_EXIT")
    assert normal_exit.message.startswith("符合例外情形，不认定为错评，按正常脱贫程序退出：")
    assert reason in normal_exit.message
    assert normal_exit.message.endswith("（云南省2018年度 第1版）")


def test_a_poor_household_without_r_gets_no_exception():
    judgement = evaluate_household(
        with_facts(fact("public_payroll", event=DAY_AFTER), registered_on=None, registration_year=None), YUNNAN7
    )
    assert outcome(judgement, "WRONG_INCLUSION") == ("WRONG_INCLUSION", ("E1",))
    assert judgement.criteria["E1"].exception == "建档立卡日期未知，不能认定发生在建档立卡后"


def test_one_unexcused_fact_is_enough_for_wrong_inclusion():
    judgement = evaluate_household(
        with_facts(fact("public_payroll", event=DAY_AFTER), fact("public_payroll", SPOUSE_ID, event=BEFORE)),
        YUNNAN7,
    )
    assert codes(judgement) == ["WRONG_INCLUSION", "EXIT_READY"]
    assert [use.exception_applies for use in judgement.criteria["E1"].facts] == [True, False]


def test_wrong_inclusion_and_normal_exit_together_with_sorted_criteria():
    judgement = evaluate_household(
        with_facts(
            fact("hollow_registration", None),
            fact("vehicle", amount=D("30000.00")),
            fact("fraud", None),
            fact("village_cadre", event=DAY_AFTER),
            fact("public_payroll", event=DAY_AFTER),
            housing_grade="C",
        ),
        YUNNAN7,
    )
    # E10 sorts before E3 as a string (FORMATS §5: criteria lists are sorted)
    assert outcome(judgement, "WRONG_INCLUSION") == ("WRONG_INCLUSION", ("E10", "E3", "E8"))
    assert outcome(judgement, "NORMAL_EXIT") == ("NORMAL_EXIT", ("E1", "E2"))
    assert outcome(judgement, "EXIT_NOT_MET") == ("EXIT_NOT_MET", ("Y3",))
    assert codes(judgement) == ["WRONG_INCLUSION", "NORMAL_EXIT", "EXIT_NOT_MET"]


def test_wrong_inclusion_message_cites_the_fact_and_the_policy():
    the_fact = fact("vehicle", event=date(2013, 8, 1), amount=D("35000.00"), source_label="部门数据比对·公安")
    message = evaluate_household(with_facts(the_fact), YUNNAN7).outcome("WRONG_INCLUSION").message
    assert message == (
        "属错评，应按程序剔除：张三：拥有价格 35,000.00 元的机动车（发生日期 2013-08-01，来源：部门数据比对·公安，"
        "登记于 2018-06-01），发生日期 2013-08-01 不晚于建档立卡日期 2014-05-01，不适用例外（云南省2018年度 第1版）"
    )


@pytest.mark.parametrize("kind", ["household_split", "fraud"])
def test_e7_and_e10_hold_only_when_the_household_does_not_qualify(kind):
    code = {"household_split": "E7", "fraud": "E10"}[kind]
    not_qualifying = evaluate_household(with_facts(fact(kind, None)), YUNNAN7)
    assert outcome(not_qualifying, "WRONG_INCLUSION") == ("WRONG_INCLUSION", (code,))
    assert not_qualifying.criteria[code].message.endswith("且不符合贫困对象识别条件")
    qualifying = evaluate_household(
        with_facts(fact(kind, None), housing_grade="D", incomes={YEAR: income("2000.00")}), YUNNAN7
    )
    assert qualifying.meets_identification
    assert qualifying.outcome("WRONG_INCLUSION") is None
    assert not qualifying.criteria[code].holds


def test_facts_about_removed_members_do_not_count():
    hh = replace_member(with_facts(fact("public_payroll", CHILD_ID), fact("deceased", CHILD_ID)), 2, is_active=False)
    judgement = evaluate_household(hh, YUNNAN7)
    assert codes(judgement) == ["EXIT_READY"]
    assert judgement.members == ()
    assert judgement.warnings == ()


def test_facts_about_someone_outside_the_household_do_not_count():
    judgement = evaluate_household(with_facts(fact("business", "110101199001011234")), YUNNAN7)
    assert codes(judgement) == ["EXIT_READY"]


def test_household_level_facts_count():
    judgement = evaluate_household(with_facts(fact("public_payroll", None)), YUNNAN7)
    assert outcome(judgement, "WRONG_INCLUSION") == ("WRONG_INCLUSION", ("E1",))
    assert judgement.criteria["E1"].message.startswith("家庭成员为在岗在编财政供养人员")


# ---- E9: member removal ----


@pytest.mark.parametrize(
    ("kind", "words"),
    [("deceased", "已死亡"), ("missing", "已失踪"), ("not_sharing_income", "与户主不共享开支")],
)
def test_e9_member_removal_for_a_fact(kind, words):
    judgement = evaluate_household(with_facts(fact(kind, SPOUSE_ID, date(2018, 3, 2))), YUNNAN7)
    assert [(m.id_number, [(o.code, o.criteria) for o in m.outcomes]) for m in judgement.members] == [
        (SPOUSE_ID, [("MEMBER_REMOVAL", ("E9",))])
    ]
    message = judgement.members[0].outcomes[0].message
    assert message.startswith(f"家庭成员李梅{words}（发生日期 2018-03-02")
    assert message.endswith("应予清退（云南省2018年度 第1版）")
    assert judgement.outcome("WRONG_INCLUSION") is None
    assert not judgement.criteria["E9"].holds


def test_e9_member_removal_when_shares_income_is_no():
    judgement = evaluate_household(replace_member(household(), 2, shares_income=False), YUNNAN7)
    assert [m.id_number for m in judgement.members] == [CHILD_ID]
    assert judgement.members[0].outcomes[0].message == (
        "家庭成员张小明与户主不共享开支（共享开支：否），应予清退（云南省2018年度 第1版）"
    )


def test_unknown_shares_income_is_not_a_removal():
    judgement = evaluate_household(replace_member(household(), 2, shares_income=None), YUNNAN7)
    assert judgement.members == ()


def test_a_household_level_death_fact_removes_nobody():
    assert evaluate_household(with_facts(fact("deceased", None)), YUNNAN7).members == ()


def test_when_every_active_member_is_removed_the_household_is_wrong_inclusion_with_e9():
    hh = with_facts(
        fact("deceased", HEAD_ID),
        fact("missing", SPOUSE_ID),
        fact("public_payroll", SPOUSE_ID, event=DAY_AFTER),
    )
    hh = replace_member(hh, 2, shares_income=False)
    judgement = evaluate_household(hh, YUNNAN7)
    assert len(judgement.members) == 3
    assert outcome(judgement, "WRONG_INCLUSION") == ("WRONG_INCLUSION", ("E9",))
    assert outcome(judgement, "NORMAL_EXIT") == ("NORMAL_EXIT", ("E1",))
    assert judgement.criteria["E9"].holds
    assert "在册成员 3 人中 3 人应予清退，全户清退" in judgement.outcome("WRONG_INCLUSION").message


def test_removed_members_do_not_stop_the_rest_being_all_removed():
    hh = replace_member(with_facts(fact("deceased", HEAD_ID), fact("deceased", SPOUSE_ID)), 2, is_active=False)
    judgement = evaluate_household(hh, YUNNAN7)
    assert outcome(judgement, "WRONG_INCLUSION") == ("WRONG_INCLUSION", ("E9",))


def test_e9_applies_to_exited_households_too():
    hh = with_facts(fact("deceased", HEAD_ID), status="exited", exit_year=2017)
    judgement = evaluate_household(hh, YUNNAN7)
    assert [m.id_number for m in judgement.members] == [HEAD_ID]


def test_every_e_criterion_is_explained_even_when_it_does_not_hold():
    criteria = evaluate_household(household(), YUNNAN7).criteria
    expected = {"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10"}
    assert expected <= set(criteria)
    assert not any(criteria[code].holds for code in expected)
    assert criteria["E3"].message == "无价格达到 30,000.00 元的机动车"
    assert criteria["E1"].threshold is None  # R matters only for a fact
    assert criteria["E3"].threshold == D("30000.00")
    judged = evaluate_household(with_facts(fact("public_payroll")), YUNNAN7).criteria["E1"]
    assert judged.threshold == R


def test_a_policy_with_another_vehicle_limit():
    policy = dataclasses.replace(YUNNAN7, vehicle_price_limit=D("50000.00"))
    judgement = evaluate_household(with_facts(fact("vehicle", amount=D("49999.99"))), policy)
    assert codes(judgement) == ["EXIT_READY"]


def test_support_measure_fact_is_not_an_exclusion():
    assert codes(evaluate_household(household(facts=(SUPPORT,)), YUNNAN7)) == ["EXIT_READY"]


def test_ordinary_households_get_no_member_removals():
    hh = with_facts(fact("deceased", HEAD_ID), status="ordinary")
    assert member_removals(household_context(hh, YUNNAN7)) == []


def test_the_fact_category_is_cited():
    the_fact = fact("urban_property", event=date(2012, 5, 1), category="商品房")
    message = evaluate_household(with_facts(the_fact), YUNNAN7).outcome("WRONG_INCLUSION").message
    assert "张三：在城镇拥有自建房、商品房或门面房（商品房，发生日期 2012-05-01" in message


def test_a_fact_without_source_or_recorded_date_is_still_cited():
    bare = FactData("hired_labour", None, date(2012, 1, 1))
    message = evaluate_household(with_facts(bare), YUNNAN7).outcome("WRONG_INCLUSION").message
    assert "长期雇佣他人从事生产经营活动（发生日期 2012-01-01）" in message
