"""The household list's querysets: scope, filters, search, sorting and the per-page annotations.

Built for a county of 100,000+ households (shared/reference/performance.md): scope and area filters are one
indexed equality on the copied area codes, the head's name and ID and the member count are correlated subqueries
computed for the 50 rows of the page only, never ``annotate(Count())`` over the whole filtered set.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .access import visible_areas, visible_households
from .choices import AreaLevel, HouseholdStatus, Relation
from .idnumber import mask_id_number, normalize_id_number
from .models import Area, Household, Member, User, scope_filter

# 户状态 as the list shows it: 返贫 is a poor household with a return year (Household.status_label).
STATUS_CHOICES = [
    ("ordinary", "一般农户"),
    ("poor", "未脱贫"),
    ("returned", "返贫"),
    ("exited", "已脱贫"),
    ("removed", "已清退"),
]
STATUS_FILTERS = {
    "ordinary": Q(status=HouseholdStatus.ORDINARY),
    "poor": Q(status=HouseholdStatus.POOR, returned_year__isnull=True),
    "returned": Q(status=HouseholdStatus.POOR, returned_year__isnull=False),
    "exited": Q(status=HouseholdStatus.EXITED),
    "removed": Q(status=HouseholdStatus.REMOVED),
}

DEFAULT_SORT = "number"
# The whitelist of ?sort= values; the household number breaks ties so that pages never overlap.
SORTS: dict[str, tuple[Any, ...]] = {
    "number": ("number",),
    "-number": ("-number",),
    "registered": (F("registered_on").asc(nulls_last=True), "number"),
    "-registered": (F("registered_on").desc(nulls_last=True), "number"),
    "size": ("member_count", "number"),
    "-size": ("-member_count", "number"),
    "area": ("area_code", "number"),
    "-area": ("-area_code", "number"),
}
SORT_CHOICES = [
    ("number", "户编号 ↑"),
    ("-number", "户编号 ↓"),
    ("registered", "建档立卡日期 ↑"),
    ("-registered", "建档立卡日期 ↓"),
    ("size", "家庭人口数 ↑"),
    ("-size", "家庭人口数 ↓"),
    ("area", "村组 ↑"),
    ("-area", "村组 ↓"),
]
# Sorting by the member count has to count the members of every household in the set: opt-in only.
SORTS_NEEDING_MEMBER_COUNT = frozenset({"size", "-size"})

ID_NUMBER_LENGTH = 18


def member_count_subquery() -> Coalesce:
    """Active members of the outer household, as a correlated subquery."""
    counts = (
        Member.objects.filter(household=OuterRef("pk"), is_active=True)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def head_subquery(column: str) -> Subquery:
    heads = Member.objects.filter(household=OuterRef("pk"), is_active=True, relation=Relation.HEAD).order_by("pk")
    return Subquery(heads.values(column)[:1])


def filter_households(
    households: QuerySet[Household],
    *,
    area_code: str = "",
    status: str = "",
    attribute: str = "",
    main_cause: str = "",
    housing_grade: str = "",
) -> QuerySet[Household]:
    if area_code:
        households = households.filter(**scope_filter(area_code))
    if status in STATUS_FILTERS:
        households = households.filter(STATUS_FILTERS[status])
    if attribute:
        households = households.filter(attribute=attribute)
    if main_cause:
        households = households.filter(main_cause=main_cause)
    if housing_grade:
        households = households.filter(housing_grade=housing_grade)
    return households


def looks_like_id_number(text: str) -> bool:
    return len(text) == ID_NUMBER_LENGTH and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")


def search_households(households: QuerySet[Household], q: str) -> QuerySet[Household]:
    """?q=: household number (exact or prefix), an active member's name (contains) or ID number (exact)."""
    q = q.strip()
    if not q:
        return households
    id_number = normalize_id_number(q)
    if looks_like_id_number(id_number):
        members = Member.objects.filter(is_active=True, id_number=id_number)
        return households.filter(Q(number=q) | Q(pk__in=members.values("household_id")))
    members = Member.objects.filter(is_active=True, name__contains=q)
    return households.filter(Q(number__startswith=q) | Q(pk__in=members.values("household_id")))


def masked_id_query(q: str) -> str:
    """The masked number when ``q`` is an ID number (the page never echoes a full one), else ""."""
    id_number = normalize_id_number(q or "")
    return mask_id_number(id_number) if looks_like_id_number(id_number) else ""


def sort_households(households: QuerySet[Household], sort: str) -> QuerySet[Household]:
    if sort not in SORTS:
        sort = DEFAULT_SORT
    if sort in SORTS_NEEDING_MEMBER_COUNT:
        households = households.annotate(member_count=member_count_subquery())
    return households.order_by(*SORTS[sort])


def find_households(user: User, *, q: str = "", sort: str = DEFAULT_SORT, **filters: str) -> QuerySet[Household]:
    """The user's households, filtered, searched and sorted: what the list pages through."""
    households = filter_households(visible_households(user), **filters)
    return sort_households(search_households(households, q), sort)


def page_rows(households: QuerySet[Household], start: int, stop: int) -> list[Household]:
    """Rows ``start:stop`` of the ordered ``households`` with what the list shows, in one query.

    The page is chosen by a subquery on the bare (indexed) queryset; the correlated subqueries then run for those
    rows only, whatever order the database would otherwise evaluate them in. Each row gets ``head_name``,
    ``head_id_masked`` (never the full number) and ``member_count``.
    """
    if stop <= start:
        return []
    page_pks = households.values("pk")[start:stop]
    rows = list(
        Household.objects.filter(pk__in=page_pks)
        .select_related("area__parent")
        .annotate(
            head_name=head_subquery("name"),
            head_id_number=head_subquery("id_number"),
            member_count=member_count_subquery(),
        )
        .order_by(*(households.query.order_by or Household._meta.ordering))
    )
    for row in rows:
        row.head_id_masked = mask_id_number(row.__dict__.pop("head_id_number"))
    return rows


def paginate_households(
    households: QuerySet[Household], page_number: Any, per_page: int
) -> tuple[Page, list[Household]]:
    """One COUNT and one page query; the rows carry the page annotations of ``page_rows``."""
    page = Paginator(households, per_page).get_page(page_number)
    start = (page.number - 1) * per_page
    rows = page_rows(households, start, start + per_page) if page.paginator.count else []
    return page, rows


def filter_area_options(user: User, *, township: str = "", village: str = "") -> dict[str, list[Area]]:
    """The areas the list's selects offer, below the user's scope, in one query.

    Townships: every township in scope. Villages: those of the chosen township (or all in scope). Groups: only
    those of the chosen village (or of the officer's own village), so no page carries a county's thousand groups.
    """
    options: dict[str, list[Area]] = {"township": [], "village": [], "group": []}
    if not user.area_id:
        return options
    scope = user.area.code
    wanted = Q()
    if len(scope) < 9:
        wanted |= Q(level=AreaLevel.TOWNSHIP)
    if len(scope) < 12:
        prefix = township if len(township) == 9 and township.startswith(scope) else scope
        wanted |= Q(level=AreaLevel.VILLAGE, code__startswith=prefix)
    if len(scope) == 12:
        wanted |= Q(level=AreaLevel.GROUP)
    elif len(scope) < 12 and len(village) == 12 and village.startswith(scope):
        wanted |= Q(level=AreaLevel.GROUP, code__startswith=village)
    if not wanted:
        return options
    for area in visible_areas(user).filter(wanted).exclude(pk=user.area_id).order_by("code"):
        options[area.level].append(area)
    return options
