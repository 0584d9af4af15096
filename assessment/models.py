"""Policy parameters (SPEC §3) and evaluation runs with their stored judgements (issue 4).

The rules themselves are in ``assessment/rules/`` (pure, no Django); ``assessment/loader.py`` turns the registry
into their plain data and ``assessment/services.py`` runs them over an area and stores what they found here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from households.models import Household, scope_filter

from . import rules
from .workflow import (
    CLOSED_STAGES,
    INCLUSION_KINDS,
    RETURN_ROLES,
    WITHDRAW_ROLES,
    Action,
    CaseKind,
    ReturnCause,
    Stage,
    Step,
    Via,
    return_targets,
    step_from,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
FIRST_YEAR = 2000
LAST_YEAR = 2100
YEAR_VALIDATORS = [
    MinValueValidator(FIRST_YEAR, message=f"年度不能早于 {FIRST_YEAR} 年"),
    MaxValueValidator(LAST_YEAR, message=f"年度不能晚于 {LAST_YEAR} 年"),
]
POSITIVE_MONEY = [MinValueValidator(Decimal("0.01"), message="金额必须大于 0")]


def validate_year_list(value) -> None:
    """A JSON list of distinct four-digit years (错退年度, 继续帮扶年度)."""
    if not isinstance(value, list):
        raise ValidationError("应为年度列表，例如 [2014, 2015]", code="invalid_year")
    for year in value:
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValidationError(f"「{year}」不是年度，应为四位数字年份", code="invalid_year")
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValidationError(f"年度 {year} 不在 {FIRST_YEAR}–{LAST_YEAR} 之间", code="invalid_year")
    if len(set(value)) != len(value):
        raise ValidationError("年度不能重复", code="duplicate_year")


class CompactJSONEncoder(DjangoJSONEncoder):
    """Chinese as UTF-8 rather than \\u escapes, no spaces: a county run stores 100,000 judgements."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


class PolicyManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Policy(models.Model):
    """政策参数 of one income year (FORMATS §4), edited by the county office; every edit bumps ``version``.

    A value the rules need may be left empty (the county enters it later); such a policy cannot be used for an
    evaluation, and ``missing_values()`` says which values are missing.
    """

    class StandardSet(models.TextChoices):
        YUNNAN7 = rules.StandardSet.YUNNAN7, "户“7条”标准（云南）"
        GUANGDONG8 = rules.StandardSet.GUANGDONG8, "“八有”标准（广东）"

    # The parameters of FORMATS §4, in its order: load_policy, the form and version bumps compare these.
    PARAMETERS = (
        "income_year",
        "identification_line",
        "exit_line",
        "vehicle_price_limit",
        "exit_standard_set",
        "publicity_days",
        "water_radius_km",
        "wrong_exit_years",
        "continue_support_years",
        "provincial_reference_income",
        "reference_income_ratio",
    )

    name = models.CharField("政策名称", max_length=100, unique=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    income_year = models.PositiveSmallIntegerField(
        "收入年度", null=True, blank=True, validators=YEAR_VALIDATORS, help_text="评估使用该年度的收入记录"
    )
    # Seed 001: 2016 年人均纯收入低于 2952 元 (2,300 yuan at 2010 prices); income must be *below* it.
    identification_line = models.DecimalField(
        "识别标准（元）", null=True, blank=True, validators=POSITIVE_MONEY, help_text="人均纯收入低于此数", **MONEY
    )
    # Seed 003: 人均纯收入稳定超过 3500 元; income must be *above* it. Unused by guangdong8.
    exit_line = models.DecimalField(
        "脱贫收入标准（元）", null=True, blank=True, validators=POSITIVE_MONEY, help_text="人均纯收入高于此数", **MONEY
    )
    # Seed 001: 拥有价格 3 万元以上机动车 — 30,000 itself counts.
    vehicle_price_limit = models.DecimalField(
        "机动车价格标准（元）",
        null=True,
        blank=True,
        validators=POSITIVE_MONEY,
        help_text="达到此价格即属错评情形",
        **MONEY,
    )
    exit_standard_set = models.CharField(
        "脱贫标准体系", max_length=20, choices=StandardSet.choices, default=StandardSet.YUNNAN7
    )
    # Seed 001: 公示 5 天 (village and township windows).
    publicity_days = models.PositiveSmallIntegerField(
        "公示天数",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message="公示天数至少为 1 天"),
            MaxValueValidator(60, message="公示天数不能超过 60 天"),
        ],
    )
    # Seed 003: 取水半径不超过 1 公里.
    water_radius_km = models.DecimalField(
        "取水半径标准（公里）",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"), message="取水半径必须大于 0")],
    )
    # Seed 001: 2016 年认定的脱贫户属错退的重新纳入; 2014、2015 年的确定为继续帮扶户.
    wrong_exit_years = models.JSONField("错退认定年度", default=list, blank=True, validators=[validate_year_list])
    continue_support_years = models.JSONField("继续帮扶年度", default=list, blank=True, validators=[validate_year_list])
    # Seed 002: 预脱贫户家庭人均可支配收入不低于同期全省农村居民人均可支配收入 45%.
    provincial_reference_income = models.DecimalField(
        "全省农村居民人均可支配收入（元）", null=True, blank=True, validators=POSITIVE_MONEY, **MONEY
    )
    reference_income_ratio = models.DecimalField(
        "收入比例",
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.0001"), message="收入比例必须大于 0"),
            MaxValueValidator(Decimal("1"), message="收入比例不能大于 1（45%% 填 0.45）"),
        ],
        help_text="如 45% 填 0.45",
    )
    is_current = models.BooleanField("当前政策", default=False, help_text="县级评估默认使用的政策")
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PolicyManager()
    history = HistoricalRecords(excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["-income_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="policy_one_current"),
        ]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"

    def natural_key(self):
        return (self.name,)

    def clean(self):
        for name in ("wrong_exit_years", "continue_support_years"):
            value = getattr(self, name)
            if isinstance(value, list) and all(isinstance(y, int) and not isinstance(y, bool) for y in value):
                setattr(self, name, sorted(value))
        both = set(self.year_list(self.wrong_exit_years)) & set(self.year_list(self.continue_support_years))
        if both:
            years = "、".join(str(y) for y in sorted(both))
            raise ValidationError({"continue_support_years": f"{years} 年不能既是错退认定年度又是继续帮扶年度"})

    @staticmethod
    def year_list(value) -> list[int]:
        if not isinstance(value, list):
            return []
        return [y for y in value if isinstance(y, int) and not isinstance(y, bool)]

    @property
    def citation(self) -> str:
        return f"{self.name} 第{self.version}版"

    def parameters(self) -> dict:
        """The FORMATS §4 values, as load_policy reads and writes them (money as strings, years as lists)."""
        values = {"name": self.name}
        for name in self.PARAMETERS:
            value = getattr(self, name)
            values[name] = str(value) if isinstance(value, Decimal) else value
        return values

    def as_rules_policy(self) -> rules.Policy:
        """The rules' plain ``Policy`` of this version."""
        return rules.Policy(
            name=self.name,
            version=self.version,
            income_year=self.income_year,
            identification_line=self.identification_line,
            exit_line=self.exit_line,
            vehicle_price_limit=self.vehicle_price_limit,
            exit_standard_set=self.exit_standard_set,
            publicity_days=self.publicity_days,
            water_radius_km=self.water_radius_km,
            wrong_exit_years=frozenset(self.year_list(self.wrong_exit_years)),
            continue_support_years=frozenset(self.year_list(self.continue_support_years)),
            provincial_reference_income=self.provincial_reference_income,
            reference_income_ratio=self.reference_income_ratio,
        )

    def missing_fields(self) -> tuple[str, ...]:
        """Names of the fields the rules need but this policy lacks (the rules' own list)."""
        return self.as_rules_policy().missing_values()

    def missing_values(self) -> list[str]:
        """The Chinese labels of the missing values: 「全省农村居民人均可支配收入」."""
        return [rules.POLICY_FIELD_LABELS.get(name, name) for name in self.missing_fields()]

    @property
    def is_usable(self) -> bool:
        return not self.missing_fields()

    @property
    def missing_message(self) -> str:
        missing = self.missing_values()
        return f"该政策缺少：{'、'.join(missing)}，不能用于评估" if missing else ""

    @property
    def exit_income_line(self) -> Decimal | None:
        return self.as_rules_policy().exit_income_line

    @property
    def ratio_percent(self) -> str:
        """0.4500 → 「45%」."""
        if self.reference_income_ratio is None:
            return ""
        return f"{(self.reference_income_ratio * 100).normalize():f}%"


class EvaluationRun(models.Model):
    """One evaluation of the households of an area under one policy version, with counts per outcome code."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中"
        FINISHED = "finished", "已完成"
        FAILED = "failed", "失败"

    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="runs")
    policy_version = models.PositiveIntegerField("政策版本")
    # The parameters of that version (Policy.parameters()), so that a later edit does not rewrite history.
    policy_values = models.JSONField("政策参数", default=dict)
    income_year = models.PositiveSmallIntegerField("收入年度")
    # "" = every household of the registry; else a county, township, village or group code.
    area_code = models.CharField("评估范围", max_length=15, blank=True)
    area_name = models.CharField("范围名称", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluation_runs",
    )
    household_count = models.PositiveIntegerField("评估户数", default=0)
    # Households per outcome or warning code: {"MISSED": 3, "EXIT_NOT_MET": 120, "DQ7": 4, ...}.
    counts = models.JSONField("各结果户数", default=dict)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "评估批次"
        verbose_name_plural = "评估批次"
        ordering = ["-started_at", "-id"]
        indexes = [
            # the latest finished run covering an area (candidate lists, decision sheet)
            models.Index(fields=["status", "area_code", "-finished_at"], name="run_status_area_finished_idx"),
        ]

    def __str__(self):
        return f"评估批次 #{self.pk}（{self.policy_name} 第{self.policy_version}版）"

    @property
    def policy_name(self) -> str:
        return self.policy_values.get("name") or self.policy.name

    @property
    def scope_label(self) -> str:
        return self.area_name or ("全部农户" if not self.area_code else self.area_code)

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.FINISHED

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def finish(self, *, household_count: int, counts: dict[str, int]) -> None:
        self.status = self.Status.FINISHED
        self.finished_at = timezone.now()
        self.household_count = household_count
        self.counts = counts
        self.save(update_fields=["status", "finished_at", "household_count", "counts"])

    def fail(self, *, error: str) -> None:
        """A failed run keeps no partial results: pages only ever read finished runs."""
        self.outcomes.all().delete()
        self.results.all().delete()
        self.status = self.Status.FAILED
        self.finished_at = timezone.now()
        self.error = error[:2000]
        self.save(update_fields=["status", "finished_at", "error"])

    def count(self, code: str) -> int:
        return self.counts.get(code, 0)


class EvaluationResult(models.Model):
    """The judgement of one household in one run: the FORMATS §5 object plus every criterion's explanation."""

    run = models.ForeignKey(EvaluationRun, verbose_name="评估批次", on_delete=models.CASCADE, related_name="results")
    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.CASCADE, related_name="evaluation_results"
    )
    status = models.CharField("户状态", max_length=10)
    # assessment.judgements.judgement_record(): household, status, outcomes, members, warnings, criteria, ...
    judgement = models.JSONField("判定结果", encoder=CompactJSONEncoder)

    class Meta:
        verbose_name = "评估结果"
        verbose_name_plural = "评估结果"
        constraints = [
            # also serves the decision sheet: one household's result in a run
            models.UniqueConstraint(fields=["run", "household"], name="result_run_household_unique"),
        ]

    def __str__(self):
        return f"{self.household_id} @ {self.run_id}"


