"""Who may do what to a case through the pages: each role's allowed and forbidden transitions, scope (404), read-only
roles (403), anonymous users, GET on POST-only views, stale pages, illegal moves shown as messages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import cases
from assessment.models import AdjustmentCase, CaseTransition
from assessment.workflow import CaseKind, Stage
from tests.assessment import workflow_builders as wb
from tests.assessment.workflow_fixtures import *  # noqa: F403


@pytest.fixture
def case(demo, users):
    return cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["village"])


def url(name, case):
    return reverse(f"assessment:{name}", args=[case.number])


def post(client, name, case, **data):
    return client.post(url(name, case), data)


def stage_of(case) -> str:
    return AdjustmentCase.objects.get(pk=case.pk).stage


class TestOpening:
    def test_village_officer_opens_a_case_from_the_household_page(self, client_for, users, demo):
        client = client_for(users["village"])
        page = client.get(reverse("assessment:case_open") + "?household=E-01&outcome=EXIT_READY")
        assert page.status_code == 200
        assert 'value="exit" selected' in page.text
        response = client.post(reverse("assessment:case_open"), {"household": "E-01", "kind": "exit", "reason": ""})
        case = AdjustmentCase.objects.get()
        assert response.status_code == 302 and response.url == url("case_detail", case)
        assert case.opened_by == users["village"] and case.stage == Stage.ANALYSIS
        assert CaseTransition.objects.get(case=case).note == "立案：脱贫退出"

    def test_county_may_open_a_wrong_inclusion_but_not_a_new_case(self, client_for, users, demo):
        client = client_for(users["county"])
        assert client.post(reverse("assessment:case_open"), {"household": "N-01", "kind": "new"}).status_code == 403
        response = client.post(reverse("assessment:case_open"), {"household": "W-01", "kind": "wrong_inclusion"})
        assert response.status_code == 302
        assert AdjustmentCase.objects.get().kind == CaseKind.WRONG_INCLUSION

    def test_a_household_of_another_township_is_404(self, client_for, users, demo):
        response = client_for(users["township_b"]).get(reverse("assessment:case_open") + "?household=E-01")
        assert response.status_code == 404

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_read_only_roles_get_403(self, client_for, users, demo, persona):
        response = client_for(users[persona]).post(
            reverse("assessment:case_open"), {"household": "E-01", "kind": "exit"}
        )
        assert response.status_code == 403
        assert not AdjustmentCase.objects.exists()

    def test_a_department_user_gets_403(self, client_for, users, demo):
        assert client_for(users["police"]).get(reverse("assessment:case_open") + "?household=E-01").status_code == 403

    def test_a_return_without_cause_re_renders_and_opens_nothing(self, client_for, users, demo):
        response = client_for(users["township"]).post(
            reverse("assessment:case_open"), {"household": "R-01", "kind": "return", "evidence": ""}
        )
        assert response.status_code == 200
        assert "返贫案件必须选择返贫原因" in response.text and "返贫案件必须写明支撑依据" in response.text
        assert not AdjustmentCase.objects.exists()

    def test_a_refused_opening_shows_the_reason(self, client_for, users, demo):
        client = client_for(users["township"])
        client.post(reverse("assessment:case_open"), {"household": "E-01", "kind": "exit"})
        response = client.post(reverse("assessment:case_open"), {"household": "E-01", "kind": "exit"})
        assert response.status_code == 200 and "未办结的案件 2018-退出-0001" in response.text
        assert AdjustmentCase.objects.count() == 1

    def test_anonymous_is_sent_to_login(self, client, demo):
        response = client.get(reverse("assessment:case_open") + "?household=E-01")
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


class TestCasePage:
    def test_other_township_gets_404(self, client_for, users, case):
        assert client_for(users["township_b"]).get(url("case_detail", case)).status_code == 404

    def test_department_user_gets_403(self, client_for, users, case):
        assert client_for(users["police"]).get(url("case_detail", case)).status_code == 403

    @pytest.mark.parametrize("persona", ["county", "township", "village", "leader", "assessor"])
    def test_readers_in_scope_see_the_case(self, client_for, users, case, persona):
        assert client_for(users[persona]).get(url("case_detail", case)).status_code == 200

    def test_anonymous_is_sent_to_login(self, client, case):
        response = client.get(url("case_detail", case))
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")

    def test_every_transition_is_shown_with_who_when_and_the_note(self, client_for, users, case, drive_to):
        drive_to(case, Stage.REPRESENTATIVES)
        cases.return_case(case, to=Stage.PUBLIC_REVIEW, by=users["township"], note="代表会前发现评议记录缺签字")
        page = client_for(users["county"]).get(url("case_detail", case)).text
        for transition in case.transitions.select_related("by"):
            assert transition.note in page
            assert transition.by.display_name in page
            assert timezone.localtime(transition.at).strftime("%Y-%m-%d %H:%M") in page
        assert "退回整改" in page and "代表会前发现评议记录缺签字" in page


class TestMoves:
    def test_village_advances_an_analysis_case_once_chosen(self, client_for, users, case):
        wb.choose_for_survey([case.household], by=users["county"], campaign=case.campaign)
        case.refresh_from_db()
        assert case.stage == Stage.SURVEY  # the meeting moved it

    def test_guard_failure_is_a_message_and_changes_nothing(self, client_for, users, case):
        response = post(client_for(users["village"]), "case_advance", case, stage=Stage.ANALYSIS)
        assert response.status_code == 302
        assert stage_of(case) == Stage.ANALYSIS
        page = client_for(users["village"]).get(response.url).text
        assert "贫情分析会上确定为入户调查对象" in page

    def test_a_second_click_makes_no_second_transition(self, client_for, users, case, drive_to):
        drive_to(case, Stage.TOWNSHIP_REVIEW)
        client = client_for(users["township"])
        post(client, "case_advance", case, stage=Stage.TOWNSHIP_REVIEW, note="审定")
        post(client, "case_advance", case, stage=Stage.TOWNSHIP_REVIEW, note="审定")
        assert stage_of(case) == Stage.TOWNSHIP_PUBLICITY
        assert case.transitions.filter(target_stage=Stage.TOWNSHIP_PUBLICITY).count() == 1

    @pytest.mark.parametrize("persona,expected", [("village", 403), ("county", 403), ("township", 302)])
    def test_only_the_township_approves_at_township_review(self, client_for, users, case, drive_to, persona, expected):
        drive_to(case, Stage.TOWNSHIP_REVIEW)
        response = post(client_for(users[persona]), "case_advance", case, stage=Stage.TOWNSHIP_REVIEW)
        assert response.status_code == expected
        assert stage_of(case) == (Stage.TOWNSHIP_PUBLICITY if expected == 302 else Stage.TOWNSHIP_REVIEW)

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_read_only_roles_cannot_move_a_case(self, client_for, users, case, persona):
        for name, data in (
            ("case_advance", {"stage": Stage.ANALYSIS}),
            ("case_withdraw", {"stage": Stage.ANALYSIS, "note": "x"}),
            ("case_return", {"stage": Stage.ANALYSIS, "to": Stage.SURVEY, "note": "x"}),
        ):
            assert post(client_for(users[persona]), name, case, **data).status_code == 403
        assert stage_of(case) == Stage.ANALYSIS

    def test_other_township_gets_404_on_every_move(self, client_for, users, case):
        client = client_for(users["township_b"])
        for name in ("case_advance", "case_withdraw", "case_return", "complaint_add"):
            assert post(client, name, case, stage=Stage.ANALYSIS, note="x").status_code == 404

    @pytest.mark.parametrize("name", ["case_advance", "case_withdraw", "case_return", "complaint_add"])
    def test_get_on_post_only_views_is_405(self, client_for, users, case, name):
        assert client_for(users["township"]).get(url(name, case)).status_code == 405

    def test_village_cannot_withdraw_after_submission_but_township_can(self, client_for, users, case, drive_to):
        drive_to(case, Stage.PUBLIC_REVIEW)
        data = {"stage": Stage.PUBLIC_REVIEW, "note": "户主外出务工收入核实不清"}
        assert post(client_for(users["village"]), "case_withdraw", case, **data).status_code == 403
        assert post(client_for(users["township"]), "case_withdraw", case, **data).status_code == 302
        assert stage_of(case) == Stage.WITHDRAWN
        last = case.transitions.order_by("-at", "-pk").first()
        assert (last.action, last.note, last.by) == ("withdraw", "户主外出务工收入核实不清", users["township"])

    def test_withdrawal_needs_a_reason(self, client_for, users, case):
        response = post(client_for(users["township"]), "case_withdraw", case, stage=Stage.ANALYSIS, note="")
        assert response.status_code == 302 and stage_of(case) == Stage.ANALYSIS

    def test_return_goes_only_to_an_earlier_stage(self, client_for, users, case, drive_to):
        drive_to(case, Stage.PUBLIC_REVIEW)
        client = client_for(users["township"])
        post(client, "case_return", case, stage=Stage.PUBLIC_REVIEW, to=Stage.TOWNSHIP_REVIEW, note="x")
        assert stage_of(case) == Stage.PUBLIC_REVIEW
        post(client, "case_return", case, stage=Stage.PUBLIC_REVIEW, to=Stage.SURVEY, note="收入需重新调查")
        assert stage_of(case) == Stage.SURVEY

    def test_only_the_county_returns_a_case_at_county_approval(self, client_for, users, case, drive_to):
        drive_to(case, Stage.COUNTY_APPROVAL)
        data = {"stage": Stage.COUNTY_APPROVAL, "to": Stage.TOWNSHIP_REVIEW, "note": "公示材料不全"}
        assert post(client_for(users["township"]), "case_return", case, **data).status_code == 403
        assert post(client_for(users["county"]), "case_return", case, **data).status_code == 302
        assert stage_of(case) == Stage.TOWNSHIP_REVIEW

    def test_an_approved_case_cannot_be_moved_by_anyone(self, client_for, users, case, drive_to):
        drive_to(case, Stage.APPROVED)
        for persona in ("county", "township", "village"):
            client = client_for(users[persona])
            post(client, "case_withdraw", case, stage=Stage.APPROVED, note="撤销")
            post(client, "case_return", case, stage=Stage.APPROVED, to=Stage.SURVEY, note="退回")
        assert stage_of(case) == Stage.APPROVED

    def test_submission_is_for_township_and_county(self, client_for, users, case, drive_to):
        drive_to(case, Stage.SURVEY)
        wb.survey(case.household)
        submit = reverse("assessment:case_submit")
        assert client_for(users["village"]).post(submit, {"case": case.pk}).status_code == 403
        assert client_for(users["leader"]).post(submit, {"case": case.pk}).status_code == 403
        response = client_for(users["township"]).post(submit, {"case": case.pk})
        assert response.status_code == 302
        assert stage_of(case) != Stage.SURVEY

    def test_submission_of_another_townships_case_does_nothing(self, client_for, users, case, drive_to):
        drive_to(case, Stage.SURVEY)
        wb.survey(case.household)
        client_for(users["township_b"]).post(reverse("assessment:case_submit"), {"case": case.pk})
        assert stage_of(case) == Stage.SURVEY
