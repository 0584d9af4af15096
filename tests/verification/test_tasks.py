"""Tasks created when a village's cases are submitted (one per department and household), the tick-off, and the
case moving on when its last required task closes (verification owns the 部门复核 stage, SPEC §0)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assessment import cases
from assessment.models import AdjustmentCase
from assessment.workflow import CaseKind, Stage
from households.choices import FactKind, FactSource
from households.models import Fact
from tests.assessment import workflow_builders as wb
from verification import services
from verification.models import CheckRule, Department, VerificationTask

Result = VerificationTask.Result
Status = VerificationTask.Status


def stage_of(case):
    return AdjustmentCase.objects.get(pk=case.pk).stage


def submitted(demo, users, drive_to, key, kind):
    case = cases.open_case(demo[key], kind=kind, by=users["township"])
    return drive_to(case, Stage.DEPARTMENT_REVIEW)


def test_departments_are_data_keyed_by_the_users_department_codes(db):
    codes = set(Department.objects.values_list("code", flat=True))
    assert {
        "公安",
        "民政",
        "人社",
        "自然资源",
        "住建",
        "市场监管",
        "卫健",
        "教育",
        "残联",
        "医保",
        "水务",
        "组织部",
        "财政",
    } == codes
    assert CheckRule.objects.get(department__code="水务", item="Y2").kinds == ["exit"]
    e1 = CheckRule.objects.filter(item="E1", always=True).values_list("department__code", flat=True)
    assert set(e1) == {"人社", "财政"}


def test_an_exit_case_gets_one_task_per_responsible_department(demo, users, drive_to):
    case = submitted(demo, users, drive_to, "exit", CaseKind.EXIT)
    tasks = {t.department.code: t for t in VerificationTask.objects.filter(case=case).select_related("department")}
    assert set(tasks) == {"水务", "住建", "教育", "卫健", "医保", "人社"}
    assert [i["code"] for i in tasks["水务"].items] == ["Y2"]
    assert [i["code"] for i in tasks["人社"].items] == ["Y6"]
    assert all(t.household_id == case.household_id and t.required and t.status == Status.OPEN for t in tasks.values())
    assert (tasks["水务"].due_on - timezone.localtime(tasks["水务"].submitted_at).date()).days == 7


def test_a_wrong_inclusion_for_a_car_goes_to_the_police_only_with_the_owner_only(demo, users, drive_to):
    case = submitted(demo, users, drive_to, "wrong", CaseKind.WRONG_INCLUSION)
    task = VerificationTask.objects.get(case=case)
    assert task.department.code == "公安"
    assert task.items[0]["code"] == "E3" and "30,000.00" in task.items[0]["text"]
    head = case.household.members.get(relation="01")
    assert task.member_ids == [head.pk]


def test_a_new_case_is_checked_for_every_exclusion_fact(demo, users, drive_to):
    case = submitted(demo, users, drive_to, "new", CaseKind.NEW)
    tasks = VerificationTask.objects.filter(case=case).select_related("department")
    items = {t.department.code: [i["code"] for i in t.items] for t in tasks}
    assert items == {
        "公安": ["E3", "ID"],
        "人社": ["E1"],
        "财政": ["E1"],
        "自然资源": ["E4"],
        "市场监管": ["E6"],
        "组织部": ["E2"],
    }
    assert all(len(t.member_ids) == 3 for t in tasks)


def test_the_case_leaves_department_review_when_its_last_task_closes(demo, users, drive_to, department):
    case = submitted(demo, users, drive_to, "exit", CaseKind.EXIT)
    tasks = list(VerificationTask.objects.filter(case=case).select_related("department").order_by("pk"))
    for task in tasks[:-1]:
        services.tick_off(task, by=department(task.department.code), result=Result.CONFIRMED)
        assert stage_of(case) == Stage.DEPARTMENT_REVIEW
    last = tasks[-1]
    services.tick_off(last, by=department(last.department.code), result=Result.CONFIRMED, note="已核实")
    assert stage_of(case) == Stage.PUBLIC_REVIEW
    transition = case.transitions.get(source_stage=Stage.DEPARTMENT_REVIEW)
    assert transition.via == "system" and transition.by == department(last.department.code)
    assert transition.note.startswith("部门复核完成：")


def test_an_untrue_finding_keeps_the_case_at_department_review(demo, users, drive_to, department):
    case = submitted(demo, users, drive_to, "wrong", CaseKind.WRONG_INCLUSION)
    task = VerificationTask.objects.get(case=case)
    with pytest.raises(services.TaskError, match="必须填写说明"):
        services.tick_off(task, by=department("公安"), result=Result.NOT_TRUE)
    services.tick_off(task, by=department("公安"), result=Result.NOT_TRUE, note="该车 2012 年已过户他人")
    assert stage_of(case) == Stage.DEPARTMENT_REVIEW
    cases.return_case(case, to=Stage.SURVEY, by=users["township"], note="车辆已过户，重新调查")
    wb.survey(case.household)
    cases.submit_cases([case], by=users["township"], today=wb.TODAY)
    tasks = VerificationTask.objects.filter(case=case).order_by("pk")
    assert [t.status for t in tasks] == [Status.CLOSED, Status.OPEN]  # the first check stays on record


def test_needs_more_goes_back_to_the_township_and_keeps_its_place(demo, users, drive_to, department):
    case = submitted(demo, users, drive_to, "wrong", CaseKind.WRONG_INCLUSION)
    task = VerificationTask.objects.get(case=case)
    submitted_at = task.submitted_at
    services.tick_off(task, by=department("公安"), result=Result.NEEDS_MORE, note="请提供车辆号牌")
    task.refresh_from_db()
    assert task.status == Status.NEEDS_INFO and stage_of(case) == Stage.DEPARTMENT_REVIEW
    with pytest.raises(PermissionDenied):
        services.add_supplement(task, by=department("公安"), text="x")
    services.add_supplement(task, by=users["township"], text="号牌 云A·12345")
    task.refresh_from_db()
    assert (task.status, task.submitted_at, task.result) == (Status.OPEN, submitted_at, "")
    assert "云A·12345" in task.supplement
    services.tick_off(task, by=department("公安"), result=Result.CONFIRMED)
    assert stage_of(case) == Stage.PUBLIC_REVIEW


def test_returning_or_withdrawing_cancels_the_open_tasks(demo, users, drive_to):
    case = submitted(demo, users, drive_to, "exit", CaseKind.EXIT)
    cases.withdraw_case(case, by=users["township"], note="户主申请暂缓退出")
    assert set(VerificationTask.objects.filter(case=case).values_list("status", flat=True)) == {Status.CANCELLED}


def test_another_department_cannot_tick_a_task(demo, users, drive_to, department):
    case = submitted(demo, users, drive_to, "wrong", CaseKind.WRONG_INCLUSION)
    task = VerificationTask.objects.get(case=case)
    for user in (department("水务"), users["county"], users["township"]):
        with pytest.raises(PermissionDenied):
            services.tick_off(task, by=user, result=Result.CONFIRMED)
    assert VerificationTask.objects.get(pk=task.pk).status == Status.OPEN


def test_a_case_nobody_needs_to_check_moves_on_at_once(demo, users, drive_to):
    CheckRule.objects.update(is_active=False)
    case = drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"]), Stage.SURVEY)
    wb.survey(case.household)
    cases.submit_cases([case], by=users["township"], today=wb.TODAY)
    assert stage_of(case) == Stage.PUBLIC_REVIEW
    assert case.transitions.get(source_stage=Stage.DEPARTMENT_REVIEW).note == "无需部门复核的核查事项"


def test_a_confirmed_wrong_inclusion_becomes_a_fact_from_the_department(demo, users, drive_to, department):
    case = submitted(demo, users, drive_to, "wrong", CaseKind.WRONG_INCLUSION)
    task = VerificationTask.objects.get(case=case)
    services.tick_off(task, by=department("公安"), result=Result.CONFIRMED, note="车辆登记属实")
    fact = Fact.objects.get(source=FactSource.VERIFICATION)
    assert (fact.kind, fact.amount, fact.source_name) == (FactKind.VEHICLE, Decimal("30000.00"), "公安局")
    assert fact.member == case.household.members.get(relation="01")
    assert case.number in fact.note and fact.history.first().history_user == department("公安")


def test_a_car_found_for_a_household_being_brought_in_becomes_a_fact(demo, users, drive_to, department):
    case = submitted(demo, users, drive_to, "new", CaseKind.NEW)
    task = VerificationTask.objects.get(case=case, department__code="公安")
    head = case.household.members.get(relation="01")
    with pytest.raises(services.TaskError, match="购车价格"):
        services.tick_off(task, by=department("公安"), result=Result.NOT_TRUE, note="查有车辆")
    details = services.FactDetails(member=head, event_date=datetime.date(2017, 3, 1), amount=Decimal("52000"))
    services.tick_off(task, by=department("公安"), result=Result.NOT_TRUE, note="查有车辆", details=details)
    fact = Fact.objects.get(source=FactSource.VERIFICATION)
    assert (fact.kind, fact.member, fact.amount) == (FactKind.VEHICLE, head, Decimal("52000"))


def test_bulk_confirmation_closes_each_task(demo, users, drive_to, department):
    first = submitted(demo, users, drive_to, "wrong", CaseKind.WRONG_INCLUSION)
    second = submitted(demo, users, drive_to, "new", CaseKind.NEW)
    police = department("公安")
    tasks = VerificationTask.objects.filter(department__code="公安")
    assert services.bulk_confirm(tasks, by=police) == 2
    assert stage_of(first) == Stage.PUBLIC_REVIEW
    assert stage_of(second) == Stage.DEPARTMENT_REVIEW  # the other departments have not checked yet
