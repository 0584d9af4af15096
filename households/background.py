"""Exports and evaluation runs as background jobs: who sees them, and the roster export (docs/jobs.md).

Both kinds go queued → running → done / failed on a ``Job`` row, through the worker of the imports
(``jobs.enqueue``: in the request when no broker is configured) with the imports' progress writer. The
evaluation's own code is in assessment/evaluation_jobs.py; this module holds the pages' access rules and the
county-wide roster export:

- a roster download of more than ``settings.EXPORT_SYNC_MAX_HOUSEHOLDS`` households becomes a job (after a
  confirmation page: GET only reads); the worker writes the same workbook as the streamed download (same
  columns, same masking rule) to ``IMPORT_ROOT/exports/<yyyy>/<mm>/<uuid>.xlsx``, through a ``.part`` file
  renamed when complete, with "rows written / expected" on the job. A failure removes the partial file.
- The export is written to the access log when it is asked for (as the streamed download), and each download
  of the finished file once more. Only the user who asked for the export sees its job and downloads the file:
  it is a copy of personal data under that user's name (a county colleague makes their own export).
- An evaluation job is seen by its user and by the county-level readers of evaluation runs whose scope holds it.
- ``purge_import_files`` deletes export files after a few days (the job row stays).
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from assessment.access import can_read_policies

from .access import require_registry_reader
from .excel.downloads import expected_rows, full_ids_allowed, log_export, write_roster_file
from .jobs import ProgressWriter, eager, enqueue, fail, file_sha256, stored_path
from .listing import find_households
from .models import AccessLog, Job, User

logger = logging.getLogger(__name__)

BACKGROUND_KINDS = (Job.Kind.EXPORT, Job.Kind.EVALUATION)
EXPORT_DIR = "exports"
EXPORT_UNAVAILABLE = "后台任务队列不可用，未生成文件；请稍后重试或联系系统管理员"
EXPORT_FAILED_NOTE = "；后台导出失败，未生成文件"


# ---------------------------------------------------------------------------------------------
# Access.


def can_have_jobs(user: User) -> bool:
    """Who has a 后台任务 page: the readers of the registry (exports) include the county office (evaluations)."""
    return user.is_authenticated and user.can_read_registry


def require_job_user(user: User) -> None:
    if not can_have_jobs(user):
        raise PermissionDenied("您的角色没有后台任务")


def own_jobs(user: User):
    """The user's own exports and evaluation runs, newest first (the list page; no result payloads)."""
    require_job_user(user)
    return Job.objects.filter(user=user, kind__in=BACKGROUND_KINDS).defer("result")


def can_view(user: User, job: Job) -> bool:
    if job.user_id == user.pk:
        return True
    if job.kind == Job.Kind.EVALUATION and can_read_policies(user) and user.area_id:
        return job.scope_code.startswith(user.area.code)
    return False


def get_job_for_user(user: User, job_id: int) -> Job:
    """An export or evaluation job the user may see (404 otherwise: another user's export, another scope)."""
    require_job_user(user)
    job = Job.objects.filter(pk=job_id, kind__in=BACKGROUND_KINDS).select_related("user").first()
    if job is None or not can_view(user, job):
        raise Http404("没有找到该后台任务，或您无权查看")
    return job


# ---------------------------------------------------------------------------------------------
# The roster export.


def export_relative_path() -> str:
    today = timezone.localdate()
    return f"{EXPORT_DIR}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.xlsx"


def start_roster_export(
    user: User,
    *,
    filters: dict[str, str],
    masked: bool,
    target: str,
    file_name: str,
    filter_text: str,
    ip_address: str | None,
) -> Job:
    """Queue the roster export of the list's ``filters``, log it, and return the job (done already without a broker)."""
    require_registry_reader(user)
    rows = expected_rows(find_households(user, **filters))
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.EXPORT,
            status=Job.Status.QUEUED,
            user=user,
            scope_code=user.area.code,
            file_name=file_name[:255],
            options={
                "export": "roster",
                "filters": filters,
                "filter_text": filter_text,
                "masked": masked,
                "target": target,
            },
            in_background=not eager(),
            progress_total=rows,
            message="已排队，等待生成文件",
        )
        log = log_export(
            user,
            target=target,
            detail=f"后台导出（任务#{job.pk}）；{filter_text}",
            row_count=rows,
            masked=masked,
            ip_address=ip_address,
        )
        job.options["access_log"] = log.pk
        Job.objects.filter(pk=job.pk).update(options=job.options)
        from . import tasks

        enqueue(tasks.export_roster, job.pk, unavailable=EXPORT_UNAVAILABLE)
    job.refresh_from_db()
    return job


