"""Demo data of the yearly assessment (考核) for the demo county of ``seed_demo`` (docs/demo.md "年度考核演示数据").

Everything is written through the product's own service functions, as the pages would: ``samples.save_plan`` and
``draw_plan``, ``spot_checks.record_check``, ``satisfaction.respondent_for`` and ``record_answer``,
``scores.save_indicator_table``, ``save_manual_scores``, ``save_units`` and ``submit_appeal``, and
``fund_services.save_fund``, ``replace_allocations``, ``add_spending`` and ``save_report_texts``.

- **Deterministic**: the plans have fixed seeds (the draw itself is reproducible, docs/assessment-methods.md §1.4);
  which drawn households are left unchecked, re-surveyed or answer 不满意 is decided from their position and household
  number, never from the clock or Python's ``hash``.
- **Idempotent**: each part is written only when it is missing (the assessment of the year, its plans, its indicator
  table, each township's manual score, its supporting units, its appeals, the year's work fund, the year's report
  texts); a second run finds everything and changes nothing. The whole run is one transaction.
- **No campaign is created.** The demo has no 动态管理工作 (``Campaign``) of 2018, and only two measures read one
  (逾期公示 and 按进度完成入户调查, ``scores.measure_townships``). A campaign without cases would only give them full
  marks on nothing; instead, when the year has no campaign, those two rows of the example indicator table are set to
  无样本时「不扣分」, as is 群众认可度 (the survey covers a few villages, docs/assessment-scores.md §2.1). When a
  campaign of the year exists, it is left alone and the rows keep 「不能计分」.
- **Not finalized**: the scores stay open, with one pending appeal of 铜都街道.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from households.choices import AreaLevel, HouseholdStatus, Relation
from households.demo import planted_cases
from households.models import Area, Fact, Household, Member, User

from .fund_models import FundAllocation, SelfEvaluationReport, WorkFund
from .fund_services import AllocationLine, add_spending, default_unit, replace_allocations, save_fund, save_report_texts
from .funds import wan_to_yuan
from .models import Campaign, Policy
from .review_models import Assessment, PlanStratum, SampledHousehold, SamplePlan, SpotCheck
from .samples import draw_plan, save_plan
from .satisfaction import SurveyError, record_answer, respondent_for
from .score_models import IndicatorRow, IndicatorTable, ManualScoreEntry, Measure, ScoreAppeal, SupportingUnit
from .scores import (
    ManualInput,
    county_townships,
    example_rows,
    get_table,
    save_indicator_table,
    save_manual_scores,
    save_units,
    submit_appeal,
    table_rows,
)
from .spot_checks import judge, record_check

POLICY_NAME = "云南省2018年度"
COUNTY_USER = "county"
ASSESSOR_USER = "assessor"
APPEAL_USER = "township1"


class DemoError(Exception):
    """The demo county or the policy is missing (Chinese message)."""


# ---- what is written ----


@dataclass(frozen=True)
class PlanSpec:
    """One sample plan: the township (by name; "" = the whole county), sizes per stratum and the seed."""

    township: str
    seed: str
    village_count: int
    strata: tuple[tuple[str, int, int, str], ...]  # stratum, size, scattered minimum, ill/disabled share
    resurveys: tuple[str, ...] = ()  # keys of RESURVEYS
    override: bool = False  # one confirmed poor household overridden to 错评


# Seed 002 §五(三)(四): each township plan draws 1 poor and 1 other village first; the county plan draws over the
# whole county so that every township has checks of each stratum (equal intervals over the county's roster).
TOWNSHIP_STRATA = (("poor", 8, 3, "0.25"), ("exited", 8, 0, "0"), ("ordinary", 6, 0, "0"))
PLAN_SPECS = (
    PlanSpec("铜都街道", "2018-铜都街道-考核", 2, TOWNSHIP_STRATA, ("updated_income",)),
    PlanSpec("阿旺镇", "2018-阿旺镇-考核", 2, TOWNSHIP_STRATA, ("missed", "updated_income")),
    PlanSpec("汤丹镇", "2018-汤丹镇-考核", 2, TOWNSHIP_STRATA, ("wrong_inclusion",)),
    PlanSpec(
        "",
        "2018-东川区-县级考核",
        0,
        (("poor", 16, 8, "0.25"), ("exited", 24, 0, "0"), ("ordinary", 16, 0, "0")),
        ("wrong_exit",),
        override=True,
    ),
)
PLANTED_NUMBERS = tuple(number for number, _case in planted_cases())
UNCHECKED_EVERY = 9  # every 9th drawn household (by position) is left for the user to check

# Re-surveys (实地复核): what the assessor found, per kind of household. The first fitting household of a plan (in
# drawing order) gets it; the rules (yunnan7, 2018: identification 2,952, exit 3,500, 错退 year 2016) then decide.
RESURVEYS = {
    # An ordinary household whose income collapsed and whose house is unsafe: I1 + I2 → 漏评.
    "missed": (
        {"per_capita_income": Decimal("2650.00"), "housing_grade": "C"},
        "户主2018年3月务工受伤后丧失劳动能力，家庭收入大幅下降；住房墙体开裂，经鉴定为C级危房。",
    ),
    # A poor household with a car found on the spot (no purchase date: treated as before registration) → E3 错评.
    "wrong_inclusion": (
        {"vehicle": True, "vehicle_price": Decimal("86000.00")},
        "入户发现户主名下有小型普通客车一辆（购车发票价 8.6 万元），村组干部证实购车多年，未作为脱贫措施登记。",
    ),
    # An exited household of 2016 (the policy's 错退 year) with unsafe water → Y2 → 错退.
    "wrong_exit": (
        {"safe_water": False, "water_radius_km": Decimal("2.40")},
        "该户2016年脱贫，实地核查饮水仍靠人背马驮，取水点距住房约 2.4 公里，饮水安全未解决。",
    ),
    # A poor household re-surveyed with an updated income: still correctly identified, now ready to exit.
    "updated_income": (
        {"per_capita_income": Decimal("4860.00")},
        "按2018年实际务工和种养殖收入重新核算，人均纯收入 4,860 元。",
    ),
}
OVERRIDE_REASON = (
    "实地核查发现该户长期在昆明经营建材生意，在村内新建三层砖混住房，村民小组评议一致认为不符合识别条件；"
    "经营收入未能取得凭证，系统按档案收入判为正确，考核组集体研究改判为错评。"
)
OVERRIDE_NOTE = "考核组复核意见：改判错评，建议按程序清退。"
CONFIRMED_NOTE = "入户核实，与档案一致。"

DISSATISFIED_NOTES = (
    "希望村里的产业项目多照顾我们小组，去年的核桃苗成活率低。",
    "认为邻居家条件比我家好还评上了贫困户，评议不公开。",
    "危房改造补助到位太慢，希望尽快解决。",
)

# Manual indicators: township name → (points, note) per indicator code; the others get full marks.
MANUAL_DEDUCTIONS = {
    "funds": {
        "阿旺镇": ("9", "2018年度工作经费支出凭证有 2 笔未附清单，扣 1 分。"),
        "因民镇": ("8.5", "经费使用台账未按月登记，扣 1.5 分。"),
    },
    "archives": {
        "铜都街道": ("8.5", "抽查 5 户档案，2 户缺少2018年度帮扶措施记录，扣 1.5 分。"),
        "乌龙镇": ("9", "村级档案未按户分类装订，扣 1 分。"),
        "拖布卡镇": ("9.5", "1 户档案家庭成员信息与系统不一致，扣 0.5 分。"),
    },
}
APPEAL_INDICATOR = "archives"
APPEAL_REASON = (
    "考核组抽查的 5 户档案中，2 户的2018年度帮扶措施（产业扶持、技能培训）记录在村级台账中，"
    "因当时正在补录未及时放入户档案。我街道已于考核后补齐，请予复核并取消扣分。"
)

# Seed 000 §二(二): 100 万元 received, 92 万元 allocated (区人社局 twice, as the document lists it).
FUND_BUDGET_WAN = Decimal(100)
FUND_ALLOCATIONS = (
    ("铜都街道", FundAllocation.Kind.TOWNSHIP, 10),
    ("阿旺镇", FundAllocation.Kind.TOWNSHIP, 10),
    ("乌龙镇", FundAllocation.Kind.TOWNSHIP, 10),
    ("汤丹镇拖布卡", FundAllocation.Kind.TOWNSHIP, 10),
    ("红土地镇", FundAllocation.Kind.TOWNSHIP, 10),
    ("舍块乡", FundAllocation.Kind.TOWNSHIP, 6),
    ("因民镇", FundAllocation.Kind.TOWNSHIP, 6),
    ("区公安局", FundAllocation.Kind.DEPARTMENT, 2),
    ("区人社局", FundAllocation.Kind.DEPARTMENT, 2),
    ("区人社局", FundAllocation.Kind.DEPARTMENT, 2),
    ("区卫生局", FundAllocation.Kind.DEPARTMENT, 2),
    ("区民政局", FundAllocation.Kind.DEPARTMENT, 2),
    ("区住建局", FundAllocation.Kind.DEPARTMENT, 2),
    ("区扶贫办", FundAllocation.Kind.OFFICE, 18),
)
FUND_SPENDING = (
    ("区扶贫办", "62400.00", (2018, 9, 28), "动态管理工作部署培训会（乡镇、村信息员 260 人次）", "记-2018-0931"),
    ("铜都街道", "38650.00", (2018, 10, 19), "入户调查表格印制、资料打印复印", "铜财-2018-112"),
    ("阿旺镇", "27300.00", (2018, 10, 26), "村信息员入户调查误工补助", "阿财-2018-087"),
    ("区公安局", "12000.00", (2018, 11, 6), "户籍、车辆信息比对数据导出", "公财-2018-045"),
    ("区扶贫办", "45800.00", (2018, 12, 14), "考核抽查交通、食宿（考核组 3 个组）", "记-2018-1207"),
)
REPORT_TEXTS = {
    "basics.summary": (
        "2018年，东川区按照省、市关于扶贫对象动态管理的部署，在全区 8 个乡镇（街道）开展贫困对象动态管理工作，"
        "对建档立卡贫困户、已脱贫户和一般农户逐户比对核实，做到应纳尽纳、应退尽退。"
    ),
    "basics.targets": (
        "绩效目标：漏评率、错评率、错退率均为零，群众认可度不低于 90%，动态管理数据按期录入全国扶贫开发信息系统。"
    ),
    "evaluation.purpose": "全面推进预算绩效管理，促进预算管理绩效工作的制度化、规范化、科学化。",
    "evaluation.organisation": (
        "区扶贫办牵头，公安、人社、卫生、民政、住建等部门开展数据比对；乡镇（街道）组织村“两委”和驻村工作队"
        "入户调查、民主评议和公示；区考核组按抽样方案抽查复核并开展民意测评。"
    ),
    "performance": ("考核组抽查复核和民意测评的结果见下表；抽查发现的漏评、错评、错退户已反馈乡镇（街道）逐户整改。"),
    "problems": "个别乡镇经费使用台账登记不及时；部分户档案帮扶措施记录不完整。",
    "other.plan": "督促乡镇（街道）完成抽查问题户整改，2019年一季度前完成档案补录和经费决算。",
    "other.advice": "坚持部门数据比对常态化，每季度比对一次公安、人社、住建、市场监管数据，及时发现问题户。",
}


# ---- the run ----


@dataclass
class DemoSummary:
    """What the run wrote (``created``) and what it found already there (``kept``), in Chinese lines."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    assessment: Assessment | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.created)


