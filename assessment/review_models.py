"""The yearly assessment (考核, SPEC §8, seed 002): sample plans, drawn households, spot checks, satisfaction.

The computations are pure functions in ``sampling.py`` and ``rates.py`` (docs/assessment-methods.md); these models
store their inputs and results. Imported by ``assessment/models.py`` so that Django registers them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .rates import ANSWER_LABELS, CHECK_RESULT_LABELS, Basis
from .sampling import SATISFACTION_GROUP_LABELS, STRATUM_LABELS, Method

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Assessment(models.Model):
    """One year's assessment of the county's townships: the policy that classifies spot checks, the rate basis,
    the appeal deadline and whether the scores are final."""

    class RateBasis(models.TextChoices):
        STRATUM = Basis.STRATUM, "按可能出错的样本户（默认）"
        ALL = Basis.ALL, "按全部样本户（与第三方评估报告口径一致）"

    year = models.PositiveSmallIntegerField("考核年度", unique=True, validators=YEAR_VALIDATORS)
    name = models.CharField("名称", max_length=100)
    policy = models.ForeignKey(
        "assessment.Policy",
        verbose_name="判定政策",
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text="抽查复核时按此政策的标准判定漏评、错评、错退",
    )
    rate_basis = models.CharField("比率口径", max_length=10, choices=RateBasis.choices, default=RateBasis.STRATUM)
    appeal_deadline = models.DateField("申诉截止日期", null=True, blank=True)
    scores_final = models.BooleanField("得分已确定", default=False)
    finalized_at = models.DateTimeField("确定时间", null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Optimistic locking of the edit form (assessment/review_views.py).
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "年度考核"
        verbose_name_plural = "年度考核"
        ordering = ["-year"]

    def __str__(self):
        return self.name


class SamplePlan(models.Model):
    """A sample of one township (or of the county): strata sizes, villages, satisfaction survey, and a seed.

    Drawing is reproducible: the same plan, seed and roster give the same households on any database
    (sampling.py sorts by household number itself). ``roster_fingerprint`` proves a redraw used the same roster.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "未抽取"
        DRAWN = "drawn", "已抽取"

    assessment = models.ForeignKey(Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="plans")
    area = models.ForeignKey(
        "households.Area", verbose_name="抽样范围", on_delete=models.PROTECT, related_name="sample_plans"
    )
    name = models.CharField("名称", max_length=100)
    seed = models.CharField(
        "随机种子", max_length=100, help_text="任意文字，如“2017-县考核”；同一种子同一名册抽出同样的农户"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Villages first (0 = no village step: households are drawn over the whole scope).
    village_count = models.PositiveSmallIntegerField(
        "抽查村数", default=0, help_text="0 表示不先抽村，在整个范围内抽户"
    )
    min_poor_villages = models.PositiveSmallIntegerField("其中贫困村不少于", default=0)
    min_non_poor_villages = models.PositiveSmallIntegerField("其中非贫困村不少于", default=0)
    # The satisfaction survey (民意测评, 5:3:2): villages drawn from the scope, respondents per village.
    satisfaction_villages = models.PositiveSmallIntegerField(
        "民意测评村数", default=2, validators=[MinValueValidator(0)], help_text="每级至少 2 个村；0 表示不做民意测评"
    )
    satisfaction_per_village = models.PositiveSmallIntegerField("每村测评户数", default=10)
    # What the draw produced: the villages, the shortfalls (Chinese sentences) and the roster's fingerprint.
    village_codes = models.JSONField("抽中的村", default=list, blank=True)
    satisfaction_village_codes = models.JSONField("民意测评的村", default=list, blank=True)
    shortfalls = models.JSONField("未满足的要求", default=list, blank=True)
    roster_fingerprint = models.CharField("名册指纹", max_length=64, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="抽取人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "抽样方案"
        verbose_name_plural = "抽样方案"
        ordering = ["assessment", "area__code", "id"]

    def __str__(self):
        return self.name


class PlanStratum(models.Model):
    """How many households of one stratum a plan draws, with its minimums (sampling.StratumPlan)."""

    class Stratum(models.TextChoices):
        POOR = "poor", STRATUM_LABELS["poor"]
        PRE_EXIT = "pre_exit", STRATUM_LABELS["pre_exit"]
        EXITED = "exited", STRATUM_LABELS["exited"]
        ORDINARY = "ordinary", STRATUM_LABELS["ordinary"]

    plan = models.ForeignKey(SamplePlan, verbose_name="抽样方案", on_delete=models.CASCADE, related_name="strata")
    stratum = models.CharField("层", max_length=10, choices=Stratum.choices)
    size = models.PositiveIntegerField("抽取户数")
    scattered_minimum = models.PositiveIntegerField("其中分散户不少于", default=0)
    ill_disabled_share = models.DecimalField(
        "因病因残户比例不低于",
        max_digits=4,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 到 1 之间，如 0.25 表示至少四分之一",
    )
    # When the size was computed from a confidence level and a margin of error (sampling.sample_size).
    confidence = models.PositiveSmallIntegerField("置信水平（%）", null=True, blank=True)
    margin = models.DecimalField("允许误差", max_digits=5, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = "抽样层"
        verbose_name_plural = "抽样层"
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "stratum"], name="plan_stratum_unique")]

    def __str__(self):
        return f"{self.get_stratum_display()} {self.size} 户"

    @property
    def margin_text(self) -> str:
        """The margin as a percentage: 0.05 → 「±5%」."""
        if self.margin is None:
            return ""
        return f"±{format((self.margin * 100).normalize(), 'f')}%"