def run_export(job_id: int) -> None:
    """The worker's part: write the workbook to a file, then 已完成 with its size and hash; 失败 removes it."""
    job = Job.objects.filter(pk=job_id, kind=Job.Kind.EXPORT).select_related("user__area").first()
    if job is None:
        return
    if job.status == Job.Status.QUEUED:
        if not job.move_to(Job.Status.RUNNING, started_at=timezone.now(), message="正在生成文件…"):
            return
    elif job.status != Job.Status.RUNNING:  # a repeated delivery of a job that has ended
        return
    # RUNNING here too when delivered again after the worker died: the file is written again from the start.
    relative = job.stored_path or export_relative_path()
    Job.objects.filter(pk=job.pk).update(stored_path=relative)
    target = stored_path(relative)
    partial = target.with_suffix(".part")
    progress = ProgressWriter(job.pk)
    expected = job.progress_total
    try:
        user = job.user
        require_registry_reader(user)  # the user may have lost the right since asking
        masked = bool(job.options.get("masked")) or not full_ids_allowed(user)
        households = find_households(user, **job.options.get("filters", {}))
        progress(0, expected, f"正在写入（共 {expected} 行）…")
        target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640), "wb") as out:
            rows = write_roster_file(
                households,
                out,
                mask_ids=masked,
                progress=lambda n: progress(n, max(expected, n), f"已写入 {n} / {expected} 行"),
            )
        os.replace(partial, target)
        done = job.move_to(
            Job.Status.DONE,
            finished_at=timezone.now(),
            progress_done=rows,
            progress_total=rows,
            file_size=target.stat().st_size,
            sha256=file_sha256(target),
            message=f"文件已生成：共 {rows} 行，可以下载",
            summary={"rows": rows, "masked": masked},
        )
        if not done:
            raise RuntimeError("任务状态已被他人修改")
        if rows != expected:  # records changed between the request and the file
            AccessLog.objects.filter(pk=job.options.get("access_log")).update(row_count=rows)
    except Exception as error:
        logger.exception("export job %s failed", job.pk)
        remove_files(relative)
        Job.objects.filter(pk=job.pk).update(stored_path="")
        reason = error.args[0] if isinstance(error, PermissionDenied) and error.args else error
        fail(job, f"生成导出文件时出错，未生成文件：{reason}")
        note_failure(job)
    finally:
        progress.close()


def remove_files(relative: str) -> int:
    """Delete an export file and its partial sibling; the number of files deleted."""
    removed = 0
    path = stored_path(relative)
    for candidate in (path, path.with_suffix(".part")):
        if candidate.is_file():
            candidate.unlink()
            removed += 1
    return removed


def note_failure(job: Job) -> None:
    log = AccessLog.objects.filter(pk=job.options.get("access_log")).first()
    if log is not None and EXPORT_FAILED_NOTE not in log.detail:
        AccessLog.objects.filter(pk=log.pk).update(detail=f"{log.detail}{EXPORT_FAILED_NOTE}")


def export_file(user: User, job: Job) -> Path:
    """The finished export's file, for its own user only (404 for anyone else, or once the file is gone)."""
    if job.kind != Job.Kind.EXPORT or job.user_id != user.pk:
        raise Http404("没有找到该导出文件")
    if job.status != Job.Status.DONE or not job.stored_path:
        raise Http404("导出文件尚未生成，或已按保留期限删除")
    path = stored_path(job.stored_path)
    if not path.is_file():
        raise Http404("导出文件已删除，请重新导出")
    return path


def log_download(user: User, job: Job, ip_address: str | None) -> AccessLog:
    return log_export(
        user,
        target=f"下载{job.options.get('target', '导出文件')}",
        detail=f"下载后台导出文件（任务#{job.pk}）",
        row_count=job.summary.get("rows", 0),
        masked=bool(job.summary.get("masked", job.options.get("masked"))),
        ip_address=ip_address,
    )


def progress_payload(job: Job, url: str) -> dict[str, Any]:
    """What the job page polls (the same shape as the imports' progress, read by static/js/job-progress.js)."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "finished": not job.is_running,
        "url": url,
    }
