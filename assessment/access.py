"""Who may do what in the assessment pages (SPEC §0/§1); household scope stays in ``households.access``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from households.choices import Role
from households.models import User

# The county-level roles: they read policies and evaluation runs; only the county office changes them.
COUNTY_READERS = frozenset({Role.COUNTY, Role.LEADER, Role.ASSESSOR})


def can_read_policies(user: User) -> bool:
    return user.is_active and user.role in COUNTY_READERS


def can_manage_policies(user: User) -> bool:
    return user.is_active and user.role == Role.COUNTY


def require_policy_reader(user: User) -> None:
    if not can_read_policies(user):
        raise PermissionDenied("只有县扶贫办、领导和考核组可以查看政策参数和评估批次")


def require_policy_manager(user: User) -> None:
    if not can_manage_policies(user):
        raise PermissionDenied("只有县扶贫办可以修改政策参数、运行评估")
