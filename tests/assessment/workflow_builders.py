"""Builders of the workflow tests: a campaign, a demo village with one household per case kind, and ``drive`` to
move a case along the path through the same services the pages call (meetings, surveys, tasks, windows).

Dates are fixed (the 2018 campaign of seed 003): nothing depends on the day the tests run. They are read when a
builder runs, so that scripts/workflow_demo.py can move them into the current year.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from assessment import approval, cases, meetings, publicity
from assessment.campaigns import save_campaign
from assessment.models import AdjustmentCase, Campaign, Meeting, MeetingItem, Policy, PublicityWindow
from assessment.workflow import Stage, stage_reached
from households.choices import HouseholdStatus, Role
from households.models import Area, Household, Survey, User
from tests import factories as f
from tests.assessment import county as c
from verification import services as vs
from verification.models import VerificationTask

D = Decimal
START = datetime.date(2018, 10, 1)
SURVEYED = datetime.date(2018, 10, 10)
TODAY = datetime.date(2018, 10, 20)
HELD = datetime.date(2018, 10, 18)
APPROVED = datetime.date(2018, 11, 20)


def make_campaign(policy: Policy, by: User, **changes) -> Campaign:
    values = {
        "year": 2018,
        "name": "2018年度扶贫对象动态管理",
        "policy": policy,
        "starts_on": START,
        "complaint_phone": "0871-12317",
        "is_current": True,
    }
    values.update(changes)
    return save_campaign(Campaign(**values), by=by, with_default_schedule=True)


def demo_village(areas: dict[str, Area]) -> dict[str, Household]:
    """One household of village A1 (group A1) for each case kind, with the rules' outcome that supports it."""
    group = areas[f.GROUP_A1]
    village = {
        "wrong": c.ready_household(group, number="W-01"),
        "new": c.ordinary_household(group, number="N-01", per_capita="2000.00"),
        "exit": c.ready_household(group, number="E-01"),
        "wrong_exit": c.ready_household(
            group, number="X-01", status=HouseholdStatus.EXITED, exit_year=2016, water_radius_km=D("1.5")
        ),
        "return": c.ready_household(
            group, number="R-01", status=HouseholdStatus.EXITED, exit_year=2017, water_radius_km=D("1.5")
        ),
        "member": c.ready_household(group, number="M-01"),
    }
    c.vehicle(village["wrong"])  # E3: a 30,000 car bought before registration
    village["member"].members.filter(relation="02").update(shares_income=False)  # E9 for the spouse
    return village


def department_user(code: str) -> User:
    user = User.objects.filter(username=f"dept-{code}").first()
    return user or f.make_user(f"dept-{code}", Role.DEPARTMENT, None, code, full_name=f"{code}核查员")


def survey(household: Household, *, on: datetime.date | None = None) -> Survey:
    return Survey.objects.create(household=household, income_year=2018, surveyed_on=on or SURVEYED, surveyor="李调查")


def choose_for_survey(
    households: Sequence[Household],
    *,
    by: User,
    campaign: Campaign,
    held_on: datetime.date | None = None,
) -> meetings.MeetingResult:
    area = households[0].area
    held_on = held_on or START + datetime.timedelta(days=7)
    items = [meetings.ItemInput(h, None, MeetingItem.Outcome.SURVEY) for h in households]
    details = {"held_on": held_on, "host": "王组长", "participants": "王组长、李书记、张队员"}
    return meetings.record_meeting(
        campaign=campaign, kind=Meeting.Kind.ANALYSIS, area=area, details=details, items=items, by=by, today=TODAY
    )


def hold_meeting(
    kind: str,
    case_list: Sequence[AdjustmentCase],
    *,
    by: User,
    outcome: str = MeetingItem.Outcome.AGREE,
    held_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> meetings.MeetingResult:
    village = case_list[0].household.area.parent
    held_on, today = held_on or HELD, today or TODAY
    items = [meetings.ItemInput(case.household, case, outcome, votes_for=30, votes_against=1) for case in case_list]
    details = {
        "held_on": held_on,
        "host": "李书记",
        "participants": "村两委成员、党员、村民代表",
        "expected_count": 35,
        "present_count": 31,
    }
    if kind == Meeting.Kind.PUBLIC_REVIEW:
        details["form"] = Meeting.Form.VILLAGERS
    return meetings.record_meeting(
        campaign=case_list[0].campaign, kind=kind, area=village, details=details, items=items, by=by, today=today
    )


def confirm_tasks(case: AdjustmentCase) -> None:
    for task in VerificationTask.objects.filter(case=case, status=VerificationTask.Status.OPEN).select_related(
        "department"
    ):
        vs.tick_off(task, by=department_user(task.department.code), result=VerificationTask.Result.CONFIRMED)


def run_window(
    level: str, case_list: Sequence[AdjustmentCase], *, runner: User, closer: User, open_on: datetime.date | None = None
) -> PublicityWindow:
    open_on = open_on or TODAY
    household = case_list[0].household
    area = household.area.parent if level == PublicityWindow.Level.VILLAGE else household.area.parent.parent
    window = publicity.create_window(campaign=case_list[0].campaign, level=level, area=area, by=runner)
    publicity.add_cases(window, case_list, by=runner)
    publicity.publish(window, by=runner, open_date=open_on, today=open_on)
    window.refresh_from_db()
    publicity.close(window, by=closer, today=window.last_day)
    return window


def drive(case: AdjustmentCase, target: str, *, village: User, township: User, county: User) -> AdjustmentCase:
    """Move ``case`` along the path until it reaches ``target`` (each step through its real operation)."""
    while True:
        case.refresh_from_db()
        if stage_reached(case.stage, target):  # a case nobody needs to check skips 部门复核
            return case
        stage = case.stage
        if stage == Stage.ANALYSIS:
            choose_for_survey([case.household], by=village, campaign=case.campaign)
        elif stage == Stage.SURVEY:
            if not Survey.objects.filter(household=case.household).exists():
                survey(case.household)
            result = cases.submit_cases([case], by=township, today=TODAY)
            assert not result.refused, result.refused
        elif stage == Stage.DEPARTMENT_REVIEW:
            confirm_tasks(case)
        elif stage == Stage.PUBLIC_REVIEW:
            hold_meeting(Meeting.Kind.PUBLIC_REVIEW, [case], by=village)
        elif stage == Stage.VILLAGE_DECISION:
            hold_meeting(Meeting.Kind.VILLAGE_DECISION, [case], by=village)
        elif stage == Stage.VILLAGE_PUBLICITY:
            run_window(PublicityWindow.Level.VILLAGE, [case], runner=village, closer=township)
        elif stage == Stage.REPRESENTATIVES:
            hold_meeting(Meeting.Kind.REPRESENTATIVES, [case], by=village)
        elif stage == Stage.TOWNSHIP_REVIEW:
            cases.advance_case(case, by=township, note="乡镇审定通过", today=TODAY)
        elif stage == Stage.TOWNSHIP_PUBLICITY:
            run_window(PublicityWindow.Level.TOWNSHIP, [case], runner=township, closer=county)
        elif stage == Stage.COUNTY_APPROVAL:
            approval.approve_cases([case], by=county, today=APPROVED)
        else:
            raise AssertionError(f"cannot drive a case at {stage} to {target}")
        case.refresh_from_db()
        assert case.stage != stage, f"{case.number} stuck at {stage}"
