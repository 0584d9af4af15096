"""A 错评 case walked in Chromium from opening to county approval by the township clerk, the police verifier and the
county office, each logging in through the login page.

The two five-day publicity windows are the only shortcut: after publishing, the test moves the window's open date
four days back (the days pass) so that today is its last day and it may be closed.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import F
from django.utils import timezone

from assessment.campaigns import save_campaign
from assessment.models import AdjustmentCase, Campaign, PublicityWindow
from assessment.workflow import Stage
from households.choices import HouseholdStatus
from households.models import Household, Survey
from tests import factories as f
from tests.assessment import county as c

pytestmark = pytest.mark.browser


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def submit(page, selector: str) -> None:
    """Click a button that posts a form and wait for the page it leads to (case URLs hold encoded Chinese)."""
    with page.expect_navigation():
        page.click(selector)


def pass_days(window_title: str, days: int = 4) -> None:
    PublicityWindow.objects.filter(title=window_title).update(open_date=F("open_date") - datetime.timedelta(days=days))


def stage(number: str) -> str:
    return AdjustmentCase.objects.get(number=number).stage


def record_meeting(page, live_server, kind: str, area_label: str) -> None:
    page.goto(f"{live_server.url}/assessment/meetings/new/{kind}/")
    page.select_option("#f-area", label=area_label)
    page.click("#area-choose")
    page.fill("#id_host", "李书记")
    page.fill("#id_participants", "村两委成员、党员代表、村民代表")
    if kind != "analysis":
        page.fill("#id_expected_count", "40")
        page.fill("#id_present_count", "35")
    page.click("#meeting-save")
    page.wait_for_url(re.compile(r"/assessment/meetings/\d+/$"))


def run_window(page, live_server, level: str, area_label: str, closer: str, number: str) -> None:
    page.goto(f"{live_server.url}/assessment/publicity/new/")
    page.select_option("#id_level", value=level)
    page.select_option("#id_area", label=area_label)
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/assessment/publicity/\d+/$"))
    submit(page, "text=列入名单")
    submit(page, "#publish-button")
    assert "已发布公示" in page.text_content("main")
    window_url = page.url
    pass_days(PublicityWindow.objects.get(entries__case__number=number, level=level).title)
    log_in(page, live_server, closer)
    page.goto(window_url)
    submit(page, "#close-button")
    assert "公示已结束" in page.text_content("main")


def test_a_wrong_inclusion_case_from_opening_to_county_approval(page, live_server, personas, areas):
    today = timezone.localdate()
    county_user = personas["county"]
    policy = c.seed_policy()
    save_campaign(
        Campaign(
            year=today.year,
            name=f"{today.year}年度扶贫对象动态管理",
            policy=policy,
            starts_on=today - datetime.timedelta(days=30),
            complaint_phone="0871-12317",
            is_current=True,
        ),
        by=county_user,
        with_default_schedule=True,
    )
    household = c.ready_household(areas[f.GROUP_A1], number="W-WEB-01")
    c.vehicle(household)  # the police register: a 30,000 car bought before registration (E3)
    Survey.objects.create(household=household, income_year=2018, surveyed_on=today, surveyor="李调查")
    number = f"{today.year}-错评-0001"

    # The township clerk opens the case from the household page.
    log_in(page, live_server, "township1")
    page.goto(f"{live_server.url}/households/W-WEB-01/")
    page.click("text=立案")
    page.select_option("#id_kind", label="错评清退")
    submit(page, "#case-open-form button[type=submit]")
    assert number in page.text_content("h1")
    assert "评估结果支持" in page.text_content("main") and "E3" in page.text_content("main")

    # 贫情分析 chooses the household for the survey; the case moves on by itself.
    record_meeting(page, live_server, "analysis", "铜都街道 / 箐口村 / 箐口一组")
    assert stage(number) == Stage.SURVEY

    # The survey is on file: the clerk submits the case to the departments.
    page.goto(f"{live_server.url}/assessment/cases/{number}/")
    submit(page, "#submit-button")
    assert stage(number) == Stage.DEPARTMENT_REVIEW
    assert "公安" in page.text_content("main")

    # The police verifier lands on the queue and confirms the car.
    log_in(page, live_server, "police")
    page.wait_for_url(re.compile(r"/verification/$"))
    row = page.locator("table tbody tr", has_text="E3")
    assert row.count() == 1
    assert "W-WEB-01" not in page.text_content("main")  # data minimisation: no household number
    row.locator("text=核查").click()
    page.get_by_label("核实属实").check()
    page.fill("#id_note", "车辆登记信息属实")
    page.click("#tick-button")
    page.wait_for_url(re.compile(r"/verification/$"))
    assert stage(number) == Stage.PUBLIC_REVIEW

    # The township records the public review and the two-committee decision.
    log_in(page, live_server, "township1")
    record_meeting(page, live_server, "public_review", "铜都街道 / 箐口村")
    record_meeting(page, live_server, "village_decision", "铜都街道 / 箐口村")
    assert stage(number) == Stage.VILLAGE_PUBLICITY

    # Village publicity: published, five days pass, closed on its last day.
    run_window(page, live_server, "village", "铜都街道 / 箐口村", "township1", number)
    assert stage(number) == Stage.REPRESENTATIVES
    record_meeting(page, live_server, "representatives", "铜都街道 / 箐口村")
    page.goto(f"{live_server.url}/assessment/cases/{number}/")
    submit(page, "#advance-button")  # 乡镇审定通过
    assert stage(number) == Stage.TOWNSHIP_PUBLICITY

    # Township publicity; the county closes it.
    run_window(page, live_server, "township", "铜都街道", "county", number)
    assert stage(number) == Stage.COUNTY_APPROVAL

    # The county approves: the household is removed and the announcement printed.
    page.goto(f"{live_server.url}/assessment/approval/")
    page.click("#approve-button")
    page.wait_for_url(re.compile(r"/assessment/announcements/\d+/$"))
    assert number in page.text_content("#announcement")
    assert Household.objects.get(number="W-WEB-01").status == HouseholdStatus.REMOVED

    # The case page shows every transition with who and the note.
    page.goto(f"{live_server.url}/assessment/cases/{number}/")
    transitions = page.locator("#transitions tbody tr")
    assert transitions.count() == 11
    history = page.text_content("#transitions")
    for who in ("township1", "police", "county"):
        assert who in history
    assert "部门复核完成：公安核实属实" in history and "县级审定" in history
