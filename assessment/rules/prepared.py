"""A policy checked once and turned into what every household's judgement reuses (thresholds and their text).

A county run judges 100,000 households under one policy: validating it, formatting its figures and building the
explanations of the exclusion criteria that have no facts happen once per policy, not once per household.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .codes import STANDARD_SET_LABELS, StandardSet
from .data import Policy, PolicyIncomplete
from .results import Criterion
from .text import km, money, percent


@dataclass(slots=True)
class PreparedPolicy:
    policy: Policy
    citation: str
    standard_label: str
    identification_line: Decimal
    identification_text: str
    exit_line: Decimal
    exit_text: str
    # G1's comparison basis: 「全省农村居民人均可支配收入 15,779.74 元的45%（7,100.883 元）」
    reference_text: str
    vehicle_limit: Decimal
    vehicle_text: str
    radius_limit: Decimal
    radius_text: str
    # The explanation of each exclusion criterion for a household without any fact of its kind.
    absent_exclusions: dict[str, Criterion]


_ABSENT = {
    "E1": "无在岗在编财政供养人员",
    "E2": "无现任村三委干部",
    "E3": "无价格达到 {limit} 元的机动车",
    "E4": "无城镇房产",
    "E5": "无长期雇工",
    "E6": "无工商注册经营",
    "E7": "无故意分户并户记录",
    "E8": "非空挂户",
    "E10": "无优亲厚友、弄虚作假记录",
}

_CACHE: dict[int, PreparedPolicy] = {}


def prepare_policy(policy: Policy) -> PreparedPolicy:
    """The prepared form of ``policy``; raises ``PolicyIncomplete`` when a value the rules need is missing.

    Memoised by identity (the cached entry holds the policy, so its id cannot be reused while cached).
    """
    prepared = _CACHE.get(id(policy))
    if prepared is not None and prepared.policy is policy:
        return prepared
    missing = policy.missing_values()
    if missing:
        raise PolicyIncomplete(policy, missing)
    exit_line = policy.exit_income_line
    vehicle_text = money(policy.vehicle_price_limit)
    reference_text = ""
    if policy.exit_standard_set == StandardSet.GUANGDONG8:
        reference_text = (
            f"全省农村居民人均可支配收入 {money(policy.provincial_reference_income)} 元的"
            f"{percent(policy.reference_income_ratio)}（{money(exit_line)} 元）"
        )
    absent = {}
    for code, text in _ABSENT.items():
        threshold = policy.vehicle_price_limit if code == "E3" else None
        absent[code] = Criterion(code, False, text.format(limit=vehicle_text), threshold=threshold)
    prepared = PreparedPolicy(
        policy=policy,
        citation=policy.citation,
        standard_label=STANDARD_SET_LABELS[policy.exit_standard_set],
        identification_line=policy.identification_line,
        identification_text=money(policy.identification_line),
        exit_line=exit_line,
        exit_text=money(exit_line),
        reference_text=reference_text,
        vehicle_limit=policy.vehicle_price_limit,
        vehicle_text=vehicle_text,
        radius_limit=policy.water_radius_km,
        radius_text=km(policy.water_radius_km),
        absent_exclusions=absent,
    )
    if len(_CACHE) >= 64:
        _CACHE.clear()
    _CACHE[id(policy)] = prepared
    return prepared
