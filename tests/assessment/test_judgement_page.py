"""The decision sheet (判定依据单) of one household: stored or computed, explained, scoped, printable."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Policy
from assessment.services import save_policy
from tests import factories as f
from tests.assessment import county as c

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"\d{17}[\dX]")


def sheet(household) -> str:
    return reverse("assessment:judgement", args=[household.number])


def test_stored_result_explains_each_criterion_with_value_threshold_policy_and_source(
    client_for, county_user, county_run, county
):
    response = client_for(county_user).get(sheet(county["A-01"]))
    assert response.status_code == 200
    text = response.text
    assert f"结果来自评估批次 #{county_run.pk}" in text
    assert "云南省2018年度 第1版" in text and "收入年度 2018" in text
    assert "错评候选" in text and "拥有机动车" in text
    # E3's figures: the car's price against the limit, and the police register with its dates.
    assert "30,000.00" in text
    assert "来源：部门数据比对·公安，登记于 2018-11-20" in text
    assert "发生日期 2013-06-18" in text
    # Why the exception did not apply.
    assert "不适用例外：发生日期 2013-06-18 不晚于建档立卡日期 2014-10-01" in text
    # The identification conditions and all seven standards are listed too.
    for code in ("I1", "I5", "E1", "E10", "Y1", "Y7"):
        assert f'<td class="font-monospace">{code}</td>' in text
    assert "人均纯收入 4,000.00 元，高于脱贫收入标准 3,500.00 元" in text


def test_missed_household_cites_the_identification_line(client_for, township_a_user, county_run, county):
    text = client_for(township_a_user).get(sheet(county["A-03"])).text
    assert "漏评候选" in text and "人均纯收入 2,951.99 元，低于识别标准 2,952.00 元" in text
    assert "2,951.99" in text and "2,952.00" in text


def test_household_missing_from_the_latest_run_is_computed_on_the_fly(client_for, county_user, county_run, areas):
    late = c.ready_household(areas[f.GROUP_A1], number="A-99")
    c.vehicle(late)
    text = client_for(county_user).get(sheet(late)).text
    assert f"该户不在最近一次评估批次 #{county_run.pk} 中" in text and "即时计算" in text
    assert "错评候选" in text and "30,000.00" in text


def test_without_any_run_the_current_policy_is_used(client_for, county_user, policy, county):
    text = client_for(county_user).get(sheet(county["A-03"])).text
    assert "尚无评估批次" in text and "漏评候选" in text


def test_without_a_usable_policy_the_page_says_why(client_for, county_user, county):
    c.guangdong_policy(is_current=True)
    text = client_for(county_user).get(sheet(county["A-03"])).text
    assert "该政策缺少：全省农村居民人均可支配收入，不能用于评估" in text
    Policy.objects.all().delete()
    assert "尚未设置当前政策" in client_for(county_user).get(sheet(county["A-03"])).text


def test_policy_edited_after_the_run_is_flagged(client_for, county_user, county_run, policy, county):
    policy.exit_line = Decimal("3600")
    save_policy(policy, by=county_user)
    text = client_for(county_user).get(sheet(county["A-04"])).text
    assert "该政策已修改为第2版，本结果依据第1版" in text


def test_member_removal_shows_a_masked_id_and_no_full_number(client_for, county_user, county_run, county):
    spouse = county["B-01"].members.get(relation="02")
    text = client_for(county_user).get(sheet(county["B-01"])).text
    assert "成员应予清退" in text and spouse.name in text and spouse.masked_id_number in text
    assert not FULL_ID.search(text)


def test_printable_on_a4(client_for, county_user, county_run, county):
    text = client_for(county_user).get(sheet(county["A-01"])).text
    assert "@page { size: A4" in text and "window.print()" in text
    # On paper the exclusion criteria without any fact share one line, so that the sheet fits one page.
    assert '<td class="font-monospace" colspan="2">E1、E2、E4、E5、E6、E7、E8、E9、E10</td>' in text


def test_removed_household_has_no_conclusion(client_for, county_user, county_run, county):
    assert "已清退户不参加评估" in client_for(county_user).get(sheet(county["A-06"])).text


def test_other_township_gets_404(client_for, township_a_user, county_run, county):
    assert client_for(township_a_user).get(sheet(county["B-01"])).status_code == 404


def test_village_officer_sees_only_the_own_village(client_for, village_user, county_run, county, areas):
    other_village = c.ready_household(areas[f.GROUP_A2], number="A2-01")
    client = client_for(village_user)
    assert client.get(sheet(county["A-01"])).status_code == 200
    assert client.get(sheet(other_village)).status_code == 404


def test_department_user_gets_403(client_for, police_user, county_run, county):
    assert client_for(police_user).get(sheet(county["A-01"])).status_code == 403


@pytest.mark.parametrize("persona", ["leader", "assessor"])
def test_county_readers_may_read(client_for, personas, county_run, county, persona):
    assert client_for(personas[persona]).get(sheet(county["A-01"])).status_code == 200


def test_anonymous_is_sent_to_login(client, county):
    path = sheet(county["A-01"])
    response = client.get(path)
    assert response.status_code == 302 and response.url == f"/accounts/login/?next={path}"


def test_post_is_405(client_for, county_user, county):
    assert client_for(county_user).post(sheet(county["A-01"])).status_code == 405


def test_unknown_household_is_404(client_for, county_user, policy):
    assert client_for(county_user).get(reverse("assessment:judgement", args=["NOPE"])).status_code == 404


def test_sheet_uses_a_constant_number_of_queries(
    client_for, county_user, county_run, county, django_assert_max_num_queries
):
    client = client_for(county_user)
    with django_assert_max_num_queries(12):
        assert client.get(sheet(county["A-01"])).status_code == 200
