"""The ten exclusion criteria E1–E10 with their exceptions (SPEC §4.2, seed 001 §二(二)).

For a registered household (``poor`` or ``exited``) the exceptions apply: an E code whose every fact is excused
does not hold but is ``excepted`` (it gives NORMAL_EXIT for a ``poor`` household). For an ``ordinary`` household
(the MISSED check) the exceptions do not apply: it was never registered and has no R.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from .codes import EXCLUSION_FACT_KIND, REMOVAL_FACT_KINDS, FactKind, OutcomeCode, Status
from .context import HouseholdContext
from .data import FactData, MemberData
from .results import Criterion, FactUse, MemberJudgement, Outcome
from .text import cite, day, fact_detail, money

# What each criterion says about a fact; {who} is 「家庭成员张三」 or 「家庭成员」 for a household-level fact.
_PHRASES = {
    "E1": "{who}为在岗在编财政供养人员",
    "E2": "{who}为现任村三委干部",
    "E3": "拥有价格 {amount} 元的机动车",
    "E4": "在城镇拥有自建房、商品房或门面房",
    "E5": "长期雇佣他人从事生产经营活动",
    "E6": "经工商注册登记并实际开展经营活动",
    "E7": "为享受扶贫支持故意分户、并户",
    "E8": "为获取利益将户口迁入村组的空挂户",
    "E10": "优亲厚友、弄虚作假、信息失真",
}


def after_registration(event: date | None, registered_on: date | None) -> bool:
    """Whether an event is after R: strictly later than R. No date (or no R) counts as before."""
    return event is not None and registered_on is not None and event > registered_on


def _date_reason(fact: FactData, registered_on: date | None) -> tuple[bool, str]:
    """E1/E2 (「建档立卡后…的，不认定为错评」): the date alone decides; the other exceptions build on it."""
    if registered_on is None:
        return False, "建档立卡日期未知，不能认定发生在建档立卡后"
    if fact.event_date is None:
        return False, "无发生日期，视为建档立卡前"
    if after_registration(fact.event_date, registered_on):
        return True, f"发生日期 {day(fact.event_date)} 晚于建档立卡日期 {day(registered_on)}"
    return False, f"发生日期 {day(fact.event_date)} 不晚于建档立卡日期 {day(registered_on)}"


def _exit_measure_exception(fact: FactData, registered_on: date | None) -> tuple[bool, str]:
    """E3/E6: after R **and** recorded as an exit measure (「…后…并作为脱贫措施的」)."""
    after, reason = _date_reason(fact, registered_on)
    if not after:
        return False, reason
    if fact.exit_measure:
        return True, f"{reason}，且作为脱贫措施"
    return False, f"{reason}，但未作为脱贫措施"


def _property_exception(fact: FactData, registered_on: date | None) -> tuple[bool, str]:
    """E4: relocation housing (易地搬迁进城安置), or after R and recorded as an exit measure."""
    if fact.relocation_housing:
        return True, "易地搬迁进城安置住房"
    applies, reason = _exit_measure_exception(fact, registered_on)
    return applies, reason if applies else f"{reason}，且非易地搬迁安置住房"


_EXCEPTIONS: dict[str, Callable[[FactData, date | None], tuple[bool, str]]] = {
    "E1": _date_reason,
    "E2": _date_reason,
    "E3": _exit_measure_exception,
    "E4": _property_exception,
    "E6": _exit_measure_exception,
}
_NO_EXCEPTION_FOR_ORDINARY = "一般农户未建档立卡"


def exclusion_criteria(ctx: HouseholdContext, *, meets_identification: bool) -> dict[str, Criterion]:
    """E1–E8 and E10 by code (E9 is per member: ``member_removals``)."""
    result = dict(ctx.prepared.absent_exclusions)
    facts_by_kind = ctx.facts
    if not facts_by_kind:
        return result
    hh = ctx.household
    apply_exceptions = hh.status != Status.ORDINARY
    registered_on = hh.registered_on
    limit = ctx.prepared.vehicle_limit
    for code, kind in EXCLUSION_FACT_KIND.items():
        facts = facts_by_kind.get(kind)
        if not facts:
            continue
        value = None
        if code == "E3":
            prices = [f.amount for f in facts if f.amount is not None]
            value = max(prices) if prices else None
            facts = [f for f in facts if f.amount is not None and f.amount >= limit]
            if not facts:
                result[code] = Criterion(code, False, result[code].message, value, limit)
                continue
        exception = _EXCEPTIONS.get(code)
        uses = []
        for fact in facts:
            if exception is None:
                applies, reason = False, ""
            elif apply_exceptions:
                applies, reason = exception(fact, registered_on)
            else:
                applies, reason = False, _NO_EXCEPTION_FOR_ORDINARY
            uses.append(FactUse(fact, ctx.who(fact), applies, reason))
        result[code] = _judge(code, uses, ctx, value, meets_identification)
    return result


def _threshold(code: str, ctx: HouseholdContext):
    if code == "E3":
        return ctx.prepared.vehicle_limit
    if code in _EXCEPTIONS:
        return ctx.household.registered_on
    return None


def _judge(code: str, uses: list[FactUse], ctx: HouseholdContext, value, meets_identification: bool) -> Criterion:
    counted = [use for use in uses if not use.exception_applies]
    threshold = _threshold(code, ctx)
    facts = tuple(uses)
    if code in ("E7", "E10"):
        # 「…，不符合贫困对象识别条件的」: these criteria need both the fact and a household that does not qualify.
        phrases = "；".join(_phrase(code, use) for use in uses)
        if meets_identification:
            message = f"{phrases}，但符合贫困对象识别条件，不据此剔除"
            return Criterion(code, False, message, value, threshold, facts)
        return Criterion(code, True, f"{phrases}，且不符合贫困对象识别条件", value, threshold, facts)
    if counted:
        # Say why the exception did not apply to each fact that counts.
        phrases = "；".join(
            _phrase(code, use) + (f"，{use.reason}，不适用例外" if use.reason else "") for use in counted
        )
        exception = "；".join(use.reason for use in counted if use.reason)
        return Criterion(code, True, phrases, value, threshold, facts, exception=exception)
    # Every fact is excused: 「不认定为错评，按正常脱贫程序退出」 (the NORMAL_EXIT outcome says so).
    message = "；".join(f"{_phrase(code, use)}，{use.reason}" for use in uses)
    exception = "；".join(use.reason for use in uses)
    return Criterion(code, False, message, value, threshold, facts, excepted=True, exception=exception)


def _phrase(code: str, use: FactUse) -> str:
    fact = use.fact
    who = f"家庭成员{use.member_name}" if use.member_name else "家庭成员"
    amount = money(fact.amount) if fact.amount is not None else ""
    text = _PHRASES[code].format(who=who, amount=amount)
    if code != "E1" and code != "E2" and use.member_name:
        text = f"{use.member_name}：{text}"
    return text + fact_detail(fact)


def member_removals(ctx: HouseholdContext) -> list[MemberJudgement]:
    """E9: members deceased, missing or not sharing income (a fact, or 共享开支 = 否) → MEMBER_REMOVAL.

    Only for registered (``poor``/``exited``) households: E9 is one of the ten exclusion criteria of §4.2.
    """
    if ctx.household.status not in (Status.POOR, Status.EXITED):
        return []
    by_member: dict[str, list[FactData]] = {}
    for kind in REMOVAL_FACT_KINDS:
        for fact in ctx.facts.get(kind, ()):
            if fact.member_id_number:
                by_member.setdefault(fact.member_id_number, []).append(fact)
    citation = ctx.prepared.citation
    removals = []
    for member in ctx.active:
        facts = by_member.get(member.id_number, ())
        if facts or member.shares_income is False:
            criterion = removal_criterion(member, facts)
            outcome = Outcome(OutcomeCode.MEMBER_REMOVAL, ("E9",), cite(criterion.message, citation))
            removals.append(MemberJudgement(member.id_number, member.name, (outcome,), criterion))
    return removals


_REMOVAL_WORDS = {
    FactKind.DECEASED: "已死亡",
    FactKind.MISSING: "已失踪",
    FactKind.NOT_SHARING_INCOME: "与户主不共享开支",
}


def removal_criterion(member: MemberData, facts: list[FactData] | tuple[()]) -> Criterion:
    reasons = [_REMOVAL_WORDS[f.kind] + fact_detail(f) for f in facts]
    if member.shares_income is False:
        reasons.append("与户主不共享开支（共享开支：否）")
    message = f"家庭成员{member.name}" + "；".join(reasons) + "，应予清退"
    return Criterion("E9", True, message, facts=tuple(FactUse(f, member.name) for f in facts))
