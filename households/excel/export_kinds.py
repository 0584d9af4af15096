"""Export kinds that other apps contribute to ``manage.py export`` (FORMATS §6).

``households`` knows nothing of the apps built on it (SPEC §0), so the candidate lists, publicity lists and case
lists register their writers here from their AppConfig.ready(); the export command looks kinds up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportKind:
    name: str
    label: str
    # write(path, *, area_code, mask_ids, window) -> number of rows written
    write: Callable[..., int]
    always_masked: bool = True


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    _KINDS[kind.name] = kind


def registered(name: str) -> ExportKind | None:
    return _KINDS.get(name)


def names() -> list[str]:
    return sorted(_KINDS)


__all__ = ["ExportKind", "names", "register", "registered"]
