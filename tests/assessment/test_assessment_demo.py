"""manage.py seed_assessment_demo: the yearly assessment of a small demo county, written through the services,
idempotent, deterministic, and its pages answer for the county office."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.urls import reverse

from assessment.fund_models import FundAllocation, FundSpending, SelfEvaluationReport, WorkFund
from assessment.models import Campaign
from assessment.review_models import Assessment, SampledHousehold, SamplePlan, SatisfactionResponse, SpotCheck
from assessment.score_models import IndicatorRow, ManualScoreEntry, ScoreAppeal, SupportingUnit
from households.choices import AreaLevel
from households.models import Area, User

SIZE = 150  # small but enough for every township to have villages of each kind


def run(*args) -> str:
    out = StringIO()
    call_command("seed_assessment_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    call_command("seed_demo", households=SIZE, seed=7, stdout=StringIO())
    call_command("loaddata", "policies", verbosity=0)
    call_command("evaluate", policy="云南省2018年度", stdout=StringIO())


def snapshot() -> dict[str, list]:
    """What the command decided, by natural keys (no primary keys or timestamps)."""
    return {
        "plans": list(
            SamplePlan.objects.order_by("area__code").values_list(
                "area__code", "seed", "status", "village_codes", "satisfaction_village_codes", "shortfalls"
            )
        ),
        "drawn": list(
            SampledHousehold.objects.order_by("plan__area__code", "purpose", "position").values_list(
                "plan__area__code", "purpose", "position", "number", "stratum", "satisfaction_group"
            )
        ),
        "checks": list(
            SpotCheck.objects.order_by("sampled__plan__area__code", "sampled__number").values_list(
                "sampled__plan__area__code",
                "sampled__number",
                "confirmed",
                "findings",
                "computed_result",
                "result",
                "override_reason",
            )
        ),
        "answers": list(
            SatisfactionResponse.objects.order_by("plan__area__code", "number").values_list(
                "plan__area__code", "number", "group", "answer", "respondent", "note"
            )
        ),
        "rows": list(IndicatorRow.objects.order_by("position").values_list("code", "weight", "measure", "if_no_data")),
        "manual": list(
            ManualScoreEntry.objects.order_by("indicator_code", "township__code").values_list(
                "indicator_code", "township__code", "points", "note", "version"
            )
        ),
        "units": list(SupportingUnit.objects.order_by("name").values_list("name", "township__code", "upper_level")),
        "appeals": list(ScoreAppeal.objects.values_list("township__code", "indicator_code", "status", "reason")),
        "allocations": list(
            FundAllocation.objects.order_by("position").values_list(
                "position", "recipient", "kind", "area__name", "amount"
            )
        ),
        "spending": list(FundSpending.objects.order_by("spent_on", "recipient").values_list("recipient", "amount")),
        "versions": list(WorkFund.objects.values_list("year", "version"))
        + list(SelfEvaluationReport.objects.values_list("year", "version")),
    }


def test_command_fills_the_assessment_once(demo, client):
    out = run()
    assert "年度考核演示数据已生成" in out
    assert "未创建" in out  # no campaign of 2018: said, and none made

    assessment = Assessment.objects.get()
    assert assessment.year == 2018 and assessment.policy.name == "云南省2018年度"
    assert not assessment.scores_final
    assert not Campaign.objects.exists()

    plans = list(assessment.plans.select_related("area"))
    assert len(plans) == 4
    assert {p.area.level for p in plans} == {AreaLevel.TOWNSHIP, AreaLevel.COUNTY}
    assert all(p.status == SamplePlan.Status.DRAWN for p in plans)
    drawn = SampledHousehold.objects.filter(plan__assessment=assessment, purpose=SampledHousehold.Purpose.CHECK)
    checks = SpotCheck.objects.filter(sampled__plan__assessment=assessment)
    assert drawn.count() > checks.count() > drawn.count() * 3 // 4  # most drawn households, not all
    assert checks.filter(confirmed=True).count() > checks.filter(confirmed=False).count() > 0
    overridden = checks.exclude(result=F("computed_result"))
    assert overridden.count() == 1 and overridden.get().override_reason
    assert checks.exclude(result=SpotCheck.Result.CORRECT).exists()
    answers = SatisfactionResponse.objects.filter(plan__assessment=assessment)
    assert answers.count() > 0
    assert answers.filter(answer="dissatisfied").count() < answers.count() // 4

    rows = list(assessment.indicator_table.rows.all())
    assert len(rows) == 9 and sum(r.weight for r in rows) == 100
    townships = Area.objects.filter(level=AreaLevel.TOWNSHIP)
    manual = [r for r in rows if r.is_manual]
    assert ManualScoreEntry.objects.filter(assessment=assessment).count() == len(manual) * townships.count()
    assert SupportingUnit.objects.filter(assessment=assessment).exists()
    appeal = ScoreAppeal.objects.get(assessment=assessment)
    township1 = User.objects.get(username="township1")
    assert appeal.status == ScoreAppeal.Status.PENDING and appeal.township_id == township1.area_id

    fund = WorkFund.objects.get(year=2018)
    assert fund.budget == 1_000_000
    allocations = list(fund.allocations.order_by("position"))
    assert len(allocations) == 14 and sum(a.amount for a in allocations) == 920_000
    assert [a.recipient for a in allocations].count("区人社局") == 2
    assert {a.area.name for a in allocations if a.area_id} == {"铜都街道", "阿旺镇", "乌龙镇", "红土地镇", "因民镇"}
    assert fund.spendings.count() == 5
    assert SelfEvaluationReport.objects.get(year=2018).texts

    before = snapshot()
    again = run()
    assert "未做任何修改" in again
    assert snapshot() == before

    client.force_login(User.objects.get(username="county"))
    pk = assessment.pk
    for url in (
        reverse("assessment:rates", args=[pk]),
        reverse("assessment:score_overview", args=[pk]),
        reverse("assessment:score_township", args=[pk, township1.area.code]),
        reverse("assessment:appeal_list", args=[pk]),
        reverse("assessment:fund_detail", args=[2018]),
        reverse("assessment:report_detail", args=[2018]),
    ):
        assert client.get(url).status_code == 200, url


def test_same_result_on_a_fresh_demo(demo):
    """Deterministic: the same demo county gives the same assessment (checked against a clean rerun)."""
    run()
    first = snapshot()
    for model in (ScoreAppeal, SupportingUnit, ManualScoreEntry, SatisfactionResponse, SpotCheck):
        model.objects.all().delete()
    SamplePlan.objects.all().delete()
    Assessment.objects.all().delete()
    WorkFund.objects.all().delete()
    SelfEvaluationReport.objects.all().delete()
    run()
    assert snapshot() == first


def test_refuses_without_the_policy(db):
    call_command("seed_demo", households=60, seed=7, stdout=StringIO())
    with pytest.raises(CommandError, match="loaddata policies"):
        run()
    assert not Assessment.objects.exists()


def test_seed_demo_reset_clears_the_assessment_rows_that_point_at_the_registry(demo):
    run()
    assert SpotCheck.objects.exists() and ManualScoreEntry.objects.exists() and ScoreAppeal.objects.exists()
    # Rows that point at areas through related_name="+" (scores, appeals, allocations) are found too.
    call_command("seed_demo", households=SIZE, seed=8, reset=True, stdout=StringIO())
    assert not SampledHousehold.objects.exists() and not ManualScoreEntry.objects.exists()
    assert not ScoreAppeal.objects.exists() and not FundAllocation.objects.filter(area__isnull=False).exists()
    assert Area.objects.filter(level=AreaLevel.COUNTY).count() == 1
    run()  # and the assessment demo fills in again over the new registry
    assert SpotCheck.objects.exists()
