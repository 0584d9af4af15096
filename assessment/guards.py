"""The guard rules of the workflow (SPEC §5, issue 5), each a function that raises ``CaseError`` with a Chinese message.

``check_advance`` is what ``AdjustmentCase.advance`` runs before every step; the others are run by the services
that open cases and publish windows. docs/workflow.md lists them with the reading chosen for each.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from households.models import Household, Survey

from .models import (
    AdjustmentCase,
    CaseError,
    Complaint,
    Meeting,
    MeetingItem,
    PublicityWindow,
    WindowEntry,
)
from .rules import OutcomeCode
from .workflow import ELIGIBLE_STATUS, INCLUSION_KINDS, CaseKind, Stage, Step, kinds_conflict, stage_reached

# The step out of these stages needs the matching meeting's outcome for the case.
MEETING_FOR_STAGE = {
    Stage.PUBLIC_REVIEW: Meeting.Kind.PUBLIC_REVIEW,
    Stage.VILLAGE_DECISION: Meeting.Kind.VILLAGE_DECISION,
    Stage.REPRESENTATIVES: Meeting.Kind.REPRESENTATIVES,
}
WINDOW_FOR_STAGE = {
    Stage.VILLAGE_PUBLICITY: PublicityWindow.Level.VILLAGE,
    Stage.TOWNSHIP_PUBLICITY: PublicityWindow.Level.TOWNSHIP,
}


def check_advance(case: AdjustmentCase, step: Step, *, today: datetime.date) -> None:
    check_no_open_complaint(case)
    source = step.source
    if source == Stage.ANALYSIS:
        check_chosen_for_survey(case)
    elif source == Stage.SURVEY:
        check_surveyed(case)
        check_new_survey_after_removal(case)
    elif source in MEETING_FOR_STAGE:
        check_meeting_outcome(case, MEETING_FOR_STAGE[source])
    elif source in WINDOW_FOR_STAGE:
        check_window_closed(case, WINDOW_FOR_STAGE[source])
    elif source == Stage.COUNTY_APPROVAL:
        check_status_still_eligible(case)
        check_new_survey_after_removal(case)
        check_exit_standards_met(case)


def check_no_open_complaint(case: AdjustmentCase) -> None:
    """SPEC §5.7: a complaint holds the case until it is investigated and resolved."""
    if Complaint.objects.filter(case=case, status=Complaint.Status.OPEN).exists():
        raise CaseError(f"案件 {case.number} 有未处理的举报，须先核实处理后才能继续办理")


def check_chosen_for_survey(case: AdjustmentCase) -> None:
    """贫情分析 chooses the households for the field survey (seed 001 §三(二))."""
    chosen = MeetingItem.objects.filter(
        meeting__campaign_id=case.campaign_id,
        meeting__kind=Meeting.Kind.ANALYSIS,
        household_id=case.household_id,
        outcome=MeetingItem.Outcome.SURVEY,
    ).exists()
    if not chosen:
        raise CaseError("该户尚未在本年度的贫情分析会上确定为入户调查对象，请先录入贫情分析会记录")


def check_surveyed(case: AdjustmentCase) -> None:
    """实地调查: a survey form of the household dated in this campaign (SPEC §5.2)."""
    starts_on = case.campaign.starts_on
    if not Survey.objects.filter(household_id=case.household_id, surveyed_on__gte=starts_on).exists():
        raise CaseError(f"该户没有 {starts_on:%Y-%m-%d} 以后的实地调查表，请先录入调查表（含调查人、组长、村书记签字）")


def removal_in_campaign(case: AdjustmentCase) -> AdjustmentCase | None:
    """The approved 错评 case of this campaign that removed the household, if any."""
    return (
        AdjustmentCase.objects.filter(
            campaign_id=case.campaign_id,
            household_id=case.household_id,
            kind=CaseKind.WRONG_INCLUSION,
            removes_household=True,
            stage=Stage.APPROVED,
        )
        .select_related("announcement")
        .order_by("-approved_at")
        .first()
    )


def check_new_survey_after_removal(case: AdjustmentCase) -> None:
    """A household removed as 错评 in this campaign is re-included only after a new survey (issue 5)."""
    if case.kind not in INCLUSION_KINDS:
        return
    removal = removal_in_campaign(case)
    if removal is None:
        return
    removed_on = removal.announcement.published_on if removal.announcement_id else removal.approved_at.date()
    new_survey = Survey.objects.filter(
        household_id=case.household_id, created_at__gt=removal.approved_at, surveyed_on__gte=removed_on
    ).exists()
    if not new_survey:
        raise CaseError(
            f"该户已于 {removed_on:%Y-%m-%d} 经案件 {removal.number} 作为错评清退，"
            "须重新入户调查（录入新的调查表）后才能重新纳入"
        )


def check_meeting_outcome(case: AdjustmentCase, kind: str) -> None:
    """The meeting of this stage agreed on the case after it (re-)entered the stage."""
    items = MeetingItem.objects.filter(case=case, meeting__kind=kind, created_at__gte=case.stage_changed_at).order_by(
        "-created_at", "-id"
    )
    latest = items.first()
    label = Meeting.Kind(kind).label
    if latest is None:
        raise CaseError(f"尚未录入本案件的{label}结果，请先录入{label}记录")
    if latest.outcome != MeetingItem.Outcome.AGREE:
        raise CaseError(f"{label}未同意本案件（{latest.meeting.held_on:%Y-%m-%d}），请退回整改或撤销")


def check_window_closed(case: AdjustmentCase, level: str) -> None:
    on_closed_window = WindowEntry.objects.filter(
        case=case,
        removed_at__isnull=True,
        window__level=level,
        window__status=PublicityWindow.Status.CLOSED,
    ).exists()
    if not on_closed_window:
        raise CaseError(f"本案件的{PublicityWindow.Level(level).label}尚未结束")


def check_status_still_eligible(case: AdjustmentCase) -> None:
    household = case.household
    if household.status not in ELIGIBLE_STATUS[case.kind]:
        raise CaseError(
            f"户编号 {household.number} 现为「{household.status_label}」，不能再办理{case.get_kind_display()}"
        )


def check_exit_standards_met(case: AdjustmentCase) -> None:
    """No exit is approved while the household fails an exit standard by the current judgement (issue 5)."""
    if case.kind != CaseKind.EXIT:
        return
    from .services import evaluate_one

    policy = case.campaign.policy
    if not policy.is_usable:
        raise CaseError(f"政策「{policy.name}」{policy.missing_message}，无法核对脱贫标准")
    judgement = evaluate_one(case.household, policy)
    unmet = judgement.outcome(OutcomeCode.EXIT_NOT_MET)
    if unmet is not None:
        raise CaseError(
            f"户编号 {case.household.number} 按当前档案未达到脱贫标准（{'、'.join(unmet.criteria)}）："
            f"{unmet.message}。不能审定退出"
        )


def check_eligible(household: Household, kind: str) -> None:
    if household.status not in ELIGIBLE_STATUS[kind]:
        raise CaseError(f"户编号 {household.number} 为「{household.status_label}」，不能立{CaseKind(kind).label}案件")


def check_no_conflicting_case(household: Household, kind: str, removes_household: bool) -> None:
    """No two open cases of conflicting kinds for the same household (issue 5)."""
    for other in (
        AdjustmentCase.objects.open().filter(household=household).only("number", "kind", "removes_household", "stage")
    ):
        if kinds_conflict(kind, removes_household, other.kind, other.removes_household):
            raise CaseError(
                f"该户已有未办结的案件 {other.number}（{other.kind_label}，{other.get_stage_display()}），"
                f"不能同时办理{CaseKind(kind).label}"
            )


def check_exclusion_first(window: PublicityWindow, cases: Iterable[AdjustmentCase]) -> None:
    """先退后进 (SPEC §5.4): an inclusion case enters publicity only when every open 错评 case of its village has
    entered this level's publicity already, or enters it with this list."""
    inclusion = [c for c in cases if c.kind in INCLUSION_KINDS]
    if not inclusion:
        return
    on_list = {c.pk for c in cases}
    villages = {c.household.village_code for c in inclusion}
    stage = window.stage
    published = set(
        WindowEntry.objects.filter(
            removed_at__isnull=True,
            window__level=window.level,
            window__status__in=[PublicityWindow.Status.OPEN, PublicityWindow.Status.CLOSED],
            case__household__village_code__in=villages,
            case__kind=CaseKind.WRONG_INCLUSION,
        ).values_list("case_id", flat=True)
    )
    pending = (
        AdjustmentCase.objects.open()
        .filter(kind=CaseKind.WRONG_INCLUSION, household__village_code__in=villages)
        .select_related("household")
    )
    blocking = [
        c
        for c in pending
        if c.pk not in on_list and not (stage_reached(c.stage, stage) and (c.stage != stage or c.pk in published))
    ]
    if blocking:
        listed = "、".join(f"{c.number}（{c.get_stage_display()}）" for c in blocking[:5])
        raise CaseError(
            f"先退后进：本村还有未进入{window.get_level_display()}的错评案件 {listed}，"
            "新识别、错退、返贫案件不能先于错评案件公示"
        )
