"""Judgements as stored in a run and as the decision sheet (判定依据单) shows them.

``judgement_record()`` turns the rules' ``HouseholdJudgement`` into the JSON stored in ``EvaluationResult``: the
FORMATS §5 object (household, status, outcomes, members, warnings) plus every criterion with its figures and the facts
it used. Empty values are left out to keep a county run small; ``DecisionSheet`` reads the record back for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from households.idnumber import mask_id_number

from .rules import OUTCOME_ORDER, Criterion, FactUse, HouseholdJudgement, OutcomeCode
from .rules.codes import FACT_KIND_LABELS

# What each code is called on the pages (candidate lists, decision sheet).
OUTCOME_LABELS = {
    OutcomeCode.MISSED: "漏评候选",
    OutcomeCode.WRONG_INCLUSION: "错评候选",
    OutcomeCode.NORMAL_EXIT: "按正常程序退出",
    OutcomeCode.EXIT_READY: "可脱贫",
    OutcomeCode.EXIT_NOT_MET: "未达脱贫标准",
    OutcomeCode.WRONG_EXIT: "错退候选",
    OutcomeCode.CONTINUE_SUPPORT: "继续帮扶",
    OutcomeCode.RETURN_RISK: "返贫风险",
    OutcomeCode.MEMBER_REMOVAL: "成员应予清退",
}
WARNING_LABELS = {
    "DQ1": "收入连续年度无变化",
    "DQ2": "连续年度就读同一年级",
    "DQ3": "户主缺失或不唯一",
    "DQ4": "疑似分户争贫",
    "DQ5": "在册成员有死亡记录",
    "DQ6": "无在册成员",
    "DQ7": "缺少评估年度收入记录",
}
# Every code a candidate list can show, in the order of the candidate index page.
CANDIDATE_CODES = (*OUTCOME_ORDER, OutcomeCode.MEMBER_REMOVAL, *WARNING_LABELS)
CODE_LABELS = {**OUTCOME_LABELS, **{code: f"数据质量提示：{label}" for code, label in WARNING_LABELS.items()}}

CRITERION_TITLES = {
    "I1": "人均纯收入低于识别标准",
    "I2": "居住C级、D级危房",
    "I3": "家庭成员患有大病",
    "I4": "义务教育阶段外就读且负担较重",
    "I5": "享受低保且未达到脱贫标准",
    "E1": "财政供养人员",
    "E2": "村三委干部",
    "E3": "拥有机动车",
    "E4": "城镇房产",
    "E5": "长期雇工",
    "E6": "工商注册经营",
    "E7": "故意分户并户",
    "E8": "空挂户",
    "E9": "家庭成员死亡、失踪或不共享开支",
    "E10": "优亲厚友、弄虚作假",
    "Y1": "两不愁（收入、吃穿）",
    "Y2": "饮水安全",
    "Y3": "住房安全",
    "Y4": "义务教育",
    "Y5": "基本医疗",
    "Y6": "养老保险",
    "Y7": "帮扶措施",
    "G1": "家庭收入",
    "G2": "住房安全",
    "G3": "子女教育",
    "G4": "基本医疗",
    "G5": "饮用水",
    "G6": "通电",
    "G7": "广播电视",
    "G8": "网络",
}


def judgement_record(judgement: HouseholdJudgement) -> dict[str, Any]:
    """The JSON stored for one household: FORMATS §5 plus criteria, per-capita income and the policy version."""
    record = judgement.to_json_dict()
    record["members"] = [
        {"id_number": m.id_number, "name": m.name, "outcomes": [o.to_json_dict() for o in m.outcomes]}
        for m in judgement.members
        if m.outcomes
    ]
    record["policy"] = {"name": judgement.policy_name, "version": judgement.policy_version}
    if judgement.per_capita_income is not None:
        record["per_capita_income"] = str(judgement.per_capita_income)
    record["meets_identification"] = judgement.meets_identification
    record["criteria"] = {code: _criterion(c) for code, c in (judgement.criteria or {}).items()}
    return record


def _criterion(criterion: Criterion) -> dict[str, Any]:
    """``Criterion.as_dict()`` without the code (it is the key) and without empty values.

    Written out field by field: a county run stores two million criteria, and this is its hottest loop.
    """
    values: dict[str, Any] = {"holds": criterion.holds, "message": criterion.message}
    if criterion.value is not None and criterion.value != "":
        values["value"] = _plain(criterion.value)
    if criterion.threshold is not None and criterion.threshold != "":
        values["threshold"] = _plain(criterion.threshold)
    if criterion.facts:
        values["facts"] = [_fact_use(use) for use in criterion.facts]
    if criterion.excepted:
        values["excepted"] = True
    if criterion.exception:
        values["exception"] = criterion.exception
    return values


def _fact_use(use: FactUse) -> dict[str, Any]:
    return {k: v for k, v in use.as_dict().items() if v not in (None, "", False)}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class FactLine:
    kind: str
    member: str
    event_date: str
    amount: str
    category: str
    source: str
    recorded_on: str
    exit_measure: bool
    relocation_housing: bool
    exception_applies: bool
    reason: str


@dataclass
class CriterionLine:
    code: str
    title: str
    holds: bool
    status: str
    message: str
    value: str
    threshold: str
    excepted: bool = False
    exception: str = ""
    facts: list[FactLine] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        return self.code.startswith("E") and not self.holds and not self.excepted and not self.facts


@dataclass
class CriterionGroup:
    title: str
    lines: list[CriterionLine]
    note: str = ""

    @property
    def quiet_codes(self) -> list[str]:
        """Exclusion criteria that do not hold and used no fact: one summary line on paper (A4)."""
        return [line.code for line in self.lines if line.quiet]


@dataclass
class DecisionSheet:
    """The decision sheet's view of a stored (or freshly computed) judgement record."""

    record: dict[str, Any]
    groups: list[CriterionGroup]
    outcomes: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    members: list[dict[str, Any]]

    @property
    def per_capita_text(self) -> str:
        return _shown(self.record.get("per_capita_income"))

    @property
    def policy_citation(self) -> str:
        policy = self.record.get("policy") or {}
        return f"{policy.get('name', '')} 第{policy.get('version', '')}版"


