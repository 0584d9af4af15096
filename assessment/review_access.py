"""Who may see and record what in the assessment review pages (issue 6 parts 1–3).

County office, assessors and leaders read everything; a township clerk reads the plans and rates of its own township
(anything else is 404); village and department users get 403. The county office and assessors record.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from households.choices import Role
from households.models import User

from .review_models import Assessment, SampledHousehold, SamplePlan

COUNTY_WIDE = frozenset({Role.COUNTY, Role.ASSESSOR, Role.LEADER})
READERS = COUNTY_WIDE | {Role.TOWNSHIP}
RECORDERS = frozenset({Role.COUNTY, Role.ASSESSOR})


def require_reader(user: User) -> None:
    if not (user.is_active and user.role in READERS and user.area_id):
        raise PermissionDenied("您的角色不能查看考核抽查")


def can_record(user: User) -> bool:
    return user.is_active and user.role in RECORDERS


def require_recorder(user: User) -> None:
    if not can_record(user):
        raise PermissionDenied("只有县扶贫办和考核组可以编辑考核、抽样方案和录入抽查结果")


def require_poor_village_editor(user: User) -> None:
    if not (user.is_active and user.role == Role.COUNTY):
        raise PermissionDenied("只有县扶贫办可以设置贫困村")


def scope_code(user: User) -> str:
    """ "" for county-wide readers, the township's code for a township clerk."""
    return "" if user.role in COUNTY_WIDE else user.area.code


def visible_plans(user: User, assessment: Assessment):
    plans = SamplePlan.objects.filter(assessment=assessment)
    code = scope_code(user)
    return plans.filter(area__code=code) if code else plans


def get_assessment(user: User, pk: int) -> Assessment:
    require_reader(user)
    return get_object_or_404(Assessment.objects.select_related("policy"), pk=pk)


def get_plan(user: User, pk: int, *, write: bool = False) -> SamplePlan:
    require_reader(user)
    plan = SamplePlan.objects.select_related("assessment__policy", "area", "drawn_by").filter(pk=pk).first()
    if plan is None:
        raise Http404("没有找到该抽样方案")
    code = scope_code(user)
    if code and plan.area.code != code:
        raise Http404("没有找到该抽样方案，或不在您的管辖范围内")
    if write:
        require_recorder(user)
    return plan


def get_sampled(user: User, pk: int, *, write: bool = False) -> SampledHousehold:
    require_reader(user)
    sampled = (
        SampledHousehold.objects.select_related("plan__assessment__policy", "plan__area", "household")
        .filter(pk=pk)
        .first()
    )
    if sampled is None:
        raise Http404("没有找到该样本户")
    code = scope_code(user)
    if code and sampled.plan.area.code != code:
        raise Http404("没有找到该样本户，或不在您的管辖范围内")
    if write:
        require_recorder(user)
    return sampled
