"""The per-village year-over-year comparison sheet (对照表): who is on which year's roster, what changed, the
printed layout and the command line."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import services
from households.choices import HouseholdStatus, MemberAddReason, MemberReduceReason, Relation
from households.excel.comparison import build_comparison, status_at, write_comparison
from households.models import AccessLog, Household, YearlyIncome
from tests import factories as f

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 10, tzinfo=TZ)


def save_as_of(household: Household, when: datetime.datetime, **fields) -> None:
    """Change the household with a history row dated ``when`` (as if it had been entered then)."""
    for name, value in fields.items():
        setattr(household, name, value)
    household._history_date = when
    household.save()


@pytest.fixture
def village(areas, county_user):
    """Village A1 with one household of every kind of change between the ends of 2017 and 2018."""
    group = areas[f.GROUP_A1]
    made = {}

    steady = f.make_household(group, number="A1-STEADY", wage=Decimal("6000"))  # 3 members
    YearlyIncome.objects.create(household=steady, year=2017, wage=Decimal("3000"))
    services.add_member(
        steady,
        member_data={"name": "新生儿", "id_number": f.next_id_number(datetime.date(2018, 2, 1)), "relation": "04"},
        reason=MemberAddReason.BIRTH,
        changed_on=datetime.date(2018, 3, 1),
        by=county_user,
    )
    elder = steady.members.get(relation=Relation.SPOUSE)
    services.reduce_member(elder, reason=MemberReduceReason.DEATH, changed_on=datetime.date(2018, 7, 1), by=county_user)
    made["steady"] = steady

    made["exited"] = f.make_household(group, number="A1-EXITED", status=HouseholdStatus.EXITED, exit_year=2018)
    made["returned"] = f.make_household(group, number="A1-RETURNED", exit_year=2016, returned_year=2018)
    made["new"] = f.make_household(group, number="A1-NEW", registered_on=datetime.date(2018, 5, 1))
    made["new"].save()  # registration_year from registered_on

    removed = f.make_household(group, number="A1-REMOVED")
    Household.history.filter(id=removed.pk).update(history_date=at(2016, 12, 1))
    save_as_of(removed, at(2018, 9, 1), status=HouseholdStatus.REMOVED)
    made["removed"] = removed

    housing = f.make_household(group, number="A1-HOUSING", housing_grade="C")
    Household.history.filter(id=housing.pk).update(history_date=at(2017, 3, 1))
    save_as_of(housing, at(2018, 10, 1), housing_grade="A")
    made["housing"] = housing

    f.make_household(group, number="A1-ORDINARY", status=HouseholdStatus.ORDINARY)
    old = f.make_household(group, number="A1-GONE", status=HouseholdStatus.REMOVED)
    Household.history.filter(id=old.pk).update(history_date=at(2016, 1, 1))

    # A member who moved from A1-EXITED to A1-STEADY in 2018 counts in A1-EXITED for 2017.
    mover = made["exited"].members.get(relation=Relation.SON)
    services.transfer_member(
        mover, to_household=steady, relation="04", changed_on=datetime.date(2018, 4, 2), by=county_user
    )
    f.make_household(areas[f.GROUP_A2], number="A2-OTHER-VILLAGE")
    return made


def rows_by_number(comparison) -> dict:
    return {row.number: row for row in comparison.rows}


def test_each_household_shows_its_status_at_both_year_ends_and_what_changed(village, areas):
    rows = rows_by_number(build_comparison(areas[f.VILLAGE_A1], 2017, 2018))
    assert set(rows) == {"A1-STEADY", "A1-EXITED", "A1-RETURNED", "A1-NEW", "A1-REMOVED", "A1-HOUSING"}
    status = {number: (row.before.status, row.after.status, row.changes) for number, row in rows.items()}
    assert status["A1-EXITED"] == ("未脱贫", "已脱贫", ["脱贫", "减员1人"])
    assert status["A1-RETURNED"] == ("已脱贫", "返贫", ["返贫"])
    assert status["A1-NEW"] == ("未纳入", "未脱贫", ["新识别"])
    assert status["A1-REMOVED"] == ("未脱贫", "已清退", ["清退"])
    assert status["A1-HOUSING"] == ("未脱贫", "未脱贫", ["危房等级C→A"])
    assert rows["A1-HOUSING"].before.housing_grade == "C" and rows["A1-HOUSING"].after.housing_grade == "A"


def test_members_added_and_reduced_with_reasons_and_the_size_of_each_year(village, areas):
    rows = rows_by_number(build_comparison(areas[f.VILLAGE_A1], 2017, 2018))
    steady = rows["A1-STEADY"]
    assert steady.changes == ["增员2人", "减员1人"]
    assert steady.added[0].startswith("新生儿（新生儿，2018-03-01）")
    assert "转入（户间转移），2018-04-02" in steady.added[1]
    assert steady.reduced[0].endswith("（死亡，2018-07-01）")
    assert (steady.before.members, steady.after.members) == (3, 4)  # 3; then +newborn +moved in −deceased
    exited = rows["A1-EXITED"]
    assert (exited.before.members, exited.after.members) == (3, 2)
    assert "转出（户间转移），2018-04-02" in exited.reduced[0]


def test_per_capita_income_of_each_year_and_its_change(village, areas):
    steady = rows_by_number(build_comparison(areas[f.VILLAGE_A1], 2017, 2018))["A1-STEADY"]
    assert steady.before.per_capita == Decimal("1000.00")  # 3,000 / 3
    assert steady.after.per_capita == Decimal("1500.00")  # 6,000 / 4
    assert steady.income_change == Decimal("500.00")
    new = rows_by_number(build_comparison(areas[f.VILLAGE_A1], 2017, 2018))["A1-NEW"]
    assert new.before.per_capita is None and new.income_change is None  # no 2017 income


def test_summary_counts_both_rosters_and_the_changes(village, areas):
    totals = build_comparison(areas[f.VILLAGE_A1], 2017, 2018).totals()
    assert (totals["before_households"], totals["after_households"]) == (5, 5)
    assert (totals["新识别"], totals["脱贫"], totals["返贫"], totals["清退"]) == (1, 1, 1, 1)
    assert (totals["added"], totals["reduced"]) == (2, 2)


def test_reads_a_constant_number_of_queries(village, areas):
    with CaptureQueriesContext(connection) as small:
        build_comparison(areas[f.VILLAGE_A1], 2017, 2018)
    for n in range(5):
        f.make_household(areas[f.GROUP_A1], number=f"A1-MORE-{n}")
    with CaptureQueriesContext(connection) as large:
        build_comparison(areas[f.VILLAGE_A1], 2017, 2018)
    assert len(small) == len(large) == 6


@pytest.mark.parametrize(
    ("fields", "year", "expected"),
    [
        ({"status": "poor", "registration_year": 2014}, 2017, "未脱贫"),
        ({"status": "poor", "registration_year": 2018}, 2017, "未纳入"),
        ({"status": "exited", "registration_year": 2014, "exit_year": 2018}, 2017, "未脱贫"),
        ({"status": "exited", "registration_year": 2014, "exit_year": 2018}, 2018, "已脱贫"),
        ({"status": "poor", "registration_year": 2014, "exit_year": 2016, "returned_year": 2018}, 2017, "已脱贫"),
        ({"status": "poor", "registration_year": 2014, "exit_year": 2016, "returned_year": 2018}, 2018, "返贫"),
        ({"status": "removed", "registration_year": 2014}, 2018, "已清退"),
        ({"status": "ordinary", "registration_year": None}, 2018, "一般农户"),
    ],
)
def test_status_at_year_end(fields, year, expected):
    snapshot = {"exit_year": None, "returned_year": None, **fields}
    assert status_at(snapshot, year) == expected


def test_the_sheet_is_made_to_be_printed_and_signed(village, areas):
    output = io.BytesIO()
    written = write_comparison(output, build_comparison(areas[f.VILLAGE_A1], 2017, 2018))
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    assert written == 6
    assert sheet["A1"].value == "铜都街道箐口村 2017—2018年度扶贫对象动态管理对照表" and sheet["A1"].font.b
    assert "2017年末建档立卡5户" in sheet["A2"].value and "新识别1户" in sheet["A2"].value
    assert [c.value for c in sheet[3]][:8] == [
        "序号",
        "村民小组",
        "户编号",
        "户主姓名",
        "户主证件号码",
        "2017年末户状态",
        "2018年末户状态",
        "变动情况",
    ]
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$3:$3"
    assert sheet["D4"].border.left.style == "thin"
    footer = [c.value for c in sheet[sheet.max_row] if c.value]
    assert footer == ["村委会（盖章）", "村党组织书记：", "日期：    年  月  日"]
    ids = [sheet.cell(row=r, column=5).value for r in range(4, 10)]
    assert all("********" in value for value in ids)


def test_command_writes_the_sheet_and_logs_it(village, areas, tmp_path, county_user):
    path = tmp_path / "对照表.xlsx"
    out = io.StringIO()
    call_command(
        "export", "--kind", "comparison", "--area", f.VILLAGE_A1, "--years", "2017", "2018", "--output", str(path),
        "--user", "county", stdout=out,
    )  # fmt: skip
    assert "已导出村级年度对照表 6 户" in out.getvalue()
    assert openpyxl.load_workbook(path).active["A1"].value.endswith("2017—2018年度扶贫对象动态管理对照表")
    log = AccessLog.objects.get()
    assert (log.user, log.row_count) == (county_user, 6) and "2017—2018" in log.target


def test_command_defaults_to_the_latest_two_income_years(village, areas, tmp_path):
    path = tmp_path / "x.xlsx"
    call_command("export", "--kind", "comparison", "--area", f.VILLAGE_A1, "--output", str(path), stdout=io.StringIO())
    assert "2017—2018" in openpyxl.load_workbook(path).active["A1"].value


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", f.TOWNSHIP_A, "--years", "2017", "2018"], "12位村级区划代码"),
        (["--years", "2017", "2018"], "12位村级区划代码"),
        (["--area", f.VILLAGE_A1, "--years", "2018", "2017"], "先写上一年度"),
    ],
)
def test_command_bad_usage_exits_with_2(areas, tmp_path, args, message):
    with pytest.raises(CommandError) as error:
        call_command("export", "--kind", "comparison", *args, "--output", str(tmp_path / "x.xlsx"))
    assert error.value.returncode == 2 and message in str(error.value)


def test_years_only_belong_to_the_comparison(areas, tmp_path):
    with pytest.raises(CommandError, match="只用于"):
        call_command("export", "--kind", "roster", "--years", "2017", "2018", "--output", str(tmp_path / "x.xlsx"))
