"""The yearly self-evaluation report (绩效自评报告, seed 000) filled with the system's own figures.

``gather_figures(year)`` reads what the registry knows of the year in a constant number of queries: households
surveyed (surveys dated in the year), the cases of that year's campaign by kind and outcome, the error rates of that
year's assessment and the work fund with its check. ``build_report`` puts them into seed 000's outline
(funds.SELF_EVALUATION_OUTLINE) beside the office's texts; the page, the print view and the .docx all render it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from households.models import Area, Survey

from .fund_models import SelfEvaluationReport, WorkFund
from .fund_services import FundSheet, default_unit, fund_sheet
from .funds import SELF_EVALUATION_OUTLINE, format_wan, funds_paragraph
from .models import AdjustmentCase, Campaign
from .rates import AreaRates, Rate
from .review_models import Assessment
from .review_rates import assessment_rates
from .workflow import CaseKind, Stage

# What the edit form offers before the office has written anything: seed 000's own wording where it is not
# specific to one year.
DEFAULT_TEXTS = {
    "evaluation.purpose": "全面推进预算绩效管理，促进预算管理绩效工作的制度化、规范化、科学化。",
}
OUTCOME_COLUMNS = (("approved", "已审定"), ("withdrawn", "已撤销"), ("open", "办理中"))


@dataclass
class CaseRow:
    label: str
    approved: int = 0
    withdrawn: int = 0
    open: int = 0

    @property
    def total(self) -> int:
        return self.approved + self.withdrawn + self.open

    def cells(self) -> list[int]:
        return [self.approved, self.withdrawn, self.open, self.total]


@dataclass
class SurveyRow:
    name: str
    households: int
    surveys: int


@dataclass
class RateRow:
    label: str
    rate: Rate

    @property
    def verdict(self) -> str:
        met = self.rate.meets_target
        return "" if met is None else ("达到目标" if met else "未达到目标")


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Figures:
    year: int
    surveys: int = 0
    surveyed_households: int = 0
    survey_rows: list[SurveyRow] = field(default_factory=list)
    campaign: Campaign | None = None
    case_rows: list[CaseRow] = field(default_factory=list)
    case_total: CaseRow = field(default_factory=lambda: CaseRow("合计"))
    assessment: Assessment | None = None
    county_rates: AreaRates | None = None
    township_rates: list[tuple[str, AreaRates]] = field(default_factory=list)
    sheet: FundSheet | None = None

    @property
    def fund(self) -> WorkFund | None:
        return self.sheet.fund if self.sheet else None


def gather_figures(year: int) -> Figures:
    """The year's figures: at most 11 queries whatever the county's size."""
    figures = Figures(year)
    surveys = Survey.objects.filter(surveyed_on__year=year)
    by_township = surveys.values("household__township_code").annotate(
        households=Count("household", distinct=True), surveys=Count("pk")
    )
    counts = {row["household__township_code"]: row for row in by_township.order_by()}
    totals = surveys.aggregate(households=Count("household", distinct=True), surveys=Count("pk"))
    figures.surveys, figures.surveyed_households = totals["surveys"], totals["households"]

    figures.campaign = Campaign.objects.filter(year=year).first()
    if figures.campaign is not None:
        rows = {kind: CaseRow(label) for kind, label in CaseKind.choices}
        stages = (
            AdjustmentCase.objects.filter(campaign=figures.campaign).values("kind", "stage").annotate(n=Count("pk"))
        )
        for row in stages.order_by():
            target = rows[row["kind"]]
            if row["stage"] == Stage.APPROVED:
                target.approved += row["n"]
            elif row["stage"] == Stage.WITHDRAWN:
                target.withdrawn += row["n"]
            else:
                target.open += row["n"]
        figures.case_rows = list(rows.values())
        for row in figures.case_rows:
            figures.case_total.approved += row.approved
            figures.case_total.withdrawn += row.withdrawn
            figures.case_total.open += row.open

    figures.assessment = Assessment.objects.filter(year=year).first()
    township_rates: dict[str, AreaRates] = {}
    if figures.assessment is not None:
        township_rates, figures.county_rates = assessment_rates(figures.assessment)

    codes = set(counts) | set(township_rates)
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    figures.survey_rows = [
        SurveyRow(names.get(code, code), counts[code]["households"], counts[code]["surveys"]) for code in sorted(counts)
    ]
    figures.township_rates = [(names.get(code, code), township_rates[code]) for code in sorted(township_rates)]

    fund = WorkFund.objects.filter(year=year).first()
    figures.sheet = fund_sheet(fund) if fund else None
    return figures


# ---- the report ----


def rate_rows(rates: AreaRates) -> list[RateRow]:
    return [
        RateRow("漏评率", rates.missed),
        RateRow("错评率", rates.wrong_inclusion),
        RateRow("错退率", rates.wrong_exit),
        RateRow("识别误差率（目标 ≤ 2%）", rates.identification_error),
        RateRow("群众认可度（目标 ≥ 90%）", rates.satisfaction),
    ]


def targets_sentences(figures: Figures) -> list[str]:
    """指标完成情况 from the year's assessment (seed 000 §一(二): 漏评率、错评率、错退率为零)."""
    if figures.county_rates is None:
        return [f"{figures.year}年度尚未开展考核抽查，暂无漏评率、错评率、错退率数据。"]
    rates = figures.county_rates
    parts = []
    for row in rate_rows(rates):
        rate = row.rate
        if not rate.sampled:
            parts.append(f"{row.label.split('（')[0]}无样本")
            continue
        text = f"{row.label.split('（')[0]}{rate.percent}（{rate.found}/{rate.sampled}，95%置信区间{rate.wilson_text}）"
        parts.append(text + (f"，{row.verdict}" if row.verdict else ""))
    return [f"{figures.assessment.name}抽查复核样本户{rates.sampled}户：" + "；".join(parts) + "。"]


