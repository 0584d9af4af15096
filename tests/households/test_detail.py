"""The household page: every section, full ID numbers for in-scope users with an access log row, query budget."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.choices import FactKind, FactSource, MemberChangeKind, MemberReduceReason, PovertyCause, Relation
from households.idnumber import make_id_number
from households.models import AccessLog, Fact, MemberChange, MemberYear, Survey, YearlyIncome
from tests import factories as f


def url(household) -> str:
    return f"/households/{household.number}/"


@pytest.mark.django_db
class TestHouseholdPage:
    def test_shows_header_sections_and_full_id_numbers(self, client_for, township_a_user, household_a):
        household_a.main_cause = PovertyCause.ILLNESS
        household_a.other_causes = "02,05"
        household_a.save()
        response = client_for(township_a_user).get(url(household_a))
        assert response.status_code == 200
        text = response.text
        assert "户编号 HH-A-0001" in text
        assert "铜都街道 / 箐口村 / 箐口一组" in text
        for section in (
            "基本情况",
            "住房与生活条件",
            "家庭成员",
            "年度收入",
            "事实",
            "实地调查",
            "成员变更",
            "变更记录",
        ):
            assert section in text
        assert "因残、缺土地" in text
        for member in household_a.members.all():
            assert member.id_number in text

    def test_status_badge_shows_returned(self, client_for, county_user, areas):
        household = f.make_household(areas[f.GROUP_A1], returned_year=2019)
        assert "返贫" in client_for(county_user).get(url(household)).text

    def test_member_rows_show_health_schooling_insurances_and_age(self, client_for, county_user, household_a):
        member = household_a.members.get(relation=Relation.SON)
        member.serious_disease = True
        member.disease_name = "尿毒症"
        member.medical_insurance = True
        member.pension_insurance = False
        member.save()
        response = client_for(county_user).get(url(household_a))
        shown = next(m for m in response.context["dossier"].members if m.pk == member.pk)
        assert shown.age == response.context["dossier"].members[0].age - 6
        assert "患有大病" in response.text and "尿毒症" in response.text
        assert 'title="是"' in response.text and 'title="否"' in response.text

    def test_removed_members_are_listed_apart_with_masked_ids(self, client_for, county_user, household_a):
        gone = f.make_member(
            household_a,
            name="张已故",
            is_active=False,
            removed_reason=MemberReduceReason.DEATH,
            removed_on=datetime.date(2019, 3, 1),
        )
        response = client_for(county_user).get(url(household_a))
        dossier = response.context["dossier"]
        assert gone not in dossier.members
        assert dossier.removed_members == [gone]
        assert gone.id_number not in response.text
        assert gone.masked_id_number in response.text
        assert "死亡" in response.text and "2019-03-01" in response.text

    def test_income_by_year_with_net_and_per_capita_of_active_members(self, client_for, county_user, household_a):
        f.make_member(household_a, is_active=False, removed_reason=MemberReduceReason.DEATH)
        YearlyIncome.objects.create(
            household=household_a,
            year=2017,
            wage=Decimal("3000"),
            business=Decimal("1000.50"),
            transfer=Decimal("1200"),
            dibao=Decimal("1200"),
            business_expenses=Decimal("500"),
        )
        response = client_for(county_user).get(url(household_a))
        rows = {row.label: row.values for row in response.context["dossier"].income_rows}
        assert rows["纯收入"] == [Decimal("6000.00"), Decimal("4700.50")]
        assert rows["人均纯收入（3人）"] == [Decimal("2000.00"), Decimal("1566.83")]
        assert rows["低保金"] == [Decimal("0.00"), Decimal("1200.00")]
        assert "2018年度" in response.text and "2017年度" in response.text

    def test_facts_surveys_and_member_changes_are_listed(self, client_for, county_user, household_a):
        member = household_a.members.get(relation=Relation.SON)
        Fact.objects.create(
            household=household_a,
            member=member,
            kind=FactKind.VEHICLE,
            event_date=datetime.date(2015, 6, 1),
            amount=Decimal("45000"),
            exit_measure=True,
            category="轿车",
            source=FactSource.DEPARTMENT,
            source_name="公安",
            recorded_on=datetime.date(2018, 7, 1),
        )
        Survey.objects.create(
            household=household_a,
            income_year=2018,
            surveyed_on=datetime.date(2018, 9, 10),
            surveyor="赵调查",
            team_leader="钱组长",
            village_secretary="孙书记",
        )
        MemberChange.objects.create(
            household=household_a,
            member=member,
            kind=MemberChangeKind.REDUCE,
            reason=MemberReduceReason.MARRIED_OUT,
            changed_on=datetime.date(2018, 5, 1),
            note="嫁到外县",
            created_by=county_user,
        )
        text = client_for(county_user).get(url(household_a)).text
        for shown in ("机动车", "45000.00", "轿车", "部门数据比对·公安", "2018-07-01"):
            assert shown in text
        for shown in ("赵调查", "钱组长", "孙书记", "2018-09-10"):
            assert shown in text
        for shown in ("自然减少", "嫁出", "嫁到外县", "2018-05-01"):
            assert shown in text

    def test_editor_sees_action_links(self, client_for, village_user, household_a):
        text = client_for(village_user).get(url(household_a)).text
        member = household_a.members.get(relation=Relation.SON)
        assert f"/households/{household_a.number}/survey/" in text
        assert f"/households/{household_a.number}/members/add/" in text
        assert f"/households/{household_a.number}/members/{member.pk}/reduce/" in text
        assert f"/households/{household_a.number}/members/{member.pk}/transfer/" in text

    @pytest.mark.parametrize("persona", ["leader_user", "assessor_user"])
    def test_read_only_roles_see_the_page_without_actions(self, client_for, household_a, persona, request):
        response = client_for(request.getfixturevalue(persona)).get(url(household_a))
        assert response.status_code == 200
        assert "/survey/" not in response.text
        assert "/members/add/" not in response.text
        assert "/reduce/" not in response.text


@pytest.mark.django_db
class TestAccessLog:
    def test_every_view_writes_one_row_naming_the_members_shown(self, client_for, township_a_user, household_a):
        client = client_for(township_a_user)
        client.get(url(household_a), REMOTE_ADDR="10.1.2.3")
        client.get(url(household_a), REMOTE_ADDR="10.1.2.3")
        logs = AccessLog.objects.filter(user=township_a_user)
        assert logs.count() == 2
        log = logs.first()
        assert (log.action, log.target, log.ip_address, log.row_count) == (
            AccessLog.Action.VIEW_ID,
            household_a.number,
            "10.1.2.3",
            3,
        )
        for member in household_a.members.all():
            assert member.name in log.detail
            assert member.masked_id_number in log.detail
            assert member.id_number not in log.detail

    def test_refused_views_write_nothing(self, client_for, township_b_user, police_user, household_a):
        client_for(township_b_user).get(url(household_a))
        client_for(police_user).get(url(household_a))
        assert not AccessLog.objects.exists()


@pytest.mark.django_db
class TestDetailAccess:
    def test_other_township_gets_404(self, client_for, township_b_user, household_a):
        assert client_for(township_b_user).get(url(household_a)).status_code == 404

    def test_other_village_of_the_same_township_gets_404(self, client_for, village_user, areas):
        household = f.make_household(areas[f.GROUP_A2])
        assert client_for(village_user).get(url(household)).status_code == 404

    def test_unknown_number_gets_404(self, client_for, county_user, areas):
        assert client_for(county_user).get("/households/NO-SUCH/").status_code == 404

    def test_department_user_gets_403(self, client_for, police_user, household_a):
        assert client_for(police_user).get(url(household_a)).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, household_a):
        response = client.get(url(household_a))
        assert response.status_code == 302
        assert response.url == f"/accounts/login/?next=/households/{household_a.number}/"

    def test_post_is_not_allowed(self, client_for, county_user, household_a):
        assert client_for(county_user).post(url(household_a)).status_code == 405


_serial = itertools.count(1)


def unique_id_number() -> str:
    """A fresh valid number (factories.next_id_number can repeat one for two consecutive calls of one sex)."""
    return make_id_number(f"53011319950101{next(_serial):03d}")


def enlarge(household, county_user, *, extra: int) -> None:
    """More members, incomes, facts, surveys, changes and history rows."""
    for i in range(extra):
        member = f.make_member(household, name=f"加{i}", id_number=unique_id_number())
        MemberYear.objects.create(member=member, year=2018, schooling_status="01")
        member.ethnicity = "彝族"
        member._history_user = county_user
        member.save()
        YearlyIncome.objects.create(household=household, year=2000 + i, wage=Decimal(i))
        Fact.objects.create(household=household, member=member, kind=FactKind.SUPPORT_MEASURE, created_by=county_user)
        Survey.objects.create(
            household=household, income_year=2018, surveyed_on=datetime.date(2018, 1, 1 + i), created_by=county_user
        )
        MemberChange.objects.create(
            household=household,
            member=member,
            kind=MemberChangeKind.ADD,
            reason="birth",
            changed_on=datetime.date(2018, 1, 1),
            created_by=county_user,
        )
    household.phone = "13800000000"
    household._history_user = county_user
    household.save()


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_household(client_for, county_user, areas):
    small = f.make_household(areas[f.GROUP_A1], number="SMALL")
    large = f.make_household(areas[f.GROUP_A1], number="LARGE")
    enlarge(small, county_user, extra=1)
    enlarge(large, county_user, extra=8)
    client = client_for(county_user)
    counts = []
    for household in (small, large):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(household)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[1] <= 23  # one of them: the case list embedded from the workflow (assessment.templatetags.case_tags)
