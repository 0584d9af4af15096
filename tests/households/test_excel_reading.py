"""Opening files safely (ecosystem.md §B.6): bombs, wrong dimensions, formulas, not-xlsx files."""

import time
import zipfile

import openpyxl
import pytest

from households.excel import reading
from households.excel.reading import UnreadableFile, inspect_archive, open_sheet
from tests.households import excel_builders as xb


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_zip_bomb_is_refused_from_the_directory_in_well_under_a_second(tmp_path):
    path = xb.write_zip_bomb(tmp_path / "bomb.xlsx", inflated_mb=2048)  # ~2 MB that inflates to 2 GB
    assert path.stat().st_size < 3 * 1024 * 1024
    start = time.perf_counter()
    with pytest.raises(UnreadableFile, match="疑似压缩炸弹"):
        open_sheet(path)
    assert time.perf_counter() - start < 0.5


def test_highly_compressed_member_is_refused(tmp_path):
    path = xb.write_zip_bomb(tmp_path / "bomb.xlsx", inflated_mb=20)
    with pytest.raises(UnreadableFile, match="压缩比"):
        inspect_archive(path)


def test_member_that_inflates_past_its_declared_size_is_refused_without_inflating_it_all(tmp_path):
    path = xb.write_zip_bomb(tmp_path / "liar.xlsx", inflated_mb=200, declared_bytes=900_000)
    start = time.perf_counter()
    with pytest.raises(UnreadableFile, match="超过其声明的大小"):
        inspect_archive(path)
    assert time.perf_counter() - start < 0.5


def test_file_over_50_mb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as handle:
        handle.truncate(reading.MAX_FILE_BYTES + 1)  # sparse: costs nothing to make
    with pytest.raises(UnreadableFile, match="超过上限 50 MB"):
        inspect_archive(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel"),
        ("户编号,姓名\nHH1,张三\n".encode(), "不是 Excel 工作簿"),
        (b"", "文件是空的"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(tmp_path, content, message):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        inspect_archive(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile, match="xl/workbook.xml"):
        inspect_archive(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(UnreadableFile, match="文件不存在"):
        inspect_archive(tmp_path / "nope.xlsx")


def test_workbook_with_macros_is_refused(tmp_path):
    path = xb.write_xlsx(tmp_path / "m.xlsx", ["a"], [["1"]])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0" * 10)
    with pytest.raises(UnreadableFile, match="宏"):
        inspect_archive(path)


def test_doctype_and_entities_are_refused(tmp_path):
    path = xb.write_xlsx(tmp_path / "xxe.xlsx", ["姓名"], [["张三"]])
    xb.rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(
            b"<worksheet",
            b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><worksheet',
            1,
        ).replace(b"\xe5\xbc\xa0\xe4\xb8\x89", b"&xxe;"),
    )
    with pytest.raises(UnreadableFile, match="DOCTYPE") as error:
        open_sheet(path)
    assert "root:" not in error.value.message


def test_every_row_is_read_when_the_sheet_declares_a_wrong_dimension(tmp_path):
    path = xb.write_xlsx(tmp_path / "dim.xlsx", ["户编号", "姓名"], [[f"HH{i}", f"成员{i}"] for i in range(10)])
    xb.set_dimension(path, "A1:B3")
    assert b'ref="A1:B3"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    sheet = open_sheet(path)
    rows = list(sheet.rows)
    assert [number for number, _ in rows] == list(range(2, 12))
    assert rows[-1][1] == ["HH9", "成员9"]


def test_formula_cells_are_located_with_row_and_column(tmp_path):
    path = xb.write_xlsx(tmp_path / "f.xlsx", ["a", "b", "c"], [["x", 1, "=1+2"], ["y", 2, 3]])
    sheet = open_sheet(path)
    assert sheet.formula_cells == {(2, 2)}
    assert sheet.is_formula(2, 2) and not sheet.is_formula(3, 2)


def test_data_validation_formulas_are_not_cell_formulas(tmp_path):
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["户状态"])
    sheet.append(["未脱贫"])
    validation = DataValidation(type="list", formula1='"未脱贫,已脱贫"')
    sheet.add_data_validation(validation)
    validation.add("A2:A100")
    workbook.save(tmp_path / "dv.xlsx")
    assert open_sheet(tmp_path / "dv.xlsx").formula_cells == set()


def test_header_row_and_first_sheet_not_the_active_one(tmp_path):
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.append(["户编号"])
    first.append(["HH1"])
    second = workbook.create_sheet("其他")
    second.append(["别的"])
    workbook.active = 1
    workbook.save(tmp_path / "two.xlsx")
    sheet = open_sheet(tmp_path / "two.xlsx")
    assert sheet.headers == ["户编号"]
    assert list(sheet.rows) == [(2, ["HH1"])]


def test_empty_first_row_is_reported(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active["A3"] = "户编号"
    workbook.save(tmp_path / "gap.xlsx")
    assert open_sheet(tmp_path / "gap.xlsx").header_row_empty
