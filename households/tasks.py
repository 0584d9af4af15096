"""Celery tasks: thin wrappers; the work and the job's status live in households/jobs.py (imports) and
households/background.py (exports)."""

from celery import shared_task

from . import background, jobs


@shared_task(name="households.validate_import", ignore_result=True)
def validate_import(job_id: int) -> None:
    jobs.run_validation(job_id)


@shared_task(name="households.apply_import", ignore_result=True)
def apply_import(job_id: int) -> None:
    jobs.run_apply(job_id)


@shared_task(name="households.export_roster", ignore_result=True)
def export_roster(job_id: int) -> None:
    background.run_export(job_id)
