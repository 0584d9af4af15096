"""The department cross-check (SPEC §6): tasks for submitted cases, the tick-off, and register matching.

This app owns the 部门复核 stage of a case (SPEC §0): ``create_case_tasks`` runs when a case enters it (receivers.py),
and ``finish_case_if_done`` moves the case on when its last required task has closed with nothing found untrue.
A task ticked 不属实 keeps the case at 部门复核: the township returns it for rework (the next submission creates
new tasks) or withdraws it. 需补充 sends the task back to the township, which adds the missing information; the task
then returns to the queue in its original place (先报先复核).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessment.loader import load_chunks, registry_shared_addresses
from assessment.models import AdjustmentCase, Campaign, CaseError, Policy
from assessment.rules import evaluate_household
from assessment.workflow import INCLUSION_KINDS, CaseKind, Stage
from households.choices import FactKind, FactSource, Relation, Role
from households.excel.cli import change_reason
from households.excel.facts import FactFile, FactPlan, apply_facts, plan_facts, validate_facts
from households.models import Fact, Household, Member, User

from .models import CheckRule, Department, VerificationTask

Status = VerificationTask.Status
Result = VerificationTask.Result

# The exclusion criteria whose department result is itself a fact (SPEC §2 fact kinds).
FACT_KIND_FOR_ITEM = {
    "E1": FactKind.PUBLIC_PAYROLL,
    "E2": FactKind.VILLAGE_CADRE,
    "E3": FactKind.VEHICLE,
    "E4": FactKind.URBAN_PROPERTY,
    "E5": FactKind.HIRED_LABOUR,
    "E6": FactKind.BUSINESS,
}
# Checks of the household's dwelling concern the head only; the others every active member.
HEAD_ONLY_ITEMS = frozenset({"Y2", "Y3", "G2", "G5"})
STANDARD_PREFIX = {"yunnan7": "Y", "guangdong8": "G"}
SUPPLEMENT_ROLES = frozenset({Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY})


class TaskError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Creating tasks when a case is submitted.


def rules_for(case: AdjustmentCase) -> list[CheckRule]:
    prefix = STANDARD_PREFIX.get(case.policy.exit_standard_set, "Y")
    rules = CheckRule.objects.filter(is_active=True, department__is_active=True).select_related("department")
    return [
        rule
        for rule in rules.order_by("department__code", "item", "pk")
        if rule.applies_to(case) and not (rule.item[:1] in "YG" and rule.item[:1] != prefix)
    ]


def item_for(rule: CheckRule, case: AdjustmentCase) -> dict[str, str]:
    criterion = (case.judgement.get("criteria") or {}).get(rule.item) or {}
    if rule.always and rule.statement:
        text = rule.statement
    elif rule.item in case.criteria_list and criterion.get("message"):
        text = criterion["message"]
    elif criterion.get("message"):
        text = f"评估：{criterion['message']}"
    else:
        text = rule.title
    return {"code": rule.item, "title": rule.title, "text": text}


def concerned_members(case: AdjustmentCase, items: list[dict[str, str]], active: list[Member]) -> list[int]:
    """Data minimisation: the members a department needs to see for these items, no one else."""
    wanted: set[int] = set()
    by_id_number = {m.id_number: m.pk for m in active}
    head = next((m.pk for m in active if m.relation == Relation.HEAD), None)
    criteria = case.judgement.get("criteria") or {}
    for item in items:
        code = item["code"]
        if code in HEAD_ONLY_ITEMS:
            wanted.update([head] if head else [])
            continue
        cited = [
            by_id_number[use["member_id_number"]]
            for use in (criteria.get(code) or {}).get("facts", [])
            if use.get("member_id_number") in by_id_number
        ]
        if code in case.criteria_list and cited:
            wanted.update(cited)
        else:
            wanted.update(m.pk for m in active)
    removals = [r.member_id for r in case.member_removals.all()]
    if any(item["code"] == "E9" for item in items):
        wanted.update(removals)
    return sorted(wanted)


def create_case_tasks(case: AdjustmentCase, *, by: User) -> list[VerificationTask]:
    """One task per department for a case entering 部门复核; none needed → the case moves on at once."""
    today = timezone.localdate()
    cancel_case_tasks(case, note="重新提交部门复核")
    by_department: dict[int, tuple[Department, list[dict[str, str]]]] = {}
    for rule in rules_for(case):
        entry = by_department.setdefault(rule.department_id, (rule.department, []))
        if not any(item["code"] == rule.item for item in entry[1]):
            entry[1].append(item_for(rule, case))
    if not by_department:
        case.finish_department_review(by=by, note="无需部门复核的核查事项")
        return []
    active = list(case.household.members.filter(is_active=True).order_by("pk"))
    now = timezone.now()
    tasks = [
        VerificationTask.objects.create(
            department=department,
            source=VerificationTask.Source.CASE,
            case=case,
            household=case.household,
            items=items,
            member_ids=concerned_members(case, items, active),
            submitted_at=now,
            due_on=VerificationTask.due_date(department, today),
        )
        for department, items in by_department.values()
    ]
    return tasks


def cancel_case_tasks(case: AdjustmentCase, *, note: str) -> int:
    """A case that left 部门复核 another way (returned, withdrawn) no longer needs its pending checks."""
    pending = list(
        VerificationTask.objects.select_for_update().filter(
            case=case, source=VerificationTask.Source.CASE, status__in=VerificationTask.PENDING
        )
    )
    for task in pending:
        task.move_to(Status.CANCELLED)
        task.note = (task.note + "\n" if task.note else "") + f"已取消：{note}"
        task.closed_at = timezone.now()
        task.save(update_fields=["status", "note", "closed_at"])
    return len(pending)


def finish_case_if_done(case: AdjustmentCase, *, by: User) -> bool:
    """Move the case on when its last required task closed and no department found an item untrue."""
    case = AdjustmentCase.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=case.pk)
    if case.stage != Stage.DEPARTMENT_REVIEW:
        return False
    tasks = list(case.verification_tasks.exclude(status=Status.CANCELLED).select_related("department"))
    required = [t for t in tasks if t.required]
    if any(t.is_pending for t in required):
        return False
    if any(t.result == Result.NOT_TRUE for t in required):
        return False
    summary = "；".join(f"{t.department.code}{t.get_result_display()}" for t in required)
    case.finish_department_review(by=by, note=f"部门复核完成：{summary}")
    return True


# Ticking tasks off.


def require_department_user(user: User, task: VerificationTask) -> None:
    if not (user.is_active and user.role == Role.DEPARTMENT and user.department == task.department.code):
        raise PermissionDenied("只有该部门的核查员可以核查此任务")


@dataclass
class FactDetails:
    """What a department found when it says an inclusion case's 'no such asset' is untrue."""

    member: Member | None = None
    event_date: datetime.date | None = None
    amount: Decimal | None = None
    category: str = ""


