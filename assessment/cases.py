"""Opening cases and moving them: the services the case pages call (STYLE: verb-first, keyword-only, atomic).

Every move locks the case row first (``select_for_update``) and compares the stage the user saw with the stored one,
so that two clicks on the same button make one transition. The moves themselves are ``AdjustmentCase`` methods.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from households.models import Household, Member, User

from . import candidates as cands
from . import guards
from .judgements import judgement_record
from .models import (
    AdjustmentCase,
    Campaign,
    CaseError,
    CaseMemberRemoval,
    CaseTransition,
    Policy,
)
from .publicity import drop_from_windows
from .services import evaluate_one
from .workflow import KIND_SHORT, OPEN_ROLES, SUPPORTING_OUTCOME, Action, CaseKind, ReturnCause, Stage, Via


def current_campaign() -> Campaign:
    campaign = Campaign.objects.current()
    if campaign is None:
        raise CaseError("县扶贫办尚未设置当前动态管理年度，暂不能立案")
    return campaign


def opening_judgement(household: Household, policy: Policy) -> dict[str, Any]:
    """The judgement recorded on a new case: the household's stored result in the latest run covering it when that
    run used this very policy version, else the rules run now on the household as it is."""
    if not policy.is_usable:
        raise CaseError(f"政策「{policy.name}」{policy.missing_message}，不能立案")
    run = cands.latest_run(household.area_code)
    if run is not None and run.policy_id == policy.pk and run.policy_version == policy.version:
        result = cands.stored_result(run, household)
        if result is not None:
            return result.judgement
    return judgement_record(evaluate_one(household, policy))


@dataclass
class RuleSupport:
    outcome: str = ""
    criteria: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def supports(self) -> bool:
        return bool(self.outcome)


def rule_support(record: dict[str, Any], kind: str, *, removes_household: bool = True) -> RuleSupport:
    """The outcome of the judgement that supports a case of ``kind`` (MEMBER_REMOVAL for a member-only 错评)."""
    if kind == CaseKind.WRONG_INCLUSION and not removes_household:
        messages = [
            f"{m.get('name', '')}：{o['message']}"
            for m in record.get("members", [])
            for o in m.get("outcomes", [])
            if o.get("code") == "MEMBER_REMOVAL"
        ]
        return RuleSupport("MEMBER_REMOVAL", ["E9"], "；".join(messages)) if messages else RuleSupport()
    wanted = SUPPORTING_OUTCOME[kind]
    extra = {"NORMAL_EXIT"} if kind == CaseKind.EXIT else set()
    for outcome in record.get("outcomes", []):
        if outcome.get("code") == wanted or outcome.get("code") in extra:
            return RuleSupport(outcome["code"], list(outcome.get("criteria", [])), outcome.get("message", ""))
    return RuleSupport()


def next_case_number(campaign: Campaign, kind: str) -> str:
    """2018-错评-0001: per campaign and kind, counted under the campaign's row lock."""
    count = AdjustmentCase.objects.filter(campaign=campaign, kind=kind).count()
    return f"{campaign.year}-{KIND_SHORT[kind]}-{count + 1:04d}"


