"""The household list: filters, keyword search, sorting, pagination, masking and its query budget."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.choices import HouseholdStatus, PovertyAttribute, PovertyCause, Relation
from households.idnumber import make_id_number
from households.models import Household
from tests import factories as f

URL = "/households/"
FULL_ID = re.compile(r"\d{17}[\dX]")


def numbers(response) -> list[str]:
    """Household numbers of the rows, in page order."""
    return [h.number for h in response.context["rows"]]


def head(household):
    return household.members.get(relation=Relation.HEAD)


@pytest.mark.django_db
class TestListPage:
    def test_county_user_sees_every_household_with_the_total(self, client_for, county_user, household_a, household_b):
        response = client_for(county_user).get(URL)
        assert response.status_code == 200
        assert numbers(response) == ["HH-A-0001", "HH-B-0001"]
        assert "共 2 户" in response.text

    def test_row_shows_head_masked_id_village_group_and_codes(self, client_for, township_a_user, areas):
        household = f.make_household(
            areas[f.GROUP_A1],
            number="HH-A-0100",
            attribute=PovertyAttribute.DIBAO,
            main_cause=PovertyCause.ILLNESS,
            housing_grade="C",
            registered_on=datetime.date(2016, 3, 1),
        )
        f.make_member(household, name="离开的人", is_active=False, removed_reason="death")
        response = client_for(township_a_user).get(URL)
        row = response.context["rows"][0]
        member = head(household)
        assert (row.head_name, row.head_id_masked, row.member_count) == (member.name, member.masked_id_number, 3)
        assert not hasattr(row, "head_id_number")
        text = response.text
        for shown in (member.name, member.masked_id_number, "箐口村 · 箐口一组", "未脱贫", "低保贫困户", "因病"):
            assert shown in text
        assert "C级" in text and "2016" in text
        assert member.id_number not in text

    def test_household_registered_on_a_village_shows_the_village_only(self, client_for, county_user, areas):
        household = f.make_household(areas[f.VILLAGE_A1], number="HH-V", members=1)
        response = client_for(county_user).get(URL)
        assert "<td>箐口村</td>" in response.text
        assert "铜都街道 / 箐口村" in client_for(county_user).get(f"/households/{household.number}/").text

    def test_list_never_contains_a_full_id_number(self, client_for, county_user, household_a, household_b):
        response = client_for(county_user).get(URL)
        assert not FULL_ID.search(response.text)

    def test_searching_by_id_number_does_not_echo_it(self, client_for, county_user, household_a):
        member = head(household_a)
        response = client_for(county_user).get(URL, {"q": member.id_number})
        assert numbers(response) == [household_a.number]
        assert not FULL_ID.search(response.text)
        assert member.masked_id_number in response.text

    def test_empty_result_shows_a_friendly_message(self, client_for, county_user, household_a):
        response = client_for(county_user).get(URL, {"q": "没有这个人"})
        assert response.context["rows"] == []
        assert "共 0 户" in response.text
        assert "没有符合条件的农户" in response.text

    def test_empty_scope_says_there_are_no_households_yet(self, client_for, county_user, areas):
        response = client_for(county_user).get(URL)
        assert "还没有农户档案" in response.text

    def test_editor_sees_the_survey_entry_button_and_read_only_roles_do_not(
        self, client_for, township_a_user, leader_user, household_a
    ):
        assert "/households/new/" in client_for(township_a_user).get(URL).text
        response = client_for(leader_user).get(URL)
        assert response.status_code == 200
        assert numbers(response) == [household_a.number]
        assert "/households/new/" not in response.text


@pytest.mark.django_db
class TestFilters:
    def test_filter_by_township_village_and_group(self, client_for, county_user, areas):
        a1 = f.make_household(areas[f.GROUP_A1], number="A1", members=1)
        a2 = f.make_household(areas[f.GROUP_A2], number="A2", members=1)
        b1 = f.make_household(areas[f.GROUP_B1], number="B1", members=1)
        client = client_for(county_user)
        assert numbers(client.get(URL, {"township": f.TOWNSHIP_A})) == [a1.number, a2.number]
        assert numbers(client.get(URL, {"township": f.TOWNSHIP_B})) == [b1.number]
        assert numbers(client.get(URL, {"village": f.VILLAGE_A2})) == [a2.number]
        assert numbers(client.get(URL, {"village": f.VILLAGE_A1, "group": f.GROUP_A1})) == [a1.number]

    def test_returned_is_its_own_status_option(self, client_for, county_user, areas):
        poor = f.make_household(areas[f.GROUP_A1], number="P1", members=1)
        returned = f.make_household(areas[f.GROUP_A1], number="R1", members=1, returned_year=2019)
        exited = f.make_household(areas[f.GROUP_A1], number="E1", members=1, status=HouseholdStatus.EXITED)
        client = client_for(county_user)
        assert numbers(client.get(URL, {"status": "poor"})) == [poor.number]
        assert numbers(client.get(URL, {"status": "returned"})) == [returned.number]
        assert numbers(client.get(URL, {"status": "exited"})) == [exited.number]
        assert "返贫" in client.get(URL, {"status": "returned"}).text

    def test_filter_by_attribute_cause_and_housing_grade(self, client_for, county_user, areas):
        f.make_household(areas[f.GROUP_A1], number="X1", members=1)
        dibao = f.make_household(areas[f.GROUP_A1], number="X2", members=1, attribute=PovertyAttribute.DIBAO)
        ill = f.make_household(areas[f.GROUP_A1], number="X3", members=1, main_cause=PovertyCause.ILLNESS)
        danger = f.make_household(areas[f.GROUP_A1], number="X4", members=1, housing_grade="D")
        client = client_for(county_user)
        assert numbers(client.get(URL, {"attribute": PovertyAttribute.DIBAO})) == [dibao.number]
        assert numbers(client.get(URL, {"main_cause": PovertyCause.ILLNESS})) == [ill.number]
        assert numbers(client.get(URL, {"housing_grade": "D"})) == [danger.number]

    def test_area_selects_follow_the_scope(self, client_for, county_user, township_a_user, village_user, areas):
        county_form = client_for(county_user).get(URL).context["form"]
        assert {"township", "village", "group"} <= set(county_form.fields)
        township_form = client_for(township_a_user).get(URL).context["form"]
        assert "township" not in township_form.fields
        assert [code for code, _ in township_form.fields["village"].choices] == ["", f.VILLAGE_A1, f.VILLAGE_A2]
        village_form = client_for(village_user).get(URL).context["form"]
        assert {"township", "village"}.isdisjoint(village_form.fields)
        assert [code for code, _ in village_form.fields["group"].choices] == ["", f.GROUP_A1]

    def test_villages_narrow_to_the_chosen_township_and_groups_to_the_chosen_village(
        self, client_for, county_user, areas
    ):
        client = client_for(county_user)
        form = client.get(URL, {"township": f.TOWNSHIP_B}).context["form"]
        assert [code for code, _ in form.fields["village"].choices] == ["", f.VILLAGE_B1]
        form = client.get(URL, {"village": f.VILLAGE_A2}).context["form"]
        assert [code for code, _ in form.fields["group"].choices] == ["", f.GROUP_A2]

    def test_area_of_another_township_is_refused_with_a_chinese_error(
        self, client_for, township_a_user, household_a, household_b
    ):
        response = client_for(township_a_user).get(URL, {"village": f.VILLAGE_B1, "q": "HH"})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.text
        assert numbers(response) == [household_a.number]
        assert response.context["form"]["q"].value() == "HH"
        assert "小江村" not in response.text

    def test_unknown_status_value_is_ignored_with_an_error(self, client_for, county_user, household_a):
        response = client_for(county_user).get(URL, {"status": "rich"})
        assert numbers(response) == [household_a.number]
        assert "选择一个有效的选项" in response.text


@pytest.mark.django_db
class TestSearch:
    def test_household_number_exact_or_prefix(self, client_for, county_user, areas):
        f.make_household(areas[f.GROUP_A1], number="530113001001001001", members=1)
        f.make_household(areas[f.GROUP_A1], number="530113001001001002", members=1)
        f.make_household(areas[f.GROUP_A1], number="530113001001002001", members=1)
        client = client_for(county_user)
        assert numbers(client.get(URL, {"q": "530113001001001002"})) == ["530113001001001002"]
        assert len(numbers(client.get(URL, {"q": "530113001001001"}))) == 2

    def test_any_member_name_contains(self, client_for, county_user, household_a, household_b):
        son = household_a.members.get(relation=Relation.SON)
        son.name = "李小龙"
        son.save()
        client = client_for(county_user)
        assert numbers(client.get(URL, {"q": "小龙"})) == [household_a.number]
        assert numbers(client.get(URL, {"q": "  李小龙 "})) == [household_a.number]

    def test_any_member_id_number_exact_also_full_width_and_lowercase(self, client_for, county_user, areas):
        household = f.make_household(areas[f.GROUP_B1], number="HH-X", members=1)
        number = next(n for n in (make_id_number(f"53011319880808{i:03d}") for i in range(1000)) if n.endswith("X"))
        f.make_member(household, id_number=number)
        typed = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
        client = client_for(county_user)
        assert numbers(client.get(URL, {"q": typed})) == [household.number]
        assert numbers(client.get(URL, {"q": number[:-1]})) == []

    def test_removed_members_are_not_searched(self, client_for, county_user, household_a):
        member = f.make_member(household_a, name="王已故", is_active=False)
        client = client_for(county_user)
        assert numbers(client.get(URL, {"q": "王已故"})) == []
        assert numbers(client.get(URL, {"q": member.id_number})) == []


@pytest.mark.django_db
class TestSorting:
    @pytest.fixture
    def three(self, areas):
        return [
            f.make_household(areas[f.GROUP_A2], number="S1", members=2, registered_on=datetime.date(2016, 1, 1)),
            f.make_household(areas[f.GROUP_B1], number="S2", members=4, registered_on=datetime.date(2014, 1, 1)),
            f.make_household(areas[f.GROUP_A1], number="S3", members=1, registered_on=datetime.date(2015, 1, 1)),
        ]

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("", ["S1", "S2", "S3"]),
            ("number", ["S1", "S2", "S3"]),
            ("-number", ["S3", "S2", "S1"]),
            ("registered", ["S2", "S3", "S1"]),
            ("-registered", ["S1", "S3", "S2"]),
            ("size", ["S3", "S1", "S2"]),
            ("-size", ["S2", "S1", "S3"]),
            ("area", ["S3", "S1", "S2"]),
            ("-area", ["S2", "S1", "S3"]),
        ],
    )
    def test_whitelisted_sorts(self, client_for, county_user, three, sort, expected):
        assert numbers(client_for(county_user).get(URL, {"sort": sort})) == expected

    def test_households_without_registration_date_sort_last_both_ways(self, client_for, county_user, three, areas):
        f.make_household(areas[f.GROUP_A1], number="S0", members=1, status=HouseholdStatus.ORDINARY)
        client = client_for(county_user)
        assert numbers(client.get(URL, {"sort": "registered"}))[-1] == "S0"
        assert numbers(client.get(URL, {"sort": "-registered"}))[-1] == "S0"

    def test_unknown_sort_falls_back_to_household_number(self, client_for, county_user, three):
        response = client_for(county_user).get(URL, {"sort": "id_number"})
        assert numbers(response) == ["S1", "S2", "S3"]

    def test_column_headers_link_to_the_other_direction_keeping_filters(self, client_for, county_user, three):
        response = client_for(county_user).get(URL, {"status": "poor", "sort": "size", "page": "1"})
        assert 'href="?status=poor&amp;sort=-size"' in response.text
        assert 'href="?status=poor&amp;sort=number"' in response.text


@pytest.mark.django_db
class TestPagination:
    def test_fifty_households_a_page_by_default(self, client_for, county_user, areas):
        for i in range(51):
            f.make_household(areas[f.GROUP_A1], number=f"P{i:03d}", members=0, income_year=None)
        client = client_for(county_user)
        first = client.get(URL)
        assert len(first.context["rows"]) == 50
        assert "共 51 户" in first.text
        assert numbers(client.get(URL, {"page": 2})) == ["P050"]

    def test_page_links_keep_the_filters(self, client_for, county_user, areas, settings):
        settings.LIST_PAGE_SIZE = 2
        for i in range(5):
            f.make_household(areas[f.GROUP_A1], number=f"P{i}", members=1, income_year=None)
        f.make_household(areas[f.GROUP_B1], number="P9", members=1, income_year=None)
        client = client_for(county_user)
        response = client.get(URL, {"township": f.TOWNSHIP_A, "q": "P", "page": 2})
        assert numbers(response) == ["P2", "P3"]
        assert "共 5 户" in response.text
        assert f'href="?township={f.TOWNSHIP_A}&amp;q=P&amp;page=3"' in response.text
        assert f'href="?township={f.TOWNSHIP_A}&amp;q=P&amp;page=1"' in response.text

    def test_page_number_out_of_range_shows_the_last_page(self, client_for, county_user, areas, settings):
        settings.LIST_PAGE_SIZE = 2
        for i in range(3):
            f.make_household(areas[f.GROUP_A1], number=f"P{i}", members=1, income_year=None)
        assert numbers(client_for(county_user).get(URL, {"page": 99})) == ["P2"]
        assert numbers(client_for(county_user).get(URL, {"page": "abc"})) == ["P0", "P1"]


@pytest.mark.django_db
class TestListAccess:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=/households/"

    def test_department_user_gets_403(self, client_for, police_user, household_a):
        assert client_for(police_user).get(URL).status_code == 403

    def test_post_is_not_allowed(self, client_for, county_user):
        assert client_for(county_user).post(URL).status_code == 405


def many_households(areas, count: int, *, members: int = 3) -> None:
    for i in range(count):
        f.make_household(areas[f.GROUP_A1], number=f"Q{i:04d}", members=members, income_year=None)


def list_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
class TestQueryBudget:
    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"sort": "-size"},
            {"township": f.TOWNSHIP_A, "village": f.VILLAGE_A1, "status": "poor", "q": "成员"},
            {"q": "Q00", "sort": "area", "page": 2},
        ],
    )
    def test_query_count_does_not_grow_with_the_households(self, client_for, county_user, areas, params, settings):
        settings.LIST_PAGE_SIZE = 10
        client = client_for(county_user)
        many_households(areas, 3)
        small = list_queries(client, params)
        for i in range(25):
            f.make_household(areas[f.GROUP_A1], number=f"Q1{i:03d}", members=4, income_year=None)
        assert list_queries(client, params) == small
        # session, user and the user's area (login and base.html), the area options, COUNT, the page,
        # and the session save of every request (savepoint, UPDATE, release).
        assert small <= 9

    def test_member_count_is_computed_per_page_not_over_the_whole_set(self, client_for, county_user, areas):
        many_households(areas, 3)
        with CaptureQueriesContext(connection) as captured:
            client_for(county_user).get(URL)
        counting = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "GROUP BY" in q["sql"].upper()]
        assert counting, "the member count subquery is expected in the page query"
        assert all("LIMIT" in sql.upper() for sql in counting)

    def test_households_reached_only_through_the_visible_scope(self, client_for, township_a_user, areas):
        many_households(areas, 2)
        f.make_household(areas[f.GROUP_B1], number="Q-B", members=1)
        response = client_for(township_a_user).get(URL)
        assert "Q-B" not in numbers(response)
        assert Household.objects.count() == 3
