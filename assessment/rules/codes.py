"""Codes the rules read and write.

The input codes copy the values of ``households.choices`` (the rules import nothing of Django, SPEC §0);
``tests/assessment/test_rules_codes.py`` checks that the copies still agree. The output codes (outcomes, criteria,
warnings) are the stable contract of FORMATS §5.
"""

from __future__ import annotations


class Status:
    ORDINARY = "ordinary"
    POOR = "poor"
    EXITED = "exited"
    REMOVED = "removed"


class Attribute:
    GENERAL = "01"
    DIBAO = "04"
    TEKUN = "06"


class Relation:
    HEAD = "01"


class Relocation:
    NO = "no"
    MOVED_NOT_IN = "moved_not_in"
    MOVED_IN = "moved_in"


class Schooling:
    NOT_STUDENT = "01"


class Dropout:
    POVERTY = "01"


class FactKind:
    PUBLIC_PAYROLL = "public_payroll"
    VILLAGE_CADRE = "village_cadre"
    VEHICLE = "vehicle"
    URBAN_PROPERTY = "urban_property"
    HIRED_LABOUR = "hired_labour"
    BUSINESS = "business"
    HOUSEHOLD_SPLIT = "household_split"
    HOLLOW_REGISTRATION = "hollow_registration"
    DECEASED = "deceased"
    MISSING = "missing"
    NOT_SHARING_INCOME = "not_sharing_income"
    FRAUD = "fraud"
    DIBAO = "dibao"
    SUPPORT_MEASURE = "support_measure"


class StandardSet:
    YUNNAN7 = "yunnan7"
    GUANGDONG8 = "guangdong8"


class OutcomeCode:
    MISSED = "MISSED"
    WRONG_INCLUSION = "WRONG_INCLUSION"
    NORMAL_EXIT = "NORMAL_EXIT"
    EXIT_READY = "EXIT_READY"
    EXIT_NOT_MET = "EXIT_NOT_MET"
    WRONG_EXIT = "WRONG_EXIT"
    CONTINUE_SUPPORT = "CONTINUE_SUPPORT"
    RETURN_RISK = "RETURN_RISK"
    MEMBER_REMOVAL = "MEMBER_REMOVAL"


# Household outcomes in the order a judgement lists them.
OUTCOME_ORDER = (
    OutcomeCode.MISSED,
    OutcomeCode.WRONG_INCLUSION,
    OutcomeCode.NORMAL_EXIT,
    OutcomeCode.EXIT_READY,
    OutcomeCode.EXIT_NOT_MET,
    OutcomeCode.WRONG_EXIT,
    OutcomeCode.CONTINUE_SUPPORT,
    OutcomeCode.RETURN_RISK,
)

IDENTIFICATION_CODES = ("I1", "I2", "I3", "I4", "I5")
# E9 is a member criterion; the household gets it only when every active member is removed (SPEC §4.2).
EXCLUSION_CODES = ("E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E10")
EXCEPTION_CODES = frozenset({"E1", "E2", "E3", "E4", "E6"})
YUNNAN7_CODES = ("Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7")
GUANGDONG8_CODES = ("G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8")
WARNING_CODES = ("DQ1", "DQ2", "DQ3", "DQ4", "DQ5", "DQ6", "DQ7")

# The fact kind behind each exclusion criterion (seed 001 §二(二) 1–10).
EXCLUSION_FACT_KIND = {
    "E1": FactKind.PUBLIC_PAYROLL,
    "E2": FactKind.VILLAGE_CADRE,
    "E3": FactKind.VEHICLE,
    "E4": FactKind.URBAN_PROPERTY,
    "E5": FactKind.HIRED_LABOUR,
    "E6": FactKind.BUSINESS,
    "E7": FactKind.HOUSEHOLD_SPLIT,
    "E8": FactKind.HOLLOW_REGISTRATION,
    "E10": FactKind.FRAUD,
}
REMOVAL_FACT_KINDS = (FactKind.DECEASED, FactKind.MISSING, FactKind.NOT_SHARING_INCOME)

# 高中/中职/高职 一–三年级 and 大专及以上: study beyond compulsory education (SPEC §4 I4).
BEYOND_COMPULSORY = frozenset({"07", "08", "09", "10", "11", "12", "13", "14", "15", "16"})
# 七年级 … 高职三年级: grades whose repetition is a data-quality warning (SPEC §4.5 DQ2).
GRADED_SCHOOLING = frozenset({"04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15"})
DANGEROUS_GRADES = frozenset({"C", "D"})
SAFE_GRADES = frozenset({"A", "B"})

SCHOOLING_LABELS = {
    "01": "非在校生",
    "02": "学前教育",
    "03": "小学",
    "04": "七年级",
    "05": "八年级",
    "06": "九年级",
    "07": "高中一年级",
    "08": "高中二年级",
    "09": "高中三年级",
    "10": "中职一年级",
    "11": "中职二年级",
    "12": "中职三年级",
    "13": "高职一年级",
    "14": "高职二年级",
    "15": "高职三年级",
    "16": "大专及以上",
}
DROPOUT_LABELS = {"01": "因贫", "02": "因病", "03": "因残", "04": "厌学", "99": "其他"}
ATTRIBUTE_LABELS = {"01": "一般贫困户", "04": "低保贫困户", "06": "特困供养贫困户"}
FACT_KIND_LABELS = {
    FactKind.PUBLIC_PAYROLL: "财政供养人员",
    FactKind.VILLAGE_CADRE: "村三委干部",
    FactKind.VEHICLE: "机动车",
    FactKind.URBAN_PROPERTY: "城镇房产",
    FactKind.HIRED_LABOUR: "长期雇工",
    FactKind.BUSINESS: "工商注册经营",
    FactKind.HOUSEHOLD_SPLIT: "故意分户并户",
    FactKind.HOLLOW_REGISTRATION: "空挂户",
    FactKind.DECEASED: "死亡",
    FactKind.MISSING: "失踪",
    FactKind.NOT_SHARING_INCOME: "不共享开支",
    FactKind.FRAUD: "弄虚作假",
    FactKind.DIBAO: "享受低保",
    FactKind.SUPPORT_MEASURE: "帮扶措施",
}
STANDARD_SET_LABELS = {StandardSet.YUNNAN7: "户“7条”标准", StandardSet.GUANGDONG8: "“八有”标准"}