def tick_off(
    task: VerificationTask,
    *,
    by: User,
    result: str,
    note: str = "",
    details: FactDetails | None = None,
) -> VerificationTask:
    if result not in Result.values:
        raise TaskError("请选择核查结果")
    if result != Result.CONFIRMED and not note.strip():
        raise TaskError("不属实或需补充时必须填写说明")
    with transaction.atomic():
        task = (
            VerificationTask.objects.select_for_update(of=("self",))
            .select_related("department", "case__campaign", "household")
            .get(pk=task.pk)
        )
        require_department_user(by, task)
        if task.status != Status.OPEN:
            raise TaskError(f"该任务{task.get_status_display()}，不能再核查")
        task.move_to(Status.NEEDS_INFO if result == Result.NEEDS_MORE else Status.CLOSED)
        task.result = result
        task.note = note.strip()
        task.closed_by = by
        task.closed_at = timezone.now()
        task.save(update_fields=["status", "result", "note", "closed_by", "closed_at"])
        record_result_facts(task, by=by, details=details)
        if task.case_id and task.status == Status.CLOSED:
            finish_case_if_done(task.case, by=by)
    return task


def bulk_confirm(tasks: Iterable[VerificationTask], *, by: User, note: str = "") -> int:
    """核实属实 for several tasks at once, in queue order; each closes as if ticked one by one."""
    done = 0
    for task in sorted(tasks, key=lambda t: (t.submitted_at, t.pk)):
        tick_off(task, by=by, result=Result.CONFIRMED, note=note)
        done += 1
    return done


