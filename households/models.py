"""The registry: areas, users with their scope, households, members, incomes and facts.

This app knows nothing of ``assessment`` and ``verification`` (SPEC §0): they build on it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .choices import (
    CODE_LENGTH,
    LEVEL_BY_LENGTH,
    AreaLevel,
    CardColour,
    Department,
    DisabilityGrade,
    DropoutReason,
    Education,
    FactKind,
    FactSource,
    HouseholdStatus,
    HousingGrade,
    HousingStructure,
    IdentificationStandard,
    LabourSkill,
    MemberAddReason,
    MemberChangeKind,
    MemberReduceReason,
    MigrantWork,
    PovertyAttribute,
    PovertyCause,
    Relation,
    Relocation,
    Role,
    SchoolingStatus,
    Sex,
)
from .idnumber import mask_id_number

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")


class Area(models.Model):
    """County → township → village → group, identified by the national statistical code."""

    code = models.CharField("区划代码", max_length=15, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("级别", max_length=10, choices=AreaLevel.choices, editable=False)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # 贫困村 (villages only): the assessment samples poor and non-poor villages, and a registered household
    # outside a poor village is a scattered poor household (分散贫困户, seed 002 §五(三)).
    is_poor_village = models.BooleanField("贫困村", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [
            # area filter dropdowns: the children of one level, by code
            models.Index(fields=["level", "code"], name="area_level_code_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.level = LEVEL_BY_LENGTH.get(len(self.code), "")
        super().save(*args, **kwargs)

    @property
    def code_length(self) -> int:
        return len(self.code)


class User(AbstractUser):
    """A user has exactly one role and one scope area (a department user has a department)."""

    role = models.CharField("角色", max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        Area, verbose_name="管辖范围", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.CharField("所属部门", max_length=20, choices=Department.choices, blank=True)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def scope_code(self) -> str | None:
        return self.area.code if self.area_id else None

    @property
    def can_read_registry(self) -> bool:
        return self.is_active and self.role in {
            Role.COUNTY,
            Role.TOWNSHIP,
            Role.VILLAGE,
            Role.ASSESSOR,
            Role.LEADER,
        }

    @property
    def can_edit_registry(self) -> bool:
        return self.is_active and self.role in {Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}

    @property
    def can_manage_users(self) -> bool:
        return self.is_active and self.role == Role.COUNTY


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseholdQuerySet:
        """The only way a view reaches households: everything inside the user's scope, nothing else."""
        if not getattr(user, "is_authenticated", False) or not user.can_read_registry or not user.area_id:
            return self.none()
        return self.filter(**scope_filter(user.area.code))


def scope_filter(code: str) -> dict[str, str]:
    """The indexed equality filter that selects the households under an area code."""
    field = {
        CODE_LENGTH[AreaLevel.COUNTY]: "county_code",
        CODE_LENGTH[AreaLevel.TOWNSHIP]: "township_code",
        CODE_LENGTH[AreaLevel.VILLAGE]: "village_code",
        CODE_LENGTH[AreaLevel.GROUP]: "area_code",
    }.get(len(code))
    if field is None:
        raise ValueError(f"not an area code: {code!r}")
    return {field: code}


