"""Policy values the rules need (SPEC §3, FORMATS §4): a policy missing one cannot be used."""

import dataclasses
from decimal import Decimal

import pytest

from assessment.rules import PolicyIncomplete, evaluate_household
from tests.assessment.builders import GUANGDONG8, YUNNAN7, household


def test_seed_policies_are_complete():
    assert YUNNAN7.missing_values() == ()
    assert GUANGDONG8.missing_values() == ()


@pytest.mark.parametrize(
    ("policy", "changes", "missing"),
    [
        (YUNNAN7, {"exit_line": None}, ("exit_line",)),
        (YUNNAN7, {"identification_line": None}, ("identification_line",)),
        (YUNNAN7, {"vehicle_price_limit": None, "water_radius_km": None}, ("vehicle_price_limit", "water_radius_km")),
        (YUNNAN7, {"income_year": None}, ("income_year",)),
        (YUNNAN7, {"exit_standard_set": "sichuan5"}, ("exit_standard_set",)),
        # guangdong8 needs the reference and the ratio, not exit_line
        (GUANGDONG8, {"provincial_reference_income": None}, ("provincial_reference_income",)),
        (GUANGDONG8, {"reference_income_ratio": None}, ("reference_income_ratio",)),
        (GUANGDONG8, {"exit_line": Decimal("1.00")}, ()),
        # publicity days are a workflow value, not a rules value
        (YUNNAN7, {"publicity_days": None}, ()),
    ],
)
def test_missing_values(policy, changes, missing):
    assert dataclasses.replace(policy, **changes).missing_values() == missing


def test_an_incomplete_policy_cannot_be_used():
    policy = dataclasses.replace(YUNNAN7, exit_line=None, water_radius_km=None)
    with pytest.raises(PolicyIncomplete) as error:
        evaluate_household(household(), policy)
    assert error.value.missing == ("water_radius_km", "exit_line")
    assert str(error.value) == "政策「云南省2018年度」第1版缺少参数：取水半径标准、脱贫收入标准"


def test_exit_income_line_is_the_exit_line_for_yunnan7():
    assert YUNNAN7.exit_income_line == Decimal("3500.00")


def test_exit_income_line_is_reference_times_ratio_for_guangdong8_unrounded():
    assert GUANGDONG8.exit_income_line == Decimal("7100.883")
    assert dataclasses.replace(GUANGDONG8, reference_income_ratio=None).exit_income_line is None


def test_citation_names_policy_and_version():
    assert YUNNAN7.citation == "云南省2018年度 第1版"


def test_a_prepared_policy_is_reused_and_the_cache_stays_small():
    from assessment.rules.prepared import _CACHE, prepare_policy

    assert prepare_policy(YUNNAN7) is prepare_policy(YUNNAN7)
    edited = dataclasses.replace(YUNNAN7, version=2, identification_line=Decimal("3000.00"))
    assert prepare_policy(edited).identification_text == "3,000.00"
    for version in range(100):
        prepare_policy(dataclasses.replace(YUNNAN7, version=version))
    assert len(_CACHE) <= 64


def test_an_edited_policy_is_judged_with_its_own_values():
    edited = dataclasses.replace(YUNNAN7, version=2, exit_line=Decimal("4000.00"))
    judgement = evaluate_household(household(), edited)
    assert judgement.outcome_codes == ("EXIT_NOT_MET",)
    assert judgement.outcomes[0].message.endswith(
        "未高于脱贫收入标准 4,000.00 元，不愁吃、不愁穿（云南省2018年度 第2版）"
    )
