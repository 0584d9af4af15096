"""Work funds (工作经费, seed 000): 万元 conversions, the allocation and spending checks, the self-evaluation report.
Pure functions: no database."""

from decimal import Decimal as D

import pytest

from assessment.funds import (
    SELF_EVALUATION_OUTLINE,
    Allocation,
    FlagCode,
    RecipientKind,
    RecipientLine,
    Spending,
    check_funds,
    format_wan,
    funds_paragraph,
    self_evaluation_sections,
    wan_to_yuan,
    yuan_to_wan,
)

TOWNSHIP = RecipientKind.TOWNSHIP
DEPARTMENT = RecipientKind.DEPARTMENT
OFFICE = RecipientKind.OFFICE

# Seed 000 §二(二), as written (区人社局 appears twice): it adds up to 92 of the 100 万元.
SEED_ALLOCATIONS = [
    ("铜都街道", 10, TOWNSHIP),
    ("阿旺镇", 10, TOWNSHIP),
    ("乌龙镇", 10, TOWNSHIP),
    ("汤丹镇拖布卡", 10, TOWNSHIP),
    ("红土地镇", 10, TOWNSHIP),
    ("舍块乡", 6, TOWNSHIP),
    ("因民镇", 6, TOWNSHIP),
    ("区公安局", 2, DEPARTMENT),
    ("区人社局", 2, DEPARTMENT),
    ("区人社局", 2, DEPARTMENT),
    ("区卫生局", 2, DEPARTMENT),
    ("区民政局", 2, DEPARTMENT),
    ("区住建局", 2, DEPARTMENT),
    ("区扶贫办", 18, OFFICE),
]
BUDGET = wan_to_yuan(D(100))
REPORT_ARGS = {"unit": "东川区扶贫办", "received": "2017年12月", "project": "贫困对象动态管理工作经费"}


def allocations(rows=SEED_ALLOCATIONS):
    return [Allocation(name, wan_to_yuan(D(amount)), kind) for name, amount, kind in rows]


# ---- 万元 ----


@pytest.mark.parametrize(
    ("wan", "yuan"),
    [
        ("100", "1000000.00"),
        ("10", "100000.00"),
        ("0.5", "5000.00"),
        ("1.234567", "12345.67"),
        ("0.000001", "0.01"),
        ("0", "0.00"),
    ],
)
def test_wan_to_yuan_is_exact(wan, yuan):
    assert str(wan_to_yuan(D(wan))) == yuan
    assert yuan_to_wan(D(yuan)) == D(wan)


@pytest.mark.parametrize("wan", ["0.0000001", "1.2345678"])
def test_wan_finer_than_a_cent_is_refused(wan):
    with pytest.raises(ValueError, match="万元不是整分的金额"):
        wan_to_yuan(D(wan))


@pytest.mark.parametrize(
    ("yuan", "text"),
    [
        ("1000000.00", "100"),
        ("80000.00", "8"),
        ("5000", "0.5"),
        ("12345.67", "1.234567"),
        ("0.00", "0"),
        ("-80000", "-8"),
    ],
)
def test_format_wan(yuan, text):
    assert format_wan(D(yuan)) == text


# ---- allocations against the budget ----


def test_the_seeds_allocations_leave_8_wan_unallocated():
    report = check_funds(BUDGET, allocations())
    assert report.allocated == D("920000.00")
    assert report.unallocated == D("80000.00")
    assert report.flag_codes == (FlagCode.UNALLOCATED, FlagCode.DUPLICATE_RECIPIENT)
    assert [flag.message for flag in report.flags] == [
        "分配合计 92 万元，比预算 100 万元少 8 万元（未分配）",
        "「区人社局」分配了 2 次（2 万元、2 万元），请核对是否重复列支；合计按 4 万元计",
    ]


