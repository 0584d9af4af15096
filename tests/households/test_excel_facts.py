"""import_facts (FORMATS §3): member- and household-level facts, unmatched IDs listed, no duplicates."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from households.choices import FactKind, FactSource
from households.models import Fact
from tests.households import excel_builders as xb

pytestmark = pytest.mark.django_db


def run(path, *args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_facts", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, rows, headers=xb.FACT_HEADERS):
    return xb.write_xlsx(tmp_path / "facts.xlsx", headers, rows)


def test_department_register_is_matched_by_id_number(tmp_path, household_a, county_user):
    member = household_a.members.first()
    rows = [
        {
            "证件号码": member.id_number,
            "事实类型": "机动车",
            "发生日期": datetime.date(2017, 3, 1),
            "金额": 52000,
            "类别": "轿车",
        },
        {"户编号": household_a.number, "事实类型": "帮扶措施", "作为脱贫措施": "是", "类别": "产业扶持"},
        {"证件号码": xb.member_values("x")["证件号码"], "事实类型": "财政供养人员"},  # nobody in the registry
    ]
    status, out, _ = run(write(tmp_path, rows), "--source", "公安", "--user", "county")

    assert status == 0
    assert "事实：新增 2，更新 0，未变 0" in out
    assert "未匹配到在册成员或农户的 1 行" in out and "第4行" in out
    vehicle = Fact.objects.get(kind=FactKind.VEHICLE)
    assert (vehicle.member, vehicle.household, vehicle.amount) == (member, household_a, Decimal("52000.00"))
    assert (vehicle.source, vehicle.source_name, vehicle.created_by) == (FactSource.DEPARTMENT, "公安", county_user)
    measure = Fact.objects.get(kind=FactKind.SUPPORT_MEASURE)
    assert measure.member is None and measure.exit_measure
    assert vehicle.history.get().history_change_reason == "导入事实（公安）：facts.xlsx"


def test_reimport_does_not_duplicate_and_updates_other_columns(tmp_path, household_a):
    member = household_a.members.first()
    row = {
        "证件号码": member.id_number,
        "事实类型": "城镇房产",
        "发生日期": "2016-01-01",
        "金额": "300000",
        "类别": "商品房",
    }
    assert run(write(tmp_path, [row]))[0] == 0
    status, out, _ = run(write(tmp_path, [row, row]))
    assert status == 0 and "新增 0，更新 0，未变 1" in out and "第3行与第2行是同一事实" in out
    row["备注"] = "已核实"
    status, out, _ = run(write(tmp_path, [row]))
    assert "新增 0，更新 1，未变 0" in out
    fact = Fact.objects.get()
    assert (fact.note, fact.source) == ("已核实", FactSource.MANUAL)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"事实类型": "机动车", "金额": 1}, "第2行「证件号码」（A列）：证件号码和户编号至少填写一个"),
        ({"户编号": "HH-A-0001", "事实类型": "机动车"}, "第2行「金额」（E列）：机动车必须填写金额"),
        ({"户编号": "HH-A-0001", "事实类型": "豪车"}, "第2行「事实类型」（C列）：“豪车”不是有效值"),
        (
            {"户编号": "HH-A-0001", "事实类型": "死亡", "发生日期": "2999-01-01"},
            "第2行「发生日期」（D列）：日期2999-01-01晚于今天",
        ),
        (
            {"户编号": "HH-A-0001", "事实类型": "机动车", "易地搬迁安置": "是", "金额": 1},
            "只有城镇房产才填写易地搬迁安置",
        ),
        ({"证件号码": 5.30113197e17, "事实类型": "死亡"}, "第2行「证件号码」（A列）：单元格是数字"),
    ],
)
def test_bad_rows_are_refused(tmp_path, household_a, row, expected):
    status, _, err = run(write(tmp_path, [row]))
    assert status == 1 and expected in err
    assert not Fact.objects.exists()


def test_id_number_of_another_household_than_the_one_given(tmp_path, household_a, household_b):
    row = {"证件号码": household_b.members.first().id_number, "户编号": household_a.number, "事实类型": "死亡"}
    status, _, err = run(write(tmp_path, [row]))
    assert status == 1 and f"属于户编号 {household_b.number}" in err
    assert not Fact.objects.exists()


def test_only_kind_and_one_subject_column_are_required(tmp_path, household_a):
    path = xb.write_xlsx(tmp_path / "f.xlsx", ["户编号", "事实类型"], [[household_a.number, "空挂户"]])
    assert run(path)[0] == 0
    assert Fact.objects.get().kind == FactKind.HOLLOW_REGISTRATION
    path = xb.write_xlsx(tmp_path / "g.xlsx", ["事实类型", "备注"], [["空挂户", "x"]])
    status, _, err = run(path)
    assert status == 1 and "至少要有其中一列" in err


def test_dry_run_writes_nothing(tmp_path, household_a):
    path = write(tmp_path, [{"户编号": household_a.number, "事实类型": "空挂户"}])
    status, out, _ = run(path, "--dry-run")
    assert status == 0 and "试运行" in out and "新增 1" in out
    assert not Fact.objects.exists()
