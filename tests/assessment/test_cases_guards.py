"""Each guard rule of the workflow: 先退后进, exit standards at approval, conflicting cases, re-inclusion after a 错评
removal, and the records each step needs (analysis meeting, survey, meeting outcomes)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import approval, cases, publicity
from assessment.models import CaseError, Meeting, MeetingItem, PublicityWindow
from assessment.workflow import CaseKind, Stage
from households.choices import HouseholdStatus
from households.models import Survey
from tests.assessment import workflow_builders as wb
from tests.assessment.workflow_fixtures import *  # noqa: F403

TODAY = wb.TODAY


def open_(household, users, kind, **extra):
    return cases.open_case(household, kind=kind, by=users["township"], **extra)


def village_window(case_list, users):
    window = publicity.create_window(
        campaign=case_list[0].campaign,
        level=PublicityWindow.Level.VILLAGE,
        area=case_list[0].household.area.parent,
        by=users["village"],
    )
    publicity.add_cases(window, case_list, by=users["village"])
    return window


class TestExclusionFirst:
    """先退后进 (SPEC §5.4): no inclusion case enters publicity while a 错评 case of its village is undecided."""

    def test_a_new_case_cannot_skip_an_undecided_wrong_inclusion_into_publicity(self, demo, users, drive_to):
        wrong = open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION)
        new = drive_to(open_(demo["new"], users, CaseKind.NEW), Stage.VILLAGE_PUBLICITY)
        drive_to(wrong, Stage.PUBLIC_REVIEW)
        window = village_window([new], users)
        with pytest.raises(CaseError, match="先退后进"):
            publicity.publish(window, by=users["village"], open_date=TODAY, today=TODAY)
        window.refresh_from_db()
        assert window.status == PublicityWindow.Status.DRAFT
        new.refresh_from_db()
        assert new.stage == Stage.VILLAGE_PUBLICITY

    def test_both_on_one_list_may_be_published_together(self, demo, users, drive_to):
        wrong = drive_to(open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION), Stage.VILLAGE_PUBLICITY)
        new = drive_to(open_(demo["new"], users, CaseKind.NEW), Stage.VILLAGE_PUBLICITY)
        window = village_window([new, wrong], users)
        publicity.publish(window, by=users["village"], open_date=TODAY, today=TODAY)
        assert PublicityWindow.objects.get(pk=window.pk).status == PublicityWindow.Status.OPEN

    def test_an_earlier_published_wrong_inclusion_lets_the_new_case_through(self, demo, users, drive_to):
        wrong = drive_to(open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION), Stage.VILLAGE_PUBLICITY)
        new = drive_to(open_(demo["new"], users, CaseKind.NEW), Stage.VILLAGE_PUBLICITY)
        first = village_window([wrong], users)
        publicity.publish(first, by=users["village"], open_date=TODAY, today=TODAY)
        second = village_window([new], users)
        publicity.publish(second, by=users["village"], open_date=TODAY, today=TODAY)

    def test_a_withdrawn_wrong_inclusion_no_longer_blocks(self, demo, users, drive_to):
        wrong = open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION)
        new = drive_to(open_(demo["new"], users, CaseKind.NEW), Stage.VILLAGE_PUBLICITY)
        cases.withdraw_case(wrong, by=users["township"], note="经核实车辆已于建档前转让")
        window = village_window([new], users)
        publicity.publish(window, by=users["village"], open_date=TODAY, today=TODAY)

    def test_a_wrong_inclusion_of_another_village_does_not_block(self, demo, users, drive_to, areas):
        other = wb.c.ready_household(areas[wb.f.GROUP_A2], number="W-A2")
        wb.c.vehicle(other)
        open_(other, users, CaseKind.WRONG_INCLUSION)
        new = drive_to(open_(demo["new"], users, CaseKind.NEW), Stage.VILLAGE_PUBLICITY)
        window = village_window([new], users)
        publicity.publish(window, by=users["village"], open_date=TODAY, today=TODAY)

    def test_an_exit_case_is_not_an_inclusion_and_is_not_held(self, demo, users, drive_to):
        open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION)
        exit_case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.VILLAGE_PUBLICITY)
        window = village_window([exit_case], users)
        publicity.publish(window, by=users["village"], open_date=TODAY, today=TODAY)

    def test_the_township_window_applies_the_same_rule(self, demo, users, drive_to):
        wrong = drive_to(open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION), Stage.TOWNSHIP_REVIEW)
        new = drive_to(open_(demo["new"], users, CaseKind.NEW), Stage.TOWNSHIP_PUBLICITY)
        window = publicity.create_window(
            campaign=new.campaign,
            level=PublicityWindow.Level.TOWNSHIP,
            area=new.household.area.parent.parent,
            by=users["township"],
        )
        publicity.add_cases(window, [new], by=users["township"])
        with pytest.raises(CaseError, match="先退后进"):
            publicity.publish(window, by=users["township"], open_date=TODAY, today=TODAY)
        cases.advance_case(wrong, by=users["township"], today=TODAY)
        publicity.add_cases(window, [wrong], by=users["township"])
        publicity.publish(window, by=users["township"], open_date=TODAY, today=TODAY)


class TestExitStandards:
    def test_no_exit_is_approved_while_the_household_fails_a_standard_now(self, demo, users, drive_to):
        case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.COUNTY_APPROVAL)
        household = demo["exit"]
        household.water_radius_km = Decimal("1.5")  # the well dried up after the survey: Y2 fails
        household.save()
        with pytest.raises(CaseError, match="Y2"):
            approval.approve_cases([case], by=users["county"], today=TODAY)
        case.refresh_from_db()
        household.refresh_from_db()
        assert case.stage == Stage.COUNTY_APPROVAL
        assert household.status == HouseholdStatus.POOR

    def test_the_exit_is_approved_once_the_standard_is_met_again(self, demo, users, drive_to):
        case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.COUNTY_APPROVAL)
        approval.approve_cases([case], by=users["county"], today=TODAY)
        case.refresh_from_db()
        assert case.stage == Stage.APPROVED


class TestConflicts:
    @pytest.mark.parametrize(
        "first,second",
        [
            (CaseKind.WRONG_INCLUSION, CaseKind.EXIT),
            (CaseKind.EXIT, CaseKind.WRONG_INCLUSION),
            (CaseKind.EXIT, CaseKind.EXIT),
        ],
    )
    def test_two_open_conflicting_cases_of_one_poor_household_are_refused(self, demo, users, first, second):
        open_(demo["wrong"], users, first)
        with pytest.raises(CaseError, match="未办结的案件 2018-"):
            open_(demo["wrong"], users, second)

    @pytest.mark.parametrize(
        "first,second",
        [(CaseKind.WRONG_EXIT, CaseKind.RETURN), (CaseKind.RETURN, CaseKind.WRONG_INCLUSION)],
    )
    def test_exited_household_conflicts(self, demo, users, first, second):
        extra = {"return_cause": "illness", "evidence": "诊断证明"}
        open_(demo["return"], users, first, **(extra if first == CaseKind.RETURN else {}))
        with pytest.raises(CaseError, match="不能同时办理"):
            open_(demo["return"], users, second, **(extra if second == CaseKind.RETURN else {}))

    def test_a_member_only_removal_and_the_exit_may_go_together(self, demo, users):
        spouse = demo["member"].members.get(relation="02")
        open_(demo["member"], users, CaseKind.EXIT)
        case = open_(demo["member"], users, CaseKind.WRONG_INCLUSION, removes_household=False, removed_members=[spouse])
        assert case.kind_label == "错评清退（成员）"

    def test_a_withdrawn_case_does_not_conflict(self, demo, users):
        first = open_(demo["exit"], users, CaseKind.EXIT)
        cases.withdraw_case(first, by=users["township"], note="收入核实有误")
        assert open_(demo["exit"], users, CaseKind.EXIT).number == "2018-退出-0002"

    def test_a_kind_that_does_not_fit_the_status_is_refused(self, demo, users):
        with pytest.raises(CaseError, match="不能立"):
            open_(demo["new"], users, CaseKind.EXIT)


class TestReinclusionAfterRemoval:
    """A household removed as 错评 in this campaign is re-included only after a new survey."""

    def removed(self, demo, users, drive_to):
        case = drive_to(open_(demo["wrong"], users, CaseKind.WRONG_INCLUSION), Stage.APPROVED)
        demo["wrong"].refresh_from_db()
        assert demo["wrong"].status == HouseholdStatus.REMOVED
        return case

    def test_without_a_new_survey_the_new_case_cannot_be_submitted(self, demo, users, drive_to):
        self.removed(demo, users, drive_to)
        case = drive_to(open_(demo["wrong"], users, CaseKind.NEW), Stage.SURVEY)
        result = cases.submit_cases([case], by=users["township"], today=TODAY)
        assert result.refused and "须重新入户调查" in result.refused[0][1]
        case.refresh_from_db()
        assert case.stage == Stage.SURVEY

    def test_a_survey_after_the_removal_lets_it_through(self, demo, users, drive_to):
        self.removed(demo, users, drive_to)
        case = drive_to(open_(demo["wrong"], users, CaseKind.NEW), Stage.SURVEY)
        Survey.objects.create(
            household=demo["wrong"], income_year=2018, surveyed_on=datetime.date(2018, 11, 25), surveyor="王复查"
        )
        result = cases.submit_cases([case], by=users["township"], today=TODAY)
        assert not result.refused

    def test_the_old_survey_does_not_count(self, demo, users, drive_to):
        self.removed(demo, users, drive_to)
        case = drive_to(open_(demo["wrong"], users, CaseKind.NEW), Stage.SURVEY)
        Survey.objects.filter(household=demo["wrong"]).update(created_at=timezone.now() + datetime.timedelta(days=1))
        result = cases.submit_cases([case], by=users["township"], today=TODAY)
        assert result.refused  # entered after, but the survey itself (10-10) predates the removal (11-20)


class TestStepRecords:
    def test_analysis_needs_the_household_chosen_in_a_meeting(self, demo, users):
        case = open_(demo["exit"], users, CaseKind.EXIT)
        with pytest.raises(CaseError, match="贫情分析会"):
            cases.advance_case(case, by=users["village"], today=TODAY)
        wb.choose_for_survey([demo["exit"]], by=users["village"], campaign=case.campaign)
        case.refresh_from_db()
        assert case.stage == Stage.SURVEY  # the meeting moved it on

    def test_a_household_chosen_before_its_case_was_opened_may_be_advanced(self, demo, users, campaign):
        wb.choose_for_survey([demo["exit"]], by=users["village"], campaign=campaign)
        case = open_(demo["exit"], users, CaseKind.EXIT)
        cases.advance_case(case, by=users["village"], today=TODAY)
        assert case.__class__.objects.get(pk=case.pk).stage == Stage.SURVEY

    def test_submission_needs_a_survey_of_this_campaign(self, demo, users, drive_to):
        case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.SURVEY)
        wb.survey(demo["exit"], on=datetime.date(2018, 9, 1))  # before the campaign started
        result = cases.submit_cases([case], by=users["township"], today=TODAY)
        assert "实地调查表" in result.refused[0][1]

    def test_a_disagreeing_public_review_holds_the_case(self, demo, users, drive_to):
        case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.PUBLIC_REVIEW)
        result = wb.hold_meeting(Meeting.Kind.PUBLIC_REVIEW, [case], by=users["village"], outcome="disagree")
        assert result.advanced == []
        with pytest.raises(CaseError, match="未同意"):
            cases.advance_case(case, by=users["village"], today=TODAY)
        case.refresh_from_db()
        assert case.stage == Stage.PUBLIC_REVIEW

    def test_a_returned_case_needs_a_new_meeting_outcome(self, demo, users, drive_to):
        case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.VILLAGE_DECISION)
        cases.return_case(case, to=Stage.PUBLIC_REVIEW, by=users["township"], note="评议人数不足")
        with pytest.raises(CaseError, match="尚未录入"):
            cases.advance_case(case, by=users["village"], today=TODAY)
        assert MeetingItem.objects.filter(case=case).count() == 1  # the earlier outcome is kept

    def test_department_review_cannot_be_left_by_hand(self, demo, users, drive_to):
        case = drive_to(open_(demo["exit"], users, CaseKind.EXIT), Stage.DEPARTMENT_REVIEW)
        with pytest.raises(CaseError, match="部门复核完成"):
            cases.advance_case(case, by=users["county"], today=TODAY)
