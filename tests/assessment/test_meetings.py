"""Meetings: 贫情分析 per village group with the households chosen for survey, 公开评议 with attendance and the
outcome per case, the two-committee decision, the representatives' resolution; each printable for signatures."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assessment import cases, meetings
from assessment.models import AdjustmentCase, CaseError, Meeting, MeetingItem
from assessment.workflow import CaseKind, Stage
from tests.assessment import workflow_builders as wb
from tests.assessment.workflow_fixtures import *  # noqa: F403


def stage_of(case):
    return AdjustmentCase.objects.get(pk=case.pk).stage


def test_analysis_meeting_through_the_page_chooses_households_and_moves_their_cases(client_for, users, demo, areas):
    case = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"])
    client = client_for(users["village"])
    url = reverse("assessment:meeting_create", args=["analysis"]) + f"?area={demo['exit'].area.code}"
    page = client.get(url).text
    assert case.number in page
    response = client.post(
        url,
        {
            "held_on": "2018-10-08",
            "host": "王组长",
            "participants": "王组长、李书记、驻村队员张某",
            "household": [str(demo["exit"].pk)],
            "other_numbers": "N-01",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == reverse("assessment:meeting_detail", args=[meeting.pk])
    assert sorted(meeting.items.values_list("household__number", flat=True)) == ["E-01", "N-01"]
    assert stage_of(case) == Stage.SURVEY
    assert "贫情分析会（2018-10-08，主持人 王组长）确定入户调查" in case.transitions.last().note


def test_analysis_is_held_per_group(users, demo, campaign):
    with pytest.raises(CaseError, match="村民小组"):
        meetings.record_meeting(
            campaign=campaign,
            kind=Meeting.Kind.ANALYSIS,
            area=demo["exit"].area.parent,
            details={"held_on": datetime.date(2018, 10, 8), "host": "王", "participants": "王"},
            items=[meetings.ItemInput(demo["exit"], None, MeetingItem.Outcome.SURVEY)],
            by=users["village"],
            today=wb.TODAY,
        )


def test_a_household_of_another_group_is_refused(users, demo, campaign, areas):
    from tests import factories as f
    from tests.assessment import county as c

    other = c.ready_household(areas[f.GROUP_A2], number="A2-1")
    with pytest.raises(CaseError, match="不属于"):
        wb.choose_for_survey([demo["exit"], other], by=users["village"], campaign=campaign)


def test_public_review_records_attendance_and_outcome_per_case(client_for, users, demo, drive_to):
    agreed = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.PUBLIC_REVIEW)
    refused = drive_to(
        cases.open_case(demo["wrong"], kind=CaseKind.WRONG_INCLUSION, by=users["village"]), Stage.PUBLIC_REVIEW
    )
    client = client_for(users["village"])
    url = reverse("assessment:meeting_create", args=["public_review"]) + f"?area={demo['exit'].area.parent.code}"
    response = client.post(
        url,
        {
            "held_on": "2018-10-18",
            "host": "李书记",
            "form": "villagers",
            "participants": "全体村民代表",
            "expected_count": "40",
            "present_count": "36",
            f"outcome-{agreed.pk}": "agree",
            f"for-{agreed.pk}": "33",
            f"against-{agreed.pk}": "2",
            f"abstain-{agreed.pk}": "1",
            f"outcome-{refused.pk}": "disagree",
            f"note-{refused.pk}": "群众反映车辆已转让",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(kind="public_review")
    assert (meeting.expected_count, meeting.present_count, meeting.form) == (40, 36, "villagers")
    item = meeting.items.get(case=agreed)
    assert (item.outcome, item.votes_for, item.votes_against, item.votes_abstain) == ("agree", 33, 2, 1)
    assert stage_of(agreed) == Stage.VILLAGE_DECISION
    assert stage_of(refused) == Stage.PUBLIC_REVIEW


def test_more_present_than_expected_re_renders(client_for, users, demo, drive_to):
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.PUBLIC_REVIEW)
    url = reverse("assessment:meeting_create", args=["public_review"]) + f"?area={demo['exit'].area.parent.code}"
    response = client_for(users["village"]).post(
        url,
        {
            "held_on": "2018-10-18",
            "host": "李",
            "participants": "x",
            "expected_count": "10",
            "present_count": "11",
            f"outcome-{case.pk}": "agree",
        },
    )
    assert response.status_code == 200 and "实到人数不能多于应到人数" in response.text
    assert not Meeting.objects.filter(kind="public_review").exists() and stage_of(case) == Stage.PUBLIC_REVIEW


def test_the_decision_and_resolution_meetings_move_agreed_cases(users, demo, drive_to):
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.VILLAGE_DECISION)
    result = wb.hold_meeting(Meeting.Kind.VILLAGE_DECISION, [case], by=users["village"])
    assert result.advanced == [case] or stage_of(case) == Stage.VILLAGE_PUBLICITY
    drive_to(case, Stage.REPRESENTATIVES)
    wb.hold_meeting(Meeting.Kind.REPRESENTATIVES, [case], by=users["township"])
    assert stage_of(case) == Stage.TOWNSHIP_REVIEW


def test_a_case_at_another_stage_cannot_be_decided(users, demo, drive_to):
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.PUBLIC_REVIEW)
    with pytest.raises(CaseError, match="不在村两委会环节"):
        wb.hold_meeting(Meeting.Kind.VILLAGE_DECISION, [case], by=users["village"])


def test_a_meeting_cannot_be_dated_in_the_future(users, demo, drive_to):
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.PUBLIC_REVIEW)
    with pytest.raises(CaseError, match="晚于今天"):
        wb.hold_meeting(Meeting.Kind.PUBLIC_REVIEW, [case], by=users["village"], held_on=datetime.date(2018, 10, 30))


@pytest.mark.parametrize("persona", ["leader", "assessor", "county"])
def test_roles_that_do_not_record_village_meetings(users, demo, drive_to, persona):
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.PUBLIC_REVIEW)
    with pytest.raises(PermissionDenied):
        wb.hold_meeting(Meeting.Kind.PUBLIC_REVIEW, [case], by=users[persona])


def test_the_record_sheet_prints_with_signature_lines(client_for, users, demo, drive_to):
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.VILLAGE_DECISION)
    meeting = Meeting.objects.get(kind="public_review")
    page = client_for(users["village"]).get(reverse("assessment:meeting_detail", args=[meeting.pk])).text
    assert "箐口村2018年度扶贫对象动态管理公开评议会记录表" in page
    assert "参会人员签字" in page and "主持人（签字）" in page and "@page" in page
    assert case.number in page and "35 / 31" in page
    head = case.household.members.get(relation="01")
    assert head.id_number not in page and head.masked_id_number in page


def test_other_township_gets_404_on_a_record_sheet(client_for, users, demo, drive_to):
    drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.SURVEY)
    meeting = Meeting.objects.get()
    assert (
        client_for(users["township_b"]).get(reverse("assessment:meeting_detail", args=[meeting.pk])).status_code == 404
    )


def test_the_meeting_list_costs_constant_queries(client_for, users, demo, campaign, django_assert_max_num_queries):
    client = client_for(users["township"])
    wb.choose_for_survey([demo["exit"]], by=users["village"], campaign=campaign)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("assessment:meetings")).status_code == 200
    for household in ("new", "wrong", "return"):
        wb.choose_for_survey([demo[household]], by=users["village"], campaign=campaign)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("assessment:meetings")).status_code == 200
