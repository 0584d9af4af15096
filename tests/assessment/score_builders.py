"""Builders of the township-score tests: an assessment, indicator tables, spot checks and satisfaction answers
written straight to the ORM (the sample pages belong to another part of issue 6), manual scores and appeals."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from assessment import scores
from assessment.review_models import Assessment, SampledHousehold, SamplePlan, SatisfactionResponse, SpotCheck
from assessment.score_models import IndicatorRow, IndicatorTable, ManualScoreEntry, Measure, SupportingUnit
from households.choices import HouseholdStatus
from households.models import Area, Household, User
from tests import factories as f

D = Decimal
AS_OF = datetime.date(2018, 12, 30)
TODAY = datetime.date(2019, 1, 10)


def make_assessment(policy, **changes) -> Assessment:
    values = {"year": 2018, "name": "2018年度乡镇考核", "policy": policy}
    values.update(changes)
    return Assessment.objects.create(**values)


def set_table(assessment: Assessment, rows: Sequence[dict], *, as_of: datetime.date = AS_OF) -> IndicatorTable:
    """Write a table without the service's checks (tests of invalid tables write their own)."""
    table, _ = IndicatorTable.objects.get_or_create(assessment=assessment, defaults={"as_of": as_of})
    table.rows.all().delete()
    IndicatorRow.objects.bulk_create(
        IndicatorRow(table=table, **{"unit": "", "direction": "", **row, "position": i})
        for i, row in enumerate(rows, 1)
    )
    return table


def manual_row(code: str, name: str, weight: str) -> dict:
    return {"code": code, "name": name, "weight": D(weight), "measure": Measure.MANUAL}


def measured_row(code: str, measure: str, weight: str, target: str, bound: str, **extra) -> dict:
    direction = "higher" if measure in scores.HIGHER_IS_BETTER else "lower"
    values = {
        "code": code,
        "name": dict(Measure.choices)[measure],
        "weight": D(weight),
        "measure": measure,
        "direction": direction,
        "target": D(target),
        "bound": D(bound),
        "unit": scores.MEASURE_UNITS[measure],
    }
    values.update(extra)
    return values


def single_manual_table(assessment: Assessment) -> IndicatorTable:
    """One manual indicator worth 100: a township's total is exactly the points given."""
    return set_table(assessment, [manual_row("overall", "综合评价", "100")])


def rates_table(assessment: Assessment) -> IndicatorTable:
    """识别误差率 20 (full ≤ 2, none ≥ 5), 错退率 10 (full ≤ 0, none ≥ 3), 档案管理 70 by hand."""
    return set_table(
        assessment,
        [
            measured_row("identification_error", Measure.IDENTIFICATION_ERROR, "20", "2", "5"),
            measured_row("wrong_exit", Measure.WRONG_EXIT, "10", "0", "3"),
            manual_row("archives", "扶贫档案管理", "70"),
        ],
    )


def give(assessment: Assessment, township: Area, code: str, points: str, note: str = "", by: User | None = None):
    entry, _ = ManualScoreEntry.objects.update_or_create(
        assessment=assessment,
        township=township,
        indicator_code=code,
        defaults={"points": D(points), "note": note, "scored_by": by},
    )
    return entry


def plan_for(assessment: Assessment, area: Area) -> SamplePlan:
    plan = SamplePlan.objects.filter(assessment=assessment, area=area).first()
    return plan or SamplePlan.objects.create(
        assessment=assessment, area=area, name=f"{area.name}抽样", seed="2018-县考核"
    )


def check(assessment: Assessment, household: Household, result: str = "correct") -> SpotCheck:
    """A spot check of ``household`` with the given final result (correct / missed / wrong_inclusion / wrong_exit)."""
    plan = plan_for(assessment, Area.objects.get(code=household.township_code))
    sampled = SampledHousehold.objects.create(
        plan=plan,
        household=household,
        position=SampledHousehold.objects.filter(plan=plan).count() + 1,
        number=household.number,
        status=household.status,
        stratum=household.status,
        village_code=household.village_code,
    )
    return SpotCheck.objects.create(
        sampled=sampled, status=household.status, computed_result=result, result=result, confirmed=result == "correct"
    )


def answer(assessment: Assessment, household: Household, answer: str = "satisfied") -> SatisfactionResponse:
    plan = plan_for(assessment, Area.objects.get(code=household.township_code))
    return SatisfactionResponse.objects.create(
        plan=plan,
        household=household,
        number=household.number,
        village_code=household.village_code,
        group="ordinary",
        answer=answer,
    )


def sample(area: Area, prefix: str, count: int, *, status: str = HouseholdStatus.POOR) -> list[Household]:
    return [f.make_household(area, number=f"{prefix}-{i:03d}", status=status, members=1) for i in range(1, count + 1)]


def checked_township(
    assessment: Assessment,
    area: Area,
    prefix: str,
    *,
    correct: int,
    exited: int = 1,
    missed: int = 0,
    wrong_exit: int = 0,
) -> dict[str, list[Household]]:
    """Spot checks of households in ``area`` (a group): ``correct`` poor and ``exited`` exited households checked
    correct, ``missed`` ordinary households found 漏评, ``wrong_exit`` exited households found 错退."""
    built = {
        "correct": sample(area, f"{prefix}C", correct),
        "exited": sample(area, f"{prefix}E", exited, status=HouseholdStatus.EXITED),
        "missed": sample(area, f"{prefix}M", missed, status=HouseholdStatus.ORDINARY),
        "wrong_exit": sample(area, f"{prefix}X", wrong_exit, status=HouseholdStatus.EXITED),
    }
    for result, households in built.items():
        for household in households:
            check(assessment, household, "correct" if result == "exited" else result)
    return built


def unit(assessment: Assessment, name: str, township: Area, *, upper_level: bool = False) -> SupportingUnit:
    return SupportingUnit.objects.create(assessment=assessment, name=name, township=township, upper_level=upper_level)
