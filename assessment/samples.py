"""Sample plans: the registry as ``SampleUnit`` rows, and the reproducible draw of a plan (issue 6 part 1).

The pure draws are in ``sampling.py`` (docs/assessment-methods.md §1); this module decides what the sampler sees
(docs/assessment-review.md "What the draw reads") and stores what it drew:

- **stratum**: ``ordinary`` / ``exited`` by registered status; a ``poor`` household is ``pre_exit`` (预脱贫户) when
  it has a 脱贫退出 case (``AdjustmentCase`` kind ``exit``) in the campaign of the assessment's year that was not
  withdrawn, otherwise ``poor``. Removed households are never sampled.
- **scattered**: the household's village is not a poor village (``Area.is_poor_village``).
- **ill_or_disabled**: main or other poverty cause 因病/因残, or an active member 患有大病 or disabled.
- **satisfaction_group**: 无劳动能力低保五保户 (低保/特困 attribute or a 享受低保 fact, no active member with labour
  capacity), else 有劳动能力贫困户 (poor or exited, an active member with 普通/技能劳动力), else 一般农户 (ordinary).

Loading costs two queries whatever the roster's size (households with their flags as subqueries, villages).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from households.choices import AreaLevel, FactKind, HouseholdStatus, LabourSkill, PovertyAttribute, PovertyCause
from households.models import Area, Fact, Household, Member, User, scope_filter

from .models import AdjustmentCase
from .review_models import Assessment, PlanStratum, SampledHousehold, SamplePlan, SatisfactionResponse, SpotCheck
from .sampling import (
    SampleUnit,
    SatisfactionGroup,
    Stratum,
    StratumPlan,
    VillageUnit,
    draw_satisfaction_households,
    draw_stratified,
    draw_villages,
    roster_fingerprint,
)
from .workflow import CaseKind, Stage

ILL_CAUSES = (PovertyCause.ILLNESS, PovertyCause.DISABILITY)
LABOUR = (LabourSkill.ORDINARY, LabourSkill.SKILLED)
DIBAO_WUBAO = (PovertyAttribute.DIBAO, PovertyAttribute.TEKUN)


class PlanError(Exception):
    """A draw that may not happen (Chinese message)."""


class PlanConflict(PlanError):
    """Someone changed the plan after this page was opened (optimistic locking on ``version``)."""

    def __init__(self) -> None:
        super().__init__("该抽样方案已被他人修改，请刷新页面后重试")


@dataclass(frozen=True, slots=True)
class LoadedUnit:
    pk: int
    status: str
    unit: SampleUnit


def scope_households(code: str):
    """The households under an area code that can be sampled (not removed)."""
    return Household.objects.filter(**scope_filter(code)).exclude(status=HouseholdStatus.REMOVED)


def _annotated(queryset, year: int):
    active = Member.objects.filter(household=OuterRef("pk"), is_active=True)
    exit_cases = AdjustmentCase.objects.filter(
        household=OuterRef("pk"), kind=CaseKind.EXIT, campaign__year=year
    ).exclude(stage=Stage.WITHDRAWN)
    return queryset.annotate(
        has_ill_member=Exists(active.filter(Q(serious_disease=True) | Q(disabled=True) | ~Q(disability_grade=""))),
        has_labour=Exists(active.filter(labour_skill__in=LABOUR)),
        has_dibao_fact=Exists(Fact.objects.filter(household=OuterRef("pk"), kind=FactKind.DIBAO)),
        on_exit_list=Exists(exit_cases),
    )


def stratum_of(status: str, on_exit_list: bool) -> str:
    if status == HouseholdStatus.ORDINARY:
        return Stratum.ORDINARY
    if status == HouseholdStatus.EXITED:
        return Stratum.EXITED
    return Stratum.PRE_EXIT if on_exit_list else Stratum.POOR


def satisfaction_group_of(status: str, attribute: str, *, has_labour: bool, has_dibao_fact: bool) -> str | None:
    if not has_labour and (attribute in DIBAO_WUBAO or has_dibao_fact):
        return SatisfactionGroup.NO_LABOUR_DIBAO_WUBAO
    if status in (HouseholdStatus.POOR, HouseholdStatus.EXITED) and has_labour:
        return SatisfactionGroup.POOR_WITH_LABOUR
    if status == HouseholdStatus.ORDINARY:
        return SatisfactionGroup.ORDINARY
    return None


def load_units(queryset, *, year: int, poor_villages: set[str]) -> list[LoadedUnit]:
    """The households of ``queryset`` as the sampler sees them (one query)."""
    rows = _annotated(queryset, year).values_list(
        "pk",
        "number",
        "status",
        "attribute",
        "village_code",
        "main_cause",
        "other_causes",
        "has_ill_member",
        "has_labour",
        "has_dibao_fact",
        "on_exit_list",
    )
    loaded = []
    for pk, number, status, attribute, village, main, other, ill, labour, dibao, exiting in rows:
        causes = {main, *other.split(",")}
        unit = SampleUnit(
            number=number,
            stratum=stratum_of(status, exiting),
            village=village,
            scattered=village not in poor_villages,
            ill_or_disabled=bool(ill) or any(cause in causes for cause in ILL_CAUSES),
            satisfaction_group=satisfaction_group_of(status, attribute, has_labour=labour, has_dibao_fact=dibao),
        )
        loaded.append(LoadedUnit(pk, status, unit))
    return loaded


def scope_villages(code: str) -> list[VillageUnit]:
    """The villages under an area code with their 贫困村 flag (one query)."""
    rows = Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith=code).values_list("code", "is_poor_village")
    return [VillageUnit(village, bool(poor)) for village, poor in rows]


def scope_village_names(code: str):
    return Area.objects.filter(level=AreaLevel.VILLAGE, code__startswith=code).values_list("code", "name")


def plan_units(plan: SamplePlan) -> tuple[list[LoadedUnit], list[VillageUnit]]:
    villages = scope_villages(plan.area.code)
    poor = {v.code for v in villages if v.poor_village}
    units = load_units(scope_households(plan.area.code), year=plan.assessment.year, poor_villages=poor)
    return units, villages


def stratum_populations(assessment: Assessment, code: str) -> dict[str, int]:
    """Households per stratum in a scope (for the 按置信水平计算 helper)."""
    villages = scope_villages(code)
    poor = {v.code for v in villages if v.poor_village}
    counts = {stratum: 0 for stratum in PlanStratum.Stratum.values}
    for loaded in load_units(scope_households(code), year=assessment.year, poor_villages=poor):
        counts[loaded.unit.stratum] += 1
    return counts


def name_villages(texts, names: dict[str, str]) -> list[str]:
    """「村 530113001001 的…」 → 「箐口村（530113001001）的…」 in the sampler's Chinese sentences."""
    named = []
    for text in texts:
        for code, name in names.items():
            text = text.replace(f"村 {code} ", f"{name}（{code}）")
        named.append(text)
    return named


