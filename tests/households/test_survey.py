"""The survey form (实地调查表): create and edit a household with its members, income and visit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from households.choices import HouseholdStatus, Relation, SchoolingStatus
from households.forms import survey as survey_forms
from households.idnumber import make_id_number
from households.models import AccessLog, Household, Member, MemberYear, Survey, YearlyIncome
from tests import factories as f

CREATE_URL = reverse("households:create")


def edit_url(household: Household, **query) -> str:
    url = reverse("households:survey", args=[household.number])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(number: str) -> str:
    return reverse("households:detail", args=[number])


# ---- POST data builders ---------------------------------------------------------------------------


def household_fields(area, **overrides) -> dict:
    data = {
        "area": area.pk,
        "number": "HH-NEW-0001",
        "address": "箐口村一组12号",
        "phone": "13800000000",
        "status": HouseholdStatus.POOR,
        "returned_year": "",
        "attribute": "01",
        "id_standard": "01",
        "registered_on": "2014-10-01",
        "exit_year": "",
        "main_cause": "01",
        "other_causes": ["07"],
        "card_colour": "",
        "food_clothing_secured": "true",
        "housing_area": "80.5",
        "housing_structure": "brick_wood",
        "housing_grade": "B",
        "relocation": "no",
        "safe_water": "true",
        "water_radius_km": "0.5",
        "electricity": "true",
        "radio_tv": "true",
        "broadband": "unknown",
        "sanitary_toilet": "false",
        "road_distance_km": "1.2",
        "arable_land_mu": "3",
        "forest_land_mu": "",
        "longitude": "103.180000",
        "latitude": "26.080000",
    }
    data.update(overrides)
    return data


def member_fields(name: str, id_number: str, relation: str = Relation.SON, **overrides) -> dict:
    data = {
        "name": name,
        "id_number": id_number,
        "relation": relation,
        "ethnicity": "彝族",
        "education": "03",
        "schooling_status": SchoolingStatus.NOT_STUDENT,
        "dropout_reason": "",
        "health": [],
        "disease_name": "",
        "disability_grade": "",
        "labour_skill": "01",
        "migrant_work": "00",
        "migrant_months": "",
        "medical_insurance": "true",
        "serious_illness_insurance": "true",
        "pension_insurance": "unknown",
        "family_doctor": "true",
        "shares_income": "on",
    }
    data.update(overrides)
    return data


def income_fields(year: int = 2018, **overrides) -> dict:
    data = {"year": year, "wage": "6000", "business": "1500.50", "property_income": "", "transfer": "1200"}
    data.update({"dibao": "800", "tekun": "", "pension": "400", "eco_compensation": "", "family_planning": ""})
    data.update({"other_transfer": "", "business_expenses": "500"})
    data.update(overrides)
    return data


def signature_fields(**overrides) -> dict:
    data = {
        "surveyor": "李调查",
        "surveyed_on": "2019-03-01",
        "team_leader": "王组长",
        "team_leader_signed_on": "2019-03-02",
        "village_secretary": "",
        "village_secretary_signed_on": "",
    }
    data.update(overrides)
    return data


def post_data(*, household: dict, members: list[dict], income: dict, signature: dict, initial_forms: int = 0):
    data = {key: value for key, value in household.items()}
    data.update({f"income-{key}": value for key, value in income.items()})
    data.update({f"survey-{key}": value for key, value in signature.items()})
    data.update(
        {
            "members-TOTAL_FORMS": len(members),
            "members-INITIAL_FORMS": initial_forms,
            "members-MIN_NUM_FORMS": 0,
            "members-MAX_NUM_FORMS": 1000,
        }
    )
    for index, member in enumerate(members):
        for key, value in member.items():
            if key == "shares_income" and not value:
                continue
            data[f"members-{index}-{key}"] = value
    return data


def create_data(area, members: list[dict] | None = None, **overrides) -> dict:
    if members is None:
        members = [
            member_fields("张户主", make_id_number("53011319700501001"), Relation.HEAD),
            member_fields("李配偶", make_id_number("53011319720302002"), Relation.SPOUSE),
            member_fields("张小", make_id_number("53011320080910003"), Relation.SON, schooling_status="04"),
        ]
    return post_data(
        household=household_fields(area, **overrides.pop("household", {})),
        members=members,
        income=income_fields(**overrides.pop("income", {})),
        signature=signature_fields(**overrides.pop("signature", {})),
    )


def _widget_value(bound):
    widget, value = bound.field.widget, bound.value()
    if isinstance(widget, forms.CheckboxInput):
        return "on" if value else None
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return [str(v) for v in value or []]
    if isinstance(widget, forms.NullBooleanSelect):
        return widget.format_value(value)
    if isinstance(widget, forms.Select):
        values = widget.format_value(value)
        return values[0] if values else ""
    formatted = widget.format_value(value)
    return "" if formatted is None else str(formatted)


def page_data(response) -> dict:
    """What the browser would post back, unchanged, from a rendered survey page."""
    page = response.context["forms"]
    data = {}
    bound_fields = [*page.household_form, *page.income_form, *page.signature_form]
    bound_fields += list(page.member_formset.management_form)
    for form in page.member_formset.forms:
        bound_fields += list(form)
    for bound in bound_fields:
        value = _widget_value(bound)
        if value is not None:
            data[bound.html_name] = value
    return data


def load_edit_page(client, household: Household, **query) -> dict:
    """Open the edit page and fill in what the factory households lack (main cause, a visit)."""
    data = page_data(client.get(edit_url(household, **query)))
    if not data["main_cause"]:
        data["main_cause"] = "01"
    if not data["survey-surveyor"]:
        data.update({"survey-surveyor": "李调查", "survey-surveyed_on": "2019-03-01"})
    return data


def snapshot():
    """Everything the survey writes, to show that a refused post wrote nothing."""
    return {
        "households": list(Household.objects.order_by("pk").values()),
        "members": list(Member.objects.order_by("pk").values()),
        "incomes": list(YearlyIncome.objects.order_by("pk").values()),
        "member_years": list(MemberYear.objects.order_by("pk").values()),
        "surveys": list(Survey.objects.order_by("pk").values()),
        "history": Household.history.count() + Member.history.count() + YearlyIncome.history.count(),
    }


# ---- create ----------------------------------------------------------------------------------------


def test_create_saves_household_members_income_schooling_and_visit(client_for, township_a_user, areas):
    client = client_for(township_a_user)

    response = client.post(CREATE_URL, create_data(areas[f.GROUP_A1]))

    assert response.status_code == 302
    assert response.url == detail_url("HH-NEW-0001")
    household = Household.objects.get(number="HH-NEW-0001")
    assert household.area_code == f.GROUP_A1
    assert household.township_code == f.TOWNSHIP_A
    assert household.other_causes == "07"
    assert household.registration_year == 2014
    assert household.safe_water is True and household.broadband is None and household.sanitary_toilet is False
    assert household.version == 1

    members = {m.name: m for m in household.members.all()}
    assert set(members) == {"张户主", "李配偶", "张小"}
    assert (members["张户主"].sex, members["张户主"].birth_date) == ("1", datetime.date(1970, 5, 1))
    assert (members["李配偶"].sex, members["李配偶"].birth_date) == ("2", datetime.date(1972, 3, 2))
    assert members["张小"].schooling_status == "04"
    assert members["张户主"].medical_insurance is True and members["张户主"].pension_insurance is None

    income = household.incomes.get()
    assert income.year == 2018
    assert (income.wage, income.business, income.property_income) == (Decimal("6000"), Decimal("1500.50"), 0)
    assert income.net_income == Decimal("8200.50")

    years = MemberYear.objects.filter(member__household=household)
    assert {(row.member.name, row.year, row.schooling_status) for row in years} == {
        ("张户主", 2018, "01"),
        ("李配偶", 2018, "01"),
        ("张小", 2018, "04"),
    }

    visit = household.surveys.get()
    assert (visit.surveyor, visit.surveyed_on, visit.income_year) == ("李调查", datetime.date(2019, 3, 1), 2018)
    assert visit.team_leader == "王组长" and visit.created_by == township_a_user


def test_create_records_history_with_the_user(client_for, township_a_user, areas):
    client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_A1]))

    household = Household.objects.get(number="HH-NEW-0001")
    assert household.history.get().history_user == township_a_user
    assert Member.history.filter(household_id=household.pk, history_user=township_a_user).count() == 3
    assert YearlyIncome.history.filter(household_id=household.pk).count() == 1
    assert Survey.history.filter(household_id=household.pk).count() == 1


def test_create_page_offers_only_villages_and_groups_in_scope(client_for, village_user, areas):
    response = client_for(village_user).get(CREATE_URL)

    assert response.status_code == 200
    choices = list(response.context["forms"].household_form.fields["area"].queryset.values_list("code", flat=True))
    assert choices == [f.VILLAGE_A1, f.GROUP_A1]
    assert "铜都街道 / 箐口村 / 箐口一组" in response.content.decode()
    assert response.context["forms"].income_form["year"].value() is not None


def test_create_with_area_outside_scope_is_refused(client_for, township_a_user, areas):
    response = client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_B1]))

    assert response.status_code == 200
    assert "所选村组不存在或不在您的管辖范围内" in response.content.decode()
    assert not Household.objects.filter(number="HH-NEW-0001").exists()


def test_create_with_existing_household_number_is_refused(client_for, township_a_user, household_a, areas):
    data = create_data(areas[f.GROUP_A1], household={"number": household_a.number})

    response = client_for(township_a_user).post(CREATE_URL, data)

    assert response.status_code == 200
    assert "该户编号已被其他农户使用" in response.content.decode()


# ---- validation -------------------------------------------------------------------------------------


def errors_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_invalid_post_rerenders_with_summary_and_everything_typed(client_for, township_a_user, areas):
    data = create_data(areas[f.GROUP_A1], household={"address": "保留的地址", "registered_on": ""})
    data["members-0-id_number"] = "530113197005010010"  # wrong check digit

    before = snapshot()
    response = client_for(township_a_user).post(CREATE_URL, data)

    html = errors_of(response)
    assert "请修正下列 2 处错误" in html
    assert "证件号码校验位错误" in html
    assert "贫困户必须填写建档立卡日期" in html
    assert 'value="保留的地址"' in html
    assert 'value="530113197005010010"' in html
    assert 'value="1500.50"' in html
    assert snapshot() == before


def test_id_number_active_in_another_household_names_that_household(client_for, county_user, household_b, areas):
    taken = household_b.members.first().id_number
    members = [member_fields("张户主", taken, Relation.HEAD)]

    html = errors_of(client_for(county_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], members=members)))

    assert "已是农户 HH-B-0001（阿旺镇 / 小江村 / 小江一组）的在册成员" in html
    assert not Household.objects.filter(number="HH-NEW-0001").exists()


def test_id_number_of_a_removed_member_may_be_registered_again(client_for, county_user, household_b, areas):
    removed = household_b.members.exclude(relation=Relation.HEAD).first()
    Member.objects.filter(pk=removed.pk).update(is_active=False, removed_reason="moved_out")
    members = [member_fields("张户主", removed.id_number, Relation.HEAD)]

    response = client_for(county_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], members=members))

    assert response.status_code == 302


def test_same_id_number_twice_in_the_form_is_refused(client_for, township_a_user, areas):
    number = make_id_number("53011319700501001")
    members = [member_fields("甲", number, Relation.HEAD), member_fields("乙", number, Relation.SON)]

    html = errors_of(client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], members=members)))

    assert "证件号码与本表第1名成员重复" in html


@pytest.mark.parametrize(
    ("relations", "message"),
    [
        ([Relation.SPOUSE, Relation.SON], "每户必须有一名户主"),
        ([Relation.HEAD, Relation.HEAD], "每户只能有一名户主，当前有2名"),
    ],
)
def test_household_needs_exactly_one_head(client_for, township_a_user, areas, relations, message):
    members = [
        member_fields("甲", make_id_number("53011319700501001"), relations[0]),
        member_fields("乙", make_id_number("53011319720302002"), relations[1]),
    ]

    html = errors_of(client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], members=members)))

    assert message in html


def test_household_needs_at_least_one_member(client_for, township_a_user, areas):
    html = errors_of(client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], members=[])))

    assert "每户至少要登记一名家庭成员" in html


def test_transfer_parts_may_not_exceed_transfer_income(client_for, township_a_user, areas):
    data = create_data(areas[f.GROUP_A1], income={"transfer": "1000", "dibao": "800", "pension": "400.50"})

    html = errors_of(client_for(township_a_user).post(CREATE_URL, data))

    assert "转移性收入各项之和 1,200.50 元超过了转移性收入 1,000.00 元" in html


def test_negative_income_and_three_decimals_are_refused(client_for, township_a_user, areas):
    data = create_data(areas[f.GROUP_A1], income={"wage": "-1", "business": "1.005"})

    html = errors_of(client_for(township_a_user).post(CREATE_URL, data))

    assert "金额不能为负数" in html
    assert "金额最多保留两位小数" in html


@pytest.mark.parametrize(
    ("other_causes", "message"),
    [
        (["02", "03", "04"], "其他致贫原因最多选择两项，当前选择了3项"),
        (["01", "03"], "其他致贫原因不能与主要致贫原因（因病）重复"),
    ],
)
def test_other_causes_at_most_two_and_not_the_main_cause(client_for, township_a_user, areas, other_causes, message):
    data = create_data(areas[f.GROUP_A1], household={"other_causes": other_causes})

    html = errors_of(client_for(township_a_user).post(CREATE_URL, data))

    assert message in html


@pytest.mark.parametrize(
    ("household", "message"),
    [
        ({"attribute": ""}, "贫困户必须选择贫困户属性"),
        ({"status": HouseholdStatus.EXITED, "exit_year": ""}, "已脱贫户必须填写脱贫年度"),
        ({"registered_on": "2999-01-01"}, "建档立卡日期不能晚于今天"),
        ({"status": HouseholdStatus.EXITED, "exit_year": "2013"}, "脱贫年度不能早于建档立卡年度（2014年）"),
    ],
)
def test_registration_fields_follow_the_status(client_for, township_a_user, areas, household, message):
    html = errors_of(client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], household=household)))

    assert message in html


def test_ordinary_household_needs_no_attribute_or_registration_date(client_for, township_a_user, areas):
    household = {"status": HouseholdStatus.ORDINARY, "attribute": "", "registered_on": "", "main_cause": ""}
    data = create_data(areas[f.GROUP_A1], household={**household, "other_causes": []})

    response = client_for(township_a_user).post(CREATE_URL, data)

    assert response.status_code == 302
    household = Household.objects.get(number="HH-NEW-0001")
    assert household.attribute == "" and household.registered_on is None and household.registration_year is None


def test_member_rules_serious_disease_disability_and_dropout(client_for, township_a_user, areas):
    head = member_fields(
        "甲", make_id_number("53011319700501001"), Relation.HEAD, health=["serious_disease", "disabled"]
    )
    child = member_fields(
        "乙", make_id_number("53011320080910003"), Relation.SON, schooling_status="04", dropout_reason="01"
    )
    data = create_data(areas[f.GROUP_A1], members=[head, child])

    html = errors_of(client_for(township_a_user).post(CREATE_URL, data))

    assert "患有大病须填写疾病名称" in html
    assert "残疾须选择残疾等级" in html
    assert "在校生不应填写失学辍学原因" in html


def test_signature_needs_surveyor_and_date(client_for, township_a_user, areas):
    data = create_data(areas[f.GROUP_A1], signature={"surveyor": "", "surveyed_on": "", "team_leader_signed_on": ""})

    html = errors_of(client_for(township_a_user).post(CREATE_URL, data))

    assert "请修正下列 3 处错误" in html
    assert "请填写组长签字日期" in html


# ---- edit -------------------------------------------------------------------------------------------


def test_edit_page_shows_current_values_and_logs_the_id_view(client_for, township_a_user, household_a):
    head = household_a.members.get(relation=Relation.HEAD)

    response = client_for(township_a_user).get(edit_url(household_a))

    assert response.status_code == 200
    html = response.content.decode()
    assert head.id_number in html
    page = response.context["forms"]
    assert page.year == 2018
    assert page.household_form["version"].value() == 1
    assert response.context["preview"]["per_capita"] == Decimal("2000.00")
    assert AccessLog.objects.filter(user=township_a_user, target__contains=household_a.number).count() == 1


def test_edit_saves_changes_and_bumps_the_version(client_for, township_a_user, household_a):
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    head = household_a.members.get(relation=Relation.HEAD)
    index = next(i for i in range(3) if data[f"members-{i}-id"] == str(head.pk))
    data.update({"address": "新地址", "housing_grade": "C", "income-wage": "7000", f"members-{index}-name": "改名"})
    data.update({"survey-surveyor": "赵调查", "survey-surveyed_on": "2019-04-01"})

    response = client.post(edit_url(household_a), data)

    assert response.status_code == 302
    assert response.url == detail_url(household_a.number)
    household_a.refresh_from_db()
    assert (household_a.address, household_a.housing_grade, household_a.version) == ("新地址", "C", 2)
    assert household_a.incomes.get(year=2018).wage == Decimal("7000")
    assert Member.objects.get(pk=head.pk).name == "改名"
    assert household_a.members.count() == 3
    assert MemberYear.objects.filter(member__household=household_a, year=2018).count() == 3
    assert household_a.history.first().history_user == township_a_user
    assert Member.history.filter(id=head.pk).count() == 2  # created + renamed; unchanged members untouched
    assert Member.history.filter(household_id=household_a.pk).count() == 4


def test_edit_adds_a_member_row(client_for, township_a_user, household_a):
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    data["members-TOTAL_FORMS"] = 4
    for key, value in member_fields("新生儿", make_id_number("53011320180101002"), Relation.GRANDDAUGHTER).items():
        if value != "" or key != "shares_income":
            data[f"members-3-{key}"] = value

    response = client.post(edit_url(household_a), data)

    assert response.status_code == 302
    baby = household_a.members.get(name="新生儿")
    assert (baby.sex, baby.birth_date) == ("2", datetime.date(2018, 1, 1))


def test_same_survey_date_updates_the_visit_and_a_new_date_adds_one(client_for, township_a_user, household_a):
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    data.update({"survey-surveyor": "甲", "survey-surveyed_on": "2019-03-01"})
    client.post(edit_url(household_a), data)

    data = load_edit_page(client, household_a)
    assert data["survey-surveyed_on"] == "2019-03-01"  # the form shows the latest visit
    data["survey-surveyor"] = "乙"
    client.post(edit_url(household_a), data)
    assert list(household_a.surveys.values_list("surveyor", flat=True)) == ["乙"]

    data = load_edit_page(client, household_a)
    data["survey-surveyed_on"] = "2019-05-01"
    client.post(edit_url(household_a), data)
    assert household_a.surveys.count() == 2


def test_year_parameter_loads_that_years_income(client_for, township_a_user, household_a):
    YearlyIncome.objects.create(household=household_a, year=2017, wage=Decimal("4321.00"))
    client = client_for(township_a_user)

    page = client.get(edit_url(household_a, year=2017)).context["forms"]
    assert page.income_form["wage"].value() == Decimal("4321.00")

    page = client.get(edit_url(household_a, year=2016)).context["forms"]
    assert page.year == 2016 and not page.income_exists

    page = client.get(edit_url(household_a)).context["forms"]
    assert page.year == 2018 and page.income_form["wage"].value() == Decimal("6000.00")


def test_saving_an_earlier_year_keeps_the_members_current_schooling(client_for, township_a_user, household_a):
    child = household_a.members.get(relation=Relation.SON)
    Member.objects.filter(pk=child.pk).update(schooling_status="07")
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a, year=2017)
    index = next(i for i in range(3) if data[f"members-{i}-id"] == str(child.pk))
    data[f"members-{index}-schooling_status"] = "06"

    assert client.post(edit_url(household_a), data).status_code == 302

    assert MemberYear.objects.get(member=child, year=2017).schooling_status == "06"
    assert Member.objects.get(pk=child.pk).schooling_status == "07"
    assert household_a.incomes.filter(year=2017).exists()


def test_second_save_from_a_stale_form_gets_a_conflict_and_keeps_what_was_typed(township_a_user, household_a):
    colleague = f.make_user("township1b", "township", household_a.area.parent.parent, full_name="王专干")
    first, second = Client(), Client()
    first.force_login(colleague)
    second.force_login(township_a_user)
    first_data = load_edit_page(first, household_a)
    second_data = load_edit_page(second, household_a)

    first_data["address"] = "第一人的地址"
    assert first.post(edit_url(household_a), first_data).status_code == 302

    second_data.update({"address": "第二人的地址", "income-wage": "9999"})
    response = second.post(edit_url(household_a), second_data)

    assert response.status_code == 409
    html = response.content.decode()
    assert "保存失败：该户信息已被他人修改（最后修改：王专干，" in html
    assert "您填写的内容仍保留在本页" in html
    assert 'value="第二人的地址"' in html and 'value="9999"' in html
    assert 'name="version" value="2"' in html
    household_a.refresh_from_db()
    assert (household_a.address, household_a.version) == ("第一人的地址", 2)
    assert household_a.incomes.get(year=2018).wage == Decimal("6000")

    # A deliberate second submit, carrying the version shown after the conflict, succeeds.
    second_data["version"] = "2"
    assert second.post(edit_url(household_a), second_data).status_code == 302
    household_a.refresh_from_db()
    assert (household_a.address, household_a.version) == ("第二人的地址", 3)


def test_invalid_edit_changes_nothing(client_for, township_a_user, household_a):
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    data.update({"address": "不应保存", "income-transfer": "10", "income-dibao": "20"})
    before = snapshot()

    response = client.post(edit_url(household_a), data)

    assert "请修正下列 1 处错误" in errors_of(response)
    assert snapshot() == before


def test_existing_members_cannot_be_dropped_from_the_form(client_for, township_a_user, household_a):
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    data["members-2-DELETE"] = "on"

    assert client.post(edit_url(household_a), data).status_code == 302

    assert household_a.members.active().count() == 3


def test_member_reduced_by_someone_else_meanwhile_is_reported(client_for, township_a_user, household_a):
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    child = household_a.members.get(relation=Relation.SON)
    Member.objects.filter(pk=child.pk).update(is_active=False, removed_reason="death")
    before = snapshot()

    html = errors_of(client.post(edit_url(household_a), data))

    assert "该成员已不是本户的在册成员（可能刚被他人办理了减少或转移），请重新载入本页" in html
    assert snapshot() == before


def test_removed_members_are_listed_read_only(client_for, township_a_user, household_a):
    child = household_a.members.get(relation=Relation.SON)
    Member.objects.filter(pk=child.pk).update(is_active=False, removed_reason="death")

    response = client_for(township_a_user).get(edit_url(household_a))

    page = response.context["forms"]
    assert len(page.member_formset.forms) == 2
    assert "已减少的成员" in response.content.decode() and child.masked_id_number in response.content.decode()


def test_member_id_race_becomes_a_form_error_not_a_500(client_for, township_a_user, household_b, areas, monkeypatch):
    taken = household_b.members.first().id_number
    # The form check passes (as if the other household's member were saved a moment later) ...
    monkeypatch.setattr(survey_forms.BaseMemberFormSet, "check_other_households", lambda self: False)
    members = [member_fields("张户主", taken, Relation.HEAD)]

    response = client_for(township_a_user).post(CREATE_URL, create_data(areas[f.GROUP_A1], members=members))

    # ... and the database's unique constraint refuses it: a message, nothing written.
    assert "有成员的证件号码刚刚被他人登记到其他农户" in errors_of(response)
    assert not Household.objects.filter(number="HH-NEW-0001").exists()


def test_household_number_race_becomes_a_form_error_not_a_500(client_for, township_a_user, household_a, monkeypatch):
    monkeypatch.setattr(survey_forms.HouseholdForm, "validate_unique", lambda self: None)
    data = create_data(household_a.area, household={"number": household_a.number})

    html = errors_of(client_for(township_a_user).post(CREATE_URL, data))

    assert "该户编号刚刚被他人使用，请核对" in html
    assert Household.objects.count() == 1


def test_edit_page_query_count_does_not_grow_with_members(
    client_for, township_a_user, areas, django_assert_max_num_queries
):
    small = f.make_household(areas[f.GROUP_A1], members=2)
    large = f.make_household(areas[f.GROUP_A1], members=9)
    client = client_for(township_a_user)
    with django_assert_max_num_queries(30) as small_queries:
        client.get(edit_url(small))
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        client.get(edit_url(large))


# ---- access -----------------------------------------------------------------------------------------


def test_other_township_gets_404_on_edit(client_for, township_b_user, household_a):
    client = client_for(township_b_user)
    assert client.get(edit_url(household_a)).status_code == 404
    assert client.post(edit_url(household_a), {}).status_code == 404


@pytest.mark.parametrize("persona", ["leader_user", "assessor_user", "police_user"])
def test_read_only_and_department_roles_get_403(client_for, household_a, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(CREATE_URL).status_code == 403
    assert client.get(edit_url(household_a)).status_code == 403
    assert client.post(edit_url(household_a), {}).status_code == 403


def test_anonymous_is_sent_to_login(client, household_a):
    for url in (CREATE_URL, edit_url(household_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_other_methods_are_not_allowed(client_for, county_user, household_a):
    client = client_for(county_user)
    assert client.put(CREATE_URL).status_code == 405
    assert client.delete(edit_url(household_a)).status_code == 405


def test_default_income_year_on_create_is_last_year(client_for, county_user):
    page = client_for(county_user).get(CREATE_URL).context["forms"]

    assert page.year == timezone.localdate().year - 1


def test_conflict_after_a_member_change_names_who_changed_the_member(client_for, township_a_user, household_a):
    colleague = f.make_user("village1b", "village", household_a.area.parent, full_name="赵信息员")
    client = client_for(township_a_user)
    data = load_edit_page(client, household_a)
    member = household_a.members.get(relation=Relation.SON)
    member.name = "他人改名"
    member._history_user = colleague
    member.save()
    Household.objects.filter(pk=household_a.pk).update(version=F("version") + 1)  # as a natural change does

    response = client.post(edit_url(household_a), data)

    assert response.status_code == 409
    assert "最后修改：赵信息员，" in response.content.decode()
    assert Member.objects.get(pk=member.pk).name == "他人改名"