def can_supplement(user: User) -> bool:
    return user.is_active and user.role in SUPPLEMENT_ROLES


def add_supplement(task: VerificationTask, *, by: User, text: str) -> VerificationTask:
    """The township answers 需补充: the task goes back to the department's queue in its original place."""
    if not can_supplement(by):
        raise PermissionDenied("您的角色不能补充核查材料")
    if not text.strip():
        raise TaskError("请填写补充的材料或说明")
    with transaction.atomic():
        task = VerificationTask.objects.select_for_update().get(pk=task.pk)
        if task.status != Status.NEEDS_INFO:
            raise TaskError("该任务不需要补充材料")
        task.move_to(Status.OPEN)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        task.supplement = (
            task.supplement + "\n" if task.supplement else ""
        ) + f"{stamp} {by.display_name}：{text.strip()}"
        task.result = ""
        task.save(update_fields=["status", "supplement", "result"])
    return task


def record_result_facts(task: VerificationTask, *, by: User, details: FactDetails | None) -> list[Fact]:
    """The result becomes a fact with its source (部门核实·<department>) where the item is a fact of SPEC §2:
    a 错评 case's cited facts confirmed, or an asset found for a household being brought in."""
    case = task.case
    if case is None or task.status != Status.CLOSED:
        return []
    source_name = task.department.name or task.department.code
    today = timezone.localdate()
    facts: list[Fact] = []
    base = f"部门核实（{source_name}，案件 {case.number}）"
    for item in task.items:
        kind = FACT_KIND_FOR_ITEM.get(item["code"])
        if kind is None:
            continue
        if case.kind == CaseKind.WRONG_INCLUSION and task.result == Result.CONFIRMED:
            uses = ((case.judgement.get("criteria") or {}).get(item["code"]) or {}).get("facts", [])
            cited = Fact.objects.filter(
                pk__in=[u["fact_id"] for u in uses if u.get("fact_id")], household=task.household
            )
            for fact in cited:
                facts.append(
                    Fact(
                        household_id=fact.household_id,
                        member_id=fact.member_id,
                        kind=fact.kind,
                        event_date=fact.event_date,
                        amount=fact.amount,
                        exit_measure=fact.exit_measure,
                        relocation_housing=fact.relocation_housing,
                        category=fact.category,
                        note=f"{base}：核实属实。{task.note}".strip(),
                    )
                )
        elif case.kind in INCLUSION_KINDS and task.result == Result.NOT_TRUE:
            found = details or FactDetails()
            if kind == FactKind.VEHICLE and found.amount is None:
                raise TaskError("核实有机动车时必须填写购车价格")
            facts.append(
                Fact(
                    household_id=task.household_id,
                    member=found.member,
                    kind=kind,
                    event_date=found.event_date,
                    amount=found.amount,
                    category=found.category,
                    note=f"{base}：{item['title']}不属实。{task.note}".strip(),
                )
            )
    for fact in facts:
        fact.source = FactSource.VERIFICATION
        fact.source_name = source_name
        fact.recorded_on = today
        fact.created_by = by
    if facts:
        bulk_create_with_history(facts, Fact, default_user=by, default_change_reason=base[:100])
    return facts


# Register matching (大数据比对).


@dataclass
class RegisterResult:
    file: FactFile
    plan: FactPlan | None = None
    counts: dict[str, int] | None = None
    queued: list[VerificationTask] = field(default_factory=list)
    policy: Policy | None = None

    @property
    def ok(self) -> bool:
        return self.file.ok and (self.plan is None or self.plan.ok)


def matching_policy() -> Policy | None:
    campaign = Campaign.objects.current()
    policy = campaign.policy if campaign else Policy.objects.filter(is_current=True).first()
    return policy if policy is not None and policy.is_usable else None


