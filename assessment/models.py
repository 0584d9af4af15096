"""Policy parameters (SPEC §3) and evaluation runs with their stored judgements (issue 4).

The rules themselves are in ``assessment/rules/`` (pure, no Django); ``assessment/loader.py`` turns the registry
into their plain data and ``assessment/services.py`` runs them over an area and stores what they found here.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from households.models import Household

from . import rules

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
