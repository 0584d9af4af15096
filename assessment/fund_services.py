"""Work funds over the stored rows: the funds check (funds.check_funds), edits with optimistic locking, the Excel
sheet. Each function runs a constant number of queries whatever the number of allocations and spending entries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction
from openpyxl import Workbook

from households.choices import AreaLevel
from households.models import Area, User

from .exports import add_sheet, append_row
from .fund_models import FundAllocation, FundSpending, SelfEvaluationReport, WorkFund
from .funds import (
    RECIPIENT_KIND_LABELS,
    SELF_EVALUATION_OUTLINE,
    Allocation,
    FundsReport,
    Spending,
    check_funds,
    yuan_to_wan,
)

YUAN_FORMAT = "#,##0.00"
WAN_FORMAT = "0.######"


class FundConflict(Exception):
    """Someone saved the fund since the form was opened."""

    def __init__(self, version: int):
        self.version = version
        super().__init__(
            f"该年度工作经费已被他人修改（现为第 {version} 版），您的修改未保存。请刷新页面，核对后重新填写。"
        )


@dataclass
class FundSheet:
    """A fund with its rows and the funds check over them."""

    fund: WorkFund
    allocations: list[FundAllocation]
    spendings: list[FundSpending]
    report: FundsReport
    duplicates: set[str] = field(default_factory=set)

    @property
    def flags(self):
        return self.report.flags


def check_rows(fund: WorkFund, allocations: Iterable[FundAllocation], spendings: Iterable[FundSpending]) -> FundsReport:
    return check_funds(
        fund.budget,
        [Allocation(a.recipient, a.amount, a.kind) for a in allocations],
        [Spending(s.recipient, s.amount, s.purpose) for s in spendings],
    )


def fund_sheet(fund: WorkFund) -> FundSheet:
    """The fund's allocations, spending and check: two queries."""
    allocations = list(fund.allocations.select_related("area").order_by("position", "pk"))
    spendings = list(fund.spendings.select_related("recorded_by").order_by("spent_on", "pk"))
    report = check_rows(fund, allocations, spendings)
    seen: dict[str, int] = defaultdict(int)
    for allocation in allocations:
        seen[allocation.recipient] += 1
    return FundSheet(fund, allocations, spendings, report, {name for name, n in seen.items() if n > 1})


def fund_summaries(funds: Sequence[WorkFund]) -> list[tuple[WorkFund, FundsReport]]:
    """Every fund with its check, for the list page: two queries for any number of funds."""
    ids = [fund.pk for fund in funds]
    allocations: dict[int, list[FundAllocation]] = defaultdict(list)
    for row in FundAllocation.objects.filter(fund_id__in=ids).order_by("position", "pk"):
        allocations[row.fund_id].append(row)
    spendings: dict[int, list[FundSpending]] = defaultdict(list)
    for row in FundSpending.objects.filter(fund_id__in=ids).order_by("spent_on", "pk"):
        spendings[row.fund_id].append(row)
    return [(fund, check_rows(fund, allocations[fund.pk], spendings[fund.pk])) for fund in funds]


def default_unit() -> str:
    """「东川区扶贫办」: the county's name and the office (the unit seed 000 reports as)."""
    name = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").values_list("name", flat=True).first()
    return f"{name or '县'}扶贫办"


def save_fund(fund: WorkFund, *, by: User, expected_version: int | None) -> WorkFund:
    """Create or update the fund's own fields; an update over a newer version raises ``FundConflict``."""
    with transaction.atomic():
        if fund.pk is not None:
            stored = WorkFund.objects.select_for_update().get(pk=fund.pk)
            if expected_version is not None and stored.version != expected_version:
                raise FundConflict(stored.version)
            fund.version = stored.version + 1
        fund.updated_by = by
        fund.save()
    return fund


@dataclass(frozen=True)
class AllocationLine:
    recipient: str
    kind: str
    amount: Decimal
    area: Area | None = None
    note: str = ""


def replace_allocations(
    fund: WorkFund, lines: Sequence[AllocationLine], *, by: User, expected_version: int | None
) -> WorkFund:
    """The allocation list as the form holds it, in its order, replacing the stored one; bumps the fund's version."""
    with transaction.atomic():
        stored = WorkFund.objects.select_for_update().get(pk=fund.pk)
        if expected_version is not None and stored.version != expected_version:
            raise FundConflict(stored.version)
        FundAllocation.objects.filter(fund=stored).delete()
        FundAllocation.objects.bulk_create(
            FundAllocation(
                fund=stored,
                position=i,
                recipient=line.recipient,
                kind=line.kind,
                area=line.area,
                amount=line.amount,
                note=line.note,
            )
            for i, line in enumerate(lines, start=1)
        )
        stored.version += 1
        stored.updated_by = by
        stored.save(update_fields=["version", "updated_by", "updated_at"])
    return stored