def performance_sentences(figures: Figures) -> list[str]:
    """三、项目绩效情况: households surveyed and the cases of the year's campaign."""
    sentences = [
        f"{figures.year}年度实地调查农户{figures.surveyed_households}户（调查{figures.surveys}户次）。"
        if figures.surveys
        else f"{figures.year}年度系统中没有实地调查记录。"
    ]
    total = figures.case_total
    if figures.campaign is None:
        sentences.append(f"系统中没有{figures.year}年度的动态管理案件。")
    elif total.total == 0:
        sentences.append(f"{figures.campaign.name}尚未立案。")
    else:
        kinds = "、".join(f"{row.label}{row.total}件" for row in figures.case_rows if row.total)
        sentences.append(
            f"{figures.campaign.name}共立动态调整案件{total.total}件（{kinds}），其中已审定公告{total.approved}件、"
            f"已撤销{total.withdrawn}件、仍在办理{total.open}件。"
        )
    return sentences


def figure_tables(figures: Figures) -> dict[str, list[Table]]:
    tables: dict[str, list[Table]] = defaultdict(list)
    if figures.county_rates is not None:
        rows = [
            [row.label, str(row.rate.found), str(row.rate.sampled), row.rate.percent, row.rate.wilson_text, row.verdict]
            for row in rate_rows(figures.county_rates)
        ]
        headers = ["指标", "发现户数", "样本户数", "比率", "95%置信区间", "目标"]
        tables["basics.targets"].append(Table("全县抽查复核结果", headers, rows))
    if figures.survey_rows:
        rows = [[row.name, str(row.households), str(row.surveys)] for row in figures.survey_rows]
        rows.append(["合计", str(figures.surveyed_households), str(figures.surveys)])
        tables["performance"].append(Table("实地调查农户", ["乡镇（街道）", "调查户数", "调查户次"], rows))
    if figures.case_total.total:
        headers = ["案件类型", *(label for _, label in OUTCOME_COLUMNS), "合计"]
        rows = [[row.label, *map(str, row.cells())] for row in [*figures.case_rows, figures.case_total]]
        tables["performance"].append(Table("动态调整案件（按类型和办理结果）", headers, rows))
    if figures.sheet is not None:
        report = figures.sheet.report
        rows = [
            [line.recipient, format_wan(line.allocated), format_wan(line.spent), format_wan(line.remaining)]
            + [line.execution]
            for line in report.lines
        ]
        spent_left = report.allocated - report.spent
        rows.append(["合计", format_wan(report.allocated), format_wan(report.spent), format_wan(spent_left), ""])
        headers = ["单位", "分配（万元）", "已支出（万元）", "结余（万元）", "执行率"]
        tables["evaluation.funds"].append(Table("经费分配和使用情况", headers, rows))
    return tables


