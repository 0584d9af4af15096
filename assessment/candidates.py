"""What the pages read from the latest finished run: candidate lists, their counts, one household's result.

Every list is limited by the rule of ``households.access.visible_households(user)`` on the household's current area
codes: a household outside the user's scope is never listed and never counted, whatever area the run covered. Each
page costs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from households.choices import Relation
from households.idnumber import mask_id_number
from households.models import Area, Household, Member, User, scope_filter

from .models import EvaluationOutcome, EvaluationResult, EvaluationRun


def covering_codes(area_code: str) -> list[str]:
    """The run areas that cover ``area_code``: the whole registry, and every ancestor of the area and itself."""
    return ["", *(area_code[:n] for n in (6, 9, 12, 15) if n <= len(area_code))]


def latest_run(area_code: str) -> EvaluationRun | None:
    """The newest finished run whose area holds all of ``area_code``."""
    return (
        EvaluationRun.objects.filter(status=EvaluationRun.Status.FINISHED, area_code__in=covering_codes(area_code))
        .select_related("policy")
        .order_by("-finished_at", "-pk")
        .first()
    )


def run_for_user(user: User, run_id: str | None) -> EvaluationRun | None:
    """``?run=`` if it is a finished run covering the user's whole scope, else the latest such run."""
    scope = user.area.code if user.area_id else ""
    if run_id and run_id.isdigit():
        return (
            EvaluationRun.objects.filter(
                pk=int(run_id), status=EvaluationRun.Status.FINISHED, area_code__in=covering_codes(scope)
            )
            .select_related("policy")
            .first()
        )
    return latest_run(scope)


def scoped_outcomes(run: EvaluationRun, user: User, *, area_code: str = "") -> QuerySet[EvaluationOutcome]:
    """The outcome rows of ``run`` for the households in the user's scope (and under ``area_code``).

    The rule of ``Household.objects.visible_to(user)`` (readers only, the area codes copied on the household, as
    they are now, not as they were at run time), written as a filter on the joined household: on SQLite an
    ``IN (SELECT … 100,000 households)`` costs 50–70 ms per query where the join costs under 16 ms.
    """
    if not (_reads_registry(user) and user.area_id):
        return EvaluationOutcome.objects.none()
    rows = EvaluationOutcome.objects.filter(run=run, **_on_household(scope_filter(user.area.code)))
    if area_code:
        rows = rows.filter(**_on_household(scope_filter(area_code)))
    return rows


def _reads_registry(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can_read_registry)


def _on_household(lookup: dict[str, str]) -> dict[str, str]:
    return {f"household__{field}": value for field, value in lookup.items()}


def code_counts(run: EvaluationRun, user: User) -> dict[str, int]:
    """Households per code in the user's scope, in one query."""
    rows = scoped_outcomes(run, user).values("code").annotate(n=Count("pk")).order_by()
    return {row["code"]: row["n"] for row in rows}


@dataclass
class AreaCount:
    code: str
    name: str
    count: int
    villages: list[AreaCount]


def area_counts(outcomes: QuerySet[EvaluationOutcome]) -> list[AreaCount]:
    """Counts per township and, within it, per village, with their names: two queries."""
    rows = (
        outcomes.values("household__township_code", "household__village_code")
        .annotate(n=Count("pk"))
        .order_by("household__township_code", "household__village_code")
    )
    townships: dict[str, AreaCount] = {}
    for row in rows:
        township_code, village_code = row["household__township_code"], row["household__village_code"]
        township = townships.get(township_code)
        if township is None:
            township = townships[township_code] = AreaCount(township_code, "", 0, [])
        township.count += row["n"]
        township.villages.append(AreaCount(village_code, "", row["n"], []))
    codes = [*townships, *(v.code for t in townships.values() for v in t.villages)]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    for township in townships.values():
        township.name = names.get(township.code, township.code)
        for village in township.villages:
            village.name = names.get(village.code, village.code)
    return list(townships.values())


@dataclass
class CandidateRow:
    outcome: EvaluationOutcome
    household: Household
    head_name: str
    head_id_masked: str


def candidate_page(
    outcomes: QuerySet[EvaluationOutcome], page_number, per_page: int
) -> tuple[Page, list[CandidateRow]]:
    """One page ordered by household number: a COUNT, the page with its households, and the heads of the page."""
    ordered = outcomes.select_related("household__area__parent").order_by("household__number")
    page = Paginator(ordered, per_page).get_page(page_number)
    items = list(page.object_list) if page.paginator.count else []
    heads = {}
    if items:
        head_rows = (
            Member.objects.filter(
                household_id__in=[o.household_id for o in items], is_active=True, relation=Relation.HEAD
            )
            .order_by("pk")
            .values_list("household_id", "name", "id_number")
        )
        for household_id, name, id_number in head_rows:
            heads.setdefault(household_id, (name, mask_id_number(id_number)))
    rows = [CandidateRow(o, o.household, *heads.get(o.household_id, ("", ""))) for o in items]
    return page, rows


def stored_result(run: EvaluationRun | None, household: Household) -> EvaluationResult | None:
    if run is None:
        return None
    return EvaluationResult.objects.filter(run=run, household=household).first()
