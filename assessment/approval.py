"""县审定公告 (SPEC §5.10): the county approves cases together, applies them to the registry, and announces them.

One transaction for the whole batch: a case that fails a guard (an exit whose household fails a standard now, a
re-inclusion without a new survey, a status changed meanwhile) or a registry write that fails leaves every case of
the batch and the registry as they were.

The registry is written through ``.save()`` with ``_history_user`` and a change reason naming the case
(「县审定：案件 2018-错评-0001」), and ``Household.version`` is bumped so that a clerk's open survey form of the
household gets the conflict message instead of overwriting the approval.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from households.choices import HouseholdStatus, PovertyAttribute, Role
from households.models import Household, Member, User
from households.services import bump_version

from .models import AdjustmentCase, Announcement, Campaign, CaseError
from .workflow import CaseKind, Stage, Via

# simple-history keeps 100 characters of change reason.
REASON_LENGTH = 100


def approve_cases(cases: Iterable[AdjustmentCase], *, by: User, today: datetime.date, title: str = "") -> Announcement:
    if not (by.is_active and by.role == Role.COUNTY):
        raise PermissionDenied("只有县扶贫办可以审定案件")
    pks = sorted({c.pk for c in cases})
    if not pks:
        raise CaseError("请选择要审定的案件")
    with transaction.atomic():
        locked = list(
            AdjustmentCase.objects.select_for_update(of=("self",))
            .select_related("campaign__policy", "household")
            .filter(pk__in=pks)
            .order_by("pk")
        )
        campaigns = {c.campaign_id for c in locked}
        if len(campaigns) != 1:
            raise CaseError("一次只能审定同一年度的案件")
        for case in locked:
            if case.stage != Stage.COUNTY_APPROVAL:
                raise CaseError(f"案件 {case.number} 现为「{case.get_stage_display()}」，不在县级审定环节")
        campaign = Campaign.objects.select_for_update().get(pk=campaigns.pop())
        announcement = Announcement.objects.create(
            campaign=campaign,
            number=next_announcement_number(campaign),
            title=title.strip() or f"{campaign.year}年度扶贫对象动态管理审定结果公告",
            published_on=today,
            approved_by=by,
        )
        for case in locked:
            case.announcement = announcement
            case.save(update_fields=["announcement", "updated_at"])
            case.advance(by=by, note=f"县级审定，{announcement.number}", via=Via.APPROVAL, today=today)
            apply_to_registry(case, by=by, today=today)
    return announcement


def next_announcement_number(campaign: Campaign) -> str:
    count = Announcement.objects.filter(campaign=campaign).count()
    return f"{campaign.year}-公告-{count + 1:02d}"


def apply_to_registry(case: AdjustmentCase, *, by: User, today: datetime.date) -> None:
    """Status, registration or exit year, member removals and the reason, each row saved with its history."""
    household = Household.objects.select_for_update(of=("self",)).select_related("area").get(pk=case.household_id)
    reason = f"县审定：案件 {case.number}（{case.kind_label}）"
    year = case.campaign.year
    if case.kind == CaseKind.NEW:
        household.status = HouseholdStatus.POOR
        household.registered_on = today
        household.exit_year = None
        household.returned_year = None
        household.attribute = household.attribute or PovertyAttribute.GENERAL
    elif case.kind == CaseKind.WRONG_INCLUSION and case.removes_household:
        household.status = HouseholdStatus.REMOVED
    elif case.kind == CaseKind.WRONG_EXIT:
        household.status = HouseholdStatus.POOR
        household.exit_year = None
    elif case.kind == CaseKind.EXIT:
        household.status = HouseholdStatus.EXITED
        household.exit_year = year
    elif case.kind == CaseKind.RETURN:
        household.status = HouseholdStatus.POOR
        household.returned_year = year
    if case.kind != CaseKind.WRONG_INCLUSION or case.removes_household:
        household._history_user = by
        household._change_reason = reason[:REASON_LENGTH]
        household.save()
    for removal in case.member_removals.select_related("member"):
        remove_member(removal.member, case=case, by=by, today=today, reason=f"{reason}：{removal.reason}")
    bump_version(household)


def remove_member(member: Member, *, case: AdjustmentCase, by: User, today: datetime.date, reason: str) -> None:
    """A member reduction with the case as its reason (清退, not a natural change: no MemberChange row, SPEC §7)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not member.is_active:
        raise CaseError(f"{member.name}已不是在册成员，案件 {case.number} 不能再清退该成员")
    member.is_active = False
    member.removed_reason = f"清退 {case.number}"[:20]
    member.removed_on = today
    member._history_user = by
    member._change_reason = reason[:REASON_LENGTH]
    member.save()
