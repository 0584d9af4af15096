"""The FORMATS §4 policy file: read, convert, validate, and create or update the policy of that name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from households.models import User

from .models import Policy
from .services import save_policy

KNOWN_KEYS = frozenset({"name", "note", *Policy.PARAMETERS})


class PolicyFileError(Exception):
    """The file is not a valid policy: every problem, in Chinese."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors))


@dataclass
class LoadedPolicy:
    policy: Policy
    created: bool
    changed: bool
    warnings: list[str] = field(default_factory=list)


def read_policy_file(path: str | Path) -> dict[str, Any]:
    """The JSON object of ``path``; numbers with a fraction become ``Decimal`` (never float).

    Raises ``OSError`` when the file cannot be read and ``PolicyFileError`` when it is not a JSON object.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise PolicyFileError([f"不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列）：{error.msg}"]) from None
    except UnicodeDecodeError:
        raise PolicyFileError(["文件不是 UTF-8 编码的 JSON"]) from None
    if not isinstance(data, dict):
        raise PolicyFileError(["文件内容应为一个 JSON 对象（{…}），见 FORMATS §4"])
    return data


def load_policy_values(data: dict[str, Any], *, by: User | None = None) -> LoadedPolicy:
    """Create or update the policy named ``data["name"]``; the version goes up only when a value changes.

    Keys absent from ``data`` keep the stored value (or the default for a new policy); ``null`` empties a value.
    """
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PolicyFileError(["缺少政策名称（name），或名称不是文字"])
    name = name.strip()
    warnings = [f"忽略未知参数「{key}」" for key in sorted(set(data) - KNOWN_KEYS)]
    policy = Policy.objects.filter(name=name).first()
    created = policy is None
    if created:
        policy = Policy(name=name)
    errors = []
    for key in ("note", *Policy.PARAMETERS):
        if key not in data:
            continue
        try:
            setattr(policy, key, _convert(Policy._meta.get_field(key), data[key]))
        except ValueError as error:
            errors.append(f"{_label(key)}：{error}")
    if errors:
        raise PolicyFileError(errors)
    try:
        changed = save_policy(policy, by=by)
    except ValidationError as error:
        raise PolicyFileError(validation_messages(error)) from None
    return LoadedPolicy(policy, created, changed, warnings)


def _convert(model_field: models.Field, value: Any) -> Any:
    if isinstance(model_field, models.JSONField):
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError("应为年度列表，例如 [2014, 2015]")
        return [_year(item) for item in value]
    if isinstance(model_field, models.TextField):
        return "" if value is None else str(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"「{value}」不是数值")
    if isinstance(model_field, models.DecimalField):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"「{value}」不是数字") from None
        if not number.is_finite():
            raise ValueError(f"「{value}」不是数字")
        return number
    if isinstance(model_field, models.PositiveSmallIntegerField):
        return _integer(value)
    if model_field.choices:
        if value not in dict(model_field.choices):
            allowed = "、".join(str(v) for v, _ in model_field.choices)
            raise ValueError(f"「{value}」不是可选值，应为 {allowed}")
        return value
    return value


def _integer(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"「{value}」不是整数")


def _year(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"「{value}」不是年度")
    try:
        return _integer(value)
    except ValueError:
        raise ValueError(f"「{value}」不是年度，应为四位数字年份") from None


def _label(name: str) -> str:
    try:
        verbose = Policy._meta.get_field(name).verbose_name
    except Exception:  # noqa: BLE001 - an unknown key is labelled by itself
        return name
    return f"{verbose}（{name}）"


def validation_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{_label(name) if name != '__all__' else '政策'}：{message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)
