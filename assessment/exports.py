"""Excel exports of the workflow (FORMATS §6 kinds ``publicity`` and ``cases``): the same rows as the pages, ID
numbers masked, every download written to the access log (SPEC §1).

``export_publicity(window, output)`` and ``export_cases(queryset, output)`` are what ``manage.py export --kind
publicity|cases`` should call (the command lives in ``households``, which may not import this app: docs/workflow.md).
A cell starting with = + - @ is written as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from households.choices import Relation
from households.idnumber import mask_id_number
from households.models import AccessLog, Member, User

from .judgements import CRITERION_TITLES
from .models import AdjustmentCase, PublicityWindow
from .workflow import CaseKind, ReturnCause

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@")

PUBLICITY_HEADERS = (
    "序号",
    "户主姓名",
    "村民小组",
    "家庭人口数",
    "案件类型",
    "原因",
    "证件号码",
    "案件编号",
    "公示开始日期",
    "公示截止日期",
    "举报电话",
)
CASE_HEADERS = (
    "案件编号",
    "案件类型",
    "户编号",
    "户主姓名",
    "证件号码",
    "乡镇",
    "行政村",
    "村民小组",
    "当前环节",
    "立案日期",
    "原因",
    "依据条款",
    "评估结果支持",
    "政策版本",
    "返贫原因",
    "审定日期",
)


def add_sheet(book: Workbook, title: str, headers: Sequence[str], *, first: bool = False):
    """A sheet with the house header row: bold centred headers, widths from the headers, the header row frozen."""
    sheet = book.active if first else book.create_sheet()
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 4))
    sheet.freeze_panes = "A2"
    return sheet


def append_row(sheet, row: Sequence[Any], money_formats: dict[int, str] | None = None) -> None:
    """One data row: text stays text (a cell starting with = + - @ is never a formula); money columns (1-based)
    get their number format."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
        elif money_formats and cell.column in money_formats and cell.value is not None:
            cell.number_format = money_formats[cell.column]


def fill_sheet(
    book: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, first: bool = False
) -> int:
    """A sheet of ``rows`` under ``headers``; returns the number of rows."""
    sheet = add_sheet(book, title, headers, first=first)
    count = 0
    for row in rows:
        append_row(sheet, row)
        count += 1
    return count


def write_sheet(
    output: str | Path | IO[bytes], title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    book = Workbook()
    count = fill_sheet(book, title, headers, rows, first=True)
    book.save(output)
    return count


def heads(household_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    rows = (
        Member.objects.filter(household_id__in=list(household_ids), is_active=True, relation=Relation.HEAD)
        .order_by("pk")
        .values_list("household_id", "name", "id_number")
    )
    found: dict[int, tuple[str, str]] = {}
    for household_id, name, id_number in rows:
        found.setdefault(household_id, (name, mask_id_number(id_number)))
    return found


def member_counts(household_ids: Iterable[int]) -> dict[int, int]:
    from django.db.models import Count

    rows = (
        Member.objects.filter(household_id__in=list(household_ids), is_active=True)
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["household_id"]: row["n"] for row in rows}


def notice_rows(window: PublicityWindow) -> list[dict[str, Any]]:
    """The 公示名单: one row per case on the list (three queries)."""
    entries = list(
        window.entries.filter(removed_at__isnull=True)
        .select_related("case__household__area")
        .order_by("case__household__area__code", "case__number")
    )
    ids = [e.case.household_id for e in entries]
    names, counts = heads(ids), member_counts(ids)
    rows = []
    for entry in entries:
        case = entry.case
        head_name, head_id = names.get(case.household_id, ("", ""))
        rows.append(
            {
                "case": case,
                "head_name": head_name,
                "head_id": head_id,
                "group": case.household.area.name,
                "size": counts.get(case.household_id, 0),
                "kind": case.kind_label,
                "reason": notice_reason(case),
            }
        )
    return rows


def notice_reason(case: AdjustmentCase) -> str:
    """The reason a public notice prints: the titles of the criteria, never the rules' full sentence, which names
    members and their illnesses (a notice hangs on the village wall; the case page keeps the full reason)."""
    if case.kind == CaseKind.RETURN:
        return f"{ReturnCause(case.return_cause).label}返贫" if case.return_cause else "返贫"
    if case.kind == CaseKind.EXIT:
        return "达到脱贫退出标准"
    titles = "、".join(CRITERION_TITLES.get(code, code) for code in case.criteria_list)
    if not titles:
        return "经调查核实"
    prefix = {CaseKind.NEW: "符合识别条件：", CaseKind.WRONG_INCLUSION: "错评情形：", CaseKind.WRONG_EXIT: "未达标："}
    return f"{prefix.get(case.kind, '')}{titles}"


def export_publicity(window: PublicityWindow, output: str | Path | IO[bytes]) -> int:
    start = window.open_date.isoformat() if window.open_date else ""
    end = window.last_day.isoformat() if window.last_day else ""
    rows = (
        (
            i,
            row["head_name"],
            row["group"],
            row["size"],
            row["kind"],
            row["reason"],
            row["head_id"],
            row["case"].number,
            start,
            end,
            window.complaint_phone,
        )
        for i, row in enumerate(notice_rows(window), start=1)
    )
    return write_sheet(output, "公示名单", PUBLICITY_HEADERS, rows)


def export_cases(queryset: QuerySet[AdjustmentCase], output: str | Path | IO[bytes]) -> int:
    cases = list(
        queryset.select_related("household__area__parent__parent", "campaign", "policy").order_by(
            "campaign__year", "number"
        )
    )
    names = heads(c.household_id for c in cases)
    local = timezone.localtime

    def row(case: AdjustmentCase) -> list[Any]:
        group = case.household.area
        village = group.parent if group.level == "group" else group
        township = village.parent if village else None
        head_name, head_id = names.get(case.household_id, ("", ""))
        return [
            case.number,
            case.kind_label,
            case.household.number,
            head_name,
            head_id,
            township.name if township else "",
            village.name if village else "",
            group.name if group.level == "group" else "",
            case.get_stage_display(),
            local(case.opened_at).date().isoformat(),
            case.reason,
            case.criteria.replace(",", " "),
            "是" if case.rules_support else "否",
            f"{case.policy.name} 第{case.policy_version}版",
            case.get_return_cause_display() if case.return_cause else "",
            local(case.approved_at).date().isoformat() if case.approved_at else "",
        ]

    return write_sheet(output, "案件", CASE_HEADERS, (row(case) for case in cases))


def _response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def cases_response(queryset: QuerySet[AdjustmentCase], *, user: User, ip_address: str | None) -> HttpResponse:
    buffer = io.BytesIO()
    count = export_cases(queryset, buffer)
    AccessLog.objects.create(
        user=user,
        action=AccessLog.Action.EXPORT,
        target="导出案件",
        detail="证件号码已打码",
        row_count=count,
        ip_address=ip_address,
    )
    return _response(buffer.getvalue(), f"案件_{timezone.localdate():%Y%m%d}.xlsx")


def publicity_response(window: PublicityWindow, *, user: User, ip_address: str | None) -> HttpResponse:
    buffer = io.BytesIO()
    count = export_publicity(window, buffer)
    AccessLog.objects.create(
        user=user,
        action=AccessLog.Action.EXPORT,
        target=f"导出公示名单：{window.title}"[:200],
        detail="证件号码已打码",
        row_count=count,
        ip_address=ip_address,
    )
    return _response(buffer.getvalue(), f"公示名单_{window.pk}.xlsx")
