"""Take screenshots of the main pages in headless Chromium for docs/screenshots/.

Usage (against a running demo server):
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--user township1]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=zh-CN"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="township1")
    parser.add_argument("--password", default="demo-pass-2024")
    options = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=ARGS, env={"LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}
        )
        page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
        page.goto(f"{options.base}/accounts/login/")
        page.screenshot(path=OUT / "login.png")
        page.fill("#id_username", options.user)
        page.fill("#id_password", options.password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/households/"))
        page.screenshot(path=OUT / "household-list.png", full_page=True)
        first = page.locator("table tbody tr a").first
        number = first.text_content().strip()
        page.goto(f"{options.base}/households/{number}/")
        page.screenshot(path=OUT / "household-detail.png", full_page=True)
        # A full-page capture would paint the sticky save bar over the middle of the form.
        unstick = ".survey-actions { position: static !important; }"
        page.goto(f"{options.base}/households/{number}/survey/")
        page.add_style_tag(content=unstick)
        page.screenshot(path=OUT / "survey-form.png", full_page=True)
        page.goto(f"{options.base}/households/new/")
        page.add_style_tag(content=unstick)
        page.screenshot(path=OUT / "survey-form-new.png", full_page=True)
        browser.close()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
