"""Seed 000's work fund walked in Chromium by the county office: the year's budget, the allocation list exactly as
the document writes it (14 lines, 区人社局 twice, 92 of 100 万元), a spending entry, then the self-evaluation report
filled with the system's figures, its texts, the print view and the Word download; a leader reads it.

Screenshots: docs/screenshots/funds-*.png.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document

from assessment.fund_models import FundAllocation, WorkFund
from tests.assessment import fund_builders as fb
from tests.browser.test_case_journey import log_in

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"funds-{name}.png"), full_page=True)


def test_the_county_office_records_the_fund_and_writes_the_report(page, live_server, personas, areas):
    fb.year_figures(areas, personas["county"])
    log_in(page, live_server, "county")

    # The year's budget: 100 万元 received in December 2017.
    page.goto(f"{live_server.url}/assessment/funds/")
    page.click("#fund-new")
    page.fill("#id_year", "2017")
    page.fill("#id_budget_amount", "100")
    page.select_option("#id_budget_unit", label="万元")
    page.fill("#id_received_on", "2017-12-15")
    page.fill("#id_document", "东办通〔2017〕73号")
    page.click("#fund-save")
    page.wait_for_url(re.compile(r"/assessment/funds/2017/$"))
    assert WorkFund.objects.get().budget == 1_000_000

    # The allocation list as the document writes it: 8 blank rows, six more added.
    page.click("#fund-allocate")
    page.wait_for_url(re.compile(r"/allocations/$"))
    for _ in range(len(fb.SEED_ALLOCATIONS) - 8):
        page.click("#allocation-add")
    for i, (recipient, kind, wan) in enumerate(fb.SEED_ALLOCATIONS):
        if kind == "township" and recipient in ("铜都街道", "阿旺镇"):
            page.select_option(f"[name=lines-{i}-area]", label=recipient)  # named by the township chosen
        else:
            page.fill(f"[name=lines-{i}-recipient]", recipient)
        page.select_option(f"[name=lines-{i}-kind]", value=kind)
        page.fill(f"[name=lines-{i}-amount]", wan)
    total = page.text_content("#allocation-total")
    assert total == "分配合计 92 万元，预算 100 万元，未分配 8 万元"
    shot(page, "allocations")
    page.click("#allocation-save")
    page.wait_for_url(re.compile(r"/assessment/funds/2017/$"))
    assert FundAllocation.objects.count() == 14

    # A spending entry of 铜都街道.
    page.click("#fund-spend")
    page.fill("#id_recipient", "铜都街道")
    page.fill("#id_amount", "50000")
    page.fill("#id_spent_on", "2018-01-02")
    page.fill("#id_purpose", "资料打印复印、办公耗材")
    page.fill("#id_voucher", "记-2018-001")
    page.click("#spending-save")
    page.wait_for_url(re.compile(r"/assessment/funds/2017/$"))

    flags = page.text_content("#fund-flags")
    assert "分配合计 92 万元，比预算 100 万元少 8 万元（未分配）" in flags
    assert "「区人社局」分配了 2 次" in flags
    assert page.text_content("#unallocated").strip() == "8 万元"
    assert page.text_content("#execution").strip() == "5.00%"
    shot(page, "detail")

    page.goto(f"{live_server.url}/assessment/funds/")
    shot(page, "list")

    # The self-evaluation report: the system's figures, then the office's texts.
    page.goto(f"{live_server.url}/assessment/funds/2017/")
    page.click("text=绩效自评报告")
    page.wait_for_url(re.compile(r"/assessment/report/2017/$"))
    report = page.text_content("#report")
    assert "2017年度实地调查农户3户（调查4户次）" in report
    assert "共立动态调整案件6件" in report and "漏评率50.00%（1/2" in report
    assert "尚有8万元未分配。已支出5万元，预算执行率5.00%。" in report
    page.click("#report-edit")
    page.fill("#id_basics__summary", "东川区贫困对象动态管理工作经费100万元，专项用于贫困对象动态管理工作。")
    page.fill("#id_problems", "无")
    page.fill("#id_other__plan", "一是加大政策宣传培训力度。\n二是抓好信息档案管理。")
    page.click("#report-save")
    page.wait_for_url(re.compile(r"/assessment/report/2017/$"))
    report = page.text_content("#report")
    assert "专项用于贫困对象动态管理工作。" in report and "二是抓好信息档案管理。" in report
    shot(page, "report")

    page.click("#report-print")
    page.wait_for_url(re.compile(r"/print/$"))
    page.emulate_media(media="print")
    shot(page, "report-print")
    page.emulate_media(media="screen")

    # A leader downloads the Word document.
    log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}/assessment/report/2017/")
    assert page.locator("#report-edit").count() == 0
    with page.expect_download() as download:
        page.click("#report-docx")
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "二、绩效评价工作情况" in text and "尚有8万元未分配" in text and "二是抓好信息档案管理。" in text