def seed_assessment_demo(*, policy_name: str = POLICY_NAME, today: datetime.date | None = None) -> DemoSummary:
    """Fill the yearly assessment of the policy's income year for the demo county (one transaction)."""
    started = time.monotonic()
    today = today or timezone.localdate()
    summary = DemoSummary()
    policy = Policy.objects.filter(name=policy_name).order_by("-version").first()
    if policy is None:
        raise DemoError(f"没有政策「{policy_name}」，请先运行 manage.py loaddata policies")
    users = {u.username: u for u in User.objects.filter(username__in=[COUNTY_USER, ASSESSOR_USER, APPEAL_USER])}
    missing = [name for name in (COUNTY_USER, ASSESSOR_USER, APPEAL_USER) if name not in users]
    if missing:
        raise DemoError(f"没有演示账号 {'、'.join(missing)}，请先运行 manage.py seed_demo")
    county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    if county is None or not Household.objects.exists():
        raise DemoError("数据库中没有演示县，请先运行 manage.py seed_demo")
    with transaction.atomic():
        assessment = _assessment(policy, users[COUNTY_USER], summary)
        summary.assessment = assessment
        _plans(assessment, county, users, summary)
        if assessment.scores_final:
            summary.kept.append("得分已确定：指标表、手工打分、帮扶单位和申诉未做修改")
        else:
            _scores(assessment, users, summary, today)
        _fund(policy.income_year, users[COUNTY_USER], summary)
        _report(policy.income_year, users[COUNTY_USER], summary)
    summary.seconds = time.monotonic() - started
    return summary


