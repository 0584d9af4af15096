"""Registry values as people read them: choice labels, 是/否/未知, dates, masked ID numbers.

Shared by the household page and its change history, so a field reads the same in both.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models

from .choices import MemberReduceReason, PovertyCause
from .idnumber import mask_id_number

EMPTY = "—"
UNKNOWN = "未知"

REDUCE_REASON_LABELS = dict(MemberReduceReason.choices)
CAUSE_LABELS = dict(PovertyCause.choices)


def display_value(field: models.Field, value: Any) -> str:
    """The text a person reads for ``value`` of ``field``; ID numbers always masked."""
    if isinstance(field, models.BooleanField):
        if value is None:
            return UNKNOWN
        return "是" if value else "否"
    if value is None or value == "":
        return EMPTY
    if field.name == "id_number":
        return mask_id_number(value)
    if field.name == "other_causes":
        return "、".join(CAUSE_LABELS.get(code, code) for code in str(value).split(",") if code) or EMPTY
    if field.name == "removed_reason":
        return REDUCE_REASON_LABELS.get(value, value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def field_rows(instance: models.Model, names: list[str]) -> list[tuple[str, str]]:
    """(verbose name, display value) for each named field of ``instance``."""
    rows = []
    for name in names:
        field = instance._meta.get_field(name)
        rows.append((str(field.verbose_name), display_value(field, getattr(instance, field.attname))))
    return rows


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years between ``birth_date`` and ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
