"""Work funds (工作经费, seed 000) and the yearly self-evaluation report (绩效自评报告).

The checks are the pure functions of ``funds.py`` (docs/assessment-methods.md §4); these models store their inputs:
the year's budget, its allocations (安排) and spending, and the texts the county office writes for the report.
Money is ``Decimal`` yuan with two places; the pages take 万元 with up to six places (an exact cent).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .funds import RECIPIENT_KIND_LABELS

YEAR_VALIDATORS = [
    MinValueValidator(2000, message="年度不能早于 2000 年"),
    MaxValueValidator(2100, message="年度不能晚于 2100 年"),
]
MONEY = {"max_digits": 14, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"), message="金额必须大于 0")]
DEFAULT_PROJECT = "贫困对象动态管理工作经费"


class WorkFund(models.Model):
    """One year's work fund: how much the office received, when, and with which document."""

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=YEAR_VALIDATORS)
    project = models.CharField("项目名称", max_length=100, default=DEFAULT_PROJECT)
    unit = models.CharField("项目单位", max_length=100, help_text="如“东川区扶贫办”")
    received_on = models.DateField("收到日期", null=True, blank=True)
    document = models.CharField(
        "资金文件", max_length=200, blank=True, help_text="下达资金的文件名称及文号，如“东办通〔2017〕73号”"
    )
    budget = models.DecimalField("预算（元）", validators=POSITIVE, **MONEY)
    note = models.TextField("说明", blank=True)
    # Bumped by every change of the fund or its allocations: an edit made over someone else's is refused.
    version = models.PositiveIntegerField("版本", default=1)
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

    class Meta:
        verbose_name = "工作经费"
        verbose_name_plural = "工作经费"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年度{self.project}"

    @property
    def received_text(self) -> str:
        """「2017年12月」 as seed 000 writes it; the year alone when the date is not known."""
        if self.received_on:
            return f"{self.received_on.year}年{self.received_on.month}月"
        return f"{self.year}年"


class FundAllocation(models.Model):
    """One line of the allocation list, in the order the document lists it (a recipient may appear twice)."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", RECIPIENT_KIND_LABELS["township"]
        DEPARTMENT = "department", RECIPIENT_KIND_LABELS["department"]
        OFFICE = "office", RECIPIENT_KIND_LABELS["office"]

    fund = models.ForeignKey(WorkFund, verbose_name="工作经费", on_delete=models.CASCADE, related_name="allocations")
    position = models.PositiveSmallIntegerField("序号")
    recipient = models.CharField("单位", max_length=100)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.TOWNSHIP)
    area = models.ForeignKey(
        "households.Area", verbose_name="乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField("金额（元）", validators=POSITIVE, **MONEY)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "经费分配"
        verbose_name_plural = "经费分配"
        ordering = ["fund", "position", "pk"]

    def __str__(self):
        return f"{self.recipient} {self.amount}"


class FundSpending(models.Model):
    """One spending entry of a recipient (what the voucher says)."""

    fund = models.ForeignKey(WorkFund, verbose_name="工作经费", on_delete=models.CASCADE, related_name="spendings")
    recipient = models.CharField("单位", max_length=100)
    amount = models.DecimalField("金额（元）", validators=POSITIVE, **MONEY)
    spent_on = models.DateField("支出日期")
    purpose = models.CharField("用途", max_length=200, help_text="如“资料打印复印、办公耗材、政策宣传”")
    voucher = models.CharField("凭证号", max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "经费支出"
        verbose_name_plural = "经费支出"
        ordering = ["fund", "spent_on", "pk"]

    def __str__(self):
        return f"{self.recipient} {self.spent_on} {self.amount}"


class SelfEvaluationReport(models.Model):
    """The office's texts of one year's 绩效自评报告, by section key of ``funds.SELF_EVALUATION_OUTLINE``.

    The figures (surveys, cases, rates, funds) are not stored: the report is written from the registry each time.
    """

    year = models.PositiveSmallIntegerField("年度", unique=True, validators=YEAR_VALIDATORS)
    title = models.CharField("标题", max_length=200, blank=True, help_text="留空则按项目单位和项目名称生成")
    texts = models.JSONField("各部分文字", default=dict, blank=True)
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
        verbose_name = "绩效自评报告"
        verbose_name_plural = "绩效自评报告"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年度绩效自评报告"
