"""The column maps shared by import and export (STYLE.md): header text, field, parser, formatter.

FORMATS §1–3 fix the headers and values. A column reads and writes one key of a flat record: a
model field name, or for the few columns that stand for several fields (户状态, 健康状况) a
pseudo-field that the import expands and whose formatter reads the whole record.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from households.choices import (
    DisabilityGrade,
    DropoutReason,
    Education,
    FactKind,
    HouseholdStatus,
    HousingGrade,
    IdentificationStandard,
    LabourSkill,
    MigrantWork,
    PovertyAttribute,
    PovertyCause,
    Relation,
    Relocation,
    SchoolingStatus,
)

from . import parsers as p
from .parsers import CellError, Choice

# Cell kinds, for the export's number formats and the import's messages.
TEXT, CODE, ID, MONEY, DECIMAL, DATE, YEAR, INTEGER = "text", "code", "id", "money", "decimal", "date", "year", "int"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Callable[[Any], Any]
    format: Callable[[Any], Any]
    kind: str = TEXT
    width: float = 12
    required: bool = True  # the header must be present (the cell may still be empty)
    whole_record: bool = False  # format() takes the whole record, not record[field]
    cache: bool = True  # the import remembers parsed values per distinct cell (False: values rarely repeat)

    def cell(self, record: dict[str, Any]) -> Any:
        return self.format(record) if self.whole_record else self.format(record.get(self.field))


# ---------------------------------------------------------------------------------------------
# Formatters: model value → cell value. Empty values become empty cells.


def fmt_text(value: Any) -> str | None:
    return value if value else None


def fmt_plain(value: Any) -> Any:
    return value


def fmt_yes_no(value: bool | None) -> str | None:
    return None if value is None else ("是" if value else "否")


def fmt_choice(choice: Choice) -> Callable[[str], str | None]:
    return lambda value: choice.label(value) or None


# ---------------------------------------------------------------------------------------------
# Code lists read by their Chinese labels.

RELATION = Choice(Relation.choices, required=True)
EDUCATION = Choice(Education.choices)
SCHOOLING = Choice(SchoolingStatus.choices, default=SchoolingStatus.NOT_STUDENT)
DROPOUT = Choice(DropoutReason.choices)
DISABILITY = Choice(DisabilityGrade.choices)
LABOUR = Choice(LabourSkill.choices)
MIGRANT = Choice(MigrantWork.choices, default=MigrantWork.NONE)
ATTRIBUTE = Choice(PovertyAttribute.choices)
ID_STANDARD = Choice(IdentificationStandard.choices, default=IdentificationStandard.NATIONAL)
CAUSE = Choice(PovertyCause.choices)
RELOCATION = Choice(Relocation.choices, default=Relocation.NO)
# FORMATS writes the grades as A/B/C/D; the labels (A级, C级（危房）) are accepted too.
GRADE = Choice(
    [(value, value) for value in HousingGrade.values],
    aliases={label: value for value, label in HousingGrade.choices},
)
FACT_KIND = Choice(FactKind.choices, required=True)

# 户状态: the four statuses plus 返贫, which is a `poor` household with a return year (SPEC §2).
RETURNED = "返贫"
STATUS = Choice([*HouseholdStatus.choices, (RETURNED, RETURNED)], required=True)


def fmt_status(record: dict[str, Any]) -> str:
    if record["status"] == HouseholdStatus.POOR and record.get("returned_year"):
        return RETURNED
    return HouseholdStatus(record["status"]).label


def parse_other_causes(value: Any) -> str:
    """Up to two more causes, separated by 、; stored as comma-separated codes in the given order."""
    codes = [CAUSE(part) for part in p.split_list(value)]
    if len(codes) > 2:
        raise CellError(f"最多填写2个其他致贫原因（当前{len(codes)}个）")
    if len(set(codes)) != len(codes):
        raise CellError("其他致贫原因重复")
    return ",".join(codes)


def fmt_other_causes(value: str) -> str | None:
    return "、".join(CAUSE.label(code) for code in value.split(",") if code) or None


HEALTH_FIELDS = ("chronic_disease", "serious_disease", "disabled")
HEALTH_LABELS = {"长期慢性病": "chronic_disease", "患有大病": "serious_disease", "残疾": "disabled"}
HEALTHY = "健康"


def parse_health(value: Any) -> dict[str, bool]:
    """健康 / 长期慢性病 / 患有大病 / 残疾, several separated by 、 or ,; empty reads as 健康."""
    flags = dict.fromkeys(HEALTH_FIELDS, False)
    parts = [p.normalize_label(part) for part in p.split_list(value)]
    for part in parts:
        if part == HEALTHY:
            if len(parts) > 1:
                raise CellError("“健康”不能与其他健康状况同时填写")
        elif part in HEALTH_LABELS:
            flags[HEALTH_LABELS[part]] = True
        else:
            raise CellError(f"“{part}”不是有效值，可填：健康、长期慢性病、患有大病、残疾（可填多个，用、分隔）")
    return flags


def fmt_health(record: dict[str, Any]) -> str:
    return "、".join(label for label, name in HEALTH_LABELS.items() if record.get(name)) or HEALTHY


def area_column(header: str, field: str, lengths: tuple[int, ...], *, required_value: bool = True) -> Column:
    return Column(
        header,
        field,
        partial(p.area_code, lengths=lengths, required=required_value),
        fmt_text,
        kind=CODE,
        width=18,
    )


def money_column(header: str, field: str) -> Column:
    return Column(header, field, p.money, fmt_plain, kind=MONEY, width=13)


def yes_no_column(
    header: str, field: str, default: bool | None = None, width: float = 10, required: bool = True
) -> Column:
    return Column(header, field, p.yes_no_default(default), fmt_yes_no, width=width, required=required)


def choice_column(header: str, field: str, choice: Choice, width: float = 12) -> Column:
    return Column(header, field, choice, fmt_choice(choice), width=width)


# ---------------------------------------------------------------------------------------------
# FORMATS §1: areas.

AREA_COLUMNS: list[Column] = [
    area_column("区划代码", "code", (6, 9, 12, 15)),
    Column("名称", "name", p.text(100, required=True), fmt_text, width=24, cache=False),
    area_column("上级区划代码", "parent_code", (6, 9, 12), required_value=False),
]


# ---------------------------------------------------------------------------------------------
# FORMATS §2: the household roster, one row per member.


def roster_columns(today: datetime.date) -> tuple[list[Column], list[Column]]:
    """(household columns, member columns). ``today`` bounds dates and the birth dates of ID numbers."""
    household = [
        Column("户编号", "number", p.identifier(32), fmt_text, kind=CODE, width=18, cache=False),
        area_column("区划代码", "area_code", (12, 15)),
        Column("地址", "address", p.text(200), fmt_text, width=28, cache=False),
        Column("联系电话", "phone", p.text(30), fmt_text, kind=CODE, width=14, cache=False),
        Column("户状态", "status_label", STATUS, fmt_status, whole_record=True, width=10),
        choice_column("贫困户属性", "attribute", ATTRIBUTE, width=15),
        choice_column("识别标准", "id_standard", ID_STANDARD, width=10),
        Column("建档立卡日期", "registered_on", partial(p.date, today=today), fmt_plain, kind=DATE, width=13),
        Column("脱贫年度", "exit_year", p.year, fmt_plain, kind=YEAR, width=10),
        choice_column("主要致贫原因", "main_cause", CAUSE, width=14),
        Column("其他致贫原因", "other_causes", parse_other_causes, fmt_other_causes, width=16),
        Column("住房面积", "housing_area", p.optional_decimal(8), fmt_plain, kind=DECIMAL, width=10),
        choice_column("危房等级", "housing_grade", GRADE, width=10),
        choice_column("易地搬迁", "relocation", RELOCATION, width=14),
        yes_no_column("饮水安全", "safe_water"),
        Column("取水半径", "water_radius_km", p.optional_decimal(6), fmt_plain, kind=DECIMAL, width=10),
        yes_no_column("通生活用电", "electricity", width=11),
        yes_no_column("通广播电视", "radio_tv", width=11),
        yes_no_column("通宽带", "broadband"),
        yes_no_column("卫生厕所", "sanitary_toilet"),
        Column("耕地面积", "arable_land_mu", p.optional_decimal(8), fmt_plain, kind=DECIMAL, width=10),
        Column("林地面积", "forest_land_mu", p.optional_decimal(8), fmt_plain, kind=DECIMAL, width=10),
        yes_no_column("不愁吃穿", "food_clothing_secured"),
        Column("收入年度", "income_year", p.year, fmt_plain, kind=YEAR, width=10),
        money_column("工资性收入", "wage"),
        money_column("生产经营性收入", "business"),
        money_column("财产性收入", "property_income"),
        money_column("转移性收入", "transfer"),
        money_column("低保金", "dibao"),
        money_column("特困供养金", "tekun"),
        money_column("养老金", "pension"),
        money_column("生态补偿金", "eco_compensation"),
        money_column("计划生育金", "family_planning"),
        money_column("其他转移性收入", "other_transfer"),
        money_column("生产经营性支出", "business_expenses"),
        # Optional columns (FORMATS allows adding them): checked when present, always exported.
        Column(
            "家庭人口数",
            "member_count",
            partial(p.integer, minimum=1, maximum=99, what="人数"),
            fmt_plain,
            kind=INTEGER,
            width=11,
            required=False,
        ),
        Column("返贫年度", "returned_year", p.year, fmt_plain, kind=YEAR, width=10, required=False),
    ]
    member = [
        Column("姓名", "name", p.text(50, required=True), fmt_text, width=10, cache=False),
        Column("证件号码", "id_number", partial(p.id_number, today=today), fmt_text, kind=ID, width=21, cache=False),
        choice_column("与户主关系", "relation", RELATION, width=11),
        Column("民族", "ethnicity", p.text(20), fmt_text, width=8),
        choice_column("文化程度", "education", EDUCATION, width=12),
        choice_column("在校生状况", "schooling_status", SCHOOLING, width=12),
        choice_column("失学辍学原因", "dropout_reason", DROPOUT, width=13),
        yes_no_column("就读负担较重", "heavy_study_burden", default=False, width=13),
        Column("健康状况", "health", parse_health, fmt_health, whole_record=True, width=14),
        Column("疾病名称", "disease_name", p.text(100), fmt_text, width=12),
        choice_column("残疾等级", "disability_grade", DISABILITY, width=10),
        choice_column("劳动技能", "labour_skill", LABOUR, width=12),
        choice_column("务工状况", "migrant_work", MIGRANT, width=18),
        Column("务工时间", "migrant_months", p.months, fmt_plain, kind=INTEGER, width=10),
        yes_no_column("基本医疗保险", "medical_insurance", width=13),
        yes_no_column("大病保险", "serious_illness_insurance"),
        yes_no_column("养老保险", "pension_insurance"),
        yes_no_column("家庭医生签约", "family_doctor", width=13),
        yes_no_column("共享开支", "shares_income", default=True),
    ]
    return household, member


INCOME_FIELDS = (
    "wage",
    "business",
    "property_income",
    "transfer",
    "dibao",
    "tekun",
    "pension",
    "eco_compensation",
    "family_planning",
    "other_transfer",
    "business_expenses",
)
TRANSFER_PARTS = ("dibao", "tekun", "pension", "eco_compensation", "family_planning", "other_transfer")
SCHOOLING_FIELDS = ("schooling_status", "dropout_reason", "heavy_study_burden")
ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------------------------
# FORMATS §3: facts.


def fact_columns(today: datetime.date) -> list[Column]:
    return [
        Column(
            "证件号码",
            "id_number",
            partial(p.id_number, today=today, required=False),
            fmt_text,
            kind=ID,
            width=21,
            required=False,
            cache=False,
        ),
        Column(
            "户编号",
            "household_number",
            p.identifier(32, required=False),
            fmt_text,
            kind=CODE,
            width=18,
            required=False,
        ),
        Column("事实类型", "kind", FACT_KIND, fmt_choice(FACT_KIND), width=14),
        Column("发生日期", "event_date", partial(p.date, today=today), fmt_plain, kind=DATE, width=13, required=False),
        Column("金额", "amount", p.optional_decimal(14), fmt_plain, kind=MONEY, width=13, required=False),
        yes_no_column("作为脱贫措施", "exit_measure", default=False, width=13, required=False),
        yes_no_column("易地搬迁安置", "relocation_housing", default=False, width=13, required=False),
        Column("类别", "category", p.text(50), fmt_text, width=14, required=False),
        Column("备注", "note", p.text(2000), fmt_text, width=30, required=False, cache=False),
    ]