def outcome_codes(household_ids: Iterable[int], policy: Policy) -> dict[int, frozenset[str]]:
    """Each household's outcome codes now (member removals included), in a constant number of queries per chunk."""
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    rules_policy = policy.as_rules_policy()
    shared = registry_shared_addresses()
    codes: dict[int, frozenset[str]] = {}
    for chunk in load_chunks(Household.objects.filter(pk__in=ids), income_year=policy.income_year):
        for loaded in chunk:
            judgement = evaluate_household(loaded.data, rules_policy, shared_addresses=shared)
            found = set(judgement.outcome_codes)
            if any(m.outcomes for m in judgement.members):
                found.add("MEMBER_REMOVAL")
            codes[loaded.pk] = frozenset(found)
    return codes


def process_register(
    path: str | Path,
    *,
    department: Department,
    by: User,
    file_name: str = "",
    dry_run: bool = False,
) -> RegisterResult:
    """A department's register extract (FORMATS §3) matched against all members by ID number in one pass: facts
    are recorded with the department as source, and each hit that changes a household's outcome goes straight
    into the department's queue."""
    file = validate_facts(path)
    result = RegisterResult(file=file)
    if not file.ok:
        return result
    with transaction.atomic():
        plan = plan_facts(file)
        result.plan = plan
        if not plan.ok or dry_run:
            return result
        touched = {p.household_id for p in plan.new} | {fact.household_id for fact, _c, _r in plan.updated}
        policy = matching_policy()
        result.policy = policy
        before = outcome_codes(touched, policy) if policy else {}
        source_name = department.name or department.code
        result.counts = apply_facts(
            plan,
            user=by,
            reason=change_reason(f"部门数据比对（{source_name}）", file_name or path),
            source_name=source_name,
        )
        if policy is None:
            return result
        after = outcome_codes(touched, policy)
        hits = _hits_by_household(plan)
        today = timezone.localdate()
        now = timezone.now()
        open_cases = dict(
            AdjustmentCase.objects.open()
            .filter(household_id__in=[pk for pk in touched if before.get(pk) != after.get(pk)])
            .values_list("household_id", "pk")
        )
        for household_id in sorted(touched):
            old, new = before.get(household_id, frozenset()), after.get(household_id, frozenset())
            if old == new:
                continue
            rows = hits[household_id]
            result.queued.append(
                VerificationTask.objects.create(
                    department=department,
                    source=VerificationTask.Source.REGISTER,
                    case_id=open_cases.get(household_id),
                    household_id=household_id,
                    items=[
                        {
                            "code": "MATCH",
                            "title": "大数据比对",
                            "text": f"{'；'.join(rows['facts'])}。评估结果由「{_codes(old)}」变为「{_codes(new)}」",
                        }
                    ],
                    member_ids=sorted(rows["members"]),
                    required=False,
                    submitted_at=now,
                    due_on=VerificationTask.due_date(department, today),
                )
            )
    return result


def _hits_by_household(plan: FactPlan) -> dict[int, dict[str, Any]]:
    labels = dict(FactKind.choices)
    hits: dict[int, dict[str, Any]] = defaultdict(lambda: {"facts": [], "members": set()})
    for planned in plan.new:
        values = planned.row.values
        text = labels.get(values["kind"], values["kind"])
        if values.get("amount") is not None:
            text += f" {values['amount']:,.2f} 元"
        if values.get("event_date"):
            text += f"（{values['event_date']:%Y-%m-%d}）"
        hits[planned.household_id]["facts"].append(f"第{planned.row.row}行 {text}")
        if planned.member_id:
            hits[planned.household_id]["members"].add(planned.member_id)
    for fact, _changes, row in plan.updated:
        hits[fact.household_id]["facts"].append(f"第{row.row}行 {labels.get(fact.kind, fact.kind)}（更新）")
        if fact.member_id:
            hits[fact.household_id]["members"].add(fact.member_id)
    return hits


def _codes(codes: frozenset[str]) -> str:
    return "、".join(sorted(codes)) or "无"


def require_case_stage(case: AdjustmentCase) -> None:
    if case.stage != Stage.DEPARTMENT_REVIEW:
        raise CaseError("案件不在部门复核环节")
