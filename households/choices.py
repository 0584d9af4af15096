"""Code lists of the registry (FORMATS §2, the national collection form's code tables).

Values are the national two-digit codes where the national form has them (domain.md §1.4),
English slugs where it has none; labels are what the roster and the survey form show.
"""

from django.db import models


class AreaLevel(models.TextChoices):
    COUNTY = "county", "县（区）"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "行政村（社区）"
    GROUP = "group", "村民小组（自然村）"


# Length of the national statistical code at each level (SPEC §1).
CODE_LENGTH = {
    AreaLevel.COUNTY: 6,
    AreaLevel.TOWNSHIP: 9,
    AreaLevel.VILLAGE: 12,
    AreaLevel.GROUP: 15,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Role(models.TextChoices):
    COUNTY = "county", "县扶贫办"
    TOWNSHIP = "township", "乡镇扶贫专干"
    VILLAGE = "village", "村信息员"
    DEPARTMENT = "department", "部门核查员"
    ASSESSOR = "assessor", "考核组"
    LEADER = "leader", "领导（只读）"


class Department(models.TextChoices):
    """Departments that verify cases (SPEC §6). The verification app keys its data by these."""

    POLICE = "公安", "公安"
    CIVIL = "民政", "民政"
    HR = "人社", "人社"
    LAND = "自然资源", "自然资源"
    HOUSING = "住建", "住建"
    MARKET = "市场监管", "市场监管"
    HEALTH = "卫健", "卫健"
    EDUCATION = "教育", "教育"
    DISABLED = "残联", "残联"
    MEDICAL_INSURANCE = "医保", "医保"
    WATER = "水务", "水务"
    ORGANISATION = "组织部", "组织部"
    FINANCE = "财政", "财政"


class HouseholdStatus(models.TextChoices):
    ORDINARY = "ordinary", "一般农户"
    POOR = "poor", "未脱贫"
    EXITED = "exited", "已脱贫"
    REMOVED = "removed", "已清退"


class PovertyAttribute(models.TextChoices):
    GENERAL = "01", "一般贫困户"
    DIBAO = "04", "低保贫困户"
    TEKUN = "06", "特困供养贫困户"


class IdentificationStandard(models.TextChoices):
    NATIONAL = "01", "国家标准"
    PROVINCIAL = "02", "省定标准"


class PovertyCause(models.TextChoices):
    ILLNESS = "01", "因病"
    DISABILITY = "02", "因残"
    SCHOOLING = "03", "因学"
    DISASTER = "04", "因灾"
    NO_LAND = "05", "缺土地"
    NO_WATER = "06", "缺水"
    NO_SKILLS = "07", "缺技术"
    NO_LABOUR = "08", "缺劳力"
    NO_CAPITAL = "09", "缺资金"
    TRANSPORT = "10", "交通条件落后"
    NO_DRIVE = "11", "自身发展动力不足"
    MARRIAGE = "12", "因婚"
    FUNERAL = "13", "因丧"
    OTHER = "99", "其他"


class HousingGrade(models.TextChoices):
    A = "A", "A级"
    B = "B", "B级"
    C = "C", "C级（危房）"
    D = "D", "D级（危房）"


class HousingStructure(models.TextChoices):
    REINFORCED = "reinforced", "钢混"
    BRICK_CONCRETE = "brick_concrete", "砖混"
    BRICK_WOOD = "brick_wood", "砖木"
    EARTH_WOOD = "earth_wood", "土木"
    WOOD = "wood", "木结构"
    OTHER = "other", "其他"


class Relocation(models.TextChoices):
    NO = "no", "否"
    MOVED_NOT_IN = "moved_not_in", "已搬迁未入住"
    MOVED_IN = "moved_in", "已搬迁已入住"


class CardColour(models.TextChoices):
    RED = "red", "红卡"
    YELLOW = "yellow", "黄卡"
    BLUE = "blue", "蓝卡"
    GREEN = "green", "绿卡"


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class Relation(models.TextChoices):
    HEAD = "01", "户主"
    SPOUSE = "02", "配偶"
    SON = "03", "之子"
    DAUGHTER = "04", "之女"
    DAUGHTER_IN_LAW = "05", "之儿媳"
    SON_IN_LAW = "06", "之女婿"
    GRANDSON = "07", "之孙子"
    GRANDDAUGHTER = "08", "之孙女"
    DAUGHTERS_SON = "09", "之外孙子"
    DAUGHTERS_DAUGHTER = "10", "之外孙女"
    FATHER = "11", "之父"
    MOTHER = "12", "之母"
    WIFES_FATHER = "13", "之岳父"
    WIFES_MOTHER = "14", "之岳母"
    HUSBANDS_FATHER = "15", "之公公"
    HUSBANDS_MOTHER = "16", "之婆婆"
    GRANDFATHER = "17", "之祖父"
    GRANDMOTHER = "18", "之祖母"
    MATERNAL_GRANDFATHER = "19", "之外祖父"
    MATERNAL_GRANDMOTHER = "20", "之外祖母"
    OTHER = "99", "其他"


class Education(models.TextChoices):
    ILLITERATE = "01", "文盲或半文盲"
    PRIMARY = "02", "小学"
    JUNIOR = "03", "初中"
    SENIOR = "04", "高中"
    COLLEGE = "05", "大专及以上"
    PRESCHOOL = "06", "学龄前儿童"


class SchoolingStatus(models.TextChoices):
    NOT_STUDENT = "01", "非在校生"
    PRESCHOOL = "02", "学前教育"
    PRIMARY = "03", "小学"
    GRADE_7 = "04", "七年级"
    GRADE_8 = "05", "八年级"
    GRADE_9 = "06", "九年级"
    HIGH_1 = "07", "高中一年级"
    HIGH_2 = "08", "高中二年级"
    HIGH_3 = "09", "高中三年级"
    VOCATIONAL_1 = "10", "中职一年级"
    VOCATIONAL_2 = "11", "中职二年级"
    VOCATIONAL_3 = "12", "中职三年级"
    POLYTECHNIC_1 = "13", "高职一年级"
    POLYTECHNIC_2 = "14", "高职二年级"
    POLYTECHNIC_3 = "15", "高职三年级"
    COLLEGE = "16", "大专及以上"


class DropoutReason(models.TextChoices):
    POVERTY = "01", "因贫"
    ILLNESS = "02", "因病"
    DISABILITY = "03", "因残"
    DISLIKE = "04", "厌学"
    OTHER = "99", "其他"


class DisabilityGrade(models.TextChoices):
    GRADE_1 = "1", "一级"
    GRADE_2 = "2", "二级"
    GRADE_3 = "3", "三级"
    GRADE_4 = "4", "四级"


class LabourSkill(models.TextChoices):
    ORDINARY = "01", "普通劳动力"
    SKILLED = "02", "技能劳动力"
    LOST = "03", "丧失劳动力"
    NONE = "04", "无劳动力"


class MigrantWork(models.TextChoices):
    NONE = "00", "无"
    IN_TOWNSHIP = "01", "乡（镇）内务工"
    IN_COUNTY = "02", "乡（镇）外县内务工"
    IN_PROVINCE = "03", "县外省内务工"
    OUT_OF_PROVINCE = "04", "省外务工"
    OTHER = "99", "其他"


class FactKind(models.TextChoices):
    PUBLIC_PAYROLL = "public_payroll", "财政供养人员"
    VILLAGE_CADRE = "village_cadre", "村三委干部"
    VEHICLE = "vehicle", "机动车"
    URBAN_PROPERTY = "urban_property", "城镇房产"
    HIRED_LABOUR = "hired_labour", "长期雇工"
    BUSINESS = "business", "工商注册经营"
    HOUSEHOLD_SPLIT = "household_split", "故意分户并户"
    HOLLOW_REGISTRATION = "hollow_registration", "空挂户"
    DECEASED = "deceased", "死亡"
    MISSING = "missing", "失踪"
    NOT_SHARING_INCOME = "not_sharing_income", "不共享开支"
    FRAUD = "fraud", "弄虚作假"
    DIBAO = "dibao", "享受低保"
    SUPPORT_MEASURE = "support_measure", "帮扶措施"


class FactSource(models.TextChoices):
    SURVEY = "survey", "实地调查"
    DEPARTMENT = "department", "部门数据比对"
    VERIFICATION = "verification", "部门核实"
    MANUAL = "manual", "县级录入"


class MemberAddReason(models.TextChoices):
    BIRTH = "birth", "新生儿"
    MARRIED_IN = "married_in", "嫁入"
    MOVED_IN = "moved_in", "迁入"
    TRANSFER_IN = "transfer_in", "转入（户间转移）"
    OTHER = "other", "其他"


class MemberReduceReason(models.TextChoices):
    DEATH = "death", "死亡"
    MARRIED_OUT = "married_out", "嫁出"
    EMIGRATED = "emigrated", "出国定居"
    IMPRISONED = "imprisoned", "判刑收监"
    MOVED_OUT = "moved_out", "迁出"
    TRANSFER_OUT = "transfer_out", "转出（户间转移）"
    OTHER = "other", "其他"


class MemberChangeKind(models.TextChoices):
    ADD = "add", "自然增加"
    REDUCE = "reduce", "自然减少"


# Grades whose repetition in consecutive years is a data-quality warning (SPEC §4.5 DQ2).
GRADED_SCHOOLING = frozenset(
    {
        SchoolingStatus.GRADE_7,
        SchoolingStatus.GRADE_8,
        SchoolingStatus.GRADE_9,
        SchoolingStatus.HIGH_1,
        SchoolingStatus.HIGH_2,
        SchoolingStatus.HIGH_3,
        SchoolingStatus.VOCATIONAL_1,
        SchoolingStatus.VOCATIONAL_2,
        SchoolingStatus.VOCATIONAL_3,
        SchoolingStatus.POLYTECHNIC_1,
        SchoolingStatus.POLYTECHNIC_2,
        SchoolingStatus.POLYTECHNIC_3,
    }
)