def open_case(
    household: Household,
    *,
    kind: str,
    by: User,
    reason: str = "",
    return_cause: str = "",
    evidence: str = "",
    removes_household: bool = True,
    removed_members: Sequence[Member] = (),
    note: str = "",
    campaign: Campaign | None = None,
) -> AdjustmentCase:
    """Open a case of ``kind`` for ``household`` in the current campaign, recording the rules' judgement."""
    if kind not in CaseKind.values:
        raise CaseError("请选择案件类型")
    if by.role not in OPEN_ROLES[kind]:
        raise PermissionDenied(f"您的角色不能立{CaseKind(kind).label}案件")
    if kind != CaseKind.WRONG_INCLUSION:
        removes_household = True
    if kind == CaseKind.RETURN:
        if return_cause not in ReturnCause.values:
            raise CaseError("返贫案件必须选择返贫原因（因灾、因病、因学或其他）")
        if not evidence.strip():
            raise CaseError("返贫案件必须写明支撑依据（证明材料）")
    if not removes_household and not removed_members:
        raise CaseError("只清退部分成员时，请选择要清退的成员")
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("policy")
            .get(pk=(campaign or current_campaign()).pk)
        )
        household = Household.objects.select_for_update(of=("self",)).select_related("area").get(pk=household.pk)
        guards.check_eligible(household, kind)
        guards.check_no_conflicting_case(household, kind, removes_household)
        members = list(removed_members)
        if any(m.household_id != household.pk or not m.is_active for m in members):
            raise CaseError("要清退的成员必须是本户的在册成员")
        policy = campaign.policy
        record = opening_judgement(household, policy)
        support = rule_support(record, kind, removes_household=removes_household)
        case = AdjustmentCase.objects.create(
            campaign=campaign,
            number=next_case_number(campaign, kind),
            kind=kind,
            household=household,
            removes_household=removes_household,
            reason=reason.strip() or support.message or CaseKind(kind).label,
            return_cause=return_cause if kind == CaseKind.RETURN else "",
            evidence=evidence.strip(),
            policy=policy,
            policy_version=policy.version,
            rule_outcome=support.outcome,
            criteria=",".join(support.criteria),
            rules_support=support.supports,
            judgement=record,
            opened_by=by,
        )
        for member in members:
            CaseMemberRemoval.objects.create(case=case, member=member, reason=_member_reason(record, member))
        CaseTransition.objects.create(
            case=case,
            action=Action.OPEN,
            source_stage="",
            target_stage=Stage.ANALYSIS,
            by=by,
            at=case.opened_at,
            note=note.strip() or f"立案：{case.kind_label}",
        )
    return case


def _member_reason(record: dict[str, Any], member: Member) -> str:
    for judged in record.get("members", []):
        if judged.get("id_number") == member.id_number:
            messages = [o.get("message", "") for o in judged.get("outcomes", [])]
            return "；".join(m for m in messages if m)[:200] or "成员应予清退"
    return "成员应予清退（评估结果未列出，由办理人认定）"


def locked_case(case: AdjustmentCase, expected_stage: str | None) -> AdjustmentCase:
    """The case row re-read under a lock; a stage other than the one the user saw means someone was faster."""
    locked = (
        AdjustmentCase.objects.select_for_update(of=("self",))
        .select_related("campaign__policy", "household__area")
        .get(pk=case.pk)
    )
    if expected_stage and locked.stage != expected_stage:
        raise CaseError(f"案件 {locked.number} 已被他人办理，现为「{locked.get_stage_display()}」，请刷新页面后再操作")
    return locked


def advance_case(
    case: AdjustmentCase, *, by: User, note: str = "", expected_stage: str | None = None, today: datetime.date
) -> AdjustmentCase:
    """The 推进 button of the case page: one step through the manual operation."""
    with transaction.atomic():
        case = locked_case(case, expected_stage)
        case.advance(by=by, note=note, via=Via.MANUAL, today=today)
    return case


def return_case(
    case: AdjustmentCase, *, to: str, by: User, note: str, expected_stage: str | None = None
) -> AdjustmentCase:
    """退回整改: back to an earlier stage; a case on a publicity list leaves it (the list must be published again)."""
    with transaction.atomic():
        case = locked_case(case, expected_stage)
        case.return_for_rework(to=to, by=by, note=note)
        drop_from_windows(case, by=by, note=f"退回整改：{note}")
    return case


def withdraw_case(case: AdjustmentCase, *, by: User, note: str, expected_stage: str | None = None) -> AdjustmentCase:
    with transaction.atomic():
        case = locked_case(case, expected_stage)
        case.withdraw(by=by, note=note)
        drop_from_windows(case, by=by, note=f"撤销：{note}")
    return case


@dataclass
class BatchResult:
    done: list[AdjustmentCase] = field(default_factory=list)
    refused: list[tuple[AdjustmentCase, str]] = field(default_factory=list)


def submit_cases(cases: Iterable[AdjustmentCase], *, by: User, today: datetime.date) -> BatchResult:
    """提交部门复核 of a village's cases, first come first served (先报先复核): each case that passes its guards
    moves to 部门复核 (``verification`` creates its tasks); the others stay, with the reason."""
    result = BatchResult()
    for case in sorted(cases, key=lambda c: c.pk):
        try:
            with transaction.atomic():
                locked = locked_case(case, Stage.SURVEY)
                locked.advance(by=by, note="提交部门复核", via=Via.SUBMISSION, today=today)
        except CaseError as error:
            result.refused.append((case, error.message))
        else:
            result.done.append(locked)
    return result