def _assessment(policy: Policy, by: User, summary: DemoSummary) -> Assessment:
    year = policy.income_year
    existing = Assessment.objects.filter(year=year).first()
    if existing is not None:
        summary.kept.append(f"年度考核「{existing.name}」已存在")
        return existing
    assessment = Assessment(
        year=year,
        name=f"东川区{year}年度扶贫对象动态管理考核",
        policy=policy,
        rate_basis=Assessment.RateBasis.STRATUM,
        note=(
            "演示数据（manage.py seed_assessment_demo 生成）：抽查、测评、指标表、手工打分和一件待处理的申诉；"
            "得分未确定。"
        ),
        created_by=by,
    )
    assessment.full_clean()
    assessment.save()
    summary.created.append(f"年度考核「{assessment.name}」（判定政策：{policy}）")
    return assessment


# ---- plans, spot checks, satisfaction ----


def _plans(assessment: Assessment, county: Area, users: dict[str, User], summary: DemoSummary) -> None:
    if assessment.plans.exists():
        summary.kept.append(f"抽样方案已有 {assessment.plans.count()} 个，未再抽取、复核或测评")
        return
    townships = {a.name: a for a in Area.objects.filter(level=AreaLevel.TOWNSHIP, code__startswith=county.code)}
    checks = answers = 0
    results: dict[str, int] = {}
    for spec in PLAN_SPECS:
        area = county if not spec.township else townships.get(spec.township)
        if area is None:
            summary.notes.append(f"演示县没有{spec.township}，未建该镇的抽样方案")
            continue
        plan = SamplePlan(
            assessment=assessment,
            area=area,
            name=f"{area.name}{assessment.year}年度{'县级' if area == county else ''}抽查",
            seed=spec.seed,
            village_count=spec.village_count,
            min_poor_villages=1 if spec.village_count else 0,
            min_non_poor_villages=1 if spec.village_count else 0,
            satisfaction_villages=2,
            satisfaction_per_village=10,
            created_by=users[COUNTY_USER],
        )
        strata = [
            PlanStratum(stratum=s, size=size, scattered_minimum=scattered, ill_disabled_share=Decimal(share))
            for s, size, scattered, share in spec.strata
        ]
        plan = save_plan(plan, strata, expected_version=None)
        plan = draw_plan(plan, by=users[COUNTY_USER])
        drawn = list(plan.drawn.order_by("purpose", "position"))
        check_rows = [d for d in drawn if d.purpose == SampledHousehold.Purpose.CHECK]
        n, found = _record_checks(plan, spec, check_rows, users)
        checks += n
        for result, count in found.items():
            results[result] = results.get(result, 0) + count
        answers += _record_answers(
            plan, [d for d in drawn if d.purpose == SampledHousehold.Purpose.SATISFACTION], users
        )
        sampled = sum(1 for d in drawn if d.purpose == SampledHousehold.Purpose.CHECK)
        villages = len(plan.satisfaction_village_codes)
        line = f"抽样方案「{plan.name}」（种子 {plan.seed}）：抽取 {sampled} 户，民意测评村 {villages} 个"
        if plan.shortfalls:
            line += f"；未满足的要求 {len(plan.shortfalls)} 条（见方案页）"
        summary.created.append(line)
    labels = {"correct": "正确", "missed": "漏评", "wrong_inclusion": "错评", "wrong_exit": "错退"}
    spread = "，".join(f"{labels[key]} {results[key]}" for key in labels if results.get(key))
    stored = SpotCheck.objects.filter(sampled__plan__assessment=assessment)
    resurveyed = stored.filter(confirmed=False).count()
    overridden = stored.exclude(result=F("computed_result")).count()
    summary.created.append(
        f"抽查复核 {checks} 户（{spread}；实地复核改数 {resurveyed} 户，改判 {overridden} 户），民意测评 {answers} 户"
    )


