"""What the verification pages read, each in a fixed number of queries."""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet

from assessment.models import AdjustmentCase
from households.idnumber import mask_id_number
from households.models import Member, User, scope_filter

from .models import VerificationTask


def case_tasks(case: AdjustmentCase) -> list[VerificationTask]:
    return list(case.verification_tasks.select_related("department", "closed_by").order_by("submitted_at", "pk"))


def department_queue(user: User) -> QuerySet[VerificationTask]:
    """A department user's own queue, first submitted first (先报先复核); nobody else has one."""
    if not (user.is_authenticated and user.is_active and user.role == "department" and user.department):
        return VerificationTask.objects.none()
    return VerificationTask.objects.for_department(user.department).order_by("submitted_at", "pk")


def scoped_tasks(user: User) -> QuerySet[VerificationTask]:
    """Tasks of the households in a registry reader's scope (the county's overview of overdue tasks)."""
    if not (user.is_authenticated and user.can_read_registry and user.area_id):
        return VerificationTask.objects.none()
    lookup = {f"household__{field}": value for field, value in scope_filter(user.area.code).items()}
    return VerificationTask.objects.filter(**lookup)


def overdue_by_village(scope_code: str, today: datetime.date) -> dict[str, int]:
    lookup = {f"household__{field}": value for field, value in scope_filter(scope_code).items()}
    rows = (
        VerificationTask.objects.overdue(today)
        .filter(**lookup)
        .values("household__village_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["household__village_code"]: row["n"] for row in rows}


def task_subjects(tasks: list[VerificationTask], *, full_ids: bool = False) -> dict[int, list[dict[str, str]]]:
    """The members each task concerns (name, relation, ID masked or full): one query for a page of tasks.

    Data minimisation (SPEC §1): a department sees these members and nothing else of the household.
    """
    wanted = {pk for task in tasks for pk in task.member_ids}
    members = {
        m.pk: m for m in Member.objects.filter(pk__in=wanted).only("pk", "name", "id_number", "relation", "is_active")
    }
    subjects: dict[int, list[dict[str, str]]] = {}
    for task in tasks:
        rows = []
        for pk in task.member_ids:
            member = members.get(pk)
            if member is None:
                continue
            rows.append(
                {
                    "name": member.name,
                    "relation": member.get_relation_display(),
                    "id_number": member.id_number if full_ids else mask_id_number(member.id_number),
                }
            )
        subjects[task.pk] = rows
    return subjects
