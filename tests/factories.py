"""Small factory functions with sensible defaults (STYLE.md: persona fixtures + factories)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from households.choices import AreaLevel, HouseholdStatus, PovertyAttribute, Relation, Role
from households.idnumber import make_id_number, parse_id_number
from households.models import Area, Household, Member, User, YearlyIncome

PASSWORD = "demo-pass-2024"
_seq = itertools.count(1)

COUNTY_CODE = "530113"
TOWNSHIP_A = "530113001"
TOWNSHIP_B = "530113002"
VILLAGE_A1 = "530113001001"
VILLAGE_A2 = "530113001002"
VILLAGE_B1 = "530113002001"
GROUP_A1 = "530113001001001"
GROUP_A2 = "530113001002001"
GROUP_B1 = "530113002001001"


def make_area(code: str, name: str | None = None) -> Area:
    parent = None
    for length in (12, 9, 6):
        if len(code) > length:
            parent = Area.objects.filter(code=code[:length]).first()
            if parent:
                break
    area, _ = Area.objects.get_or_create(code=code, defaults={"name": name or f"区划{code}", "parent": parent})
    return area


def make_area_tree() -> dict[str, Area]:
    """东川区 with two townships; each has villages and groups."""
    names = {
        COUNTY_CODE: "东川区",
        TOWNSHIP_A: "铜都街道",
        TOWNSHIP_B: "阿旺镇",
        VILLAGE_A1: "箐口村",
        VILLAGE_A2: "石羊村",
        VILLAGE_B1: "小江村",
        GROUP_A1: "箐口一组",
        GROUP_A2: "石羊一组",
        GROUP_B1: "小江一组",
    }
    return {code: make_area(code, name) for code, name in sorted(names.items(), key=lambda kv: len(kv[0]))}


def next_id_number(birth: datetime.date = datetime.date(1970, 1, 1), sex: str = "1") -> str:
    """A valid, unique ID number: two sequence slots per call, the odd one for men (the 17th digit carries sex)."""
    base = 2 * next(_seq)
    seq = base % 1000 + (1 if sex == "1" else 0)
    region = f"53{(base // 1000) % 100:02d}13"
    return make_id_number(f"{region}{birth:%Y%m%d}{seq:03d}")


def make_user(username: str, role: str, area: Area | None = None, department: str = "", **extra) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, area=area, department=department, **extra
    )
    return user


def make_household(
    area: Area,
    *,
    number: str | None = None,
    status: str = HouseholdStatus.POOR,
    members: int = 3,
    income_year: int | None = 2018,
    wage: Decimal = Decimal("6000"),
    **fields,
) -> Household:
    defaults = {
        "attribute": PovertyAttribute.GENERAL if status != HouseholdStatus.ORDINARY else "",
        "registered_on": datetime.date(2014, 10, 1) if status != HouseholdStatus.ORDINARY else None,
        "housing_grade": "B",
        "safe_water": True,
        "food_clothing_secured": True,
    }
    defaults.update(fields)
    household = Household.objects.create(number=number or f"HH{next(_seq):06d}", area=area, status=status, **defaults)
    for i in range(members):
        relation = Relation.HEAD if i == 0 else (Relation.SPOUSE if i == 1 else Relation.SON)
        make_member(household, relation=relation, birth=datetime.date(1970 + 3 * i, 5, 1), sex="1" if i != 1 else "2")
    if income_year:
        YearlyIncome.objects.create(household=household, year=income_year, wage=wage)
    return household


def make_member(
    household: Household,
    *,
    name: str | None = None,
    relation: str = Relation.SON,
    birth: datetime.date = datetime.date(1990, 1, 1),
    sex: str = "1",
    id_number: str | None = None,
    **fields,
) -> Member:
    number = id_number or next_id_number(birth, sex)
    info = parse_id_number(number, today=datetime.date(2026, 1, 1))
    return Member.objects.create(
        household=household,
        name=name or f"成员{next(_seq)}",
        id_number=info.number,
        relation=relation,
        sex=info.sex,
        birth_date=info.birth_date,
        **fields,
    )


ROLE_USERS = {
    "county": (Role.COUNTY, COUNTY_CODE, ""),
    "township1": (Role.TOWNSHIP, TOWNSHIP_A, ""),
    "township2": (Role.TOWNSHIP, TOWNSHIP_B, ""),
    "village1": (Role.VILLAGE, VILLAGE_A1, ""),
    "police": (Role.DEPARTMENT, None, "公安"),
    "assessor": (Role.ASSESSOR, COUNTY_CODE, ""),
    "leader": (Role.LEADER, COUNTY_CODE, ""),
}

__all__ = ["AreaLevel"]
