"""Candidate lists per outcome: scope, counts per township and village, pagination, masking, query budget."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessment.services import run_evaluation
from households.choices import HouseholdStatus
from tests import factories as f
from tests.assessment import county as c

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"\d{17}[\dX]")
INDEX = reverse("assessment:candidates")


def url(code: str) -> str:
    return reverse("assessment:candidate_list", args=[code])


def listed(response) -> list[str]:
    return [row.household.number for row in response.context["rows"]]


def counts(response) -> dict[str, int]:
    """{area name: count} of the township and village table."""
    table = {}
    for township in response.context["townships"]:
        table[township.name] = township.count
        for village in township.villages:
            table[village.name] = village.count
    return table


class TestScope:
    def test_county_office_sees_every_candidate_of_the_code(self, client_for, county_user, county_run):
        response = client_for(county_user).get(url("EXIT_READY"))
        assert response.status_code == 200
        assert listed(response) == ["A-01", "A-04", "B-01"]
        assert counts(response) == {"铜都街道": 2, "箐口村": 2, "阿旺镇": 1, "小江村": 1}
        assert "共 3 户" in response.text

    def test_township_never_sees_or_counts_another_township(self, client_for, township_a_user, county_run):
        response = client_for(township_a_user).get(url("EXIT_READY"))
        assert listed(response) == ["A-01", "A-04"]
        assert counts(response) == {"铜都街道": 2, "箐口村": 2}
        assert "B-01" not in response.text and "阿旺镇" not in response.text
        assert client_for(township_a_user).get(url("DQ7")).context["rows"] == []

    def test_village_officer_sees_the_own_village_only(self, client_for, village_user, county_run, areas):
        other = c.ready_household(areas[f.GROUP_A2], number="A2-01")
        run_evaluation(policy=county_run.policy, area_code=f.COUNTY_CODE, by=None)
        response = client_for(village_user).get(url("EXIT_READY"))
        assert listed(response) == ["A-01", "A-04"]
        assert other.number not in response.text

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_county_readers_see_the_whole_county(self, client_for, personas, county_run, persona):
        assert listed(client_for(personas[persona]).get(url("EXIT_READY"))) == ["A-01", "A-04", "B-01"]

    def test_household_moved_out_of_scope_after_the_run_disappears(
        self, client_for, township_a_user, county_run, county, areas
    ):
        moved = county["A-04"]
        moved.area = areas[f.GROUP_B1]
        moved.save()
        assert listed(client_for(township_a_user).get(url("EXIT_READY"))) == ["A-01"]

    def test_area_filter_narrows_the_list_but_keeps_the_counts(self, client_for, county_user, county_run):
        response = client_for(county_user).get(url("EXIT_READY"), {"area": f.TOWNSHIP_B})
        assert listed(response) == ["B-01"]
        assert counts(response)["铜都街道"] == 2
        assert "已按区划筛选" in response.text

    def test_area_outside_the_scope_is_ignored(self, client_for, township_a_user, county_run):
        response = client_for(township_a_user).get(url("EXIT_READY"), {"area": f.TOWNSHIP_B})
        assert listed(response) == ["A-01", "A-04"]

    def test_rows_show_the_criteria_the_message_and_a_masked_head_id(self, client_for, county_user, county_run, county):
        response = client_for(county_user).get(url("WRONG_INCLUSION"))
        row = response.context["rows"][0]
        head = c.head(county["A-01"])
        assert (row.household.number, row.outcome.criteria_list) == ("A-01", ["E3"])
        assert (row.head_name, row.head_id_masked) == (head.name, head.masked_id_number)
        assert "拥有价格 30,000.00 元的机动车" in response.text
        assert reverse("assessment:judgement", args=["A-01"]) in response.text
        assert not FULL_ID.search(response.text)

    def test_missed_list_holds_the_household_below_the_line_only(self, client_for, county_user, county_run):
        assert listed(client_for(county_user).get(url("MISSED"))) == ["A-03"]


class TestPages:
    def test_index_counts_every_code_in_scope(self, client_for, township_a_user, county_run):
        response = client_for(township_a_user).get(INDEX)
        rows = {code: n for code, _, n in response.context["rows"]}
        assert rows["EXIT_READY"] == 2 and rows["MISSED"] == 1 and rows["WRONG_EXIT"] == 1
        assert rows["DQ7"] == 0 and rows["MEMBER_REMOVAL"] == 0
        assert "漏评候选" in response.text and "数据质量提示：缺少评估年度收入记录" in response.text

    def test_without_a_run_the_page_says_so(self, client_for, county_user, county):
        for path in (INDEX, url("MISSED")):
            response = client_for(county_user).get(path)
            assert response.status_code == 200 and "还没有覆盖您管辖范围的评估批次" in response.text

    def test_the_latest_finished_run_is_read(self, client_for, county_user, county_run, policy, county):
        c.vehicle(county["A-04"])
        newer = run_evaluation(policy=policy, area_code="", by=None)
        response = client_for(county_user).get(url("WRONG_INCLUSION"))
        assert response.context["run"] == newer and listed(response) == ["A-01", "A-04"]
        older = client_for(county_user).get(url("WRONG_INCLUSION"), {"run": county_run.pk})
        assert older.context["run"] == county_run and listed(older) == ["A-01"]

    def test_a_run_of_another_township_is_not_used(self, client_for, township_a_user, policy, county):
        run_evaluation(policy=policy, area_code=f.TOWNSHIP_B, by=None)
        response = client_for(township_a_user).get(url("EXIT_READY"))
        assert response.context["run"] is None

    def test_a_run_not_covering_the_scope_is_404(self, client_for, township_a_user, policy, county):
        other = run_evaluation(policy=policy, area_code=f.TOWNSHIP_B, by=None)
        assert client_for(township_a_user).get(url("EXIT_READY"), {"run": other.pk}).status_code == 404

    def test_pagination(self, client_for, county_user, policy, areas, settings):
        settings.LIST_PAGE_SIZE = 2
        for i in range(5):
            c.ready_household(areas[f.GROUP_A1], number=f"P{i}")
        run_evaluation(policy=policy, area_code=f.COUNTY_CODE, by=None)
        client = client_for(county_user)
        assert listed(client.get(url("EXIT_READY"))) == ["P0", "P1"]
        last = client.get(url("EXIT_READY"), {"page": 3})
        assert listed(last) == ["P4"] and "第 3 / 3 页" in last.text

    def test_unknown_code_is_404(self, client_for, county_user, county_run):
        assert client_for(county_user).get(url("NOPE")).status_code == 404

    def test_department_user_gets_403(self, client_for, police_user, county_run):
        assert client_for(police_user).get(url("MISSED")).status_code == 403
        assert client_for(police_user).get(INDEX).status_code == 403

    def test_anonymous_is_sent_to_login(self, client):
        for path in (INDEX, url("MISSED")):
            response = client.get(path)
            assert response.status_code == 302 and response.url == f"/accounts/login/?next={path}"

    def test_post_is_405(self, client_for, county_user):
        assert client_for(county_user).post(url("MISSED")).status_code == 405
        assert client_for(county_user).post(INDEX).status_code == 405


@pytest.mark.parametrize("code", ["EXIT_NOT_MET", "MISSED"])
def test_query_count_is_the_same_for_5_and_50_candidates(
    client_for, county_user, policy, areas, django_assert_max_num_queries, code
):
    def build(n: int, start: int) -> None:
        for i in range(start, start + n):
            group = areas[f.GROUP_A1] if i % 2 else areas[f.GROUP_B1]
            if code == "MISSED":
                c.ordinary_household(group, number=f"N{i:03d}", per_capita="1000")
            else:
                f.make_household(group, number=f"N{i:03d}", status=HouseholdStatus.POOR)

    client = client_for(county_user)
    build(5, 0)
    run_evaluation(policy=policy, area_code=f.COUNTY_CODE, by=None)
    with django_assert_max_num_queries(20) as few:
        small = client.get(url(code))
    assert len(small.context["rows"]) == 5
    build(45, 5)
    run_evaluation(policy=policy, area_code=f.COUNTY_CODE, by=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = client.get(url(code))
    assert len(large.context["rows"]) == 50 and "共 50 户" in large.text
