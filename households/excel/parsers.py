"""Cell parsers: one function per kind of value, each turning a cell into a Python value or raising CellError.

Cells arrive as python-calamine gives them: ``str`` for text, ``float`` for every number, ``bool``,
``datetime.date``/``datetime.datetime`` for date-formatted numbers, ``""`` for an empty cell.
Messages are Chinese and name what was found and what is allowed; the caller adds row and header.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from households.idnumber import parse_id_number


class CellError(Exception):
    """A cell that cannot be read; ``message`` is shown after the row number and header."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any) -> str:
    """Text of a cell: trimmed; a whole number typed as a number loses its ``.0``."""
    if is_empty(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def normalize_label(value: str) -> str:
    """Full-width and half-width forms compare equal (（镇） and (镇)); spaces do not count."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def text(max_length: int, *, required: bool = False) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = clean_text(value)
        if required and not result:
            raise CellError("不能为空")
        if len(result) > max_length:
            raise CellError(f"不能超过{max_length}个字符（当前{len(result)}个）")
        return result

    return parse


def identifier(max_length: int, *, required: bool = True) -> Callable[[Any], str]:
    """A code typed as text (户编号): a number cell is refused, it may have lost leading zeros or digits."""

    def parse(value: Any) -> str:
        if is_empty(value):
            if required:
                raise CellError("不能为空")
            return ""
        if not isinstance(value, str):
            raise CellError(
                f"单元格是数字（{clean_text(value)}），可能已丢失前导零或末位数字；请把该列设置为文本格式后重新填写"
            )
        result = unicodedata.normalize("NFKC", value).strip()
        if len(result) > max_length:
            raise CellError(f"不能超过{max_length}个字符（当前{len(result)}个）")
        return result

    return parse


def area_code(value: Any, *, lengths: Iterable[int] = (6, 9, 12, 15), required: bool = True) -> str:
    """区划代码: digits only. A number cell is accepted: codes have no leading zero and fit a float exactly."""
    if is_empty(value):
        if required:
            raise CellError("不能为空")
        return ""
    if isinstance(value, float) and value.is_integer() and 0 < value < 10**15:
        code = str(int(value))
    elif isinstance(value, str):
        code = unicodedata.normalize("NFKC", value).strip()
    else:
        raise CellError(f"“{clean_text(value)}”不是区划代码")
    lengths = tuple(lengths)
    if not code.isdigit() or len(code) not in lengths:
        allowed = "、".join(str(n) for n in lengths)
        raise CellError(f"“{code}”不是有效的区划代码，应为{allowed}位数字")
    return code


def id_number(value: Any, *, today: datetime.date, required: bool = True):
    """证件号码 → IdInfo. A number cell is refused whatever its checksum (ecosystem.md finding 5)."""
    if is_empty(value):
        if required:
            raise CellError("不能为空")
        return None
    if not isinstance(value, str):
        raise CellError(
            f"单元格是数字（{clean_text(value)}），18位证件号码存成数字会丢失末几位；"
            "请把该列设置为文本格式后重新填写证件号码"
        )
    try:
        return parse_id_number(value, today=today)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


YES = {"是", "Y", "YES", "1", "TRUE", "T", "√"}
NO = {"否", "N", "NO", "0", "FALSE", "F", "×"}


def yes_no(value: Any, *, default: bool | None = None) -> bool | None:
    """是/否, also Y/N, 1/0, TRUE/FALSE; empty gives the default (None: unknown)."""
    if is_empty(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        if value in (0, 1):
            return bool(value)
    elif isinstance(value, str):
        key = unicodedata.normalize("NFKC", value).strip().upper()
        if key in YES:
            return True
        if key in NO:
            return False
    raise CellError(f"“{clean_text(value)}”不是是/否，可填：是、否（也可填 Y/N、1/0、TRUE/FALSE）")


def yes_no_default(default: bool | None) -> Callable[[Any], bool | None]:
    return lambda value: yes_no(value, default=default)


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_NUMBER_TEXT = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def decimal(
    value: Any,
    *,
    places: int = 2,
    max_digits: int = 14,
    minimum: Decimal | None = Decimal("0"),
    required: bool = False,
    default: Decimal | None = None,
) -> Decimal | None:
    """A number with at most ``places`` decimals, exactly.

    An Excel number arrives as a float; its shortest repr is the decimal text Excel stored
    (``3500.1`` → ``"3500.1"``), so ``Decimal(repr(x))`` is exact and no float arithmetic happens.
    A float that needs more than ``places`` decimals (``0.30000000000000004``) is an error, not rounded.
    """
    if is_empty(value):
        if required:
            raise CellError("不能为空")
        return default
    if isinstance(value, bool):
        raise CellError(f"“{clean_text(value)}”不是数字")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("不是有效数字")
        number = Decimal(repr(value))
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        raw = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
        if _GROUPED_NUMBER_TEXT.fullmatch(raw):
            raw = raw.replace(",", "")
        if not _NUMBER_TEXT.fullmatch(raw):
            raise CellError(f"“{value.strip()}”不是数字")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise CellError(f"“{value.strip()}”不是数字") from None
    else:
        raise CellError(f"“{clean_text(value)}”不是数字")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        normalized = number.normalize()
        exponent = normalized.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            raise CellError(f"“{clean_text(value)}”的小数超过{places}位")
        number = normalized
    if minimum is not None and number < minimum:
        raise CellError(f"不能小于{minimum}（当前{clean_text(value)}）")
    quantum = Decimal(1).scaleb(-places)
    number = number.quantize(quantum)
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise CellError(f"“{clean_text(value)}”太大")
    return number


def money(value: Any) -> Decimal:
    """Yuan with up to two decimals; empty means 0 (the income record's columns are never unknown)."""
    return decimal(value, default=Decimal("0.00"))


def optional_decimal(max_digits: int) -> Callable[[Any], Decimal | None]:
    return lambda value: decimal(value, max_digits=max_digits)


def integer(value: Any, *, minimum: int, maximum: int, what: str = "整数") -> int | None:
    if is_empty(value):
        return None
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and unicodedata.normalize("NFKC", value).strip().lstrip("+").isdigit():
        number = int(unicodedata.normalize("NFKC", value).strip())
    else:
        raise CellError(f"“{clean_text(value)}”不是{what}")
    if not minimum <= number <= maximum:
        raise CellError(f"{number}超出范围（{minimum}～{maximum}）")
    return number


def year(value: Any) -> int | None:
    """A year: 2018, 2018.0 or the text "2018" / "2018年"."""
    if isinstance(value, str):
        value = value.strip().removesuffix("年")
    return integer(value, minimum=1950, maximum=2100, what="年份（如 2018）")


def months(value: Any) -> int | None:
    return integer(value, minimum=0, maximum=12, what="月数（0～12）")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


def date(value: Any, *, today: datetime.date | None = None) -> datetime.date | None:
    """An Excel date cell, or text in year-month-day order (2016-05-01, 2016/5/1, 2016年5月1日, 20160501).

    A plain number is refused: without a date format it is not clearly a date.
    """
    if is_empty(value):
        return None
    if isinstance(value, datetime.datetime):
        result = value.date()
    elif isinstance(value, datetime.date):
        result = value
    elif isinstance(value, str):
        raw = unicodedata.normalize("NFKC", value).strip()
        match = _DATE_TEXT.fullmatch(raw) or _DATE_DIGITS.fullmatch(raw)
        if not match:
            raise CellError(f"“{raw}”不是日期，请填写日期或 YYYY-MM-DD 格式的文本")
        try:
            result = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CellError(f"“{raw}”不是有效日期") from None
    else:
        raise CellError(f"“{clean_text(value)}”不是日期，请把单元格设置为日期格式或填写 YYYY-MM-DD")
    if result.year < 1900:
        raise CellError(f"日期{result:%Y-%m-%d}不合理")
    if today is not None and result > today:
        raise CellError(f"日期{result:%Y-%m-%d}晚于今天")
    return result


class Choice:
    """A code list read by its Chinese label (FORMATS values are exactly the choices' labels)."""

    def __init__(
        self,
        choices: Iterable[tuple[str, str]],
        *,
        aliases: dict[str, str] | None = None,
        default: str = "",
        required: bool = False,
    ):
        self.labels = dict(choices)
        self.required = required
        self.by_label = {normalize_label(label): value for value, label in self.labels.items()}
        for alias, value in (aliases or {}).items():
            self.by_label[normalize_label(alias)] = value
        self.default = default

    @property
    def allowed(self) -> str:
        return "、".join(self.labels.values())

    def __call__(self, value: Any) -> str:
        if is_empty(value):
            if self.required:
                raise CellError(f"不能为空，可填：{self.allowed}")
            return self.default
        raw = clean_text(value)
        try:
            return self.by_label[normalize_label(raw)]
        except KeyError:
            raise CellError(f"“{raw}”不是有效值，可填：{self.allowed}") from None

    def label(self, value: str) -> str:
        return self.labels.get(value, value) if value else ""


LIST_SEPARATORS = re.compile(r"[、,，;；/]+")


def split_list(value: Any) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(clean_text(value)) if part.strip()]
