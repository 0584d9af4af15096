"""A small county in the database with hand-computed outcomes, for the evaluation, run and page tests.

Built on ``tests.factories``. ``ready_household`` meets every yunnan7 standard under ``seed_policy()`` (three insured
members, per-capita net income 4,000.00, safe water at 0.5 km, B-grade housing, one support measure); each test
varies one thing from it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from assessment.models import Policy
from households.choices import FactKind, FactSource, HouseholdStatus
from households.models import Area, Fact, Household, Member
from tests import factories as f

D = Decimal
REGISTERED = datetime.date(2014, 10, 1)
INSURED = {
    "medical_insurance": True,
    "serious_illness_insurance": True,
    "pension_insurance": True,
    "family_doctor": True,
}


def seed_policy(**changes) -> Policy:
    """The seeds' yunnan7 policy (the fixture's values), version 1, current."""
    values = {
        "name": "云南省2018年度",
        "income_year": 2018,
        "identification_line": D("2952.00"),
        "exit_line": D("3500.00"),
        "vehicle_price_limit": D("30000.00"),
        "exit_standard_set": "yunnan7",
        "publicity_days": 5,
        "water_radius_km": D("1.00"),
        "wrong_exit_years": [2016],
        "continue_support_years": [2014, 2015],
        "is_current": True,
    }
    values.update(changes)
    return Policy.objects.create(**values)


def guangdong_policy(**changes) -> Policy:
    """The seeds' guangdong8 policy: no provincial reference income, so it cannot be used."""
    values = {
        "name": "广东省2017年度",
        "income_year": 2017,
        "identification_line": D("2952.00"),
        "vehicle_price_limit": D("30000.00"),
        "exit_standard_set": "guangdong8",
        "publicity_days": 5,
        "water_radius_km": D("1.00"),
        "reference_income_ratio": D("0.45"),
    }
    values.update(changes)
    return Policy.objects.create(**values)


def ready_household(area: Area, *, number: str, status: str = HouseholdStatus.POOR, **fields) -> Household:
    values = {"water_radius_km": D("0.5"), "wage": D("12000")}
    values.update(fields)
    household = f.make_household(area, number=number, status=status, **values)
    household.members.update(**INSURED)
    support(household)
    return household


def support(household: Household) -> Fact:
    return Fact.objects.create(
        household=household,
        kind=FactKind.SUPPORT_MEASURE,
        event_date=datetime.date(2016, 3, 1),
        category="产业扶持",
        source=FactSource.SURVEY,
        recorded_on=datetime.date(2016, 3, 5),
    )


def head(household: Household) -> Member:
    return household.members.get(relation="01")


def vehicle(household: Household, *, price: str = "30000", bought: datetime.date = datetime.date(2013, 6, 18)) -> Fact:
    """A car registered to the head by the police register (E3 when bought before registration)."""
    return Fact.objects.create(
        household=household,
        member=head(household),
        kind=FactKind.VEHICLE,
        event_date=bought,
        amount=D(price),
        category="小型普通客车",
        source=FactSource.DEPARTMENT,
        source_name="公安",
        recorded_on=datetime.date(2018, 11, 20),
    )


def ordinary_household(area: Area, *, number: str, per_capita: str, **fields) -> Household:
    """An ordinary household of three with C-grade housing and the given per-capita net income."""
    values = {"housing_grade": "C", "wage": D(per_capita) * 3}
    values.update(fields)
    return f.make_household(area, number=number, status=HouseholdStatus.ORDINARY, **values)


def small_county(areas: dict[str, Area]) -> dict[str, Household]:
    """Households with known outcomes under ``seed_policy()``, in townships A and B.

    | number | what | outcomes |
    |---|---|---|
    | A-01 | poor, a 30,000 car bought 2013 (before R) | WRONG_INCLUSION [E3], EXIT_READY |
    | A-02 | ordinary, per capita exactly 2,952.00, C-grade housing | nothing (I1 fails at the line) |
    | A-03 | ordinary, per capita 2,951.99, C-grade housing | MISSED [I1, I2] |
    | A-04 | poor, ready to exit | EXIT_READY |
    | A-05 | exited 2016, water 1.5 km away | WRONG_EXIT [Y2] |
    | A-06 | removed | nothing |
    | B-01 | poor, the spouse does not share income | EXIT_READY, member MEMBER_REMOVAL [E9] |
    | B-02 | poor, no income record for 2018 | EXIT_NOT_MET [Y1], DQ7 |
    """
    group_a, group_b = areas[f.GROUP_A1], areas[f.GROUP_B1]
    county = {
        "A-01": ready_household(group_a, number="A-01"),
        "A-02": ordinary_household(group_a, number="A-02", per_capita="2952.00"),
        "A-03": ordinary_household(group_a, number="A-03", per_capita="2951.99"),
        "A-04": ready_household(group_a, number="A-04"),
        "A-05": ready_household(
            group_a, number="A-05", status=HouseholdStatus.EXITED, exit_year=2016, water_radius_km=D("1.5")
        ),
        "A-06": ready_household(group_a, number="A-06", status=HouseholdStatus.REMOVED),
        "B-01": ready_household(group_b, number="B-01"),
        "B-02": ready_household(group_b, number="B-02", income_year=None),
    }
    vehicle(county["A-01"])
    county["B-01"].members.filter(relation="02").update(shares_income=False)
    return county
