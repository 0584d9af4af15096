"""The plain data the rules judge: a policy and one household with its members, incomes and facts.

A loader (outside this package) builds these from the database; tests build them by hand. Money and ratios are
``Decimal``. A yes/no value of ``None`` means unknown: it never satisfies an exit standard or an identification
condition (docs/rules.md, "Unknown values").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .codes import Attribute, Relocation, Schooling, StandardSet, Status

CENT = Decimal("0.01")

# The policy values the rules need (FORMATS §4), by exit standard set; the names are the Policy fields.
_NEEDED_BY_ALL = ("identification_line", "vehicle_price_limit", "water_radius_km")
_NEEDED_BY_SET = {
    StandardSet.YUNNAN7: ("exit_line",),
    StandardSet.GUANGDONG8: ("provincial_reference_income", "reference_income_ratio"),
}

POLICY_FIELD_LABELS = {
    "income_year": "收入年度",
    "identification_line": "识别标准",
    "exit_line": "脱贫收入标准",
    "vehicle_price_limit": "机动车价格标准",
    "exit_standard_set": "脱贫标准体系",
    "water_radius_km": "取水半径标准",
    "provincial_reference_income": "全省农村居民人均可支配收入",
    "reference_income_ratio": "收入比例",
}


class PolicyIncomplete(ValueError):
    """The policy lacks a value the rules need (SPEC §3: such a policy cannot be used)."""

    def __init__(self, policy: Policy, missing: tuple[str, ...]):
        self.missing = missing
        labels = "、".join(POLICY_FIELD_LABELS.get(name, name) for name in missing)
        super().__init__(f"政策「{policy.name}」第{policy.version}版缺少参数：{labels}")


@dataclass(frozen=True, slots=True)
class Policy:
    """政策参数 of one income year (FORMATS §4). Thresholds are data, never constants in the rules."""

    name: str
    version: int
    income_year: int | None
    identification_line: Decimal | None
    exit_line: Decimal | None
    vehicle_price_limit: Decimal | None
    exit_standard_set: str
    publicity_days: int | None = None
    water_radius_km: Decimal | None = None
    wrong_exit_years: frozenset[int] = frozenset()
    continue_support_years: frozenset[int] = frozenset()
    provincial_reference_income: Decimal | None = None
    reference_income_ratio: Decimal | None = None

    def missing_values(self) -> tuple[str, ...]:
        """Names of the fields the rules need but this policy lacks (empty when the policy can be used).

        ``publicity_days`` is a workflow value, not a rules value, so it is not checked here.
        """
        missing = [] if self.income_year is not None else ["income_year"]
        missing.extend(name for name in _NEEDED_BY_ALL if getattr(self, name) is None)
        extra = _NEEDED_BY_SET.get(self.exit_standard_set)
        if extra is None:
            missing.append("exit_standard_set")
        else:
            missing.extend(name for name in extra if getattr(self, name) is None)
        return tuple(missing)

    @property
    def exit_income_line(self) -> Decimal | None:
        """The income the exit standard compares with: exit_line (yunnan7) or reference × ratio (guangdong8).

        The product is exact (not rounded): SPEC §4 compares money exactly.
        """
        if self.exit_standard_set == StandardSet.GUANGDONG8:
            if self.provincial_reference_income is None or self.reference_income_ratio is None:
                return None
            return self.provincial_reference_income * self.reference_income_ratio
        return self.exit_line

    @property
    def citation(self) -> str:
        """How messages name the policy: 「云南省2018年度 第1版」."""
        return f"{self.name} 第{self.version}版"


@dataclass(frozen=True, slots=True)
class IncomeData:
    """年度收入 of one income year, whole household, yuan."""

    year: int
    wage: Decimal = Decimal("0")
    business: Decimal = Decimal("0")
    property_income: Decimal = Decimal("0")
    transfer: Decimal = Decimal("0")
    business_expenses: Decimal = Decimal("0")

    @property
    def net(self) -> Decimal:
        """Net income = wage + business + property + transfer − business expenses (SPEC §2)."""
        return self.wage + self.business + self.property_income + self.transfer - self.business_expenses

    def parts(self) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
        return (self.wage, self.business, self.property_income, self.transfer, self.business_expenses)


def per_capita_net_income(income: IncomeData | None, size: int) -> Decimal | None:
    """人均纯收入: net income / household size, rounded half-up to 2 places; None without income or members."""
    if income is None or size <= 0:
        return None
    return (income.net / size).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class FactData:
    """A dated finding about the household (member_id_number None) or one of its members (SPEC §2)."""

    kind: str
    member_id_number: str | None = None
    event_date: date | None = None
    amount: Decimal | None = None
    exit_measure: bool = False
    relocation_housing: bool = False
    category: str = ""
    source_label: str = ""
    recorded_on: date | None = None
    fact_id: int | None = None


@dataclass(frozen=True, slots=True)
class MemberData:
    """家庭成员 with the schooling of the policy's income year and of the year before (for DQ2)."""

    id_number: str
    name: str
    relation: str
    birth_date: date
    is_active: bool = True
    schooling_status: str = Schooling.NOT_STUDENT
    previous_schooling_status: str | None = None
    dropout_reason: str = ""
    heavy_study_burden: bool = False
    serious_disease: bool = False
    medical_insurance: bool | None = None
    serious_illness_insurance: bool | None = None
    pension_insurance: bool | None = None
    family_doctor: bool | None = None
    shares_income: bool | None = True


@dataclass(frozen=True, slots=True)
class HouseholdData:
    """户 with everything the rules read. ``incomes`` maps the income year to its record."""

    number: str
    status: str = Status.POOR
    attribute: str = Attribute.GENERAL
    returned_year: int | None = None
    registered_on: date | None = None
    registration_year: int | None = None
    exit_year: int | None = None
    address: str = ""
    housing_grade: str = ""
    relocation: str = Relocation.NO
    safe_water: bool | None = None
    water_radius_km: Decimal | None = None
    electricity: bool | None = None
    radio_tv: bool | None = None
    broadband: bool | None = None
    food_clothing_secured: bool | None = None
    # Recorded as split from another household (DQ4); set by the loader when the registry records it.
    split_from_other: bool = False
    members: tuple[MemberData, ...] = ()
    incomes: Mapping[int, IncomeData] = field(default_factory=dict)
    facts: tuple[FactData, ...] = ()