def _record_checks(
    plan: SamplePlan, spec: PlanSpec, drawn: list[SampledHousehold], users: dict[str, User]
) -> tuple[int, dict[str, int]]:
    """Check every drawn household but every ``UNCHECKED_EVERY``-th: a confirmation of the registry, or for the
    first fitting household (in drawing order) of each of the plan's re-surveys the findings of RESURVEYS; with
    ``spec.override`` the first other poor household judged correct is confirmed and overridden to 错评. Planted
    households (docs/demo.md) are only ever confirmed, so that they show what the registry says."""
    ids = [d.household_id for d in drawn]
    exit_years = dict(Household.objects.filter(pk__in=ids).values_list("pk", "exit_year"))
    with_facts = set(Fact.objects.filter(household_id__in=ids).values_list("household_id", flat=True))
    fits = {
        # An ordinary household with a car, a business … is not 漏评 whatever its income: one with no facts.
        "missed": lambda d: d.status == HouseholdStatus.ORDINARY and d.household_id not in with_facts,
        "wrong_inclusion": lambda d: d.status == HouseholdStatus.POOR,
        "wrong_exit": lambda d: d.status == HouseholdStatus.EXITED and exit_years.get(d.household_id) == 2016,
        "updated_income": lambda d: d.status == HouseholdStatus.POOR,
    }
    planted = set(PLANTED_NUMBERS)
    free = [d for d in drawn if d.position % UNCHECKED_EVERY and d.number not in planted]
    planned: dict[int, str] = {}
    for kind in spec.resurveys:
        chosen = next((d for d in free if d.pk not in planned and fits[kind](d)), None)
        if chosen is not None:
            planned[chosen.pk] = kind
    override_pk = None
    if spec.override:
        # The first poor household the rules find correct as registered (an override must change the result).
        candidates = (d for d in free if d.pk not in planned and d.status == HouseholdStatus.POOR)
        chosen = next((d for d in candidates if judge(d, {}, confirmed=True).computed == "correct"), None)
        override_pk = chosen.pk if chosen else None
    found: dict[str, int] = {}
    count = 0
    for sampled in drawn:
        if sampled.position % UNCHECKED_EVERY == 0:
            continue
        kind = planned.get(sampled.pk)
        if kind is not None:
            findings, note = RESURVEYS[kind]
            check = record_check(sampled, confirmed=False, findings=dict(findings), note=note, by=users[ASSESSOR_USER])
        elif sampled.pk == override_pk:
            check = record_check(
                sampled,
                confirmed=True,
                findings={},
                result="wrong_inclusion",
                reason=OVERRIDE_REASON,
                note=OVERRIDE_NOTE,
                by=users[ASSESSOR_USER],
            )
        else:
            check = record_check(sampled, confirmed=True, findings={}, note=CONFIRMED_NOTE, by=users[ASSESSOR_USER])
        found[check.result] = found.get(check.result, 0) + 1
        count += 1
    return count, found


