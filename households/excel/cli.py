"""What the import and export commands share: the acting user, the change reason, the report lines."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from households.models import User

from .roster import NEW, UNCHANGED, UPDATED

EXIT_ERRORS = 1  # the file has errors: nothing was written
EXIT_USAGE = 2  # bad usage: missing file, not an xlsx, unknown user or kind


def resolve_user(username: str | None) -> User | None:
    """The user the change history records as the author of the import (None: a command-line run)."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户“{username}”不存在或已停用", returncode=EXIT_USAGE)
    return user


def change_reason(action: str, path: str | Path) -> str:
    """History rows name the import and its file (simple-history keeps 100 characters)."""
    return f"{action}：{Path(path).name}"[:100]


def counts_line(label: str, counts: dict[str, int]) -> str:
    return f"{label}：新增 {counts[NEW]}，更新 {counts[UPDATED]}，未变 {counts[UNCHANGED]}"
