"""manage.py export --kind missed … data_quality, publicity, cases (FORMATS §6), and the candidate-list download."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from households.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"\d{17}[\dX]")


def export(*args) -> tuple[int, str]:
    err = StringIO()
    try:
        call_command("export", *map(str, args), stdout=StringIO(), stderr=err)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, err.getvalue()


def rows(path) -> list[tuple]:
    return list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def evaluated(policy, county):
    call_command("evaluate", "--policy", policy.name, stdout=StringIO(), stderr=StringIO())
    return county


@pytest.mark.parametrize(
    ("kind", "numbers", "code"),
    [
        ("wrong_inclusion", ["A-01"], "WRONG_INCLUSION"),
        ("missed", ["A-03"], "MISSED"),
        ("wrong_exit", ["A-05"], "WRONG_EXIT"),
        ("data_quality", ["B-02"], "DQ7"),
    ],
)
def test_outcome_kinds_list_the_latest_runs_households(evaluated, tmp_path, kind, numbers, code):
    target = tmp_path / f"{kind}.xlsx"
    assert export("--kind", kind, "--output", target)[0] == 0
    header, *body = rows(target)
    assert header[:3] == ("户编号", "户主姓名", "证件号码") and "依据条款" in header and "说明" in header
    assert [row[0] for row in body] == numbers
    assert body[0][header.index("结果代码")] == code
    assert not any(FULL_ID.search(str(cell)) for row in body for cell in row if cell)  # masked


def test_area_limits_an_outcome_list(evaluated, tmp_path):
    target = tmp_path / "dq.xlsx"
    assert export("--kind", "data_quality", "--area", f.TOWNSHIP_A, "--output", target)[0] == 0
    assert rows(target)[1:] == []  # B-02's warning is in township B


def test_outcome_kind_without_a_run_exits_2(policy, county, tmp_path):
    status, message = export("--kind", "missed", "--output", tmp_path / "m.xlsx")
    assert status == 2 and "还没有覆盖该范围的评估批次" in message


def test_cases_kind_writes_the_header_even_without_cases(evaluated, tmp_path):
    target = tmp_path / "cases.xlsx"
    assert export("--kind", "cases", "--output", target)[0] == 0
    assert rows(target)[0][0] == "案件编号"


def test_publicity_kind_without_a_window_exits_2(evaluated, tmp_path):
    status, message = export("--kind", "publicity", "--output", tmp_path / "p.xlsx")
    assert status == 2 and "公示期" in message


def test_candidate_list_download_is_scoped_masked_and_logged(evaluated, client_for, township_b_user):
    response = client_for(township_b_user).get("/assessment/candidates/DQ7/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    body = list(load_workbook(BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))[1:]
    assert [row[0] for row in body] == ["B-02"]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.row_count) == (township_b_user, 1)


def test_candidate_list_download_hides_other_townships(evaluated, client_for, township_a_user):
    response = client_for(township_a_user).get("/assessment/candidates/DQ7/export.xlsx")
    from io import BytesIO

    assert list(load_workbook(BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))[1:] == []


def test_candidate_list_download_refuses_departments_and_anonymous(evaluated, client, client_for, police_user):
    assert client.get("/assessment/candidates/MISSED/export.xlsx").status_code == 302
    assert client_for(police_user).get("/assessment/candidates/MISSED/export.xlsx").status_code == 403


def test_unknown_code_download_is_404(evaluated, client_for, county_user):
    assert client_for(county_user).get("/assessment/candidates/NOPE/export.xlsx").status_code == 404
