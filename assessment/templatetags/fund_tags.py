"""Money as the funds pages show it: 万元 without trailing zeros, yuan with thousands separators (exact Decimal)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from assessment.funds import RECIPIENT_KIND_LABELS, format_wan

register = template.Library()


@register.filter
def wan(amount: Decimal | None) -> str:
    """100000.00 → 「10」 (万元)."""
    return "" if amount is None else format_wan(amount)


@register.filter
def yuan(amount: Decimal | None) -> str:
    """1000000 → 「1,000,000.00」 (元)."""
    return "" if amount is None else f"{amount.quantize(Decimal('0.01')):,}"


@register.filter
def recipient_kind(kind: str) -> str:
    """The kind's label; a line of spending without an allocation has no kind: 「未分配」."""
    return RECIPIENT_KIND_LABELS.get(kind, "未分配")