def has_records(plan: SamplePlan) -> bool:
    """Whether a spot check or an answer was recorded for the plan (then it may not be redrawn)."""
    return (
        SpotCheck.objects.filter(sampled__plan=plan).exists() or SatisfactionResponse.objects.filter(plan=plan).exists()
    )


@dataclass(frozen=True, slots=True)
class PlanDraw:
    """Everything a draw produces, before it is stored."""

    check: tuple  # sampling.DrawnHousehold
    satisfaction: tuple
    village_codes: tuple[str, ...]
    satisfaction_village_codes: tuple[str, ...]
    shortfalls: tuple[str, ...]
    fingerprint: str


def compute_draw(plan: SamplePlan, units: list[SampleUnit], villages: list[VillageUnit]) -> PlanDraw:
    """The draw of a plan over a roster: villages, strata, satisfaction villages and respondents (no database)."""
    code = plan.area.code
    seed = plan.seed
    shortfalls: list[str] = []
    village_codes: tuple[str, ...] = ()
    check_units = units
    if plan.village_count > 0:
        drawn = draw_villages(
            villages,
            plan.village_count,
            seed=seed,
            scope=code,
            min_poor=plan.min_poor_villages,
            min_non_poor=plan.min_non_poor_villages,
        )
        village_codes = drawn.codes
        shortfalls += drawn.shortfalls
        chosen = set(village_codes)
        check_units = [u for u in units if u.village in chosen]
    strata = [StratumPlan(s.stratum, s.size, s.scattered_minimum, s.ill_disabled_share) for s in plan.strata.all()]
    stratified = draw_stratified(check_units, strata, seed=seed, scope=code)
    shortfalls += stratified.shortfalls
    survey_codes: tuple[str, ...] = ()
    respondents: tuple = ()
    if plan.satisfaction_villages > 0:
        # On the same trip: among the villages drawn for the spot checks when there are enough of them.
        pool = villages
        if len(village_codes) >= plan.satisfaction_villages:
            pool = [v for v in villages if v.code in set(village_codes)]
        survey = draw_villages(pool, plan.satisfaction_villages, seed=seed, scope=f"{code}:satisfaction")
        survey_codes = survey.codes
        shortfalls += [f"民意测评：{text}" for text in survey.shortfalls]
        answered = draw_satisfaction_households(
            units, survey_codes, seed=seed, per_village=plan.satisfaction_per_village
        )
        respondents = answered.households
        shortfalls += [f"民意测评：{text}" for text in answered.shortfalls]
    return PlanDraw(
        stratified.households,
        respondents,
        village_codes,
        survey_codes,
        tuple(shortfalls),
        roster_fingerprint(units),
    )