def add_spending(
    fund: WorkFund,
    *,
    recipient: str,
    amount: Decimal,
    spent_on: datetime.date,
    purpose: str,
    voucher: str = "",
    by: User,
) -> FundSpending:
    """Spending entries are only added or deleted, never edited: two people adding entries do not conflict."""
    return FundSpending.objects.create(
        fund=fund,
        recipient=recipient.strip(),
        amount=amount,
        spent_on=spent_on,
        purpose=purpose.strip(),
        voucher=voucher.strip(),
        recorded_by=by,
    )


def recipient_names(fund: WorkFund) -> list[str]:
    """The allocation recipients in list order, once each (suggestions for spending entries)."""
    names = fund.allocations.order_by("position", "pk").values_list("recipient", flat=True)
    return list(dict.fromkeys(names))


# ---- the Excel sheet ----

LINE_HEADERS = ("序号", "单位", "类别", "分配（万元）", "分配（元）", "已支出（元）", "结余（元）", "执行率")
ALLOCATION_HEADERS = ("序号", "单位", "类别", "乡镇", "金额（万元）", "金额（元）", "备注")
SPENDING_HEADERS = ("序号", "单位", "支出日期", "金额（元）", "用途", "凭证号", "录入人")


def write_funds_workbook(sheet_data: FundSheet, output: str | Path | IO[bytes]) -> int:
    """Three sheets: 经费使用情况 (lines, totals, unallocated, 预算执行率, flags), 分配明细, 支出明细.
    Amounts are written from ``Decimal`` (never through float arithmetic); returns the number of data rows."""
    fund, report = sheet_data.fund, sheet_data.report
    book = Workbook()
    lines = add_sheet(book, "经费使用情况", LINE_HEADERS, first=True)
    money = {4: WAN_FORMAT, 5: YUAN_FORMAT, 6: YUAN_FORMAT, 7: YUAN_FORMAT}
    for i, line in enumerate(report.lines, start=1):
        kind = RECIPIENT_KIND_LABELS.get(line.kind, "未分配")
        row = (i, line.recipient, kind, yuan_to_wan(line.allocated), line.allocated, line.spent, line.remaining)
        append_row(lines, (*row, line.execution), money)
    append_row(
        lines,
        ("", "合计", "", yuan_to_wan(report.allocated), report.allocated, report.spent, report.allocated - report.spent)
        + ("",),
        money,
    )
    append_row(lines, ("", "预算", "", yuan_to_wan(report.budget), report.budget, "", "", ""), money)
    append_row(lines, ("", "未分配", "", yuan_to_wan(report.unallocated), report.unallocated, "", "", ""), money)
    append_row(lines, ("", "预算执行率", "", "", "", report.spent, "", report.execution), money)
    for flag in report.flags:
        append_row(lines, ("", "提示", "", flag.message), {})
    allocations = add_sheet(book, "分配明细", ALLOCATION_HEADERS)
    for a in sheet_data.allocations:
        area = a.area.name if a.area_id else ""
        row = (a.position, a.recipient, a.get_kind_display(), area, yuan_to_wan(a.amount), a.amount, a.note)
        append_row(allocations, row, {5: WAN_FORMAT, 6: YUAN_FORMAT})
    spendings = add_sheet(book, "支出明细", SPENDING_HEADERS)
    for i, s in enumerate(sheet_data.spendings, start=1):
        by = s.recorded_by.display_name if s.recorded_by_id else ""
        row = (i, s.recipient, s.spent_on.isoformat(), s.amount, s.purpose, s.voucher, by)
        append_row(spendings, row, {4: YUAN_FORMAT})
    book.properties.title = f"{fund}"
    book.save(output)
    return len(report.lines) + len(sheet_data.allocations) + len(sheet_data.spendings)


# ---- the self-evaluation report's texts ----


class ReportConflict(Exception):
    def __init__(self, version: int):
        self.version = version
        super().__init__(
            f"该年度绩效自评报告已被他人修改（现为第 {version} 版），您的修改未保存。请刷新页面后重新填写。"
        )


def save_report_texts(
    year: int, *, title: str, texts: dict[str, str], by: User, expected_version: int | None
) -> SelfEvaluationReport:
    """Store the office's texts (by outline key); ``expected_version`` 0 means the form was opened before any save."""
    unknown = sorted(set(texts) - {key for key, _ in SELF_EVALUATION_OUTLINE})
    if unknown:
        raise ValueError("自评报告没有这些部分：" + "、".join(unknown))
    with transaction.atomic():
        stored = SelfEvaluationReport.objects.select_for_update().filter(year=year).first()
        current = stored.version if stored else 0
        if expected_version is not None and expected_version != current:
            raise ReportConflict(current)
        if stored is None:
            try:
                with transaction.atomic():
                    return SelfEvaluationReport.objects.create(year=year, title=title, texts=texts, updated_by=by)
            except IntegrityError:
                raise ReportConflict(1) from None
        stored.title, stored.texts, stored.updated_by = title, texts, by
        stored.version = current + 1
        stored.save()
    return stored
