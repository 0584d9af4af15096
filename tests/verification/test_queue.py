"""The department queue: only its own tasks, first submitted first, overdue highlighted, nothing of the registry
beyond what a task needs (data minimisation); the county's overview; department users land on their queue."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import cases
from assessment.workflow import CaseKind, Stage
from households.models import AccessLog
from tests import factories as f
from tests.assessment import county as c
from verification.models import VerificationTask

Status = VerificationTask.Status


@pytest.fixture
def police_tasks(demo, users, drive_to, areas):
    """Two 错评 cases for cars, submitted one after the other (the second first in pk order is not the point)."""
    first = cases.open_case(demo["wrong"], kind=CaseKind.WRONG_INCLUSION, by=users["township"])
    drive_to(first, Stage.DEPARTMENT_REVIEW)
    other = c.ready_household(areas[f.GROUP_A2], number="W-02")
    c.vehicle(other)
    second = cases.open_case(other, kind=CaseKind.WRONG_INCLUSION, by=users["township"])
    drive_to(second, Stage.DEPARTMENT_REVIEW)
    tasks = list(VerificationTask.objects.filter(department__code="公安").order_by("pk"))
    # submitted in the other order: the queue must follow submission, not creation
    VerificationTask.objects.filter(pk=tasks[0].pk).update(submitted_at=timezone.now())
    VerificationTask.objects.filter(pk=tasks[1].pk).update(submitted_at=timezone.now() - datetime.timedelta(hours=2))
    return [VerificationTask.objects.get(pk=tasks[1].pk), VerificationTask.objects.get(pk=tasks[0].pk)]


def test_home_sends_a_department_user_to_the_queue(client_for, police_user):
    response = client_for(police_user).get("/")
    assert response.status_code == 302 and response.url == reverse("verification:queue")


def test_the_queue_is_first_submitted_first(client_for, police_user, police_tasks):
    page = client_for(police_user).get(reverse("verification:queue")).text
    positions = [page.index(f'value="{t.pk}"') for t in police_tasks]
    assert positions == sorted(positions)
    assert "核查任务" in page and "先报先复核" in page


def test_a_department_sees_only_its_own_queue(client_for, police_tasks, demo, users, drive_to, department):
    drive_to(cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"]), Stage.DEPARTMENT_REVIEW)
    water = department("水务")
    page = client_for(water).get(reverse("verification:queue")).text
    assert '<span class="font-monospace">Y2</span>' in page
    assert '<span class="font-monospace">E3</span>' not in page
    assert client_for(water).get(reverse("verification:task_detail", args=[police_tasks[0].pk])).status_code == 404


def test_the_queue_shows_only_what_the_check_needs(client_for, police_user, police_tasks, demo):
    page = client_for(police_user).get(reverse("verification:queue")).text
    household = demo["wrong"]
    head = household.members.get(relation="01")
    spouse = household.members.get(relation="02")
    assert head.name in page and head.masked_id_number in page and "箐口村" in page
    assert head.id_number not in page
    assert spouse.name not in page  # not concerned by the car
    assert household.number not in page
    assert not re.search(r"\b\d{17}[\dX]\b", page)


def test_the_task_page_shows_the_full_id_of_the_concerned_member_and_logs_it(
    client_for, police_user, police_tasks, demo
):
    task = police_tasks[0]
    head = task.household.members.get(relation="01")
    page = client_for(police_user).get(reverse("verification:task_detail", args=[task.pk])).text
    assert head.id_number in page
    others = task.household.members.exclude(pk=head.pk)
    assert all(m.id_number not in page and m.name not in page for m in others)
    log = AccessLog.objects.get(action=AccessLog.Action.VIEW_ID)
    assert log.user == police_user and head.id_number not in log.detail


@pytest.mark.parametrize("persona,expected", [("township", 403), ("county", 403), ("leader", 403)])
def test_registry_users_have_no_department_queue(client_for, users, police_tasks, persona, expected):
    client = client_for(users[persona])
    assert client.get(reverse("verification:queue")).status_code == expected
    assert client.get(reverse("verification:task_detail", args=[police_tasks[0].pk])).status_code == expected


def test_a_department_user_sees_nothing_of_the_registry(client_for, police_user, demo):
    client = client_for(police_user)
    assert client.get(reverse("households:list")).status_code == 403
    assert client.get(reverse("households:detail", args=["W-01"])).status_code == 403


def test_ticking_off_through_the_page(client_for, police_user, police_tasks):
    task = police_tasks[0]
    client = client_for(police_user)
    response = client.post(reverse("verification:task_tick", args=[task.pk]), {"result": "confirmed", "note": ""})
    assert response.status_code == 302 and response.url == reverse("verification:queue")
    task.refresh_from_db()
    assert (task.status, task.result, task.closed_by) == (Status.CLOSED, "confirmed", police_user)
    assert task.case.__class__.objects.get(pk=task.case_id).stage == Stage.PUBLIC_REVIEW


def test_an_untrue_result_without_a_note_re_renders(client_for, police_user, police_tasks):
    task = police_tasks[0]
    response = client_for(police_user).post(reverse("verification:task_tick", args=[task.pk]), {"result": "not_true"})
    assert response.status_code == 400 and "必须填写说明" in response.text
    assert VerificationTask.objects.get(pk=task.pk).status == Status.OPEN


def test_bulk_confirmation_through_the_page(client_for, police_user, police_tasks):
    response = client_for(police_user).post(
        reverse("verification:task_bulk"), {"task": [t.pk for t in police_tasks], "note": "比对一致"}
    )
    assert response.status_code == 302
    assert set(VerificationTask.objects.values_list("status", flat=True)) == {Status.CLOSED}


def test_bulk_confirmation_ignores_other_departments_tasks(client_for, police_tasks, department):
    client_for(department("水务")).post(reverse("verification:task_bulk"), {"task": [t.pk for t in police_tasks]})
    assert set(VerificationTask.objects.values_list("status", flat=True)) == {Status.OPEN}


@pytest.mark.parametrize("name", ["task_tick", "task_supplement"])
def test_get_on_post_only_views_is_405(client_for, police_user, police_tasks, name):
    assert client_for(police_user).get(reverse(f"verification:{name}", args=[police_tasks[0].pk])).status_code == 405


def test_overdue_tasks_are_highlighted_in_the_queue_and_to_the_county(client_for, police_user, users, police_tasks):
    VerificationTask.objects.filter(pk=police_tasks[0].pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = client_for(police_user).get(reverse("verification:queue")).text
    assert page.count("table-danger") == 1 and "逾期" in page
    overview = client_for(users["county"]).get(reverse("verification:overview")).text
    assert overview.count('class="table-danger"') == 1
    assert police_tasks[0].case.number in overview


def test_the_overview_is_scoped(client_for, users, police_tasks):
    page = client_for(users["township_b"]).get(reverse("verification:overview")).text
    assert police_tasks[0].case.number not in page
    assert client_for(users["village"]).get(reverse("verification:overview")).status_code == 403


def test_the_case_page_shows_the_tasks_and_the_supplement_form(client_for, users, police_tasks, department):
    from verification import services

    task = police_tasks[0]
    services.tick_off(task, by=department("公安"), result="needs_more", note="请提供车辆号牌")
    page = client_for(users["township"]).get(reverse("assessment:case_detail", args=[task.case.number])).text
    assert "部门复核" in page and "请提供车辆号牌" in page and "补充并退回部门" in page
    response = client_for(users["township"]).post(
        reverse("verification:task_supplement", args=[task.pk]), {"text": "号牌 云A·12345"}
    )
    assert response.status_code == 302
    assert VerificationTask.objects.get(pk=task.pk).status == Status.OPEN
    other = client_for(users["township_b"]).post(reverse("verification:task_supplement", args=[task.pk]), {"text": "x"})
    assert other.status_code == 404


def test_the_queue_costs_constant_queries(
    client_for, police_user, police_tasks, demo, users, areas, drive_to, django_assert_max_num_queries
):
    client = client_for(police_user)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("verification:queue")).status_code == 200
    for i in range(4):
        household = c.ready_household(areas[f.GROUP_A1], number=f"Q-{i}")
        c.vehicle(household)
        drive_to(
            cases.open_case(household, kind=CaseKind.WRONG_INCLUSION, by=users["township"]), Stage.DEPARTMENT_REVIEW
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("verification:queue")).status_code == 200


def test_the_nav_offers_the_queue_to_departments(client_for, police_user):
    page = client_for(police_user).get(reverse("verification:queue")).text
    assert reverse("verification:queue") in page and "核查任务" in page
    assert reverse("households:list") not in page
