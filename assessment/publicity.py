"""Publicity windows (村级公示, 乡镇公示) and complaints (SPEC §5.7, §5.9).

Reading of the dates (docs/workflow.md): a window of N days opened on day D runs D … D + N − 1 (5 days opened on
the 1st: the 1st to the 5th). It can be closed on its last day at the earliest, and closing moves on every case of
the list that no open complaint holds. Adding or removing a case after opening requires publishing the list again,
which starts a full new period from the new open date.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from households.choices import AreaLevel, Role
from households.models import Area, User

from . import guards
from .models import (
    AdjustmentCase,
    Campaign,
    CaseError,
    Complaint,
    PublicityWindow,
    WindowEntry,
    WindowPublication,
)
from .workflow import Stage, Via, return_targets

Level = PublicityWindow.Level
Status = PublicityWindow.Status

# Who runs and who closes each level (SPEC §0: villages run village publicity, the county office closes windows).
RUN_ROLES = {Level.VILLAGE: frozenset({Role.VILLAGE, Role.TOWNSHIP}), Level.TOWNSHIP: frozenset({Role.TOWNSHIP})}
CLOSE_ROLES = {Level.VILLAGE: frozenset({Role.TOWNSHIP, Role.COUNTY}), Level.TOWNSHIP: frozenset({Role.COUNTY})}
COMPLAINT_ROLES = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY})
RESOLVE_ROLES = frozenset({Role.TOWNSHIP, Role.COUNTY})
AREA_LEVEL = {Level.VILLAGE: AreaLevel.VILLAGE, Level.TOWNSHIP: AreaLevel.TOWNSHIP}


def require_role(user: User, roles: frozenset[str], what: str) -> None:
    if not (user.is_active and user.role in roles):
        raise PermissionDenied(f"您的角色不能{what}")


def default_title(campaign: Campaign, level: str, area: Area) -> str:
    return f"{area.name}{campaign.year}年度扶贫对象动态管理{Level(level).label}"


def create_window(*, campaign: Campaign, level: str, area: Area, by: User, title: str = "") -> PublicityWindow:
    require_role(by, RUN_ROLES[level], f"发起{Level(level).label}")
    if area.level != AREA_LEVEL[level]:
        raise CaseError(f"{Level(level).label}须以{AreaLevel(AREA_LEVEL[level]).label}为单位")
    return PublicityWindow.objects.create(
        campaign=campaign,
        level=level,
        area=area,
        title=title.strip() or default_title(campaign, level, area),
        complaint_phone=campaign.complaint_phone,
        created_by=by,
    )


def active_entries(window: PublicityWindow):
    return window.entries.filter(removed_at__isnull=True)


def locked_window(window: PublicityWindow) -> PublicityWindow:
    return (
        PublicityWindow.objects.select_for_update(of=("self",))
        .select_related("campaign__policy", "area")
        .get(pk=window.pk)
    )


def add_cases(window: PublicityWindow, cases: Iterable[AdjustmentCase], *, by: User) -> int:
    """Put cases on the list: each at this level's stage, of the window's area, on no other unfinished list."""
    require_role(by, RUN_ROLES[window.level], f"编辑{window.get_level_display()}名单")
    with transaction.atomic():
        window = locked_window(window)
        if window.status == Status.CLOSED:
            raise CaseError("公示已结束，不能再增加案件")
        added = 0
        for case in cases:
            case = AdjustmentCase.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
            if not case.household.area_code.startswith(window.area_code):
                raise CaseError(f"案件 {case.number} 不属于{window.area.name}")
            if case.stage != window.stage:
                raise CaseError(
                    f"案件 {case.number} 现为「{case.get_stage_display()}」，不能列入{window.get_level_display()}"
                )
            elsewhere = (
                WindowEntry.objects.filter(case=case, removed_at__isnull=True, window__level=window.level)
                .exclude(window__status=Status.CLOSED)
                .select_related("window")
                .first()
            )
            if elsewhere is not None:
                if elsewhere.window_id == window.pk:
                    continue
                raise CaseError(f"案件 {case.number} 已列入「{elsewhere.window.title}」")
            WindowEntry.objects.create(window=window, case=case, added_by=by)
            added += 1
        if added and window.status == Status.OPEN:
            window.needs_republish = True
            window.save(update_fields=["needs_republish"])
    return added


def remove_case(window: PublicityWindow, case: AdjustmentCase, *, by: User, note: str) -> None:
    require_role(by, RUN_ROLES[window.level], f"编辑{window.get_level_display()}名单")
    if not note.strip():
        raise CaseError("移出公示名单必须写明原因")
    with transaction.atomic():
        window = locked_window(window)
        if window.status == Status.CLOSED:
            raise CaseError("公示已结束，名单不能再修改")
        entry = active_entries(window).filter(case=case).first()
        if entry is None:
            raise CaseError(f"案件 {case.number} 不在该公示名单中")
        _remove_entry(window, entry, by=by, note=note.strip())


def _remove_entry(window: PublicityWindow, entry: WindowEntry, *, by: User, note: str) -> None:
    entry.removed_at = timezone.now()
    entry.removed_by = by
    entry.removal_note = note[:200]
    entry.save(update_fields=["removed_at", "removed_by", "removal_note"])
    if window.status == Status.OPEN and not window.needs_republish:
        window.needs_republish = True
        window.save(update_fields=["needs_republish"])


def drop_from_windows(case: AdjustmentCase, *, by: User, note: str) -> None:
    """A returned or withdrawn case leaves every unfinished list it is on (an open one must be published again)."""
    entries = (
        WindowEntry.objects.filter(case=case, removed_at__isnull=True)
        .exclude(window__status=Status.CLOSED)
        .select_related("window")
    )
    for entry in entries:
        _remove_entry(entry.window, entry, by=by, note=note)


def publish(window: PublicityWindow, *, by: User, open_date: datetime.date, today: datetime.date) -> PublicityWindow:
    """Open the window (or open it again after its list changed) for the policy's number of days from ``open_date``."""
    require_role(by, RUN_ROLES[window.level], f"发布{window.get_level_display()}")
    with transaction.atomic():
        window = locked_window(window)
        if window.status == Status.CLOSED:
            raise CaseError("公示已结束，不能再发布")
        if window.status == Status.OPEN and not window.needs_republish:
            raise CaseError("公示名单没有变更，不需要重新发布")
        if open_date < today:
            raise CaseError("公示开始日期不能早于今天")
        days = window.campaign.policy.publicity_days
        if not days:
            raise CaseError(f"政策「{window.campaign.policy.name}」没有设置公示天数，不能发布公示")
        cases = [e.case for e in active_entries(window).select_related("case__household")]
        if not cases:
            raise CaseError("公示名单为空，请先列入案件")
        for case in cases:
            if case.stage != window.stage:
                raise CaseError(f"案件 {case.number} 现为「{case.get_stage_display()}」，不能公示")
        guards.check_exclusion_first(window, cases)
        window.move_to(Status.OPEN)
        window.open_date = open_date
        window.days = days
        window.needs_republish = False
        window.publication_count += 1
        window.save(update_fields=["status", "open_date", "days", "needs_republish", "publication_count"])
        WindowPublication.objects.create(
            window=window,
            number=window.publication_count,
            open_date=open_date,
            last_day=window.last_day,
            case_numbers=sorted(c.number for c in cases),
            published_by=by,
        )
    return window