class EvaluationOutcome(models.Model):
    """One outcome (MISSED … RETURN_RISK), member removal or warning (DQ*) of one household in one run.

    One row per code, so that a candidate list is an indexed filter on (run, code) joined to the households in the
    user's scope, and counts per township and village are one GROUP BY.
    """

    MEMBER_REMOVAL = rules.OutcomeCode.MEMBER_REMOVAL

    run = models.ForeignKey(EvaluationRun, verbose_name="评估批次", on_delete=models.CASCADE, related_name="outcomes")
    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.CASCADE, related_name="evaluation_outcomes"
    )
    code = models.CharField("结果代码", max_length=20)
    # The criteria codes, comma separated in the order of the judgement: "E10,E3".
    criteria = models.CharField("依据条款", max_length=100, blank=True)
    message = models.TextField("说明")

    class Meta:
        verbose_name = "评估结果条目"
        verbose_name_plural = "评估结果条目"
        indexes = [
            # candidate list: the rows of one code in one run, joined to the households in scope
            models.Index(fields=["run", "code", "household"], name="outcome_run_code_hh_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.household_id}"

    @property
    def criteria_list(self) -> list[str]:
        return [c for c in self.criteria.split(",") if c]


# The campaign workflow (SPEC §5, issue 5): campaigns, cases, meetings, publicity windows, approval.
# The declared tables (kinds, stages, who may move a case where) are in ``assessment/workflow.py``.


class CaseError(Exception):
    """A move the workflow does not allow now (a guard, a stale page): the view shows the message, nothing changes.

    A role that may never perform the move gets ``PermissionDenied`` (403) instead.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CampaignQuerySet(models.QuerySet):
    def current(self) -> Campaign | None:
        return self.filter(is_current=True).select_related("policy").first()


class Campaign(models.Model):
    """扶贫对象动态管理 of one year: its policy and its schedule of phases (seed 003 §二), edited by the county."""

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=YEAR_VALIDATORS)
    name = models.CharField("名称", max_length=100)
    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="campaigns")
    starts_on = models.DateField("开始日期", help_text="入户调查须在此日期之后")
    complaint_phone = models.CharField("举报电话", max_length=30, blank=True, help_text="印在公示名单上")
    is_current = models.BooleanField("当前年度", default=False, help_text="新立案件归入当前年度")
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = "动态管理年度"
        verbose_name_plural = "动态管理年度"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="campaign_one_current"),
        ]

    def __str__(self):
        return self.name


class CampaignPhase(models.Model):
    """One phase of the schedule with its deadline; ``target_stage`` is what every case must have reached by then."""

    campaign = models.ForeignKey(Campaign, verbose_name="年度", on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("阶段", max_length=100)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    deadline = models.DateField("截止日期")
    target_stage = models.CharField(
        "截止时案件应到达",
        max_length=20,
        choices=Stage.choices,
        blank=True,
        help_text="用于进度统计；不对应案件环节的阶段（如培训会）留空",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "进度安排"
        verbose_name_plural = "进度安排"
        ordering = ["campaign", "position", "deadline", "id"]

    def __str__(self):
        return f"{self.name}（{self.deadline:%m-%d}前）"


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(stage__in=CLOSED_STAGES)

    def in_scope(self, code: str):
        """Cases of the households under an area code (the household's current area, like the registry)."""
        return self.filter(**{f"household__{field}": value for field, value in scope_filter(code).items()})


class AdjustmentCase(models.Model):
    """One case of the campaign (SPEC §5): a household brought in, removed, re-admitted, exited or returned.

    ``stage`` changes only through ``advance``, ``return_for_rework`` and ``withdraw``, which check the tables of
    ``assessment/workflow.py`` and the guards of ``assessment/guards.py`` and write a ``CaseTransition`` row. An
    approved case is read-only.
    """

    Kind = CaseKind
    Stage = Stage

    campaign = models.ForeignKey(Campaign, verbose_name="年度", on_delete=models.PROTECT, related_name="cases")
    number = models.CharField("案件编号", max_length=30, unique=True)
    kind = models.CharField("案件类型", max_length=20, choices=CaseKind.choices)
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField("当前环节", max_length=20, choices=Stage.choices, default=Stage.ANALYSIS)
    # A 错评 case removes the household, or only the members listed in member_removals (E9).
    removes_household = models.BooleanField("整户清退", default=True)
    reason = models.TextField("原因")
    return_cause = models.CharField("返贫原因", max_length=20, choices=ReturnCause.choices, blank=True)
    evidence = models.TextField("证明材料", blank=True, help_text="返贫必须写明支撑依据")
    # The rules' judgement when the case was opened, and the policy version it used.
    policy = models.ForeignKey(Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="cases")
    policy_version = models.PositiveIntegerField("政策版本")
    rule_outcome = models.CharField("评估结果", max_length=20, blank=True)
    criteria = models.CharField("依据条款", max_length=100, blank=True)
    rules_support = models.BooleanField("评估结果支持", default=False)
    judgement = models.JSONField("立案时判定", encoder=CompactJSONEncoder, default=dict)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="立案人", on_delete=models.PROTECT, related_name="opened_cases"
    )
    opened_at = models.DateTimeField("立案时间", default=timezone.now)
    stage_changed_at = models.DateTimeField("进入当前环节时间", default=timezone.now)
    submitted_at = models.DateTimeField("提交部门复核时间", null=True, blank=True)
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    announcement = models.ForeignKey(
        "Announcement", verbose_name="公告", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "动态调整案件"
        verbose_name_plural = "动态调整案件"
        ordering = ["-opened_at", "-id"]
        indexes = [
            # dashboard: cases of a campaign grouped by stage
            models.Index(fields=["campaign", "stage"], name="case_campaign_stage_idx"),
            # guards: the open cases of one household (conflicts), of one village's households (先退后进)
            models.Index(fields=["household", "stage"], name="case_household_stage_idx"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if self.pk and AdjustmentCase.objects.filter(pk=self.pk, stage=Stage.APPROVED).exists():
            # Seed 003: 返贫对象录入后不可修改; every approved case is read-only (issue 5).
            raise CaseError(f"案件 {self.number} 已审定，不能再修改")
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    @property
    def is_inclusion(self) -> bool:
        return self.kind in INCLUSION_KINDS

    @property
    def criteria_list(self) -> list[str]:
        return [c for c in self.criteria.split(",") if c]

    @property
    def next_step(self) -> Step | None:
        return step_from(self.kind, self.stage) if self.is_open else None

    @property
    def kind_label(self) -> str:
        if self.kind == CaseKind.WRONG_INCLUSION and not self.removes_household:
            return "错评清退（成员）"
        return self.get_kind_display()

    def advance(self, *, by, note: str = "", via: str = Via.MANUAL, today=None) -> CaseTransition:
        """Move one step forward along the path, if the table lets ``by`` do it through ``via`` and the guards pass."""
        from . import guards

        step = self.next_step
        if step is None:
            raise CaseError(f"案件 {self.number} 已{self.get_stage_display()}，不能再推进")
        if step.via != via:
            raise CaseError(f"「{self.get_stage_display()}」环节须通过「{Via(step.via).label}」推进（{step.label}）")
        if via != Via.SYSTEM and by.role not in step.roles:
            raise PermissionDenied(f"您的角色不能办理「{step.label}」")
        guards.check_advance(self, step, today=today or timezone.localdate())
        action = Action.APPROVE if step.target == Stage.APPROVED else Action.ADVANCE
        return self._move(step.target, by=by, note=note or step.label, action=action, via=via)

    def finish_department_review(self, *, by, note: str) -> CaseTransition:
        """Called by ``verification`` when the case's last required department task has closed (SPEC §0)."""
        return self.advance(by=by, note=note, via=Via.SYSTEM)

    def return_for_rework(self, *, to: str, by, note: str) -> CaseTransition:
        if not self.is_open:
            raise CaseError(f"案件 {self.number} 已{self.get_stage_display()}，不能退回")
        if by.role not in RETURN_ROLES[self.stage]:
            raise PermissionDenied(f"您的角色不能在「{self.get_stage_display()}」环节退回案件")
        if to not in return_targets(self.stage):
            raise CaseError("请选择退回到的环节（只能退回到当前环节之前）")
        if not note.strip():
            raise CaseError("退回整改必须写明原因")
        return self._move(to, by=by, note=note.strip(), action=Action.RETURN)

    def withdraw(self, *, by, note: str) -> CaseTransition:
        if not self.is_open:
            raise CaseError(f"案件 {self.number} 已{self.get_stage_display()}，不能撤销")
        if by.role not in WITHDRAW_ROLES[self.stage]:
            raise PermissionDenied(f"您的角色不能在「{self.get_stage_display()}」环节撤销案件")
        if not note.strip():
            raise CaseError("撤销案件必须写明原因")
        return self._move(Stage.WITHDRAWN, by=by, note=note.strip(), action=Action.WITHDRAW)

    def _move(self, target: str, *, by, note: str, action: str, via: str = "") -> CaseTransition:
        from .signals import case_transitioned

        now = timezone.now()
        transition = CaseTransition(
            case=self, action=action, source_stage=self.stage, target_stage=target, via=via, by=by, at=now, note=note
        )
        fields = ["stage", "stage_changed_at", "updated_at"]
        if target == Stage.DEPARTMENT_REVIEW:
            self.submitted_at = now
            fields.append("submitted_at")
        if target == Stage.APPROVED:
            self.approved_at = now
            fields.append("approved_at")
        self.stage = target
        self.stage_changed_at = now
        super().save(update_fields=fields)
        transition.save()
        case_transitioned.send(sender=AdjustmentCase, case=self, transition=transition)
        return transition


class CaseMemberRemoval(models.Model):
    """A member a 错评 case removes on approval (E9: deceased, missing, not sharing income)."""

    case = models.ForeignKey(AdjustmentCase, on_delete=models.CASCADE, related_name="member_removals")
    member = models.ForeignKey("households.Member", verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("原因", max_length=200)

    class Meta:
        verbose_name = "清退成员"
        verbose_name_plural = "清退成员"
        constraints = [models.UniqueConstraint(fields=["case", "member"], name="case_member_removal_unique")]

    def __str__(self):
        return f"{self.case} {self.member}"


class CaseTransition(models.Model):
    """A row for every move of a case: from, to, who, when and the note (有痕迹、可查询、可追溯)."""

    case = models.ForeignKey(AdjustmentCase, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    source_stage = models.CharField("原环节", max_length=20, choices=Stage.choices, blank=True)
    target_stage = models.CharField("新环节", max_length=20, choices=Stage.choices)
    via = models.CharField("方式", max_length=12, choices=Via.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, related_name="case_transitions"
    )
    at = models.DateTimeField("时间", default=timezone.now)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "案件流转记录"
        verbose_name_plural = "案件流转记录"
        ordering = ["case", "at", "id"]

    def __str__(self):
        return f"{self.case} {self.source_stage}→{self.target_stage}"


class Meeting(models.Model):
    """A village meeting of the procedure, printable as a record sheet for signatures (SPEC §5.1, .5, .6, .8)."""

    class Kind(models.TextChoices):
        ANALYSIS = "analysis", "贫情分析会"
        PUBLIC_REVIEW = "public_review", "公开评议会"
        VILLAGE_DECISION = "village_decision", "村两委会"
        REPRESENTATIVES = "representatives", "村民代表会"

    class Form(models.TextChoices):
        PARTY = "party", "党员会"
        VILLAGERS = "villagers", "村（组）民会"

    # The stage whose step each meeting records.
    STAGE = {
        Kind.ANALYSIS: Stage.ANALYSIS,
        Kind.PUBLIC_REVIEW: Stage.PUBLIC_REVIEW,
        Kind.VILLAGE_DECISION: Stage.VILLAGE_DECISION,
        Kind.REPRESENTATIVES: Stage.REPRESENTATIVES,
    }

    campaign = models.ForeignKey(Campaign, verbose_name="年度", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField("会议类型", max_length=20, choices=Kind.choices)
    # 贫情分析 is held per village group (seed 001 §三(二)); the others per village.
    area = models.ForeignKey("households.Area", verbose_name="村组", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField("区划代码", max_length=15, editable=False)
    held_on = models.DateField("会议日期")
    host = models.CharField("主持人", max_length=50)
    place = models.CharField("地点", max_length=100, blank=True)
    form = models.CharField("会议形式", max_length=10, choices=Form.choices, blank=True)
    participants = models.TextField("参会人员", help_text="姓名、单位或身份，每行一人或用顿号分隔")
    expected_count = models.PositiveIntegerField("应到人数", null=True, blank=True)
    present_count = models.PositiveIntegerField("实到人数", null=True, blank=True)
    minutes = models.TextField("会议记录", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议记录"
        verbose_name_plural = "会议记录"
        ordering = ["-held_on", "-id"]
        indexes = [
            # meetings list of a scope (prefix of area_code), newest first
            models.Index(fields=["campaign", "area_code"], name="meeting_campaign_area_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.area.name}，{self.held_on:%Y-%m-%d}）"

    def save(self, *args, **kwargs):
        self.area_code = self.area.code
        super().save(*args, **kwargs)


class MeetingItem(models.Model):
    """A household chosen for survey (贫情分析) or the outcome for one case (评议、决定、决议)."""

    class Outcome(models.TextChoices):
        SURVEY = "survey", "确定入户调查"
        AGREE = "agree", "同意"
        DISAGREE = "disagree", "不同意"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        AdjustmentCase,
        verbose_name="案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_items",
    )
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    votes_for = models.PositiveIntegerField("赞成", null=True, blank=True)
    votes_against = models.PositiveIntegerField("反对", null=True, blank=True)
    votes_abstain = models.PositiveIntegerField("弃权", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议事项"
        verbose_name_plural = "会议事项"
        ordering = ["meeting", "id"]

    def __str__(self):
        return f"{self.meeting} {self.household}"


class PublicityWindow(models.Model):
    """村级 or 乡镇公示: a list of cases, open for the policy's days from its open date (SPEC §5.7, §5.9).

    The last day is ``open_date + days − 1`` (5 days opened on the 1st: the 1st to the 5th); the window closes on its
    last day at the earliest. Changing the list after opening requires publishing it again (a new period).
    """

    class Level(models.TextChoices):
        VILLAGE = "village", "村级公示"
        TOWNSHIP = "township", "乡镇公示"

    class Status(models.TextChoices):
        DRAFT = "draft", "拟公示"
        OPEN = "open", "公示中"
        CLOSED = "closed", "已结束"

    STAGE = {Level.VILLAGE: Stage.VILLAGE_PUBLICITY, Level.TOWNSHIP: Stage.TOWNSHIP_PUBLICITY}
    TRANSITIONS = {Status.DRAFT: {Status.OPEN}, Status.OPEN: {Status.OPEN, Status.CLOSED}, Status.CLOSED: set()}

    campaign = models.ForeignKey(Campaign, verbose_name="年度", on_delete=models.PROTECT, related_name="windows")
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    area = models.ForeignKey("households.Area", verbose_name="村/乡镇", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField("区划代码", max_length=15, editable=False)
    title = models.CharField("标题", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    open_date = models.DateField("公示开始日期", null=True, blank=True)
    days = models.PositiveSmallIntegerField("公示天数", null=True, blank=True)
    publication_count = models.PositiveSmallIntegerField("发布次数", default=0)
    needs_republish = models.BooleanField("名单已变更待重新公示", default=False)
    complaint_phone = models.CharField("举报电话", max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结束人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-created_at", "-id"]
        indexes = [
            # windows list of a scope; dashboard: open windows past their last day
            models.Index(fields=["campaign", "status", "area_code"], name="window_campaign_status_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.area_code = self.area.code
        super().save(*args, **kwargs)

    @property
    def stage(self) -> str:
        return self.STAGE[self.level]

    @property
    def last_day(self):
        if self.open_date is None or not self.days:
            return None
        return self.open_date + timedelta(days=self.days - 1)

    def can_close_on(self, today) -> bool:
        return self.status == self.Status.OPEN and not self.needs_republish and today >= self.last_day

    def is_overdue(self, today) -> bool:
        """Open past its last day and not closed, or changed and not published again: the dashboard shows it."""
        return self.status == self.Status.OPEN and (self.needs_republish or today > self.last_day)

    def move_to(self, status: str) -> None:
        if status not in self.TRANSITIONS[self.status]:
            raise CaseError(f"公示「{self.title}」已{self.get_status_display()}，不能执行此操作")
        self.status = status


class WindowEntry(models.Model):
    """A case on a window's list; removed entries stay, with who removed them and why."""

    window = models.ForeignKey(PublicityWindow, on_delete=models.CASCADE, related_name="entries")
    case = models.ForeignKey(AdjustmentCase, on_delete=models.PROTECT, related_name="window_entries")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_note = models.CharField("移出原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "公示名单条目"
        verbose_name_plural = "公示名单条目"
        ordering = ["window", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "case"], condition=Q(removed_at__isnull=True), name="window_entry_active_unique"
            ),
        ]

    def __str__(self):
        return f"{self.window} {self.case}"


class WindowPublication(models.Model):
    """Each publication of a window's list, with its dates and the case numbers it held."""

    window = models.ForeignKey(PublicityWindow, on_delete=models.CASCADE, related_name="publications")
    number = models.PositiveSmallIntegerField("第几次发布")
    open_date = models.DateField("开始日期")
    last_day = models.DateField("截止日期")
    case_numbers = models.JSONField("名单", default=list)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "公示发布记录"
        verbose_name_plural = "公示发布记录"
        ordering = ["window", "number"]

    def __str__(self):
        return f"{self.window} 第{self.number}次"


class Complaint(models.Model):
    """举报 against a case received during its window; it holds the case until resolved (SPEC §5.7)."""

    class Status(models.TextChoices):
        OPEN = "open", "待核实"
        UPHELD = "upheld", "举报属实"
        DISMISSED = "dismissed", "举报不属实"

    class Resolution(models.TextChoices):
        RETURNED = "returned", "案件退回整改"
        WITHDRAWN = "withdrawn", "案件撤销"
        CONTINUED = "continued", "案件继续办理"

    case = models.ForeignKey(AdjustmentCase, verbose_name="案件", on_delete=models.PROTECT, related_name="complaints")
    window = models.ForeignKey(
        PublicityWindow, verbose_name="公示", on_delete=models.PROTECT, related_name="complaints"
    )
    received_on = models.DateField("收到日期")
    complainant = models.CharField("举报人", max_length=50, blank=True, help_text="可匿名")
    contact = models.CharField("联系方式", max_length=50, blank=True)
    content = models.TextField("举报内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField("处理结果", max_length=10, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField("核实情况", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "举报"
        verbose_name_plural = "举报"
        ordering = ["-received_on", "-id"]

    def __str__(self):
        return f"举报 {self.case}（{self.received_on:%Y-%m-%d}）"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Announcement(models.Model):
    """县审定公告: the cases approved together, printable (SPEC §5.10)."""

    campaign = models.ForeignKey(Campaign, verbose_name="年度", on_delete=models.PROTECT, related_name="announcements")
    number = models.CharField("公告编号", max_length=30, unique=True)
    title = models.CharField("标题", max_length=200)
    published_on = models.DateField("公告日期")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "县审定公告"
        verbose_name_plural = "县审定公告"
        ordering = ["-published_on", "-id"]

    def __str__(self):
        return self.title


# The yearly assessment (issue 6) lives in modules of its own; importing them here registers their models.
from . import fund_models, review_models, score_models  # noqa: E402, F401
