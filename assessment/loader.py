"""The registry as the rules' plain data (docs/rules.md "Inputs the loader must provide").

Households are read in chunks ordered by household number (keyset pagination on the unique number), and each chunk
costs the same five queries whatever its size: households, members, member years of the two years, incomes of the two
years, facts. Never a query per household; memory is bounded by the chunk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from households.choices import FactSource
from households.models import Fact, Household, Member, MemberYear, YearlyIncome

from .rules import FactData, HouseholdData, IncomeData, MemberData, shared_addresses

CHUNK_SIZE = 2000

_HOUSEHOLD_FIELDS = (
    "pk",
    "number",
    "status",
    "attribute",
    "returned_year",
    "registered_on",
    "registration_year",
    "exit_year",
    "address",
    "housing_grade",
    "relocation",
    "safe_water",
    "water_radius_km",
    "electricity",
    "radio_tv",
    "broadband",
    "food_clothing_secured",
)
_MEMBER_FIELDS = (
    "pk",
    "household_id",
    "id_number",
    "name",
    "relation",
    "birth_date",
    "is_active",
    "schooling_status",
    "dropout_reason",
    "heavy_study_burden",
    "serious_disease",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "family_doctor",
    "shares_income",
)
_FACT_FIELDS = (
    "pk",
    "household_id",
    # The member's number through a join: a member since moved to another household then names nobody active here.
    "member__id_number",
    "kind",
    "event_date",
    "amount",
    "exit_measure",
    "relocation_housing",
    "category",
    "source",
    "source_name",
    "recorded_on",
    "created_at",
)
_SOURCE_LABELS = dict(FactSource.choices)


@dataclass(frozen=True, slots=True)
class LoadedHousehold:
    """A household's plain data with the primary key the run stores its result under."""

    pk: int
    data: HouseholdData


def load_households(
    queryset: QuerySet[Household], *, income_year: int, chunk_size: int = CHUNK_SIZE
) -> Iterator[HouseholdData]:
    """The households of ``queryset`` as ``HouseholdData``, ordered by household number."""
    for chunk in load_chunks(queryset, income_year=income_year, chunk_size=chunk_size):
        for loaded in chunk:
            yield loaded.data


def load_chunks(
    queryset: QuerySet[Household], *, income_year: int, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[LoadedHousehold]]:
    """Chunks of at most ``chunk_size`` households, in household-number order, five queries each."""
    rows_query = queryset.order_by("number").values_list(*_HOUSEHOLD_FIELDS)
    last_number = None
    while True:
        page = rows_query if last_number is None else rows_query.filter(number__gt=last_number)
        rows = list(page[:chunk_size])
        if not rows:
            return
        first_number, last_number = rows[0][1], rows[-1][1]
        # The chunk again as a subquery (the same filter between its first and last number): the related rows are
        # selected by the database, not by a list of 2,000 parameters that Django would prepare one by one.
        chunk = queryset.order_by().filter(number__gte=first_number, number__lte=last_number).values("pk")
        yield _build_chunk(rows, chunk, income_year)
        if len(rows) < chunk_size:
            return


def registry_shared_addresses() -> frozenset[str]:
    """DQ4's shared addresses over every household of the registry (all statuses), in one query."""
    addresses = Household.objects.exclude(address="").values_list("address", flat=True)
    return shared_addresses(addresses.iterator(chunk_size=10_000))