def decision_sheet(record: dict[str, Any]) -> DecisionSheet:
    criteria = record.get("criteria") or {}
    status = record.get("status")
    groups = []
    identification = [_line(code, criteria[code], "成立", "不成立") for code in _codes(criteria, "I")]
    if identification:
        met = "符合" if record.get("meets_identification") else "不符合"
        groups.append(
            CriterionGroup("识别条件（I1 且 I2–I4 之一，或 I5）", identification, note=f"本户{met}贫困对象识别条件")
        )
    exclusion = [_line(code, criteria[code], "属实", "不属实") for code in _codes(criteria, "E")]
    if exclusion:
        note = "" if status != "ordinary" else "一般农户未建档立卡，不适用例外情形"
        groups.append(CriterionGroup("错评情形（十类应剔除情形）", exclusion, note=note))
    standards = [
        _line(code, criteria[code], "达标", "未达标") for code in _codes(criteria, "Y") + _codes(criteria, "G")
    ]
    if standards:
        groups.append(CriterionGroup("脱贫标准", standards))
    outcomes = [{**o, "label": OUTCOME_LABELS.get(o["code"], o["code"])} for o in record.get("outcomes", [])]
    warnings = [{**w, "label": WARNING_LABELS.get(w["code"], w["code"])} for w in record.get("warnings", [])]
    members = [
        {"name": m.get("name", ""), "id_masked": mask_id_number(m["id_number"]), "outcomes": m["outcomes"]}
        for m in record.get("members", [])
    ]
    return DecisionSheet(record, groups, outcomes, warnings, members)


def _codes(criteria: dict[str, Any], prefix: str) -> list[str]:
    return sorted((c for c in criteria if c.startswith(prefix)), key=lambda c: int(c[1:]))


def _line(code: str, values: dict[str, Any], yes: str, no: str) -> CriterionLine:
    holds = bool(values.get("holds"))
    excepted = bool(values.get("excepted"))
    return CriterionLine(
        code=code,
        title=CRITERION_TITLES.get(code, code),
        holds=holds,
        status="属例外情形" if excepted else (yes if holds else no),
        message=values.get("message", ""),
        value=_shown(values.get("value")),
        threshold=_shown(values.get("threshold")),
        excepted=excepted,
        exception=values.get("exception", ""),
        facts=[_fact_line(use) for use in values.get("facts", [])],
    )


def _fact_line(use: dict[str, Any]) -> FactLine:
    return FactLine(
        kind=FACT_KIND_LABELS.get(use.get("kind", ""), use.get("kind", "")),
        member=use.get("member_name") or ("全户" if not use.get("member_id_number") else ""),
        event_date=use.get("event_date") or "无发生日期",
        amount=_shown(use.get("amount")),
        category=use.get("category", ""),
        source=use.get("source", ""),
        recorded_on=use.get("recorded_on", ""),
        exit_measure=bool(use.get("exit_measure")),
        relocation_housing=bool(use.get("relocation_housing")),
        exception_applies=bool(use.get("exception_applies")),
        reason=use.get("reason", ""),
    )


def _shown(value: Any) -> str:
    """Figures as the sheet prints them: money with separators, True/False as 是/否."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return value
        if "." in value:
            return f"{number:,.2f}" if number == number.quantize(Decimal("0.01")) else f"{number.normalize():,f}"
        return value
    return str(value)