class Household(models.Model):
    """户: one registered (or ordinary) rural household."""

    number = models.CharField("户编号", max_length=32, unique=True)
    area = models.ForeignKey(Area, verbose_name="所在村组", on_delete=models.PROTECT, related_name="households")
    # Codes of the area and its ancestors, copied on save so that scope filters are one
    # indexed equality (SPEC §1; measured in shared/reference/performance.md).
    area_code = models.CharField("区划代码", max_length=15, editable=False)
    county_code = models.CharField(max_length=6, editable=False)
    township_code = models.CharField(max_length=9, editable=False)
    village_code = models.CharField(max_length=12, editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    status = models.CharField("户状态", max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.POOR)
    returned_year = models.PositiveSmallIntegerField("返贫年度", null=True, blank=True)
    attribute = models.CharField("贫困户属性", max_length=2, choices=PovertyAttribute.choices, blank=True)
    id_standard = models.CharField(
        "识别标准", max_length=2, choices=IdentificationStandard.choices, default=IdentificationStandard.NATIONAL
    )
    registered_on = models.DateField("建档立卡日期", null=True, blank=True)
    registration_year = models.PositiveSmallIntegerField("建档立卡年度", null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    main_cause = models.CharField("主要致贫原因", max_length=2, choices=PovertyCause.choices, blank=True)
    # Up to two more codes from PovertyCause, comma separated, never repeating the main cause.
    other_causes = models.CharField("其他致贫原因", max_length=10, blank=True)

    housing_area = models.DecimalField("住房面积（㎡）", max_digits=8, decimal_places=2, null=True, blank=True)
    housing_structure = models.CharField("住房结构", max_length=20, choices=HousingStructure.choices, blank=True)
    housing_grade = models.CharField("危房等级", max_length=1, choices=HousingGrade.choices, blank=True)
    relocation = models.CharField("易地搬迁", max_length=20, choices=Relocation.choices, default=Relocation.NO)

    safe_water = models.BooleanField("饮水安全", null=True, blank=True)
    water_radius_km = models.DecimalField("取水半径（公里）", max_digits=6, decimal_places=2, null=True, blank=True)
    electricity = models.BooleanField("通生活用电", null=True, blank=True)
    radio_tv = models.BooleanField("通广播电视", null=True, blank=True)
    broadband = models.BooleanField("通宽带", null=True, blank=True)
    sanitary_toilet = models.BooleanField("卫生厕所", null=True, blank=True)
    road_distance_km = models.DecimalField(
        "与村主干路距离（公里）", max_digits=6, decimal_places=2, null=True, blank=True
    )
    arable_land_mu = models.DecimalField("耕地面积（亩）", max_digits=8, decimal_places=2, null=True, blank=True)
    forest_land_mu = models.DecimalField("林地面积（亩）", max_digits=8, decimal_places=2, null=True, blank=True)
    food_clothing_secured = models.BooleanField("不愁吃、不愁穿", null=True, blank=True)
    card_colour = models.CharField("分类卡颜色", max_length=10, choices=CardColour.choices, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.TextField("备注", blank=True)

    # Optimistic locking: bumped on every save through the survey form (two clerks, one household).
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = HouseholdQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = "农户"
        verbose_name_plural = "农户"
        ordering = ["number"]
        indexes = [
            # household list of a township filtered by status, ordered by number
            models.Index(fields=["township_code", "status", "number"], name="hh_township_status_idx"),
            # household list of a village (village information officer), ordered by number
            models.Index(fields=["village_code", "number"], name="hh_village_number_idx"),
            # household list filtered by group
            models.Index(fields=["area_code", "number"], name="hh_area_number_idx"),
            # county-wide list filtered by status
            models.Index(fields=["county_code", "status", "number"], name="hh_county_status_idx"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.copy_area_codes()
        if self.registered_on:
            self.registration_year = self.registered_on.year
        super().save(*args, **kwargs)

    def copy_area_codes(self):
        code = self.area.code
        self.area_code = code
        self.county_code = code[:6]
        self.township_code = code[:9]
        self.village_code = code[:12]

    @property
    def status_label(self) -> str:
        if self.status == HouseholdStatus.POOR and self.returned_year:
            return "返贫"
        return self.get_status_display()

    @property
    def other_cause_codes(self) -> list[str]:
        return [c for c in self.other_causes.split(",") if c]

    @property
    def other_cause_labels(self) -> list[str]:
        labels = dict(PovertyCause.choices)
        return [labels.get(c, c) for c in self.other_cause_codes]


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Member(models.Model):
    """家庭成员. Never deleted: a removal keeps the row with its reason and date (SPEC §7)."""

    household = models.ForeignKey(Household, verbose_name="所在户", on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("证件号码", max_length=18)
    relation = models.CharField("与户主关系", max_length=2, choices=Relation.choices)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    ethnicity = models.CharField("民族", max_length=20, default="汉族", blank=True)
    education = models.CharField("文化程度", max_length=2, choices=Education.choices, blank=True)
    # Schooling of the household's latest income year; each year is also kept in MemberYear.
    schooling_status = models.CharField(
        "在校生状况", max_length=2, choices=SchoolingStatus.choices, default=SchoolingStatus.NOT_STUDENT
    )
    dropout_reason = models.CharField("失学辍学原因", max_length=2, choices=DropoutReason.choices, blank=True)
    heavy_study_burden = models.BooleanField("就读负担较重", default=False)
    chronic_disease = models.BooleanField("长期慢性病", default=False)
    serious_disease = models.BooleanField("患有大病", default=False)
    disease_name = models.CharField("疾病名称", max_length=100, blank=True)
    disabled = models.BooleanField("残疾", default=False)
    disability_grade = models.CharField("残疾等级", max_length=1, choices=DisabilityGrade.choices, blank=True)
    labour_skill = models.CharField("劳动技能", max_length=2, choices=LabourSkill.choices, blank=True)
    migrant_work = models.CharField("务工状况", max_length=2, choices=MigrantWork.choices, default=MigrantWork.NONE)
    migrant_months = models.PositiveSmallIntegerField("务工时间（月）", null=True, blank=True)
    medical_insurance = models.BooleanField("基本医疗保险", null=True, blank=True)
    serious_illness_insurance = models.BooleanField("大病保险", null=True, blank=True)
    pension_insurance = models.BooleanField("养老保险", null=True, blank=True)
    family_doctor = models.BooleanField("家庭医生签约", null=True, blank=True)
    shares_income = models.BooleanField("与户主共享开支", default=True)

    is_active = models.BooleanField("在册", default=True)
    removed_reason = models.CharField("减少原因", max_length=20, blank=True)
    removed_on = models.DateField("减少日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household", "relation", "birth_date", "id"]
        constraints = [
            # SPEC §2: an ID number is unique among the active members of the whole system.
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(is_active=True), name="member_unique_active_id_number"
            ),
        ]
        indexes = [
            # search by ID number (?q=) and duplicate checks, active or not
            models.Index(fields=["id_number"], name="member_id_number_idx"),
            # search by name (?q=)
            models.Index(fields=["name"], name="member_name_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def health_labels(self) -> list[str]:
        labels = []
        if self.chronic_disease:
            labels.append("长期慢性病")
        if self.serious_disease:
            labels.append("患有大病")
        if self.disabled:
            labels.append("残疾")
        return labels or ["健康"]


class MemberYear(models.Model):
    """What changes every year about a member (schooling), one row per income year."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField("年度")
    schooling_status = models.CharField("在校生状况", max_length=2, choices=SchoolingStatus.choices)
    dropout_reason = models.CharField("失学辍学原因", max_length=2, choices=DropoutReason.choices, blank=True)
    heavy_study_burden = models.BooleanField("就读负担较重", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "成员年度情况"
        verbose_name_plural = "成员年度情况"
        ordering = ["member", "year"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="member_year_unique")]

    def __str__(self):
        return f"{self.member} {self.year}"


class YearlyIncome(models.Model):
    """年度收入 of a household for one income year; money in Decimal yuan, two places."""

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField("收入年度")
    wage = models.DecimalField("工资性收入", default=Decimal("0"), **MONEY)
    business = models.DecimalField("生产经营性收入", default=Decimal("0"), **MONEY)
    property_income = models.DecimalField("财产性收入", default=Decimal("0"), **MONEY)
    transfer = models.DecimalField("转移性收入", default=Decimal("0"), **MONEY)
    dibao = models.DecimalField("低保金", default=Decimal("0"), **MONEY)
    tekun = models.DecimalField("特困供养金", default=Decimal("0"), **MONEY)
    pension = models.DecimalField("养老金", default=Decimal("0"), **MONEY)
    eco_compensation = models.DecimalField("生态补偿金", default=Decimal("0"), **MONEY)
    family_planning = models.DecimalField("计划生育金", default=Decimal("0"), **MONEY)
    other_transfer = models.DecimalField("其他转移性收入", default=Decimal("0"), **MONEY)
    business_expenses = models.DecimalField("生产经营性支出", default=Decimal("0"), **MONEY)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "created_at"])

    TRANSFER_PARTS = ("dibao", "tekun", "pension", "eco_compensation", "family_planning", "other_transfer")

    class Meta:
        verbose_name = "年度收入"
        verbose_name_plural = "年度收入"
        ordering = ["household", "-year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="income_household_year_unique")]

    def __str__(self):
        return f"{self.household} {self.year}年度收入"

    @property
    def net_income(self) -> Decimal:
        return net_income(self.wage, self.business, self.property_income, self.transfer, self.business_expenses)

    @property
    def transfer_parts_total(self) -> Decimal:
        return sum((getattr(self, f) or Decimal("0") for f in self.TRANSFER_PARTS), Decimal("0"))

    def per_capita(self, member_count: int) -> Decimal | None:
        return per_capita_net_income(self.net_income, member_count)


def net_income(wage, business, property_, transfer, expenses) -> Decimal:
    """Net income = wage + business + property + transfer − business expenses (SPEC §2)."""
    parts = (wage, business, property_, transfer)
    return sum((Decimal(p or 0) for p in parts), Decimal("0")) - Decimal(expenses or 0)


def per_capita_net_income(net: Decimal, member_count: int) -> Decimal | None:
    """Per-capita net income rounded half-up to two places, as the national system shows it."""
    if member_count <= 0:
        return None
    return (Decimal(net) / Decimal(member_count)).quantize(CENT, rounding=ROUND_HALF_UP)


class Fact(models.Model):
    """A dated finding about a household or one of its members, with its source (SPEC §2)."""

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.CASCADE, related_name="facts")
    member = models.ForeignKey(
        Member, verbose_name="成员", null=True, blank=True, on_delete=models.CASCADE, related_name="facts"
    )
    kind = models.CharField("事实类型", max_length=30, choices=FactKind.choices)
    event_date = models.DateField("发生日期", null=True, blank=True)
    amount = models.DecimalField("金额（元）", null=True, blank=True, **MONEY)
    exit_measure = models.BooleanField("作为脱贫措施", default=False)
    relocation_housing = models.BooleanField("易地搬迁安置", default=False)
    category = models.CharField("类别", max_length=50, blank=True)
    note = models.TextField("备注", blank=True)
    source = models.CharField("来源", max_length=20, choices=FactSource.choices, default=FactSource.SURVEY)
    source_name = models.CharField("来源单位", max_length=50, blank=True)
    recorded_on = models.DateField("登记日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "事实"
        verbose_name_plural = "事实"
        ordering = ["household", "kind", "event_date", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.household}）"

    @property
    def source_label(self) -> str:
        label = self.get_source_display()
        return f"{label}·{self.source_name}" if self.source_name else label


class Survey(models.Model):
    """实地调查: one household visit with the signature block of the survey form (SPEC §5.2)."""

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.CASCADE, related_name="surveys")
    income_year = models.PositiveSmallIntegerField("收入年度")
    surveyed_on = models.DateField("调查日期")
    surveyor = models.CharField("调查人", max_length=50)
    team_leader = models.CharField("组长", max_length=50, blank=True)
    team_leader_signed_on = models.DateField("组长签字日期", null=True, blank=True)
    village_secretary = models.CharField("村党组织书记", max_length=50, blank=True)
    village_secretary_signed_on = models.DateField("书记签字日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "created_at"])

    class Meta:
        verbose_name = "实地调查"
        verbose_name_plural = "实地调查"
        ordering = ["household", "-surveyed_on", "-id"]

    def __str__(self):
        return f"{self.household} {self.surveyed_on}"


class MemberChange(models.Model):
    """自然变更: a member added to or reduced from a household, with reason and date (SPEC §7)."""

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="changes")
    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField("变更类型", max_length=10, choices=MemberChangeKind.choices)
    reason = models.CharField("原因", max_length=20)
    changed_on = models.DateField("变更日期")
    note = models.TextField("说明", blank=True)
    # A transfer is a reduce in one household and an add in the other, linked both ways.
    linked = models.OneToOneField(
        "self", verbose_name="关联变更", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("操作时间", auto_now_add=True)

    class Meta:
        verbose_name = "成员自然变更"
        verbose_name_plural = "成员自然变更"
        ordering = ["household", "-changed_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.member}"

    @property
    def reason_label(self) -> str:
        choices = MemberAddReason if self.kind == MemberChangeKind.ADD else MemberReduceReason
        return dict(choices.choices).get(self.reason, self.reason)


class AccessLog(models.Model):
    """Who saw full ID numbers or exported rows, when (SPEC §1)."""

    class Action(models.TextChoices):
        VIEW_ID = "view_id", "查看完整证件号码"
        EXPORT = "export", "导出"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_logs")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    target = models.CharField("对象", max_length=200)
    detail = models.TextField("详情", blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "访问日志"
        verbose_name_plural = "访问日志"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} {self.target}"


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> JobQuerySet:
        """Jobs started inside the user's scope: a township sees its own township's, the county all of its."""
        if not getattr(user, "is_authenticated", False) or not user.area_id:
            return self.none()
        return self.filter(scope_code__startswith=user.area.code)


class Job(models.Model):
    """A long piece of work run in the background (or in the request when small): an import, an export….

    The row is what the job page polls and what the import history lists. Status changes go through
    ``move_to`` and the table ``TRANSITIONS``; the worker writes progress in its own short transactions
    (households/jobs.py).
    """

    class Kind(models.TextChoices):
        IMPORT_ROSTER = "import_roster", "导入花名册"
        IMPORT_AREAS = "import_areas", "导入行政区划"
        IMPORT_FACTS = "import_facts", "导入事实"
        EXPORT = "export", "导出"
        EVALUATION = "evaluation", "评估"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        VALIDATING = "validating", "校验中"
        READY = "ready", "待确认"
        APPLYING = "applying", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        # Exports and evaluation runs (no upload, no preview): queued → running → done / failed.
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"

    TRANSITIONS = {
        Status.UPLOADED: {Status.VALIDATING, Status.FAILED},
        Status.VALIDATING: {Status.READY, Status.FAILED},
        Status.READY: {Status.APPLYING},
        # APPLYING → READY: the registry changed since validation, the file was validated again (jobs.py)
        Status.APPLYING: {Status.DONE, Status.FAILED, Status.READY},
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }
    RUNNING = frozenset({Status.UPLOADED, Status.VALIDATING, Status.APPLYING, Status.QUEUED, Status.RUNNING})

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.UPLOADED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="jobs"
    )
    # The user's scope when the job was started: who may see the job afterwards (JobQuerySet.visible_to).
    scope_code = models.CharField("管辖范围代码", max_length=15)
    file_name = models.CharField("文件名", max_length=255, blank=True)
    # Relative to settings.IMPORT_ROOT; a generated name, never the user's (ASVS 5.3.2).
    stored_path = models.CharField("存储路径", max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    options = models.JSONField("选项", default=dict, blank=True)
    in_background = models.BooleanField("后台执行", default=False)
    progress_done = models.PositiveIntegerField("已完成", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("说明", blank=True)
    summary = models.JSONField("计数", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error_report = models.CharField("错误报告", max_length=255, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [
            # import history of a scope (prefix of scope_code), newest first
            models.Index(fields=["scope_code", "-created_at"], name="job_scope_created_idx"),
            # "the same file was imported before" on the preview page
            models.Index(fields=["sha256"], name="job_sha256_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def duration_seconds(self) -> int | None:
        """Seconds from start to finish, once finished."""
        if self.finished_at and self.started_at:
            return round((self.finished_at - self.started_at).total_seconds())
        return None

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    def move_to(self, status: str, **fields) -> bool:
        """Change the status if the table allows it and nobody changed it meanwhile; False otherwise.

        One conditional UPDATE: two clicks on 确认导入 start one import.
        """
        if status not in self.TRANSITIONS[self.status]:
            raise ValueError(f"job {self.pk}: {self.status} → {status} is not allowed")
        changed = Job.objects.filter(pk=self.pk, status=self.status).update(status=status, **fields)
        if changed:
            self.status = status
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(changed)
