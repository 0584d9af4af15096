"""Verification's part in the workflow, through the signals ``assessment`` defines (SPEC §0: no import back)."""

from __future__ import annotations

from django.dispatch import receiver
from django.template.loader import render_to_string

from assessment.models import AdjustmentCase
from assessment.signals import case_panels, case_transitioned, dashboard_counts
from assessment.workflow import Stage, Via

from . import services
from .queries import case_tasks, overdue_by_village


@receiver(case_transitioned, sender=AdjustmentCase, dispatch_uid="verification_case_transitioned")
def on_case_transitioned(sender, case, transition, **kwargs):
    if transition.target_stage == Stage.DEPARTMENT_REVIEW:
        services.create_case_tasks(case, by=transition.by)
    elif transition.source_stage == Stage.DEPARTMENT_REVIEW and transition.via != Via.SYSTEM:
        services.cancel_case_tasks(case, note=f"案件{transition.get_action_display()}：{transition.note}")
    elif transition.target_stage in (Stage.WITHDRAWN, Stage.APPROVED):
        services.cancel_case_tasks(case, note=f"案件{transition.get_action_display()}")


@receiver(case_panels, dispatch_uid="verification_case_panel")
def case_panel(sender, case, user, request=None, **kwargs):
    tasks = case_tasks(case)
    if not tasks and case.stage != Stage.DEPARTMENT_REVIEW:
        return None
    context = {"case": case, "tasks": tasks, "user": user, "can_supplement": services.can_supplement(user)}
    return ("部门复核", render_to_string("verification/_case_tasks.html", context, request=request))


@receiver(dashboard_counts, dispatch_uid="verification_dashboard_counts")
def dashboard_overdue(sender, campaign, scope_code, today, **kwargs):
    return {"key": "overdue_tasks", "label": "逾期核查任务", "villages": overdue_by_village(scope_code, today)}