def _answer_of(number: str) -> str:
    """满意 about 60%, 基本满意 about 32%, 不满意 about 8%, fixed per household."""
    roll = int(hashlib.sha256(f"满意度:{number}".encode()).hexdigest()[:8], 16) % 100
    if roll < 60:
        return "satisfied"
    if roll < 92:
        return "basically_satisfied"
    return "dissatisfied"


def _record_answers(plan: SamplePlan, drawn: list[SampledHousehold], users: dict[str, User]) -> int:
    heads = dict(
        Member.objects.filter(household_id__in=[d.household_id for d in drawn], relation=Relation.HEAD)
        .order_by("household_id", "pk")
        .values_list("household_id", "name")
    )
    count = 0
    for sampled in drawn:
        answer = _answer_of(sampled.number)
        note = ""
        if answer == "dissatisfied":
            note = DISSATISFIED_NOTES[int(sampled.number[-4:]) % len(DISSATISFIED_NOTES)]
        try:
            respondent = respondent_for(plan, sampled.number)
            record_answer(
                plan,
                respondent,
                answer=answer,
                name=heads.get(sampled.household_id, ""),
                note=note,
                by=users[ASSESSOR_USER],
            )
        except SurveyError:  # a group over its quota (cannot happen for drawn respondents): leave it out
            continue
        count += 1
    return count


