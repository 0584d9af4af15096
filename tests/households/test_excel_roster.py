"""import_roster (FORMATS §2): every bad input is reported with row and header and nothing is written;
a clean file is imported idempotently, with history, in one transaction."""

from __future__ import annotations

import datetime
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from households.choices import HouseholdStatus, PovertyCause, Relation, SchoolingStatus
from households.excel import roster
from households.excel.reading import UnreadableFile
from households.models import Household, Member, MemberYear, YearlyIncome
from tests import factories as f
from tests.households import excel_builders as xb

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    """call_command that returns (exit status, stdout, stderr) like the shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_roster", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        err.write(str(error))
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def registry_counts() -> tuple[int, ...]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        YearlyIncome.objects.count(),
        MemberYear.objects.count(),
        Household.history.count(),
        Member.history.count(),
    )


def assert_refused(path: Path, *expected: str) -> str:
    """The import exits with status 1, names every expected fragment on stderr, and writes nothing."""
    before = registry_counts()
    status, out, err = run(path)
    assert status == 1, (out, err)
    for fragment in expected:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert "未写入任何数据" in err
    assert registry_counts() == before
    return err


# ---------------------------------------------------------------------------------------------
# Happy path


def test_clean_roster_is_imported_with_members_income_schooling_and_history(areas, tmp_path, county_user):
    rows = xb.household_rows("HH-T-0001", members=3)
    rows[2]["在校生状况"] = "高中一年级"
    rows[2]["就读负担较重"] = "是"
    rows += xb.household_rows("HH-T-0002", members=2, 户状态="已脱贫", 脱贫年度=2017)
    path = xb.write_roster(tmp_path / "roster.xlsx", rows)

    status, out, err = run(path, "--user", "county")

    assert status == 0, err
    assert "农户：新增 2，更新 0，未变 0" in out
    assert "成员：新增 5，更新 0，未变 0" in out
    household = Household.objects.get(number="HH-T-0001")
    assert household.area.code == f.GROUP_A1
    assert (household.township_code, household.county_code) == (f.TOWNSHIP_A, f.COUNTY_CODE)
    assert household.registration_year == 2014
    assert household.other_causes == PovertyCause.NO_CAPITAL
    income = household.incomes.get(year=2018)
    assert (income.business, income.dibao) == (Decimal("1200.50"), Decimal("500.00"))
    child = household.members.get(relation=Relation.SON)
    assert child.birth_date == datetime.date(2007, 3, 1) and child.sex == "1"
    assert child.schooling_status == SchoolingStatus.HIGH_1 and child.heavy_study_burden
    assert child.years.get(year=2018).schooling_status == SchoolingStatus.HIGH_1
    assert Household.objects.get(number="HH-T-0002").status == HouseholdStatus.EXITED
    reason = "导入花名册：roster.xlsx"
    assert Household.history.filter(history_change_reason=reason, history_user=county_user).count() == 2
    assert Member.history.filter(history_change_reason=reason, history_type="+").count() == 5
    assert YearlyIncome.history.filter(history_change_reason=reason).count() == 2
    assert MemberYear.history.filter(history_change_reason=reason).count() == 5


def test_reimport_is_idempotent_and_adds_no_history(areas, tmp_path):
    path = xb.write_roster(tmp_path / "roster.xlsx", xb.household_rows("HH-T-0001") + xb.household_rows("HH-T-0002"))
    assert run(path)[0] == 0
    before = registry_counts() + (YearlyIncome.history.count(), MemberYear.history.count())

    status, out, _ = run(path)

    assert status == 0
    assert "农户：新增 0，更新 0，未变 2" in out
    assert "成员：新增 0，更新 0，未变 6" in out
    assert "年度收入：新增 0，更新 0，未变 2" in out
    assert "成员年度情况：新增 0，更新 0，未变 6" in out
    assert registry_counts() + (YearlyIncome.history.count(), MemberYear.history.count()) == before


def test_second_import_updates_changed_records_and_adds_a_new_income_year(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    assert run(xb.write_roster(tmp_path / "a.xlsx", rows))[0] == 0
    version = Household.objects.get().version
    for row in rows:
        row.update({"地址": "新地址", "收入年度": 2019, "工资性收入": 9000})
    rows[1]["姓名"] = "改名"

    status, out, _ = run(xb.write_roster(tmp_path / "b.xlsx", rows))

    assert status == 0
    assert "农户：新增 0，更新 1，未变 0" in out
    assert "成员：新增 0，更新 1，未变 2" in out
    assert "年度收入：新增 1，更新 0，未变 0" in out
    household = Household.objects.get()
    assert household.address == "新地址" and household.version == version + 1
    assert sorted(household.incomes.values_list("year", flat=True)) == [2018, 2019]  # earlier years are kept
    assert household.history.first().history_type == "~"


def test_plan_says_which_fields_change_old_to_new(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    run(xb.write_roster(tmp_path / "a.xlsx", rows))
    for row in rows:
        row.update({"地址": "新地址", "饮水安全": "否", "工资性收入": 6500.5})

    plan = roster.plan_roster(roster.validate_roster(xb.write_roster(tmp_path / "b.xlsx", rows)))

    household = plan.households[0]
    assert household.action == roster.UPDATED
    assert [str(change) for change in household.changes] == ["地址：箐口村一组1号 → 新地址", "饮水安全：是 → 否"]
    assert [str(change) for change in household.income_changes] == ["工资性收入：6000.00 → 6500.50"]


def test_members_absent_from_the_file_are_listed_not_removed(areas, tmp_path, household_a):
    members = list(household_a.members.order_by("id"))
    rows = [
        {**xb.household_values(household_a.number), **xb.member_values(m.name, m.get_relation_display(), m.id_number)}
        for m in members[:2]
    ]

    status, out, _ = run(xb.write_roster(tmp_path / "roster.xlsx", rows))

    assert status == 0
    assert "文件中没有、系统中仍在册的成员 1 人" in out
    assert members[2].name in out and members[2].masked_id_number in out
    assert Member.objects.get(pk=members[2].pk).is_active


def test_dry_run_reports_and_writes_nothing(areas, tmp_path):
    path = xb.write_roster(tmp_path / "roster.xlsx", xb.household_rows("HH-T-0001"))
    before = registry_counts()

    status, out, _ = run(path, "--dry-run")

    assert status == 0
    assert "试运行" in out and "农户：新增 1" in out
    assert registry_counts() == before


def test_an_import_interrupted_half_way_writes_nothing(areas, tmp_path):
    path = xb.write_roster(tmp_path / "roster.xlsx", xb.household_rows("HH-T-0001") + xb.household_rows("HH-T-0002"))
    real = roster.insert_with_history

    def fail_on_members(model, fields, rows, **kwargs):
        if model is Member:
            raise RuntimeError("disk full")
        return real(model, fields, rows, **kwargs)

    with mock.patch.object(roster, "insert_with_history", side_effect=fail_on_members) as patched:
        with pytest.raises(RuntimeError, match="disk full"):
            run(path)
    assert [call.args[0] for call in patched.call_args_list] == [Household, YearlyIncome, Member]
    assert registry_counts() == (0, 0, 0, 0, 0, 0)
    assert YearlyIncome.history.count() == 0


def test_dates_and_numbers_typed_as_text_are_accepted(areas, tmp_path):
    rows = xb.household_rows(
        "HH-T-0001", 建档立卡日期="2016-05-01", 工资性收入="3500.5", 收入年度="2018", 住房面积="80", 务工时间=None
    )
    assert run(xb.write_roster(tmp_path / "roster.xlsx", rows))[0] == 0
    household = Household.objects.get()
    assert household.registered_on == datetime.date(2016, 5, 1)
    assert household.incomes.get().wage == Decimal("3500.50")


def test_unknown_columns_are_ignored_with_a_warning_and_column_order_is_free(areas, tmp_path):
    headers = [*reversed(xb.ROSTER_HEADERS), "备用列"]
    rows = [{**row, "备用列": "x"} for row in xb.household_rows("HH-T-0001")]
    status, _, err = run(xb.write_roster(tmp_path / "roster.xlsx", rows, headers=headers))
    assert status == 0
    assert "警告：忽略未知列「备用列」" in err


def test_headers_are_matched_after_trimming_spaces(areas, tmp_path):
    headers = [f" {h}　" for h in xb.ROSTER_HEADERS]
    rows = [{f" {k}　": v for k, v in row.items()} for row in xb.household_rows("HH-T-0001")]
    assert run(xb.write_roster(tmp_path / "roster.xlsx", rows, headers=headers))[0] == 0


def test_returned_household_is_poor_with_the_income_year_as_return_year(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 户状态="返贫", 脱贫年度=2016, 收入年度=2019)
    assert run(xb.write_roster(tmp_path / "roster.xlsx", rows))[0] == 0
    household = Household.objects.get()
    assert (household.status, household.returned_year, household.status_label) == (HouseholdStatus.POOR, 2019, "返贫")


def test_returned_year_column_when_given_wins(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 户状态="返贫", 返贫年度=2018, 收入年度=2019)
    headers = [*xb.ROSTER_HEADERS, "返贫年度"]
    assert run(xb.write_roster(tmp_path / "roster.xlsx", rows, headers=headers))[0] == 0
    assert Household.objects.get().returned_year == 2018


# ---------------------------------------------------------------------------------------------
# Bad inputs: one test each, row number and header in the Chinese error, nothing written.


def test_household_columns_that_disagree_name_both_rows(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    rows[2]["地址"] = "别的地址"
    assert_refused(
        xb.write_roster(tmp_path / "r.xlsx", rows),
        "第4行「地址」（C列）：与同户（户编号 HH-T-0001）第2行不一致：第2行为“箐口村一组1号”，第4行为“别的地址”",
    )


def test_rows_of_a_household_need_not_be_adjacent_but_must_still_agree(areas, tmp_path):
    first, second = xb.household_rows("HH-T-0001"), xb.household_rows("HH-T-0002")
    rows = [first[0], second[0], first[1], second[1]]
    assert run(xb.write_roster(tmp_path / "ok.xlsx", rows))[0] == 0
    assert Household.objects.get(number="HH-T-0001").members.count() == 2


def test_household_without_head(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    rows[0]["与户主关系"] = "之子"
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「与户主关系」", "户编号 HH-T-0001 没有户主")


def test_household_with_two_heads(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    rows[2]["与户主关系"] = "户主"
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第4行「与户主关系」", "已有户主（第2行）")


def test_invalid_id_number(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    good = rows[1]["证件号码"]
    rows[1]["证件号码"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第3行「证件号码」", "校验位错误")


def test_id_number_typed_as_a_number_is_refused_even_with_a_valid_checksum(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    rows[1]["证件号码"] = float(rows[1]["证件号码"])
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第3行「证件号码」", "文本格式")


def test_id_number_repeated_in_the_file(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001") + xb.household_rows("HH-T-0002")
    rows[4]["证件号码"] = rows[1]["证件号码"]
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第6行「证件号码」", "与第3行的证件号码重复")


def test_id_number_active_in_another_household_names_that_household(areas, tmp_path, household_b):
    member = household_b.members.first()
    rows = xb.household_rows("HH-T-0001")
    rows[1]["证件号码"] = member.id_number
    assert_refused(
        xb.write_roster(tmp_path / "r.xlsx", rows), "第3行「证件号码」", f"户编号 {household_b.number} 的在册成员"
    )


def test_removed_member_is_not_brought_back_by_an_import(areas, tmp_path, household_a):
    head, spouse, child = household_a.members.order_by("id")
    Member.objects.filter(pk=child.pk).update(is_active=False, removed_reason="death")
    rows = [
        {**xb.household_values(household_a.number), **xb.member_values(m.name, m.get_relation_display(), m.id_number)}
        for m in (head, spouse, child)
    ]
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第4行「证件号码」", "已从本户减少")


def test_unknown_area_code(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 区划代码="530113009009009")
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「区划代码」", "530113009009009 不存在")


def test_area_code_of_a_township_is_refused(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 区划代码=f.TOWNSHIP_A)
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「区划代码」", "应为12、15位数字")


def test_transfer_parts_larger_than_transfer_income(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 转移性收入=700, 低保金=500, 养老金=300)
    assert_refused(
        xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「转移性收入」", "合计800.00元，超过转移性收入700.00元"
    )


def test_household_size_not_matching_its_rows(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 家庭人口数=4)
    path = xb.write_roster(tmp_path / "r.xlsx", rows, headers=[*xb.ROSTER_HEADERS, "家庭人口数"])
    assert_refused(path, "第2行「家庭人口数」", "家庭人口数为4，但文件中户编号 HH-T-0001 有3行成员（第2、3、4行）")


def test_more_than_two_other_causes(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 其他致贫原因="缺资金、因学、缺技术")
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「其他致贫原因」", "最多填写2个")


def test_other_cause_repeating_the_main_cause(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 其他致贫原因="因病")
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「其他致贫原因」", "不能与主要致贫原因重复")


def test_registration_date_required_unless_ordinary(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 建档立卡日期=None)
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「建档立卡日期」", "必须填写建档立卡日期")


def test_ordinary_household_needs_no_registration_date(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 户状态="一般农户", 建档立卡日期=None, 贫困户属性=None)
    assert run(xb.write_roster(tmp_path / "r.xlsx", rows))[0] == 0


def test_exit_year_required_for_exited(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 户状态="已脱贫")
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「脱贫年度」", "已脱贫户必须填写脱贫年度")


def test_formula_cell_is_refused(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    for row in rows:
        row["工资性收入"] = "=3000*2"
    err = assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「工资性收入」", "公式未计算")
    assert "第4行「工资性收入」" in err


def test_money_with_three_decimals(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001", 工资性收入=6000.125)
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第2行「工资性收入」", "小数超过2位")


def test_value_outside_the_code_list(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001")
    rows[1]["与户主关系"] = "妻子"
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第3行「与户主关系」", "“妻子”不是有效值")


def test_empty_sheet(areas, tmp_path):
    path = tmp_path / "empty.xlsx"
    import openpyxl

    openpyxl.Workbook().save(path)
    assert_refused(path, "工作表是空的")


def test_headers_only(areas, tmp_path):
    assert_refused(xb.write_roster(tmp_path / "r.xlsx", []), "没有数据行")


def test_missing_headers_are_listed(areas, tmp_path):
    headers = [h for h in xb.ROSTER_HEADERS if h not in ("证件号码", "收入年度")]
    err = assert_refused(
        xb.write_roster(tmp_path / "r.xlsx", xb.household_rows("HH-T-0001"), headers=headers),
        "第1行：缺少列：收入年度、证件号码",
    )
    assert "第2行" not in err


def test_wrong_header_text_is_missing_and_ignored(areas, tmp_path):
    headers = ["工资收入" if h == "工资性收入" else h for h in xb.ROSTER_HEADERS]
    rows = [{**row, "工资收入": row["工资性收入"]} for row in xb.household_rows("HH-T-0001")]
    err = assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows, headers=headers), "缺少列：工资性收入")
    assert "忽略未知列「工资收入」" in err


def test_every_error_is_reported_not_just_the_first(areas, tmp_path):
    rows = xb.household_rows("HH-T-0001") + xb.household_rows("HH-T-0002")
    rows[1]["文化程度"] = "博士"
    rows[4]["务工时间"] = 13
    err = assert_refused(xb.write_roster(tmp_path / "r.xlsx", rows), "第3行「文化程度」", "第6行「务工时间」")
    assert "发现 2 处错误" in err


def test_wrong_dimension_sheet_imports_every_row(areas, tmp_path):
    rows = [row for i in range(4) for row in xb.household_rows(f"HH-T-{i:04d}")]  # 12 data rows
    path = xb.set_dimension(xb.write_roster(tmp_path / "r.xlsx", rows), "A1:C3")
    status, out, _ = run(path)
    assert status == 0
    assert "12 行，4 户" in out
    assert Member.objects.count() == 12


# ---------------------------------------------------------------------------------------------
# Exit statuses


def test_bad_usage_exits_with_2(areas, tmp_path):
    assert run(tmp_path / "missing.xlsx")[0] == 2
    not_xlsx = tmp_path / "roster.xlsx"
    not_xlsx.write_text("户编号,姓名\n")
    status, _, err = run(not_xlsx)
    assert status == 2 and "不是 Excel 工作簿" in err
    status, _, err = run(xb.write_roster(tmp_path / "r.xlsx", xb.household_rows()), "--user", "nobody")
    assert status == 2 and "用户“nobody”不存在" in err


def test_unreadable_file_raises_before_anything_is_touched(tmp_path):
    with pytest.raises(UnreadableFile):
        roster.validate_roster(tmp_path / "missing.xlsx")


@pytest.mark.parametrize(("make", "expected"), [("missing", 2), ("not_xlsx", 2), ("bad_headers", 1)])
def test_exit_status_of_the_real_process(tmp_path, make, expected):
    path = tmp_path / "roster.xlsx"
    if make == "not_xlsx":
        path.write_text("not a workbook")
    elif make == "bad_headers":
        xb.write_xlsx(path, ["户编号", "姓名"], [["HH1", "张三"]])
    result = subprocess.run(
        [sys.executable, "manage.py", "import_roster", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == expected, result.stderr
    assert result.stdout == ""
    assert ("缺少列" if make == "bad_headers" else "roster.xlsx") in result.stderr


def test_apply_writes_in_chunks_within_one_transaction(areas, tmp_path):
    rows = [row for i in range(5) for row in xb.household_rows(f"HH-C-{i}", members=2)]
    plan = roster.plan_roster(roster.validate_roster(xb.write_roster(tmp_path / "r.xlsx", rows)))
    result = roster.apply_roster(plan, reason="导入花名册：r.xlsx", batch_size=2)
    assert result.counts["households"]["new"] == 5
    assert (Household.objects.count(), Member.objects.count(), MemberYear.objects.count()) == (5, 10, 10)
    assert Member.objects.filter(household__number="HH-C-4").count() == 2
