"""Recording the village meetings of the procedure (SPEC §5.1, .5, .6, .8) and moving on the cases they agreed.

A meeting is recorded once, with its items, and is not edited afterwards (a correction is a new meeting): its
record sheet is what people signed. Recording it moves on, through the same step and guards as the case page's
推进 button, every case of the meeting's stage it agreed on (贫情分析: the cases of the households chosen for
survey); a case a guard holds (an open complaint, say) stays and is reported.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from households.choices import AreaLevel, Role
from households.models import Area, Household, User

from .models import AdjustmentCase, Campaign, CaseError, Meeting, MeetingItem
from .workflow import Stage, Via

Kind = Meeting.Kind
Outcome = MeetingItem.Outcome

RECORD_ROLES = {
    Kind.ANALYSIS: frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY}),
    Kind.PUBLIC_REVIEW: frozenset({Role.VILLAGE, Role.TOWNSHIP}),
    Kind.VILLAGE_DECISION: frozenset({Role.VILLAGE, Role.TOWNSHIP}),
    Kind.REPRESENTATIVES: frozenset({Role.VILLAGE, Role.TOWNSHIP}),
}
# 贫情分析 per village group (seed 001 §三(二): 以村小组或自然村为单元); the other meetings per village.
AREA_LEVEL = {
    Kind.ANALYSIS: AreaLevel.GROUP,
    Kind.PUBLIC_REVIEW: AreaLevel.VILLAGE,
    Kind.VILLAGE_DECISION: AreaLevel.VILLAGE,
    Kind.REPRESENTATIVES: AreaLevel.VILLAGE,
}


@dataclass
class ItemInput:
    household: Household
    case: AdjustmentCase | None
    outcome: str
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    note: str = ""


@dataclass
class MeetingResult:
    meeting: Meeting
    advanced: list[AdjustmentCase] = field(default_factory=list)
    held: list[tuple[AdjustmentCase, str]] = field(default_factory=list)


def record_meeting(
    *,
    campaign: Campaign,
    kind: str,
    area: Area,
    details: dict[str, Any],
    items: Sequence[ItemInput],
    by: User,
    today: datetime.date,
) -> MeetingResult:
    if not (by.is_active and by.role in RECORD_ROLES[kind]):
        raise PermissionDenied(f"您的角色不能录入{Kind(kind).label}记录")
    if area.level != AREA_LEVEL[kind]:
        raise CaseError(f"{Kind(kind).label}以{AreaLevel(AREA_LEVEL[kind]).label}为单位召开")
    if details.get("held_on") and details["held_on"] > today:
        raise CaseError("会议日期不能晚于今天")
    if not items:
        raise CaseError("请至少选择一户" if kind == Kind.ANALYSIS else "请至少录入一个案件的结果")
    stage = Meeting.STAGE[kind]
    for item in items:
        if not item.household.area_code.startswith(area.code):
            raise CaseError(f"户编号 {item.household.number} 不属于{area.name}")
        if kind != Kind.ANALYSIS and item.case is None:
            raise CaseError("评议、决定和决议须针对案件")
        if item.case is not None and item.case.stage != stage:
            raise CaseError(
                f"案件 {item.case.number} 现为「{item.case.get_stage_display()}」，不在{Kind(kind).label}环节"
            )
    with transaction.atomic():
        meeting = Meeting.objects.create(campaign=campaign, kind=kind, area=area, created_by=by, **details)
        for item in items:
            MeetingItem.objects.create(
                meeting=meeting,
                household=item.household,
                case=item.case,
                outcome=item.outcome,
                votes_for=item.votes_for,
                votes_against=item.votes_against,
                votes_abstain=item.votes_abstain,
                note=item.note[:200],
            )
        result = MeetingResult(meeting)
        _advance_agreed(meeting, items, result, by=by, today=today)
    return result


def _advance_agreed(meeting: Meeting, items: Sequence[ItemInput], result: MeetingResult, *, by: User, today) -> None:
    stage = Meeting.STAGE[meeting.kind]
    note = f"{meeting.get_kind_display()}（{meeting.held_on:%Y-%m-%d}，主持人 {meeting.host}）"
    cases: list[AdjustmentCase] = []
    if meeting.kind == Kind.ANALYSIS:
        chosen = [i.household.pk for i in items if i.outcome == Outcome.SURVEY]
        cases = list(
            AdjustmentCase.objects.filter(campaign=meeting.campaign, household_id__in=chosen, stage=Stage.ANALYSIS)
        )
        note = f"{note}确定入户调查"
    else:
        cases = [i.case for i in items if i.case is not None and i.outcome == Outcome.AGREE]
        note = f"{note}同意"
    for case in sorted(cases, key=lambda c: c.pk):
        locked = AdjustmentCase.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=case.pk)
        if locked.stage != stage:
            continue
        try:
            with transaction.atomic():
                locked.advance(by=by, note=note, via=Via.MANUAL, today=today)
        except (CaseError, PermissionDenied) as error:
            result.held.append((locked, getattr(error, "message", str(error))))
        else:
            result.advanced.append(locked)
