"""Entering a fact by hand on a household."""

import pytest

from households.choices import FactKind, FactSource
from households.models import Fact


def url(household):
    return f"/households/{household.number}/facts/add/"


@pytest.mark.django_db
class TestFactAdd:
    def test_township_clerk_records_a_vehicle_as_a_survey_finding(self, client_for, township_a_user, household_a):
        response = client_for(township_a_user).post(
            url(household_a),
            {"kind": FactKind.VEHICLE, "event_date": "2015-06-01", "amount": "30000.00", "category": "轿车"},
        )
        assert response.status_code == 302
        assert response.url == f"/households/{household_a.number}/"
        fact = Fact.objects.get(household=household_a)
        assert (fact.source, fact.created_by, str(fact.amount)) == (FactSource.SURVEY, township_a_user, "30000.00")
        assert fact.history.get().history_user == township_a_user

    def test_county_entry_is_marked_as_county_manual_entry(self, client_for, county_user, household_a):
        member = household_a.members.first()
        client_for(county_user).post(
            url(household_a), {"kind": FactKind.PUBLIC_PAYROLL, "member": member.pk, "event_date": "2012-01-01"}
        )
        fact = Fact.objects.get(household=household_a)
        assert (fact.source, fact.member) == (FactSource.MANUAL, member)

    def test_vehicle_without_price_and_member_fact_without_member_are_refused(
        self, client_for, township_a_user, household_a
    ):
        client = client_for(township_a_user)
        response = client.post(url(household_a), {"kind": FactKind.VEHICLE, "category": "货车"})
        assert response.status_code == 200
        assert "机动车必须填写购车价格" in response.text
        assert 'value="货车"' in response.text  # what was typed is kept
        response = client.post(url(household_a), {"kind": FactKind.VILLAGE_CADRE})
        assert "须选择涉及的成员" in response.text
        assert not Fact.objects.exists()

    def test_future_event_date_is_refused(self, client_for, township_a_user, household_a):
        response = client_for(township_a_user).post(
            url(household_a), {"kind": FactKind.BUSINESS, "event_date": "2999-01-01"}
        )
        assert "不能晚于今天" in response.text
        assert not Fact.objects.exists()

    def test_member_of_another_household_cannot_be_chosen(self, client_for, township_a_user, household_a, areas):
        from tests.factories import GROUP_A2, make_household

        other = make_household(areas[GROUP_A2])
        response = client_for(township_a_user).post(
            url(household_a), {"kind": FactKind.PUBLIC_PAYROLL, "member": other.members.first().pk}
        )
        assert response.status_code == 200
        assert not Fact.objects.exists()

    def test_other_township_gets_404(self, client_for, township_b_user, household_a):
        assert client_for(township_b_user).get(url(household_a)).status_code == 404

    def test_read_only_roles_get_403(self, client_for, leader_user, household_a):
        assert client_for(leader_user).get(url(household_a)).status_code == 403

    def test_department_user_gets_403(self, client_for, police_user, household_a):
        assert client_for(police_user).get(url(household_a)).status_code == 403

    def test_anonymous_goes_to_login(self, client, household_a):
        response = client.get(url(household_a))
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
