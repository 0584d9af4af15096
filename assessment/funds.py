"""Work funds (工作经费, seed 000): budget, allocations, spending, their checks and the self-evaluation report.

Pure functions over plain data: no Django, no database, no clock. Money is ``Decimal`` yuan with at most two
places; 万元 converts exactly (× / ÷ 10,000). Formulas and interpretations: docs/assessment-methods.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .rates import percent_text

__all__ = [
    "RECIPIENT_KIND_LABELS",
    "SELF_EVALUATION_OUTLINE",
    "Allocation",
    "Flag",
    "FlagCode",
    "FundsReport",
    "RecipientKind",
    "RecipientLine",
    "Spending",
    "check_funds",
    "format_wan",
    "funds_paragraph",
    "self_evaluation_sections",
    "wan_to_yuan",
    "yuan_to_wan",
]

CENT = Decimal("0.01")
WAN = Decimal(10000)


def _check_money(amount: Decimal, what: str, *, positive: bool = True) -> None:
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError(f"{what}应为以元为单位、最多两位小数的金额")
    if amount < 0 or (positive and amount == 0):
        raise ValueError(f"{what}应大于 0" if positive else f"{what}不能为负数")


def wan_to_yuan(wan: Decimal) -> Decimal:
    """万元 → 元, exactly: 10 → 100000.00; 0.000001 万元 is a cent; anything finer is refused."""
    yuan = wan * WAN
    if not yuan.is_finite() or yuan != yuan.quantize(CENT):
        raise ValueError(f"{wan} 万元不是整分的金额")
    return yuan.quantize(CENT)


def yuan_to_wan(yuan: Decimal) -> Decimal:
    """元 → 万元, exactly (only the exponent moves): 100000.00 → 10.000000."""
    return yuan.scaleb(-4)


def format_wan(yuan: Decimal) -> str:
    """The amount in 万元 without trailing zeros: 100000.00 → "10", 5000 → "0.5", −80000 → "-8"."""
    return f"{yuan_to_wan(yuan).normalize():f}"


def _percent(part: Decimal, whole: Decimal) -> str:
    return percent_text(int(part / CENT), int(whole / CENT))


class RecipientKind:
    TOWNSHIP = "township"
    DEPARTMENT = "department"
    # The office's own share (seed 000: 「区扶贫办留用 18 万元」).
    OFFICE = "office"


RECIPIENT_KIND_LABELS = {
    RecipientKind.TOWNSHIP: "乡镇（街道）",
    RecipientKind.DEPARTMENT: "部门",
    RecipientKind.OFFICE: "留用",
}


@dataclass(frozen=True, slots=True)
class Allocation:
    """One line of the allocation list (安排): who, what kind of recipient, how many yuan."""

    recipient: str
    amount: Decimal
    kind: str = RecipientKind.TOWNSHIP


@dataclass(frozen=True, slots=True)
class Spending:
    recipient: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    message: str


class FlagCode:
    UNALLOCATED = "unallocated"
    OVER_ALLOCATED = "over_allocated"
    DUPLICATE_RECIPIENT = "duplicate_recipient"
    OVERSPENT = "overspent"
    SPENT_WITHOUT_ALLOCATION = "spent_without_allocation"
    SPENT_OVER_BUDGET = "spent_over_budget"


@dataclass(frozen=True, slots=True)
class RecipientLine:
    recipient: str
    kind: str
    allocated: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.spent

    @property
    def execution(self) -> str:
        """Spent ÷ allocated as a percentage with two places ("—" when nothing was allocated)."""
        return _percent(self.spent, self.allocated)


@dataclass(frozen=True, slots=True)
class FundsReport:
    budget: Decimal
    allocations: tuple[Allocation, ...]
    lines: tuple[RecipientLine, ...]
    flags: tuple[Flag, ...]

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal("0.00"))

    @property
    def unallocated(self) -> Decimal:
        """Budget − allocations: positive is money not yet allocated, negative is over-allocation."""
        return self.budget - self.allocated

    @property
    def spent(self) -> Decimal:
        return sum((line.spent for line in self.lines), Decimal("0.00"))

    @property
    def execution(self) -> str:
        """预算执行率: spent ÷ budget as a percentage with two places."""
        return _percent(self.spent, self.budget)

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)


def check_funds(budget: Decimal, allocations: Sequence[Allocation], spending: Iterable[Spending] = ()) -> FundsReport:
    """The year's funds per recipient, and every flag, in this order: allocations against the budget, duplicate
    recipients, spending over an allocation, spending without one, spending over the budget."""
    _check_money(budget, "预算")
    for allocation in allocations:
        _check_money(allocation.amount, f"「{allocation.recipient}」的分配金额")
        if allocation.kind not in RECIPIENT_KIND_LABELS:
            raise ValueError(f"「{allocation.recipient}」的类别「{allocation.kind}」无效")
    allocated: dict[str, list[Allocation]] = {}
    for allocation in allocations:
        allocated.setdefault(allocation.recipient, []).append(allocation)
    spent: dict[str, Decimal] = {}
    for item in spending:
        _check_money(item.amount, f"「{item.recipient}」的支出金额")
        spent[item.recipient] = spent.get(item.recipient, Decimal("0.00")) + item.amount

    flags = []
    total = sum((a.amount for a in allocations), Decimal("0.00"))
    if total < budget:
        flags.append(
            Flag(
                FlagCode.UNALLOCATED,
                f"分配合计 {format_wan(total)} 万元，比预算 {format_wan(budget)} 万元少 "
                f"{format_wan(budget - total)} 万元（未分配）",
            )
        )
    elif total > budget:
        flags.append(
            Flag(
                FlagCode.OVER_ALLOCATED,
                f"分配合计 {format_wan(total)} 万元，超出预算 {format_wan(budget)} 万元 "
                f"{format_wan(total - budget)} 万元",
            )
        )
    for recipient, lines in allocated.items():
        if len(lines) > 1:
            amounts = "、".join(f"{format_wan(a.amount)} 万元" for a in lines)
            flags.append(
                Flag(
                    FlagCode.DUPLICATE_RECIPIENT,
                    f"「{recipient}」分配了 {len(lines)} 次（{amounts}），请核对是否重复列支；合计按 "
                    f"{format_wan(sum((a.amount for a in lines), Decimal(0)))} 万元计",
                )
            )
    lines_out = []
    for recipient, lines in allocated.items():
        amount = sum((a.amount for a in lines), Decimal("0.00"))
        used = spent.get(recipient, Decimal("0.00"))
        lines_out.append(RecipientLine(recipient, lines[0].kind, amount, used))
        if used > amount:
            flags.append(
                Flag(
                    FlagCode.OVERSPENT,
                    f"「{recipient}」支出 {format_wan(used)} 万元，超出分配的 {format_wan(amount)} 万元 "
                    f"{format_wan(used - amount)} 万元",
                )
            )
    for recipient, used in spent.items():
        if recipient not in allocated:
            lines_out.append(RecipientLine(recipient, "", Decimal("0.00"), used))
            flags.append(
                Flag(FlagCode.SPENT_WITHOUT_ALLOCATION, f"「{recipient}」支出 {format_wan(used)} 万元，但没有分配经费")
            )
    spent_total = sum(spent.values(), Decimal("0.00"))
    if spent_total > budget:
        flags.append(
            Flag(
                FlagCode.SPENT_OVER_BUDGET,
                f"支出合计 {format_wan(spent_total)} 万元，超出预算 {format_wan(budget)} 万元",
            )
        )
    return FundsReport(budget, tuple(allocations), tuple(lines_out), tuple(flags))


# ---- the yearly self-evaluation report (绩效自评报告), in seed 000's structure ----

# (key, heading); the key names the section for the texts a caller supplies.
SELF_EVALUATION_OUTLINE = (
    ("basics", "一、项目基本情况"),
    ("basics.summary", "（一）项目基本情况简介"),
    ("basics.targets", "（二）绩效目标设定及指标完成情况"),
    ("evaluation", "二、绩效评价工作情况"),
    ("evaluation.purpose", "（一）绩效评价目的"),
    ("evaluation.funds", "（二）项目资金"),
    ("evaluation.organisation", "（三）项目组织、管理情况分析"),
    ("performance", "三、项目绩效情况"),
    ("problems", "四、存在的问题"),
    ("other", "五、其他需要说明的问题"),
    ("other.plan", "（一）后续工作计划"),
    ("other.advice", "（二）主要经验做法、改进措施和有关建议"),
)


def funds_paragraph(report: FundsReport, *, unit: str, received: str, project: str) -> str:
    """The 项目资金 paragraph as seed 000 writes it, from the figures, so it cannot disagree with them:
    「东川区扶贫办于2017年12月收到贫困对象动态管理工作经费100万元，安排铜都街道10万元、…，区扶贫办留用18万元。」
    followed by what is unallocated and the spending with its execution rate."""
    parts = [
        f"{a.recipient}留用{format_wan(a.amount)}万元"
        if a.kind == RecipientKind.OFFICE
        else f"{a.recipient}{format_wan(a.amount)}万元"
        for a in report.allocations
    ]
    text = f"{unit}于{received}收到{project}{format_wan(report.budget)}万元"
    if parts:
        text += "，安排" + "、".join(parts)
    text += "。"
    if report.unallocated > 0:
        text += f"尚有{format_wan(report.unallocated)}万元未分配。"
    elif report.unallocated < 0:
        text += f"分配合计超出预算{format_wan(-report.unallocated)}万元。"
    if report.spent:
        text += f"已支出{format_wan(report.spent)}万元，预算执行率{report.execution}。"
    return text


def self_evaluation_sections(
    report: FundsReport, texts: Mapping[str, str], *, unit: str, received: str, project: str
) -> list[tuple[str, str]]:
    """(heading, text) in seed 000's order. 项目资金 is written from the figures; every flag of the funds check is
    added to 存在的问题 (seed 000 itself says 「无」 there while its allocations leave 8 万元 unallocated)."""
    unknown = sorted(set(texts) - {key for key, _ in SELF_EVALUATION_OUTLINE})
    if unknown:
        raise ValueError("自评报告没有这些部分：" + "、".join(unknown))
    sections = []
    for key, heading in SELF_EVALUATION_OUTLINE:
        text = texts.get(key, "")
        if key == "evaluation.funds":
            text = funds_paragraph(report, unit=unit, received=received, project=project) + text
        elif key == "problems" and report.flags:
            flagged = "".join(f"{i}.{flag.message}。" for i, flag in enumerate(report.flags, start=1))
            text = flagged + text if text.strip() not in ("", "无", "无。") else flagged
        sections.append((heading, text))
    return sections
