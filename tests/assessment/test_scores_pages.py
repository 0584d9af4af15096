"""The scores pages: grades as shown, a township's page with the households behind a deduction, ranking and
performance scores, the indicator table editor, manual scores, supporting units, export and print; roles, scope and
query counts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment import scores
from assessment.models import PublicityWindow
from assessment.score_models import IndicatorTable, ManualScoreEntry, Measure, SupportingUnit
from assessment.services import run_evaluation
from households.models import AccessLog
from tests import factories as f
from tests.assessment import score_builders as sb
from tests.assessment import workflow_builders as wb
from verification.models import Department, VerificationTask

D = Decimal


@pytest.fixture
def assessment(policy):
    return sb.make_assessment(policy)


@pytest.fixture
def township_a(areas):
    return areas[f.TOWNSHIP_A]


@pytest.fixture
def township_b(areas):
    return areas[f.TOWNSHIP_B]


def overview(pk):
    return reverse("assessment:score_overview", args=[pk])


def township_page(pk, code):
    return reverse("assessment:score_township", args=[pk, code])


# ---- grades, as the pages show them ----


@pytest.mark.parametrize(
    ("points", "label"),
    [
        ("59.99", "较差"),
        ("60", "一般"),
        ("60.00", "一般"),
        ("79.99", "一般"),
        ("80", "较好"),
        ("89.99", "较好"),
        ("90", "好"),
        ("100", "好"),
        ("0", "较差"),
    ],
)
def test_grade_boundaries_on_the_township_page(
    client_for, county_user, assessment, township_a, township_b, points, label
):
    sb.single_manual_table(assessment)
    sb.give(assessment, township_a, "overall", points, note="" if D(points) == 100 else "档案不全")
    sb.give(assessment, township_b, "overall", "100")
    response = client_for(county_user).get(township_page(assessment.pk, township_a.code))
    assert response.status_code == 200
    summary = response.context["township"]
    assert summary.total == D(points)
    assert summary.grade_label == label
    html = response.content.decode()
    assert f'<div class="fs-3 fw-semibold" id="total">{D(points).quantize(D("0.01"))}</div>' in html
    assert f">{label}</span>" in html.split('id="grade"')[1][:300]


def test_grades_and_performance_on_the_overview(client_for, county_user, assessment, township_a, township_b):
    sb.single_manual_table(assessment)
    sb.give(assessment, township_a, "overall", "89.99", note="扣分")
    sb.give(assessment, township_b, "overall", "90")
    response = client_for(county_user).get(overview(assessment.pk))
    rows = {t.code: t for t in response.context["board"].townships}
    assert (rows[township_a.code].grade_label, rows[township_a.code].rank) == ("较好", 2)
    assert (rows[township_b.code].grade_label, rows[township_b.code].rank) == ("好", 1)
    # seed 002 §八: total ÷ 100 × 2, exact
    assert rows[township_a.code].performance == D("1.7998")
    assert rows[township_b.code].performance == D("1.8")
    assert "1.7998" in response.content.decode()


def test_equal_totals_share_a_rank(client_for, county_user, assessment, areas, township_a, township_b):
    township_c = f.make_area("530113003", "乌龙镇")
    sb.single_manual_table(assessment)
    sb.give(assessment, township_a, "overall", "85", note="x")
    sb.give(assessment, township_b, "overall", "85.00", note="x")
    sb.give(assessment, township_c, "overall", "70", note="x")
    board = client_for(county_user).get(overview(assessment.pk)).context["board"]
    assert [(t.code, t.rank) for t in board.townships] == [
        (township_a.code, 1),
        (township_b.code, 1),
        (township_c.code, 3),
    ]


def test_supporting_units_take_their_townships_score_times_two_or_three(
    client_for, county_user, assessment, township_a, township_b
):
    sb.single_manual_table(assessment)
    sb.give(assessment, township_a, "overall", "87.53", note="x")
    sb.give(assessment, township_b, "overall", "60", note="x")
    sb.unit(assessment, "区人社局", township_a)
    sb.unit(assessment, "省农业厅驻镇工作队", township_a, upper_level=True)
    sb.unit(assessment, "区教育局", township_b)
    board = client_for(county_user).get(overview(assessment.pk)).context["board"]
    units = {u.name: (u.total, u.performance) for u in board.units}
    assert units == {
        "区人社局": (D("87.53"), D("1.7506")),
        "省农业厅驻镇工作队": (D("87.53"), D("2.6259")),
        "区教育局": (D("60.00"), D("1.2")),
    }


# ---- a township's page: each indicator, its value, weight and the households behind a deduction ----


def test_township_page_shows_indicators_values_weights_and_the_missed_households(
    client_for, county_user, assessment, areas, township_a, township_b
):
    sb.rates_table(assessment)
    # Township A: 1 漏评 among 25 checked → identification error 4% → 20 × (5 − 4) / 3 = 6.67 points.
    built = sb.checked_township(assessment, areas[f.GROUP_A1], "A", correct=23, missed=1)
    sb.checked_township(assessment, areas[f.GROUP_B1], "B", correct=10)
    sb.give(assessment, township_a, "archives", "65", note="扶贫档案缺 3 户帮扶簿")
    sb.give(assessment, township_b, "archives", "70")
    response = client_for(county_user).get(township_page(assessment.pk, township_a.code))
    assert response.status_code == 200
    lines = {line.code: line for line in response.context["township"].lines}
    ident = lines["identification_error"]
    assert (ident.weight, ident.value, ident.points) == (D("20.00"), D(4), D("6.67"))
    assert [item.key for item in ident.items] == [built["missed"][0].number]
    assert (lines["wrong_exit"].value, lines["wrong_exit"].points) == (D(0), D("10.00"))
    assert (lines["archives"].points, lines["archives"].note) == (D("65.00"), "扶贫档案缺 3 户帮扶簿")
    assert response.context["township"].total == D("81.67")
    html = response.content.decode()
    for text in ("识别误差率", "错退率", "扶贫档案管理", "4 %", "1 / 25 户", "−13.33", "扶贫档案缺 3 户帮扶簿"):
        assert text in html
    household_url = reverse("households:detail", args=[built["missed"][0].number])
    assert f'href="{household_url}"' in html
    assert f"{built['missed'][0].number}（漏评）" in html


def test_a_township_without_spot_checks_cannot_be_scored_and_says_why(
    client_for, county_user, assessment, areas, township_a, township_b
):
    sb.rates_table(assessment)
    sb.checked_township(assessment, areas[f.GROUP_A1], "A", correct=5)
    sb.give(assessment, township_a, "archives", "70")
    response = client_for(county_user).get(township_page(assessment.pk, township_b.code))
    assert response.context["township"].total is None
    assert "指标「识别误差率」无法计分：该乡镇没有抽查样本" in response.content.decode()
    assert "指标「扶贫档案管理」尚未打分" in response.content.decode()


def test_no_sample_counts_as_full_points_when_the_table_says_so(
    client_for, county_user, assessment, areas, township_a, township_b
):
    sb.set_table(
        assessment,
        [
            sb.measured_row("satisfaction", Measure.SATISFACTION, "20", "90", "70", if_no_data="full"),
            sb.manual_row("archives", "扶贫档案管理", "80"),
        ],
    )
    sb.answer(assessment, sb.sample(areas[f.GROUP_A1], "S", 1)[0], "dissatisfied")
    sb.give(assessment, township_a, "archives", "80")
    sb.give(assessment, township_b, "archives", "80")
    board = client_for(county_user).get(overview(assessment.pk)).context["board"]
    rows = {t.code: t for t in board.townships}
    assert rows[township_a.code].total == D("80.00")  # 0% satisfied: no points
    assert rows[township_b.code].total == D("100.00")
    line = rows[township_b.code].lines[0]
    assert (line.value_text, line.points) == ("无样本", D("20.00"))


# ---- who sees what ----


@pytest.mark.parametrize("persona", ["county", "assessor", "leader"])
def test_county_readers_see_every_township(client_for, personas, assessment, township_a, township_b, persona):
    sb.single_manual_table(assessment)
    client = client_for(personas[persona])
    assert client.get(overview(assessment.pk)).status_code == 200
    assert client.get(township_page(assessment.pk, township_b.code)).status_code == 200


def test_township_clerk_sees_only_its_own_page(client_for, township_a_user, assessment, township_a, township_b):
    sb.single_manual_table(assessment)
    client = client_for(township_a_user)
    assert client.get(township_page(assessment.pk, township_a.code)).status_code == 200
    assert client.get(township_page(assessment.pk, township_b.code)).status_code == 404
    response = client.get(overview(assessment.pk))
    assert response.status_code == 302 and response.url == township_page(assessment.pk, township_a.code)
    assert client.get(reverse("assessment:score_export", args=[assessment.pk])).status_code == 403
    assert client.get(reverse("assessment:indicator_table", args=[assessment.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["village1", "police"])
def test_other_roles_get_403(client_for, personas, assessment, township_a, persona):
    client = client_for(personas[persona])
    for url in (
        overview(assessment.pk),
        township_page(assessment.pk, township_a.code),
        reverse("assessment:appeal_list", args=[assessment.pk]),
        reverse("assessment:score_manual", args=[assessment.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_goes_to_login(client, assessment):
    response = client.get(overview(assessment.pk))
    assert response.status_code == 302 and "/login/" in response.url


def test_unknown_assessment_or_township_is_404(client_for, county_user, assessment):
    client = client_for(county_user)
    assert client.get(overview(assessment.pk + 99)).status_code == 404
    assert client.get(township_page(assessment.pk, "530113099")).status_code == 404


def test_leader_cannot_enter_manual_scores_or_finalize(client_for, leader_user, assessment):
    client = client_for(leader_user)
    assert client.get(reverse("assessment:score_manual", args=[assessment.pk])).status_code == 403
    assert client.post(reverse("assessment:score_finalize", args=[assessment.pk])).status_code == 403
    assert client.get(reverse("assessment:score_finalize", args=[assessment.pk])).status_code == 405


# ---- query counts ----


def test_overview_and_township_page_run_a_constant_number_of_queries(
    client_for, county_user, policy, assessment, township_a, township_b, areas, django_assert_max_num_queries
):
    sb.set_table(assessment, scores.example_rows())
    wb.make_campaign(policy, county_user)
    client = client_for(county_user)
    client.get(overview(assessment.pk))  # warm the session
    for i in range(3, 9):
        township = f.make_area(f"530113{i:03d}", f"镇{i}")
        village = f.make_area(f"530113{i:03d}001", f"村{i}")
        sb.checked_township(assessment, village, f"T{i}", correct=3, missed=1, wrong_exit=1)
        sb.answer(assessment, sb.sample(village, f"S{i}", 1)[0])
        for code in ("funds", "archives"):
            sb.give(assessment, township, code, "8", note="扣分")
    run_evaluation(policy=policy, area_code=f.COUNTY_CODE, by=county_user)
    with django_assert_max_num_queries(28):
        response = client.get(overview(assessment.pk))
    assert len(response.context["board"].townships) == 8
    with django_assert_max_num_queries(28):
        assert client.get(township_page(assessment.pk, "530113003")).status_code == 200


# ---- the indicator table editor ----


def _post_table(rows, *, as_of="2018-12-30", version=""):
    data = {
        "as_of": as_of,
        "version": version,
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{i}-{key}"] = "" if value is None else str(value)
    return data


def test_county_fills_in_the_example_table_and_saves_it(client_for, county_user, assessment):
    client = client_for(county_user)
    url = reverse("assessment:indicator_table", args=[assessment.pk])
    response = client.get(url + "?example=1")
    assert response.status_code == 200
    assert response.context["formset"].initial[0]["code"] == "identification_error"
    response = client.post(url, _post_table(scores.example_rows()))
    assert response.status_code == 302
    table = IndicatorTable.objects.get(assessment=assessment)
    assert [r.code for r in table.rows.order_by("position")] == [row["code"] for row in scores.EXAMPLE_TABLE]
    assert sum(r.weight for r in table.rows.all()) == 100
    assert table.version == 1


def test_weights_not_summing_to_100_are_refused_with_the_sum(client_for, county_user, assessment):
    rows = scores.example_rows()
    rows[-1]["weight"] = "5"
    response = client_for(county_user).post(
        reverse("assessment:indicator_table", args=[assessment.pk]), _post_table(rows)
    )
    assert response.status_code == 200
    assert "各指标分值合计为 95 分，应为 100 分" in response.content.decode()
    assert not IndicatorTable.objects.filter(assessment=assessment).exists()
    # what was typed is kept
    assert 'value="扶贫档案管理"' in response.content.decode()


def test_a_measured_indicator_needs_its_limits(client_for, county_user, assessment):
    rows = scores.example_rows()
    rows[0]["target"] = ""
    response = client_for(county_user).post(
        reverse("assessment:indicator_table", args=[assessment.pk]), _post_table(rows)
    )
    assert "按实测计分的指标须填写" in response.content.decode()
    assert not IndicatorTable.objects.exists()


def test_saving_over_someone_elses_table_is_a_conflict(client_for, county_user, assessment):
    url = reverse("assessment:indicator_table", args=[assessment.pk])
    client = client_for(county_user)
    client.post(url, _post_table(scores.example_rows()))
    client.post(url, _post_table(scores.example_rows(), version="1"))  # someone saves version 2
    rows = scores.example_rows()
    rows[0]["name"] = "识别准确率"
    response = client.post(url, _post_table(rows, version="1"))
    assert response.status_code == 409
    assert "指标表已被他人修改（现为第2版）" in response.content.decode()
    assert IndicatorTable.objects.get().rows.get(code="identification_error").name == "识别误差率"


def test_only_the_county_office_edits_the_table(client_for, assessor_user, assessment):
    url = reverse("assessment:indicator_table", args=[assessment.pk])
    client = client_for(assessor_user)
    assert client.get(url).status_code == 200
    assert client.post(url, _post_table(scores.example_rows())).status_code == 403


# ---- manual scores ----


def _post_scores(entries):
    data = {
        "scores-TOTAL_FORMS": str(len(entries)),
        "scores-INITIAL_FORMS": str(len(entries)),
        "scores-MIN_NUM_FORMS": "0",
        "scores-MAX_NUM_FORMS": "1000",
    }
    for i, (code, points, note, version) in enumerate(entries):
        data |= {
            f"scores-{i}-township": code,
            f"scores-{i}-points": points,
            f"scores-{i}-note": note,
            f"scores-{i}-version": str(version),
        }
    return data


def test_assessor_enters_manual_scores_for_every_township(
    client_for, assessor_user, assessment, township_a, township_b
):
    sb.rates_table(assessment)
    url = reverse("assessment:score_manual", args=[assessment.pk]) + "?indicator=archives"
    client = client_for(assessor_user)
    assert client.get(url).status_code == 200
    response = client.post(
        url, _post_scores([(township_a.code, "66.5", "缺帮扶簿", 0), (township_b.code, "70", "", 0)])
    )
    assert response.status_code == 302
    stored = {e.township.code: (e.points, e.note, e.scored_by) for e in ManualScoreEntry.objects.all()}
    assert stored == {
        township_a.code: (D("66.50"), "缺帮扶簿", assessor_user),
        township_b.code: (D("70.00"), "", assessor_user),
    }


def test_manual_score_above_the_weight_or_without_a_reason_is_refused(
    client_for, county_user, assessment, township_a, township_b
):
    sb.rates_table(assessment)
    url = reverse("assessment:score_manual", args=[assessment.pk]) + "?indicator=archives"
    response = client_for(county_user).post(
        url, _post_scores([(township_a.code, "71", "x", 0), (township_b.code, "60", "", 0)])
    )
    html = response.content.decode()
    assert "得分不能超过该指标的分值 70 分" in html
    assert "扣分须写明原因" in html
    assert not ManualScoreEntry.objects.exists()
    assert 'value="71"' in html


def test_manual_scores_changed_since_the_form_opened_are_a_conflict(
    client_for, county_user, assessor_user, assessment, township_a, township_b
):
    sb.rates_table(assessment)
    sb.give(assessment, township_a, "archives", "60", note="旧", by=assessor_user)  # version 1
    ManualScoreEntry.objects.update(version=2)  # someone saved again after the form was opened
    url = reverse("assessment:score_manual", args=[assessment.pk]) + "?indicator=archives"
    response = client_for(county_user).post(
        url, _post_scores([(township_a.code, "65", "新", 1), (township_b.code, "70", "", 0)])
    )
    assert response.status_code == 409
    assert "铜都街道的得分已被他人修改" in response.content.decode()
    assert ManualScoreEntry.objects.get().points == D("60.00")
    assert ManualScoreEntry.objects.count() == 1


# ---- supporting units ----


def test_county_registers_supporting_units(client_for, county_user, assessment, township_a, township_b):
    url = reverse("assessment:score_units", args=[assessment.pk])
    data = {
        "units-TOTAL_FORMS": "2",
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "0",
        "units-MAX_NUM_FORMS": "1000",
        "units-0-name": "区人社局",
        "units-0-township": township_a.code,
        "units-1-name": "省农业厅驻镇工作队",
        "units-1-township": township_b.code,
        "units-1-upper_level": "on",
    }
    assert client_for(county_user).post(url, data).status_code == 302
    assert sorted(SupportingUnit.objects.values_list("name", "township__code", "upper_level")) == [
        ("区人社局", township_a.code, False),
        ("省农业厅驻镇工作队", township_b.code, True),
    ]


# ---- export and print ----


def test_export_is_written_to_the_access_log(client_for, leader_user, assessment, township_a, township_b):
    sb.single_manual_table(assessment)
    sb.give(assessment, township_a, "overall", "88", note="x")
    sb.give(assessment, township_b, "overall", "91")
    response = client_for(leader_user).get(reverse("assessment:score_export", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.row_count) == (leader_user, 2)
    assert "导出考核得分" in log.target

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["乡镇得分", "指标明细", "帮扶单位"]
    rows = list(book["乡镇得分"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[4]) for r in rows] == [(1, "阿旺镇", "好"), (2, "铜都街道", "较好")]


def test_print_view_lists_every_township(client_for, county_user, assessment, township_a, township_b):
    sb.single_manual_table(assessment)
    sb.give(assessment, township_a, "overall", "88", note="x")
    response = client_for(county_user).get(reverse("assessment:score_print", args=[assessment.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "铜都街道" in html and "阿旺镇" in html and "无法计分" in html


def test_manual_grid_and_units_pages_run_a_constant_number_of_queries(
    client_for, county_user, assessment, areas, django_assert_max_num_queries
):
    sb.rates_table(assessment)
    for i in range(3, 13):
        township = f.make_area(f"530113{i:03d}", f"镇{i}")
        sb.give(assessment, township, "archives", "60", note="扣分")
        sb.unit(assessment, f"单位{i}", township, upper_level=i % 2 == 0)
    client = client_for(county_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessment:score_manual", args=[assessment.pk]))
    assert len(response.context["rows"]) == 12
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessment:score_units", args=[assessment.pk]))
    assert len(response.context["units"]) == 10


def test_township_page_links_the_overdue_tasks_and_windows_behind_a_deduction(
    client_for, township_a_user, county_user, policy, assessment, areas, township_a
):
    sb.set_table(
        assessment,
        [
            sb.measured_row("overdue_tasks", Measure.OVERDUE_TASKS, "50", "0", "4"),
            sb.measured_row("overdue_publicity", Measure.OVERDUE_PUBLICITY, "50", "0", "2"),
        ],
    )
    campaign = wb.make_campaign(policy, county_user)
    household = f.make_household(areas[f.GROUP_A1], number="A-LATE")
    task = VerificationTask.objects.create(
        department=Department.objects.get(code="公安"), household=household, due_on=datetime.date(2018, 11, 1)
    )
    window = PublicityWindow.objects.create(
        campaign=campaign,
        level="village",
        area=areas[f.VILLAGE_A1],
        title="箐口村公示",
        status="open",
        open_date=datetime.date(2018, 11, 1),
        days=5,
        created_by=county_user,
    )
    response = client_for(township_a_user).get(township_page(assessment.pk, township_a.code))
    lines = {line.code: line for line in response.context["township"].lines}
    assert (lines["overdue_tasks"].value, lines["overdue_tasks"].points) == (D(1), D("37.50"))
    assert (lines["overdue_publicity"].value, lines["overdue_publicity"].points) == (D(1), D("25.00"))
    html = response.content.decode()
    assert f"核查任务 #{task.pk}" in html
    assert f'href="{reverse("households:detail", args=["A-LATE"])}"' in html
    assert f'href="{reverse("assessment:window_detail", args=[window.pk])}"' in html
    assert "统计至 2018-12-30" in html


def test_without_a_table_nothing_is_scored_and_finalizing_says_why(client_for, county_user, assessment):
    response = client_for(county_user).get(overview(assessment.pk))
    assert response.context["problems"][0] == "县扶贫办尚未设置考核指标表"
    assert 'id="finalize-button" disabled' in response.content.decode()
