"""Celery tasks: thin wrappers; the work and the job's status live in households/jobs.py."""

from celery import shared_task

from . import jobs


@shared_task(name="households.validate_import", ignore_result=True)
def validate_import(job_id: int) -> None:
    jobs.run_validation(job_id)


@shared_task(name="households.apply_import", ignore_result=True)
def apply_import(job_id: int) -> None:
    jobs.run_apply(job_id)
