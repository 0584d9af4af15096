"""The loader: the registry as the rules' plain data, in a constant number of queries per chunk."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assessment.loader import load_chunks, load_households, registry_shared_addresses
from assessment.rules import FactData, IncomeData
from households.choices import FactKind, FactSource, HouseholdStatus, SchoolingStatus
from households.models import Fact, Household, MemberYear, YearlyIncome
from tests import factories as f
from tests.assessment import county as c

D = Decimal
pytestmark = pytest.mark.django_db


def loaded(number: str, year: int = 2018):
    return next(load_households(Household.objects.filter(number=number), income_year=year))


def test_household_fields_are_copied(areas):
    c.ready_household(
        areas[f.GROUP_A1],
        number="H1",
        status=HouseholdStatus.EXITED,
        exit_year=2016,
        returned_year=None,
        address="箐口村 3 号",
        housing_grade="C",
        relocation="moved_not_in",
        electricity=True,
        radio_tv=False,
        broadband=None,
        registered_on=datetime.date(2014, 5, 1),
    )
    data = loaded("H1")
    assert (data.number, data.status, data.attribute, data.exit_year) == ("H1", "exited", "01", 2016)
    assert (data.registered_on, data.registration_year) == (datetime.date(2014, 5, 1), 2014)
    assert (data.address, data.housing_grade, data.relocation) == ("箐口村 3 号", "C", "moved_not_in")
    assert (data.safe_water, data.water_radius_km, data.food_clothing_secured) == (True, D("0.50"), True)
    assert (data.electricity, data.radio_tv, data.broadband) == (True, False, None)
    assert data.split_from_other is False


def test_members_carry_the_schooling_of_the_income_year_and_the_year_before(areas):
    household = f.make_household(areas[f.GROUP_A1], number="H1", members=2)
    student = f.make_member(
        household,
        name="小明",
        birth=datetime.date(2003, 1, 1),
        schooling_status=SchoolingStatus.HIGH_2,  # the member's latest state: 2019
        serious_disease=True,
        medical_insurance=True,
        shares_income=False,
    )
    MemberYear.objects.create(
        member=student, year=2018, schooling_status=SchoolingStatus.HIGH_1, heavy_study_burden=True
    )
    MemberYear.objects.create(member=student, year=2017, schooling_status=SchoolingStatus.GRADE_9)
    MemberYear.objects.create(member=student, year=2016, schooling_status=SchoolingStatus.GRADE_8)
    removed = f.make_member(household, name="离开的人", is_active=False)

    members = {m.name: m for m in loaded("H1").members}
    assert len(members) == 4
    young = members["小明"]
    assert (young.schooling_status, young.previous_schooling_status, young.heavy_study_burden) == ("07", "06", True)
    assert (young.serious_disease, young.medical_insurance, young.serious_illness_insurance) == (True, True, None)
    assert young.shares_income is False and young.birth_date == datetime.date(2003, 1, 1)
    assert members["离开的人"].is_active is False and members["离开的人"].id_number == removed.id_number
    head = c.head(household)
    # No MemberYear: the member's current fields, and no previous year.
    assert (members[head.name].schooling_status, members[head.name].previous_schooling_status) == ("01", None)
    assert members[head.name].relation == "01"


def test_incomes_of_the_two_years_only(areas):
    household = f.make_household(areas[f.GROUP_A1], number="H1", wage=D("9000"))
    YearlyIncome.objects.create(household=household, year=2017, wage=D("1"), transfer=D("2"), business_expenses=D("3"))
    YearlyIncome.objects.create(household=household, year=2016, wage=D("5"))
    data = loaded("H1")
    assert data.incomes == {
        2018: IncomeData(2018, D("9000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        2017: IncomeData(2017, D("1.00"), D("0.00"), D("0.00"), D("2.00"), D("3.00")),
    }


def test_facts_name_their_member_source_and_dates(areas):
    household = c.ready_household(areas[f.GROUP_A1], number="H1")
    car = c.vehicle(household)
    moved = f.make_household(areas[f.GROUP_A2], number="H2", members=1)
    lent = f.make_member(moved, name="转出的人")
    # A fact recorded against H1 about a member now registered in H2 names nobody active in H1.
    Fact.objects.create(household=household, member=lent, kind=FactKind.VILLAGE_CADRE, source=FactSource.MANUAL)

    facts = {fact.kind: fact for fact in loaded("H1").facts}
    assert facts["vehicle"] == FactData(
        kind="vehicle",
        member_id_number=c.head(household).id_number,
        event_date=datetime.date(2013, 6, 18),
        amount=D("30000.00"),
        category="小型普通客车",
        source_label="部门数据比对·公安",
        recorded_on=datetime.date(2018, 11, 20),
        fact_id=car.pk,
    )
    support = facts["support_measure"]
    assert (support.member_id_number, support.source_label, support.category) == (None, "实地调查", "产业扶持")
    cadre = facts["village_cadre"]
    assert cadre.member_id_number == lent.id_number and cadre.source_label == "县级录入"
    # No 登记日期: the day the fact was entered.
    assert cadre.recorded_on is not None


def test_households_come_in_number_order_across_chunks(areas):
    for number in ("H5", "H3", "H1", "H4", "H2"):
        f.make_household(areas[f.GROUP_A1], number=number, members=1)
    chunks = list(load_chunks(Household.objects.all(), income_year=2018, chunk_size=2))
    assert [[h.data.number for h in chunk] for chunk in chunks] == [["H1", "H2"], ["H3", "H4"], ["H5"]]
    assert [h.pk for h in chunks[0]] == list(
        Household.objects.filter(number__in=["H1", "H2"]).order_by("number").values_list("pk", flat=True)
    )


def test_a_filtered_queryset_is_respected(areas):
    f.make_household(areas[f.GROUP_A1], number="A", members=1)
    f.make_household(areas[f.GROUP_B1], number="B", members=1)
    numbers = [
        h.number for h in load_households(Household.objects.filter(township_code=f.TOWNSHIP_B), income_year=2018)
    ]
    assert numbers == ["B"]


def build(areas, n: int) -> None:
    for i in range(n):
        household = c.ready_household(areas[f.GROUP_A1], number=f"Q{i:03d}")
        c.vehicle(household)
        member = c.head(household)
        MemberYear.objects.create(member=member, year=2018, schooling_status="01")
        MemberYear.objects.create(member=member, year=2017, schooling_status="01")
        YearlyIncome.objects.create(household=household, year=2017, wage=D("100"))


@pytest.mark.parametrize("n", [5, 50])
def test_one_chunk_costs_five_queries_whatever_its_size(areas, django_assert_num_queries, n):
    build(areas, n)
    with django_assert_num_queries(5):
        households = list(load_households(Household.objects.all(), income_year=2018))
    assert len(households) == n
    assert all(len(h.members) == 3 and len(h.facts) == 2 and len(h.incomes) == 2 for h in households)


@pytest.mark.parametrize("n", [5, 50])
def test_queries_grow_with_chunks_not_with_households(areas, django_assert_max_num_queries, n):
    build(areas, n)
    # chunks of 10: 5 queries per chunk, plus one empty read when the last chunk is full
    with django_assert_max_num_queries(5 * (n // 10 + 1) + 1):
        assert len(list(load_households(Household.objects.all(), income_year=2018, chunk_size=10))) == n


def test_shared_addresses_over_the_whole_registry_in_one_query(areas, django_assert_num_queries):
    f.make_household(areas[f.GROUP_A1], number="S1", members=1, address="箐口村 3 号")
    f.make_household(areas[f.GROUP_B1], number="S2", members=1, address="箐口村3号", status=HouseholdStatus.REMOVED)
    f.make_household(areas[f.GROUP_B1], number="S3", members=1, address="小江村 1 号")
    f.make_household(areas[f.GROUP_B1], number="S4", members=1, address="")
    with django_assert_num_queries(1):
        assert registry_shared_addresses() == frozenset({"箐口村3号"})
