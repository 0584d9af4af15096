"""evaluate_household as a whole: the FORMATS §5 shape, removed households, explanations, purity."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assessment.rules import OUTCOME_ORDER, evaluate_household
from tests.assessment.builders import (
    HEAD_ID,
    SPOUSE_ID,
    YEAR,
    YUNNAN7,
    D,
    fact,
    household,
    income,
    replace_member,
    with_facts,
)


def busy_household():
    """WRONG_INCLUSION, NORMAL_EXIT, EXIT_NOT_MET, a member removal and three warnings at once."""
    hh = with_facts(
        fact("vehicle", amount=D("30000.00")),
        fact("fraud", None),
        fact("public_payroll", SPOUSE_ID, event=date(2015, 1, 1)),
        fact("deceased", SPOUSE_ID, event=date(2018, 4, 1)),
        housing_grade="C",
        incomes={},
    )
    return replace_member(hh, 1, relation="01")


def test_to_json_dict_has_exactly_the_formats_shape():
    data = evaluate_household(busy_household(), YUNNAN7).to_json_dict()
    assert list(data) == ["household", "status", "outcomes", "members", "warnings"]
    assert data["household"] == "HH0001"
    assert data["status"] == "poor"
    assert [(o["code"], o["criteria"]) for o in data["outcomes"]] == [
        ("WRONG_INCLUSION", ["E10", "E3"]),
        ("NORMAL_EXIT", ["E1"]),
        ("EXIT_NOT_MET", ["Y1", "Y3"]),
    ]
    for outcome in data["outcomes"]:
        assert list(outcome) == ["code", "criteria", "message"]
        assert outcome["criteria"] == sorted(outcome["criteria"])
        assert outcome["message"].endswith("（云南省2018年度 第1版）")
    assert data["members"] == [
        {
            "id_number": SPOUSE_ID,
            "outcomes": [
                {
                    "code": "MEMBER_REMOVAL",
                    "criteria": ["E9"],
                    "message": "家庭成员李梅已死亡（发生日期 2018-04-01，来源：部门数据比对·公安，登记于 2018-06-01），"
                    "应予清退（云南省2018年度 第1版）",
                }
            ],
        }
    ]
    assert [w["code"] for w in data["warnings"]] == ["DQ3", "DQ5", "DQ7"]
    assert all(list(w) == ["code", "message"] for w in data["warnings"])
    json.dumps(data, ensure_ascii=False)  # plain JSON types only


def test_members_lists_only_members_with_outcomes():
    data = evaluate_household(household(), YUNNAN7).to_json_dict()
    assert data == {
        "household": "HH0001",
        "status": "poor",
        "outcomes": [{"code": "EXIT_READY", "criteria": [], "message": data["outcomes"][0]["message"]}],
        "members": [],
        "warnings": [],
    }


def test_outcomes_come_in_the_declared_order():
    judgement = evaluate_household(busy_household(), YUNNAN7)
    positions = [OUTCOME_ORDER.index(code) for code in judgement.outcome_codes]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "hh",
    [
        household(status="removed"),
        with_facts(
            fact("deceased", HEAD_ID),
            fact("vehicle", amount=D("90000.00")),
            status="removed",
            members=(),
            incomes={},
            housing_grade="D",
        ),
    ],
)
def test_a_removed_household_gets_no_outcomes_and_no_warnings(hh):
    judgement = evaluate_household(hh, YUNNAN7)
    assert judgement.to_json_dict() == {
        "household": "HH0001",
        "status": "removed",
        "outcomes": [],
        "members": [],
        "warnings": [],
    }
    assert judgement.criteria == {}


def test_criteria_explanations_are_structured_for_the_decision_sheet():
    judgement = evaluate_household(busy_household(), YUNNAN7)
    assert set(judgement.criteria) == {
        "I1", "I2", "I3", "I4", "I5",
        "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10",
        "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7",
    }  # fmt: skip
    e1 = judgement.criteria["E1"].as_dict()
    assert e1["code"] == "E1"
    assert e1["holds"] is False
    assert e1["excepted"] is True
    assert e1["threshold"] == "2014-05-01"
    assert e1["exception"] == "发生日期 2015-01-01 晚于建档立卡日期 2014-05-01"
    assert e1["facts"] == [
        {
            "kind": "public_payroll",
            "member_id_number": SPOUSE_ID,
            "member_name": "李梅",
            "event_date": "2015-01-01",
            "amount": None,
            "exit_measure": False,
            "relocation_housing": False,
            "category": "",
            "source": "部门数据比对·公安",
            "recorded_on": "2018-06-01",
            "fact_id": None,
            "exception_applies": True,
            "reason": "发生日期 2015-01-01 晚于建档立卡日期 2014-05-01",
        }
    ]
    e3 = judgement.criteria["E3"].as_dict()
    assert (e3["holds"], e3["value"], e3["threshold"]) == (True, "30000.00", "30000.00")
    json.dumps([c.as_dict() for c in judgement.criteria.values()], ensure_ascii=False)


def test_judgement_records_policy_and_figures():
    judgement = evaluate_household(household(incomes={YEAR: income("2480.00")}), YUNNAN7)
    assert (judgement.policy_name, judgement.policy_version) == ("云南省2018年度", 1)
    assert judgement.per_capita_income == D("2480.00")
    assert judgement.outcome("MISSED") is None
    assert judgement.outcome("EXIT_NOT_MET").message.startswith(
        "未达到户“7条”标准：人均纯收入 2,480.00 元，未高于脱贫收入标准 3,500.00 元"
    )


def test_the_seed_example_message():
    hh = household(status="ordinary", housing_grade="", incomes={YEAR: income("2480.00")}, attribute="")
    hh = replace_member(hh, 0, serious_disease=True)
    missed = evaluate_household(hh, YUNNAN7).outcome("MISSED")
    assert "人均纯收入 2,480.00 元，低于识别标准 2,952.00 元" in missed.message
    assert missed.message.endswith("（云南省2018年度 第1版）")


def test_evaluation_is_deterministic_and_does_not_change_its_input():
    hh = busy_household()
    before = repr(hh)
    first = evaluate_household(hh, YUNNAN7).to_json_dict()
    assert evaluate_household(hh, YUNNAN7).to_json_dict() == first
    assert repr(hh) == before


def test_the_rules_import_nothing_of_django():
    code = "import sys, assessment.rules; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown status 'returned'"):
        evaluate_household(household(status="returned"), YUNNAN7)


def test_a_returned_household_is_judged_as_poor():
    judgement = evaluate_household(household(returned_year=2017), YUNNAN7)
    assert judgement.outcome_codes == ("EXIT_READY",)