@dataclass
class Section:
    key: str
    heading: str
    level: int
    system: list[str]
    text: str
    tables: list[Table]

    @property
    def office_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.splitlines() if p.strip()]

    @property
    def paragraphs(self) -> list[str]:
        return [*self.system, *self.office_paragraphs]

    @property
    def is_parent(self) -> bool:
        """一、项目基本情况 and the like: their content is in their （一）（二） parts."""
        return any(key.startswith(self.key + ".") for key, _ in SELF_EVALUATION_OUTLINE)

    @property
    def unwritten(self) -> bool:
        return not (self.is_parent or self.system or self.text.strip() or self.tables)


@dataclass
class Report:
    year: int
    title: str
    unit: str
    figures: Figures
    sections: list[Section]
    stored: SelfEvaluationReport | None


def report_title(stored: SelfEvaluationReport | None, fund: WorkFund | None, unit: str) -> str:
    if stored is not None and stored.title:
        return stored.title
    project = fund.project if fund else "贫困对象动态管理工作经费"
    return f"{unit}{project.removesuffix('工作经费')}项目支出绩效自评报告"


def build_report(year: int, *, figures: Figures | None = None) -> Report:
    """Seed 000's outline with the system's sentences and tables first, then the office's text, in each section.

    项目资金 begins with ``funds_paragraph``; 存在的问题 lists every flag of the funds check, and an office text of
    just 「无」 is dropped when there are flags (as ``funds.self_evaluation_sections`` does)."""
    figures = figures or gather_figures(year)
    stored = SelfEvaluationReport.objects.filter(year=year).first()
    texts = dict(stored.texts) if stored else {}
    fund = figures.fund
    unit = fund.unit if fund else default_unit()
    tables = figure_tables(figures)
    system: dict[str, list[str]] = {
        "basics.targets": targets_sentences(figures),
        "performance": performance_sentences(figures),
    }
    if figures.sheet is not None:
        report = figures.sheet.report
        system["evaluation.funds"] = [
            funds_paragraph(report, unit=unit, received=fund.received_text, project=fund.project)
        ]
        if report.flags:
            system["problems"] = ["".join(f"{i}.{flag.message}。" for i, flag in enumerate(report.flags, start=1))]
            if texts.get("problems", "").strip() in ("无", "无。"):
                texts.pop("problems")
    else:
        system["evaluation.funds"] = [f"系统中没有{year}年度的工作经费记录。"]
    sections = [
        Section(
            key,
            heading,
            1 if "." not in key else 2,
            system.get(key, []),
            texts.get(key, ""),
            tables.get(key, []),
        )
        for key, heading in SELF_EVALUATION_OUTLINE
    ]
    return Report(year, report_title(stored, fund, unit), unit, figures, sections, stored)


def system_notes(report: Report) -> dict[str, str]:
    """What the system writes into each section (shown beside the text box on the edit page)."""
    notes = {}
    for section in report.sections:
        if section.system or section.tables:
            notes[section.key] = (
                "系统自动写入：" + "".join(section.system) + "".join(f"「{t.caption}」表" for t in section.tables)
            )
    return notes
