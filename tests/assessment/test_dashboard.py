"""工作进度: cases per stage, overdue tasks and windows, progress against the schedule; the county sees the whole
county, a township its own villages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from assessment import cases, publicity
from assessment.dashboard import build_dashboard
from assessment.models import PublicityWindow
from assessment.workflow import CaseKind, Stage
from tests import factories as f
from tests.assessment import county as c
from tests.assessment.workflow_fixtures import *  # noqa: F403
from verification.models import VerificationTask


@pytest.fixture
def spread(demo, users, areas, drive_to):
    """Village A1: an exit case at department review, a 错评 at analysis; township B: one exit at survey."""
    exit_case = drive_to(
        cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.DEPARTMENT_REVIEW
    )
    cases.open_case(demo["wrong"], kind=CaseKind.WRONG_INCLUSION, by=users["village"])
    other = c.ready_household(areas[f.GROUP_B1], number="B-1")
    b_case = cases.open_case(other, kind=CaseKind.EXIT, by=users["township_b"])
    return exit_case, b_case


def test_county_dashboard_counts_stages_per_township_and_village(spread, campaign):
    board = build_dashboard(campaign, f.COUNTY_CODE, today=datetime.date(2018, 10, 20))
    townships = {row.code: row for row in board.rows}
    assert set(townships) == {f.TOWNSHIP_A, f.TOWNSHIP_B}
    a = townships[f.TOWNSHIP_A]
    assert (a.stages[Stage.ANALYSIS], a.stages[Stage.DEPARTMENT_REVIEW], a.open_total) == (1, 1, 2)
    assert [v.code for v in a.children] == [f.VILLAGE_A1] and a.children[0].name == "箐口村"
    assert townships[f.TOWNSHIP_B].stages[Stage.ANALYSIS] == 1
    assert board.total.open_total == 3


def test_overdue_tasks_and_windows_are_counted_per_village(spread, campaign, users, demo, drive_to):
    exit_case, _b = spread
    tasks = VerificationTask.objects.filter(case=exit_case)
    late = max(t.due_on for t in tasks) + datetime.timedelta(days=1)
    board = build_dashboard(campaign, f.TOWNSHIP_A, today=late)
    village = board.rows[0]
    assert village.code == f.VILLAGE_A1
    assert village.extras["overdue_tasks"] == tasks.count()
    assert ("overdue_tasks", "逾期核查任务") in board.extra_columns
    new = drive_to(cases.open_case(demo["new"], kind=CaseKind.NEW, by=users["village"]), Stage.VILLAGE_PUBLICITY)
    window = publicity.create_window(
        campaign=campaign, level=PublicityWindow.Level.VILLAGE, area=new.household.area.parent, by=users["village"]
    )
    # the 错评 case of the village has to go on the same list (先退后进)
    wrong = drive_to(exit_case.__class__.objects.get(kind="wrong_inclusion"), Stage.VILLAGE_PUBLICITY)
    publicity.add_cases(window, [new, wrong], by=users["village"])
    publicity.publish(
        window, by=users["village"], open_date=datetime.date(2018, 10, 20), today=datetime.date(2018, 10, 20)
    )
    assert build_dashboard(campaign, f.TOWNSHIP_A, today=datetime.date(2018, 10, 24)).rows[0].overdue_windows == 0
    assert build_dashboard(campaign, f.TOWNSHIP_A, today=datetime.date(2018, 10, 25)).rows[0].overdue_windows == 1


def test_progress_against_the_schedule(spread, campaign):
    board = build_dashboard(campaign, f.COUNTY_CODE, today=datetime.date(2018, 10, 16))
    names = [p.name for p in board.phases]
    assert names == ["动态管理和信息采集", "数据审核比对（先报先复核）", "数据录入"]
    share, state = board.progress(board.total)[0]
    assert share == pytest.approx(1 / 3) and state == "overdue"  # one of three cases submitted by 10-15
    township_a = board.rows[0]
    assert board.progress(township_a)[0] == (pytest.approx(0.5), "overdue")
    assert board.progress(township_a)[1][1] == "running"


def test_township_sees_only_its_villages(client_for, users, spread):
    page = client_for(users["township"]).get(reverse("assessment:dashboard")).text
    assert "箐口村" in page and "小江村" not in page and "阿旺镇" not in page
    county_page = client_for(users["county"]).get(reverse("assessment:dashboard")).text
    assert "铜都街道" in county_page and "阿旺镇" in county_page


@pytest.mark.parametrize("persona,expected", [("leader", 200), ("village", 403), ("assessor", 403), ("police", 403)])
def test_who_sees_the_dashboard(client_for, users, spread, persona, expected):
    assert client_for(users[persona]).get(reverse("assessment:dashboard")).status_code == expected


def test_dashboard_costs_constant_queries(client_for, users, demo, campaign, areas, django_assert_max_num_queries):
    client = client_for(users["county"])
    cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"])
    with django_assert_max_num_queries(15) as few:
        assert client.get(reverse("assessment:dashboard")).status_code == 200
    for i in range(5):
        household = c.ready_household(areas[f.GROUP_A2 if i % 2 else f.GROUP_B1], number=f"D-{i}")
        cases.open_case(household, kind=CaseKind.EXIT, by=users["township" if i % 2 else "township_b"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("assessment:dashboard")).status_code == 200
