"""Builders of the assessment review tests: an assessment, a known roster of one township, plans and checks."""

from __future__ import annotations

import random
from decimal import Decimal

from assessment.review_models import Assessment, PlanStratum, SamplePlan
from households.choices import HouseholdStatus, LabourSkill
from households.models import Area, Household
from tests import factories as f

D = Decimal

# The known roster of township A: 12 poor, 4 exited, 10 ordinary households over its two villages
# (箐口村 is a poor village, 石羊村 is not). Numbers are fixed width, so text and numeric order agree.
POOR = [f"5301130010{i:04d}" for i in range(1, 13)]
EXITED = [f"5301130020{i:04d}" for i in range(1, 5)]
ORDINARY = [f"5301130030{i:04d}" for i in range(1, 11)]


def make_assessment(policy, *, year: int = 2018, **fields) -> Assessment:
    values = {"name": f"{year}年度乡镇考核", "policy": policy}
    values.update(fields)
    return Assessment.objects.create(year=year, **values)


def household(area: Area, number: str, status: str, *, labour: bool = True, **fields) -> Household:
    """A one-member household with 2018 income; ``labour`` gives the member 普通劳动力."""
    h = f.make_household(area, number=number, status=status, members=1, **fields)
    h.members.update(labour_skill=LabourSkill.ORDINARY if labour else LabourSkill.NONE)
    return h


def known_roster(areas, *, shuffle_seed: int = 7) -> dict[str, Household]:
    """The roster above inserted in a shuffled order; odd households live in 箐口村 (a poor village)."""
    Area.objects.filter(code=f.VILLAGE_A1).update(is_poor_village=True)
    specs = (
        [(n, HouseholdStatus.POOR) for n in POOR]
        + [(n, HouseholdStatus.EXITED) for n in EXITED]
        + [(n, HouseholdStatus.ORDINARY) for n in ORDINARY]
    )
    random.Random(shuffle_seed).shuffle(specs)
    made = {}
    for number, status in specs:
        group = f.GROUP_A1 if int(number[-1]) % 2 else f.GROUP_A2
        made[number] = household(areas[group], number, status, exit_year=2016 if status == "exited" else None)
    return made


def make_plan(assessment: Assessment, area: Area, *, seed: str = "2018-县考核", strata=None, **fields) -> SamplePlan:
    """A plan with strata given as {stratum: size} or {stratum: (size, scattered_minimum, share)}."""
    values = {"name": f"{area.name}抽样", "satisfaction_villages": 0}
    values.update(fields)
    plan = SamplePlan.objects.create(assessment=assessment, area=area, seed=seed, **values)
    for stratum, spec in (strata or {}).items():
        size, scattered, share = spec if isinstance(spec, tuple) else (spec, 0, D(0))
        PlanStratum.objects.create(
            plan=plan, stratum=stratum, size=size, scattered_minimum=scattered, ill_disabled_share=share
        )
    return plan


def bulk_checks(plan: SamplePlan, group: Area, results: list[tuple[str, str]], *, prefix: str) -> list[str]:
    """Sampled households with stored checks, in bulk: ``results`` lists (status, final result) per household.

    Six queries whatever the count (households, sampled rows, checks), so the seeds' 1,522 households are cheap.
    """
    from assessment.review_models import SampledHousehold, SpotCheck

    households = []
    for i, (status, _) in enumerate(results):
        h = Household(number=f"{prefix}{i:05d}", area=group, status=status)
        h.copy_area_codes()
        households.append(h)
    Household.objects.bulk_create(households, batch_size=500)
    ids = dict(Household.objects.filter(number__startswith=prefix).values_list("number", "pk"))
    sampled = [
        SampledHousehold(
            plan=plan,
            household_id=ids[h.number],
            position=i + 1,
            number=h.number,
            status=h.status,
            stratum=h.status,
            village_code=h.village_code,
        )
        for i, h in enumerate(households)
    ]
    SampledHousehold.objects.bulk_create(sampled, batch_size=500)
    rows = dict(SampledHousehold.objects.filter(plan=plan, number__startswith=prefix).values_list("number", "pk"))
    SpotCheck.objects.bulk_create(
        [
            SpotCheck(sampled_id=rows[h.number], status=h.status, confirmed=True, computed_result=result, result=result)
            for h, (_, result) in zip(households, results, strict=True)
        ],
        batch_size=500,
    )
    return [h.number for h in households]
