"""Plain-data builders for the rules tests: a baseline that meets every standard, varied one value at a time.

The baseline is a ``poor`` household of three (head 48, spouse 46, a 13-year-old in 七年级) registered on
2014-05-01, income year 2018, per-capita net income 4,000.00 yuan, safe A-grade housing, safe water at 0.5 km,
everyone insured, one support measure: under ``YUNNAN7`` it is EXIT_READY with no warnings.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from assessment.rules import FactData, HouseholdData, IncomeData, MemberData, Policy

D = Decimal
YEAR = 2018
R = date(2014, 5, 1)

YUNNAN7 = Policy(
    name="云南省2018年度",
    version=1,
    income_year=YEAR,
    identification_line=D("2952.00"),
    exit_line=D("3500.00"),
    vehicle_price_limit=D("30000.00"),
    exit_standard_set="yunnan7",
    publicity_days=5,
    water_radius_km=D("1.0"),
    wrong_exit_years=frozenset({2016}),
    continue_support_years=frozenset({2014, 2015}),
)
# Seed 002: Guangdong's 八有, income ≥ 45% of the provincial rural per-capita disposable income.
GUANGDONG8 = Policy(
    name="广东省2017年度",
    version=3,
    income_year=YEAR,
    identification_line=D("2952.00"),
    exit_line=None,
    vehicle_price_limit=D("30000.00"),
    exit_standard_set="guangdong8",
    publicity_days=5,
    water_radius_km=D("1.0"),
    provincial_reference_income=D("15779.74"),
    reference_income_ratio=D("0.45"),
)

HEAD_ID = "530113197003011231"
SPOUSE_ID = "530113197206021242"
CHILD_ID = "530113200509091253"


def member(id_number: str = HEAD_ID, name: str = "张三", **changes) -> MemberData:
    values = {
        "relation": "01",
        "birth_date": date(1970, 3, 1),
        "medical_insurance": True,
        "serious_illness_insurance": True,
        "pension_insurance": True,
        "family_doctor": True,
    }
    values.update(changes)
    return MemberData(id_number=id_number, name=name, **values)


def born(age: int) -> date:
    """A birth date giving ``age`` on 31 December of the income year."""
    return date(YEAR - age, 7, 1)


def baseline_members() -> tuple[MemberData, ...]:
    return (
        member(HEAD_ID, "张三"),
        member(SPOUSE_ID, "李梅", relation="02", birth_date=date(1972, 6, 2)),
        member(
            CHILD_ID,
            "张小明",
            relation="03",
            birth_date=date(2005, 9, 9),
            schooling_status="04",
            pension_insurance=None,
        ),
    )


def income(per_capita: str | Decimal, size: int = 3, year: int = YEAR, **parts) -> IncomeData:
    """An income record whose per-capita net income over ``size`` members is exactly ``per_capita``."""
    if parts:
        return IncomeData(year=year, **parts)
    return IncomeData(year=year, wage=D(per_capita) * size)


def fact(kind: str, member_id: str | None = HEAD_ID, event: date | None = date(2010, 1, 1), **changes) -> FactData:
    values = {"source_label": "部门数据比对·公安", "recorded_on": date(2018, 6, 1)}
    values.update(changes)
    return FactData(kind=kind, member_id_number=member_id, event_date=event, **values)


SUPPORT = FactData(
    kind="support_measure",
    member_id_number=None,
    event_date=date(2016, 3, 1),
    category="产业扶持",
    source_label="实地调查",
    recorded_on=date(2016, 3, 5),
)


def household(**changes) -> HouseholdData:
    values = {
        "number": "HH0001",
        "status": "poor",
        "attribute": "01",
        "registered_on": R,
        "registration_year": 2014,
        "address": "箐口村一组12号",
        "housing_grade": "A",
        "relocation": "no",
        "safe_water": True,
        "water_radius_km": D("0.5"),
        "electricity": True,
        "radio_tv": True,
        "broadband": True,
        "food_clothing_secured": True,
        "members": baseline_members(),
        "incomes": {YEAR: income("4000.00")},
        "facts": (SUPPORT,),
    }
    values.update(changes)
    return HouseholdData(**values)


def with_facts(*facts: FactData, **changes) -> HouseholdData:
    """The baseline plus ``facts`` (the support measure stays)."""
    return household(facts=(SUPPORT, *facts), **changes)


def replace_member(hh: HouseholdData, index: int, **changes) -> HouseholdData:
    members = list(hh.members)
    members[index] = dataclasses.replace(members[index], **changes)
    return dataclasses.replace(hh, members=tuple(members))


def codes(judgement) -> list[str]:
    return [o.code for o in judgement.outcomes]
