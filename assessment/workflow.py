"""The campaign workflow of SPEC §5 declared in one place: case kinds, stages, and who may move a case where.

Nothing here touches the database: ``AdjustmentCase`` (models.py) checks every move against these tables and the
guards in ``assessment/guards.py``; docs/workflow.md prints the same tables for people.

A *step* is one move forward along the path. ``via`` says which operation performs it:

- ``manual``: the 推进 button on the case page (a meeting record performs the same step, with the same guard);
- ``submission``: 提交部门复核 of a village's cases (survey → department review);
- ``system``: the department-review stage is owned by ``verification`` (SPEC §0): it moves the case on when the
  case's last required task closes; no person can;
- ``window``: a publicity window moves its cases on when it closes (and a dismissed complaint after it closed);
- ``approval``: county approval, which applies the case to the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from households.choices import Role


class CaseKind(models.TextChoices):
    NEW = "new", "新识别（漏评纳入）"
    WRONG_INCLUSION = "wrong_inclusion", "错评清退"
    WRONG_EXIT = "wrong_exit", "错退重新纳入"
    EXIT = "exit", "脱贫退出"
    RETURN = "return", "返贫纳入"


# The word in the case number: 2018-错评-0001.
KIND_SHORT = {
    CaseKind.NEW: "新识别",
    CaseKind.WRONG_INCLUSION: "错评",
    CaseKind.WRONG_EXIT: "错退",
    CaseKind.EXIT: "退出",
    CaseKind.RETURN: "返贫",
}

# SPEC §5.4 (先退后进): the kinds that bring a household (back) into the registry.
INCLUSION_KINDS = frozenset({CaseKind.NEW, CaseKind.WRONG_EXIT, CaseKind.RETURN})


class Stage(models.TextChoices):
    ANALYSIS = "analysis", "贫情分析"
    SURVEY = "survey", "实地调查"
    DEPARTMENT_REVIEW = "department_review", "部门复核"
    PUBLIC_REVIEW = "public_review", "公开评议"
    VILLAGE_DECISION = "village_decision", "村两委决定"
    VILLAGE_PUBLICITY = "village_publicity", "村级公示"
    REPRESENTATIVES = "representatives", "村民代表会决议"
    TOWNSHIP_REVIEW = "township_review", "乡镇审定"
    TOWNSHIP_PUBLICITY = "township_publicity", "乡镇公示"
    COUNTY_APPROVAL = "county_approval", "县级审定"
    APPROVED = "approved", "已审定公告"
    WITHDRAWN = "withdrawn", "已撤销"


# SPEC §5 in order; every kind follows it ("Exit cases follow the same path").
PATH = (
    Stage.ANALYSIS,
    Stage.SURVEY,
    Stage.DEPARTMENT_REVIEW,
    Stage.PUBLIC_REVIEW,
    Stage.VILLAGE_DECISION,
    Stage.VILLAGE_PUBLICITY,
    Stage.REPRESENTATIVES,
    Stage.TOWNSHIP_REVIEW,
    Stage.TOWNSHIP_PUBLICITY,
    Stage.COUNTY_APPROVAL,
    Stage.APPROVED,
)
OPEN_STAGES = PATH[:-1]
CLOSED_STAGES = frozenset({Stage.APPROVED, Stage.WITHDRAWN})
STAGE_INDEX = {stage: i for i, stage in enumerate(PATH)}


class Action(models.TextChoices):
    OPEN = "open", "立案"
    ADVANCE = "advance", "推进"
    RETURN = "return", "退回整改"
    WITHDRAW = "withdraw", "撤销"
    APPROVE = "approve", "县审定"


class Via(models.TextChoices):
    MANUAL = "manual", "办理人推进"
    SUBMISSION = "submission", "提交部门复核"
    SYSTEM = "system", "部门复核完成"
    WINDOW = "window", "公示期满"
    APPROVAL = "approval", "县级审定"


VILLAGE = Role.VILLAGE
TOWNSHIP = Role.TOWNSHIP
COUNTY = Role.COUNTY


@dataclass(frozen=True)
class Step:
    """One move forward: from a stage to the next, by which roles and through which operation."""

    source: str
    target: str
    roles: frozenset[str]
    via: str
    label: str  # the button or the event that performs it


def _path_steps() -> dict[str, Step]:
    steps = [
        Step(Stage.ANALYSIS, Stage.SURVEY, frozenset({VILLAGE, TOWNSHIP, COUNTY}), Via.MANUAL, "确定入户调查"),
        Step(Stage.SURVEY, Stage.DEPARTMENT_REVIEW, frozenset({TOWNSHIP, COUNTY}), Via.SUBMISSION, "提交部门复核"),
        Step(Stage.DEPARTMENT_REVIEW, Stage.PUBLIC_REVIEW, frozenset(), Via.SYSTEM, "部门复核全部完成"),
        Step(Stage.PUBLIC_REVIEW, Stage.VILLAGE_DECISION, frozenset({VILLAGE, TOWNSHIP}), Via.MANUAL, "评议通过"),
        Step(
            Stage.VILLAGE_DECISION, Stage.VILLAGE_PUBLICITY, frozenset({VILLAGE, TOWNSHIP}), Via.MANUAL, "两委决定通过"
        ),
        Step(Stage.VILLAGE_PUBLICITY, Stage.REPRESENTATIVES, frozenset({TOWNSHIP, COUNTY}), Via.WINDOW, "村级公示期满"),
        Step(
            Stage.REPRESENTATIVES, Stage.TOWNSHIP_REVIEW, frozenset({VILLAGE, TOWNSHIP}), Via.MANUAL, "代表会决议通过"
        ),
        Step(Stage.TOWNSHIP_REVIEW, Stage.TOWNSHIP_PUBLICITY, frozenset({TOWNSHIP}), Via.MANUAL, "乡镇审定通过"),
        Step(Stage.TOWNSHIP_PUBLICITY, Stage.COUNTY_APPROVAL, frozenset({COUNTY}), Via.WINDOW, "乡镇公示期满"),
        Step(Stage.COUNTY_APPROVAL, Stage.APPROVED, frozenset({COUNTY}), Via.APPROVAL, "县级审定并公告"),
    ]
    return {step.source: step for step in steps}


# The forward steps per kind. Every kind shares the SPEC §5 path today; a county whose procedure differs for one
# kind changes only that kind's entry here.
STEPS: dict[str, dict[str, Step]] = {kind: _path_steps() for kind in CaseKind.values}

# Who may open a case of each kind (the county office finds 错评 in department registers too).
OPEN_ROLES: dict[str, frozenset[str]] = {
    CaseKind.NEW: frozenset({VILLAGE, TOWNSHIP}),
    CaseKind.WRONG_INCLUSION: frozenset({VILLAGE, TOWNSHIP, COUNTY}),
    CaseKind.WRONG_EXIT: frozenset({VILLAGE, TOWNSHIP}),
    CaseKind.EXIT: frozenset({VILLAGE, TOWNSHIP}),
    CaseKind.RETURN: frozenset({VILLAGE, TOWNSHIP}),
}

# The household statuses a kind applies to (a 新识别 may re-include a household removed earlier: see guards).
ELIGIBLE_STATUS: dict[str, frozenset[str]] = {
    CaseKind.NEW: frozenset({"ordinary", "removed"}),
    CaseKind.WRONG_INCLUSION: frozenset({"poor", "exited"}),
    CaseKind.WRONG_EXIT: frozenset({"exited"}),
    CaseKind.EXIT: frozenset({"poor"}),
    CaseKind.RETURN: frozenset({"exited"}),
}

# Return for rework and withdrawal "at any stage" (SPEC §5), by the level that owns the stage or a higher one.
_VILLAGE_UP = frozenset({VILLAGE, TOWNSHIP, COUNTY})
_TOWNSHIP_UP = frozenset({TOWNSHIP, COUNTY})
_COUNTY = frozenset({COUNTY})
RETURN_ROLES: dict[str, frozenset[str]] = {
    Stage.ANALYSIS: frozenset(),  # nothing earlier to return to: withdraw instead
    Stage.SURVEY: _VILLAGE_UP,
    Stage.DEPARTMENT_REVIEW: _TOWNSHIP_UP,
    Stage.PUBLIC_REVIEW: _VILLAGE_UP,
    Stage.VILLAGE_DECISION: _VILLAGE_UP,
    Stage.VILLAGE_PUBLICITY: _TOWNSHIP_UP,
    Stage.REPRESENTATIVES: _VILLAGE_UP,
    Stage.TOWNSHIP_REVIEW: _TOWNSHIP_UP,
    Stage.TOWNSHIP_PUBLICITY: _TOWNSHIP_UP,
    Stage.COUNTY_APPROVAL: _COUNTY,
}
WITHDRAW_ROLES: dict[str, frozenset[str]] = {
    Stage.ANALYSIS: _VILLAGE_UP,
    Stage.SURVEY: _VILLAGE_UP,
    Stage.DEPARTMENT_REVIEW: _TOWNSHIP_UP,
    Stage.PUBLIC_REVIEW: _TOWNSHIP_UP,
    Stage.VILLAGE_DECISION: _TOWNSHIP_UP,
    Stage.VILLAGE_PUBLICITY: _TOWNSHIP_UP,
    Stage.REPRESENTATIVES: _TOWNSHIP_UP,
    Stage.TOWNSHIP_REVIEW: _TOWNSHIP_UP,
    Stage.TOWNSHIP_PUBLICITY: _TOWNSHIP_UP,
    Stage.COUNTY_APPROVAL: _COUNTY,
}
# Where a returned case may be sent: the survey (facts change, departments check again), the public review (the
# village procedure is repeated) or the township review. Only stages before the current one are offered.
RETURN_TARGETS = (Stage.SURVEY, Stage.PUBLIC_REVIEW, Stage.TOWNSHIP_REVIEW)

# Two open cases of these kinds for one household contradict each other (SPEC §5; issue 5 guard rules). A case
# conflicts with an open case of its own kind too. A 错评 case that removes only members (E9) conflicts with none
# of the other kinds: removing a deceased member and the household's exit can go together.
CONFLICTING_KINDS = frozenset(
    {
        frozenset({CaseKind.WRONG_INCLUSION, CaseKind.EXIT}),
        frozenset({CaseKind.WRONG_INCLUSION, CaseKind.WRONG_EXIT}),
        frozenset({CaseKind.WRONG_INCLUSION, CaseKind.RETURN}),
        frozenset({CaseKind.WRONG_EXIT, CaseKind.RETURN}),
    }
)

# The rules' outcome that supports each kind (recorded at opening; a person may open a case the rules do not
# support, and the case page says so).
SUPPORTING_OUTCOME = {
    CaseKind.NEW: "MISSED",
    CaseKind.WRONG_INCLUSION: "WRONG_INCLUSION",
    CaseKind.WRONG_EXIT: "WRONG_EXIT",
    CaseKind.EXIT: "EXIT_READY",
    CaseKind.RETURN: "RETURN_RISK",
}
# The case kind a candidate list's code suggests (立案 button on the list).
KIND_FOR_OUTCOME = {
    "MISSED": CaseKind.NEW,
    "WRONG_INCLUSION": CaseKind.WRONG_INCLUSION,
    "MEMBER_REMOVAL": CaseKind.WRONG_INCLUSION,
    "NORMAL_EXIT": CaseKind.EXIT,
    "EXIT_READY": CaseKind.EXIT,
    "WRONG_EXIT": CaseKind.WRONG_EXIT,
    "RETURN_RISK": CaseKind.RETURN,
}


class ReturnCause(models.TextChoices):
    """SPEC §4.4: a return to poverty needs a stated cause (seed 003: 因灾、因病、因学等特殊情况)."""

    DISASTER = "disaster", "因灾"
    ILLNESS = "illness", "因病"
    SCHOOLING = "schooling", "因学"
    OTHER = "other", "其他"


def step_from(kind: str, stage: str) -> Step | None:
    return STEPS[kind].get(stage)


def is_open(stage: str) -> bool:
    return stage not in CLOSED_STAGES


def stage_reached(stage: str, target: str) -> bool:
    """Whether a case at ``stage`` has reached ``target`` on the path (withdrawn cases reach nothing)."""
    if stage == Stage.WITHDRAWN:
        return False
    return STAGE_INDEX[stage] >= STAGE_INDEX[target]


def return_targets(stage: str) -> list[str]:
    if stage not in STAGE_INDEX:
        return []
    return [target for target in RETURN_TARGETS if STAGE_INDEX[target] < STAGE_INDEX[stage]]


def kinds_conflict(kind: str, removes_household: bool, other_kind: str, other_removes_household: bool) -> bool:
    member_only = kind == CaseKind.WRONG_INCLUSION and not removes_household
    other_member_only = other_kind == CaseKind.WRONG_INCLUSION and not other_removes_household
    if member_only or other_member_only:
        # Member-only removals conflict with each other (put both members in one case) and with removing the
        # whole household.
        return kind == other_kind
    return kind == other_kind or frozenset({kind, other_kind}) in CONFLICTING_KINDS
