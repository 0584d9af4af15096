"""import_areas (FORMATS §1): rows in any order, names updated on re-import, every error with row and header."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from households.choices import AreaLevel
from households.models import Area
from tests import factories as f
from tests.households import excel_builders as xb

pytestmark = pytest.mark.django_db


def run(path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_areas", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, rows):
    return xb.write_xlsx(tmp_path / "areas.xlsx", xb.AREA_HEADERS, rows)


def test_areas_in_any_order_are_created_with_parents_and_levels(tmp_path):
    rows = [
        ["530113001001001", "箐口一组", "530113001001"],
        ["530113001001", "箐口村", "530113001"],
        ["530113", "东川区", None],
        [530113001.0, "铜都街道", 530113.0],  # codes typed as numbers are fine: they have no leading zero
    ]
    status, out, _ = run(write(tmp_path, rows))
    assert status == 0 and "新增 4，更新 0，未变 0" in out
    group = Area.objects.get(code="530113001001001")
    assert group.level == AreaLevel.GROUP
    assert group.parent.parent.parent == Area.objects.get(code="530113", level=AreaLevel.COUNTY)


def test_reimport_updates_names_and_leaves_the_rest(areas, tmp_path):
    rows = [[f.COUNTY_CODE, "东川区", None], [f.TOWNSHIP_A, "铜都街道办事处", f.COUNTY_CODE]]
    status, out, _ = run(write(tmp_path, rows))
    assert status == 0 and "新增 0，更新 1，未变 1" in out
    assert "名称：铜都街道 → 铜都街道办事处" in out
    assert Area.objects.get(code=f.TOWNSHIP_A).name == "铜都街道办事处"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["530113003", "新镇", "530114"],
            "第2行「上级区划代码」（C列）：上级区划代码 530114 与区划代码 530113003 不符",
        ),
        (["530113003001", "新村", "530113003"], "第2行「上级区划代码」：上级区划代码 530113003 不存在"),
        (["5301130031", "新村", "530113003"], "第2行「区划代码」（A列）：“5301130031”不是有效的区划代码"),
        (["530113003", None, "530113"], "第2行「名称」（B列）：不能为空"),
        (["530113003", "新镇", None], "第2行「上级区划代码」（C列）：9位区划代码必须填写6位的上级区划代码"),
        (["530114", "别的县", "530000"], "6位的县级区划代码不填上级区划代码"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(areas, tmp_path, row, expected):
    before = Area.objects.count()
    status, _, err = run(write(tmp_path, [row]))
    assert status == 1
    assert expected in err
    assert Area.objects.count() == before


def test_code_repeated_in_the_file(tmp_path):
    status, _, err = run(write(tmp_path, [["530113", "东川区", None], ["530113", "东川", None]]))
    assert status == 1 and "第3行「区划代码」（A列）：区划代码 530113 与第2行重复" in err
    assert not Area.objects.exists()


def test_missing_header(tmp_path):
    path = xb.write_xlsx(tmp_path / "a.xlsx", ["区划代码", "名称"], [["530113", "东川区"]])
    status, _, err = run(path)
    assert status == 1 and "缺少列：上级区划代码" in err


def test_not_an_xlsx_exits_with_2(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("区划代码,名称")
    assert run(path)[0] == 2


def test_dry_run_writes_nothing(tmp_path):
    out = io.StringIO()
    call_command("import_areas", str(write(tmp_path, [["530113", "东川区", None]])), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and "新增 1" in out.getvalue()
    assert not Area.objects.exists()
