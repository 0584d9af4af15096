"""Evaluation runs as background jobs: start → queued → running → done with the run's link, the failure path
(no partial rows), one evaluation per area at a time, progress, who sees the job page, a real Celery worker."""

from __future__ import annotations

import datetime
import os
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from assessment import evaluation_jobs, services, tasks
from assessment.models import EvaluationOutcome, EvaluationResult, EvaluationRun
from households.choices import Role
from households.models import Job
from tests import factories as f
from tests.households.test_jobs import REDIS_URL, finished_tasks, redis_available

pytestmark = pytest.mark.django_db
START = "/assessment/runs/start/"


def job_url(job: Job, suffix: str = "") -> str:
    return f"/jobs/{job.pk}/{suffix}"


@pytest.fixture
def started(county_user, policy, county, django_capture_on_commit_callbacks):
    """An evaluation started from the browser's service and run in-process (no broker), as the demo does."""
    with django_capture_on_commit_callbacks(execute=True):
        job = evaluation_jobs.start_evaluation(policy=policy, user=county_user)
    job.refresh_from_db()
    return job


class TestEagerJob:
    def test_the_job_runs_the_county_and_keeps_the_run(self, started, county_user, policy):
        run = EvaluationRun.objects.get()
        assert (started.kind, started.status, started.user, started.scope_code) == (
            Job.Kind.EVALUATION,
            Job.Status.DONE,
            county_user,
            f.COUNTY_CODE,
        )
        assert started.options["policy"] == policy.pk and started.options["area_code"] == f.COUNTY_CODE
        assert started.result == {"run_id": run.pk} and started.summary["households"] == 8
        assert (started.progress_done, started.progress_total, started.percent) == (8, 8, 100)
        assert run.status == "finished" and run.started_by == county_user and run.results.count() == 8
        assert started.message == f"评估完成：批次 #{run.pk}，东川区 共 8 户"
        assert not started.in_background  # no broker configured: ran inside the request

    def test_the_job_page_links_to_the_runs_results(self, started, client_for, county_user):
        run = EvaluationRun.objects.get()
        page = client_for(county_user).get(job_url(started)).text
        assert "已完成" in page and f"评估完成：批次 #{run.pk}" in page
        assert f'href="/assessment/candidates/?run={run.pk}"' in page
        assert "未配置后台任务队列，在请求中同步执行" in page  # the demo says so
        assert "job-progress.js" not in page  # finished: no polling

    def test_progress_is_written_per_chunk(self, county_user, policy, county, monkeypatch):
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION,
            status=Job.Status.QUEUED,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            options={"policy": policy.pk, "area_code": f.COUNTY_CODE},
        )
        seen = []
        real = services.run_evaluation

        def small_chunks(**kwargs):
            report = kwargs["on_progress"]

            def spy(run, judged, total):
                report(run, judged, total)
                row = Job.objects.get(pk=job.pk)
                seen.append((row.status, row.progress_done, row.progress_total, row.message, row.result))

            return real(**{**kwargs, "on_progress": spy, "chunk_size": 3})

        monkeypatch.setattr(evaluation_jobs, "run_evaluation", small_chunks)
        evaluation_jobs.run_job(job.pk)
        run = EvaluationRun.objects.get()
        assert [(s[1], s[2]) for s in seen] == [(0, 8), (3, 8), (6, 8), (8, 8)]
        assert all(s[0] == Job.Status.RUNNING and s[4] == {"run_id": run.pk} for s in seen)
        assert seen[1][3] == "已评估 3 / 8 户"

    def test_a_repeated_delivery_of_a_finished_job_does_nothing(self, started):
        evaluation_jobs.run_job(started.pk)
        assert EvaluationRun.objects.count() == 1

    def test_a_redelivery_after_the_worker_died_starts_over_and_voids_the_partial_run(
        self, county_user, policy, county
    ):
        dead = EvaluationRun.objects.create(policy=policy, policy_version=1, income_year=2018, area_code=f.COUNTY_CODE)
        EvaluationResult.objects.create(run=dead, household=county["A-01"], status="poor", judgement={})
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION,
            status=Job.Status.RUNNING,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            options={"policy": policy.pk, "area_code": f.COUNTY_CODE},
            result={"run_id": dead.pk},
        )
        evaluation_jobs.run_job(job.pk)
        dead.refresh_from_db()
        job.refresh_from_db()
        assert dead.status == "failed" and "后台进程中断" in dead.error and not dead.results.exists()
        assert job.status == Job.Status.DONE and job.result["run_id"] != dead.pk
        assert EvaluationRun.objects.get(pk=job.result["run_id"]).results.count() == 8


