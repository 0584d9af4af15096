"""Access in one place (SPEC §1): outside the scope is 404, a role that may not act is 403.

Views fetch households only through these helpers.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Area, Household, User, scope_filter


def visible_households(user: User):
    return Household.objects.visible_to(user)


def require_registry_reader(user: User) -> None:
    if not user.can_read_registry:
        raise PermissionDenied("您的角色不能查看农户档案")


def require_registry_editor(user: User) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied("您的角色只能查看，不能修改农户档案")


def get_household_for_user(user: User, number: str, *, write: bool = False, for_update: bool = False) -> Household:
    """The household numbered ``number`` if the user's scope holds it; 404 otherwise.

    A role that may not read the registry gets 403; with ``write`` a read-only role gets 403
    for households it can see (and still 404 for the rest).
    """
    require_registry_reader(user)
    qs = visible_households(user).select_related("area", "area__parent", "area__parent__parent")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    household = qs.filter(number=number).first()
    if household is None:
        raise Http404("没有找到该农户，或不在您的管辖范围内")
    if write:
        require_registry_editor(user)
    return household


def visible_areas(user: User):
    """The areas inside the user's scope (for filters and forms)."""
    if not user.area_id:
        return Area.objects.none()
    return Area.objects.filter(code__startswith=user.area.code)


def area_in_scope(user: User, area: Area) -> bool:
    return bool(user.area_id) and area.code.startswith(user.area.code)


__all__ = [
    "area_in_scope",
    "get_household_for_user",
    "require_registry_editor",
    "require_registry_reader",
    "scope_filter",
    "visible_areas",
    "visible_households",
]
