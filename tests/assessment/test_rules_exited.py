"""Exited households failing a standard: 错退, continued support or return risk by exit year (SPEC §4.4)."""

import pytest

from assessment.rules import evaluate_household
from tests.assessment.builders import GUANGDONG8, YEAR, YUNNAN7, codes, household, income


def exited(exit_year, **changes):
    return household(status="exited", exit_year=exit_year, **changes)


@pytest.mark.parametrize(
    ("exit_year", "expected"),
    [
        (2016, "WRONG_EXIT"),
        (2014, "CONTINUE_SUPPORT"),
        (2015, "CONTINUE_SUPPORT"),
        (2017, "RETURN_RISK"),
        (2013, "RETURN_RISK"),
        (None, "RETURN_RISK"),
    ],
)
def test_exited_household_failing_a_standard_by_exit_year(exit_year, expected):
    judgement = evaluate_household(exited(exit_year, housing_grade="D", food_clothing_secured=False), YUNNAN7)
    assert codes(judgement) == [expected]
    assert judgement.outcomes[0].criteria == ("Y1", "Y3")


@pytest.mark.parametrize("exit_year", [2014, 2015, 2016, 2017])
def test_exited_household_meeting_every_standard_gets_nothing(exit_year):
    judgement = evaluate_household(exited(exit_year), YUNNAN7)
    assert judgement.outcomes == ()


def test_exited_households_never_get_exit_ready_or_normal_exit():
    judgement = evaluate_household(exited(2016, incomes={YEAR: income("3500.00")}), YUNNAN7)
    assert codes(judgement) == ["WRONG_EXIT"]


@pytest.mark.parametrize(
    ("exit_year", "lead"),
    [
        (2016, "2016年度脱贫户未达到户“7条”标准，属错退，应重新纳入："),
        (2015, "2015年度脱贫户尚未完全解决“两不愁、三保障”，确定为继续帮扶户："),
        (2017, "2017年度脱贫户未达到户“7条”标准，有返贫风险（返贫须查明原因，由人工认定）："),
        (None, "脱贫年度不详的脱贫户未达到户“7条”标准，有返贫风险（返贫须查明原因，由人工认定）："),
    ],
)
def test_exited_messages_cite_the_figures_and_the_policy(exit_year, lead):
    message = evaluate_household(exited(exit_year, incomes={YEAR: income("3500.00")}), YUNNAN7).outcomes[0].message
    assert (
        message
        == f"{lead}人均纯收入 3,500.00 元，未高于脱贫收入标准 3,500.00 元，不愁吃、不愁穿（云南省2018年度 第1版）"
    )


def test_the_policy_decides_which_years_are_wrong_exits():
    # the Guangdong fixture has no 错退 or continued-support years
    judgement = evaluate_household(exited(2016, incomes={YEAR: income("5000.00")}), GUANGDONG8)
    assert codes(judgement) == ["RETURN_RISK"]
    assert judgement.outcomes[0].criteria == ("G1",)


def test_exited_household_without_this_years_income_fails_y1():
    judgement = evaluate_household(exited(2016, incomes={}), YUNNAN7)
    assert [(o.code, o.criteria) for o in judgement.outcomes] == [("WRONG_EXIT", ("Y1",))]
    assert "DQ7" in judgement.warning_codes
