"""Operations that span models: saving a policy (with its version bump) and running an evaluation."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection, models, transaction

from households.models import Area, Household, User, scope_filter

from .judgements import judgement_record
from .loader import CHUNK_SIZE, load_chunks, load_households, registry_shared_addresses
from .models import EvaluationOutcome, EvaluationResult, EvaluationRun, Policy
from .rules import HouseholdJudgement, PolicyIncomplete, evaluate_household

BATCH_SIZE = 1000
ANALYZE_AFTER = 10_000  # households in a run from which its tables are analyzed (about a second on PostgreSQL)


class PolicyConflict(Exception):
    """Someone saved the policy after this form was opened (optimistic locking on ``version``)."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"该政策已被他人修改（现为第{current_version}版），请刷新页面后重新修改")


def save_policy(policy: Policy, *, by: User | None, expected_version: int | None = None) -> bool:
    """Validate and save ``policy``; a new policy is version 1, a changed one gets the next version.

    Returns whether anything changed (saving identical values keeps the version). Raises ``ValidationError`` with
    Chinese messages, or ``PolicyConflict`` when ``expected_version`` is not the stored version.
    """
    policy.full_clean()
    with transaction.atomic():
        if policy.pk is None:
            policy.version = 1
            policy.updated_by = by
            policy._change_reason = "新建政策"
            policy.save()
            return True
        stored = Policy.objects.select_for_update().get(pk=policy.pk)
        if expected_version is not None and stored.version != expected_version:
            raise PolicyConflict(stored.version)
        changed = [
            name for name in ("name", "note", *Policy.PARAMETERS) if getattr(stored, name) != getattr(policy, name)
        ]
        if not changed:
            policy.version = stored.version
            return False
        policy.version = stored.version + 1
        policy.updated_by = by
        policy._change_reason = "修改政策参数"
        policy.save()
        return True


def make_current(policy: Policy, *, by: User | None) -> None:
    """The county's default policy for evaluations: exactly one at a time."""
    with transaction.atomic():
        Policy.objects.filter(is_current=True).exclude(pk=policy.pk).update(is_current=False)
        if not policy.is_current:
            policy.is_current = True
            policy.updated_by = by
            policy._change_reason = "设为当前政策"
            policy.save(update_fields=["is_current", "updated_by", "updated_at"])


def area_households(area_code: str):
    """Every household under ``area_code`` ("" = the whole registry)."""
    if not area_code:
        return Household.objects.all()
    return Household.objects.filter(**scope_filter(area_code))


def run_evaluation(
    *,
    policy: Policy,
    area_code: str = "",
    by: User | None,
    on_judgement: Callable[[HouseholdJudgement], Any] | None = None,
    on_progress: Callable[[EvaluationRun, int, int], Any] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> EvaluationRun:
    """Judge every household under ``area_code`` with ``policy`` and store the run, its results and outcome rows.

    A plain function of its arguments: the ``evaluate`` command calls it, and so does the background job of the
    browser (assessment/evaluation_jobs.py). Raises ``PolicyIncomplete`` (nothing stored) when the policy lacks a
    value the rules need. Each chunk of households is loaded in a constant number of queries, judged, handed to
    ``on_judgement`` (the CLI writes JSON Lines there) and written with ``bulk_create`` in its own transaction;
    ``on_progress(run, judged, total)`` runs once the run row exists (judged 0) and after each chunk (one COUNT
    query more for the total). Pages read only finished runs, so a running or failed run is never seen; any
    exception fails the run and deletes the rows its chunks had written (``EvaluationRun.fail``), then propagates.
    """
    check_policy(policy)
    rules_policy = policy.as_rules_policy()
    households = area_households(area_code)
    area = Area.objects.filter(code=area_code).first() if area_code else None
    run = EvaluationRun.objects.create(
        policy=policy,
        policy_version=policy.version,
        policy_values=policy.parameters(),
        income_year=policy.income_year,
        area_code=area_code,
        area_name=area.name if area else "",
        started_by=by,
    )
    counts: Counter[str] = Counter()
    total = 0
    # The rules allocate many small acyclic objects; the collector only slows them down (docs/rules.md).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        expected = households.order_by().count() if on_progress is not None else 0
        if on_progress is not None:
            on_progress(run, 0, expected)
        shared = registry_shared_addresses()
        for chunk in load_chunks(households, income_year=policy.income_year, chunk_size=chunk_size):
            results = []
            outcomes = []
            for loaded in chunk:
                judgement = evaluate_household(loaded.data, rules_policy, shared_addresses=shared)
                if on_judgement is not None:
                    on_judgement(judgement)
                results.append(
                    EvaluationResult(
                        run=run, household_id=loaded.pk, status=judgement.status, judgement=judgement_record(judgement)
                    )
                )
                outcomes.extend(_outcome_rows(run, loaded.pk, judgement))
            for row in outcomes:
                counts[row.code] += 1
            total += len(results)
            with transaction.atomic():
                EvaluationResult.objects.bulk_create(results, batch_size=BATCH_SIZE)
                EvaluationOutcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
            if on_progress is not None:
                on_progress(run, total, max(expected, total))
    except BaseException as error:
        run.fail(error=f"{type(error).__name__}: {error}")
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
    run.finish(household_count=total, counts=dict(sorted(counts.items())))
    if total >= ANALYZE_AFTER:
        # PostgreSQL: fresh statistics for the rows just written, or the next pages (score measures, candidate
        # lists) plan with the old ones — 300–350 ms instead of 110 ms at 100,000 households (bench/README.md).
        analyze(EvaluationResult, EvaluationOutcome)
    return run


def analyze(*tables: type[models.Model]) -> None:
    """ANALYZE the tables on PostgreSQL (SQLite's planner uses the indexes without statistics)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def check_policy(policy: Policy) -> None:
    """``PolicyIncomplete`` when the policy lacks a value the rules need (checked again before a job is queued)."""
    rules_policy = policy.as_rules_policy()
    missing = rules_policy.missing_values()
    if missing:
        raise PolicyIncomplete(rules_policy, missing)


def _outcome_rows(run: EvaluationRun, household_id: int, judgement: HouseholdJudgement) -> list[EvaluationOutcome]:
    rows = [
        EvaluationOutcome(
            run=run, household_id=household_id, code=o.code, criteria=",".join(o.criteria), message=o.message
        )
        for o in judgement.outcomes
    ]
    removed = [m for m in judgement.members if m.outcomes]
    if removed:
        message = "；".join(f"{m.name}：{m.outcomes[0].message}" for m in removed)
        rows.append(
            EvaluationOutcome(
                run=run,
                household_id=household_id,
                code=EvaluationOutcome.MEMBER_REMOVAL,
                criteria="E9",
                message=message,
            )
        )
    rows.extend(
        EvaluationOutcome(run=run, household_id=household_id, code=w.code, message=w.message)
        for w in judgement.warnings
    )
    return rows


def evaluate_one(household: Household, policy: Policy) -> HouseholdJudgement:
    """One household judged now (the decision sheet of a household missing from the latest run)."""
    rules_policy = policy.as_rules_policy()
    data = next(load_households(Household.objects.filter(pk=household.pk), income_year=policy.income_year))
    return evaluate_household(data, rules_policy, shared_addresses=registry_shared_addresses())
