"""Access to cases, meetings and publicity windows in one place (SPEC §1): outside the scope is 404, a role that may
only read is 403. Views fetch these objects only through the helpers here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from households.access import require_registry_editor, require_registry_reader
from households.models import User

from .models import AdjustmentCase, Announcement, Complaint, Meeting, PublicityWindow


def _reads(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can_read_registry and user.area_id)


def visible_cases(user: User) -> QuerySet[AdjustmentCase]:
    """Cases of the households in the user's scope (the household's current area, as the registry decides)."""
    if not _reads(user):
        return AdjustmentCase.objects.none()
    return AdjustmentCase.objects.in_scope(user.area.code)


def get_case_for_user(user: User, number: str, *, write: bool = False) -> AdjustmentCase:
    require_registry_reader(user)
    case = (
        visible_cases(user)
        .select_related("campaign__policy", "household__area__parent__parent", "policy", "opened_by", "announcement")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404("没有找到该案件，或不在您的管辖范围内")
    if write:
        require_registry_editor(user)
    return case


def _area_scoped(queryset: QuerySet, user: User) -> QuerySet:
    """Meetings and windows of an area inside the user's scope; a township also sees nothing of its villages' peers."""
    if not _reads(user):
        return queryset.none()
    return queryset.filter(area_code__startswith=user.area.code)


def visible_meetings(user: User) -> QuerySet[Meeting]:
    return _area_scoped(Meeting.objects.all(), user)


def visible_windows(user: User) -> QuerySet[PublicityWindow]:
    """Windows of an area inside the scope: a village officer sees its village's windows, not the township's."""
    return _area_scoped(PublicityWindow.objects.all(), user)


def get_meeting_for_user(user: User, pk: int) -> Meeting:
    require_registry_reader(user)
    meeting = visible_meetings(user).select_related("campaign", "area__parent", "created_by").filter(pk=pk).first()
    if meeting is None:
        raise Http404("没有找到该会议记录，或不在您的管辖范围内")
    return meeting


def get_window_for_user(user: User, pk: int, *, write: bool = False) -> PublicityWindow:
    require_registry_reader(user)
    window = (
        visible_windows(user)
        .select_related("campaign__policy", "area__parent", "created_by", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if window is None:
        raise Http404("没有找到该公示，或不在您的管辖范围内")
    if write:
        require_registry_editor(user)
    return window


def get_complaint_for_user(user: User, pk: int) -> Complaint:
    require_registry_reader(user)
    complaint = Complaint.objects.filter(pk=pk, case__in=visible_cases(user)).select_related("case", "window").first()
    if complaint is None:
        raise Http404("没有找到该举报，或不在您的管辖范围内")
    require_registry_editor(user)
    return complaint


def visible_announcements(user: User) -> QuerySet[Announcement]:
    """Announcements are county-wide public notices: every registry reader may read them."""
    if not _reads(user):
        return Announcement.objects.none()
    return Announcement.objects.all()


def require_county(user: User, what: str) -> None:
    if not (user.is_active and user.role == "county"):
        raise PermissionDenied(f"只有县扶贫办可以{what}")
