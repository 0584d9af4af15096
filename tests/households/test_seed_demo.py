"""manage.py seed_demo (FORMATS §7): accounts, valid IDs, consistent codes, determinism, history, planted cases."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from households import demo
from households.choices import FactKind, HouseholdStatus, HousingGrade, Relation, Role
from households.idnumber import parse_id_number
from households.models import Area, Fact, Household, Member, MemberChange, MemberYear, User, YearlyIncome

SIZE = 120
TODAY = datetime.date(2019, 1, 1)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo.md"


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", households=options.pop("households", SIZE), stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed(seed=7)


def planted(key: str) -> Household:
    number = dict((case.key, number) for number, case in demo.planted_cases())[key]
    return Household.objects.get(number=number)


def per_capita(household: Household, year: int = 2018) -> Decimal:
    income = household.incomes.get(year=year)
    return income.per_capita(household.members.filter(is_active=True).count())


def snapshot() -> dict[str, list[tuple]]:
    """Everything the generator decides, keyed by natural keys (primary keys differ between runs)."""
    return {
        "areas": list(Area.objects.order_by("code").values_list("code", "name", "level", "parent__code")),
        "households": list(
            Household.objects.order_by("number").values_list(
                "number", "area__code", "status", "attribute", "registered_on", "exit_year", "returned_year",
                "main_cause", "other_causes", "housing_grade", "address", "phone", "water_radius_km", "longitude",
            )
        ),
        "members": list(
            Member.objects.order_by("id_number").values_list(
                "household__number", "name", "id_number", "relation", "ethnicity", "schooling_status",
                "labour_skill", "migrant_months", "pension_insurance", "shares_income", "is_active",
            )
        ),
        "incomes": list(
            YearlyIncome.objects.order_by("household__number", "year").values_list(
                "household__number", "year", "wage", "business", "property_income", "transfer", "dibao", "pension",
                "business_expenses",
            )
        ),
        "facts": sorted(
            Fact.objects.values_list(
                "household__number", "member__id_number", "kind", "event_date", "amount", "category", "source_name"
            ),
            key=repr,
        ),
        "years": sorted(MemberYear.objects.values_list("member__id_number", "year", "schooling_status")),
    }  # fmt: skip


def test_prints_a_chinese_summary(seeded):
    assert f"农户 {SIZE} 户" in seeded
    assert "一般农户" in seeded and "已脱贫" in seeded and "用时" in seeded
    assert Household.objects.count() == SIZE


def test_demo_accounts_log_in_with_the_demo_password(seeded):
    expected = {
        "county": (Role.COUNTY, demo.COUNTY_CODE, ""),
        "township1": (Role.TOWNSHIP, "530113001", ""),
        "township2": (Role.TOWNSHIP, "530113002", ""),
        "village1": (Role.VILLAGE, demo.VILLAGE1_CODE, ""),
        "police": (Role.DEPARTMENT, demo.COUNTY_CODE, "公安"),
        "civil": (Role.DEPARTMENT, demo.COUNTY_CODE, "民政"),
        "housing": (Role.DEPARTMENT, demo.COUNTY_CODE, "住建"),
        "assessor": (Role.ASSESSOR, demo.COUNTY_CODE, ""),
        "leader": (Role.LEADER, demo.COUNTY_CODE, ""),
    }
    for username, (role, code, department) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD), username
        assert (user.role, user.area.code, user.department) == (role, code, department)
        assert user.full_name
    assert User.objects.get(username="township1").area.name == "铜都街道"


def test_every_id_number_is_valid_unique_and_matches_sex_and_birth(seeded):
    members = list(Member.objects.values_list("id_number", "sex", "birth_date", "relation", "household__number"))
    assert len(members) >= SIZE
    for number, sex, birth, relation, household in members:
        info = parse_id_number(number, today=TODAY)
        assert (info.sex, info.birth_date) == (sex, birth), (household, number)
        if relation in (Relation.SON, Relation.GRANDSON, Relation.FATHER):
            assert sex == "1", (household, number)
        if relation in (Relation.DAUGHTER, Relation.GRANDDAUGHTER, Relation.MOTHER, Relation.DAUGHTER_IN_LAW):
            assert sex == "2", (household, number)
    assert len({m[0] for m in members}) == len(members)


def test_family_ages_are_consistent_with_relations(seeded):
    heads = dict(Member.objects.filter(relation=Relation.HEAD).values_list("household_id", "birth_date"))
    for household_id, relation, birth in Member.objects.values_list("household_id", "relation", "birth_date"):
        head = heads.get(household_id)
        if head and relation in (Relation.SON, Relation.DAUGHTER):
            assert birth > head, household_id
        if head and relation in (Relation.FATHER, Relation.MOTHER):
            assert birth < head, household_id


def test_area_and_household_codes_are_prefix_consistent(seeded):
    lengths = {"county": 6, "township": 9, "village": 12, "group": 15}
    for area in Area.objects.select_related("parent"):
        assert len(area.code) == lengths[area.level]
        if area.parent:
            assert area.code.startswith(area.parent.code)
            assert len(area.code) == len(area.parent.code) + 3
    assert Area.objects.get(code=demo.COUNTY_CODE).name == "东川区"
    assert Area.objects.filter(level="township").count() == 8
    for household in Household.objects.select_related("area"):
        code = household.area.code
        assert household.area.level == "group"
        assert (household.area_code, household.county_code, household.township_code, household.village_code) == (
            code,
            code[:6],
            code[:9],
            code[:12],
        )
        assert len(household.number) == 16 and household.number.startswith(household.village_code)
        assert household.registration_year == (household.registered_on.year if household.registered_on else None)


def test_statuses_attributes_and_incomes_are_plausible(seeded):
    statuses = Counter(Household.objects.values_list("status", flat=True))
    assert set(statuses) == set(HouseholdStatus.values)
    assert not Household.objects.filter(status=HouseholdStatus.ORDINARY).exclude(attribute="").exists()
    assert not Household.objects.filter(status=HouseholdStatus.EXITED, exit_year=None).exists()
    for household in Household.objects.exclude(status=HouseholdStatus.ORDINARY):
        assert household.registered_on and household.attribute and household.main_cause, household.number
        assert household.main_cause not in household.other_cause_codes
        assert len(household.other_cause_codes) <= 2
        if household.exit_year:
            assert household.registered_on.year <= household.exit_year
    for income in YearlyIncome.objects.all():
        assert income.transfer_parts_total <= income.transfer
        for name in ("wage", "business", "property_income", "transfer", "business_expenses"):
            value = getattr(income, name)
            assert value >= 0 and value == value.quantize(Decimal("0.01"))
    assert YearlyIncome.objects.filter(year=2017).count() >= SIZE - 1
    assert YearlyIncome.objects.filter(year=2018).count() >= SIZE - 1


def test_same_seed_gives_the_same_data_and_another_seed_does_not(seeded):
    first = snapshot()
    seed(seed=7, reset=True)
    assert snapshot() == first
    seed(seed=8, reset=True)
    assert snapshot()["members"] != first["members"]


def test_rerun_without_reset_refuses_and_changes_nothing(seeded):
    before = snapshot()
    counts = (Household.history.count(), Member.history.count(), User.objects.count())
    with pytest.raises(CommandError, match="--reset"):
        seed(seed=9)
    assert snapshot() == before
    assert (Household.history.count(), Member.history.count(), User.objects.count()) == counts


def test_refuses_fewer_households_than_planted_cases(db):
    with pytest.raises(CommandError, match="至少"):
        seed(households=len(demo.PLANTED) - 1)
    assert not Household.objects.exists()


def test_every_write_leaves_a_history_row(seeded):
    for model in (Household, Member, YearlyIncome, MemberYear, Fact):
        rows = model.history.all()
        assert rows.count() == model.objects.count() > 0, model.__name__
        assert set(rows.values_list("history_type", "history_change_reason").distinct()) == {("+", demo.CHANGE_REASON)}


def test_reset_replaces_data_history_and_keeps_other_users_scope(seeded):
    clerk = User.objects.create_user("clerk", password="x-long-password", role=Role.TOWNSHIP)
    clerk.area = Area.objects.get(code="530113002")
    clerk.save()
    seed(seed=7, reset=True, households=SIZE + 10)
    assert Household.objects.count() == SIZE + 10
    assert Household.history.count() == SIZE + 10
    assert User.objects.filter(username__in=demo.DEMO_USERNAMES).count() == len(demo.DEMO_ACCOUNTS)
    clerk.refresh_from_db()
    assert clerk.area.code == "530113002"


def test_planted_cases_have_their_defining_facts(seeded):
    e3 = planted("wrong_inclusion_e3")
    vehicle = e3.facts.get(kind=FactKind.VEHICLE)
    assert e3.status == HouseholdStatus.POOR
    assert vehicle.amount == Decimal("30000.00") and not vehicle.exit_measure
    assert vehicle.event_date < e3.registered_on
    assert planted("e3_non_case").facts.get(kind=FactKind.VEHICLE).amount == Decimal("29999.99")
    normal = planted("normal_exit_e3").facts.get(kind=FactKind.VEHICLE)
    assert normal.exit_measure and normal.event_date > planted("normal_exit_e3").registered_on
    e1 = planted("wrong_inclusion_e1").facts.get(kind=FactKind.PUBLIC_PAYROLL)
    assert e1.member and e1.event_date < planted("wrong_inclusion_e1").registered_on

    missed = planted("missed_i1_i2")
    assert missed.status == HouseholdStatus.ORDINARY and missed.housing_grade == HousingGrade.C
    assert per_capita(missed) == Decimal("2480.00")
    assert per_capita(planted("exit_not_met_y1")) == Decimal("3500.00")
    assert per_capita(planted("exit_ready_boundary")) == Decimal("3500.01")

    assert not planted("wrong_inclusion_e9_all").members.filter(shares_income=True).exists()
    assert planted("member_removal_death").facts.filter(kind=FactKind.DECEASED, member__is_active=True).exists()
    assert {planted(k).exit_year for k in ("wrong_exit_y2", "continue_support_y3", "return_risk_y5")} == {
        2016,
        2014,
        2017,
    }

    dq1 = planted("dq1").incomes.values("wage", "business", "property_income", "transfer", "business_expenses")
    assert len({tuple(row.values()) for row in dq1}) == 1 and len(dq1) == 2
    assert planted("dq3").members.filter(relation=Relation.HEAD).count() == 2
    dq4 = planted("dq4")
    assert dq4.address == planted("dq4_partner").address
    assert all(m.birth_date.year <= 2018 - 60 for m in dq4.members.all())
    assert not planted("dq6").members.filter(is_active=True).exists()
    assert MemberChange.objects.filter(household=planted("dq6")).exists()
    assert not planted("dq7").incomes.filter(year=2018).exists()
    son = planted("dq2").members.get(relation=Relation.SON)
    assert set(son.years.values_list("schooling_status", flat=True)) == {"05"}


def test_planted_cases_are_in_village_one(seeded):
    village1 = User.objects.get(username="village1")
    numbers = [number for number, _ in demo.planted_cases()]
    visible = set(Household.objects.visible_to(village1).values_list("number", flat=True))
    assert set(numbers) <= visible


def test_docs_list_every_planted_case():
    """docs/demo.md carries households.demo.planted_table_markdown() verbatim (regenerate it after a change)."""
    assert demo.planted_table_markdown() in DOCS.read_text(encoding="utf-8")


def test_planted_cases_get_their_outcomes_from_the_rules(seeded):
    rules = pytest.importorskip("assessment.rules")
    judgements = _judge_all(rules)
    for number, case in demo.planted_cases():
        judgement = judgements[number]
        outcomes = {o.code: o.criteria for o in judgement.outcomes}
        members = {o.code: o.criteria for m in judgement.members for o in m.outcomes}
        if case.outcome.startswith("DQ"):
            assert case.outcome in judgement.warning_codes, case.key
        elif case.outcome == "MEMBER_REMOVAL":
            assert members.get("MEMBER_REMOVAL") == ("E9",), case.key
        elif case.outcome == "—":
            assert not outcomes and not judgement.warnings, case.key
        else:
            assert outcomes.get(case.outcome) == case.criteria, (case.key, outcomes)


def _judge_all(rules) -> dict:
    """Registry rows → the rules' dataclasses under yunnan7 / income year 2018 (a test-side loader)."""
    policy = rules.Policy(
        name="云南省2018年度", version=1, income_year=2018, identification_line=Decimal("2952"),
        exit_line=Decimal("3500"), vehicle_price_limit=Decimal("30000"), exit_standard_set="yunnan7",
        water_radius_km=Decimal("1.0"), wrong_exit_years=frozenset({2016}),
        continue_support_years=frozenset({2014, 2015}),
    )  # fmt: skip
    previous = dict(MemberYear.objects.filter(year=2017).values_list("member_id", "schooling_status"))
    members, incomes, facts, id_numbers = defaultdict(list), defaultdict(dict), defaultdict(list), {}
    for m in Member.objects.all():
        id_numbers[m.pk] = m.id_number
        members[m.household_id].append(
            rules.MemberData(
                id_number=m.id_number, name=m.name, relation=m.relation, birth_date=m.birth_date,
                is_active=m.is_active, schooling_status=m.schooling_status,
                previous_schooling_status=previous.get(m.pk), dropout_reason=m.dropout_reason,
                heavy_study_burden=m.heavy_study_burden, serious_disease=m.serious_disease,
                medical_insurance=m.medical_insurance, serious_illness_insurance=m.serious_illness_insurance,
                pension_insurance=m.pension_insurance, family_doctor=m.family_doctor, shares_income=m.shares_income,
            )
        )  # fmt: skip
    for i in YearlyIncome.objects.all():
        incomes[i.household_id][i.year] = rules.IncomeData(
            year=i.year, wage=i.wage, business=i.business, property_income=i.property_income, transfer=i.transfer,
            business_expenses=i.business_expenses,
        )  # fmt: skip
    for f in Fact.objects.all():
        facts[f.household_id].append(
            rules.FactData(
                kind=f.kind, member_id_number=id_numbers.get(f.member_id), event_date=f.event_date, amount=f.amount,
                exit_measure=f.exit_measure, relocation_housing=f.relocation_housing, category=f.category,
            )
        )  # fmt: skip
    shared = rules.shared_addresses(Household.objects.values_list("address", flat=True))
    judgements = {}
    for h in Household.objects.all():
        data = rules.HouseholdData(
            number=h.number, status=h.status, attribute=h.attribute, returned_year=h.returned_year,
            registered_on=h.registered_on, registration_year=h.registration_year, exit_year=h.exit_year,
            address=h.address, housing_grade=h.housing_grade, relocation=h.relocation, safe_water=h.safe_water,
            water_radius_km=h.water_radius_km, electricity=h.electricity, radio_tv=h.radio_tv, broadband=h.broadband,
            food_clothing_secured=h.food_clothing_secured, members=tuple(members[h.pk]), incomes=incomes[h.pk],
            facts=tuple(facts[h.pk]),
        )  # fmt: skip
        judgements[h.number] = rules.evaluate_household(data, policy, shared_addresses=shared)
    return judgements