@dataclass
class CloseResult:
    advanced: list[AdjustmentCase] = field(default_factory=list)
    held: list[AdjustmentCase] = field(default_factory=list)


def close(window: PublicityWindow, *, by: User, today: datetime.date) -> CloseResult:
    """End the window on or after its last day; its cases move on unless a complaint holds them."""
    require_role(by, CLOSE_ROLES[window.level], f"结束{window.get_level_display()}")
    result = CloseResult()
    with transaction.atomic():
        window = locked_window(window)
        if window.status != Status.OPEN:
            raise CaseError(f"公示「{window.title}」{window.get_status_display()}，不能结束")
        if window.needs_republish:
            raise CaseError("公示名单在公示期间有变更，须重新发布并公示期满后才能结束")
        if today < window.last_day:
            raise CaseError(
                f"公示期为 {window.open_date:%Y-%m-%d} 至 {window.last_day:%Y-%m-%d}，最后一天之前不能结束公示"
            )
        window.move_to(Status.CLOSED)
        window.closed_by = by
        window.closed_at = timezone.now()
        window.save(update_fields=["status", "closed_by", "closed_at"])
        note = _period_note(window)
        for entry in active_entries(window).select_related("case"):
            case = AdjustmentCase.objects.select_for_update(of=("self",)).get(pk=entry.case_id)
            if case.complaints.filter(status=Complaint.Status.OPEN).exists():
                result.held.append(case)
                continue
            case.advance(by=by, note=note, via=Via.WINDOW, today=today)
            result.advanced.append(case)
    return result


