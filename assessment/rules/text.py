"""How messages show figures: money with thousands separators and two places, dates as ISO, kilometres."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .data import FactData


def money(value: Decimal) -> str:
    """2480 → 「2,480.00」; a value with more places (45% of a reference) keeps them: 「7,100.883」."""
    if value.as_tuple().exponent >= -2 or value == value.quantize(Decimal("0.01")):
        return f"{value:,.2f}"
    return f"{value.normalize():,f}"


def km(value: Decimal) -> str:
    """1 → 「1.0」, 1.00 → 「1.0」, 1.01 → 「1.01」."""
    normal = value.normalize()
    if normal.as_tuple().exponent >= -1:
        return f"{value:.1f}"
    return f"{normal:f}"


def percent(ratio: Decimal) -> str:
    """0.45 → 「45%」, 0.455 → 「45.5%」."""
    return f"{(ratio * 100).normalize():f}%"


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else "日期不详"


def yes_no(value: bool | None) -> str:
    return "是" if value is True else ("否" if value is False else "未知")


def fact_detail(fact: FactData) -> str:
    """「（类别，发生日期 2019-03-01，来源：部门数据比对·公安，登记于 2019-05-01）」."""
    parts = []
    if fact.category:
        parts.append(fact.category)
    parts.append(f"发生日期 {fact.event_date.isoformat()}" if fact.event_date else "无发生日期")
    if fact.source_label:
        parts.append(f"来源：{fact.source_label}")
    if fact.recorded_on:
        parts.append(f"登记于 {fact.recorded_on.isoformat()}")
    return "（" + "，".join(parts) + "）"


def cite(message: str, citation: str) -> str:
    """Append the policy's name and version: 「…（云南省2018年度 第1版）」."""
    return f"{message}（{citation}）"