def _build_chunk(rows: list[tuple], chunk: QuerySet, income_year: int) -> list[LoadedHousehold]:
    years = (income_year, income_year - 1)

    schooling: dict[tuple[int, int], tuple[str, str, bool]] = {}
    for member_id, year, status, dropout, burden in MemberYear.objects.filter(
        member__household_id__in=chunk, year__in=years
    ).values_list("member_id", "year", "schooling_status", "dropout_reason", "heavy_study_burden"):
        schooling[(member_id, year)] = (status, dropout, burden)

    members: dict[int, list[MemberData]] = defaultdict(list)
    for row in Member.objects.filter(household_id__in=chunk).values_list(*_MEMBER_FIELDS):
        members[row[1]].append(_member(row, schooling, income_year))

    incomes: dict[int, dict[int, IncomeData]] = defaultdict(dict)
    for household_id, year, *parts in YearlyIncome.objects.filter(household_id__in=chunk, year__in=years).values_list(
        "household_id", "year", "wage", "business", "property_income", "transfer", "business_expenses"
    ):
        incomes[household_id][year] = IncomeData(year, *parts)

    facts: dict[int, list[FactData]] = defaultdict(list)
    for row in Fact.objects.filter(household_id__in=chunk).values_list(*_FACT_FIELDS):
        facts[row[1]].append(_fact(row))

    return [
        LoadedHousehold(
            row[0], _household(row, members.get(row[0], ()), incomes.get(row[0], {}), facts.get(row[0], ()))
        )
        for row in rows
    ]


def _household(
    row: tuple, members: Iterable[MemberData], incomes: dict[int, IncomeData], facts: Iterable[FactData]
) -> HouseholdData:
    (
        _pk,
        number,
        status,
        attribute,
        returned_year,
        registered_on,
        registration_year,
        exit_year,
        address,
        housing_grade,
        relocation,
        safe_water,
        water_radius_km,
        electricity,
        radio_tv,
        broadband,
        food_clothing_secured,
    ) = row
    return HouseholdData(
        number=number,
        status=status,
        attribute=attribute,
        returned_year=returned_year,
        registered_on=registered_on,
        registration_year=registration_year,
        exit_year=exit_year,
        address=address,
        housing_grade=housing_grade,
        relocation=relocation,
        safe_water=safe_water,
        water_radius_km=water_radius_km,
        electricity=electricity,
        radio_tv=radio_tv,
        broadband=broadband,
        food_clothing_secured=food_clothing_secured,
        # The registry records no split yet (docs/rules.md): DQ4 then relies on shared addresses only.
        split_from_other=False,
        members=tuple(members),
        incomes=incomes,
        facts=tuple(facts),
    )


def _member(row: tuple, schooling: dict[tuple[int, int], tuple[str, str, bool]], income_year: int) -> MemberData:
    (
        pk,
        _household_id,
        id_number,
        name,
        relation,
        birth_date,
        is_active,
        schooling_status,
        dropout_reason,
        heavy_study_burden,
        serious_disease,
        medical_insurance,
        serious_illness_insurance,
        pension_insurance,
        family_doctor,
        shares_income,
    ) = row
    # The schooling of the policy's income year (MemberYear), falling back to the member's current fields.
    this_year = schooling.get((pk, income_year))
    if this_year is not None:
        schooling_status, dropout_reason, heavy_study_burden = this_year
    previous = schooling.get((pk, income_year - 1))
    return MemberData(
        id_number=id_number,
        name=name,
        relation=relation,
        birth_date=birth_date,
        is_active=is_active,
        schooling_status=schooling_status,
        previous_schooling_status=previous[0] if previous is not None else None,
        dropout_reason=dropout_reason,
        heavy_study_burden=heavy_study_burden,
        serious_disease=serious_disease,
        medical_insurance=medical_insurance,
        serious_illness_insurance=serious_illness_insurance,
        pension_insurance=pension_insurance,
        family_doctor=family_doctor,
        shares_income=shares_income,
    )


def _fact(row: tuple) -> FactData:
    (
        pk,
        _household_id,
        member_id_number,
        kind,
        event_date,
        amount,
        exit_measure,
        relocation_housing,
        category,
        source,
        source_name,
        recorded_on,
        created_at,
    ) = row
    label = _SOURCE_LABELS.get(source, source)
    return FactData(
        kind=kind,
        member_id_number=member_id_number,
        event_date=event_date,
        amount=amount,
        exit_measure=exit_measure,
        relocation_housing=relocation_housing,
        category=category,
        source_label=f"{label}·{source_name}" if source_name else label,
        recorded_on=recorded_on or _local_date(created_at),
        fact_id=pk,
    )


def _local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None
