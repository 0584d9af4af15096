"""Recording facts (SPEC §2): each with its source, the date of the event and who entered it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .choices import FactSource, Role
from .models import Fact, Household, User


def source_for(user: User) -> tuple[str, str]:
    """A county office entry is 县级录入; township and village staff record survey findings."""
    if user.role == Role.COUNTY:
        return FactSource.MANUAL, "县扶贫办"
    return FactSource.SURVEY, user.area.name if user.area_id else ""


@transaction.atomic
def record_fact(household: Household, *, data: dict[str, Any], by: User) -> Fact:
    source, source_name = source_for(by)
    fact = Fact(
        household=household,
        source=source,
        source_name=source_name,
        recorded_on=timezone.localdate(),
        created_by=by,
        **data,
    )
    fact._history_user = by
    fact._change_reason = f"登记事实：{fact.get_kind_display()}"
    fact.save()
    return fact
