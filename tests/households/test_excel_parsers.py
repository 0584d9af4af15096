"""Cell parsers: exact money, dates typed as text, yes/no, code lists by label. No database."""

import datetime
from decimal import Decimal

import pytest

from households.choices import HouseholdStatus, MigrantWork, PovertyCause
from households.excel import parsers as p
from households.excel.columns import GRADE, MIGRANT, STATUS, parse_health, parse_other_causes
from households.excel.parsers import CellError
from households.idnumber import make_id_number

TODAY = datetime.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (3500.5, Decimal("3500.50")),
        (3500.0, Decimal("3500.00")),
        (0.1, Decimal("0.10")),
        (1234.56, Decimal("1234.56")),
        (9999999999.99, Decimal("9999999999.99")),
        ("3500.5", Decimal("3500.50")),
        (" 3,500.25 ", Decimal("3500.25")),
        ("３５００", Decimal("3500.00")),  # full-width digits
        ("12.500", Decimal("12.50")),  # trailing zeros are not extra decimals
        ("", Decimal("0.00")),
        (None, Decimal("0.00")),
        (7, Decimal("7.00")),
    ],
)
def test_money_is_read_exactly(cell, expected):
    value = p.money(cell)
    assert value == expected
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize("cell", [0.30000000000000004, 1.005, "12.345", "3,50", "3500元", "1e3", True, -1, "-0.5"])
def test_money_with_more_than_two_decimals_or_not_a_number_is_an_error(cell):
    with pytest.raises(CellError):
        p.money(cell)


def test_money_too_large_for_the_column_is_an_error():
    with pytest.raises(CellError, match="太大"):
        p.money(1e12)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime.date(2016, 5, 1), datetime.date(2016, 5, 1)),
        (datetime.datetime(2016, 5, 1, 0, 0), datetime.date(2016, 5, 1)),
        ("2016-05-01", datetime.date(2016, 5, 1)),
        ("2016/5/1", datetime.date(2016, 5, 1)),
        ("2016.5.1", datetime.date(2016, 5, 1)),
        ("2016年5月1日", datetime.date(2016, 5, 1)),
        ("20160501", datetime.date(2016, 5, 1)),
        ("", None),
    ],
)
def test_dates_from_date_cells_and_unambiguous_text(cell, expected):
    assert p.date(cell, today=TODAY) == expected


@pytest.mark.parametrize("cell", ["05/01/2016", "1/5/2016", "2016-02-30", 42491.0, "明年", "2027-01-01"])
def test_ambiguous_impossible_numeric_or_future_dates_are_errors(cell):
    with pytest.raises(CellError):
        p.date(cell, today=TODAY)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), (1.0, True), (0.0, False), ("TRUE", True)]
    + [("false", False), (True, True), ("1", True), ("", None), (None, None)],
)
def test_yes_no(cell, expected):
    assert p.yes_no(cell) is expected


def test_yes_no_default_applies_to_empty_cells_only():
    assert p.yes_no("", default=True) is True
    assert p.yes_no("否", default=True) is False
    with pytest.raises(CellError, match="不是是/否"):
        p.yes_no("有")


@pytest.mark.parametrize(("cell", "expected"), [(2018.0, 2018), ("2018", 2018), ("2018年", 2018), ("", None)])
def test_years(cell, expected):
    assert p.year(cell) == expected


@pytest.mark.parametrize("cell", [2018.5, "二〇一八", 1800.0, "18"])
def test_bad_years(cell):
    with pytest.raises(CellError):
        p.year(cell)


def test_codes_are_read_by_label_full_and_half_width_alike():
    assert MIGRANT("乡（镇）内务工") == MigrantWork.IN_TOWNSHIP
    assert MIGRANT("乡(镇)内务工") == MigrantWork.IN_TOWNSHIP
    assert MIGRANT("") == MigrantWork.NONE  # FORMATS' default
    assert STATUS("已脱贫") == HouseholdStatus.EXITED
    assert GRADE("C") == "C"
    assert GRADE("C级（危房）") == "C"
    with pytest.raises(CellError, match="可填"):
        GRADE("E")


def test_other_causes_up_to_two_without_repeats():
    assert parse_other_causes("缺资金、因学") == f"{PovertyCause.NO_CAPITAL},{PovertyCause.SCHOOLING}"
    assert parse_other_causes("") == ""
    with pytest.raises(CellError, match="最多填写2个"):
        parse_other_causes("因病、因残、因学")
    with pytest.raises(CellError, match="重复"):
        parse_other_causes("因病,因病")


def test_health_takes_several_values_but_healthy_alone():
    assert parse_health("长期慢性病、残疾") == {"chronic_disease": True, "serious_disease": False, "disabled": True}
    assert parse_health("健康") == {"chronic_disease": False, "serious_disease": False, "disabled": False}
    with pytest.raises(CellError):
        parse_health("健康、残疾")


def test_id_number_cell_must_be_text():
    with pytest.raises(CellError, match="文本格式"):
        p.id_number(3.6042619910101e17, today=TODAY)
    info = p.id_number(f" {make_id_number('53011319700501001')} ", today=TODAY)
    assert (info.birth_date, info.sex) == (datetime.date(1970, 5, 1), "1")


def test_household_number_typed_as_a_number_is_refused():
    with pytest.raises(CellError, match="文本格式"):
        p.identifier(32)(123.0)


def test_area_codes_may_be_numbers():
    assert p.area_code(530113001001001.0) == "530113001001001"
    with pytest.raises(CellError, match="6、9、12、15位"):
        p.area_code("5301130")