def test_recipients_listed_twice_are_one_line():
    report = check_funds(BUDGET, allocations())
    lines = {line.recipient: line for line in report.lines}
    assert len(report.lines) == 13
    assert lines["区人社局"] == RecipientLine("区人社局", DEPARTMENT, D("40000.00"), D("0.00"))
    assert lines["区扶贫办"].kind == OFFICE


def test_allocations_adding_up_to_the_budget_raise_no_flag():
    rows = [*SEED_ALLOCATIONS[:9], *SEED_ALLOCATIONS[10:-1], ("区扶贫办", 28, OFFICE)]
    report = check_funds(BUDGET, allocations(rows))
    assert report.unallocated == 0
    assert report.flags == ()


def test_allocations_over_the_budget_are_flagged():
    report = check_funds(wan_to_yuan(D(90)), allocations())
    assert report.unallocated == D("-20000.00")
    assert report.flags[0].code == FlagCode.OVER_ALLOCATED
    assert report.flags[0].message == "分配合计 92 万元，超出预算 90 万元 2 万元"


# ---- spending ----


def test_spending_per_recipient_and_the_execution_rate():
    spending = [
        Spending("阿旺镇", D("60000.00"), "资料打印复印"),
        Spending("阿旺镇", D("15000.50"), "宣传"),
        Spending("区公安局", D("20000.00")),
    ]
    report = check_funds(BUDGET, allocations(), spending)
    lines = {line.recipient: line for line in report.lines}
    assert lines["阿旺镇"].spent == D("75000.50")
    assert lines["阿旺镇"].remaining == D("24999.50")
    assert lines["阿旺镇"].execution == "75.00%"  # 75.0005% rounds to 75.00%
    assert lines["区公安局"].execution == "100.00%"
    assert lines["乌龙镇"].execution == "0.00%"
    assert report.spent == D("95000.50")
    assert report.execution == "9.50%"  # 预算执行率: spent ÷ budget
    assert FlagCode.OVERSPENT not in report.flag_codes


def test_spending_over_an_allocation_is_flagged():
    report = check_funds(BUDGET, allocations(), [Spending("舍块乡", D("60000.01"))])
    flag = report.flags[-1]
    assert flag.code == FlagCode.OVERSPENT
    assert flag.message == "「舍块乡」支出 6.000001 万元，超出分配的 6 万元 0.000001 万元"


def test_spending_without_an_allocation_is_flagged():
    report = check_funds(BUDGET, allocations(), [Spending("区教育局", D("5000"))])
    assert report.flags[-1].code == FlagCode.SPENT_WITHOUT_ALLOCATION
    assert report.flags[-1].message == "「区教育局」支出 0.5 万元，但没有分配经费"
    line = report.lines[-1]
    assert (line.recipient, line.kind, line.allocated, line.spent, line.execution) == (
        "区教育局",
        "",
        D("0.00"),
        D("5000"),
        "—",
    )


def test_spending_over_the_budget_is_flagged():
    report = check_funds(
        wan_to_yuan(D(10)), [Allocation("阿旺镇", wan_to_yuan(D(10)))], [Spending("阿旺镇", D(110000))]
    )
    assert report.flag_codes == (FlagCode.OVERSPENT, FlagCode.SPENT_OVER_BUDGET)
    assert report.flags[-1].message == "支出合计 11 万元，超出预算 10 万元"
    assert report.execution == "110.00%"


@pytest.mark.parametrize(
    ("budget", "rows", "spending", "message"),
    [
        (D(0), [], [], "预算应大于 0"),
        (D("100.001"), [], [], "预算应为以元为单位、最多两位小数的金额"),
        (D("NaN"), [], [], "预算应为以元为单位"),
        (BUDGET, [Allocation("阿旺镇", D(-1))], [], "「阿旺镇」的分配金额应大于 0"),
        (BUDGET, [Allocation("阿旺镇", D(0))], [], "「阿旺镇」的分配金额应大于 0"),
        (BUDGET, [Allocation("阿旺镇", D(1), "bank")], [], "「阿旺镇」的类别「bank」无效"),
        (BUDGET, [], [Spending("阿旺镇", D("-5"))], "「阿旺镇」的支出金额应大于 0"),
    ],
)
def test_invalid_amounts_are_refused(budget, rows, spending, message):
    with pytest.raises(ValueError, match=message):
        check_funds(budget, rows, spending)


