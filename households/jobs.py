"""Imports in the browser as jobs: upload → validate → preview → confirm → apply (docs/jobs.md).

The Excel layers of ``households/excel`` do the work (validate → plan → apply, the same functions the
commands run); this module stores the upload, runs them for a ``Job`` (in the request for small files, in
the Celery worker for large ones), keeps the preview on the job, checks the user's scope row by row, and
refuses to apply a plan that no longer matches the registry.

- The upload is stored under ``settings.IMPORT_ROOT`` (outside MEDIA_ROOT) with a generated name; the
  user's file name is only metadata; its SHA-256 is checked again before the import is applied.
- Progress is written in short transactions of its own: outside the import's transaction on the default
  connection, inside it through a second connection (PostgreSQL; SQLite allows one writer at a time, so
  there the page shows the stage set before the write began).
- Applying validates and plans the stored file again inside the import's transaction and compares a
  fingerprint of the plan (every action and every old → new value, and the version of every household of
  the file) with the one previewed: if the registry changed meanwhile, nothing is written and the job
  goes back to 待确认 with the new preview.
- The apply is one transaction; the job's 已完成 is written inside it, so the data and the status commit
  together. Any failure rolls everything back and records 失败 with the reason.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import Http404
from django.utils import timezone

from .bulk_history import refresh_statistics
from .choices import FactKind, PovertyCause, Relation, Role
from .excel import areas as area_import
from .excel import facts as fact_import
from .excel import roster as roster_import
from .excel.cli import change_reason, counts_line
from .excel.error_report import write_error_report
from .excel.reading import UnreadableFile
from .excel.roster import NEW, UNCHANGED, UPDATED, Change
from .excel.validation import Problem
from .idnumber import mask_id_number
from .models import Area, Fact, Household, Job, Member, MemberYear, User, YearlyIncome, scope_filter

logger = logging.getLogger(__name__)

IMPORT_KINDS = (Job.Kind.IMPORT_ROSTER, Job.Kind.IMPORT_AREAS, Job.Kind.IMPORT_FACTS)
# SPEC §0/§1: the county office imports everything; township staff import their township's roster.
# Village officers enter survey forms but do not import (docs/jobs.md).
KINDS_BY_ROLE = {Role.COUNTY: IMPORT_KINDS, Role.TOWNSHIP: (Job.Kind.IMPORT_ROSTER,)}
PREVIEW_ROWS = 20  # first rows shown of each list (new, unchanged …)
PREVIEW_CHANGED_ROWS = 100  # updated records shown with their old → new values
# Errors kept on the job for the page (paginated); the error workbook always has every one. A file whose
# every row is wrong (e.g. a numeric ID column) would otherwise store megabytes of the same message.
MAX_STORED_ERRORS = 20_000
PROGRESS_CHUNK = 2000  # households written between two progress updates
FINGERPRINT_CHUNK = 2000  # household numbers per query when reading their versions
IMPORT_LOCK_KEY = 0x696D706F  # "impo": the pg_advisory_xact_lock key held by the import being written
VALIDATION_STEPS = 3  # read and check the file → compare with the registry → preview and error report
STALE_MESSAGE = (
    "校验之后系统中的档案已有变化（例如有农户被修改），未写入任何数据；已按最新档案重新校验，请核对预览后再次确认导入。"
)

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------------------------------------
# Access: importer roles, and jobs fetched only inside the user's scope (404 outside, 403 for a role).


def import_kinds_for(user: User) -> tuple[str, ...]:
    if not user.is_active or not user.area_id:
        return ()
    return KINDS_BY_ROLE.get(user.role, ())


def can_import(user: User) -> bool:
    return bool(import_kinds_for(user))


def require_importer(user: User) -> None:
    if not can_import(user):
        raise PermissionDenied("您的角色不能导入数据：数据导入由县扶贫办和乡镇扶贫专干办理")


def visible_jobs(user: User):
    require_importer(user)
    return Job.objects.visible_to(user).filter(kind__in=IMPORT_KINDS).select_related("user")


def get_job_for_user(user: User, job_id: int, *, with_result: bool = True) -> Job:
    """The job if the user's scope holds it (404 otherwise); a role that does not import gets 403.

    ``with_result=False`` leaves out the preview, which may be megabytes (the progress poll every 2 s).
    """
    queryset = visible_jobs(user)
    if not with_result:
        queryset = queryset.defer("result")
    job = queryset.filter(pk=job_id).first()
    if job is None:
        raise Http404("没有找到该导入任务，或不在您的管辖范围内")
    return job


# ---------------------------------------------------------------------------------------------
# Files.


def import_root() -> Path:
    return Path(settings.IMPORT_ROOT)


def stored_path(relative: str) -> Path:
    root = import_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"stored path outside IMPORT_ROOT: {relative!r}")
    return path


def store_upload(uploaded: UploadedFile) -> tuple[str, str, int]:
    """Write the upload under a generated name; return (path relative to IMPORT_ROOT, sha256, size)."""
    today = timezone.localdate()
    relative = f"{today:%Y}/{today:%m}/{uuid.uuid4().hex}.xlsx"
    target = import_root() / relative
    target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640), "wb") as out:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    os.replace(partial, target)
    return relative, digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def error_report_path(job: Job) -> Path | None:
    return stored_path(job.error_report) if job.error_report else None


def error_report_name(job: Job) -> str:
    stem = Path(job.file_name).stem or f"导入任务{job.pk}"
    return f"{stem}_错误说明.xlsx"


# ---------------------------------------------------------------------------------------------
# Starting and confirming (called by the views).


def start_import(*, user: User, kind: str, uploaded: UploadedFile, options: dict[str, Any] | None = None) -> Job:
    """Store the upload, create the job and validate it: now if the file is small, else in the worker."""
    if kind not in import_kinds_for(user):
        raise PermissionDenied("您的角色不能办理这类导入")
    relative, sha256, size = store_upload(uploaded)
    background = size > settings.IMPORT_SYNC_MAX_BYTES
    job = Job.objects.create(
        kind=kind,
        user=user,
        scope_code=user.area.code,
        file_name=Path(uploaded.name or "").name[:255],
        stored_path=relative,
        sha256=sha256,
        file_size=size,
        options=options or {},
        in_background=background and not eager(),
        message="已上传，等待校验",
    )
    if background:
        from . import tasks

        enqueue(tasks.validate_import, job.pk)
    else:
        run_validation(job.pk)
        job.refresh_from_db()
    return job


def confirm_import(job: Job) -> bool:
    """待确认 → 导入中 and apply (now if small, else in the worker). False if the job was not 待确认."""
    if job.status != Job.Status.READY or job.result.get("errors"):
        return False
    background = job.result.get("rows", 0) > settings.IMPORT_SYNC_MAX_ROWS
    moved = job.move_to(
        Job.Status.APPLYING,
        in_background=background and not eager(),
        started_at=timezone.now(),
        finished_at=None,
        progress_done=0,
        progress_total=0,
        message="已确认，等待写入",
    )
    if not moved:
        return False
    if background:
        from . import tasks

        enqueue(tasks.apply_import, job.pk)
    else:
        run_apply(job.pk)
    job.refresh_from_db()
    return True


def eager() -> bool:
    """No broker configured: Celery runs the tasks in-process, inside the request (docs/jobs.md)."""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True))


QUEUE_UNAVAILABLE = "后台任务队列不可用，未写入任何数据；请稍后重新上传或联系系统管理员"


def enqueue(task, job_id: int, *, unavailable: str = QUEUE_UNAVAILABLE) -> None:
    """Hand the job to the worker once the job row is committed (a worker must be able to read it).

    If the broker cannot be reached the job fails with ``unavailable`` (and the error), instead of waiting forever.
    """

    def send() -> None:
        try:
            task.delay(job_id)
        except Exception as error:  # kombu's OperationalError, a refused connection …
            logger.exception("could not hand job %s to the worker", job_id)
            fail(Job(pk=job_id), f"{unavailable}（{error}）")

    transaction.on_commit(send)


# ---------------------------------------------------------------------------------------------
# Progress in its own short transactions.


class ProgressWriter:
    """Writes done/total/message of one job where the job page can see them at once.

    Outside the import's transaction a plain UPDATE on the default connection commits by itself.
    Inside it (``with writer.inside_transaction():``) the UPDATE goes through a second connection, so it
    commits on its own and survives a rollback of the import; SQLite has a single writer, so there the
    updates inside the transaction are skipped.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._inside = False
        self._side = None

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self._inside:
            Job.objects.filter(pk=self.job_id).update(progress_done=done, progress_total=total, message=message)
            return
        default = connections[DEFAULT_DB_ALIAS]
        if default.vendor == "sqlite":
            return
        if self._side is None:
            self._side = default.__class__({**default.settings_dict}, alias="job-progress")
        quote = self._side.ops.quote_name
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Job._meta.db_table)} SET {quote('progress_done')} = %s, "
                f"{quote('progress_total')} = %s, {quote('message')} = %s WHERE {quote('id')} = %s",
                [done, total, message, self.job_id],
            )

    @contextmanager
    def inside_transaction(self) -> Iterator[None]:
        self._inside = True
        try:
            yield
        finally:
            self._inside = False
            self.close()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


