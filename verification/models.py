"""Department cross-check (SPEC §6): departments as data, which department checks what, and the tasks of the queues.

Departments are keyed by ``households.choices.Department`` codes, which ``User.department`` stores (docs/decisions.md:
``households`` knows nothing of this app). A task is one department's check of one household: for a case submitted
to 部门复核, or for a register-matching hit that could change an outcome.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessment.models import AdjustmentCase
from assessment.workflow import CaseKind
from households.choices import Department as DepartmentCode
from households.models import Household


class Department(models.Model):
    code = models.CharField("部门", max_length=20, choices=DepartmentCode.choices, unique=True)
    name = models.CharField("全称", max_length=100, help_text="如：区公安分局")
    duties = models.TextField("核查职责", blank=True)
    # 先报先复核 with a due date: this many days after submission.
    review_days = models.PositiveSmallIntegerField("复核时限（天）", default=7)
    is_active = models.BooleanField("参与核查", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "核查部门"
        verbose_name_plural = "核查部门"
        ordering = ["code"]

    def __str__(self):
        return self.name or self.code


class CheckRule(models.Model):
    """Which department checks which item for which case kinds (e.g. Y2 饮水安全 → 水务 for exit cases).

    ``always``: every case of those kinds gets the check (exit standards of an exit case, the exclusion facts of
    a household being brought in); otherwise only cases whose criteria cite the item (E3 → 公安 for a 错评 case
    opened for a car).
    """

    department = models.ForeignKey(Department, verbose_name="部门", on_delete=models.CASCADE, related_name="rules")
    item = models.CharField("核查事项代码", max_length=10, help_text="评估条款代码，如 Y2、E3；ID 为身份信息")
    title = models.CharField("核查事项", max_length=100)
    # For cases of these kinds: a JSON list of CaseKind values.
    kinds = models.JSONField("适用案件类型", default=list)
    always = models.BooleanField("逐户核查", default=True, help_text="否：只核查评估结果引用该条款的案件")
    statement = models.CharField(
        "核查内容",
        max_length=200,
        blank=True,
        help_text="逐户核查时请部门核实的表述，如“本户成员名下无价格3万元以上机动车”",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "核查规则"
        verbose_name_plural = "核查规则"
        ordering = ["department", "item"]

    def __str__(self):
        return f"{self.department.code}：{self.item} {self.title}"

    def applies_to(self, case: AdjustmentCase) -> bool:
        if not self.is_active or case.kind not in self.kinds:
            return False
        return self.always or self.item in case.criteria_list

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(CaseKind.choices)
        return [labels.get(k, k) for k in self.kinds]


class TaskQuerySet(models.QuerySet):
    def for_department(self, code: str):
        return self.filter(department__code=code)

    def pending(self):
        return self.filter(status__in=VerificationTask.PENDING)

    def overdue(self, today):
        return self.pending().filter(due_on__lt=today)


class VerificationTask(models.Model):
    """One department's check of one household, ticked off as 核实属实 / 不属实 / 需补充 with a note."""

    class Source(models.TextChoices):
        CASE = "case", "案件复核"
        REGISTER = "register", "大数据比对"

    class Status(models.TextChoices):
        OPEN = "open", "待核查"
        NEEDS_INFO = "needs_info", "待补充材料"
        CLOSED = "closed", "已核查"
        CANCELLED = "cancelled", "已取消"

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", "核实属实"
        NOT_TRUE = "not_true", "不属实"
        NEEDS_MORE = "needs_more", "需补充"

    PENDING = (Status.OPEN, Status.NEEDS_INFO)
    TRANSITIONS = {
        Status.OPEN: {Status.CLOSED, Status.NEEDS_INFO, Status.CANCELLED},
        Status.NEEDS_INFO: {Status.OPEN, Status.CANCELLED},
        Status.CLOSED: set(),
        Status.CANCELLED: set(),
    }

    department = models.ForeignKey(Department, verbose_name="部门", on_delete=models.PROTECT, related_name="tasks")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.CASE)
    case = models.ForeignKey(
        AdjustmentCase,
        verbose_name="案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verification_tasks",
    )
    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.PROTECT, related_name="verification_tasks"
    )
    # What to verify: [{"code": "E3", "title": "机动车", "text": "…"}]; and the members it concerns (pks).
    items = models.JSONField("核查事项", default=list)
    member_ids = models.JSONField("涉及成员", default=list)
    required = models.BooleanField("必须完成", default=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    result = models.CharField("核查结果", max_length=12, choices=Result.choices, blank=True)
    note = models.TextField("核查说明", blank=True)
    supplement = models.TextField("补充材料说明", blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    due_on = models.DateField("核查期限")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("核查时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "核查任务"
        verbose_name_plural = "核查任务"
        ordering = ["submitted_at", "id"]
        indexes = [
            # a department's queue: its pending tasks, first submitted first (先报先复核)
            models.Index(fields=["department", "status", "submitted_at"], name="task_queue_idx"),
            # the case page and the close-out check: the tasks of one case
            models.Index(fields=["case", "status"], name="task_case_status_idx"),
        ]
        constraints = [
            # one pending check of a case per department (a resubmission cancels the old tasks first)
            models.UniqueConstraint(
                fields=["case", "department"],
                condition=Q(status__in=["open", "needs_info"], case__isnull=False),
                name="task_one_pending_per_case_department",
            ),
        ]

    def __str__(self):
        return f"{self.department.code} · {self.household.number}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    def is_overdue(self, today) -> bool:
        return self.is_pending and self.due_on < today

    def move_to(self, status: str) -> None:
        if status not in self.TRANSITIONS[self.status]:
            raise ValueError(f"task {self.pk}: {self.status} → {status} is not allowed")
        self.status = status

    @staticmethod
    def due_date(department: Department, submitted_on) -> object:
        return submitted_on + timedelta(days=department.review_days)
