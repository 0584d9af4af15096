"""Screenshots of the workflow pages in headless Chromium for docs/screenshots/ (against a running demo server
filled by scripts/workflow_demo.py).

Usage: .venv/bin/python scripts/workflow_screenshots.py [--base http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=zh-CN"]
PASSWORD = "demo-pass-2024"


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    base = parser.parse_args().base
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=ARGS, env={"LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}
        )
        page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
        log_in(page, base, "township1")
        page.goto(f"{base}/assessment/cases/?stage=approved")
        page.locator("table tbody tr a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=OUT / "case-detail.png", full_page=True)
        page.goto(f"{base}/assessment/publicity/?status=open")
        page.locator("table tbody tr a").first.click()
        page.wait_for_url(re.compile(r"/publicity/\d+/$"))
        page.goto(page.url + "notice/")
        page.screenshot(path=OUT / "publicity-notice.png", full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=OUT / "publicity-notice-print.png", full_page=True)
        page.emulate_media(media="screen")
        log_in(page, base, "police")
        page.screenshot(path=OUT / "department-queue.png", full_page=True)
        log_in(page, base, "county")
        page.goto(f"{base}/assessment/dashboard/")
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        browser.close()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
