"""Township scores (考核得分, SPEC §8, seed 002 §六–§八): indicator tables, manual scores, appeals, results.

The computations are pure functions in ``scoring.py`` (docs/assessment-methods.md §3); the measured values and the
workflow around them (appeals, finalization) are in ``scores.py`` (docs/assessment-scores.md). Imported by
``assessment/models.py`` so that Django registers them.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .review_models import Assessment
from .scoring import GRADE_LABELS
from .scoring import Direction as RuleDirection

# Evidence of an appeal: what the county office can open without special software; 10 MB is a phone photo or a
# scanned document of a few pages.
EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_path(instance: ScoreAppeal, filename: str) -> str:
    """appeals/<random>.<ext>: the stored name never comes from the user (the original is kept in the row)."""
    extension = PurePath(filename).suffix.lower().lstrip(".")
    return f"appeals/{uuid.uuid4().hex}.{extension}"


class Measure(models.TextChoices):
    """What a measured indicator's value is (docs/assessment-scores.md §2); ``manual`` is scored by hand."""

    IDENTIFICATION_ERROR = "identification_error", "识别误差率"
    MISSED = "missed", "漏评率"
    WRONG_INCLUSION = "wrong_inclusion", "错评率"
    WRONG_EXIT = "wrong_exit", "错退率"
    SATISFACTION = "satisfaction", "群众认可度"
    OVERDUE_TASKS = "overdue_tasks", "逾期部门核查任务"
    OVERDUE_PUBLICITY = "overdue_publicity", "逾期公示"
    DQ_WARNINGS = "dq_warnings", "数据质量预警（每百户）"
    SURVEY_COMPLETION = "survey_completion", "按进度完成入户调查"
    MANUAL = "manual", "手工打分"


class IndicatorTable(models.Model):
    """The county office's indicator table of one assessment: its version (optimistic locking) and the date the
    measured values are counted at (统计截止日期)."""

    assessment = models.OneToOneField(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="indicator_table"
    )
    # Seed 002 §五: 「2017年考核指标数据统计截止日期为当年12月30日」.
    as_of = models.DateField("统计截止日期", help_text="逾期任务和公示按此日期统计（尚未到达时按当天统计）")
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "考核指标表"
        verbose_name_plural = "考核指标表"

    def __str__(self):
        return f"{self.assessment} 指标表"

    @staticmethod
    def default_as_of(year: int) -> datetime.date:
        return datetime.date(year, 12, 30)


class IndicatorRow(models.Model):
    """One indicator: weight (分值), what it measures or manual, and the points rule of a measured one."""

    class Direction(models.TextChoices):
        LOWER = RuleDirection.LOWER_IS_BETTER, "越低越好"
        HIGHER = RuleDirection.HIGHER_IS_BETTER, "越高越好"

    class NoData(models.TextChoices):
        BLOCK = "block", "不能计分"
        FULL = "full", "不扣分"

    table = models.ForeignKey(IndicatorTable, verbose_name="指标表", on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField("序号")
    code = models.CharField("代码", max_length=30)
    name = models.CharField("指标", max_length=100)
    weight = models.DecimalField("分值", max_digits=5, decimal_places=2)
    measure = models.CharField("计分方式", max_length=20, choices=Measure.choices)
    direction = models.CharField("方向", max_length=10, choices=Direction.choices, blank=True)
    target = models.DecimalField("满分界限", max_digits=9, decimal_places=2, null=True, blank=True)
    bound = models.DecimalField("零分界限", max_digits=9, decimal_places=2, null=True, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    # A rate over an empty sample (no spot check or no respondent in the township) has no value.
    if_no_data = models.CharField("无样本时", max_length=10, choices=NoData.choices, default=NoData.BLOCK)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["table", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="indicator_code_unique")]

    def __str__(self):
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.measure == Measure.MANUAL


class ManualScoreEntry(models.Model):
    """Points given by the county office or the assessors to one township on one manual indicator."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="manual_scores"
    )
    township = models.ForeignKey("households.Area", verbose_name="乡镇", on_delete=models.PROTECT, related_name="+")
    indicator_code = models.CharField("指标代码", max_length=30)
    points = models.DecimalField("得分", max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.TextField("扣分说明", blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="打分人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField("打分时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "手工打分"
        verbose_name_plural = "手工打分"
        ordering = ["assessment", "indicator_code", "township__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "township", "indicator_code"], name="manual_score_once_per_indicator"
            ),
        ]

    def __str__(self):
        return f"{self.township_id} {self.indicator_code} {self.points}"


class SupportingUnit(models.Model):
    """帮扶单位: takes the final score of the township it supports (seed 002 §七(二)); an upper-level unit
    (上级直管单位) gets total ÷ 100 × 3 instead of × 2 (seed 002 §八)."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="supporting_units"
    )
    name = models.CharField("帮扶单位", max_length=100)
    township = models.ForeignKey("households.Area", verbose_name="帮扶的镇", on_delete=models.PROTECT, related_name="+")
    upper_level = models.BooleanField("上级直管单位", default=False, help_text="绩效得分按总得分 ÷ 100 × 3 计算")

    class Meta:
        verbose_name = "帮扶单位"
        verbose_name_plural = "帮扶单位"
        ordering = ["assessment", "township__code", "name"]
        constraints = [models.UniqueConstraint(fields=["assessment", "name"], name="supporting_unit_unique")]

    def __str__(self):
        return self.name