def draw_plan(plan: SamplePlan, *, by: User | None, expected_version: int | None = None) -> SamplePlan:
    """Draw (or redraw) a plan and store its households; refused once a check or an answer is recorded."""
    with transaction.atomic():
        stored = SamplePlan.objects.select_for_update().get(pk=plan.pk)
        if expected_version is not None and stored.version != expected_version:
            raise PlanConflict()
        if has_records(stored):
            raise PlanError("该方案已录入抽查或测评结果，不能重新抽取")
        if not stored.strata.exists() and stored.satisfaction_villages == 0:
            raise PlanError("方案没有任何抽样层，也不做民意测评，无可抽取")
        if connection.vendor == "postgresql":
            # The roster query runs once: JIT compilation cost ~1 s of its 1.5 s for a county (bench/README.md).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        loaded, villages = plan_units(stored)
        try:
            result = compute_draw(stored, [item.unit for item in loaded], villages)
        except ValueError as error:
            raise PlanError(str(error)) from error
        by_number = {item.unit.number: item for item in loaded}
        rows = []
        for position, drawn in enumerate(result.check, start=1):
            item = by_number[drawn.number]
            rows.append(_row(stored, item, drawn, SampledHousehold.Purpose.CHECK, position))
        for position, drawn in enumerate(result.satisfaction, start=1):
            item = by_number[drawn.number]
            row = _row(stored, item, drawn, SampledHousehold.Purpose.SATISFACTION, position)
            row.satisfaction_group = drawn.part
            rows.append(row)
        SampledHousehold.objects.filter(plan=stored).delete()
        SampledHousehold.objects.bulk_create(rows, batch_size=1000)
        stored.village_codes = list(result.village_codes)
        stored.satisfaction_village_codes = list(result.satisfaction_village_codes)
        names = dict(scope_village_names(stored.area.code))
        stored.shortfalls = name_villages(result.shortfalls, names)
        stored.roster_fingerprint = result.fingerprint
        stored.status = SamplePlan.Status.DRAWN
        stored.drawn_at = timezone.now()
        stored.drawn_by = by
        stored.version += 1
        stored.save()
    return stored


def _row(plan: SamplePlan, item: LoadedUnit, drawn, purpose: str, position: int) -> SampledHousehold:
    return SampledHousehold(
        plan=plan,
        household_id=item.pk,
        purpose=purpose,
        position=position,
        number=drawn.number,
        status=item.status,
        stratum=item.unit.stratum,
        village_code=drawn.village,
        method=drawn.method,
        part=drawn.part if purpose == SampledHousehold.Purpose.CHECK else "",
    )


def save_plan(plan: SamplePlan, strata: list[PlanStratum], *, expected_version: int | None) -> SamplePlan:
    """Save a plan and replace its strata; refused once drawn with records, or over someone else's change."""
    with transaction.atomic():
        if plan.pk is not None:
            stored = SamplePlan.objects.select_for_update().get(pk=plan.pk)
            if expected_version is not None and stored.version != expected_version:
                raise PlanConflict()
            if has_records(stored):
                raise PlanError("该方案已录入抽查或测评结果，不能再修改")
            plan.version = stored.version + 1
            if stored.status == SamplePlan.Status.DRAWN:
                # A changed plan must be drawn again: the stored list no longer matches it.
                SampledHousehold.objects.filter(plan=stored).delete()
                plan.status = SamplePlan.Status.DRAFT
                plan.village_codes = []
                plan.satisfaction_village_codes = []
                plan.shortfalls = []
                plan.roster_fingerprint = ""
                plan.drawn_at = None
                plan.drawn_by = None
        plan.save()
        plan.strata.all().delete()
        for stratum in strata:
            stratum.plan = plan
        PlanStratum.objects.bulk_create(strata)
    return plan
