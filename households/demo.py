"""The demo county of ``manage.py seed_demo`` (FORMATS §7).

A realistic 东川区 (530113, 云南省昆明市): townships, villages and groups with national codes,
households with members, two income years (2017, 2018), department facts, and a table of
*planted cases* (``PLANTED``): one household for each outcome of SPEC §4 under the policy
yunnan7 / income year 2018, all in the first village of the first township so that the
``village1`` and ``township1`` accounts see them. docs/demo.md lists their household numbers.

Everything is generated from one ``random.Random(seed)``: the same seed and size give the same
data. Households are generated and written in chunks (plain drafts → model objects → bulk
inserts with history), inside the caller's transaction, with no per-row queries.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from .choices import (
    GRADED_SCHOOLING,
    AreaLevel,
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
from .idnumber import make_id_number
from .models import AccessLog, Area, Fact, Household, Member, MemberChange, MemberYear, Survey, User, YearlyIncome

DEMO_PASSWORD = "demo-pass-2024"
DEFAULT_HOUSEHOLDS = 2000
DEFAULT_SEED = 2018
CHANGE_REASON = "演示数据初始化"
COUNTY_CODE = "530113"
COUNTY_NAME = "东川区"
INCOME_YEAR = 2018
PREVIOUS_YEAR = 2017
# Households generated, turned into model objects and written per chunk (bounded memory).
CHUNK_HOUSEHOLDS = 2000
BATCH_SIZE = 2000
# The planted cases use this registration date (R of SPEC §4.2).
PLANTED_R = datetime.date(2014, 10, 15)
VILLAGE1_GROUPS = 6
VILLAGE1_CODE = f"{COUNTY_CODE}001001"

M, F = Sex.MALE, Sex.FEMALE

# --------------------------------------------------------------------------------------------
# Demo accounts (FORMATS §7)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str  # "county", "township1", "township2" or "village1"
    department: str
    full_name: str


DEMO_ACCOUNTS = (
    DemoAccount("county", Role.COUNTY, "county", "", "张志华"),
    DemoAccount("township1", Role.TOWNSHIP, "township1", "", "李文斌"),
    DemoAccount("township2", Role.TOWNSHIP, "township2", "", "王丽琼"),
    DemoAccount("village1", Role.VILLAGE, "village1", "", "杨春梅"),
    DemoAccount("police", Role.DEPARTMENT, "county", Department.POLICE, "赵刚"),
    DemoAccount("civil", Role.DEPARTMENT, "county", Department.CIVIL, "陈红艳"),
    DemoAccount("housing", Role.DEPARTMENT, "county", Department.HOUSING, "刘建军"),
    DemoAccount("assessor", Role.ASSESSOR, "county", "", "周敏"),
    DemoAccount("leader", Role.LEADER, "county", "", "吴国强"),
)
DEMO_USERNAMES = tuple(a.username for a in DEMO_ACCOUNTS)

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

TOWNSHIP_NAMES = ("铜都街道", "阿旺镇", "碧谷街道", "乌龙镇", "汤丹镇", "因民镇", "拖布卡镇", "红土地镇")
TOWNSHIP_CENTRES = (  # longitude, latitude of each township's seat
    (103.187, 26.083),
    (103.250, 26.010),
    (103.120, 26.150),
    (103.300, 26.180),
    (103.030, 26.210),
    (103.000, 26.300),
    (102.930, 26.370),
    (103.070, 26.000),
)
PLACE_FIRST = "大小新老上下中石水松桃梨箐白黑红黄青龙凤马牛羊沙金银铜花竹杉柏茶岩田坪海者格舍播落"
PLACE_SECOND = "口坪河沟坡塘湾箐寨营庄山岭坝滩林街桥井洞脚地梁村"
VILLAGE1_NAME = "箐口村"

HAN_SURNAMES = (
    ("李", 79), ("王", 74), ("张", 71), ("刘", 54), ("陈", 45), ("杨", 40), ("赵", 23), ("黄", 22),
    ("周", 21), ("吴", 20), ("徐", 17), ("孙", 15), ("胡", 13), ("朱", 13), ("高", 12), ("何", 12),
    ("郭", 11), ("罗", 11), ("马", 10), ("梁", 8), ("宋", 8), ("郑", 8), ("谢", 7), ("唐", 7),
    ("韩", 6), ("冯", 6), ("董", 5), ("鲁", 5), ("邓", 5), ("钱", 4), ("蒋", 4), ("付", 4),
    ("段", 4), ("普", 3), ("沈", 3), ("余", 3), ("代", 3), ("殷", 2), ("苏", 2), ("尹", 2),
)  # fmt: skip
ETHNIC_SURNAMES = {
    "彝族": (("李", 5), ("杨", 4), ("张", 3), ("普", 3), ("罗", 2), ("毕", 2), ("沙", 1), ("起", 1)),
    "回族": (("马", 8), ("纳", 3), ("沙", 2), ("丁", 2), ("白", 2), ("穆", 1), ("保", 1)),
    "苗族": (("王", 4), ("杨", 3), ("张", 3), ("熊", 2), ("陶", 2), ("龙", 2), ("项", 1), ("马", 1)),
}
ETHNICITIES = (("汉族", 85), ("彝族", 8), ("回族", 5), ("苗族", 2))
GIVEN_MALE_OLD = "国建明文志永军华德福成海林荣兴云正祥光平贵发学金家昌忠贤顺富有才开元品宝"
GIVEN_FEMALE_OLD = "秀英芳兰玉珍丽梅琼娟霞凤红艳萍敏芬琴花菊春桂莲香翠仙存美粉会"
GIVEN_MALE_YOUNG = "浩宇轩俊博晨杰涛磊鑫子振豪然航睿泽文明阳帅凯鹏飞"
GIVEN_FEMALE_YOUNG = "欣怡涵雨佳思梓婷雪琳晶蕾倩颖悦诗可瑶萱蓉丹娜媛"
MOBILE_PREFIXES = ("139", "138", "136", "158", "150", "187", "182", "151", "177", "189", "135", "152")
# In-married spouses often carry the code of a neighbouring county: 禄劝, 寻甸, 会泽, 鲁甸.
NEIGHBOUR_CODES = ("530128", "530129", "530326", "530621")
SERIOUS_DISEASES = ("尿毒症", "恶性肿瘤", "白血病", "先天性心脏病", "重性精神病", "耐多药肺结核", "慢性肾衰竭")
CHRONIC_DISEASES = ("高血压", "糖尿病", "风湿性关节炎", "慢性支气管炎", "冠心病", "类风湿", "腰椎间盘突出")

# --------------------------------------------------------------------------------------------
# Weighted code lists
# --------------------------------------------------------------------------------------------

STATUS_WEIGHTS = (
    (HouseholdStatus.ORDINARY, 25),
    (HouseholdStatus.POOR, 35),
    (HouseholdStatus.EXITED, 35),
    (HouseholdStatus.REMOVED, 5),
)
ATTRIBUTE_WEIGHTS = ((PovertyAttribute.GENERAL, 70), (PovertyAttribute.DIBAO, 25), (PovertyAttribute.TEKUN, 5))
CAUSE_WEIGHTS = (
    (PovertyCause.ILLNESS, 22), (PovertyCause.NO_SKILLS, 18), (PovertyCause.NO_CAPITAL, 17),
    (PovertyCause.DISABILITY, 9), (PovertyCause.SCHOOLING, 8), (PovertyCause.NO_LABOUR, 7),
    (PovertyCause.TRANSPORT, 5), (PovertyCause.NO_DRIVE, 5), (PovertyCause.NO_LAND, 3),
    (PovertyCause.NO_WATER, 3), (PovertyCause.DISASTER, 2), (PovertyCause.MARRIAGE, 1),
    (PovertyCause.FUNERAL, 1), (PovertyCause.OTHER, 1),
)  # fmt: skip
SIZE_WEIGHTS = ((1, 10), (2, 18), (3, 23), (4, 23), (5, 15), (6, 7), (7, 4))  # mean ≈ 3.5
EXIT_YEAR_WEIGHTS = ((2014, 8), (2015, 17), (2016, 25), (2017, 28), (2018, 22))
REGISTRATION_YEAR_WEIGHTS = ((2014, 62), (2015, 18), (2016, 14), (2017, 5), (2018, 1))
STRUCTURE_WEIGHTS = (
    (HousingStructure.BRICK_CONCRETE, 40), (HousingStructure.BRICK_WOOD, 25), (HousingStructure.EARTH_WOOD, 14),
    (HousingStructure.REINFORCED, 15), (HousingStructure.WOOD, 4), (HousingStructure.OTHER, 2),
)  # fmt: skip
MIGRANT_WEIGHTS = (
    (MigrantWork.IN_TOWNSHIP, 15), (MigrantWork.IN_COUNTY, 20),
    (MigrantWork.IN_PROVINCE, 35), (MigrantWork.OUT_OF_PROVINCE, 30),
)  # fmt: skip
DROPOUT_WEIGHTS = (
    (DropoutReason.DISLIKE, 50), (DropoutReason.ILLNESS, 15), (DropoutReason.DISABILITY, 15),
    (DropoutReason.POVERTY, 5), (DropoutReason.OTHER, 15),
)  # fmt: skip
# 帮扶措施 kinds (FORMATS §3 类别) with the office that reports them.
SUPPORT_MEASURES = (
    ("产业扶持", 35, "农业农村"), ("技能培训", 12, "人社"), ("转移就业", 10, "人社"), ("小额信贷", 10, "金融办"),
    ("资产收益", 10, "扶贫办"), ("危房改造", 8, "住建"), ("教育资助", 8, "教育"), ("生态补偿", 5, "林草"),
    ("易地搬迁", 1, "发改"), ("低保兜底", 1, "民政"),
)  # fmt: skip

# Schooling in the previous year of a student who advanced one grade (MemberYear 2017).
PREVIOUS_GRADE = {
    SchoolingStatus.GRADE_7: SchoolingStatus.PRIMARY,
    SchoolingStatus.GRADE_8: SchoolingStatus.GRADE_7,
    SchoolingStatus.GRADE_9: SchoolingStatus.GRADE_8,
    SchoolingStatus.HIGH_1: SchoolingStatus.GRADE_9,
    SchoolingStatus.HIGH_2: SchoolingStatus.HIGH_1,
    SchoolingStatus.HIGH_3: SchoolingStatus.HIGH_2,
    SchoolingStatus.VOCATIONAL_1: SchoolingStatus.GRADE_9,
    SchoolingStatus.VOCATIONAL_2: SchoolingStatus.VOCATIONAL_1,
    SchoolingStatus.VOCATIONAL_3: SchoolingStatus.VOCATIONAL_2,
    SchoolingStatus.POLYTECHNIC_1: SchoolingStatus.HIGH_3,
    SchoolingStatus.POLYTECHNIC_2: SchoolingStatus.POLYTECHNIC_1,
    SchoolingStatus.POLYTECHNIC_3: SchoolingStatus.POLYTECHNIC_2,
}
GRADED = GRADED_SCHOOLING
BEYOND_COMPULSORY = frozenset(
    {
        SchoolingStatus.HIGH_1, SchoolingStatus.HIGH_2, SchoolingStatus.HIGH_3,
        SchoolingStatus.VOCATIONAL_1, SchoolingStatus.VOCATIONAL_2, SchoolingStatus.VOCATIONAL_3,
        SchoolingStatus.POLYTECHNIC_1, SchoolingStatus.POLYTECHNIC_2, SchoolingStatus.POLYTECHNIC_3,
        SchoolingStatus.COLLEGE,
    }
)  # fmt: skip
MALE_RELATIONS = frozenset(
    {
        Relation.SON, Relation.SON_IN_LAW, Relation.GRANDSON, Relation.DAUGHTERS_SON, Relation.FATHER,
        Relation.WIFES_FATHER, Relation.HUSBANDS_FATHER, Relation.GRANDFATHER, Relation.MATERNAL_GRANDFATHER,
    }
)  # fmt: skip

# What a planted case's members share so that only the case's own change decides its outcome.
CLEAN_MEMBER = {
    "chronic_disease": False,
    "serious_disease": False,
    "disabled": False,
    "disease_name": "",
    "disability_grade": "",
    "medical_insurance": True,
    "serious_illness_insurance": True,
    "family_doctor": True,
    "migrant_work": MigrantWork.NONE,
    "migrant_months": None,
    "shares_income": True,
}


def yuan(cents: int) -> Decimal:
    """Integer cents to a two-place Decimal (money is never a float)."""
    return Decimal(cents).scaleb(-2)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


# --------------------------------------------------------------------------------------------
# Drafts: plain objects, turned into model instances only when a chunk is written
# --------------------------------------------------------------------------------------------


@dataclass
class MemberDraft:
    name: str
    relation: str
    sex: str
    birth_date: datetime.date
    region: str = COUNTY_CODE
    fields: dict = field(default_factory=dict)  # the other Member fields
    previous_schooling: str = SchoolingStatus.NOT_STUDENT  # MemberYear of 2017
    id_number: str = ""
    obj: Member | None = None

    @property
    def age(self) -> int:
        """Age on 31 December of the income year (SPEC §4)."""
        return INCOME_YEAR - self.birth_date.year

    @property
    def active(self) -> bool:
        return self.fields.get("is_active", True)


@dataclass
class FactDraft:
    kind: str
    event_date: datetime.date | None
    member: MemberDraft | None = None
    amount: Decimal | None = None
    exit_measure: bool = False
    relocation_housing: bool = False
    category: str = ""
    note: str = ""
    source: str = FactSource.DEPARTMENT
    source_name: str = ""
    recorded_on: datetime.date | None = None


@dataclass
class HouseholdDraft:
    number: str
    area: Area
    fields: dict
    members: list[MemberDraft] = field(default_factory=list)
    incomes: dict[int, dict] = field(default_factory=dict)
    facts: list[FactDraft] = field(default_factory=list)
    removed_changes: list[tuple[MemberDraft, str, datetime.date]] = field(default_factory=list)
    planted: str = ""

    @property
    def status(self) -> str:
        return self.fields["status"]

    @property
    def active_members(self) -> list[MemberDraft]:
        return [m for m in self.members if m.active]

    def member(self, relation: str) -> MemberDraft:
        return next(m for m in self.members if m.relation == relation)


# --------------------------------------------------------------------------------------------
# Planted cases (SPEC §4 under yunnan7, income year 2018: identification line 2,952, exit line
# 3,500, vehicle limit 30,000, water radius 1 km, 错退 year 2016, continued support 2014/2015)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedCase:
    key: str
    outcome: str  # the SPEC §4 / FORMATS §5 code this household demonstrates
    criteria: tuple[str, ...]
    base: str  # HouseholdStatus of the clean household the case starts from
    summary: str  # what makes it so (Chinese, for docs/demo.md and the command's output)
    apply: Callable[[Generator, HouseholdDraft], None]


def _fact(kind, date, *, member=None, source_name="", source=FactSource.DEPARTMENT, **extra) -> FactDraft:
    recorded = datetime.date(2018, 11, 20) if source == FactSource.DEPARTMENT else datetime.date(2018, 10, 25)
    return FactDraft(
        kind=kind, event_date=date, member=member, source=source, source_name=source_name, recorded_on=recorded, **extra
    )


def _set_income(g: Generator, hh: HouseholdDraft, year: int, per_capita_cents: int, **extra) -> None:
    """Income of ``year`` with exactly this per-capita net income (active members)."""
    hh.incomes[year] = g.compose_income(hh, year, per_capita_cents * len(hh.active_members), exact=True, **extra)


def _no_change(g, hh):
    pass


def _missed_i1_i2(g, hh):
    _set_income(g, hh, 2018, 2480_00)
    _set_income(g, hh, 2017, 2310_00)
    hh.fields.update(housing_grade=HousingGrade.C, housing_structure=HousingStructure.EARTH_WOOD)


def _missed_i1_i3(g, hh):
    spouse = hh.member(Relation.SPOUSE)
    spouse.fields.update(serious_disease=True, disease_name="尿毒症", labour_skill=LabourSkill.LOST)
    _set_income(g, hh, 2018, 2700_00)
    _set_income(g, hh, 2017, 2950_00)


def _missed_i1_i4(g, hh):
    son = hh.member(Relation.SON)
    g.set_age(son, 17)
    g.make_student(son, SchoolingStatus.HIGH_2, heavy=True)
    _set_income(g, hh, 2018, 2890_00)
    _set_income(g, hh, 2017, 2640_00)


def _missed_i5(g, hh):
    hh.facts.append(_fact(FactKind.DIBAO, datetime.date(2017, 7, 1), source_name="民政", category="农村低保"))
    _set_income(g, hh, 2018, 3300_00, dibao=3 * 1980_00)
    _set_income(g, hh, 2017, 3050_00, dibao=3 * 990_00)


def _member_fact(relation, kind, date, source_name, source=FactSource.DEPARTMENT, **extra):
    def apply(g, hh):
        hh.facts.append(_fact(kind, date, member=hh.member(relation), source_name=source_name, source=source, **extra))

    return apply


def _household_fact(kind, date, source_name, source=FactSource.DEPARTMENT, **extra):
    def apply(g, hh):
        hh.facts.append(_fact(kind, date, source_name=source_name, source=source, **extra))

    return apply


def _all_not_sharing(g, hh):
    for m in hh.members:
        m.fields["shares_income"] = False


def _not_sharing(g, hh):
    hh.member(Relation.DAUGHTER).fields["shares_income"] = False


def _add_grandmother(g, hh, *, died: bool):
    head = hh.member(Relation.HEAD)
    grandma = g.clean_person(Relation.MOTHER, 81, hh)
    hh.members.append(grandma)
    if died:
        hh.facts.append(
            _fact(
                FactKind.DECEASED,
                datetime.date(2018, 4, 2),
                member=grandma,
                source_name="公安",
                note=f"{head.name}之母，户籍已注销（死亡）",
            )
        )


def _member_removal_death(g, hh):
    _add_grandmother(g, hh, died=True)
    _set_income(g, hh, 2018, 4800_00)
    _set_income(g, hh, 2017, 4100_00)


def _exit_ready_boundary(g, hh):
    hh.fields["water_radius_km"] = Decimal("1.00")
    _set_income(g, hh, 2018, 3500_01)


def _y1(g, hh):
    _set_income(g, hh, 2018, 3500_00)


def _y2(g, hh):
    hh.fields["water_radius_km"] = Decimal("1.50")


def _y3(g, hh):
    hh.fields.update(housing_grade=HousingGrade.C, housing_structure=HousingStructure.EARTH_WOOD)


def _y4(g, hh):
    son = g.clean_person(Relation.SON, 13, hh, surname=hh.member(Relation.HEAD).name[0])
    son.fields.update(schooling_status=SchoolingStatus.NOT_STUDENT, dropout_reason=DropoutReason.DISLIKE)
    son.previous_schooling = SchoolingStatus.GRADE_7
    hh.members.append(son)
    _set_income(g, hh, 2018, 4600_00)
    _set_income(g, hh, 2017, 3900_00)


def _y5(g, hh):
    hh.member(Relation.DAUGHTER).fields["serious_illness_insurance"] = False


def _y6(g, hh):
    hh.member(Relation.SPOUSE).fields["pension_insurance"] = False


def _y7(g, hh):
    hh.facts = [f for f in hh.facts if f.kind != FactKind.SUPPORT_MEASURE]


def _wrong_exit_y2(g, hh):
    hh.fields.update(safe_water=False, water_radius_km=Decimal("2.20"))


def _continue_support_y3(g, hh):
    hh.fields.update(housing_grade=HousingGrade.D, housing_structure=HousingStructure.EARTH_WOOD)


def _return_risk_y5(g, hh):
    hh.member(Relation.SON).fields["medical_insurance"] = False


def _dq1(g, hh):
    hh.incomes[2017] = dict(hh.incomes[2018])


def _dq2(g, hh):
    son = g.clean_person(Relation.SON, 14, hh, surname=hh.member(Relation.HEAD).name[0])
    g.make_student(son, SchoolingStatus.GRADE_8, heavy=False)
    son.previous_schooling = SchoolingStatus.GRADE_8  # 留级: the same grade in 2017 and 2018
    hh.members.append(son)
    _set_income(g, hh, 2018, 4700_00)
    _set_income(g, hh, 2017, 4050_00)


def _dq3(g, hh):
    hh.member(Relation.SPOUSE).relation = Relation.HEAD


def _dq4(g, hh):
    hh.members = [g.clean_person(Relation.HEAD, 68, hh, sex=M), g.clean_person(Relation.SPOUSE, 66, hh, sex=F)]
    hh.fields.update(
        registered_on=datetime.date(2016, 9, 20),
        address=g.addresses[g.planted_numbers["dq4_partner"]],
        main_cause=PovertyCause.NO_LABOUR,
    )
    _set_income(g, hh, 2018, 3900_00)
    _set_income(g, hh, 2017, 3300_00)


def _dq4_partner(g, hh):
    for relation, age in ((Relation.HEAD, 42), (Relation.SPOUSE, 40), (Relation.SON, 19)):
        g.set_age(hh.member(relation), age)


def _dq5(g, hh):
    _add_grandmother(g, hh, died=True)
    _set_income(g, hh, 2018, 8200_00)
    _set_income(g, hh, 2017, 7600_00)


def _dq6(g, hh):
    widow = g.clean_person(Relation.HEAD, 84, hh, sex=F)
    widow.fields.update(is_active=False, removed_reason=MemberReduceReason.DEATH, removed_on=datetime.date(2018, 2, 11))
    hh.members = [widow]
    hh.removed_changes.append((widow, MemberReduceReason.DEATH, datetime.date(2018, 2, 11)))
    hh.fields.update(attribute=PovertyAttribute.TEKUN, main_cause=PovertyCause.NO_LABOUR)
    hh.incomes = {
        year: g.compose_income(hh, year, cents, exact=True) for year, cents in ((2018, 5400_00), (2017, 6200_00))
    }


def _dq7(g, hh):
    del hh.incomes[2018]


PLANTED: tuple[PlantedCase, ...] = (
    PlantedCase(
        "missed_i1_i2", "MISSED", ("I1", "I2"), HouseholdStatus.ORDINARY,
        "一般农户，2018年人均纯收入 2,480.00 元，低于识别标准 2,952 元；住房为 C 级危房", _missed_i1_i2,
    ),
    PlantedCase(
        "missed_i1_i3", "MISSED", ("I1", "I3"), HouseholdStatus.ORDINARY,
        "一般农户，人均纯收入 2,700.00 元；配偶患有大病（尿毒症）", _missed_i1_i3,
    ),
    PlantedCase(
        "missed_i1_i4", "MISSED", ("I1", "I4"), HouseholdStatus.ORDINARY,
        "一般农户，人均纯收入 2,890.00 元；儿子就读高中二年级，就读负担较重", _missed_i1_i4,
    ),
    PlantedCase(
        "missed_i5", "MISSED", ("I5",), HouseholdStatus.ORDINARY,
        "一般农户，享受农村低保（民政 2017-07-01），未达脱贫标准（无帮扶措施，Y7）", _missed_i5,
    ),
    PlantedCase(
        "wrong_inclusion_e1", "WRONG_INCLUSION", ("E1",), HouseholdStatus.POOR,
        "未脱贫户，女儿为财政供养人员（人社，入编 2012-09-01，早于建档立卡 2014-10-15）",
        _member_fact(Relation.DAUGHTER, FactKind.PUBLIC_PAYROLL, datetime.date(2012, 9, 1), "人社",
                     category="乡村教师"),
    ),
    PlantedCase(
        "wrong_inclusion_e2", "WRONG_INCLUSION", ("E2",), HouseholdStatus.POOR,
        "未脱贫户，户主为村委会副主任（组织部，任职 2011-03-20，早于建档立卡）",
        _member_fact(Relation.HEAD, FactKind.VILLAGE_CADRE, datetime.date(2011, 3, 20), "组织部",
                     category="村委会副主任"),
    ),
    PlantedCase(
        "wrong_inclusion_e3", "WRONG_INCLUSION", ("E3",), HouseholdStatus.POOR,
        "未脱贫户，户主名下小型普通客车价格 30,000.00 元（公安，购置 2013-06-18，早于建档立卡，非脱贫措施）",
        _member_fact(Relation.HEAD, FactKind.VEHICLE, datetime.date(2013, 6, 18), "公安",
                     amount=Decimal("30000.00"), category="小型普通客车"),
    ),
    PlantedCase(
        "wrong_inclusion_e4", "WRONG_INCLUSION", ("E4",), HouseholdStatus.POOR,
        "未脱贫户，在县城购买商品房（住建，2012-08-01，非易地搬迁安置）",
        _household_fact(FactKind.URBAN_PROPERTY, datetime.date(2012, 8, 1), "住建", category="商品房",
                        note="东川区铜都街道某小区 89㎡"),
    ),
    PlantedCase(
        "wrong_inclusion_e5", "WRONG_INCLUSION", ("E5",), HouseholdStatus.EXITED,
        "已脱贫户（2017年），长期雇工从事生产经营（实地调查，2016-03-01）",
        _household_fact(FactKind.HIRED_LABOUR, datetime.date(2016, 3, 1), "", source=FactSource.SURVEY,
                        category="养殖场长期雇工 3 人"),
    ),
    PlantedCase(
        "wrong_inclusion_e6", "WRONG_INCLUSION", ("E6",), HouseholdStatus.POOR,
        "未脱贫户，户主注册个体工商户并实际经营（市场监管，2013-04-10，早于建档立卡）",
        _member_fact(Relation.HEAD, FactKind.BUSINESS, datetime.date(2013, 4, 10), "市场监管",
                     category="个体工商户（农资店）"),
    ),
    PlantedCase(
        "wrong_inclusion_e7", "WRONG_INCLUSION", ("E7",), HouseholdStatus.POOR,
        "未脱贫户，为享受扶贫政策故意分户（实地调查）；人均纯收入 5,200.00 元，不符合识别条件",
        _household_fact(FactKind.HOUSEHOLD_SPLIT, datetime.date(2014, 8, 1), "", source=FactSource.SURVEY,
                        note="与父母分户，仍同住同吃"),
    ),
    PlantedCase(
        "wrong_inclusion_e8", "WRONG_INCLUSION", ("E8",), HouseholdStatus.POOR,
        "未脱贫户，空挂户：户籍在本村、长期不在本村居住（公安）",
        _household_fact(FactKind.HOLLOW_REGISTRATION, datetime.date(2010, 5, 1), "公安"),
    ),
    PlantedCase(
        "wrong_inclusion_e10", "WRONG_INCLUSION", ("E10",), HouseholdStatus.POOR,
        "未脱贫户，申报时隐瞒务工收入（弄虚作假，实地调查）；人均纯收入 5,200.00 元，不符合识别条件",
        _household_fact(FactKind.FRAUD, datetime.date(2014, 9, 1), "", source=FactSource.SURVEY,
                        note="隐瞒家庭成员务工收入"),
    ),
    PlantedCase(
        "wrong_inclusion_e9_all", "WRONG_INCLUSION", ("E9",), HouseholdStatus.POOR,
        "未脱贫户，全部成员均不与户主共享开支（每人 MEMBER_REMOVAL）", _all_not_sharing,
    ),
    PlantedCase(
        "normal_exit_e3", "NORMAL_EXIT", ("E3",), HouseholdStatus.POOR,
        "未脱贫户，建档立卡后购买 45,000.00 元货车（公安，2017-09-12）并作为脱贫措施（运输）",
        _member_fact(Relation.HEAD, FactKind.VEHICLE, datetime.date(2017, 9, 12), "公安",
                     amount=Decimal("45000.00"), exit_measure=True, category="轻型货车"),
    ),
    PlantedCase(
        "normal_exit_e1", "NORMAL_EXIT", ("E1",), HouseholdStatus.POOR,
        "未脱贫户，女儿建档立卡后考入财政供养（人社，2018-09-01）",
        _member_fact(Relation.DAUGHTER, FactKind.PUBLIC_PAYROLL, datetime.date(2018, 9, 1), "人社",
                     category="特岗教师"),
    ),
    PlantedCase(
        "normal_exit_e6", "NORMAL_EXIT", ("E6",), HouseholdStatus.POOR,
        "未脱贫户，建档立卡后注册合作社并作为脱贫措施（市场监管，2017-03-15）",
        _member_fact(Relation.HEAD, FactKind.BUSINESS, datetime.date(2017, 3, 15), "市场监管",
                     exit_measure=True, category="农民专业合作社"),
    ),
    PlantedCase(
        "e3_non_case", "EXIT_READY", (), HouseholdStatus.POOR,
        "E3 不成立：机动车价格 29,999.99 元（公安，2013-06-18），低于 30,000 元；达到脱贫标准",
        _member_fact(Relation.HEAD, FactKind.VEHICLE, datetime.date(2013, 6, 18), "公安",
                     amount=Decimal("29999.99"), category="小型普通客车"),
    ),
    PlantedCase(
        "e4_relocation_non_case", "—", (), HouseholdStatus.EXITED,
        "E4 例外：已脱贫户（2017年）的城镇房产为易地扶贫搬迁进城安置房（住建，2016-06-30），无任何结果",
        _household_fact(FactKind.URBAN_PROPERTY, datetime.date(2016, 6, 30), "住建", relocation_housing=True,
                        category="易地搬迁安置房"),
    ),
    PlantedCase(
        "member_removal_death", "MEMBER_REMOVAL", ("E9",), HouseholdStatus.POOR,
        "未脱贫户，户主之母已死亡（公安户籍注销 2018-04-02）仍在册：该成员 MEMBER_REMOVAL，并有 DQ5 提示",
        _member_removal_death,
    ),
    PlantedCase(
        "member_removal_missing", "MEMBER_REMOVAL", ("E9",), HouseholdStatus.POOR,
        "未脱贫户，女儿失踪（公安，2016-05-20）",
        _member_fact(Relation.DAUGHTER, FactKind.MISSING, datetime.date(2016, 5, 20), "公安"),
    ),
    PlantedCase(
        "member_removal_not_sharing", "MEMBER_REMOVAL", ("E9",), HouseholdStatus.EXITED,
        "已脱贫户（2017年），女儿外嫁后不与户主共享开支（共享开支 = 否）", _not_sharing,
    ),
    PlantedCase(
        "exit_ready", "EXIT_READY", (), HouseholdStatus.POOR,
        "未脱贫户，人均纯收入 5,200.00 元，两不愁三保障及饮水、帮扶措施均达标", _no_change,
    ),
    PlantedCase(
        "exit_ready_boundary", "EXIT_READY", (), HouseholdStatus.POOR,
        "未脱贫户，边界值：人均纯收入 3,500.01 元（高于 3,500），取水半径正好 1.00 公里", _exit_ready_boundary,
    ),
    PlantedCase(
        "exit_not_met_y1", "EXIT_NOT_MET", ("Y1",), HouseholdStatus.POOR,
        "未脱贫户，人均纯收入正好 3,500.00 元，未“稳定超过”脱贫收入标准", _y1,
    ),
    PlantedCase(
        "exit_not_met_y2", "EXIT_NOT_MET", ("Y2",), HouseholdStatus.POOR,
        "未脱贫户，取水半径 1.50 公里，超过 1 公里", _y2,
    ),
    PlantedCase(
        "exit_not_met_y3", "EXIT_NOT_MET", ("Y3",), HouseholdStatus.POOR,
        "未脱贫户，住房为 C 级危房（人均纯收入 5,200.00 元，不符合识别条件）", _y3,
    ),
    PlantedCase(
        "exit_not_met_y4", "EXIT_NOT_MET", ("Y4",), HouseholdStatus.POOR,
        "未脱贫户，13 岁儿子辍学（厌学）", _y4,
    ),
    PlantedCase(
        "exit_not_met_y5", "EXIT_NOT_MET", ("Y5",), HouseholdStatus.POOR,
        "未脱贫户，女儿未参加大病保险", _y5,
    ),
    PlantedCase(
        "exit_not_met_y6", "EXIT_NOT_MET", ("Y6",), HouseholdStatus.POOR,
        "未脱贫户，配偶（16–59 岁、非在校生）未参加养老保险", _y6,
    ),
    PlantedCase(
        "exit_not_met_y7", "EXIT_NOT_MET", ("Y7",), HouseholdStatus.POOR,
        "未脱贫户，没有任何帮扶措施记录", _y7,
    ),
    PlantedCase(
        "wrong_exit_y2", "WRONG_EXIT", ("Y2",), HouseholdStatus.EXITED,
        "2016年脱贫户，饮水不安全、取水半径 2.20 公里（2016 年为错退年度）", _wrong_exit_y2,
    ),
    PlantedCase(
        "continue_support_y3", "CONTINUE_SUPPORT", ("Y3",), HouseholdStatus.EXITED,
        "2014年脱贫户，住房为 D 级危房（2014、2015 年脱贫户继续帮扶）", _continue_support_y3,
    ),
    PlantedCase(
        "return_risk_y5", "RETURN_RISK", ("Y5",), HouseholdStatus.EXITED,
        "2017年脱贫户，儿子未参加基本医疗保险（返贫风险）", _return_risk_y5,
    ),
    PlantedCase(
        "dq1", "DQ1", (), HouseholdStatus.POOR,
        "未脱贫户，2017 与 2018 年度工资性、生产经营性、财产性、转移性收入和生产经营性支出完全相同", _dq1,
    ),
    PlantedCase(
        "dq2", "DQ2", (), HouseholdStatus.POOR,
        "未脱贫户，儿子 2017、2018 年度均为八年级", _dq2,
    ),
    PlantedCase(
        "dq3", "DQ3", (), HouseholdStatus.POOR,
        "未脱贫户，两名成员的与户主关系都是“户主”", _dq3,
    ),
    PlantedCase(
        "dq4", "DQ4", (), HouseholdStatus.POOR,
        "未脱贫户，2016-09-20 建档立卡，成员均 60 岁以上（68、66 岁），地址与下一行的一般农户相同", _dq4,
    ),
    PlantedCase(
        "dq4_partner", "—", (), HouseholdStatus.ORDINARY,
        "一般农户（DQ4 的对照户：儿子一家，与上一行同一地址）", _dq4_partner,
    ),
    PlantedCase(
        "dq5", "DQ5", (), HouseholdStatus.ORDINARY,
        "一般农户，户主之母有死亡记录（公安 2018-04-02）但仍在册", _dq5,
    ),
    PlantedCase(
        "dq6", "DQ6", (), HouseholdStatus.POOR,
        "特困供养户，唯一成员 2018-02-11 死亡（自然减少），户未注销，无在册成员（因而也有 DQ3、Y1 未达标）", _dq6,
    ),
    PlantedCase(
        "dq7", "DQ7", (), HouseholdStatus.POOR,
        "未脱贫户，只有 2017 年度收入，没有 2018 年度收入记录（因而 Y1 未达标）", _dq7,
    ),
)  # fmt: skip

# Exit year of the clean exited household each exited case starts from.
PLANTED_EXIT_YEARS = {"wrong_exit_y2": 2016, "continue_support_y3": 2014}


def planted_number(index: int) -> str:
    """Planted case ``index`` is household 0001 + index of village 1 (in group (index mod 6) + 1).

    Household numbers are the village code and a 4-digit sequence through the village, so the
    planted numbers are the same for every seed and size.
    """
    return f"{VILLAGE1_CODE}{index + 1:04d}"


def planted_group(index: int) -> str:
    return f"{VILLAGE1_CODE}{index % VILLAGE1_GROUPS + 1:03d}"


def planted_cases() -> list[tuple[str, PlantedCase]]:
    """(household number, case) of every planted case: the same for every seed and size."""
    return [(planted_number(i), case) for i, case in enumerate(PLANTED)]


def planted_table_markdown() -> str:
    lines = ["| 结果 outcome | 依据 criteria | 户编号 household | 说明 why |", "|---|---|---|---|"]
    for number, case in planted_cases():
        criteria = ", ".join(case.criteria) or "—"
        lines.append(f"| `{case.outcome}` | {criteria} | `{number}` | {case.summary} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Area tree
# --------------------------------------------------------------------------------------------


@dataclass
class AreaPlan:
    county: tuple[str, str]
    townships: list[tuple[str, str]]
    villages: list[tuple[str, str]]
    groups: list[tuple[str, str]]


def plan_areas(rng: random.Random, households: int) -> AreaPlan:
    """8 townships; villages and groups sized so that a group holds about 4 (at 2,000) to 40 households."""
    per_group = min(40.0, max(4.0, households / 480))
    villages_total = max(16, round(households / per_group / 6))
    townships = [(f"{COUNTY_CODE}{i + 1:03d}", name) for i, name in enumerate(TOWNSHIP_NAMES)]
    villages, groups = [], []
    place_names = [a + b for a in PLACE_FIRST for b in PLACE_SECOND]
    for t_index, (t_code, t_name) in enumerate(townships):
        count = max(2, round(villages_total / len(townships) * rng.uniform(0.8, 1.2)))
        names = rng.sample(place_names, count)
        for v_index in range(count):
            v_code = f"{t_code}{v_index + 1:03d}"
            suffix = "社区" if t_name.endswith("街道") and v_index in (1, 2) else "村"
            v_name = VILLAGE1_NAME if (t_index, v_index) == (0, 0) else names[v_index] + suffix
            villages.append((v_code, v_name))
            group_count = VILLAGE1_GROUPS if (t_index, v_index) == (0, 0) else rng.randint(4, 8)
            for g_index, natural in enumerate(rng.sample(place_names, group_count)):
                groups.append((f"{v_code}{g_index + 1:03d}", natural + rng.choice(("", "子", "上", "下", "头")) + "组"))
    return AreaPlan((COUNTY_CODE, COUNTY_NAME), townships, villages, groups)


def create_areas(plan: AreaPlan) -> dict[str, Area]:
    """Bulk insert the tree level by level (Area.save() is bypassed, so the level is set here)."""
    by_code: dict[str, Area] = {}
    levels = (
        (AreaLevel.COUNTY, [plan.county]),
        (AreaLevel.TOWNSHIP, plan.townships),
        (AreaLevel.VILLAGE, plan.villages),
        (AreaLevel.GROUP, plan.groups),
    )
    parent_length = {AreaLevel.TOWNSHIP: 6, AreaLevel.VILLAGE: 9, AreaLevel.GROUP: 12}
    for level, rows in levels:
        objs = [
            Area(
                code=code,
                name=name,
                level=level,
                parent=by_code[code[: parent_length[level]]] if level in parent_length else None,
                # About half the villages are poor villages (贫困村): the odd-numbered ones that are not 社区.
                is_poor_village=level == AreaLevel.VILLAGE and not name.endswith("社区") and int(code[-3:]) % 2 == 1,
            )
            for code, name in rows
        ]
        Area.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        by_code.update((a.code, a) for a in objs)
    return by_code


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass
class Slot:
    number: str
    group: Area
    planted: PlantedCase | None = None


class Generator:
    """Draws households from one random.Random; never touches the database."""

    def __init__(self, rng: random.Random, areas: dict[str, Area], plan: AreaPlan):
        self.rng = rng
        self.areas = areas
        self.names = {code: name for code, name in [*plan.townships, *plan.villages, *plan.groups]}
        self.used_ids: set[str] = set()
        self.addresses: dict[str, str] = {}
        self.planted_numbers = {case.key: number for number, case in planted_cases()}

    # ---- slots and addresses

    def slots(self, plan: AreaPlan, households: int) -> list[Slot]:
        """Every household's number and group: the planted cases first in village 1, then the random ones."""
        rng = self.rng
        planted_by_group: dict[str, list[tuple[str, PlantedCase]]] = {}
        for index, (number, case) in enumerate(planted_cases()):
            planted_by_group.setdefault(planted_group(index), []).append((number, case))
        group_codes = [code for code, _ in plan.groups]
        weights = [rng.uniform(0.5, 1.5) for _ in group_codes]
        counts = Counter(rng.choices(group_codes, weights, k=households - len(PLANTED)))
        sequence = Counter({VILLAGE1_CODE: len(PLANTED)})
        slots = []
        for code in group_codes:
            group = self.areas[code]
            for number, case in planted_by_group.get(code, []):
                slots.append(Slot(number, group, case))
            village = code[:12]
            for _ in range(counts[code]):
                sequence[village] += 1
                slots.append(Slot(f"{village}{sequence[village]:04d}", group))
        for slot in slots:
            code = slot.group.code
            names = self.names
            self.addresses[slot.number] = (
                f"{COUNTY_NAME}{names[code[:9]]}{names[code[:12]]}{names[code]}{int(slot.number[12:])}号"
            )
        return slots

    def household(self, slot: Slot) -> HouseholdDraft:
        if slot.planted:
            return self.planted(slot)
        return self.random_household(slot)

    # ---- people

    def surname(self, ethnicity: str) -> str:
        return _weighted(self.rng, ETHNIC_SURNAMES.get(ethnicity, HAN_SURNAMES))

    def given_name(self, sex: str, age: int) -> str:
        rng = self.rng
        if age < 25:
            pool = GIVEN_MALE_YOUNG if sex == M else GIVEN_FEMALE_YOUNG
        else:
            pool = GIVEN_MALE_OLD if sex == M else GIVEN_FEMALE_OLD
        if rng.random() < 0.25:
            return rng.choice(pool)
        return rng.choice(pool) + rng.choice(pool)

    def person(
        self,
        relation: str,
        age: int,
        hh: HouseholdDraft,
        *,
        sex: str | None = None,
        surname: str | None = None,
        region: str = COUNTY_CODE,
    ) -> MemberDraft:
        """A member with attributes plausible for the age: schooling, education, labour, insurance."""
        rng = self.rng
        if sex is None:
            sex = M if relation in MALE_RELATIONS else F
        if surname is None:
            surname = self.surname(hh.fields["ethnicity"])
        birth = datetime.date(INCOME_YEAR - age, rng.randint(1, 12), rng.randint(1, 28))
        member = MemberDraft(
            name=surname + self.given_name(sex, age), relation=relation, sex=sex, birth_date=birth, region=region
        )
        targeted = hh.status != HouseholdStatus.ORDINARY  # poor and exited households were covered by policy
        f = member.fields
        f["ethnicity"] = hh.fields["ethnicity"]
        f["shares_income"] = True
        self._schooling(member, age, targeted)
        in_school = f["schooling_status"] not in (SchoolingStatus.NOT_STUDENT, SchoolingStatus.PRESCHOOL)
        if not in_school and age >= 16:
            f["education"] = self._adult_education(age)
        # Health: most are healthy; chronic illness grows with age.
        roll = rng.random()
        chronic_p = 0.04 if age < 40 else (0.10 if age < 60 else 0.22)
        f["chronic_disease"] = f["serious_disease"] = f["disabled"] = False
        f["disease_name"] = f["disability_grade"] = ""
        if roll < 0.025:
            f["serious_disease"] = True
            f["disease_name"] = rng.choice(SERIOUS_DISEASES)
        elif roll < 0.065:
            f["disabled"] = True
            f["disability_grade"] = _weighted(
                rng,
                (
                    (DisabilityGrade.GRADE_1, 1),
                    (DisabilityGrade.GRADE_2, 2),
                    (DisabilityGrade.GRADE_3, 3),
                    (DisabilityGrade.GRADE_4, 4),
                ),
            )
        elif roll < 0.065 + chronic_p:
            f["chronic_disease"] = True
            f["disease_name"] = rng.choice(CHRONIC_DISEASES)
        f["labour_skill"] = self._labour(member, age, in_school)
        f["migrant_work"] = MigrantWork.NONE
        f["migrant_months"] = None
        if 18 <= age <= 55 and f["labour_skill"] in (LabourSkill.ORDINARY, LabourSkill.SKILLED) and rng.random() < 0.4:
            f["migrant_work"] = _weighted(rng, MIGRANT_WEIGHTS)
            f["migrant_months"] = rng.randint(3, 12)
        covered = 0.997 if targeted else 0.97
        f["medical_insurance"] = rng.random() < covered
        f["serious_illness_insurance"] = f["medical_insurance"] and rng.random() < covered
        f["family_doctor"] = rng.random() < (0.996 if targeted else 0.85)
        if age >= 16 and not in_school:
            f["pension_insurance"] = rng.random() < (0.992 if targeted else 0.85)
        else:
            f["pension_insurance"] = None
        return member

    def clean_person(self, relation: str, age: int, hh: HouseholdDraft, **kw) -> MemberDraft:
        """A member of a planted case: healthy and insured whatever the seed draws."""
        member = self.person(relation, age, hh, **kw)
        member.fields.update(CLEAN_MEMBER)
        adult = age >= 16 and member.fields["schooling_status"] == SchoolingStatus.NOT_STUDENT
        member.fields["pension_insurance"] = True if adult else None
        if member.fields["schooling_status"] in GRADED:
            member.previous_schooling = PREVIOUS_GRADE.get(member.fields["schooling_status"], SchoolingStatus.PRIMARY)
        return member

    @staticmethod
    def set_age(member: MemberDraft, age: int) -> None:
        member.birth_date = member.birth_date.replace(year=INCOME_YEAR - age)

    def make_student(self, member: MemberDraft, status: str, *, heavy: bool) -> None:
        f = member.fields
        f.update(schooling_status=status, dropout_reason="", heavy_study_burden=heavy, pension_insurance=None)
        f.update(labour_skill=LabourSkill.NONE, migrant_work=MigrantWork.NONE, migrant_months=None)
        f["education"] = self._education_of_student(status)
        member.previous_schooling = PREVIOUS_GRADE.get(status, status)

    def _schooling(self, member: MemberDraft, age: int, targeted: bool) -> None:
        rng = self.rng
        f = member.fields
        status, previous = SchoolingStatus.NOT_STUDENT, SchoolingStatus.NOT_STUDENT
        f["dropout_reason"] = ""
        f["heavy_study_burden"] = False
        if age < 3:
            f["education"] = Education.PRESCHOOL
        elif age < 6:
            f["education"] = Education.PRESCHOOL
            if rng.random() < 0.7:
                status = previous = SchoolingStatus.PRESCHOOL
        elif age <= 15:
            grade = {12: SchoolingStatus.GRADE_7, 13: SchoolingStatus.GRADE_8}.get(age, SchoolingStatus.GRADE_9)
            status = SchoolingStatus.PRIMARY if age <= 11 else grade
            if age == 15 and rng.random() < 0.5:  # a year ahead: already in senior or vocational school
                status = SchoolingStatus.HIGH_1 if rng.random() < 0.6 else SchoolingStatus.VOCATIONAL_1
            if age == 6:
                previous = SchoolingStatus.PRESCHOOL
            else:
                previous = PREVIOUS_GRADE.get(status, SchoolingStatus.PRIMARY)
            if rng.random() < 0.008:  # a few dropouts (Y4); in school the year before
                status = SchoolingStatus.NOT_STUDENT
                f["dropout_reason"] = _weighted(rng, DROPOUT_WEIGHTS)
        elif age <= 18 and rng.random() < 0.65:
            offset = age - 16
            stream = rng.random()
            if stream < 0.65:
                status = (SchoolingStatus.HIGH_1, SchoolingStatus.HIGH_2, SchoolingStatus.HIGH_3)[offset]
            else:
                status = (SchoolingStatus.VOCATIONAL_1, SchoolingStatus.VOCATIONAL_2, SchoolingStatus.VOCATIONAL_3)[
                    offset
                ]
            previous = PREVIOUS_GRADE[status]
        elif 19 <= age <= 22 and rng.random() < 0.25:
            if rng.random() < 0.5:
                status = (
                    SchoolingStatus.POLYTECHNIC_1,
                    SchoolingStatus.POLYTECHNIC_2,
                    SchoolingStatus.POLYTECHNIC_3,
                    SchoolingStatus.COLLEGE,
                )[age - 19]
                previous = PREVIOUS_GRADE.get(status, status)
            else:
                status = previous = SchoolingStatus.COLLEGE
        if status in GRADED and status == previous:
            previous = PREVIOUS_GRADE.get(status, status)
        if status in GRADED and rng.random() < 0.01:  # 留级: the same grade two years (DQ2 noise)
            previous = status
        if status in BEYOND_COMPULSORY:
            f["heavy_study_burden"] = rng.random() < (0.5 if targeted else 0.1)
        f["schooling_status"] = status
        if status not in (SchoolingStatus.NOT_STUDENT, SchoolingStatus.PRESCHOOL):
            f["education"] = self._education_of_student(status)
        elif age >= 6 and "education" not in f:
            f["education"] = Education.PRIMARY
        member.previous_schooling = previous

    @staticmethod
    def _education_of_student(status: str) -> str:
        if status == SchoolingStatus.PRIMARY:
            return Education.PRIMARY
        if status in (SchoolingStatus.GRADE_7, SchoolingStatus.GRADE_8, SchoolingStatus.GRADE_9):
            return Education.JUNIOR
        if status in (SchoolingStatus.POLYTECHNIC_1, SchoolingStatus.POLYTECHNIC_2, SchoolingStatus.POLYTECHNIC_3):
            return Education.COLLEGE
        if status == SchoolingStatus.COLLEGE:
            return Education.COLLEGE
        return Education.SENIOR

    def _adult_education(self, age: int) -> str:
        if age >= 60:
            weights = ((Education.ILLITERATE, 35), (Education.PRIMARY, 50), (Education.JUNIOR, 15))
        elif age >= 40:
            weights = (
                (Education.ILLITERATE, 10),
                (Education.PRIMARY, 45),
                (Education.JUNIOR, 38),
                (Education.SENIOR, 7),
            )
        elif age >= 19:
            weights = ((Education.PRIMARY, 15), (Education.JUNIOR, 55), (Education.SENIOR, 20), (Education.COLLEGE, 10))
        else:
            weights = ((Education.PRIMARY, 20), (Education.JUNIOR, 80))
        return _weighted(self.rng, weights)

    def _labour(self, member: MemberDraft, age: int, in_school: bool) -> str:
        f = member.fields
        if age < 16 or in_school:
            return LabourSkill.NONE
        if f["serious_disease"] or f["disability_grade"] in (DisabilityGrade.GRADE_1, DisabilityGrade.GRADE_2):
            return LabourSkill.LOST
        if age >= 75:
            return LabourSkill.NONE
        if age >= 65:
            return LabourSkill.ORDINARY if self.rng.random() < 0.4 else LabourSkill.NONE
        return LabourSkill.SKILLED if self.rng.random() < 0.15 else LabourSkill.ORDINARY

    def family(self, hh: HouseholdDraft, size: int, head_age: int) -> list[MemberDraft]:
        """Head, spouse, parents, children, daughter-in-law and grandchildren, ages consistent."""
        rng = self.rng
        ethnicity = hh.fields["ethnicity"]
        head_sex = M if rng.random() < 0.88 else F
        line = self.surname(ethnicity)  # the children's surname
        head = self.person(Relation.HEAD, head_age, hh, sex=head_sex, surname=line if head_sex == M else None)
        members = [head]
        slots = size - 1

        def add(relation, age, **kw):
            nonlocal slots
            member = self.person(relation, max(0, min(age, 98)), hh, **kw)
            members.append(member)
            slots -= 1
            return member

        if slots and rng.random() < (0.9 if head_age < 70 else 0.55):
            spouse_sex = F if head_sex == M else M
            delta = rng.randint(-2, 6)
            spouse_age = head_age - delta if head_sex == M else head_age + delta
            region = rng.choice(NEIGHBOUR_CODES) if rng.random() < 0.2 else COUNTY_CODE
            add(
                Relation.SPOUSE,
                max(20, spouse_age),
                sex=spouse_sex,
                surname=None if head_sex == M else line,
                region=region,
            )
        if slots >= 2 and head_age <= 48 and rng.random() < 0.35:
            parent_age = head_age + rng.randint(24, 32)
            if rng.random() < 0.5:
                add(Relation.FATHER, parent_age + rng.randint(0, 4), surname=head.name[0])
            if slots:
                add(Relation.MOTHER, parent_age)
        child_age = head_age - rng.randint(22, 34)
        first_child = True
        while slots > 0:
            relation = Relation.SON if rng.random() < 0.52 else Relation.DAUGHTER
            child = add(relation, child_age, surname=line)
            if first_child and relation == Relation.SON and child.age >= 24 and slots >= 2 and rng.random() < 0.75:
                add(Relation.DAUGHTER_IN_LAW, child.age + rng.randint(-4, 2))
                grand_age = child.age - rng.randint(21, 30)
                while slots > 0 and grand_age >= 0 and rng.random() < 0.8:
                    add(Relation.GRANDSON if rng.random() < 0.52 else Relation.GRANDDAUGHTER, grand_age, surname=line)
                    grand_age -= rng.randint(2, 5)
            first_child = False
            child_age -= rng.randint(1, 5)
        return members

    # ---- households

    def base_fields(self, slot: Slot, status: str) -> dict:
        rng = self.rng
        township_index = int(slot.number[6:9]) - 1
        lon, lat = TOWNSHIP_CENTRES[township_index % len(TOWNSHIP_CENTRES)]
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}" if rng.random() < 0.85 else ""
        return {
            "status": status,
            "ethnicity": _weighted(rng, ETHNICITIES),
            "address": self.addresses[slot.number],
            "phone": phone,
            "attribute": "",
            "id_standard": IdentificationStandard.NATIONAL,
            "registered_on": None,
            "exit_year": None,
            "returned_year": None,
            "main_cause": "",
            "other_causes": "",
            "housing_area": yuan(rng.randint(40_00, 160_00) // 100 * 100),
            "housing_structure": _weighted(rng, STRUCTURE_WEIGHTS),
            "housing_grade": HousingGrade.A,
            "relocation": Relocation.NO,
            "safe_water": True,
            "water_radius_km": yuan(rng.randint(0, 80)),
            "electricity": True,
            "radio_tv": rng.random() < 0.97,
            "broadband": rng.random() < 0.6,
            "sanitary_toilet": rng.random() < 0.7,
            "road_distance_km": yuan(rng.randint(5, 300)),
            "arable_land_mu": yuan(rng.randint(50, 800)),
            "forest_land_mu": yuan(rng.randint(0, 3000)) if rng.random() < 0.6 else Decimal("0.00"),
            "food_clothing_secured": True,
            "longitude": Decimal(f"{lon + rng.uniform(-0.06, 0.06):.6f}"),
            "latitude": Decimal(f"{lat + rng.uniform(-0.05, 0.05):.6f}"),
            "note": "",
        }

    def registration_date(self, year: int) -> datetime.date:
        rng = self.rng
        if year == 2014:  # the 建档立卡 campaign of April–October 2014
            return datetime.date(2014, rng.randint(4, 10), rng.randint(1, 28))
        return datetime.date(year, rng.randint(3, 11), rng.randint(1, 28))

    def random_household(self, slot: Slot) -> HouseholdDraft:
        rng = self.rng
        status = _weighted(rng, STATUS_WEIGHTS)
        fields = self.base_fields(slot, status)
        hh = HouseholdDraft(slot.number, slot.group, fields)
        targeted = status != HouseholdStatus.ORDINARY
        attribute = _weighted(rng, ATTRIBUTE_WEIGHTS) if targeted else ""
        if attribute == PovertyAttribute.TEKUN:
            size, head_age = (1 if rng.random() < 0.7 else 2), rng.randint(62, 88)
        else:
            size = _weighted(rng, SIZE_WEIGHTS)
            head_age = (
                rng.randint(52, 86)
                if size == 1
                else _weighted(
                    rng,
                    (
                        (rng.randint(25, 34), 12),
                        (rng.randint(35, 44), 22),
                        (rng.randint(45, 54), 26),
                        (rng.randint(55, 64), 20),
                        (rng.randint(65, 80), 20),
                    ),
                )
            )
        hh.members = self.family(hh, size, head_age)
        if targeted:
            self._registration(hh, attribute)
        self._housing(hh)
        self._natural_removal(hh)
        hh.incomes[INCOME_YEAR] = self.compose_income(hh, INCOME_YEAR, self._net_target(hh))
        growth = rng.uniform(0.80, 0.98)
        hh.incomes[PREVIOUS_YEAR] = self.compose_income(
            hh, PREVIOUS_YEAR, int(self._net_of(hh.incomes[INCOME_YEAR]) * growth)
        )
        self._facts(hh)
        return hh

    def _registration(self, hh: HouseholdDraft, attribute: str) -> None:
        rng = self.rng
        f = hh.fields
        f["attribute"] = attribute
        if rng.random() < 0.06:
            f["id_standard"] = IdentificationStandard.PROVINCIAL
        if f["status"] == HouseholdStatus.EXITED:
            exit_year = _weighted(rng, EXIT_YEAR_WEIGHTS)
            f["exit_year"] = exit_year
            reg_year = _weighted(rng, [(y, w) for y, w in REGISTRATION_YEAR_WEIGHTS if y <= exit_year])
        else:
            reg_year = _weighted(rng, REGISTRATION_YEAR_WEIGHTS)
        f["registered_on"] = self.registration_date(reg_year)
        if f["status"] == HouseholdStatus.POOR and reg_year <= 2016 and rng.random() < 0.04:
            f["returned_year"] = rng.choice((2017, 2018))
            f["note"] = f"{f['returned_year'] - 1}年脱贫，{f['returned_year']}年返贫"
        if f["status"] == HouseholdStatus.REMOVED:
            f["note"] = "2017年动态管理中按错评清退"
        cause = _weighted(rng, CAUSE_WEIGHTS)
        people = hh.members
        if cause == PovertyCause.ILLNESS and not any(
            m.fields["serious_disease"] or m.fields["chronic_disease"] for m in people
        ):
            sick = rng.choice(people).fields
            if rng.random() < 0.4:
                sick.update(serious_disease=True, disease_name=rng.choice(SERIOUS_DISEASES))
            else:
                sick.update(chronic_disease=True, disease_name=rng.choice(CHRONIC_DISEASES))
        if cause == PovertyCause.DISABILITY and not any(m.fields["disabled"] for m in people):
            rng.choice(people).fields.update(disabled=True, disability_grade=rng.choice(DisabilityGrade.values))
        f["main_cause"] = cause
        others = [c for c, _ in CAUSE_WEIGHTS if c != cause]
        count = _weighted(rng, ((0, 35), (1, 40), (2, 25)))
        f["other_causes"] = ",".join(sorted(rng.sample(others, count)))

    def _housing(self, hh: HouseholdDraft) -> None:
        rng = self.rng
        f = hh.fields
        status = f["status"]
        earthen = f["housing_structure"] in (HousingStructure.EARTH_WOOD, HousingStructure.WOOD)
        if status == HouseholdStatus.POOR:
            dangerous = 0.12 + (0.15 if earthen else 0)
        elif status == HouseholdStatus.EXITED:
            dangerous = 0.01
        else:
            dangerous = 0.04 + (0.08 if earthen else 0)
        roll = rng.random()
        if roll < dangerous:
            f["housing_grade"] = HousingGrade.C if rng.random() < 0.7 else HousingGrade.D
        else:
            f["housing_grade"] = HousingGrade.A if rng.random() < 0.45 else HousingGrade.B
        if status in (HouseholdStatus.POOR, HouseholdStatus.EXITED) and rng.random() < 0.04:
            f["relocation"] = Relocation.MOVED_IN if rng.random() < 0.9 else Relocation.MOVED_NOT_IN
            f["housing_grade"] = HousingGrade.A
            f["housing_structure"] = HousingStructure.REINFORCED
        unsafe = 0.02 if status in (HouseholdStatus.POOR, HouseholdStatus.EXITED) else 0.05
        if rng.random() < unsafe:
            f["safe_water"] = False
            f["water_radius_km"] = yuan(rng.randint(110, 300))
        f["food_clothing_secured"] = rng.random() < 0.995

    def _natural_removal(self, hh: HouseholdDraft) -> None:
        """A few households lost a member by a recorded natural change (death, marriage out)."""
        rng = self.rng
        if len(hh.members) < 2 or rng.random() > 0.03:
            return
        candidate = hh.members[-1]
        when = datetime.date(rng.choice((2017, 2018)), rng.randint(1, 12), rng.randint(1, 28))
        if candidate.age >= 65 or candidate.relation in (Relation.FATHER, Relation.MOTHER):
            reason = MemberReduceReason.DEATH
        elif candidate.sex == F and 20 <= candidate.age <= 35:
            reason = MemberReduceReason.MARRIED_OUT
        else:
            reason = MemberReduceReason.MOVED_OUT
        candidate.fields.update(is_active=False, removed_reason=reason, removed_on=when)
        hh.removed_changes.append((candidate, reason, when))

    # ---- income

    def _net_target(self, hh: HouseholdDraft) -> int:
        """Household net income in cents from a per-capita draw by status."""
        rng = self.rng
        status = hh.status
        if status == HouseholdStatus.POOR:
            bands = ((2000, 2952, 15), (2952, 3500, 30), (3500, 3800, 15), (3800, 5000, 30), (5000, 7000, 10))
        elif status == HouseholdStatus.EXITED:
            bands = ((3000, 3500, 4), (3500, 4500, 20), (4500, 9000, 76))
        elif status == HouseholdStatus.ORDINARY:
            bands = ((2200, 2952, 3), (2952, 4500, 7), (4500, 9000, 50), (9000, 16000, 40))
        else:
            bands = ((6000, 20000, 1),)
        low, high, _ = rng.choices(bands, [b[2] for b in bands])[0]
        per_capita = rng.randint(low * 100, high * 100)
        return per_capita * max(1, len(hh.active_members))

    @staticmethod
    def _net_of(income: dict) -> int:
        cents = [int(income[k] * 100) for k in ("wage", "business", "property_income", "transfer")]
        return sum(cents) - int(income["business_expenses"] * 100)

    def compose_income(
        self, hh: HouseholdDraft, year: int, net_cents: int, *, exact: bool = False, dibao: int = 0
    ) -> dict:
        """Income fields whose net income is ``net_cents`` (raised for large transfers unless exact)."""
        rng = self.rng
        members = hh.active_members
        size = max(1, len(members))
        f = hh.fields
        parts = dict.fromkeys(YearlyIncome.TRANSFER_PARTS, 0)
        scale = 1.0 if year == INCOME_YEAR else 0.92
        if f["attribute"] == PovertyAttribute.DIBAO:
            parts["dibao"] = int(size * rng.randint(1800_00, 3000_00) * scale)
        elif f["attribute"] == PovertyAttribute.TEKUN:
            parts["tekun"] = int(size * rng.randint(5400_00, 6600_00) * scale)
        elderly = sum(1 for m in members if m.age >= 60)
        parts["pension"] = elderly * (1236_00 if year == INCOME_YEAR else 1140_00)  # 103 / 95 yuan a month
        if f["forest_land_mu"] and rng.random() < 0.4:
            parts["eco_compensation"] = int(f["forest_land_mu"] * 15 * 100)  # 公益林补偿 ≈ 15 yuan per mu
        if rng.random() < 0.05:
            parts["family_planning"] = 960_00
        if rng.random() < 0.1:
            parts["other_transfer"] = rng.randint(200_00, 1500_00)
        parts["dibao"] += dibao
        transfer = sum(parts.values())
        if transfer > net_cents:
            if exact:
                parts = dict.fromkeys(parts, 0)
                parts["tekun" if f["attribute"] == PovertyAttribute.TEKUN else "dibao"] = net_cents // 2
                transfer = sum(parts.values())
            else:
                net_cents = transfer + size * rng.randint(300_00, 1500_00)
        production = net_cents - transfer
        property_income = rng.randint(100_00, 1200_00) if production > 5000_00 and rng.random() < 0.25 else 0
        migrant = any(m.fields.get("migrant_work", MigrantWork.NONE) != MigrantWork.NONE for m in members)
        share = rng.uniform(0.5, 0.85) if migrant else rng.uniform(0.1, 0.45)
        wage = int((production - property_income) * share)
        business_net = production - property_income - wage
        business = int(business_net / (1 - rng.uniform(0.2, 0.45)))
        expenses = business - business_net
        income = {
            "wage": yuan(wage),
            "business": yuan(business),
            "property_income": yuan(property_income),
            "transfer": yuan(transfer),
            "business_expenses": yuan(expenses),
        }
        income.update((k, yuan(v)) for k, v in parts.items())
        return income

    # ---- facts

    def _facts(self, hh: HouseholdDraft) -> None:
        rng = self.rng
        f = hh.fields
        status = f["status"]
        registered = f["registered_on"]
        members = hh.active_members or hh.members
        adults = [m for m in members if m.age >= 18] or members
        if status in (HouseholdStatus.POOR, HouseholdStatus.EXITED):
            if rng.random() < (0.95 if status == HouseholdStatus.POOR else 0.97):
                last = datetime.date(f["exit_year"], 11, 30) if f["exit_year"] else datetime.date(2018, 10, 31)
                first = registered + datetime.timedelta(days=30)
                span = max(1, (last - first).days)
                kinds = self._support_kinds(hh)
                for category, office in kinds:
                    when = first + datetime.timedelta(days=rng.randrange(span))
                    source = FactSource.SURVEY if office == "扶贫办" else FactSource.DEPARTMENT
                    hh.facts.append(
                        _fact(FactKind.SUPPORT_MEASURE, when, source_name=office, source=source, category=category)
                    )
            if f["attribute"] == PovertyAttribute.DIBAO:
                when = registered - datetime.timedelta(days=rng.randint(0, 900))
                hh.facts.append(_fact(FactKind.DIBAO, when, source_name="民政", category="农村低保"))
            if f["relocation"] != Relocation.NO:
                when = registered + datetime.timedelta(days=rng.randint(400, 1200))
                hh.facts.append(
                    _fact(
                        FactKind.URBAN_PROPERTY,
                        when,
                        source_name="住建",
                        relocation_housing=True,
                        category="易地搬迁安置房",
                    )
                )
            roll = rng.random()
            if roll < 0.07:  # motorcycles and tricycles, below the vehicle limit
                when = datetime.date(rng.randint(2010, 2018), rng.randint(1, 12), rng.randint(1, 28))
                price = rng.randint(3000, 25000) * 100
                hh.facts.append(
                    _fact(
                        FactKind.VEHICLE,
                        when,
                        member=rng.choice(adults),
                        source_name="公安",
                        amount=yuan(price),
                        category=rng.choice(("普通二轮摩托车", "三轮汽车")),
                    )
                )
            elif roll < 0.09:  # a car bought after registration as an exit measure
                when = registered + datetime.timedelta(days=rng.randint(200, 1400))
                hh.facts.append(
                    _fact(
                        FactKind.VEHICLE,
                        min(when, datetime.date(2018, 10, 31)),
                        member=rng.choice(adults),
                        source_name="公安",
                        amount=yuan(rng.randint(30000, 90000) * 100),
                        exit_measure=True,
                        category="轻型货车",
                    )
                )
            elif roll < 0.093:  # a hit the campaign should find: a car bought before registration
                when = registered - datetime.timedelta(days=rng.randint(100, 1500))
                hh.facts.append(
                    _fact(
                        FactKind.VEHICLE,
                        when,
                        member=rng.choice(adults),
                        source_name="公安",
                        amount=yuan(rng.randint(32000, 120000) * 100),
                        category="小型普通客车",
                    )
                )
            elif roll < 0.10:  # a village cadre elected after registration
                when = datetime.date(rng.choice((2016, 2017)), rng.randint(1, 12), rng.randint(1, 28))
                hh.facts.append(
                    _fact(
                        FactKind.VILLAGE_CADRE,
                        when,
                        member=rng.choice(adults),
                        source_name="组织部",
                        category="村民小组长",
                    )
                )
            if status == HouseholdStatus.REMOVED:
                return
        if status == HouseholdStatus.REMOVED:
            # the finding that removed it in 2017
            when = registered - datetime.timedelta(days=rng.randint(100, 1500))
            kind, office, extra = rng.choice(
                (
                    (
                        FactKind.VEHICLE,
                        "公安",
                        {"amount": yuan(rng.randint(35000, 160000) * 100), "category": "小型普通客车"},
                    ),
                    (FactKind.PUBLIC_PAYROLL, "人社", {"category": "事业单位职工"}),
                    (FactKind.BUSINESS, "市场监管", {"category": "个体工商户"}),
                    (FactKind.URBAN_PROPERTY, "住建", {"category": "商品房"}),
                )
            )
            member = rng.choice(adults) if kind != FactKind.URBAN_PROPERTY else None
            hh.facts.append(_fact(kind, when, member=member, source_name=office, **extra))
            return
        if status == HouseholdStatus.ORDINARY:
            if rng.random() < 0.2:
                when = datetime.date(rng.randint(2008, 2018), rng.randint(1, 12), rng.randint(1, 28))
                hh.facts.append(
                    _fact(
                        FactKind.VEHICLE,
                        when,
                        member=rng.choice(adults),
                        source_name="公安",
                        amount=yuan(rng.randint(35000, 180000) * 100),
                        category=rng.choice(("小型普通客车", "轻型货车", "小型越野客车")),
                    )
                )
            extras = (
                (0.06, FactKind.BUSINESS, "市场监管", "个体工商户"),
                (0.05, FactKind.URBAN_PROPERTY, "住建", "商品房"),
                (0.03, FactKind.PUBLIC_PAYROLL, "人社", "事业单位职工"),
                (0.015, FactKind.VILLAGE_CADRE, "组织部", "村委会委员"),
                (0.01, FactKind.HIRED_LABOUR, "人社", "长期雇工"),
            )
            for probability, kind, office, category in extras:
                if rng.random() < probability:
                    when = datetime.date(rng.randint(2006, 2018), rng.randint(1, 12), rng.randint(1, 28))
                    member = None if kind in (FactKind.URBAN_PROPERTY, FactKind.HIRED_LABOUR) else rng.choice(adults)
                    hh.facts.append(_fact(kind, when, member=member, source_name=office, category=category))

    def _support_kinds(self, hh: HouseholdDraft) -> list[tuple[str, str]]:
        rng = self.rng
        f = hh.fields
        chosen: list[tuple[str, str]] = []
        if f["relocation"] != Relocation.NO:
            chosen.append(("易地搬迁", "发改"))
        if f["attribute"] == PovertyAttribute.DIBAO and rng.random() < 0.5:
            chosen.append(("低保兜底", "民政"))
        if any(m.fields["schooling_status"] != SchoolingStatus.NOT_STUDENT for m in hh.members) and rng.random() < 0.6:
            chosen.append(("教育资助", "教育"))
        wanted = rng.randint(1, 3)
        pool = [(c, w) for c, w, _ in SUPPORT_MEASURES]
        offices = {c: o for c, _, o in SUPPORT_MEASURES}
        while len(chosen) < wanted:
            category = _weighted(rng, pool)
            if all(category != c for c, _ in chosen):
                chosen.append((category, offices[category]))
        return chosen

    # ---- planted cases

    def planted(self, slot: Slot) -> HouseholdDraft:
        """The clean household of the case's base status, then the case's change."""
        case = slot.planted
        fields = self.base_fields(slot, case.base)
        fields.update(
            ethnicity="汉族",
            housing_grade=HousingGrade.B,
            water_radius_km=Decimal("0.50"),
            safe_water=True,
            food_clothing_secured=True,
            housing_structure=HousingStructure.BRICK_CONCRETE,
        )
        hh = HouseholdDraft(slot.number, slot.group, fields, planted=case.key)
        line = self.surname("汉族")
        if case.base == HouseholdStatus.ORDINARY:
            hh.members = [
                self.person(Relation.HEAD, 52, hh, sex=M, surname=line),
                self.person(Relation.SPOUSE, 50, hh, sex=F),
                self.person(Relation.SON, 26, hh, surname=line),
            ]
            per_capita = (9600_00, 8700_00)
        else:
            fields.update(
                attribute=PovertyAttribute.GENERAL,
                registered_on=PLANTED_R,
                main_cause=PovertyCause.NO_CAPITAL,
                other_causes=PovertyCause.NO_SKILLS.value,
            )
            if case.base == HouseholdStatus.EXITED:
                fields["exit_year"] = PLANTED_EXIT_YEARS.get(case.key, 2017)
                hh.members = [
                    self.person(Relation.HEAD, 50, hh, sex=M, surname=line),
                    self.person(Relation.SPOUSE, 47, hh, sex=F),
                    self.person(Relation.SON, 22, hh, surname=line),
                    self.person(Relation.DAUGHTER, 20, hh, surname=line),
                ]
                per_capita = (6800_00, 5900_00)
            else:
                hh.members = [
                    self.person(Relation.HEAD, 46, hh, sex=M, surname=line),
                    self.person(Relation.SPOUSE, 44, hh, sex=F),
                    self.person(Relation.DAUGHTER, 21, hh, surname=line),
                ]
                per_capita = (5200_00, 4300_00)
            for category, office, when in (
                ("产业扶持", "农业农村", datetime.date(2016, 4, 12)),
                ("技能培训", "人社", datetime.date(2017, 5, 8)),
            ):
                hh.facts.append(_fact(FactKind.SUPPORT_MEASURE, when, source_name=office, category=category))
        for member in hh.members:  # a clean household: healthy, insured, adults out of school
            member.fields.update(CLEAN_MEMBER)
            member.fields.update(
                schooling_status=SchoolingStatus.NOT_STUDENT,
                dropout_reason="",
                heavy_study_burden=False,
                labour_skill=LabourSkill.ORDINARY,
                pension_insurance=True,
                education=Education.JUNIOR,
            )
            member.previous_schooling = SchoolingStatus.NOT_STUDENT
        hh.members[-1].fields.update(migrant_work=MigrantWork.IN_PROVINCE, migrant_months=10)
        _set_income(self, hh, INCOME_YEAR, per_capita[0])
        _set_income(self, hh, PREVIOUS_YEAR, per_capita[1])
        case.apply(self, hh)
        return hh

    # ---- ID numbers

    def assign_id(self, member: MemberDraft) -> None:
        rng = self.rng
        stem = f"{member.region}{member.birth_date:%Y%m%d}"
        parity = 1 if member.sex == M else 0
        while True:
            prefix = f"{stem}{rng.randrange(0, 1000, 2) + parity:03d}"
            number = make_id_number(prefix)
            if number not in self.used_ids:
                self.used_ids.add(number)
                member.id_number = number
                return


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    seed: int
    areas: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    returned: int = 0
    members: int = 0
    incomes: int = 0
    facts: int = 0
    planted: int = 0
    seconds: float = 0.0


def _history(objs, model, now) -> None:
    bulk_create_with_history(
        objs, model, batch_size=BATCH_SIZE, default_user=None, default_change_reason=CHANGE_REASON, default_date=now
    )


def write_chunk(gen: Generator, drafts: list[HouseholdDraft], now: datetime.datetime, summary: DemoSummary) -> None:
    households = []
    for d in drafts:
        registered = d.fields["registered_on"]
        household = Household(
            number=d.number,
            area=d.area,
            registration_year=registered.year if registered else None,
            **{k: v for k, v in d.fields.items() if k != "ethnicity"},
        )
        household.copy_area_codes()
        households.append(household)
        summary.statuses[d.status] += 1
        summary.returned += bool(d.fields["returned_year"])
        summary.planted += bool(d.planted)
    _history(households, Household, now)

    members, member_years, incomes, facts, changes = [], [], [], [], []
    for d, household in zip(drafts, households, strict=True):
        for m in d.members:
            gen.assign_id(m)
            m.obj = Member(
                household=household,
                name=m.name,
                id_number=m.id_number,
                relation=m.relation,
                sex=m.sex,
                birth_date=m.birth_date,
                **m.fields,
            )
            members.append(m.obj)
        for year, values in sorted(d.incomes.items()):
            incomes.append(YearlyIncome(household=household, year=year, **values))
    _history(members, Member, now)

    for d, household in zip(drafts, households, strict=True):
        for m in d.members:
            f = m.fields
            member_years.append(
                MemberYear(
                    member=m.obj,
                    year=PREVIOUS_YEAR,
                    schooling_status=m.previous_schooling,
                    dropout_reason="",
                    heavy_study_burden=f.get("heavy_study_burden", False) and m.previous_schooling in BEYOND_COMPULSORY,
                )
            )
            if m.active:
                member_years.append(
                    MemberYear(
                        member=m.obj,
                        year=INCOME_YEAR,
                        schooling_status=f["schooling_status"],
                        dropout_reason=f["dropout_reason"],
                        heavy_study_burden=f["heavy_study_burden"],
                    )
                )
        for fd in d.facts:
            facts.append(
                Fact(
                    household=household,
                    member=fd.member.obj if fd.member else None,
                    kind=fd.kind,
                    event_date=fd.event_date,
                    amount=fd.amount,
                    exit_measure=fd.exit_measure,
                    relocation_housing=fd.relocation_housing,
                    category=fd.category,
                    note=fd.note,
                    source=fd.source,
                    source_name=fd.source_name,
                    recorded_on=fd.recorded_on,
                )
            )
        for m, reason, when in d.removed_changes:
            changes.append(
                MemberChange(
                    household=household,
                    member=m.obj,
                    kind=MemberChangeKind.REDUCE,
                    reason=reason,
                    changed_on=when,
                    note="演示数据：自然减少",
                )
            )
    _history(incomes, YearlyIncome, now)
    _history(member_years, MemberYear, now)
    _history(facts, Fact, now)
    MemberChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    summary.members += len(members)
    summary.incomes += len(incomes)
    summary.facts += len(facts)


def create_accounts(areas: dict[str, Area], plan: AreaPlan) -> list[User]:
    scopes = {
        "county": areas[COUNTY_CODE],
        "township1": areas[plan.townships[0][0]],
        "township2": areas[plan.townships[1][0]],
        "village1": areas[plan.villages[0][0]],
    }
    password = make_password(DEMO_PASSWORD)  # hashed once: the same public password for every account
    users = [
        User(
            username=a.username,
            password=password,
            role=a.role,
            area=scopes[a.scope],
            department=a.department,
            full_name=a.full_name,
            first_name=a.full_name[1:],
            last_name=a.full_name[0],
        )
        for a in DEMO_ACCOUNTS
    ]
    User.objects.bulk_create(users)
    return users


def build_demo(households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Build the demo county on an empty registry, in one transaction."""
    if households < len(PLANTED):
        raise ValueError(f"households must be at least {len(PLANTED)} (the planted cases)")
    started = time.perf_counter()
    rng = random.Random(seed)
    summary = DemoSummary(seed=seed)
    now = timezone.now()
    with transaction.atomic():
        plan = plan_areas(rng, households)
        areas = create_areas(plan)
        summary.areas.update(
            {"county": 1, "township": len(plan.townships), "village": len(plan.villages), "group": len(plan.groups)}
        )
        create_accounts(areas, plan)
        gen = Generator(rng, areas, plan)
        for chunk in _chunks(gen.household(slot) for slot in gen.slots(plan, households)):
            write_chunk(gen, chunk, now, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _chunks(drafts: Iterator[HouseholdDraft]) -> Iterator[list[HouseholdDraft]]:
    chunk = []
    for draft in drafts:
        chunk.append(draft)
        if len(chunk) >= CHUNK_HOUSEHOLDS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --------------------------------------------------------------------------------------------
# Reset
# --------------------------------------------------------------------------------------------

REGISTRY_MODELS = (MemberChange, Fact, MemberYear, YearlyIncome, Survey, Member, Household)
HISTORY_MODELS = (Household, Member, YearlyIncome, MemberYear, Fact, Survey)


def existing_data() -> dict[str, int]:
    """What stops seed_demo on a non-empty database (only non-zero counts)."""
    counts = {
        "农户": Household.objects.count(),
        "行政区划": Area.objects.count(),
        "演示账号": User.objects.filter(username__in=DEMO_USERNAMES).count(),
    }
    return {k: v for k, v in counts.items() if v}


def clear_demo_data() -> dict[int, str]:
    """Delete the registry, its history, the areas and the demo users (seed_demo --reset).

    Rows of other apps that point at the registry or the areas are deleted first through the
    ORM (their own cascades apply); the registry tables themselves go with one DELETE each,
    since 100,000 households through the ORM's collector would take minutes and write a
    deletion history row per object. Returns the scope codes of the users that are kept, for
    ``restore_scopes`` after the rebuild.
    """
    registry = {*REGISTRY_MODELS, Area, User}
    historical = {get_history_model_for_model(m) for m in HISTORY_MODELS}
    tables = set(connection.introspection.table_names())
    for model in (*REGISTRY_MODELS, Area):
        # include_hidden: foreign keys declared with related_name="+" (scores, appeals, allocations …) count too.
        relations = [f for f in model._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]
        for rel in relations:
            if not (rel.one_to_many or rel.one_to_one):
                continue
            dependent = rel.related_model
            if dependent in registry or dependent in historical or dependent._meta.db_table not in tables:
                continue
            dependent._default_manager.filter(**{f"{rel.field.name}__isnull": False}).delete()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (*REGISTRY_MODELS, *historical):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
    AccessLog.objects.filter(user__username__in=DEMO_USERNAMES).delete()
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    kept = dict(User.objects.exclude(area=None).values_list("pk", "area__code"))
    User.objects.exclude(area=None).update(area=None)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(Area._meta.db_table)}")
    return kept


def restore_scopes(kept: dict[int, str]) -> list[str]:
    """Give kept users their scope area back by code; returns the usernames whose area is gone."""
    areas = dict(Area.objects.filter(code__in=set(kept.values())).values_list("code", "pk"))
    lost = []
    for user in User.objects.filter(pk__in=kept):
        area_id = areas.get(kept[user.pk])
        if area_id is None:
            lost.append(user.username)
        else:
            User.objects.filter(pk=user.pk).update(area_id=area_id)
    return lost
