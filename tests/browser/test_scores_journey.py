"""Township scores in Chromium: the county office fills in the example indicator table, an assessor enters the manual
scores, township A sees its deductions with the households behind them and appeals with a PDF, the county office
changes the score, accepts the appeal and finalizes. Screenshots: docs/screenshots/scores-*.png."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from assessment.score_models import ManualScoreEntry, ScoreAppeal, ScoreResult
from assessment.services import run_evaluation
from tests import factories as f
from tests.assessment import county as c
from tests.assessment import score_builders as sb
from tests.assessment import workflow_builders as wb
from tests.browser.test_case_journey import log_in, submit

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"scores-{name}.png"), full_page=True)


def fill_manual(page, values: list[tuple[str, str]]) -> None:
    for i, (points, note) in enumerate(values):
        page.fill(f"input[name='scores-{i}-points']", points)
        page.fill(f"input[name='scores-{i}-note']", note)
    submit(page, "#save-manual")
    assert "已保存" in page.text_content("main")


def test_scores_from_indicator_table_to_final(page, live_server, personas, areas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    county_user = personas["county"]
    policy = c.seed_policy()
    assessment = sb.make_assessment(policy, appeal_deadline=datetime.date(2099, 12, 31))
    wb.make_campaign(policy, county_user)
    # Township A: 1 漏评 among 40 checked (2.5%); township B: all 30 correct. Satisfaction surveys in both.
    built = sb.checked_township(assessment, areas[f.GROUP_A1], "A", correct=38, missed=1)
    sb.checked_township(assessment, areas[f.GROUP_B1], "B", correct=29)
    for i, household in enumerate(built["correct"][:10]):
        sb.answer(assessment, household, "dissatisfied" if i == 0 else "satisfied")
    for household in sb.sample(areas[f.GROUP_B1], "BS", 10):
        sb.answer(assessment, household)
    run_evaluation(policy=policy, area_code=f.COUNTY_CODE, by=county_user)
    base = f"{live_server.url}/assessment/review/{assessment.pk}/scores"

    # The county office fills in the example table and saves it.
    log_in(page, live_server, "county")
    page.goto(f"{base}/indicators/")
    page.click("#fill-example")
    page.wait_for_url(re.compile(r"example=1"))
    assert page.input_value("input[name='rows-0-code']") == "identification_error"
    submit(page, "#save-table")
    assert "已保存考核指标表" in page.text_content("main")
    shot(page, "indicators")

    # An assessor scores the two manual indicators.
    log_in(page, live_server, "assessor")
    page.goto(f"{base}/manual/?indicator=funds")
    fill_manual(page, [("9", "项目台账未及时更新"), ("10", "")])
    page.goto(f"{base}/manual/?indicator=archives")
    fill_manual(page, [("7", "3 户帮扶簿缺失"), ("10", "")])
    shot(page, "manual")

    # The county office sees the ranking; finalizing waits for nothing yet but is shown.
    log_in(page, live_server, "county")
    page.goto(f"{base}/")
    assert "阿旺镇" in page.text_content("#township-scores")
    shot(page, "overview")

    # Township A sees its deductions and the household behind the identification error, and appeals.
    log_in(page, live_server, "township1")
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(rf"/townships/{f.TOWNSHIP_A}/$"))
    lines = page.text_content("#indicator-lines")
    assert "识别误差率" in lines and "1 / 40 户" in lines and f"{built['missed'][0].number}（漏评）" in lines
    shot(page, "township")
    page.click("#appeal-button")
    page.select_option("#id_indicator", value="archives")
    page.fill("#id_reason", "3 户帮扶簿已于 1 月 5 日补齐，见附件")
    page.set_input_files("#id_evidence", {"name": "帮扶簿补齐.pdf", "mimeType": "application/pdf", "buffer": PDF})
    shot(page, "appeal-form")
    submit(page, "#submit-appeal")
    assert "已提交" in page.text_content("main")
    appeal = ScoreAppeal.objects.get()

    # The county office cannot finalize with the appeal pending; it changes the score and accepts the appeal.
    log_in(page, live_server, "county")
    page.goto(f"{base}/")
    assert "还有 1 件申诉待处理" in page.text_content("#finalize-problems")
    assert page.is_disabled("#finalize-button")
    page.goto(f"{base}/manual/?indicator=archives")
    fill_manual(page, [("10", ""), ("10", "")])
    page.goto(f"{base}/appeals/{appeal.pk}/")
    page.check("input[value='accept']")
    page.fill("#id_response", "经核实已补齐，扶贫档案管理改为 10 分")
    shot(page, "appeal")
    submit(page, "#decide-button")
    assert "已采纳" in page.text_content("#appeal-status")
    assert ManualScoreEntry.objects.get(township__code=f.TOWNSHIP_A, indicator_code="archives").points == 10

    # Supporting units: one county department, one upper-level unit (× 3).
    page.goto(f"{base}/units/")
    page.fill("input[name='units-0-name']", "区人社局")
    page.select_option("select[name='units-0-township']", label="铜都街道")
    page.fill("input[name='units-1-name']", "省农业厅驻镇工作队")
    page.select_option("select[name='units-1-township']", label="阿旺镇")
    page.check("input[name='units-1-upper_level']")
    submit(page, "#save-units")
    assert "已保存帮扶单位（2 个）" in page.text_content("main")

    page.goto(f"{base}/")
    assert "3.0000" in page.text_content("#unit-scores")  # 阿旺镇 100 ÷ 100 × 3
    page.once("dialog", lambda dialog: dialog.accept())
    submit(page, "#finalize-button")
    assert "考核得分已确定" in page.text_content("main")
    assert ScoreResult.objects.count() == 2
    shot(page, "final")
    page.goto(f"{base}/print/")
    shot(page, "print")
