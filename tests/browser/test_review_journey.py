"""The assessment walked in Chromium by an assessor: create the year's assessment, a plan for 铜都街道, draw it, print
the field sheets, record a spot check that finds a 错退, answer the satisfaction survey, read the rates and the
households behind a number. Screenshots go to docs/screenshots/review-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessment.review_models import SamplePlan, SpotCheck
from assessment.spot_checks import record_check
from tests import factories as f
from tests.assessment import county as c
from tests.assessment import review_builders as b
from tests.browser.test_case_journey import log_in, submit

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"review-{name}.png"), full_page=full)


def test_an_assessor_runs_the_townships_assessment(page, live_server, personas, areas):
    c.seed_policy()
    b.known_roster(areas)
    base = f"{live_server.url}/assessment/review/"

    # The county office marks the poor villages.
    log_in(page, live_server, "county")
    page.goto(f"{base}poor-villages/")
    page.check(f"#v{f.VILLAGE_A1}")
    page.check(f"#v{f.VILLAGE_B1}")
    submit(page, "#poor-save")
    assert "贫困村 2 个" in page.text_content("main")
    shot(page, "poor-villages")

    # The assessor creates the year's assessment.
    log_in(page, live_server, "assessor")
    page.goto(base)
    page.click("#assessment-new")
    page.fill("#id_year", "2018")
    page.fill("#id_name", "2018年度乡镇扶贫开发成效考核")
    page.select_option("#id_policy", index=1)
    page.select_option("#id_rate_basis", value="all")
    submit(page, "#assessment-save")
    assert "2018年度乡镇扶贫开发成效考核" in page.text_content("h1")

    # A plan for 铜都街道, with a size computed from a confidence level for the poor stratum.
    page.click("#plan-new")
    page.select_option("#id_area", label=f"{f.TOWNSHIP_A} 铜都街道")
    page.fill("#id_name", "铜都街道抽样")
    page.fill("#id_seed", "2018-县考核")
    page.select_option("#id_strata-0-confidence", value="90")
    page.fill("#id_strata-0-margin", "0.2")
    submit(page, "#plan-compute")
    # N = 12, 90%, ±20%: n0 = 16.91, n = 16.91 / (1 + 15.91 / 12) = 7.28 → 8.
    assert "未脱贫户：铜都街道共 12 户，置信水平 90%、允许误差 ±20% 需抽取 8 户" in page.text_content("#computed")
    assert page.input_value("#id_strata-0-size") == "8"
    page.fill("#id_strata-0-scattered_minimum", "2")
    page.fill("#id_strata-2-size", "2")
    page.fill("#id_strata-3-size", "3")
    shot(page, "plan-form")
    submit(page, "#plan-save")
    assert "请抽取样本户" in page.text_content("main")

    # Draw: the list, the seed and the roster's fingerprint.
    submit(page, "#plan-draw")
    assert "已抽取 13 户样本户" in page.text_content("main")
    plan = SamplePlan.objects.get()
    assert plan.roster_fingerprint in page.text_content("#plan-fingerprint")
    assert page.locator("#drawn-table tbody tr").count() == 13
    shot(page, "plan")

    # The field sheets print one household per page.
    page.click("#plan-sheets")
    page.wait_for_url(re.compile(r"/sheets/$"))
    assert page.locator(".field-sheet").count() == plan.drawn.count()
    shot(page, "field-sheet", full=False)

    # A spot check of an exited household (exit year 2016): D-grade housing found → 错退.
    page.goto(f"{live_server.url}/assessment/review/plans/{plan.pk}/")
    exited = plan.drawn.filter(purpose="check", stratum="exited").order_by("position").first()
    page.click(f"#drawn-table >> text={exited.number}")
    page.select_option("#id_housing_grade", value="D")
    page.fill("#id_note", "房屋墙体开裂，鉴定为D级危房")
    submit(page, "#check-save")
    assert "错退" in page.text_content("#check-result")
    assert SpotCheck.objects.get(sampled=exited).result == "wrong_exit"
    shot(page, "check")

    # The satisfaction survey: one answer of a drawn respondent.
    page.goto(f"{live_server.url}/assessment/review/plans/{plan.pk}/satisfaction/")
    with page.expect_navigation():
        page.locator("a", has_text="录入").first.click()
    assert page.input_value("#id_number")
    page.get_by_label("满意", exact=True).check()
    page.fill("#id_respondent", "张大爷")
    submit(page, "#answer-save")
    assert "已记录" in page.text_content("main")
    shot(page, "satisfaction")

    # The other households are found as registered (recorded here without the browser).
    for sampled in plan.drawn.filter(purpose="check").exclude(pk=exited.pk):
        record_check(sampled, confirmed=True, findings={}, by=personas["assessor"])

    # The rates, and the households behind the 错退 number.
    page.goto(f"{live_server.url}/assessment/review/{plan.assessment_id}/")
    shot(page, "assessment")
    page.click("#rates-link")
    assert "按全部样本户" in page.text_content("main")
    shot(page, "rates")
    page.click(f"a[href*='rate=wrong_exit'][href*='area={f.TOWNSHIP_A}'][href*='which=found']")
    page.wait_for_url(re.compile(r"/rates/households/"))
    assert exited.number in page.text_content("#rate-households")
    shot(page, "rate-households")
    page.click(f"text={exited.number}")
    page.wait_for_url(re.compile(rf"/households/{exited.number}/$"))
