"""What every rule reads about one household, computed once: active members, ages, counting facts, income."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .data import FactData, HouseholdData, IncomeData, MemberData, Policy, per_capita_net_income
from .prepared import PreparedPolicy, prepare_policy


@dataclass(slots=True)
class HouseholdContext:
    household: HouseholdData
    policy: Policy
    prepared: PreparedPolicy
    year: int
    active: list[MemberData]
    # Age of each active member on 31 December of the income year, in the order of ``active``.
    ages: list[int]
    names: dict[str, str]
    # Facts that count (SPEC §4: about the household or one of its active members), by kind.
    facts: dict[str, list[FactData]]
    income: IncomeData | None
    per_capita: Decimal | None
    shared_address: bool

    def who(self, fact: FactData) -> str:
        """The member a fact is about, or "" for a household-level fact."""
        return self.names.get(fact.member_id_number, "") if fact.member_id_number else ""


def normalise_address(address: str) -> str:
    """Addresses compare after removing all whitespace (「箐口村 3 号」 equals 「箐口村3号」)."""
    return "".join(address.split())


def shared_addresses(addresses: Iterable[str]) -> frozenset[str]:
    """The non-empty normalised addresses held by more than one household (the cross-household input of DQ4)."""
    seen: set[str] = set()
    shared: set[str] = set()
    for address in addresses:
        key = normalise_address(address)
        if not key:
            continue
        if key in seen:
            shared.add(key)
        else:
            seen.add(key)
    return frozenset(shared)


def age_on(birth_date: date, year: int) -> int:
    """Age on 31 December of ``year``: every birthday of that year has passed by then."""
    return year - birth_date.year


def household_context(
    household: HouseholdData, policy: Policy, *, shared_addresses: Set[str] = frozenset()
) -> HouseholdContext:
    prepared = prepare_policy(policy)
    year = policy.income_year
    active = [m for m in household.members if m.is_active]
    names = {m.id_number: m.name for m in active}
    facts: dict[str, list[FactData]] = {}
    for fact in household.facts:
        member = fact.member_id_number
        # Facts about removed members (or about nobody in this household) do not count.
        if member is None or member in names:
            kind_facts = facts.get(fact.kind)
            if kind_facts is None:
                facts[fact.kind] = [fact]
            else:
                kind_facts.append(fact)
    income = household.incomes.get(year)
    address = normalise_address(household.address) if household.address else ""
    return HouseholdContext(
        household=household,
        policy=policy,
        prepared=prepared,
        year=year,
        active=active,
        ages=[age_on(m.birth_date, year) for m in active],
        names=names,
        facts=facts,
        income=income,
        per_capita=per_capita_net_income(income, len(active)),
        shared_address=bool(address) and address in shared_addresses,
    )
