"""Publicity windows: the dates, closing no earlier than the last day, complaints holding a case, republishing after
a change of the list, the printable notice and its Excel, who runs and who closes a window."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment import cases, publicity
from assessment.models import AdjustmentCase, CaseError, Complaint, PublicityWindow
from assessment.workflow import CaseKind, Stage
from tests.assessment import workflow_builders as wb
from tests.assessment.workflow_fixtures import *  # noqa: F403

OPEN = datetime.date(2018, 10, 20)
Level = PublicityWindow.Level


@pytest.fixture
def ready(demo, users, drive_to):
    """Two cases of village A1 waiting for the village window."""
    exit_case = drive_to(
        cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"]), Stage.VILLAGE_PUBLICITY
    )
    wrong = drive_to(
        cases.open_case(demo["wrong"], kind=CaseKind.WRONG_INCLUSION, by=users["village"]), Stage.VILLAGE_PUBLICITY
    )
    return exit_case, wrong


def make_window(case_list, users, *, open_on=OPEN, publish=True):
    window = publicity.create_window(
        campaign=case_list[0].campaign,
        level=Level.VILLAGE,
        area=case_list[0].household.area.parent,
        by=users["village"],
    )
    publicity.add_cases(window, case_list, by=users["village"])
    if publish:
        publicity.publish(window, by=users["village"], open_date=open_on, today=open_on)
    return PublicityWindow.objects.get(pk=window.pk)


def stage_of(case):
    return AdjustmentCase.objects.get(pk=case.pk).stage


class TestDates:
    def test_five_days_opened_on_the_20th_end_on_the_24th(self, ready, users):
        window = make_window(list(ready), users)
        assert (window.open_date, window.days, window.last_day) == (OPEN, 5, datetime.date(2018, 10, 24))
        assert window.publications.get().case_numbers == sorted(c.number for c in ready)

    def test_a_window_cannot_close_before_its_last_day(self, ready, users):
        window = make_window(list(ready), users)
        with pytest.raises(CaseError, match="最后一天之前不能结束"):
            publicity.close(window, by=users["township"], today=datetime.date(2018, 10, 23))
        window.refresh_from_db()
        assert window.status == PublicityWindow.Status.OPEN
        assert all(stage_of(c) == Stage.VILLAGE_PUBLICITY for c in ready)

    def test_it_closes_on_its_last_day_and_moves_the_cases_on(self, ready, users):
        window = make_window(list(ready), users)
        result = publicity.close(window, by=users["township"], today=datetime.date(2018, 10, 24))
        assert {c.pk for c in result.advanced} == {c.pk for c in ready}
        assert all(stage_of(c) == Stage.REPRESENTATIVES for c in ready)
        note = ready[0].transitions.order_by("-at", "-pk").first().note
        assert note == "村级公示期满（2018-10-20 至 2018-10-24），无未处理举报"

    def test_the_open_date_cannot_be_in_the_past(self, ready, users):
        window = make_window(list(ready), users, publish=False)
        with pytest.raises(CaseError, match="不能早于今天"):
            publicity.publish(window, by=users["village"], open_date=OPEN, today=OPEN + datetime.timedelta(days=1))

    def test_an_empty_list_cannot_be_published(self, ready, users, campaign):
        window = publicity.create_window(
            campaign=campaign, level=Level.VILLAGE, area=ready[0].household.area.parent, by=users["village"]
        )
        with pytest.raises(CaseError, match="名单为空"):
            publicity.publish(window, by=users["village"], open_date=OPEN, today=OPEN)

    def test_a_case_cannot_be_on_two_unfinished_lists(self, ready, users):
        make_window([ready[0]], users)
        other = publicity.create_window(
            campaign=ready[0].campaign, level=Level.VILLAGE, area=ready[0].household.area.parent, by=users["village"]
        )
        with pytest.raises(CaseError, match="已列入"):
            publicity.add_cases(other, [ready[0]], by=users["village"])

    def test_a_case_of_another_stage_cannot_be_listed(self, demo, users, ready, drive_to):
        early = drive_to(cases.open_case(demo["new"], kind=CaseKind.NEW, by=users["village"]), Stage.PUBLIC_REVIEW)
        window = make_window([ready[0]], users, publish=False)
        with pytest.raises(CaseError, match="不能列入"):
            publicity.add_cases(window, [early], by=users["village"])


class TestComplaints:
    def test_a_complaint_holds_its_case_when_the_window_closes(self, ready, users):
        exit_case, wrong = ready
        window = make_window(list(ready), users)
        publicity.record_complaint(
            exit_case, by=users["village"], received_on=OPEN, content="该户在城里开店，收入不止", today=OPEN
        )
        with pytest.raises(CaseError, match="未处理的举报"):
            exit_case.advance(by=users["township"], via="window", today=OPEN)
        result = publicity.close(window, by=users["township"], today=window.last_day)
        assert [c.pk for c in result.held] == [exit_case.pk]
        assert stage_of(exit_case) == Stage.VILLAGE_PUBLICITY
        assert stage_of(wrong) == Stage.REPRESENTATIVES

    def test_a_dismissed_complaint_lets_the_held_case_go_on(self, ready, users):
        exit_case, _wrong = ready
        window = make_window(list(ready), users)
        complaint = publicity.record_complaint(
            exit_case, by=users["village"], received_on=OPEN, content="举报", today=OPEN
        )
        publicity.close(window, by=users["township"], today=window.last_day)
        with pytest.raises(CaseError, match="核实情况"):
            publicity.resolve_complaint(complaint, by=users["township"], upheld=False, note=" ", today=window.last_day)
        publicity.resolve_complaint(
            complaint, by=users["township"], upheld=False, note="经入户核实，店铺系其亲戚所有", today=window.last_day
        )
        assert stage_of(exit_case) == Stage.REPRESENTATIVES
        assert "举报不属实" in exit_case.transitions.order_by("-at", "-pk").first().note

    def test_a_dismissal_during_the_window_waits_for_the_window(self, ready, users):
        exit_case, _wrong = ready
        make_window(list(ready), users)
        complaint = publicity.record_complaint(
            exit_case, by=users["village"], received_on=OPEN, content="举报", today=OPEN
        )
        publicity.resolve_complaint(complaint, by=users["township"], upheld=False, note="不属实", today=OPEN)
        assert stage_of(exit_case) == Stage.VILLAGE_PUBLICITY

    def test_an_upheld_complaint_returns_the_case_and_the_list_must_be_published_again(self, ready, users):
        exit_case, wrong = ready
        window = make_window(list(ready), users)
        complaint = publicity.record_complaint(
            exit_case, by=users["village"], received_on=OPEN, content="举报", today=OPEN
        )
        publicity.resolve_complaint(
            complaint,
            by=users["township"],
            upheld=True,
            note="核实该户有门面房出租收入",
            return_to=Stage.SURVEY,
            today=OPEN,
        )
        assert stage_of(exit_case) == Stage.SURVEY
        window.refresh_from_db()
        assert window.needs_republish
        with pytest.raises(CaseError, match="重新发布"):
            publicity.close(window, by=users["township"], today=window.last_day)
        publicity.publish(
            window, by=users["village"], open_date=datetime.date(2018, 10, 22), today=datetime.date(2018, 10, 22)
        )
        window.refresh_from_db()
        assert (window.publication_count, window.last_day) == (2, datetime.date(2018, 10, 26))
        assert window.publications.get(number=2).case_numbers == [wrong.number]
        with pytest.raises(CaseError):
            publicity.close(window, by=users["township"], today=datetime.date(2018, 10, 24))
        publicity.close(window, by=users["township"], today=datetime.date(2018, 10, 26))
        assert stage_of(wrong) == Stage.REPRESENTATIVES

    def test_an_upheld_complaint_may_withdraw_the_case(self, ready, users):
        exit_case, _wrong = ready
        make_window(list(ready), users)
        complaint = publicity.record_complaint(
            exit_case, by=users["village"], received_on=OPEN, content="举报", today=OPEN
        )
        publicity.resolve_complaint(
            complaint, by=users["county"], upheld=True, withdraw=True, note="属实，不符合退出条件", today=OPEN
        )
        complaint.refresh_from_db()
        assert (complaint.status, complaint.resolution) == ("upheld", "withdrawn")
        assert stage_of(exit_case) == Stage.WITHDRAWN

    def test_complaints_are_recorded_only_during_the_window(self, ready, users):
        exit_case, _wrong = ready
        with pytest.raises(CaseError, match="不在公示期内"):
            publicity.record_complaint(exit_case, by=users["village"], received_on=OPEN, content="举报", today=OPEN)
        window = make_window(list(ready), users)
        with pytest.raises(CaseError, match="早于公示开始日期"):
            publicity.record_complaint(
                exit_case,
                by=users["village"],
                received_on=OPEN - datetime.timedelta(days=1),
                content="举报",
                today=OPEN,
            )
        publicity.close(window, by=users["township"], today=window.last_day)
        with pytest.raises(CaseError, match="不在公示期内"):
            publicity.record_complaint(exit_case, by=users["village"], received_on=OPEN, content="举报", today=OPEN)

    def test_village_officers_record_but_do_not_resolve(self, ready, users):
        make_window(list(ready), users)
        complaint = publicity.record_complaint(
            ready[0], by=users["village"], received_on=OPEN, content="举报", today=OPEN
        )
        with pytest.raises(PermissionDenied):
            publicity.resolve_complaint(complaint, by=users["village"], upheld=False, note="x", today=OPEN)
        assert Complaint.objects.get().is_open


class TestListChanges:
    def test_adding_a_case_after_opening_requires_publishing_again(self, ready, users):
        exit_case, wrong = ready
        window = make_window([exit_case], users)
        publicity.add_cases(window, [wrong], by=users["village"])
        window.refresh_from_db()
        assert window.needs_republish
        with pytest.raises(CaseError, match="重新发布"):
            publicity.close(window, by=users["township"], today=window.last_day)

    def test_removing_a_case_needs_a_reason_and_requires_publishing_again(self, ready, users):
        window = make_window(list(ready), users)
        with pytest.raises(CaseError, match="原因"):
            publicity.remove_case(window, ready[0], by=users["village"], note="")
        publicity.remove_case(window, ready[0], by=users["village"], note="户主申请暂缓退出")
        window.refresh_from_db()
        assert window.needs_republish
        entry = window.entries.get(case=ready[0])
        assert (entry.removal_note, entry.removed_by) == ("户主申请暂缓退出", users["village"])

    def test_a_draft_list_changes_freely(self, ready, users):
        window = make_window(list(ready), users, publish=False)
        publicity.remove_case(window, ready[0], by=users["village"], note="先不公示")
        window.refresh_from_db()
        assert not window.needs_republish


class TestPages:
    def published_today(self, ready, users, days_ago: int):
        start = timezone.localdate() - datetime.timedelta(days=days_ago)
        return make_window(list(ready), users, open_on=start)

    def test_the_close_button_refuses_before_the_last_day(self, client_for, ready, users):
        window = self.published_today(ready, users, days_ago=3)
        response = client_for(users["township"]).post(reverse("assessment:window_close", args=[window.pk]))
        assert response.status_code == 302
        assert PublicityWindow.objects.get(pk=window.pk).status == PublicityWindow.Status.OPEN
        page = client_for(users["township"]).get(response.url).text
        assert "最后一天之前不能结束公示" in page

    def test_the_township_closes_on_the_last_day(self, client_for, ready, users):
        window = self.published_today(ready, users, days_ago=4)
        response = client_for(users["township"]).post(reverse("assessment:window_close", args=[window.pk]))
        assert response.status_code == 302
        assert PublicityWindow.objects.get(pk=window.pk).status == PublicityWindow.Status.CLOSED

    @pytest.mark.parametrize("persona,expected", [("village", 403), ("leader", 403), ("township_b", 404)])
    def test_others_cannot_close_a_village_window(self, client_for, ready, users, persona, expected):
        window = self.published_today(ready, users, days_ago=4)
        assert (
            client_for(users[persona]).post(reverse("assessment:window_close", args=[window.pk])).status_code
            == expected
        )
        assert PublicityWindow.objects.get(pk=window.pk).status == PublicityWindow.Status.OPEN

    def test_the_notice_lists_what_a_notice_must_show(self, client_for, ready, users):
        window = make_window(list(ready), users)
        page = client_for(users["village"]).get(reverse("assessment:window_notice", args=[window.pk])).text
        exit_case = ready[0]
        head = exit_case.household.members.get(relation="01")
        assert head.name in page and "箐口一组" in page
        assert "2018年10月20日 至 2018年10月24日" in page and "0871-12317" in page
        assert "脱贫退出" in page and "错评清退" in page and "机动车" in page
        assert head.id_number not in page and head.masked_id_number in page
        assert re.search(r'<td class="text-center">3</td>', page)  # 家庭人口数

    def test_the_notice_in_excel(self, client_for, ready, users):
        window = make_window(list(ready), users)
        response = client_for(users["village"]).get(reverse("assessment:window_export", args=[window.pk]))
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[0][:7] == ("序号", "户主姓名", "村民小组", "家庭人口数", "案件类型", "原因", "证件号码")
        assert len(rows) == 3
        assert rows[1][-3:] == ("2018-10-20", "2018-10-24", "0871-12317")
        assert all("*" in row[6] for row in rows[1:])

    def test_other_township_gets_404_on_the_notice(self, client_for, ready, users):
        window = make_window(list(ready), users)
        assert (
            client_for(users["township_b"]).get(reverse("assessment:window_notice", args=[window.pk])).status_code
            == 404
        )

    def test_the_window_list_costs_constant_queries(
        self, client_for, demo, users, campaign, django_assert_max_num_queries
    ):
        client = client_for(users["township"])
        area = demo["exit"].area.parent
        publicity.create_window(campaign=campaign, level=Level.VILLAGE, area=area, by=users["village"])
        with django_assert_max_num_queries(12) as few:
            assert client.get(reverse("assessment:windows")).status_code == 200
        for _ in range(6):
            publicity.create_window(campaign=campaign, level=Level.VILLAGE, area=area, by=users["village"])
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(reverse("assessment:windows")).status_code == 200

    def test_publishing_through_the_page(self, client_for, ready, users):
        window = make_window(list(ready), users, publish=False)
        today = timezone.localdate()
        response = client_for(users["village"]).post(
            reverse("assessment:window_publish", args=[window.pk]), {"open_date": today.isoformat()}
        )
        assert response.status_code == 302
        window.refresh_from_db()
        assert (window.status, window.open_date) == ("open", today)


def test_builders_window_helper_runs_a_whole_window(ready, users):
    wb.run_window(Level.VILLAGE, list(ready), runner=users["village"], closer=users["township"])
    assert all(stage_of(c) == Stage.REPRESENTATIVES for c in ready)
