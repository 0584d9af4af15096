"""The self-evaluation report as a Word document (.docx, python-docx): the same sections as the page."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .self_evaluation import Report

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"


def _font(style, name: str, size: float, *, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = None
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the font named here
    fonts.set(qn("w:eastAsia"), name)


def report_docx(report: Report) -> bytes:
    """Headings in Word's heading styles (一、 as Heading 1, （一） as Heading 2) so that the navigation pane shows
    the outline; A4 with the margins of Chinese official documents."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _font(document.styles["Normal"], BODY_FONT, 14)
    _font(document.styles["Title"], "宋体", 20, bold=True)
    _font(document.styles["Heading 1"], HEADING_FONT, 15)
    _font(document.styles["Heading 2"], "楷体", 15)
    document.core_properties.title = report.title
    document.core_properties.author = report.unit

    title = document.add_heading(report.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in report.sections:
        document.add_heading(part.heading, level=part.level)
        for text in part.paragraphs:
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(28)
        for table in part.tables:
            caption = document.add_paragraph(table.caption)
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            grid = document.add_table(rows=1, cols=len(table.headers))
            grid.style = "Table Grid"
            grid.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
                cell.text = header
                for run in cell.paragraphs[0].runs:
                    run.font.bold = True
                    run.font.size = Pt(10.5)
            for row in table.rows:
                cells = grid.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(10.5)
    closing = document.add_paragraph(report.unit)
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
