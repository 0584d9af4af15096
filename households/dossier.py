"""Everything the household page shows, loaded in a fixed number of queries, and the log of who saw full IDs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from .display import REDUCE_REASON_LABELS, age_on, field_rows
from .history import HistoryEntry, household_history
from .models import AccessLog, Fact, Household, Member, MemberChange, Survey, User, YearlyIncome

HISTORY_LIMIT = 200

BASIC_FIELDS = [
    "address",
    "phone",
    "returned_year",
    "attribute",
    "id_standard",
    "registered_on",
    "registration_year",
    "exit_year",
    "main_cause",
    "other_causes",
    "card_colour",
    "longitude",
    "latitude",
    "note",
]
HOUSING_FIELDS = [
    "housing_area",
    "housing_structure",
    "housing_grade",
    "relocation",
    "safe_water",
    "water_radius_km",
    "electricity",
    "radio_tv",
    "broadband",
    "sanitary_toilet",
    "road_distance_km",
    "arable_land_mu",
    "forest_land_mu",
    "food_clothing_secured",
]
INCOME_FIELDS = [
    "wage",
    "business",
    "property_income",
    "transfer",
    *YearlyIncome.TRANSFER_PARTS,
    "business_expenses",
]


@dataclass
class IncomeRow:
    label: str
    values: list[Decimal | None]
    strong: bool = False
    indent: bool = False


@dataclass
class Dossier:
    household: Household
    members: list[Member]
    removed_members: list[Member]
    incomes: list[YearlyIncome]
    income_rows: list[IncomeRow]
    facts: list[Fact]
    surveys: list[Survey]
    changes: list[MemberChange]
    history: list[HistoryEntry]
    history_total: int
    area_path: list[str] = field(default_factory=list)
    basic_rows: list[tuple[str, str]] = field(default_factory=list)
    housing_rows: list[tuple[str, str]] = field(default_factory=list)

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def history_hidden(self) -> int:
        return self.history_total - len(self.history)

    @property
    def history_truncated(self) -> bool:
        return self.history_hidden > 0


def load_dossier(household: Household, *, today: datetime.date) -> Dossier:
    """The household page's content; ``today`` gives the members' ages."""
    members = list(household.members.all())
    for member in members:
        member.age = age_on(member.birth_date, today)
        member.removed_reason_label = REDUCE_REASON_LABELS.get(member.removed_reason, member.removed_reason) or "—"
    active = [m for m in members if m.is_active]
    removed = sorted((m for m in members if not m.is_active), key=lambda m: (m.removed_on or today, m.pk))
    incomes = list(household.incomes.order_by("-year"))
    history = household_history(household)
    return Dossier(
        household=household,
        members=active,
        removed_members=removed,
        incomes=incomes,
        income_rows=income_rows(incomes, len(active)),
        facts=list(household.facts.select_related("member").order_by("kind", "event_date", "pk")),
        surveys=list(household.surveys.select_related("created_by")),
        changes=list(household.changes.select_related("member", "created_by")),
        history=history[:HISTORY_LIMIT],
        history_total=len(history),
        area_path=area_path(household),
        basic_rows=field_rows(household, BASIC_FIELDS),
        housing_rows=field_rows(household, HOUSING_FIELDS),
    )


def area_path(household: Household) -> list[str]:
    """乡镇 / 村 / 组 names, read from the areas that get_household_for_user already joined."""
    names = []
    area = household.area
    while area is not None:
        names.insert(0, area.name)
        if len(area.code) <= 9:
            break
        area = area.parent
    return names


def income_rows(incomes: list[YearlyIncome], member_count: int) -> list[IncomeRow]:
    """The income table transposed: one row per income field, one column per year, then net and per capita."""
    rows = []
    for name in INCOME_FIELDS:
        label = str(YearlyIncome._meta.get_field(name).verbose_name)
        part = name in YearlyIncome.TRANSFER_PARTS
        rows.append(IncomeRow(label, [getattr(income, name) for income in incomes], indent=part))
    rows.append(IncomeRow("纯收入", [income.net_income for income in incomes], strong=True))
    rows.append(
        IncomeRow(
            f"人均纯收入（{member_count}人）", [income.per_capita(member_count) for income in incomes], strong=True
        )
    )
    return rows


def record_id_view(user: User, household: Household, members: list[Member], *, ip_address: str | None) -> AccessLog:
    """SPEC §1: every view of a full ID number is logged, naming whose numbers were shown."""
    if members:
        shown = "、".join(f"{m.name}（{m.masked_id_number}）" for m in members)
        detail = f"显示完整证件号码 {len(members)} 人：{shown}"
    else:
        detail = "无在册成员，未显示证件号码"
    return AccessLog.objects.create(
        user=user,
        action=AccessLog.Action.VIEW_ID,
        target=household.number,
        detail=detail,
        row_count=len(members),
        ip_address=ip_address or None,
    )
