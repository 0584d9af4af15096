"""Excel downloads in the browser: who gets full ID numbers, the access log row, streaming the workbook.

SPEC §1: full resident ID numbers only for users whose scope holds the records, every export logged. The rule for
downloads (docs/excel.md, "Downloads in the browser"): the county office and township staff get full numbers
(what they export comes from ``Household.objects.visible_to`` and so lies inside their scope); village officers,
assessors and leaders get masked numbers (530113********1234); department users cannot download the registry at
all (403). Anyone may ask for a masked file (``?mask=1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.db.models import QuerySet

from households.choices import Role
from households.idnumber import mask_id_number, normalize_id_number
from households.listing import STATUS_CHOICES, looks_like_id_number
from households.models import AccessLog, Household, User

from .export import SheetWriter, roster_export_columns, roster_records, roster_row_count

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL_ID_ROLES = frozenset({Role.COUNTY, Role.TOWNSHIP})
# Compressed bytes handed to the response at a time; the browser sees the download start at once.
STREAM_CHUNK = 256 * 1024
# Rows written between two progress updates of a background export.
PROGRESS_ROWS = 5000


def full_ids_allowed(user: User) -> bool:
    return user.is_active and user.role in FULL_ID_ROLES


def describe_filters(filters: dict[str, str], labels: dict[str, dict[str, str]]) -> str:
    """The list filters of a download as the log shows them; a searched ID number is masked (the log holds none)."""
    parts = []
    for name, value in filters.items():
        if not value or name == "sort":
            continue
        if name == "q":
            normalized = normalize_id_number(value)
            shown = mask_id_number(normalized) if looks_like_id_number(normalized) else value
            parts.append(f"关键词={shown}")
        else:
            parts.append(f"{FILTER_NAMES.get(name, name)}={labels.get(name, {}).get(value, value)}")
    return "，".join(parts) or "无筛选条件"


FILTER_NAMES = {
    "area_code": "区划",
    "status": "户状态",
    "attribute": "贫困户属性",
    "main_cause": "主要致贫原因",
    "housing_grade": "危房等级",
}
STATUS_LABELS = dict(STATUS_CHOICES)


def log_export(
    user: User,
    *,
    target: str,
    detail: str,
    row_count: int,
    masked: bool,
    ip_address: str | None,
    has_ids: bool = True,
) -> AccessLog:
    """One access-log row per export. ``has_ids=False``: the file holds no ID numbers at all (scores, funds)."""
    ids = ("证件号码已打码" if masked else "含完整证件号码") if has_ids else "不含证件号码"
    return AccessLog.objects.create(
        user=user,
        action=AccessLog.Action.EXPORT,
        target=target[:200],
        detail=f"{detail}；{ids}",
        row_count=row_count,
        ip_address=ip_address or None,
    )


class _Pipe:
    """A write-only file for the zip writer; the response generator takes the bytes as they come."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        self.size = 0
        return data


def stream_roster(
    households: QuerySet[Household], *, mask_ids: bool, finished: Callable[[int], Any] | None = None
) -> Iterator[bytes]:
    """The roster of ``households`` as .xlsx bytes, produced while the rows are read (flat memory): for a
    StreamingHttpResponse. ``finished(rows)`` runs after the last row."""
    pipe = _Pipe()
    writer = SheetWriter(pipe, "花名册", roster_export_columns(), mask_ids=mask_ids)
    for record in roster_records(households=households):
        writer.write(record)
        if pipe.size >= STREAM_CHUNK:
            yield pipe.take()
    rows = writer.save()
    yield pipe.take()
    if finished is not None:
        finished(rows)


def write_roster_file(
    households: QuerySet[Household],
    output: str | Path | IO[bytes],
    *,
    mask_ids: bool,
    progress: Callable[[int], Any] | None = None,
    every: int = PROGRESS_ROWS,
) -> int:
    """The same workbook as ``stream_roster`` (same columns, same masking), written to ``output``; for the
    background export (households/background.py). ``progress(rows)`` runs every ``every`` rows. Returns the rows."""
    writer = SheetWriter(output, "花名册", roster_export_columns(), mask_ids=mask_ids)
    for record in roster_records(households=households):
        writer.write(record)
        if progress is not None and writer.rows_written % every == 0:
            progress(writer.rows_written)
    return writer.save()


def expected_rows(households: QuerySet[Household]) -> int:
    return roster_row_count(households)
