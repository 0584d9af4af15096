"""Scope acceptance (SPEC §1): outside the scope is 404 and never in lists, counts or search; IDs masked in lists."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.choices import Relation
from tests import factories as f

LIST = "/households/"
FULL_ID = re.compile(r"\d{17}[\dX]")


def detail(household) -> str:
    return f"/households/{household.number}/"


def listed(response) -> list[str]:
    return [h.number for h in response.context["rows"]]


@pytest.mark.django_db
class TestTownshipScope:
    def test_household_of_another_township_answers_404(self, client_for, township_a_user, household_b):
        assert client_for(township_a_user).get(detail(household_b)).status_code == 404

    def test_household_of_another_township_is_never_found_by_its_members_id_number(
        self, client_for, township_a_user, household_a, household_b
    ):
        id_number = household_b.members.get(relation=Relation.SPOUSE).id_number
        response = client_for(township_a_user).get(LIST, {"q": id_number})
        assert response.status_code == 200
        assert listed(response) == []
        assert household_b.number not in response.text
        assert "共 0 户" in response.text

    def test_household_of_another_township_is_not_in_the_list_or_its_count(
        self, client_for, township_a_user, household_a, household_b
    ):
        response = client_for(township_a_user).get(LIST)
        assert listed(response) == [household_a.number]
        assert response.context["page"].paginator.count == 1
        assert "共 1 户" in response.text
        assert household_b.number not in response.text

    def test_searching_another_townships_household_number_or_member_name_finds_nothing(
        self, client_for, township_a_user, household_a, household_b
    ):
        client = client_for(township_a_user)
        name = household_b.members.get(relation=Relation.HEAD).name
        assert listed(client.get(LIST, {"q": household_b.number})) == []
        assert listed(client.get(LIST, {"q": name})) == []


@pytest.mark.django_db
class TestOtherScopes:
    def test_village_officer_sees_only_their_village(self, client_for, village_user, areas):
        own = f.make_household(areas[f.GROUP_A1], number="V-OWN", members=1)
        neighbour = f.make_household(areas[f.GROUP_A2], number="V-NEXT", members=1)
        client = client_for(village_user)
        assert listed(client.get(LIST)) == [own.number]
        assert client.get(detail(own)).status_code == 200
        assert client.get(detail(neighbour)).status_code == 404

    def test_county_user_sees_all(self, client_for, county_user, household_a, household_b):
        client = client_for(county_user)
        assert listed(client.get(LIST)) == [household_a.number, household_b.number]
        assert client.get(detail(household_a)).status_code == 200
        assert client.get(detail(household_b)).status_code == 200

    def test_department_user_gets_403_on_list_and_detail(self, client_for, police_user, household_a):
        client = client_for(police_user)
        assert client.get(LIST).status_code == 403
        assert client.get(detail(household_a)).status_code in (403, 404)

    def test_anonymous_is_sent_to_login_with_next(self, client, household_a):
        for path in (LIST, detail(household_a)):
            response = client.get(path)
            assert response.status_code == 302
            assert response.url == f"/accounts/login/?next={path}"


@pytest.mark.django_db
class TestMaskingAndBudget:
    def test_list_html_contains_no_full_id_number(self, client_for, county_user, household_a, household_b):
        client = client_for(county_user)
        for params in ({}, {"q": household_a.number}, {"sort": "-size"}, {"township": f.TOWNSHIP_A}):
            response = client.get(LIST, params)
            assert listed(response)
            assert not FULL_ID.search(response.text), params

    def test_list_query_count_is_the_same_with_5_and_60_households(self, client_for, county_user, areas):
        client = client_for(county_user)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(LIST).status_code == 200
            return len(captured)

        for i in range(5):
            f.make_household(areas[f.GROUP_A1], number=f"N{i:03d}", members=2, income_year=None)
        with_5 = queries()
        for i in range(5, 60):
            f.make_household(areas[f.GROUP_A1], number=f"N{i:03d}", members=2, income_year=None)
        assert queries() == with_5
