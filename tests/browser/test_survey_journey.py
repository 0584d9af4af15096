"""A clerk enters a new household in the browser: member rows added and removed, income computed live."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from households.idnumber import make_id_number
from households.models import Household
from tests import factories as f

pytestmark = pytest.mark.browser


def login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def fill_member(row, name: str, id_number: str, relation: str) -> None:
    row.locator("[data-member-name]").fill(name)
    row.locator("[data-id-number]").fill(id_number)
    row.locator("select[name$='-relation']").select_option(label=relation)


def test_clerk_logs_in_enters_a_household_and_finds_it_in_the_list(page, live_server, township_a_user, areas):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "township1")
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/households/$"))
    page.click("text=录入调查表")
    page.wait_for_url(re.compile(r"/households/new/$"))

    page.select_option("#id_area", label="铜都街道 / 箐口村 / 箐口一组")
    page.fill("#id_number", "HH-WEB-0001")
    page.select_option("#id_attribute", label="一般贫困户")
    page.fill("#id_registered_on", "2014-10-01")
    page.select_option("#id_main_cause", label="因病")
    page.fill("#id_income-wage", "100.01")
    assert page.text_content("#net-income") == "100.01"
    assert page.text_content("#per-capita") == "—"  # no member typed yet

    rows = page.locator(".member-row")
    fill_member(rows.nth(0), "张户主", make_id_number("53011319700501001"), "户主")
    assert page.text_content("#per-capita") == "100.01"
    assert "男 · 1970-05-01" in rows.nth(0).text_content()

    page.click("#add-member")
    page.click("#add-member")
    assert rows.count() == 3
    fill_member(rows.nth(1), "李配偶", make_id_number("53011319720302002"), "配偶")
    fill_member(rows.nth(2), "多余的行", make_id_number("53011319900101003"), "之子")
    assert page.text_content("#member-count") == "3"
    rows.nth(1).locator("[data-remove-member]").click()  # remove the middle row: the last one is renumbered
    assert rows.count() == 2
    assert page.input_value("#id_members-TOTAL_FORMS") == "2"
    assert rows.nth(1).locator("[data-member-name]").get_attribute("name") == "members-1-name"
    fill_member(rows.nth(1), "李配偶", make_id_number("53011319720302002"), "配偶")
    # 100.01 / 2 = 50.005, rounded half-up as the national system shows it
    assert page.text_content("#per-capita") == "50.01"

    page.fill("#id_income-transfer", "100")
    page.fill("#id_income-dibao", "150")
    assert "text-danger" in page.get_attribute("#transfer-parts-total", "class")
    page.fill("#id_income-dibao", "80")

    page.fill("#id_survey-surveyor", "李调查")
    page.click("#survey-form button[type=submit]")
    page.wait_for_url(re.compile(r"/households/HH-WEB-0001/$"))

    household = Household.objects.get(number="HH-WEB-0001")
    assert set(household.members.values_list("name", flat=True)) == {"张户主", "李配偶"}
    assert household.area.code == f.GROUP_A1

    # The clerk finds the new household in the list by the head's name.
    page.goto(f"{live_server.url}/households/")
    page.fill("input[name=q]", "张户主")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q="))
    row = page.locator("table tbody tr", has_text="HH-WEB-0001")
    assert row.count() == 1
    assert "张户主" in row.text_content()
    assert re.search(r"530113\*{8}\d{3}[\dX]", row.text_content())  # the list masks ID numbers


def test_errors_are_listed_at_the_top_and_typed_rows_survive(page, live_server, township_a_user, areas):
    login(page, live_server, township_a_user)
    page.goto(f"{live_server.url}/households/new/")
    page.fill("#id_number", "HH-WEB-0002")
    page.click("#add-member")
    fill_member(page.locator(".member-row").nth(1), "王某", "530113197005010010", "户主")

    page.click("#survey-form button[type=submit]")

    assert "请修正下列" in page.text_content("#error-summary")
    assert "证件号码校验位错误" in page.text_content("#error-summary")
    assert page.locator(".member-row").count() == 2
    assert page.input_value("#id_members-1-name") == "王某"
    assert not Household.objects.filter(number="HH-WEB-0002").exists()