class TestFailure:
    def test_an_exception_mid_run_fails_the_job_with_the_reason_and_leaves_no_rows(
        self, client_for, county_user, policy, county, monkeypatch, django_capture_on_commit_callbacks
    ):
        real = services.evaluate_household
        seen = []

        def failing(data, *args, **kwargs):
            seen.append(data.number)
            if len(seen) == 5:
                raise RuntimeError("磁盘已满")
            return real(data, *args, **kwargs)

        monkeypatch.setattr(services, "evaluate_household", failing)
        real_run = services.run_evaluation
        monkeypatch.setattr(evaluation_jobs, "run_evaluation", lambda **kw: real_run(**kw, chunk_size=2))
        client = client_for(county_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(START, {"policy": policy.pk})
        job = Job.objects.get()
        assert response.status_code == 302 and response.url == job_url(job)
        run = EvaluationRun.objects.get()
        assert job.status == Job.Status.FAILED and "磁盘已满" in job.message and "已全部删除" in job.message
        assert run.status == "failed" and "磁盘已满" in run.error
        assert not EvaluationResult.objects.exists() and not EvaluationOutcome.objects.exists()
        page = client.get(job_url(job)).text
        assert "失败" in page and "磁盘已满" in page and "没有保存本次评估的任何结果" in page
        assert "/assessment/candidates/?run=" not in page

    def test_a_policy_deleted_before_the_worker_runs_fails_the_job(self, county_user, policy, county):
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION,
            status=Job.Status.QUEUED,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            options={"policy": 99999, "area_code": f.COUNTY_CODE},
        )
        evaluation_jobs.run_job(job.pk)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "政策已被删除" in job.message
        assert not EvaluationRun.objects.exists()

    def test_an_unreachable_broker_fails_the_job_with_a_message(
        self, county_user, policy, county, monkeypatch, django_capture_on_commit_callbacks
    ):

        def refuse(job_id):
            raise ConnectionRefusedError("Connection refused")

        monkeypatch.setattr(tasks.run_evaluation_job, "delay", refuse)
        with django_capture_on_commit_callbacks(execute=True):
            job = evaluation_jobs.start_evaluation(policy=policy, user=county_user)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "后台任务队列不可用，未运行评估" in job.message
        assert not EvaluationRun.objects.exists()


