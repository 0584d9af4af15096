"""Celery tasks of the assessment app: thin wrappers; the work and the job's status live in evaluation_jobs.py."""

from celery import shared_task

from . import evaluation_jobs


@shared_task(name="assessment.run_evaluation", ignore_result=True)
def run_evaluation_job(job_id: int) -> None:
    evaluation_jobs.run_job(job_id)
