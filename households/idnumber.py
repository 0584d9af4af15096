"""Resident ID numbers (居民身份证号码): validation, derived sex and birth date, masking.

FORMATS §2: checksum, a real birth date not in the future, a plausible province prefix. The
6-digit region code is deliberately *not* checked against the birth date: python-stdnum's
full ``validate()`` rejects real people whose county code is younger than they are (东川区's
530113 exists since 1998, yet its elderly carry it), so only its check-digit routine is used.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from stdnum.cn import ric

# First two digits: provinces, plus 71 台湾 and 81/82/83 (港澳台居民居住证, issued since 2018).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip
OLDEST_BIRTH_DATE = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: datetime.date
    sex: str  # Sex value: "1" male, "2" female


def normalize_id_number(value: str) -> str:
    """Full-width digits and letters to ASCII, spaces removed, a trailing x upper-cased."""
    return unicodedata.normalize("NFKC", str(value)).replace(" ", "").strip().upper()


def parse_id_number(value: str, *, today: datetime.date) -> IdInfo:
    """Validate an 18-character resident ID number; raise ValidationError in Chinese."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(f"证件号码应为18位，当前为{len(number)}位", code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("证件号码前17位必须是数字，最后一位是数字或X", code="digits")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(f"证件号码的省份代码“{number[:2]}”不存在", code="province")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(f"证件号码中的出生日期“{number[6:14]}”不是有效日期", code="birth_date") from None
    if birth > today:
        raise ValidationError(f"证件号码中的出生日期{birth:%Y-%m-%d}晚于今天", code="future_birth")
    if birth < OLDEST_BIRTH_DATE:
        raise ValidationError(f"证件号码中的出生日期{birth:%Y-%m-%d}早于1900年，不合理", code="old_birth")
    if ric.calc_check_digit(number[:17]) != number[17]:
        raise ValidationError("证件号码校验位错误，请核对后重新输入", code="checksum")
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return IdInfo(number=number, birth_date=birth, sex=sex)


def mask_id_number(number: str | None) -> str:
    """530113********1234: region code and last four digits only (SPEC §1)."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def make_id_number(prefix17: str) -> str:
    """Complete 17 digits with their check digit (demo data and tests)."""
    return prefix17 + ric.calc_check_digit(prefix17)