# ---- indicator table, manual scores, supporting units, appeal ----


def _scores(assessment: Assessment, users: dict[str, User], summary: DemoSummary, today: datetime.date) -> None:
    county_user = users[COUNTY_USER]
    table = get_table(assessment)
    if table is not None:
        summary.kept.append(f"考核指标表已存在（第 {table.version} 版）")
    else:
        has_campaign = Campaign.objects.filter(year=assessment.year).exists()
        no_data_full = {Measure.SATISFACTION}
        if not has_campaign:
            no_data_full |= {Measure.OVERDUE_PUBLICITY, Measure.SURVEY_COMPLETION}
        rows = []
        for row in example_rows():
            # example_rows() are form rows (text numbers); the service builds model rows from them.
            for key in ("weight", "target", "bound"):
                if row.get(key) is not None:
                    row[key] = Decimal(row[key])
            if row["measure"] in no_data_full:
                row["if_no_data"] = IndicatorRow.NoData.FULL
            rows.append(row)
        table = save_indicator_table(
            assessment,
            rows=rows,
            as_of=IndicatorTable.default_as_of(assessment.year),
            expected_version=None,
            by=county_user,
        )
        summary.created.append(f"考核指标表：示例指标表 {len(rows)} 项（统计截止 {table.as_of:%Y-%m-%d}）")
        if has_campaign:
            summary.notes.append(f"已有 {assessment.year} 年度动态管理工作，逾期公示和调查完成率按其计分")
        else:
            summary.notes.append(
                f"没有 {assessment.year} 年度的动态管理工作（Campaign），未创建："
                "指标表中“逾期公示”“调查完成率”“群众认可度”三项设为无样本时不扣分"
            )
    townships = county_townships(assessment)
    rows = {row.code: row for row in table_rows(table)}
    scored = 0
    for code, deductions in MANUAL_DEDUCTIONS.items():
        row = rows.get(code)
        if row is None or not row.is_manual:
            continue
        done = set(
            ManualScoreEntry.objects.filter(assessment=assessment, indicator_code=code).values_list(
                "township_id", flat=True
            )
        )
        inputs = []
        for township in townships:
            if township.pk in done:
                continue
            points, note = deductions.get(township.name, (None, ""))
            inputs.append(ManualInput(township, Decimal(points) if points else row.weight, note, 0))
        if inputs:
            scored += save_manual_scores(assessment, indicator=row, inputs=inputs, by=users[ASSESSOR_USER])
    if scored:
        summary.created.append(f"手工打分 {scored} 项（扶贫资金使用监管、扶贫档案管理，{len(townships)} 个乡镇）")
    else:
        summary.kept.append("手工打分已齐全")
    by_name = {t.name: t for t in townships}
    if SupportingUnit.objects.filter(assessment=assessment).exists():
        summary.kept.append("帮扶单位已存在")
    else:
        units = [
            (name, by_name[township], upper)
            for name, township, upper in (
                ("东川区公安分局", "铜都街道", False),
                ("昆明市人力资源和社会保障局", "阿旺镇", True),
            )
            if township in by_name
        ]
        if units:
            save_units(assessment, units=units)
            summary.created.append(f"帮扶单位 {len(units)} 个：{'、'.join(u[0] for u in units)}")
    # township1's own township (铜都街道 in the demo).
    area_id = users[APPEAL_USER].area_id
    appeal_township = next((t for t in townships if t.pk == area_id), None) or by_name.get("铜都街道")
    row = rows.get(APPEAL_INDICATOR)
    if ScoreAppeal.objects.filter(assessment=assessment).exists():
        summary.kept.append("申诉已存在")
    elif appeal_township is not None and row is not None:
        submit_appeal(
            assessment,
            township=appeal_township,
            indicator=row,
            reason=APPEAL_REASON,
            by=users[APPEAL_USER],
            today=today,
        )
        summary.created.append(f"申诉 1 件：{appeal_township.name}对“{row.name}”的扣分（待处理，得分未确定）")


