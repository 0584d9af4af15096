"""Who may see and change the work funds and the self-evaluation report: the county office manages them; leaders
and the assessment group read them; every other role gets 403 (the funds are the county's, not a township's)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from households.choices import Role
from households.models import User

from .fund_models import WorkFund

FUND_READERS = frozenset({Role.COUNTY, Role.LEADER, Role.ASSESSOR})


def can_read_funds(user: User) -> bool:
    return user.is_active and user.role in FUND_READERS


def can_manage_funds(user: User) -> bool:
    return user.is_active and user.role == Role.COUNTY


def require_fund_reader(user: User) -> None:
    if not can_read_funds(user):
        raise PermissionDenied("只有县扶贫办、领导和考核组可以查看工作经费和绩效自评报告")


def require_fund_manager(user: User) -> None:
    if not can_manage_funds(user):
        raise PermissionDenied("只有县扶贫办可以修改工作经费和绩效自评报告")


def get_fund(user: User, year: int, *, write: bool = False) -> WorkFund:
    """The fund of ``year``: 403 for a role that may not read (or, with ``write``, change) it, 404 if none."""
    require_fund_reader(user)
    if write:
        require_fund_manager(user)
    return get_object_or_404(WorkFund, year=year)
