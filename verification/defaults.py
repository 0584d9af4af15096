"""The departments and check rules a new database starts with (seed 001 附件 相关部门职责; seed 003 §三(一)4).

Created by a ``post_migrate`` handler (apps.py) for every department code that has no row yet, with its default
rules; an existing department and its rules are never touched again, so the county's edits stay. A department the
county does not use is switched off (``is_active``), not deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.workflow import CaseKind
from households.choices import Department as Code

EXIT = [CaseKind.EXIT]
INCLUSION = [CaseKind.NEW, CaseKind.WRONG_EXIT, CaseKind.RETURN]
WRONG = [CaseKind.WRONG_INCLUSION]


@dataclass(frozen=True)
class RuleDefault:
    item: str
    title: str
    kinds: list[str]
    always: bool
    statement: str = ""


@dataclass(frozen=True)
class DepartmentDefault:
    code: str
    name: str
    duties: str
    rules: tuple[RuleDefault, ...] = ()


def _fact_checks(item: str, title: str, absent: str) -> tuple[RuleDefault, RuleDefault]:
    """An exclusion fact: confirmed for a 错评 case citing it; its absence checked for each household brought in."""
    return (
        RuleDefault(item, title, WRONG, False),
        RuleDefault(item, title, INCLUSION, True, absent),
    )


DEPARTMENTS: tuple[DepartmentDefault, ...] = (
    DepartmentDefault(
        Code.POLICE,
        "公安局",
        "核准户籍、身份证、姓名等信息，提供拥有机动车信息",
        (
            RuleDefault("ID", "身份信息", [CaseKind.NEW], True, "家庭成员姓名、证件号码与户籍登记一致"),
            *_fact_checks("E3", "机动车", "本户成员名下无价格3万元以上机动车"),
            RuleDefault("E9", "死亡、失踪人员", WRONG, False),
        ),
    ),
    DepartmentDefault(
        Code.CIVIL, "民政局", "核查享受低保等情况", (RuleDefault("I5", "享受低保", [CaseKind.NEW], False),)
    ),
    DepartmentDefault(
        Code.HR,
        "人力资源和社会保障局",
        "核查财政供养人员、参加养老保险及务工等情况",
        (
            *_fact_checks("E1", "财政供养人员", "本户成员中无在岗在编财政供养人员"),
            RuleDefault("E5", "长期雇工", WRONG, False),
            RuleDefault("Y6", "养老保险", EXIT, True),
        ),
    ),
    DepartmentDefault(
        Code.FINANCE,
        "财政局",
        "核查财政供养人员、资金投入等情况",
        _fact_checks("E1", "财政供养人员", "本户成员中无财政供养人员"),
    ),
    DepartmentDefault(
        Code.LAND,
        "自然资源局",
        "提供购买商品房、门面房等信息",
        _fact_checks("E4", "城镇房产", "本户成员在城镇无自建房、商品房或门面房"),
    ),
    DepartmentDefault(
        Code.HOUSING,
        "住房和城乡建设局",
        "核查住房安全等情况",
        (RuleDefault("Y3", "住房安全", EXIT, True), RuleDefault("G2", "住房安全", EXIT, False)),
    ),
    DepartmentDefault(
        Code.MARKET,
        "市场监督管理局",
        "提供工商注册等信息",
        _fact_checks("E6", "工商注册经营", "本户成员无工商注册登记并实际经营的市场主体"),
    ),
    DepartmentDefault(
        Code.HEALTH,
        "卫生健康局",
        "核查患病、家庭医生签约等情况",
        (RuleDefault("Y5", "基本医疗（家庭医生签约）", EXIT, True), RuleDefault("G4", "基本医疗", EXIT, False)),
    ),
    DepartmentDefault(
        Code.EDUCATION,
        "教育局",
        "核准就学及“减、免、代、补”情况",
        (RuleDefault("Y4", "义务教育", EXIT, True), RuleDefault("G3", "子女教育", EXIT, False)),
    ),
    DepartmentDefault(Code.DISABLED, "残疾人联合会", "核查残疾人口数、证件等情况"),
    DepartmentDefault(
        Code.MEDICAL_INSURANCE,
        "医疗保障局",
        "核查基本医疗保险、大病保险参保情况",
        (RuleDefault("Y5", "基本医疗保险、大病保险", EXIT, True),),
    ),
    DepartmentDefault(
        Code.WATER,
        "水务局",
        "核准饮水安全情况",
        (RuleDefault("Y2", "饮水安全", EXIT, True), RuleDefault("G5", "饮用水", EXIT, False)),
    ),
    DepartmentDefault(
        Code.ORGANISATION,
        "党委组织部",
        "核查政治面貌、村三委干部等情况",
        _fact_checks("E2", "村三委干部", "本户成员中无现任村三委干部"),
    ),
)


def create_missing_departments(using: str = "default") -> int:
    """Create every default department that has no row yet, with its rules. Returns how many were created."""
    from .models import CheckRule, Department

    existing = set(Department.objects.using(using).values_list("code", flat=True))
    created = 0
    for default in DEPARTMENTS:
        if default.code in existing:
            continue
        department = Department.objects.using(using).create(code=default.code, name=default.name, duties=default.duties)
        CheckRule.objects.using(using).bulk_create(
            CheckRule(
                department=department,
                item=rule.item,
                title=rule.title,
                kinds=[str(k) for k in rule.kinds],
                always=rule.always,
                statement=rule.statement,
            )
            for rule in default.rules
        )
        created += 1
    return created