# ---- the self-evaluation report ----


def test_the_funds_paragraph_reads_like_the_seed_and_says_what_is_unallocated():
    report = check_funds(BUDGET, allocations())
    assert funds_paragraph(report, **REPORT_ARGS) == (
        "东川区扶贫办于2017年12月收到贫困对象动态管理工作经费100万元，安排铜都街道10万元、阿旺镇10万元、乌龙镇10万元、"
        "汤丹镇拖布卡10万元、红土地镇10万元、舍块乡6万元、因民镇6万元、区公安局2万元、区人社局2万元、区人社局2万元、"
        "区卫生局2万元、区民政局2万元、区住建局2万元、区扶贫办留用18万元。尚有8万元未分配。"
    )


def test_the_funds_paragraph_with_spending_and_over_allocation():
    report = check_funds(wan_to_yuan(D(10)), [Allocation("阿旺镇", wan_to_yuan(D(12)))], [Spending("阿旺镇", D(30000))])
    assert funds_paragraph(report, **REPORT_ARGS) == (
        "东川区扶贫办于2017年12月收到贫困对象动态管理工作经费10万元，安排阿旺镇12万元。"
        "分配合计超出预算2万元。已支出3万元，预算执行率30.00%。"
    )


def test_the_funds_paragraph_without_allocations():
    report = check_funds(BUDGET, [])
    assert funds_paragraph(report, **REPORT_ARGS) == (
        "东川区扶贫办于2017年12月收到贫困对象动态管理工作经费100万元。尚有100万元未分配。"
    )


def test_the_report_follows_the_seeds_structure_and_lists_the_flags_as_problems():
    report = check_funds(BUDGET, allocations())
    sections = self_evaluation_sections(
        report, {"basics.summary": "专项用于贫困对象动态管理工作。", "problems": "无"}, **REPORT_ARGS
    )
    assert [heading for heading, _ in sections] == [heading for _, heading in SELF_EVALUATION_OUTLINE]
    texts = dict(sections)
    assert texts["（一）项目基本情况简介"] == "专项用于贫困对象动态管理工作。"
    assert texts["（二）项目资金"] == funds_paragraph(report, **REPORT_ARGS)
    # Seed 000 writes 「四、存在的问题 无」 although its allocations leave 8 万元 unallocated.
    assert texts["四、存在的问题"] == (
        "1.分配合计 92 万元，比预算 100 万元少 8 万元（未分配）。"
        "2.「区人社局」分配了 2 次（2 万元、2 万元），请核对是否重复列支；合计按 4 万元计。"
    )


def test_written_problems_are_kept_after_the_flags():
    report = check_funds(BUDGET, allocations())
    texts = dict(self_evaluation_sections(report, {"problems": "档案不够规范。"}, **REPORT_ARGS))
    assert texts["四、存在的问题"].endswith("合计按 4 万元计。档案不够规范。")


def test_a_clean_report_keeps_the_written_text():
    rows = [*SEED_ALLOCATIONS[:9], *SEED_ALLOCATIONS[10:-1], ("区扶贫办", 28, OFFICE)]
    report = check_funds(BUDGET, allocations(rows))
    texts = dict(self_evaluation_sections(report, {"problems": "无。"}, **REPORT_ARGS))
    assert texts["四、存在的问题"] == "无。"
    assert texts["（二）项目资金"].endswith("区扶贫办留用28万元。")


def test_an_unknown_report_section_is_refused():
    with pytest.raises(ValueError, match="自评报告没有这些部分：appendix"):
        self_evaluation_sections(check_funds(BUDGET, []), {"appendix": "…"}, **REPORT_ARGS)