def _period_note(window: PublicityWindow) -> str:
    return (
        f"{window.get_level_display()}期满（{window.open_date:%Y-%m-%d} 至 {window.last_day:%Y-%m-%d}），无未处理举报"
    )


def record_complaint(
    case: AdjustmentCase,
    *,
    by: User,
    received_on: datetime.date,
    content: str,
    complainant: str = "",
    contact: str = "",
    today: datetime.date,
) -> Complaint:
    """举报 received while the case is on an open window: it holds the case until resolved."""
    require_role(by, COMPLAINT_ROLES, "登记举报")
    if not content.strip():
        raise CaseError("请填写举报内容")
    with transaction.atomic():
        entry = (
            WindowEntry.objects.select_related("window")
            .filter(case=case, removed_at__isnull=True, window__status=Status.OPEN)
            .first()
        )
        if entry is None:
            raise CaseError(f"案件 {case.number} 不在公示期内，不能登记举报")
        window = entry.window
        if received_on > today:
            raise CaseError("收到日期不能晚于今天")
        if received_on < window.open_date:
            raise CaseError(f"收到日期早于公示开始日期 {window.open_date:%Y-%m-%d}")
        return Complaint.objects.create(
            case=case,
            window=window,
            received_on=received_on,
            complainant=complainant.strip(),
            contact=contact.strip(),
            content=content.strip(),
            recorded_by=by,
        )


def resolve_complaint(
    complaint: Complaint,
    *,
    by: User,
    upheld: bool,
    note: str,
    withdraw: bool = False,
    return_to: str = Stage.SURVEY,
    today: datetime.date,
) -> Complaint:
    """举报属实 → the case is returned for rework (or withdrawn); 不属实 → the case goes on (at once if its window
    has already closed). Either needs the investigation's note."""
    require_role(by, RESOLVE_ROLES, "处理举报")
    if not note.strip():
        raise CaseError("请填写核实情况")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).select_related("window").get(pk=complaint.pk)
        if not complaint.is_open:
            raise CaseError("该举报已处理")
        case = AdjustmentCase.objects.select_for_update(of=("self",)).get(pk=complaint.case_id)
        complaint.resolution_note = note.strip()
        complaint.resolved_by = by
        complaint.resolved_at = timezone.now()
        if upheld:
            complaint.status = Complaint.Status.UPHELD
            complaint.resolution = Complaint.Resolution.WITHDRAWN if withdraw else Complaint.Resolution.RETURNED
            complaint.save()
            text = f"举报属实：{note.strip()}"
            if case.is_open:
                if withdraw:
                    case.withdraw(by=by, note=text)
                else:
                    if return_to not in return_targets(case.stage):
                        raise CaseError("请选择退回到的环节")
                    case.return_for_rework(to=return_to, by=by, note=text)
                drop_from_windows(case, by=by, note=text)
        else:
            complaint.status = Complaint.Status.DISMISSED
            complaint.resolution = Complaint.Resolution.CONTINUED
            complaint.save()
            window = complaint.window
            still_open = case.complaints.filter(status=Complaint.Status.OPEN).exists()
            on_closed_list = (
                window.status == Status.CLOSED
                and active_entries(window).filter(case=case).exists()
                and case.stage == window.stage
            )
            if on_closed_list and not still_open:
                case.advance(
                    by=by, note=f"举报不属实（{note.strip()}），{_period_note(window)}", via=Via.WINDOW, today=today
                )
    return complaint