class TestOneAtATime:
    def test_a_queued_job_refuses_a_second_start(self, county_user, policy, county, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            first = evaluation_jobs.start_evaluation(policy=policy, user=county_user)
        assert first.status == Job.Status.QUEUED and len(callbacks) == 1
        with pytest.raises(evaluation_jobs.EvaluationBusy):
            evaluation_jobs.start_evaluation(policy=policy, user=county_user)
        assert Job.objects.count() == 1

    def test_a_running_job_refuses_a_second_start_by_another_county_user(self, client_for, county_user, policy, areas):
        Job.objects.create(
            kind=Job.Kind.EVALUATION, status=Job.Status.RUNNING, user=county_user, scope_code=f.COUNTY_CODE
        )
        colleague = f.make_user("county2", Role.COUNTY, areas[f.COUNTY_CODE])
        response = client_for(colleague).post(START, {"policy": policy.pk})
        assert response.status_code == 200 and "已有一个评估正在运行" in response.text
        assert Job.objects.count() == 1

    def test_a_finished_or_failed_job_does_not_block(self, county_user, policy, county):
        for status in (Job.Status.DONE, Job.Status.FAILED):
            Job.objects.create(kind=Job.Kind.EVALUATION, status=status, user=county_user, scope_code=f.COUNTY_CODE)
        assert not evaluation_jobs.busy(f.COUNTY_CODE)

    def test_a_job_lost_for_an_hour_is_failed_and_no_longer_blocks(self, county_user, policy, county):
        lost = Job.objects.create(
            kind=Job.Kind.EVALUATION, status=Job.Status.QUEUED, user=county_user, scope_code=f.COUNTY_CODE
        )
        Job.objects.filter(pk=lost.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
        job = evaluation_jobs.start_evaluation(policy=policy, user=county_user)
        lost.refresh_from_db()
        assert lost.status == Job.Status.FAILED and "视为中断" in lost.message
        assert job.status == Job.Status.QUEUED


class TestPages:
    def test_the_runs_page_shows_the_job_in_progress_to_every_reader(self, client_for, personas, county_user, policy):
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION,
            status=Job.Status.RUNNING,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            options={"area_name": "东川区", "policy_name": "云南省2018年度"},
            progress_done=300,
            progress_total=1000,
        )
        for persona in ("county", "leader", "assessor"):
            page = client_for(personas[persona]).get("/assessment/runs/").text
            assert f'href="/jobs/{job.pk}/"' in page and "已评估 300 / 1000 户" in page, persona

    def test_a_running_job_page_polls_its_progress(self, client_for, county_user, leader_user):
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION,
            status=Job.Status.RUNNING,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            progress_done=40,
            progress_total=100,
            message="已评估 40 / 100 户",
        )
        page = client_for(county_user).get(job_url(job)).text
        assert f'data-url="/jobs/{job.pk}/progress/"' in page and "job-progress.js" in page
        data = client_for(leader_user).get(job_url(job, "progress/")).json()  # a county-level reader
        assert data == {
            "id": job.pk,
            "status": "running",
            "status_label": "运行中",
            "done": 40,
            "total": 100,
            "percent": 40,
            "message": "已评估 40 / 100 户",
            "finished": False,
            "url": job_url(job),
        }

    @pytest.mark.parametrize("persona", ["township1", "village1"])
    def test_roles_that_do_not_read_runs_get_404(self, client_for, personas, county_user, persona):
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION, status=Job.Status.RUNNING, user=county_user, scope_code=f.COUNTY_CODE
        )
        client = client_for(personas[persona])
        assert client.get(job_url(job)).status_code == 404
        assert client.get(job_url(job, "progress/")).status_code == 404

    def test_departments_get_403(self, client_for, police_user, county_user):
        job = Job.objects.create(
            kind=Job.Kind.EVALUATION, status=Job.Status.RUNNING, user=county_user, scope_code=f.COUNTY_CODE
        )
        assert client_for(police_user).get(job_url(job)).status_code == 403

    def test_an_evaluation_job_has_no_download(self, client_for, started, county_user):
        assert client_for(county_user).get(job_url(started, "download/")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_an_evaluation_through_redis(county_user, policy, county, settings):
    if not redis_available(REDIS_URL):
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    import redis
    from celery import Celery, signals
    from celery.contrib.testing.worker import start_worker

    from povertymgmt.celery import app as project_app

    queue_name = f"povertymgmt-test-{uuid.uuid4().hex[:12]}"
    app = Celery("povertymgmt-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue_name)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    finished = finished_tasks()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            with transaction.atomic():  # the task is sent when this commits
                job = evaluation_jobs.start_evaluation(policy=policy, user=county_user)
            assert job.in_background and job.status == Job.Status.QUEUED
            # The database is touched again only once the worker is idle (see the imports' real-worker test).
            assert finished.get(timeout=60) == "assessment.run_evaluation"
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.message
        run = EvaluationRun.objects.get(pk=job.result["run_id"])
        assert run.status == "finished" and run.household_count == 8 and run.results.count() == 8
    finally:
        project_app.set_current()
        project_app.set_default()
        signals.task_postrun.disconnect(dispatch_uid="test-jobs-finished")
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue_name, *client.keys(f"_kombu.binding*.{queue_name}"))
