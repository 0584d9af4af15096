"""Seed 000's work fund as the pages receive it: 100 万元 received in December 2017 and the allocation list of
§二(二) exactly as written (92 万元, 区人社局 twice)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from assessment.fund_models import FundAllocation, WorkFund
from assessment.models import AdjustmentCase
from assessment.review_models import Assessment, SampledHousehold, SamplePlan, SpotCheck
from assessment.workflow import CaseKind, Stage
from households.choices import HouseholdStatus
from households.models import Survey, User
from tests import factories as f
from tests.assessment import county as c
from tests.assessment import workflow_builders as wb

# (recipient, kind, 万元) in the document's order.
SEED_ALLOCATIONS = [
    ("铜都街道", "township", "10"),
    ("阿旺镇", "township", "10"),
    ("乌龙镇", "township", "10"),
    ("汤丹镇拖布卡", "township", "10"),
    ("红土地镇", "township", "10"),
    ("舍块乡", "township", "6"),
    ("因民镇", "township", "6"),
    ("区公安局", "department", "2"),
    ("区人社局", "department", "2"),
    ("区人社局", "department", "2"),
    ("区卫生局", "department", "2"),
    ("区民政局", "department", "2"),
    ("区住建局", "department", "2"),
    ("区扶贫办", "office", "18"),
]

FUND_FORM = {
    "year": "2017",
    "project": "贫困对象动态管理工作经费",
    "unit": "东川区扶贫办",
    "budget_amount": "100",
    "budget_unit": "wan",
    "received_on": "2017-12-15",
    "document": "东办通〔2017〕73号",
    "note": "",
}


def allocation_post(rows, *, version: int, prefix: str = "lines") -> dict[str, str]:
    """The allocation formset's POST data for ``rows`` of (recipient, kind, 万元[, area pk])."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        "version": str(version),
    }
    for i, row in enumerate(rows):
        recipient, kind, amount = row[:3]
        data[f"{prefix}-{i}-recipient"] = recipient
        data[f"{prefix}-{i}-kind"] = kind
        data[f"{prefix}-{i}-amount"] = amount
        data[f"{prefix}-{i}-area"] = str(row[3]) if len(row) > 3 else ""
        data[f"{prefix}-{i}-note"] = ""
    return data


def seed_fund(by: User | None = None, *, year: int = 2017, allocations=SEED_ALLOCATIONS) -> WorkFund:
    """The seed's fund stored directly (for the report tests)."""
    fund = WorkFund.objects.create(
        year=year,
        unit="东川区扶贫办",
        received_on=datetime.date(year, 12, 15),
        document="东办通〔2017〕73号",
        budget=Decimal("1000000.00"),
        updated_by=by,
    )
    FundAllocation.objects.bulk_create(
        FundAllocation(
            fund=fund, position=i, recipient=name, kind=kind, amount=(Decimal(wan) * 10000).quantize(Decimal("0.01"))
        )
        for i, (name, kind, wan) in enumerate(allocations, start=1)
    )
    return fund


# (kind, stage) of the 2017 campaign's cases: 新识别 2 approved + 1 open, 错评 1 approved + 1 withdrawn, 退出 1 open.
CASES = [
    (CaseKind.NEW, Stage.APPROVED),
    (CaseKind.NEW, Stage.APPROVED),
    (CaseKind.NEW, Stage.ANALYSIS),
    (CaseKind.WRONG_INCLUSION, Stage.APPROVED),
    (CaseKind.WRONG_INCLUSION, Stage.WITHDRAWN),
    (CaseKind.EXIT, Stage.SURVEY),
]


def survey(household, day: datetime.date) -> Survey:
    return Survey.objects.create(household=household, income_year=2017, surveyed_on=day, surveyor="李调查")


def spot_check(plan, household, position, status, result) -> SpotCheck:
    sampled = SampledHousehold.objects.create(
        plan=plan,
        household=household,
        position=position,
        number=household.number,
        status=status,
        village_code=household.village_code,
    )
    return SpotCheck.objects.create(sampled=sampled, status=status, computed_result=result, result=result)


def year_figures(areas, by: User) -> None:
    """2017 as the report tests know it: 3 households surveyed 4 times in 2017 (and one survey of 2018), the
    campaign's 6 cases (CASES), an assessment with four spot checks: 1 漏评 of 2 ordinary households, 2 correct poor."""
    policy = c.seed_policy()
    campaign = wb.make_campaign(
        policy, by, year=2017, name="2017年度扶贫对象动态管理", starts_on=datetime.date(2017, 10, 1)
    )
    a = [f.make_household(areas[f.GROUP_A1], number=f"A-{i}") for i in range(1, 7)]
    b = f.make_household(areas[f.GROUP_B1], number="B-1", status=HouseholdStatus.ORDINARY)
    for i, ((kind, stage), household) in enumerate(zip(CASES, a, strict=True), start=1):
        AdjustmentCase.objects.create(
            campaign=campaign,
            number=f"2017-{i:04d}",
            kind=kind,
            household=household,
            stage=stage,
            reason="测试",
            policy=policy,
            policy_version=policy.version,
            opened_by=by,
        )
    survey(a[0], datetime.date(2017, 10, 10))
    survey(a[0], datetime.date(2017, 11, 1))
    survey(a[1], datetime.date(2017, 10, 11))
    survey(b, datetime.date(2017, 10, 12))
    survey(a[2], datetime.date(2018, 1, 5))  # another year: not counted
    assessment = Assessment.objects.create(year=2017, name="2017年度乡镇考核", policy=policy)
    plan = SamplePlan.objects.create(assessment=assessment, area=areas[f.COUNTY_CODE], name="全县", seed="2017")
    spot_check(plan, b, 1, "ordinary", "missed")
    spot_check(plan, a[5], 2, "ordinary", "correct")
    spot_check(plan, a[3], 3, "poor", "correct")
    spot_check(plan, a[4], 4, "poor", "correct")
