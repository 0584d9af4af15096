"""County approval: every case of the batch applied to the registry in one transaction, or none; history rows naming
the case; the version bump; read-only approved cases; the announcement."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assessment import approval, cases
from assessment.models import AdjustmentCase, Announcement, CaseError
from assessment.workflow import CaseKind, ReturnCause, Stage
from households.choices import HouseholdStatus
from households.models import Household
from tests import factories as f
from tests.assessment import county as c
from tests.assessment.workflow_fixtures import *  # noqa: F403

DAY = datetime.date(2018, 11, 20)


@pytest.fixture
def pending(demo, users, drive_to):
    """A 错评, an exit and a return case of village A1, all at county approval."""
    wrong = cases.open_case(demo["wrong"], kind=CaseKind.WRONG_INCLUSION, by=users["township"])
    exit_case = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"])
    back = cases.open_case(
        demo["return"],
        kind=CaseKind.RETURN,
        by=users["township"],
        return_cause=ReturnCause.DISASTER,
        evidence="泥石流冲毁住房",
    )
    return [drive_to(case, Stage.COUNTY_APPROVAL) for case in (wrong, exit_case, back)]


def snapshot(households):
    return {
        h.pk: Household.objects.filter(pk=h.pk).values("status", "exit_year", "returned_year", "version")[0]
        for h in households
    }


def test_approval_applies_each_case_with_a_history_row_naming_it(pending, users, demo):
    before = {h.number: h.version for h in Household.objects.filter(number__in=["W-01", "E-01", "R-01"])}
    announcement = approval.approve_cases(pending, by=users["county"], today=DAY, title="")
    assert (announcement.number, announcement.published_on) == ("2018-公告-01", DAY)
    assert set(announcement.cases.values_list("number", flat=True)) == {c.number for c in pending}
    for case in pending:
        case.refresh_from_db()
        assert case.stage == Stage.APPROVED and case.approved_at is not None
        household = Household.objects.get(pk=case.household_id)
        assert household.version == before[household.number] + 1
        record = household.history.order_by("-history_date", "-history_id").first()
        assert record.history_change_reason.startswith(f"县审定：案件 {case.number}")
        assert record.history_user == users["county"]
    statuses = dict(Household.objects.filter(number__in=["W-01", "E-01", "R-01"]).values_list("number", "status"))
    assert statuses == {"W-01": "removed", "E-01": "exited", "R-01": "poor"}


def test_approval_is_all_or_nothing(pending, users, demo):
    households = [case.household for case in pending]
    before = snapshot(households)
    exit_household = demo["exit"]
    exit_household.safe_water = False  # Y2 now fails: the exit case cannot be approved
    exit_household.save()
    before[exit_household.pk] = snapshot([exit_household])[exit_household.pk]
    with pytest.raises(CaseError, match="未达到脱贫标准"):
        approval.approve_cases(pending, by=users["county"], today=DAY)
    assert snapshot(households) == before
    assert all(AdjustmentCase.objects.get(pk=c.pk).stage == Stage.COUNTY_APPROVAL for c in pending)
    assert not Announcement.objects.exists()


def test_a_registry_write_failure_rolls_everything_back(pending, users, demo, monkeypatch):
    households = [case.household for case in pending]
    before = snapshot(households)
    real = approval.apply_to_registry
    calls = []

    def failing(case, **kwargs):
        calls.append(case.number)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(case, **kwargs)

    monkeypatch.setattr(approval, "apply_to_registry", failing)
    with pytest.raises(RuntimeError):
        approval.approve_cases(pending, by=users["county"], today=DAY)
    assert snapshot(households) == before
    assert all(AdjustmentCase.objects.get(pk=c.pk).stage == Stage.COUNTY_APPROVAL for c in pending)


def test_member_removals_are_reductions_with_the_case_as_reason(demo, users, drive_to):
    spouse = demo["member"].members.get(relation="02")
    case = cases.open_case(
        demo["member"],
        kind=CaseKind.WRONG_INCLUSION,
        by=users["township"],
        removes_household=False,
        removed_members=[spouse],
    )
    drive_to(case, Stage.APPROVED)
    spouse.refresh_from_db()
    record = spouse.history.order_by("-history_date", "-history_id").first()
    assert record.history_change_reason.startswith(f"县审定：案件 {case.number}")
    assert not spouse.is_active and spouse.removed_reason == f"清退 {case.number}"


def test_only_the_county_approves(pending, users, client_for):
    with pytest.raises(PermissionDenied):
        approval.approve_cases(pending, by=users["township"], today=DAY)
    response = client_for(users["township"]).post(reverse("assessment:approval"), {"case": [c.pk for c in pending]})
    assert response.status_code == 403
    assert client_for(users["leader"]).get(reverse("assessment:approval")).status_code == 403


def test_a_case_not_at_county_approval_is_refused(demo, users):
    case = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"])
    with pytest.raises(CaseError, match="不在县级审定环节"):
        approval.approve_cases([case], by=users["county"], today=DAY)


def test_the_approval_page_approves_and_shows_the_announcement(pending, users, client_for):
    client = client_for(users["county"])
    page = client.get(reverse("assessment:approval")).text
    assert all(case.number in page for case in pending)
    response = client.post(reverse("assessment:approval"), {"case": [c.pk for c in pending], "title": ""})
    announcement = Announcement.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "assessment:announcement_detail", args=[announcement.pk]
    )
    page = client.get(response.url).text
    assert "2018年度扶贫对象动态管理审定结果公告" in page and all(c.number in page for c in pending)


def test_a_failed_approval_through_the_page_says_nothing_changed(pending, users, client_for, demo):
    demo["exit"].water_radius_km = Decimal("3")
    demo["exit"].save()
    client = client_for(users["county"])
    response = client.post(reverse("assessment:approval"), {"case": [c.pk for c in pending]}, follow=True)
    assert "所有案件和农户档案均未改动" in response.text
    assert not Announcement.objects.exists()


def test_the_announcement_shows_a_township_only_its_own_cases(pending, users, client_for, areas, drive_to):
    other = cases.open_case(
        c.ready_household(areas[f.GROUP_B1], number="B-E"), kind=CaseKind.EXIT, by=users["township_b"]
    )
    drive_to_b = other
    from tests.assessment import workflow_builders as wb

    wb.drive(
        drive_to_b,
        Stage.COUNTY_APPROVAL,
        village=users["township_b"],
        township=users["township_b"],
        county=users["county"],
    )
    announcement = approval.approve_cases([*pending, other], by=users["county"], today=DAY)
    page = client_for(users["township"]).get(reverse("assessment:announcement_detail", args=[announcement.pk])).text
    assert pending[0].number in page and other.number not in page


class TestReadOnly:
    def test_an_approved_case_cannot_be_saved(self, pending, users):
        approval.approve_cases(pending, by=users["county"], today=DAY)
        case = AdjustmentCase.objects.get(pk=pending[2].pk)
        case.reason = "改写原因"
        with pytest.raises(CaseError, match="已审定"):
            case.save()
        assert AdjustmentCase.objects.get(pk=case.pk).reason != "改写原因"

    def test_an_approved_return_cannot_be_moved_by_anyone(self, pending, users):
        approval.approve_cases(pending, by=users["county"], today=DAY)
        case = AdjustmentCase.objects.get(pk=pending[2].pk)
        assert case.kind == CaseKind.RETURN
        for persona in ("county", "township", "village"):
            with pytest.raises(CaseError):
                case.withdraw(by=users[persona], note="撤销")
            with pytest.raises(CaseError):
                case.return_for_rework(to=Stage.SURVEY, by=users[persona], note="退回")
        assert AdjustmentCase.objects.get(pk=case.pk).stage == Stage.APPROVED

    def test_the_admin_cannot_change_or_delete_an_approved_case(self, pending, users, rf):
        approval.approve_cases(pending, by=users["county"], today=DAY)
        admin = site._registry[AdjustmentCase]
        request = rf.get("/")
        request.user = users["county"]
        case = AdjustmentCase.objects.get(pk=pending[2].pk)
        assert not admin.has_change_permission(request, case)
        assert not admin.has_delete_permission(request, case)


def test_the_household_status_label_after_a_return(pending, users):
    approval.approve_cases(pending, by=users["county"], today=DAY)
    household = Household.objects.get(number="R-01")
    assert household.status == HouseholdStatus.POOR and household.status_label == "返贫"
