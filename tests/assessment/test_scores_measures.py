"""How each measured indicator is computed per township (docs/assessment-scores.md §2), with the items behind it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import scores
from assessment.models import AdjustmentCase, EvaluationOutcome, EvaluationResult, EvaluationRun, PublicityWindow
from assessment.score_models import Measure
from households.models import Survey
from tests import factories as f
from tests.assessment import score_builders as sb
from tests.assessment import workflow_builders as wb
from verification.models import Department, VerificationTask

D = Decimal
ON = datetime.date(2018, 12, 30)
TOWNSHIPS = [f.TOWNSHIP_A, f.TOWNSHIP_B]


@pytest.fixture
def assessment(policy):
    return sb.make_assessment(policy)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# ---- rates ----


def test_rates_become_percentages_with_the_households_behind_them(assessment, areas):
    built = sb.checked_township(assessment, areas[f.GROUP_A1], "A", correct=7, exited=1, missed=1, wrong_exit=1)
    sb.answer(assessment, built["correct"][0], "satisfied")
    sb.answer(assessment, built["correct"][1], "basically_satisfied")
    sb.answer(assessment, built["correct"][2], "dissatisfied")
    rows = [sb.measured_row(m, m, "10", "0", "5") for m in scores.RATE_MEASURES]
    measured = scores.measure_townships(assessment, [scores.IndicatorRow(**r) for r in rows], TOWNSHIPS, on=ON)
    a = measured[f.TOWNSHIP_A]
    # 10 sampled: 漏评 1 (of 1 ordinary), 错退 1 (of 2 exited), identification error 1 / 10
    assert a[Measure.IDENTIFICATION_ERROR].value == D(10)
    assert [i.label for i in a[Measure.IDENTIFICATION_ERROR].items] == [f"{built['missed'][0].number}（漏评）"]
    assert a[Measure.MISSED].value == D(100)
    assert a[Measure.WRONG_EXIT].value == D(50)
    assert [i.key for i in a[Measure.WRONG_EXIT].items] == [built["wrong_exit"][0].number]
    assert a[Measure.WRONG_INCLUSION].value == D(0)
    satisfaction = a[Measure.SATISFACTION]
    assert (satisfaction.value.quantize(D("0.01")), satisfaction.basis) == (D("66.67"), "2 / 3 户满意或基本满意")
    assert [i.key for i in satisfaction.items] == [built["correct"][2].number]
    b = measured[f.TOWNSHIP_B]
    assert b[Measure.IDENTIFICATION_ERROR] == scores.Measured(None, note="该乡镇没有抽查样本")
    assert b[Measure.SATISFACTION].note == "该乡镇没有民意测评"


# ---- overdue department tasks ----


def task(household, *, due, status="open", closed=None, department=None):
    department = department or Department.objects.get(code="公安")
    return VerificationTask.objects.create(
        department=department, household=household, due_on=due, status=status, closed_at=closed, source="register"
    )


def test_overdue_tasks_are_counted_at_the_reference_date(areas):
    a = f.make_household(areas[f.GROUP_A1], number="A-1")
    b = f.make_household(areas[f.GROUP_B1], number="B-1")
    late = task(a, due=datetime.date(2018, 12, 1))
    closed_after = task(a, due=datetime.date(2018, 12, 1), status="closed", closed=at(datetime.date(2019, 1, 3)))
    task(a, due=datetime.date(2018, 12, 1), status="closed", closed=at(ON, 18))  # done by the end of the day
    task(a, due=ON)  # due on the day itself: not yet late
    task(a, due=datetime.date(2018, 12, 1), status="cancelled")
    needs_info = task(b, due=datetime.date(2018, 11, 1), status="needs_info")
    found = scores.overdue_tasks(TOWNSHIPS, ON)
    assert [i.key for i in found[f.TOWNSHIP_A]] == [str(late.pk), str(closed_after.pk)]
    assert found[f.TOWNSHIP_A][0].household == "A-1"
    assert "公安" in found[f.TOWNSHIP_A][0].label and "期限 2018-12-01" in found[f.TOWNSHIP_A][0].label
    assert [i.key for i in found[f.TOWNSHIP_B]] == [str(needs_info.pk)]


# ---- overdue publicity windows ----


def window(campaign, area, user, *, opened, status="open", closed=None, republish=False, title):
    return PublicityWindow.objects.create(
        campaign=campaign,
        level="village" if len(area.code) == 12 else "township",
        area=area,
        title=title,
        status=status,
        open_date=opened,
        days=5,
        needs_republish=republish,
        created_by=user,
        closed_at=closed,
    )


def test_overdue_windows_are_counted_at_the_reference_date(policy, county_user, areas):
    campaign = wb.make_campaign(policy, county_user)
    village, township_b = areas[f.VILLAGE_A1], areas[f.TOWNSHIP_B]
    late = window(campaign, village, county_user, opened=datetime.date(2018, 12, 1), title="逾期")  # last day 12-05
    window(campaign, village, county_user, opened=datetime.date(2018, 12, 26), title="公示中")  # last day 12-30
    changed = window(
        campaign, village, county_user, opened=datetime.date(2018, 12, 28), republish=True, title="名单变更"
    )
    closed_late = window(
        campaign,
        township_b,
        county_user,
        opened=datetime.date(2018, 12, 1),
        status="closed",
        closed=at(datetime.date(2019, 1, 2)),
        title="迟关",
    )
    window(
        campaign,
        township_b,
        county_user,
        opened=datetime.date(2018, 12, 1),
        status="closed",
        closed=at(ON),
        title="按时",
    )
    window(campaign, village, county_user, opened=None, status="draft", title="草稿")
    found = scores.overdue_windows(campaign, TOWNSHIPS, ON)
    assert sorted(i.key for i in found[f.TOWNSHIP_A]) == sorted([str(late.pk), str(changed.pk)])
    assert [i.key for i in found[f.TOWNSHIP_B]] == [str(closed_late.pk)]
    labels = {i.key: i.label for i in found[f.TOWNSHIP_A]}
    assert labels[str(changed.pk)] == "名单变更（名单变更未重新公示）"
    assert labels[str(late.pk)] == "逾期（应于 2018-12-05 结束）"


# ---- data-quality warnings per 100 households ----


def run_with(policy, households, warnings, *, area_code=f.COUNTY_CODE, finished=None):
    run = EvaluationRun.objects.create(
        policy=policy,
        policy_version=1,
        income_year=2018,
        area_code=area_code,
        status="finished",
        finished_at=finished or at(ON),
    )
    EvaluationResult.objects.bulk_create(
        EvaluationResult(run=run, household=h, status=h.status, judgement={}) for h in households
    )
    EvaluationOutcome.objects.bulk_create(
        EvaluationOutcome(run=run, household=h, code=code, message="x") for h, code in warnings
    )
    return run


@pytest.mark.parametrize(("count", "households", "expected"), [(1, 3, "33.33"), (2, 3, "66.67"), (0, 3, "0.00")])
def test_dq_warnings_per_hundred_households_in_the_latest_run(policy, areas, count, households, expected):
    group = areas[f.GROUP_A1]
    homes = [f.make_household(group, number=f"A-{i}", members=1) for i in range(households)]
    codes = [(homes[0], "DQ1"), (homes[0], "DQ4"), (homes[1], "DQ7")][: count if count < 2 else 3]
    old = run_with(policy, homes, [(h, "DQ2") for h in homes], finished=at(datetime.date(2018, 11, 1)))
    latest = run_with(policy, homes, codes + [(homes[2], "MISSED")])
    found = scores.dq_warnings(TOWNSHIPS)
    if count == 2:
        expected = "100.00"  # three warnings on two households
    assert found[f.TOWNSHIP_A].value == D(expected)
    assert found[f.TOWNSHIP_A].basis.startswith(f"评估批次 #{latest.pk}")
    assert old.pk != latest.pk
    assert found[f.TOWNSHIP_B].value is None


def test_a_township_run_covers_only_its_township(policy, areas):
    a = f.make_household(areas[f.GROUP_A1], number="A-1", members=1)
    run_with(policy, [a], [(a, "DQ3")], area_code=f.TOWNSHIP_A)
    found = scores.dq_warnings(TOWNSHIPS)
    assert found[f.TOWNSHIP_A].value == D("100.00")
    assert [i.label for i in found[f.TOWNSHIP_A].items] == ["A-1（DQ3）"]
    assert found[f.TOWNSHIP_B].note == "没有覆盖该乡镇的已完成评估批次"


# ---- survey completion against the schedule ----


def case(campaign, household, number, *, stage="survey", opened=None):
    by = campaign.updated_by
    return AdjustmentCase.objects.create(
        campaign=campaign,
        number=number,
        kind="exit",
        household=household,
        stage=stage,
        reason="预脱贫",
        policy=campaign.policy,
        policy_version=1,
        opened_at=opened or at(datetime.date(2018, 10, 8)),
        opened_by=by,
    )


def test_survey_completion_against_the_schedule(policy, county_user, areas):
    campaign = wb.make_campaign(policy, county_user)  # seed 003: 动态管理和信息采集 ends 2018-10-15
    assert scores.survey_deadline(campaign) == datetime.date(2018, 10, 15)
    group = areas[f.GROUP_A1]
    on_time, late, never, withdrawn, after = (
        f.make_household(group, number=n, members=1) for n in ("A-1", "A-2", "A-3", "A-4", "A-5")
    )
    for i, household in enumerate((on_time, late, never)):
        case(campaign, household, f"C-{i}")
    case(campaign, withdrawn, "C-W", stage="withdrawn")
    case(campaign, after, "C-L", opened=at(datetime.date(2018, 10, 20)))
    Survey.objects.create(household=on_time, income_year=2018, surveyed_on=datetime.date(2018, 10, 15), surveyor="李")
    Survey.objects.create(household=late, income_year=2018, surveyed_on=datetime.date(2018, 10, 16), surveyor="李")
    Survey.objects.create(household=never, income_year=2018, surveyed_on=datetime.date(2018, 9, 30), surveyor="李")
    found = scores.survey_completion(campaign, TOWNSHIPS)
    a = found[f.TOWNSHIP_A]
    assert a.value.quantize(D("0.01")) == D("33.33")
    assert [i.key for i in a.items] == ["A-2", "A-3"]
    assert a.basis == "1 / 3 户，截止 2018-10-15"
    assert found[f.TOWNSHIP_B] == scores.Measured(D(100), basis="无应调查户", note="调查截止 2018-10-15")


def test_without_a_campaign_of_the_year_schedule_measures_have_no_value(assessment, areas):
    rows = [
        scores.IndicatorRow(**sb.measured_row("p", Measure.OVERDUE_PUBLICITY, "50", "0", "5")),
        scores.IndicatorRow(**sb.measured_row("s", Measure.SURVEY_COMPLETION, "50", "100", "50")),
    ]
    measured = scores.measure_townships(assessment, rows, TOWNSHIPS, on=ON)
    assert measured[f.TOWNSHIP_A][Measure.OVERDUE_PUBLICITY].note == "没有 2018 年度的动态管理工作"
    assert measured[f.TOWNSHIP_A][Measure.SURVEY_COMPLETION].value is None


# ---- the reference date and shown values ----


@pytest.mark.parametrize(
    ("today", "expected"), [(datetime.date(2018, 12, 1), datetime.date(2018, 12, 1)), (datetime.date(2019, 1, 9), ON)]
)
def test_reference_date_is_the_cut_off_or_today_if_earlier(assessment, today, expected):
    table = sb.set_table(assessment, [sb.manual_row("x", "x", "100")])
    assert scores.reference_date(table, today) == expected


@pytest.mark.parametrize(
    ("value", "target", "shown"),
    [
        (D("2.001"), D("2"), "2.001"),
        (D("4"), D("2"), "4"),
        (D("33.333333"), D("2"), "33.33"),
        (D("1.995"), D("5"), "2.00"),
        (D("1.999"), D("2"), "1.999"),
    ],
)
def test_values_show_a_third_place_when_two_would_hide_the_threshold(value, target, shown):
    assert scores.value_text(value, target, D("5")) == shown


@pytest.mark.django_db
def test_the_service_refuses_a_deduction_without_its_reason(policy, areas, county_user):
    from tests.assessment import score_builders as sb

    assessment = sb.make_assessment(policy)
    table = sb.single_manual_table(assessment)
    row = table.rows.get()
    township = areas[f.TOWNSHIP_A]
    no_reason = scores.ManualInput(township=township, points=Decimal("95"), note=" ", version=0)
    with pytest.raises(scores.ScoreError, match="请填写扣分说明"):
        scores.save_manual_scores(assessment, indicator=row, inputs=[no_reason], by=county_user)
    full = scores.ManualInput(township=township, points=Decimal("100"), note="", version=0)
    assert scores.save_manual_scores(assessment, indicator=row, inputs=[full], by=county_user) == 1