# ---- work fund and report ----


def _fund(year: int, by: User, summary: DemoSummary) -> None:
    if WorkFund.objects.filter(year=year).exists():
        summary.kept.append(f"{year}年度工作经费已存在")
        return
    fund = save_fund(
        WorkFund(
            year=year,
            unit=default_unit(),
            received_on=datetime.date(year, 8, 20),
            document=f"东川区扶贫办关于下达{year}年贫困对象动态管理工作经费的通知（演示）",
            budget=wan_to_yuan(FUND_BUDGET_WAN),
            note="演示数据：分配清单按 seed 000 §二(二)（区人社局列了两次，合计 92 万元）。",
        ),
        by=by,
        expected_version=None,
    )
    townships = {
        a.name: a
        for a in Area.objects.filter(level=AreaLevel.TOWNSHIP, name__in=[name for name, _, _ in FUND_ALLOCATIONS])
    }
    lines = [
        AllocationLine(recipient, kind, wan_to_yuan(Decimal(wan)), townships.get(recipient))
        for recipient, kind, wan in FUND_ALLOCATIONS
    ]
    fund = replace_allocations(fund, lines, by=by, expected_version=fund.version)
    for recipient, amount, (y, m, d), purpose, voucher in FUND_SPENDING:
        add_spending(
            fund,
            recipient=recipient,
            amount=Decimal(amount),
            spent_on=datetime.date(y, m, d),
            purpose=purpose,
            voucher=voucher,
            by=by,
        )
    linked = sum(1 for line in lines if line.area is not None)
    summary.created.append(
        f"{year}年度工作经费：预算 {FUND_BUDGET_WAN} 万元，分配 {len(lines)} 条（合计 92 万元，"
        f"{linked} 条关联演示县乡镇），支出 {len(FUND_SPENDING)} 笔"
    )


def _report(year: int, by: User, summary: DemoSummary) -> None:
    if SelfEvaluationReport.objects.filter(year=year).exists():
        summary.kept.append(f"{year}年度绩效自评报告文字已存在")
        return
    save_report_texts(year, title="", texts=dict(REPORT_TEXTS), by=by, expected_version=0)
    summary.created.append(f"{year}年度绩效自评报告文字 {len(REPORT_TEXTS)} 段")
