"""Large roster exports as background jobs, and the 后台任务 pages: the confirmation page, the job writing the
same workbook as the streamed download, the access log, who may download, failure, purge, the list."""

from __future__ import annotations

import datetime
import io
import os
import uuid
from pathlib import Path

import pytest
import python_calamine
from celery import Celery, signals
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from households import background, jobs, tasks  # noqa: F401  (tasks: registered on the real-worker test's app)
from households.choices import Role
from households.excel import downloads
from households.models import AccessLog, Job
from tests import factories as f
from tests.households.test_jobs import REDIS_URL, finished_tasks, redis_available

pytestmark = pytest.mark.django_db

ROSTER = "/exports/roster.xlsx"
START = "/exports/roster/background/"
JOBS = "/jobs/"


@pytest.fixture(autouse=True)
def export_settings(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 1  # two households: a background export
    return settings


def sheet_rows(data: bytes) -> list[list]:
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def job_url(job: Job, suffix: str = "") -> str:
    return f"/jobs/{job.pk}/{suffix}"


def export_job(client, data: dict | None = None, capture=None) -> Job:
    with capture(execute=True):
        response = client.post(START, data or {})
    job = Job.objects.get(kind=Job.Kind.EXPORT)
    assert response.status_code == 302 and response.url == job_url(job)
    return job


def export_files(settings) -> list[Path]:
    root = Path(settings.IMPORT_ROOT) / "exports"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class TestConfirmation:
    def test_a_large_download_shows_the_confirmation_and_starts_nothing(
        self, client_for, county_user, household_a, household_b
    ):
        response = client_for(county_user).get(ROSTER, {"status": "poor", "page": 2})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        page = response.text
        assert "共 <strong>2</strong> 户、6 人" in page and "户状态=未脱贫" in page
        assert f'action="{START}"' in page and "csrfmiddlewaretoken" in page
        assert '<input type="hidden" name="status" value="poor">' in page and 'name="page"' not in page
        assert not Job.objects.exists() and not AccessLog.objects.exists()

    def test_a_download_up_to_the_threshold_streams_at_once(self, client_for, county_user, household_a, settings):
        settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 1
        response = client_for(county_user).get(ROSTER, {"township": f.TOWNSHIP_A})
        assert response.streaming and not Job.objects.exists()
        assert AccessLog.objects.get().detail.startswith("浏览器下载")

    def test_start_is_post_only(self, client_for, county_user):
        assert client_for(county_user).get(START).status_code == 405
        assert not Job.objects.exists()

    def test_departments_get_403(self, client_for, police_user, household_a):
        assert client_for(police_user).post(START).status_code == 403
        assert client_for(police_user).get(JOBS).status_code == 403
        assert not Job.objects.exists()

    def test_anonymous_is_sent_to_login(self, client):
        response = client.post(START)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


class TestExportJob:
    def test_the_job_writes_the_same_workbook_as_the_streamed_download(
        self, client_for, county_user, household_a, household_b, settings, django_capture_on_commit_callbacks
    ):
        client = client_for(county_user)
        settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 5000
        streamed = sheet_rows(b"".join(client.get(ROSTER).streaming_content))
        settings.EXPORT_SYNC_MAX_HOUSEHOLDS = 1
        job = export_job(client, capture=django_capture_on_commit_callbacks)
        assert (job.status, job.progress_done, job.progress_total, job.summary) == (
            Job.Status.DONE,
            6,
            6,
            {"rows": 6, "masked": False},
        )
        assert job.stored_path.startswith("exports/") and job.file_name.startswith("花名册_东川区_")
        assert export_files(settings) == [jobs.stored_path(job.stored_path)]  # no partial file left
        response = client.get(job_url(job, "download/"))
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        assert sheet_rows(b"".join(response.streaming_content)) == streamed
        assert len(streamed) == 7  # header + 6 members

    def test_filters_and_masking_follow_the_request(
        self, client_for, village_user, household_a, areas, django_capture_on_commit_callbacks
    ):
        f.make_household(areas[f.GROUP_A1], number="HH-A-0002")
        client = client_for(village_user)
        job = export_job(client, {"status": "poor"}, capture=django_capture_on_commit_callbacks)
        header, *rows = sheet_rows(b"".join(client.get(job_url(job, "download/")).streaming_content))
        records = [dict(zip(header, row, strict=True)) for row in rows]
        assert {r["户编号"] for r in records} == {"HH-A-0001", "HH-A-0002"}
        assert all("********" in r["证件号码"] for r in records)  # village officers get masked numbers
        assert job.options["filters"]["status"] == "poor" and job.summary["masked"] is True

    def test_the_export_and_each_download_are_logged(
        self, client_for, county_user, household_a, household_b, django_capture_on_commit_callbacks
    ):
        client = client_for(county_user)
        job = export_job(client, {"status": "poor"}, capture=django_capture_on_commit_callbacks)
        export = AccessLog.objects.get()
        assert (export.user, export.action, export.row_count) == (county_user, AccessLog.Action.EXPORT, 6)
        assert export.target == f"花名册（东川区 {f.COUNTY_CODE}）" and export.ip_address == "127.0.0.1"
        assert f"后台导出（任务#{job.pk}）" in export.detail and "户状态=未脱贫" in export.detail
        assert "含完整证件号码" in export.detail
        client.get(job_url(job, "download/"))
        client.get(job_url(job, "download/"))
        downloads_ = AccessLog.objects.exclude(pk=export.pk)
        assert downloads_.count() == 2
        log = downloads_.first()
        assert log.target == f"下载花名册（东川区 {f.COUNTY_CODE}）" and f"任务#{job.pk}" in log.detail
        assert log.row_count == 6

    def test_the_job_page_offers_the_download(
        self, client_for, county_user, household_a, household_b, django_capture_on_commit_callbacks
    ):
        client = client_for(county_user)
        job = export_job(client, capture=django_capture_on_commit_callbacks)
        page = client.get(job_url(job)).text
        assert "已完成" in page and "文件已生成：共 6 行" in page
        assert f'href="{job_url(job, "download/")}"' in page and "job-progress.js" not in page

    def test_progress_is_reported_in_rows(self, household_a, household_b, tmp_path):
        seen = []
        households = background.find_households(f.make_user("c2", Role.COUNTY, household_a.area.parent.parent.parent))
        with (tmp_path / "out.xlsx").open("wb") as out:
            rows = downloads.write_roster_file(households, out, mask_ids=False, progress=seen.append, every=2)
        assert rows == 6 and seen == [2, 4, 6]

    def test_a_running_export_page_polls_its_progress(self, client_for, county_user):
        job = Job.objects.create(
            kind=Job.Kind.EXPORT,
            status=Job.Status.RUNNING,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            progress_done=5000,
            progress_total=20000,
            message="已写入 5000 / 20000 行",
        )
        client = client_for(county_user)
        page = client.get(job_url(job)).text
        assert 'id="job-progress"' in page and "5000 / 20000" in page and "job-progress.js" in page
        data = client.get(job_url(job, "progress/")).json()
        assert (data["percent"], data["finished"], data["status_label"]) == (25, False, "运行中")
        assert client.get(job_url(job, "download/")).status_code == 404  # nothing to download yet


class TestFailure:
    def test_a_failure_removes_the_partial_file_and_shows_the_reason(
        self,
        client_for,
        county_user,
        household_a,
        household_b,
        settings,
        monkeypatch,
        django_capture_on_commit_callbacks,
    ):
        def broken(households, output, **kwargs):
            output.write(b"PK partial")
            raise OSError("磁盘已满")

        monkeypatch.setattr(background, "write_roster_file", broken)
        client = client_for(county_user)
        job = export_job(client, capture=django_capture_on_commit_callbacks)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "磁盘已满" in job.message and job.stored_path == ""
        assert export_files(settings) == []
        assert "后台导出失败，未生成文件" in AccessLog.objects.get().detail
        page = client.get(job_url(job)).text
        assert "失败" in page and "磁盘已满" in page
        assert client.get(job_url(job, "download/")).status_code == 404

    def test_a_user_who_lost_the_right_meanwhile_gets_no_file(self, county_user, household_a, settings):
        job = Job.objects.create(
            kind=Job.Kind.EXPORT,
            status=Job.Status.QUEUED,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            options={"filters": {}, "masked": False},
        )
        county_user.role = Role.DEPARTMENT
        county_user.save()
        background.run_export(job.pk)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "您的角色不能查看农户档案" in job.message
        assert export_files(settings) == []

    def test_a_repeated_delivery_of_a_finished_job_does_nothing(
        self, client_for, county_user, household_a, household_b, django_capture_on_commit_callbacks
    ):
        job = export_job(client_for(county_user), capture=django_capture_on_commit_callbacks)
        background.run_export(job.pk)
        assert Job.objects.get(pk=job.pk).sha256 == job.sha256


class TestAccess:
    @pytest.fixture
    def done_job(self, client_for, county_user, household_a, household_b, django_capture_on_commit_callbacks):
        return export_job(client_for(county_user), capture=django_capture_on_commit_callbacks)

    def test_another_county_user_gets_404_for_every_page_of_the_export(self, client_for, done_job, areas):
        colleague = f.make_user("county2", Role.COUNTY, areas[f.COUNTY_CODE])
        client = client_for(colleague)
        for suffix in ("", "progress/", "download/"):
            assert client.get(job_url(done_job, suffix)).status_code == 404, suffix
        assert AccessLog.objects.count() == 1  # the refused download is not a download

    @pytest.mark.parametrize("persona", ["township1", "leader"])
    def test_other_readers_get_404(self, client_for, personas, done_job, persona):
        assert client_for(personas[persona]).get(job_url(done_job, "download/")).status_code == 404

    def test_departments_get_403_on_the_job_pages(self, client_for, police_user, done_job):
        assert client_for(police_user).get(job_url(done_job)).status_code == 403

    def test_an_import_job_is_not_a_background_job(self, client_for, township_a_user):
        job = Job.objects.create(kind=Job.Kind.IMPORT_ROSTER, user=township_a_user, scope_code=f.TOWNSHIP_A)
        assert client_for(township_a_user).get(job_url(job)).status_code == 404


class TestPurge:
    def test_old_export_files_are_deleted_and_the_job_stays(
        self, client_for, county_user, household_a, household_b, settings, django_capture_on_commit_callbacks
    ):
        client = client_for(county_user)
        old = export_job(client, capture=django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(START)
        recent = Job.objects.filter(kind=Job.Kind.EXPORT).exclude(pk=old.pk).get()
        Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
        old_path = jobs.stored_path(old.stored_path)
        old_path.with_suffix(".part").write_bytes(b"left by a killed worker")
        out = io.StringIO()
        call_command("purge_import_files", stdout=out)
        assert "导出文件 2 个" in out.getvalue()
        assert export_files(settings) == [jobs.stored_path(recent.stored_path)]
        old.refresh_from_db()
        assert (old.status, old.stored_path, old.summary["rows"]) == (Job.Status.DONE, "", 6)
        assert client.get(job_url(old, "download/")).status_code == 404
        assert "文件已按保留期限删除" in client.get(job_url(old)).text

    def test_the_export_retention_is_an_option(self, client_for, county_user, household_a, household_b, settings):
        job = Job.objects.create(
            kind=Job.Kind.EXPORT,
            status=Job.Status.QUEUED,
            user=county_user,
            scope_code=f.COUNTY_CODE,
            options={"filters": {}, "masked": False},
        )
        background.run_export(job.pk)
        Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
        call_command("purge_import_files", "--export-days", "30", stdout=io.StringIO())
        assert len(export_files(settings)) == 1


class TestJobList:
    def test_lists_the_users_own_exports_and_evaluations_newest_first(self, client_for, county_user, areas):
        colleague = f.make_user("county2", Role.COUNTY, areas[f.COUNTY_CODE])
        mine = [
            Job.objects.create(
                kind=Job.Kind.EXPORT, user=county_user, scope_code=f.COUNTY_CODE, file_name="花名册.xlsx"
            ),
            Job.objects.create(
                kind=Job.Kind.EVALUATION,
                status=Job.Status.DONE,
                user=county_user,
                scope_code=f.COUNTY_CODE,
                options={"area_name": "东川区", "policy_name": "云南省2018年度"},
            ),
        ]
        theirs = Job.objects.create(kind=Job.Kind.EXPORT, user=colleague, scope_code=f.COUNTY_CODE)
        an_import = Job.objects.create(kind=Job.Kind.IMPORT_ROSTER, user=county_user, scope_code=f.COUNTY_CODE)
        response = client_for(county_user).get(JOBS)
        assert response.status_code == 200
        assert [job.pk for job in response.context["page"]] == [mine[1].pk, mine[0].pk]
        page = response.text
        assert "东川区 · 云南省2018年度" in page and "名册.xlsx" in page
        assert f'href="/jobs/{theirs.pk}/"' not in page and f'href="/jobs/{an_import.pk}/"' not in page

    @pytest.mark.parametrize("n", [3, 30])
    def test_queries_do_not_grow_with_the_jobs(self, client_for, county_user, django_assert_max_num_queries, n):
        for i in range(n):
            Job.objects.create(kind=Job.Kind.EXPORT, user=county_user, scope_code=f.COUNTY_CODE, file_name=f"{i}.xlsx")
        client = client_for(county_user)
        with django_assert_max_num_queries(8):
            assert client.get(JOBS).status_code == 200

    def test_navigation_offers_the_list_to_readers_only(self, client_for, personas):
        for persona, shown in [("county", True), ("township1", True), ("village1", True), ("leader", True)]:
            assert ('href="/jobs/"' in client_for(personas[persona]).get("/households/").text) is shown, persona
        page = client_for(personas["police"]).get("/verification/").text
        assert 'href="/jobs/"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export_through_redis(county_user, household_a, household_b, settings):
    if not redis_available(REDIS_URL):
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    import redis
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
                job = background.start_roster_export(
                    county_user,
                    filters={},
                    masked=True,
                    target="花名册（东川区）",
                    file_name="花名册.xlsx",
                    filter_text="无筛选条件",
                    ip_address=None,
                )
            assert job.in_background and job.status == Job.Status.QUEUED
            assert finished.get(timeout=60) == "households.export_roster"
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.message
        header, *rows = sheet_rows(jobs.stored_path(job.stored_path).read_bytes())
        assert len(rows) == 6 and all("********" in row[header.index("证件号码")] for row in rows)
    finally:
        project_app.set_current()
        project_app.set_default()
        signals.task_postrun.disconnect(dispatch_uid="test-jobs-finished")
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue_name, *client.keys(f"_kombu.binding*.{queue_name}"))
