"""One household under one policy: every outcome of SPEC §4 with its criteria, messages and warnings."""

from __future__ import annotations

from collections.abc import Set

from .codes import OutcomeCode, Status
from .context import household_context
from .data import HouseholdData, Policy
from .exclusion import exclusion_criteria, member_removals
from .identification import identification_conditions, meets_identification
from .prepared import prepare_policy
from .quality import data_quality_warnings
from .results import Criterion, HouseholdJudgement, Outcome
from .standards import exit_standards
from .text import cite

_STATUSES = frozenset({Status.ORDINARY, Status.POOR, Status.EXITED, Status.REMOVED})


def evaluate_household(
    household: HouseholdData, policy: Policy, *, shared_addresses: Set[str] = frozenset()
) -> HouseholdJudgement:
    """Judge ``household`` under ``policy``.

    ``shared_addresses`` is the set of normalised non-empty addresses held by more than one household of the
    registry (``shared_addresses()`` builds it once for a whole run); DQ4 reads it. Raises ``PolicyIncomplete``
    when the policy lacks a value the rules need.
    """
    prepare_policy(policy)  # raises PolicyIncomplete before anything else
    status = household.status
    if status not in _STATUSES:
        raise ValueError(f"户 {household.number}: unknown status {status!r}")
    if status == Status.REMOVED:
        # SPEC §4.5: a removed household gets no outcomes and no warnings.
        return HouseholdJudgement(household.number, status, policy.name, policy.version, criteria={})

    ctx = household_context(household, policy, shared_addresses=shared_addresses)
    standards = exit_standards(ctx)
    conditions = identification_conditions(ctx, standards)
    meets = meets_identification(conditions)
    exclusions = exclusion_criteria(ctx, meets_identification=meets)
    criteria: dict[str, Criterion] = {**conditions, **exclusions, **standards}
    citation = ctx.prepared.citation
    outcomes: list[Outcome] = []
    members = []

    if status == Status.ORDINARY:
        # SPEC §4.1: qualifies and none of E1–E8, E10 holds (no exceptions: an ordinary household has no R).
        if meets and not any(c.holds for c in exclusions.values()):
            held = [c for c in conditions.values() if c.holds]
            outcomes.append(_outcome(OutcomeCode.MISSED, held, "符合贫困对象识别条件，属漏评", citation))
    else:  # poor or exited
        members = member_removals(ctx)
        if ctx.active:
            removed = len(members)
            everyone = removed == len(ctx.active)
            message = f"在册成员 {len(ctx.active)} 人中 {removed} 人应予清退"
            criteria["E9"] = Criterion("E9", everyone, message + ("，全户清退" if everyone else ""), removed)
        held = [c for c in exclusions.values() if c.holds]
        if "E9" in criteria and criteria["E9"].holds:
            held.append(criteria["E9"])
        if held:
            outcomes.append(_outcome(OutcomeCode.WRONG_INCLUSION, held, "属错评，应按程序剔除", citation))
        unmet = [c for c in standards.values() if not c.holds]
        standard_label = ctx.prepared.standard_label
        if status == Status.POOR:
            excepted = [c for c in exclusions.values() if c.excepted]
            if excepted:
                outcomes.append(
                    _outcome(
                        OutcomeCode.NORMAL_EXIT, excepted, "符合例外情形，不认定为错评，按正常脱贫程序退出", citation
                    )
                )
            if unmet:
                outcomes.append(_outcome(OutcomeCode.EXIT_NOT_MET, unmet, f"未达到{standard_label}", citation))
            else:
                income = next(iter(standards.values()))
                summary = f"达到{standard_label}：{income.message}，其余各项均达标"
                outcomes.append(Outcome(OutcomeCode.EXIT_READY, (), cite(summary, citation)))
        elif unmet:  # exited
            outcomes.append(_exited_outcome(household.exit_year, policy, unmet, standard_label))

    return HouseholdJudgement(
        household=household.number,
        status=status,
        policy_name=policy.name,
        policy_version=policy.version,
        outcomes=tuple(outcomes),
        members=tuple(members),
        warnings=tuple(data_quality_warnings(ctx)),
        criteria=criteria,
        per_capita_income=ctx.per_capita,
        meets_identification=meets,
    )


def _outcome(code: str, criteria: list[Criterion], lead: str, citation: str) -> Outcome:
    """Criteria codes sorted as strings (FORMATS §5); the message follows the same order."""
    ordered = sorted(criteria, key=lambda c: c.code)
    text = "；".join(c.message for c in ordered)
    return Outcome(code, tuple(c.code for c in ordered), cite(f"{lead}：{text}", citation))


def _exited_outcome(exit_year: int | None, policy: Policy, unmet: list[Criterion], label: str) -> Outcome:
    """SPEC §4.4 (seed 001 §一(三)): 错退 years re-admit, continued-support years stay helped, others risk return."""
    year = f"{exit_year}年度脱贫户" if exit_year is not None else "脱贫年度不详的脱贫户"
    if exit_year in policy.wrong_exit_years:
        return _outcome(OutcomeCode.WRONG_EXIT, unmet, f"{year}未达到{label}，属错退，应重新纳入", policy.citation)
    if exit_year in policy.continue_support_years:
        lead = f"{year}尚未完全解决“两不愁、三保障”，确定为继续帮扶户"
        return _outcome(OutcomeCode.CONTINUE_SUPPORT, unmet, lead, policy.citation)
    lead = f"{year}未达到{label}，有返贫风险（返贫须查明原因，由人工认定）"
    return _outcome(OutcomeCode.RETURN_RISK, unmet, lead, policy.citation)