class ScoreAppeal(models.Model):
    """A township's appeal (申诉) against a deduction, with evidence, decided by the county office.

    Accepting does not change a number by itself: the response says what was changed (a manual score, a spot-check
    override …) and the scores are computed again from the changed inputs.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "未采纳"

    assessment = models.ForeignKey(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="appeals"
    )
    township = models.ForeignKey("households.Area", verbose_name="乡镇", on_delete=models.PROTECT, related_name="+")
    indicator_code = models.CharField("指标代码", max_length=30)
    indicator_name = models.CharField("指标", max_length=100)
    reason = models.TextField("申诉理由")
    evidence = models.FileField("证明材料", upload_to=evidence_path, blank=True)
    evidence_name = models.CharField("材料文件名", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    response = models.TextField("处理意见", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申诉人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("申诉时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "考核申诉"
        verbose_name_plural = "考核申诉"
        ordering = ["assessment", "-submitted_at", "-id"]
        indexes = [
            # the finalize check and the appeals list: an assessment's appeals by status
            models.Index(fields=["assessment", "status"], name="appeal_assessment_status_idx"),
        ]

    def __str__(self):
        return f"{self.township_id} {self.indicator_name} 申诉"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ScoreResult(models.Model):
    """A township's final score, written when the county office finalizes: the pages show these, never a
    recomputation."""

    GRADE_CHOICES = list(GRADE_LABELS.items())

    assessment = models.ForeignKey(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="results"
    )
    township = models.ForeignKey("households.Area", verbose_name="乡镇", on_delete=models.PROTECT, related_name="+")
    township_name = models.CharField("乡镇名称", max_length=100)
    total = models.DecimalField("总得分", max_digits=5, decimal_places=2, validators=[MaxValueValidator(100)])
    grade = models.CharField("等级", max_length=15, choices=GRADE_CHOICES)
    rank = models.PositiveSmallIntegerField("排名")
    performance = models.DecimalField("绩效得分", max_digits=7, decimal_places=4)
    # The indicator lines as shown: code, name, weight, points, value, unit, note, items …
    lines = models.JSONField("指标得分", default=list)
    created_at = models.DateTimeField("确定时间", auto_now_add=True)

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["assessment", "rank", "township__code"]
        constraints = [models.UniqueConstraint(fields=["assessment", "township"], name="score_result_once")]

    def __str__(self):
        return f"{self.township_name} {self.total}"


class UnitResult(models.Model):
    """A supporting unit's final score and performance score, written with the townships' results."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="unit_results"
    )
    name = models.CharField("帮扶单位", max_length=100)
    township_code = models.CharField("帮扶的镇", max_length=9)
    township_name = models.CharField("镇名称", max_length=100)
    upper_level = models.BooleanField("上级直管单位", default=False)
    total = models.DecimalField("考核得分", max_digits=5, decimal_places=2)
    performance = models.DecimalField("绩效得分", max_digits=7, decimal_places=4)

    class Meta:
        verbose_name = "帮扶单位考核结果"
        verbose_name_plural = "帮扶单位考核结果"
        ordering = ["assessment", "township_code", "name"]

    def __str__(self):
        return f"{self.name} {self.total}"