# ---------------------------------------------------------------------------------------------
# Running a job (in the request or in the worker: households/tasks.py).


class StalePlan(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__("the registry changed since validation")
        self.outcome = outcome


def run_validation(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.UPLOADED:
        job.move_to(Job.Status.VALIDATING, started_at=timezone.now())
    elif job.status != Job.Status.VALIDATING:  # a repeated delivery of a job already validated
        return
    progress = ProgressWriter(job.pk)
    try:
        progress(0, VALIDATION_STEPS, "正在读取并检查文件…")
        outcome = validate_job(job, progress)
        progress(2, VALIDATION_STEPS, "正在生成预览…")
        store_outcome(job, outcome)
    except UnreadableFile as error:
        fail(job, f"无法读取文件：{error.message}")
    except Exception as error:
        logger.exception("validation of job %s failed", job.pk)
        fail(job, f"校验时出错，未写入任何数据：{error}")


def run_apply(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.APPLYING:  # a repeated delivery of a job already done
        return
    importer = IMPORTERS[job.kind]
    progress = ProgressWriter(job.pk)
    try:
        if not job.stored_path:
            raise UnreadableFile("上传的文件已按保留期限删除，请重新上传")
        path = stored_path(job.stored_path)
        if not path.is_file() or file_sha256(path) != job.sha256:
            raise UnreadableFile("上传的文件已被删除或改动，请重新上传")
        progress(0, 0, "正在重新读取文件并与系统档案比对…")
        checked = importer.validate(path, job)
        with transaction.atomic():
            serialize_imports()
            outcome = importer.outcome(job, checked)
            if not outcome.ok or outcome.fingerprint != job.result.get("fingerprint"):
                raise StalePlan(outcome)
            total = importer.total(outcome.plan)
            # From here on the job row is written only through the progress writer's own connection
            # (a row lock taken by this transaction would make that connection wait for us).
            with progress.inside_transaction():
                progress(0, total, f"正在写入（共 {total} {importer.unit}）…")
                counts = importer.apply(outcome.plan, job, progress)
            done = job.move_to(
                Job.Status.DONE,
                finished_at=timezone.now(),
                progress_done=total,
                progress_total=total,
                message="导入完成",
                summary={**job.summary, "applied": True, "lines": importer.count_lines(counts)},
            )
            if not done:
                raise RuntimeError("任务状态已被他人修改")
    except StalePlan as stale:
        try:
            store_outcome(job, stale.outcome, note=STALE_MESSAGE)
        except Exception as error:
            logger.exception("validation of job %s failed", job.pk)
            fail(job, f"重新校验时出错，未写入任何数据：{error}")
    except UnreadableFile as error:
        fail(job, f"无法读取文件：{error.message}")
    except Exception as error:
        logger.exception("import job %s failed", job.pk)
        fail(job, f"写入时出错，已全部撤销，未写入任何数据：{error}")
    finally:
        progress.close()


def serialize_imports() -> None:
    """One import writes at a time, and plans only after the previous one committed (its fingerprint check
    then sees that import's changes). SQLite needs nothing: its transactions begin IMMEDIATE (one writer)."""
    default = connections[DEFAULT_DB_ALIAS]
    if default.vendor == "postgresql":
        with default.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def fail(job: Job, reason: str) -> None:
    job = Job.objects.get(pk=job.pk)  # the status in memory may belong to a rolled-back transaction
    if Job.Status.FAILED in Job.TRANSITIONS[job.status]:
        job.move_to(Job.Status.FAILED, message=reason[:2000], finished_at=timezone.now())


def validate_job(job: Job, progress: Progress) -> Outcome:
    importer = IMPORTERS[job.kind]
    checked = importer.validate(stored_path(job.stored_path), job)
    progress(1, VALIDATION_STEPS, "正在与系统档案比对…")
    return importer.outcome(job, checked)


def store_outcome(job: Job, outcome: Outcome, *, note: str = "") -> None:
    """The preview (or the errors and their workbook) on the job: 待确认 when clean, else 失败."""
    report = ""
    if outcome.errors:
        report = str(Path(job.stored_path).with_name(f"{Path(job.stored_path).stem}-errors.xlsx").as_posix())
        write_error_report(stored_path(job.stored_path), stored_path(report), outcome.errors)
    if outcome.ok:
        status = Job.Status.READY
        message = f"校验通过：{outcome.rows} 行，请核对预览后确认导入"
    else:
        status = Job.Status.FAILED
        message = f"发现 {len(outcome.errors)} 处错误，未写入任何数据；请下载错误报告，修改后重新上传"
    job.move_to(
        status,
        result=outcome.as_result(),
        summary=outcome.summary(),
        error_report=report,
        message=f"{note}{message}" if note else message,
        progress_done=VALIDATION_STEPS,
        progress_total=VALIDATION_STEPS,
        finished_at=None if outcome.ok else timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# What validation found, as stored on the job.


@dataclass
class Outcome:
    rows: int
    errors: list[Problem]
    warnings: list[str]
    counts: dict[str, Any] = field(default_factory=dict)
    count_lines: list[str] = field(default_factory=list)
    preview: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    plan: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_result(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "errors": [
                {"row": p.row, "header": p.header, "column": p.column, "message": p.message}
                for p in self.errors[:MAX_STORED_ERRORS]
            ],
            "error_count": len(self.errors),
            "warnings": self.warnings,
            "counts": self.counts,
            "preview": self.preview,
            "fingerprint": self.fingerprint,
        }

    def summary(self) -> dict[str, Any]:
        return {"rows": self.rows, "errors": len(self.errors), "lines": self.count_lines}


class Importer:
    """One kind of import: the Excel layer's three steps, plus scope, preview and fingerprint."""

    unit = "行"

    def validate(self, path: Path, job: Job):
        raise NotImplementedError

    def outcome(self, job: Job, checked) -> Outcome:
        raise NotImplementedError

    def apply(self, plan, job: Job, progress: Progress) -> dict[str, Any]:
        raise NotImplementedError

    def total(self, plan) -> int:
        return 1

    def count_lines(self, counts: dict[str, Any]) -> list[str]:
        raise NotImplementedError


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: problem.row or 0)


def _digest(parts: Iterable[Any]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _value_text(model, name: str, value: Any) -> str:
    if value is None or value == "":
        return "空"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if name == "other_causes":
        labels = dict(PovertyCause.choices)
        return "、".join(labels.get(code, code) for code in str(value).split(",") if code)
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        choices = model._meta.get_field(name).choices
    except FieldDoesNotExist:
        choices = None
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


def change_text(model, change: Change) -> str:
    old, new = _value_text(model, change.field, change.old), _value_text(model, change.field, change.new)
    return f"{change.label}：{old} → {new}"


def _first(items: list, limit: int) -> list:
    return items[:limit]


# --- roster (FORMATS §2) ------------------------------------------------------------------------


class RosterImporter(Importer):
    unit = "户"

    def validate(self, path: Path, job: Job):
        return roster_import.validate_roster(path)

    def outcome(self, job: Job, checked: roster_import.RosterFile) -> Outcome:
        outcome = Outcome(rows=checked.rows_read, errors=list(checked.errors), warnings=list(checked.warnings))
        if not checked.ok:
            return outcome
        plan = roster_import.plan_roster(checked)
        hidden = restrict_roster(plan, job.scope_code)
        outcome.errors = _sorted(plan.errors)
        outcome.plan = plan
        outcome.counts = plan.counts
        outcome.count_lines = self.count_lines(plan.counts)
        outcome.preview = roster_preview(plan, hidden)
        outcome.fingerprint = roster_fingerprint(plan)
        return outcome

    def total(self, plan: roster_import.RosterPlan) -> int:
        return len(plan.households)

    def apply(self, plan: roster_import.RosterPlan, job: Job, progress: Progress) -> dict[str, Any]:
        reason = change_reason(f"导入花名册（任务#{job.pk}）", job.file_name or "upload.xlsx")
        total = len(plan.households)
        done = 0
        # apply_roster's own transaction is a savepoint of ours; it is called per chunk only to report progress.
        for chunk in _chunks(plan.households, PROGRESS_CHUNK):
            roster_import.apply_roster(
                roster_import.RosterPlan(roster=plan.roster, households=chunk), user=job.user, reason=reason
            )
            done += len(chunk)
            progress(done, total, f"已写入 {done} / {total} 户")
        # Each chunk stays below apply_roster's own ANALYZE threshold: refresh the statistics once for the file.
        written = sum(plan.counts[kind][NEW] + plan.counts[kind][UPDATED] for kind in plan.counts)
        if written >= roster_import.ANALYZE_AFTER_ROWS:
            refresh_statistics(Household, YearlyIncome, Member, MemberYear)
        return plan.counts

    def count_lines(self, counts: dict[str, Any]) -> list[str]:
        labels = {"households": "农户", "members": "成员", "incomes": "年度收入", "member_years": "成员年度情况"}
        return [counts_line(label, counts[key]) for key, label in labels.items()]


def restrict_roster(plan: roster_import.RosterPlan, scope: str) -> set[str]:
    """Row errors for households outside the user's scope; hide what the errors would reveal of them.

    Returns the numbers of the households that are (or would move) outside the scope: they are left out
    of the preview, and the plan's other messages about them (which name members) are dropped. A member
    active in a household outside the scope gets a message that does not name that household.
    """
    hidden: set[str] = set()
    hidden_rows: set[int] = set()
    scope_errors: list[Problem] = []
    for household in plan.households:
        code = household.parsed.values["area_code"]
        old = next((c.old for c in household.changes if c.field == "area"), None)
        if not code.startswith(scope):
            message = f"区划代码 {code} 不在您的管辖范围（{scope}）内，不能导入"
        elif old is not None and not str(old).startswith(scope):
            message = f"户编号 {household.number} 已登记在您管辖范围以外的地区，不能通过导入修改或迁入"
        else:
            continue
        hidden.add(household.number)
        hidden_rows.update(household.parsed.rows)
        scope_errors.append(Problem(household.parsed.first_row, "区划代码", message))

    rows_by_id = {m.parsed.id_number: m.parsed.row for h in plan.households for m in h.members}
    outside_rows: set[int] = set()
    member_scope = {f"household__{name}": value for name, value in scope_filter(scope).items()}
    for chunk in _chunks(sorted(rows_by_id), PROGRESS_CHUNK):
        outside = Member.objects.active().filter(id_number__in=chunk).exclude(**member_scope).order_by()
        outside_rows.update(rows_by_id[id_number] for id_number in outside.values_list("id_number", flat=True))
    kept = []
    for problem in plan.errors:
        if problem.row in hidden_rows:
            continue
        if problem.row in outside_rows and problem.header == "证件号码":
            problem = Problem(
                problem.row,
                problem.header,
                "该证件号码已是您管辖范围以外某户的在册成员，同一人只能在一户在册；如已迁入本户，请联系县扶贫办办理户间转移",
                problem.column,
            )
        kept.append(problem)
    plan.errors = _sorted(kept + scope_errors)
    # Not counted, not previewed (the plan has errors now, so it is never applied).
    plan.households = [h for h in plan.households if h.number not in hidden]
    plan.absent_members = [m for m in plan.absent_members if m.household_number not in hidden]
    return hidden


def roster_preview(plan: roster_import.RosterPlan, hidden: set[str]) -> dict[str, Any]:
    limits = {NEW: PREVIEW_ROWS, UPDATED: PREVIEW_CHANGED_ROWS, UNCHANGED: PREVIEW_ROWS}
    households: dict[str, list] = {NEW: [], UPDATED: [], UNCHANGED: []}
    members: dict[str, list] = {NEW: [], UPDATED: [], UNCHANGED: []}
    incomes: list[dict[str, Any]] = []
    relations = dict(Relation.choices)
    for household in plan.households:
        if household.number in hidden:
            continue
        parsed = household.parsed
        head = next((m for m in parsed.members if m.values["relation"] == Relation.HEAD), None)
        if len(households[household.action]) < limits[household.action]:
            households[household.action].append(
                {
                    "row": parsed.first_row,
                    "number": household.number,
                    "area_code": parsed.values["area_code"],
                    "head": head.values["name"] if head else "",
                    "members": len(parsed.members),
                    "changes": [change_text(Household, c) for c in household.changes],
                }
            )
        if household.income_action == UPDATED and len(incomes) < PREVIEW_CHANGED_ROWS:
            incomes.append(
                {
                    "number": household.number,
                    "year": parsed.income_year,
                    "changes": [change_text(YearlyIncome, c) for c in household.income_changes],
                }
            )
        for member in household.members:
            bucket = members[member.action]
            if len(bucket) < limits[member.action]:
                bucket.append(
                    {
                        "row": member.parsed.row,
                        "household": household.number,
                        "name": member.parsed.values["name"],
                        "id_number": mask_id_number(member.parsed.id_number),
                        "relation": relations.get(member.parsed.values["relation"], ""),
                        "changes": [change_text(Member, c) for c in member.changes],
                    }
                )
    return {
        "households": households,
        "members": members,
        "incomes": incomes,
        "absent_members": [str(m) for m in plan.absent_members],
    }


def roster_fingerprint(plan: roster_import.RosterPlan) -> str:
    """Everything the import would do, plus the version of every household of the file."""

    def changes(items: list[Change]) -> list[tuple]:
        return [(c.field, c.old, c.new) for c in items]

    def parts() -> Iterator[Any]:
        for household in plan.households:
            yield (
                household.number,
                household.action,
                changes(household.changes),
                household.income_action,
                changes(household.income_changes),
                [(m.parsed.id_number, m.action, changes(m.changes), m.year_action) for m in household.members],
            )
        yield [(m.household_number, m.id_number) for m in plan.absent_members]
        numbers = [h.number for h in plan.households]
        for chunk in _chunks(numbers, FINGERPRINT_CHUNK):
            yield from Household.objects.filter(number__in=chunk).order_by("number").values_list("number", "version")

    return _digest(parts())


# --- areas (FORMATS §1) -------------------------------------------------------------------------


class AreaImporter(Importer):
    def validate(self, path: Path, job: Job):
        return area_import.validate_areas(path)

    def outcome(self, job: Job, checked: area_import.AreaFile) -> Outcome:
        outcome = Outcome(rows=checked.rows_read, errors=list(checked.errors), warnings=list(checked.warnings))
        if not checked.ok:
            return outcome
        plan = area_import.plan_areas(checked)
        for row in checked.rows.values():
            if not row.code.startswith(job.scope_code):
                plan.errors.append(
                    Problem(row.row, "区划代码", f"区划代码 {row.code} 不在您的管辖范围（{job.scope_code}）内")
                )
        outcome.errors = _sorted(plan.errors)
        outcome.plan = plan
        outcome.counts = plan.counts
        outcome.count_lines = self.count_lines(plan.counts)
        outcome.preview = {
            "new": [
                {"row": r.row, "code": r.code, "name": r.name, "parent": r.parent_code}
                for r in _first(plan.new, PREVIEW_ROWS)
            ],
            "updated": [
                {"code": area.code, "name": area.name, "changes": [change_text(Area, c) for c in changes]}
                for area, changes in _first(plan.updated, PREVIEW_CHANGED_ROWS)
            ],
        }
        outcome.fingerprint = _digest(
            [
                [(r.code, r.name, r.parent_code) for r in plan.new],
                [(area.code, [(c.field, c.old, c.new) for c in changes]) for area, changes in plan.updated],
                plan.unchanged,
            ]
        )
        return outcome

    def apply(self, plan: area_import.AreaPlan, job: Job, progress: Progress) -> dict[str, Any]:
        return area_import.apply_areas(plan)

    def count_lines(self, counts: dict[str, Any]) -> list[str]:
        return [counts_line("行政区划", counts)]


# --- facts (FORMATS §3) -------------------------------------------------------------------------


class FactImporter(Importer):
    def validate(self, path: Path, job: Job):
        return fact_import.validate_facts(path)

    def outcome(self, job: Job, checked: fact_import.FactFile) -> Outcome:
        outcome = Outcome(rows=checked.rows_read, errors=list(checked.errors), warnings=list(checked.warnings))
        if not checked.ok:
            return outcome
        plan = fact_import.plan_facts(checked)
        restrict_facts(plan, job.scope_code)
        outcome.errors = _sorted(plan.errors)
        outcome.plan = plan
        outcome.counts = plan.counts
        outcome.count_lines = self.count_lines(plan.counts)
        kinds = dict(FactKind.choices)
        outcome.preview = {
            "new": [
                {
                    "row": p.row.row,
                    "subject": p.row.subject,
                    "kind": kinds.get(p.row.values["kind"], ""),
                    "date": _value_text(Fact, "event_date", p.row.values["event_date"]),
                    "amount": _value_text(Fact, "amount", p.row.values["amount"]),
                    "category": p.row.values["category"],
                }
                for p in _first(plan.new, PREVIEW_ROWS)
            ],
            "updated": [
                {
                    "row": row.row,
                    "subject": row.subject,
                    "kind": kinds.get(row.values["kind"], ""),
                    "changes": [change_text(Fact, c) for c in changes],
                }
                for _fact, changes, row in _first(plan.updated, PREVIEW_CHANGED_ROWS)
            ],
            "repeated": [f"第{row.row}行与第{earlier}行是同一事实，只记一次" for row, earlier in plan.repeated],
            "unmatched": [
                f"{subject}：第{'、'.join(str(r) for r in rows[:20])}行"
                for subject, rows in fact_import.group_unmatched(plan.unmatched).items()
            ],
        }
        outcome.fingerprint = _digest(
            [
                [(p.row.row, p.household_id, p.member_id) for p in plan.new],
                [(fact.pk, [(c.field, c.old, c.new) for c in changes]) for fact, changes, _row in plan.updated],
                plan.unchanged,
                [row.row for row in plan.unmatched],
            ]
        )
        return outcome

    def apply(self, plan: fact_import.FactPlan, job: Job, progress: Progress) -> dict[str, Any]:
        source = job.options.get("source", "")
        reason = change_reason(f"导入事实（{source or '县级录入'}，任务#{job.pk}）", job.file_name or "upload.xlsx")
        return fact_import.apply_facts(plan, user=job.user, reason=reason, source_name=source)

    def count_lines(self, counts: dict[str, Any]) -> list[str]:
        line = counts_line("事实", counts)
        return [f"{line}，重复 {counts['repeated']}，未匹配 {counts['unmatched']}"]


def restrict_facts(plan: fact_import.FactPlan, scope: str) -> None:
    """Facts about households outside the user's scope are treated as unmatched (SPEC §1: never seen)."""
    ids = {p.household_id for p in plan.new} | {fact.household_id for fact, _c, _r in plan.updated}
    outside: set[int] = set()
    for chunk in _chunks(sorted(ids), PROGRESS_CHUNK):
        outside.update(
            Household.objects.filter(pk__in=chunk).exclude(**scope_filter(scope)).values_list("pk", flat=True)
        )
    if not outside:
        return
    plan.unmatched.extend(p.row for p in plan.new if p.household_id in outside)
    plan.unmatched.extend(row for fact, _c, row in plan.updated if fact.household_id in outside)
    plan.new = [p for p in plan.new if p.household_id not in outside]
    plan.updated = [u for u in plan.updated if u[0].household_id not in outside]
    plan.unmatched.sort(key=lambda row: row.row)


IMPORTERS: dict[str, Importer] = {
    Job.Kind.IMPORT_ROSTER: RosterImporter(),
    Job.Kind.IMPORT_AREAS: AreaImporter(),
    Job.Kind.IMPORT_FACTS: FactImporter(),
}
