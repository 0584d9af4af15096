"""Excel export of the township scores (乡镇得分, 指标明细, 帮扶单位): the same figures as the overview, every download
written to the access log (``households.excel.downloads.log_export``). No ID numbers are exported."""

from __future__ import annotations

import io
from typing import IO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook

from households.excel.downloads import XLSX_CONTENT_TYPE, log_export
from households.models import User

from .exports import fill_sheet
from .scores import Board

TOWNSHIP_HEADERS = ("排名", "乡镇代码", "乡镇", "总得分", "等级", "绩效得分（÷100×2）", "未能计分的原因")
LINE_HEADERS = (
    "乡镇",
    "指标",
    "计分方式",
    "分值",
    "实测值",
    "单位",
    "得分",
    "扣分",
    "计算依据",
    "扣分说明",
    "涉及户/事项",
)
UNIT_HEADERS = ("帮扶单位", "帮扶的镇", "上级直管单位", "考核得分", "绩效得分")


def export_scores(board: Board, output: IO[bytes]) -> int:
    """Three sheets; returns the number of township rows."""
    book = Workbook()
    count = fill_sheet(
        book,
        "乡镇得分",
        TOWNSHIP_HEADERS,
        (
            (
                t.rank,
                t.code,
                t.name,
                t.total,
                t.grade_label,
                t.performance,
                "；".join(t.problems),
            )
            for t in board.townships
        ),
        first=True,
    )
    fill_sheet(
        book,
        "指标明细",
        LINE_HEADERS,
        (
            (
                t.name,
                line.name,
                line.measure_label,
                line.weight,
                line.value_text if not line.is_manual else "",
                line.unit,
                line.points,
                line.lost,
                line.basis,
                line.note,
                "、".join(item.label for item in line.items),
            )
            for t in board.townships
            for line in t.lines
        ),
    )
    fill_sheet(
        book,
        "帮扶单位",
        UNIT_HEADERS,
        (
            (u.name, u.township_name, "是（×3）" if u.upper_level else "否（×2）", u.total, u.performance)
            for u in board.units
        ),
    )
    book.save(output)
    return count


def scores_response(board: Board, *, user: User, ip_address: str | None) -> HttpResponse:
    buffer = io.BytesIO()
    count = export_scores(board, buffer)
    state = "已确定" if board.final else "未确定"
    log_export(
        user,
        target=f"导出考核得分：{board.assessment.name}",
        detail=f"乡镇得分、指标明细、帮扶单位（得分{state}）",
        row_count=count,
        masked=True,
        has_ids=False,
        ip_address=ip_address,
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    filename = f"考核得分_{board.assessment.year}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
