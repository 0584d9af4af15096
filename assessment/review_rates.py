"""The stored spot checks and satisfaction answers of one assessment, turned into rates (rates.py).

Two queries whatever the sample's size. A household checked in two plans of the same year (a township's plan and
the county's) counts once: its most recent check stands. Used by the rates pages and by the township scores.
"""

from __future__ import annotations

from collections.abc import Sequence

from households.choices import AreaLevel
from households.models import Area

from .rates import AreaRates, SpotCheck, rates_by_township
from .review_models import Assessment, SatisfactionResponse
from .review_models import SpotCheck as SpotCheckRow
from .sampling import SurveyResponse


def stored_checks(assessment: Assessment, *, scope_code: str = "") -> list[SpotCheck]:
    """The final spot-check results of the assessment inside ``scope_code`` ("" = everything)."""
    rows = SpotCheckRow.objects.filter(sampled__plan__assessment=assessment)
    if scope_code:
        rows = rows.filter(sampled__village_code__startswith=scope_code[:12])
    latest: dict[str, SpotCheck] = {}
    values = rows.order_by("checked_at", "pk").values_list(
        "sampled__number",
        "sampled__village_code",
        "status",
        "computed_result",
        "result",
        "exit_standard_met",
        "follow_up",
        "override_reason",
    )
    for number, village, status, computed, result, exit_met, follow_up, reason in values:
        latest[number] = SpotCheck(number, village, status, computed, result, exit_met, follow_up or None, reason)
    return [latest[number] for number in sorted(latest)]


def stored_responses(assessment: Assessment, *, scope_code: str = "") -> list[SurveyResponse]:
    """The satisfaction answers of the assessment inside ``scope_code``; a household answering in two plans counts
    once (its latest answer)."""
    rows = SatisfactionResponse.objects.filter(plan__assessment=assessment)
    if scope_code:
        rows = rows.filter(village_code__startswith=scope_code[:12])
    latest: dict[str, SurveyResponse] = {}
    for number, village, group, answer in rows.order_by("recorded_at", "pk").values_list(
        "number", "village_code", "group", "answer"
    ):
        latest[number] = SurveyResponse(number, village, group, answer)
    return [latest[number] for number in sorted(latest)]


def county_code() -> str:
    return Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").values_list("code", flat=True).first() or ""


def assessment_rates(
    assessment: Assessment, *, scope_code: str = "", confidence: int = 95
) -> tuple[dict[str, AreaRates], AreaRates]:
    """The rates of every township with checks or answers (by township code) and of the whole scope, on the
    assessment's rate basis. ``scope_code`` limits both to a township (a township user's view)."""
    checks: Sequence[SpotCheck] = stored_checks(assessment, scope_code=scope_code)
    responses = stored_responses(assessment, scope_code=scope_code)
    return rates_by_township(
        checks, responses, county=scope_code or county_code(), basis=assessment.rate_basis, confidence=confidence
    )