class SampledHousehold(models.Model):
    """One drawn household: why it is in the sample (stratum, method, step) and for which purpose."""

    class Purpose(models.TextChoices):
        CHECK = "check", "抽查复核"
        SATISFACTION = "satisfaction", "民意测评"

    plan = models.ForeignKey(SamplePlan, verbose_name="抽样方案", on_delete=models.CASCADE, related_name="drawn")
    household = models.ForeignKey(
        "households.Household", verbose_name="农户", on_delete=models.PROTECT, related_name="samplings"
    )
    purpose = models.CharField("用途", max_length=15, choices=Purpose.choices, default=Purpose.CHECK)
    position = models.PositiveIntegerField("序号")
    # As drawn (the registry may change afterwards).
    number = models.CharField("户编号", max_length=32)
    status = models.CharField("抽取时户状态", max_length=10)
    stratum = models.CharField("层", max_length=10, blank=True)
    village_code = models.CharField("村代码", max_length=12)
    method = models.CharField(
        "抽样方法",
        max_length=10,
        choices=[(Method.INTERVAL, "等间隔抽样"), (Method.RANDOM, "简单随机抽样")],
        blank=True,
    )
    part = models.CharField("抽取步骤", max_length=20, blank=True)
    satisfaction_group = models.CharField(
        "测评对象类别", max_length=30, blank=True, choices=list(SATISFACTION_GROUP_LABELS.items())
    )

    class Meta:
        verbose_name = "样本户"
        verbose_name_plural = "样本户"
        ordering = ["plan", "purpose", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "purpose", "household"], name="sampled_household_unique"),
        ]
        indexes = [models.Index(fields=["number"], name="sampled_number_idx")]

    def __str__(self):
        return self.number

    @property
    def township_code(self) -> str:
        return self.village_code[:9]


class SpotCheck(models.Model):
    """The field finding of one sampled household and its classification (rates.classify), with any override.

    ``findings`` holds the re-surveyed key fields (empty when the assessor confirmed the registry as it is);
    ``outcome_codes`` what the rules said of the re-surveyed household under the assessment's policy.
    """

    class Result(models.TextChoices):
        CORRECT = "correct", CHECK_RESULT_LABELS["correct"]
        MISSED = "missed", CHECK_RESULT_LABELS["missed"]
        WRONG_INCLUSION = "wrong_inclusion", CHECK_RESULT_LABELS["wrong_inclusion"]
        WRONG_EXIT = "wrong_exit", CHECK_RESULT_LABELS["wrong_exit"]

    sampled = models.OneToOneField(
        SampledHousehold, verbose_name="样本户", on_delete=models.CASCADE, related_name="spot_check"
    )
    status = models.CharField("户状态", max_length=10)
    confirmed = models.BooleanField("核实与档案一致", default=False)
    findings = models.JSONField("实地复核数据", default=dict, blank=True)
    outcome_codes = models.JSONField("规则判定结果", default=list, blank=True)
    computed_result = models.CharField("系统判定", max_length=20, choices=Result.choices)
    result = models.CharField("抽查结论", max_length=20, choices=Result.choices)
    override_reason = models.TextField("改判理由", blank=True)
    exit_standard_met = models.BooleanField("达到退出标准", null=True, blank=True)
    follow_up = models.CharField("后续关注", max_length=30, blank=True)
    note = models.TextField("复核说明", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField("复核时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "抽查复核"
        verbose_name_plural = "抽查复核"
        ordering = ["sampled"]

    def __str__(self):
        return f"{self.sampled.number} {self.get_result_display()}"

    @property
    def overridden(self) -> bool:
        return self.result != self.computed_result


class SatisfactionResponse(models.Model):
    """One respondent's answer in the satisfaction survey (群众认可度)."""

    class Answer(models.TextChoices):
        SATISFIED = "satisfied", ANSWER_LABELS["satisfied"]
        BASICALLY_SATISFIED = "basically_satisfied", ANSWER_LABELS["basically_satisfied"]
        DISSATISFIED = "dissatisfied", ANSWER_LABELS["dissatisfied"]

    plan = models.ForeignKey(SamplePlan, verbose_name="抽样方案", on_delete=models.CASCADE, related_name="responses")
    household = models.ForeignKey(
        "households.Household", verbose_name="农户", on_delete=models.PROTECT, related_name="satisfaction_responses"
    )
    number = models.CharField("户编号", max_length=32)
    village_code = models.CharField("村代码", max_length=12)
    group = models.CharField("测评对象类别", max_length=30, choices=list(SATISFACTION_GROUP_LABELS.items()))
    answer = models.CharField("测评结果", max_length=20, choices=Answer.choices)
    respondent = models.CharField("受访人", max_length=50, blank=True)
    note = models.TextField("意见建议", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        verbose_name = "民意测评"
        verbose_name_plural = "民意测评"
        ordering = ["plan", "village_code", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "household"], name="satisfaction_once_per_plan")]

    def __str__(self):
        return f"{self.number} {self.get_answer_display()}"

    @property
    def township(self) -> str:
        return self.village_code[:9]
