"""The case list (scope, filters, constant queries), the Excel export of cases, the household page's links."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment import cases
from assessment.workflow import CaseKind, Stage
from households.models import AccessLog
from tests import factories as f
from tests.assessment import county as c
from tests.assessment.workflow_fixtures import *  # noqa: F403


def open_many(areas, users, n, prefix="P"):
    opened = []
    for i in range(n):
        household = c.ready_household(areas[f.GROUP_A1], number=f"{prefix}-{i:03d}")
        opened.append(cases.open_case(household, kind=CaseKind.EXIT, by=users["township"]))
    return opened


def test_list_shows_the_cases_in_scope_only(client_for, users, demo, areas):
    mine = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"])
    theirs = cases.open_case(
        c.ready_household(areas[f.GROUP_B1], number="B-X"), kind=CaseKind.EXIT, by=users["township_b"]
    )
    page = client_for(users["township"]).get(reverse("assessment:cases")).text
    assert mine.number in page and theirs.number not in page
    county_page = client_for(users["county"]).get(reverse("assessment:cases")).text
    assert mine.number in county_page and theirs.number in county_page
    assert re.search(r"\d{6}\*{8}\d{3}[\dX]", page)  # heads' ID numbers are masked


def test_list_filters_by_stage_kind_and_number(client_for, users, demo, drive_to):
    exit_case = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"])
    wrong = cases.open_case(demo["wrong"], kind=CaseKind.WRONG_INCLUSION, by=users["township"])
    drive_to(wrong, Stage.SURVEY)
    client = client_for(users["county"])
    page = client.get(reverse("assessment:cases"), {"stage": "survey"}).text
    assert wrong.number in page and exit_case.number not in page
    page = client.get(reverse("assessment:cases"), {"kind": "exit"}).text
    assert exit_case.number in page and wrong.number not in page
    page = client.get(reverse("assessment:cases"), {"q": "W-01"}).text
    assert wrong.number in page and exit_case.number not in page


@pytest.mark.parametrize("path", ["assessment:cases", "assessment:case_submit"])
def test_list_query_count_does_not_grow_with_cases(
    client_for, users, areas, campaign, path, django_assert_max_num_queries
):
    client = client_for(users["township"])
    open_many(areas, users, 2, prefix="S")
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse(path)).status_code == 200
    open_many(areas, users, 12, prefix="L")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(path)).status_code == 200


def test_export_has_the_cases_with_their_stage_and_is_logged(client_for, users, demo, areas):
    case = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"])
    cases.open_case(c.ready_household(areas[f.GROUP_B1], number="B-X"), kind=CaseKind.EXIT, by=users["township_b"])
    response = client_for(users["township"]).get(reverse("assessment:cases_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("案件编号", "案件类型", "户编号") and "当前环节" in rows[0]
    assert [r[0] for r in rows[1:]] == [case.number]
    assert rows[1][rows[0].index("当前环节")] == "贫情分析"
    assert "*" in rows[1][rows[0].index("证件号码")]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.row_count) == (users["township"], 1)


def test_export_writes_formula_like_text_as_text(client_for, users, demo):
    cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"], reason='=HYPERLINK("x")')
    response = client_for(users["township"]).get(reverse("assessment:cases_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=11)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def test_household_page_links_to_opening_and_to_its_cases(client_for, users, demo):
    page = client_for(users["village"]).get(reverse("households:detail", args=["E-01"])).text
    assert reverse("assessment:case_open") + "?household=E-01" in page
    assert reverse("assessment:cases") + "?q=E-01" in page
    leader_page = client_for(users["leader"]).get(reverse("households:detail", args=["E-01"])).text
    assert reverse("assessment:case_open") not in leader_page


def test_household_page_embeds_its_cases_with_their_stage(client_for, users, demo):
    opened = cases.open_case(demo["exit"], kind=CaseKind.EXIT, by=users["township"])
    page = client_for(users["village"]).get(reverse("households:detail", args=[demo["exit"].number])).text
    section = page[page.index('id="household-cases"') :]
    assert opened.number in section and reverse("assessment:case_detail", args=[opened.number]) in section
    assert opened.get_stage_display() in section
    other = client_for(users["village"]).get(reverse("households:detail", args=["N-01"])).text
    assert "暂无案件" in other[other.index('id="household-cases"') :]


def test_candidate_list_offers_opening_a_case(client_for, users, demo, policy):
    from assessment.services import run_evaluation

    run_evaluation(policy=policy, area_code=users["county"].area.code, by=users["county"])
    page = client_for(users["township"]).get(reverse("assessment:candidate_list", args=["WRONG_INCLUSION"])).text
    assert reverse("assessment:case_open") + "?household=W-01&amp;outcome=WRONG_INCLUSION" in page
