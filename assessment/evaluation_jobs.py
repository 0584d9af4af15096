"""Evaluation runs started in the browser, as background jobs (docs/jobs.md, "Evaluation runs and exports").

The 运行全县评估 button creates a ``Job`` (kind 评估, status 排队中, options: the policy and the area) and hands it
to the Celery worker (in the request when no broker is configured: the demo). The worker runs the same
``services.run_evaluation`` as the ``evaluate`` command, with a progress callback writing "households judged /
total" on the job. Done: the job holds the run's id (the page links to its results). Failed: the run is
marked 失败 with its error and the rows its chunks had written are deleted (``EvaluationRun.fail``); the job
shows the reason. One evaluation per area at a time: a start while a job of the same area is queued or running
(or a run was started in the last minutes and has not finished) is refused.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from households.jobs import ProgressWriter, eager, enqueue, fail
from households.models import Area, Job, User

from .judgements import CANDIDATE_CODES, CODE_LABELS
from .models import EvaluationRun, Policy
from .rules import PolicyIncomplete
from .services import check_policy, run_evaluation

logger = logging.getLogger(__name__)

# A run still "running" after this long died with its process (a county run takes about a minute).
RUNNING_GRACE = timedelta(minutes=10)
# A job still queued or running after this long was lost (a broker message lost, a worker gone for good): it
# no longer blocks a new start, and is marked failed when one is started.
JOB_GRACE = timedelta(hours=1)
ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)
BUSY_MESSAGE = "本县已有一个评估正在运行，请等它完成后再运行（可刷新本页查看）。"
LOST_MESSAGE = "超过一小时未完成，视为中断（后台进程已停止或任务已丢失），未保存任何评估结果；请重新运行"
UNAVAILABLE = "后台任务队列不可用，未运行评估；请稍后重试或联系系统管理员"


class EvaluationBusy(Exception):
    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


def jobs_in_progress(jobs=None):
    """Evaluation jobs (of ``jobs``, default all) queued or running, started within ``JOB_GRACE``."""
    since = timezone.now() - JOB_GRACE
    jobs = Job.objects.all() if jobs is None else jobs
    return jobs.filter(kind=Job.Kind.EVALUATION, status__in=ACTIVE, created_at__gte=since)


def active_jobs(area_code: str):
    return jobs_in_progress().filter(scope_code=area_code)


def busy(area_code: str) -> bool:
    """A job of the area queued or running, or a run (e.g. of the ``evaluate`` command) started recently and not
    finished: a second click, not a new run."""
    since = timezone.now() - RUNNING_GRACE
    runs = EvaluationRun.objects.filter(status=EvaluationRun.Status.RUNNING, area_code=area_code, started_at__gte=since)
    return runs.exists() or active_jobs(area_code).exists()


def fail_lost_jobs(area_code: str) -> None:
    since = timezone.now() - JOB_GRACE
    lost = Job.objects.filter(kind=Job.Kind.EVALUATION, status__in=ACTIVE, scope_code=area_code, created_at__lt=since)
    for job in lost:
        fail(job, LOST_MESSAGE)


def start_evaluation(*, policy: Policy, user: User) -> Job:
    """Queue an evaluation of the user's area with ``policy``; ``EvaluationBusy`` or ``PolicyIncomplete`` if not.

    The check and the new job are one transaction holding the area's row (PostgreSQL; SQLite's transactions
    begin IMMEDIATE): two clicks at once queue one job. Without a broker the job has run when this returns.
    """
    check_policy(policy)
    area = user.area if user.area_id else None
    area_code = area.code if area else ""
    with transaction.atomic():
        if area is not None:
            list(Area.objects.select_for_update().filter(pk=area.pk).values_list("pk", flat=True))
        fail_lost_jobs(area_code)
        if busy(area_code):
            raise EvaluationBusy()
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION,
            status=Job.Status.QUEUED,
            user=user,
            scope_code=area_code,
            options={
                "policy": policy.pk,
                "policy_name": policy.name,
                "policy_version": policy.version,
                "income_year": policy.income_year,
                "area_code": area_code,
                "area_name": area.name if area else "全部农户",
            },
            in_background=not eager(),
            message="已排队，等待评估",
        )
        from . import tasks

        enqueue(tasks.run_evaluation_job, job.pk, unavailable=UNAVAILABLE)
    job.refresh_from_db()
    return job


def run_job(job_id: int) -> None:
    """The worker's part: run the evaluation of the job and record how it ended on the job."""
    job = Job.objects.filter(pk=job_id, kind=Job.Kind.EVALUATION).select_related("user").first()
    if job is None:
        return
    if job.status == Job.Status.QUEUED:
        if not job.move_to(Job.Status.RUNNING, started_at=timezone.now(), message="正在准备评估…"):
            return
    elif job.status == Job.Status.RUNNING:
        # Delivered again after the worker died (late acknowledgement): the earlier attempt's run is failed,
        # its rows deleted, and the evaluation starts over.
        abandon_attempt(job)
    else:  # a repeated delivery of a job that has ended
        return
    progress = ProgressWriter(job.pk)

    def on_progress(run: EvaluationRun, judged: int, total: int) -> None:
        if judged == 0:
            Job.objects.filter(pk=job.pk).update(result={"run_id": run.pk})
        progress(judged, total, f"已评估 {judged} / {total} 户")

    try:
        policy = Policy.objects.get(pk=job.options["policy"])
        run = run_evaluation(policy=policy, area_code=job.options["area_code"], by=job.user, on_progress=on_progress)
    except Policy.DoesNotExist:
        fail(job, "所选政策已被删除，未运行评估")
    except PolicyIncomplete as error:
        fail(job, f"{error}，未运行评估")
    except Exception as error:
        logger.exception("evaluation job %s failed", job.pk)
        fail(job, f"评估时出错，本批次已标记为失败，已写入的部分结果已全部删除：{error}")
    else:
        done = job.move_to(
            Job.Status.DONE,
            finished_at=timezone.now(),
            progress_done=run.household_count,
            progress_total=run.household_count,
            message=f"评估完成：批次 #{run.pk}，{run.scope_label} 共 {run.household_count} 户",
            result={"run_id": run.pk},
            summary={
                "run_id": run.pk,
                "households": run.household_count,
                "policy_version": run.policy_version,
                "counts": run.counts,
                "lines": count_lines(run.counts),
            },
        )
        if not done:  # marked lost meanwhile; the run itself is complete and stays
            logger.warning("evaluation job %s finished after it was marked failed (run %s)", job.pk, run.pk)


def count_lines(counts: dict[str, int]) -> list[str]:
    """Households per outcome as the job page shows them: labels of the candidate lists, DQ codes as they are."""
    shown = [code for code in CANDIDATE_CODES if counts.get(code)]
    shown += sorted(code for code in counts if code not in CANDIDATE_CODES)
    return [f"{code if code.startswith('DQ') else CODE_LABELS.get(code, code)} {counts[code]}" for code in shown]


def abandon_attempt(job: Job) -> None:
    run_id = (job.result or {}).get("run_id")
    run = EvaluationRun.objects.filter(pk=run_id, status=EvaluationRun.Status.RUNNING).first() if run_id else None
    if run is not None:
        run.fail(error="后台进程中断，本批次作废（已重新运行）")
    Job.objects.filter(pk=job.pk).update(result={}, progress_done=0, progress_total=0)
