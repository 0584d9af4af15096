"""Fragments of the workflow that other apps' pages embed (SPEC §0: households' pages may embed them)."""

from django import template

from ..models import AdjustmentCase
from ..workflow import KIND_FOR_OUTCOME

register = template.Library()


@register.inclusion_tag("assessment/cases/_household_cases.html", takes_context=True)
def household_cases(context, household):
    """The household's cases with their stage, and the 立案 button for users who may open one (one query)."""
    user = context["user"]
    cases = list(AdjustmentCase.objects.filter(household=household).select_related("campaign").order_by("-opened_at"))
    return {"household": household, "cases": cases, "can_open": user.can_edit_registry}


@register.filter
def opens_case(code: str) -> bool:
    """Whether a candidate list's code suggests a case kind (立案 button)."""
    return code in KIND_FOR_OUTCOME
