"""Background jobs: status transitions, progress in its own transactions, the error workbook, chunked
all-or-nothing apply, Celery in eager mode and a real worker against Redis."""

from __future__ import annotations

import datetime
import importlib
import io
import os
import queue
import uuid
from pathlib import Path
from unittest import mock

import pytest
from celery import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from households import jobs, tasks
from households.excel import roster as roster_module
from households.excel.error_report import write_error_report
from households.excel.validation import Problem
from households.models import Household, Job
from tests.households import excel_builders as xb

REDIS_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def import_root(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.IMPORT_SYNC_MAX_BYTES = 512 * 1024
    settings.IMPORT_SYNC_MAX_ROWS = 3000
    return settings.IMPORT_ROOT


def make_job(user, **fields) -> Job:
    defaults = {"kind": Job.Kind.IMPORT_ROSTER, "scope_code": user.area.code, "file_name": "名册.xlsx"}
    return Job.objects.create(user=user, **{**defaults, **fields})


def start(user, path: Path, kind: str = Job.Kind.IMPORT_ROSTER) -> Job:
    return jobs.start_import(user=user, kind=kind, uploaded=SimpleUploadedFile(path.name, path.read_bytes()))


def roster(tmp_path: Path, households: int = 3, members: int = 2) -> Path:
    rows = [row for n in range(1, households + 1) for row in xb.household_rows(f"HH-J-{n:04d}", members=members)]
    return xb.write_roster(tmp_path / "名册.xlsx", rows)


@pytest.mark.django_db
class TestStatus:
    def test_transitions_follow_the_table(self, township_a_user):
        job = make_job(township_a_user)
        with pytest.raises(ValueError, match="uploaded → done"):
            job.move_to(Job.Status.DONE)
        assert job.move_to(Job.Status.VALIDATING)
        assert Job.objects.get(pk=job.pk).status == Job.Status.VALIDATING

    def test_a_status_changed_meanwhile_is_not_overwritten(self, township_a_user):
        job = make_job(township_a_user, status=Job.Status.READY)
        other = Job.objects.get(pk=job.pk)
        assert other.move_to(Job.Status.APPLYING)
        assert not job.move_to(Job.Status.APPLYING)  # the second click of 确认导入
        assert job.status == Job.Status.READY

    def test_a_repeated_delivery_does_nothing(self, township_a_user):
        done = make_job(township_a_user, status=Job.Status.DONE, message="导入完成")
        jobs.run_apply(done.pk)
        jobs.run_validation(done.pk)
        done.refresh_from_db()
        assert (done.status, done.message) == (Job.Status.DONE, "导入完成")


@pytest.mark.django_db
class TestProgress:
    def test_outside_the_import_transaction_progress_is_a_plain_update(self, township_a_user):
        job = make_job(township_a_user)
        jobs.ProgressWriter(job.pk)(1, 3, "正在与系统档案比对…")
        job.refresh_from_db()
        assert (job.progress_done, job.progress_total, job.percent) == (1, 3, 33)

    def test_inside_the_import_transaction_sqlite_skips_the_update(self, township_a_user):
        if connection.vendor != "sqlite":
            pytest.skip("SQLite only: one writer at a time")
        job = make_job(township_a_user)
        writer = jobs.ProgressWriter(job.pk)
        with transaction.atomic(), writer.inside_transaction():
            writer(5, 10, "已写入 5 / 10 户")
        job.refresh_from_db()
        assert job.progress_done == 0


@pytest.mark.django_db(transaction=True)
def test_progress_inside_the_import_transaction_commits_on_its_own(township_a_user):
    """PostgreSQL: the page sees the counter while the import's transaction is open, and keeps it if it rolls back."""
    if connection.vendor == "sqlite":
        pytest.skip("needs a database with concurrent writers")
    job = make_job(township_a_user, status=Job.Status.APPLYING)
    writer = jobs.ProgressWriter(job.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_job(township_a_user, file_name="写入中.xlsx")  # the import's writes
        with writer.inside_transaction():
            writer(2000, 10000, "已写入 2000 / 10000 户")
            # Committed already: a statement that starts now (the page's poll) sees it.
            assert Job.objects.get(pk=job.pk).progress_done == 2000
        raise RuntimeError("the import fails")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.message) == (2000, 10000, "已写入 2000 / 10000 户")


class TestErrorWorkbook:
    def test_every_row_is_kept_with_values_formats_and_row_numbers(self, tmp_path):
        source = tmp_path / "in.xlsx"
        book = Workbook()
        sheet = book.active
        sheet.append(["户编号", "证件号码", "建档立卡日期"])
        sheet.append(["HH1", "530113197005010000", datetime.date(2014, 10, 1)])
        sheet["B2"].number_format = "@"
        sheet["C2"].number_format = "yyyy-mm-dd"
        sheet.append([])  # row 3 empty: kept, so that row numbers still match
        sheet.append(["HH2", "530113197005010011", None, "表头之外的备注"])
        book.save(source)
        xb.set_dimension(source, "A1:B2")  # a lying <dimension> must not lose rows
        problems = [
            Problem(2, "证件号码", "证件号码校验位错误", "B"),
            Problem(4, "证件号码", "与第2行的证件号码重复"),
            Problem(4, "户编号", "不存在"),
            Problem(None, "", "表头提示"),
        ]
        assert write_error_report(source, tmp_path / "out.xlsx", problems) == 2
        out = load_workbook(tmp_path / "out.xlsx")
        first = out.worksheets[0]
        rows = list(first.iter_rows(values_only=True))
        assert len(rows) == 4
        assert rows[0] == ("户编号", "证件号码", "建档立卡日期", None, "错误说明")
        assert rows[1][:3] == ("HH1", "530113197005010000", datetime.datetime(2014, 10, 1))
        assert rows[1][4] == "「证件号码」（B列）：证件号码校验位错误"
        assert all(value is None for value in rows[2])
        assert rows[3][3] == "表头之外的备注"  # a cell beyond the headers is not overwritten
        assert rows[3][4] == "「证件号码」：与第2行的证件号码重复；「户编号」：不存在"
        assert first["B2"].number_format == "@" and first["C2"].number_format == "yyyy-mm-dd"
        summary = [row for row in out["错误汇总"].iter_rows(values_only=True)]
        assert summary[0] == ("行号", "列名", "列", "错误说明")
        assert len(summary) == 1 + len(problems)
        assert (summary[1][0], summary[1][3]) == (2, "证件号码校验位错误")
        assert (summary[-1][0], summary[-1][3]) == ("表头", "表头提示")


@pytest.mark.django_db
class TestApply:
    def test_chunks_are_one_transaction(self, township_a_user, tmp_path):
        job = start(township_a_user, roster(tmp_path, households=3))

        real = roster_module._write_members
        calls = []

        def fail_on_third(plans, *args, **kwargs):
            calls.append(plans[0].number)
            if len(calls) == 3:
                raise RuntimeError("第三批写入失败（模拟）")
            return real(plans, *args, **kwargs)

        with (
            mock.patch.object(jobs, "PROGRESS_CHUNK", 1),  # one household per chunk
            mock.patch.object(roster_module, "_write_members", fail_on_third),
        ):
            jobs.confirm_import(job)
        job.refresh_from_db()
        assert calls == ["HH-J-0001", "HH-J-0002", "HH-J-0003"]
        assert job.status == Job.Status.FAILED and "第三批写入失败（模拟）" in job.message
        assert not Household.objects.filter(number__startswith="HH-J-").exists()

    def test_tasks_run_in_process_without_a_broker(self, township_a_user, tmp_path, settings):
        settings.IMPORT_SYNC_MAX_BYTES = 0
        with mock.patch.object(jobs, "enqueue", lambda task, job_id: task.delay(job_id)):
            job = start(township_a_user, roster(tmp_path, households=1))
        job.refresh_from_db()
        assert job.status == Job.Status.READY and not job.in_background
        result = tasks.apply_import.delay(job.pk)  # eager: runs here, before delay() returns
        assert result.successful()
        job.refresh_from_db()
        assert job.status == Job.Status.READY  # apply_import runs only a confirmed (导入中) job


@pytest.mark.django_db(transaction=True)
def test_chunked_apply_reports_progress_and_writes_everything(township_a_user, tmp_path):
    """Committed job row: on PostgreSQL the progress of every chunk goes through the second connection
    while the import's transaction is open, and the final 已完成 inside it does not wait for that connection."""
    job = start(township_a_user, roster(tmp_path, households=3))
    with mock.patch.object(jobs, "PROGRESS_CHUNK", 1):
        jobs.confirm_import(job)
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.percent) == (Job.Status.DONE, 3, 3, 100)
    assert Household.objects.filter(number__startswith="HH-J-").count() == 3


@pytest.mark.django_db
def test_an_unreachable_broker_fails_the_job_with_a_message(
    township_a_user, tmp_path, settings, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    settings.IMPORT_SYNC_MAX_BYTES = 0
    with (
        mock.patch.object(tasks.validate_import, "delay", side_effect=OperationalError("Connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = start(township_a_user, roster(tmp_path))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "后台任务队列不可用" in job.message and "Connection refused" in job.message


@pytest.mark.django_db
def test_the_job_keeps_the_first_errors_and_the_workbook_has_all(client_for, township_a_user, tmp_path):
    rows = xb.household_rows("HH-J-0001", members=3)
    for row in rows:
        row["民族"] = None
        row["与户主关系"] = "堂兄"
    with mock.patch.object(jobs, "MAX_STORED_ERRORS", 2):
        job = start(township_a_user, xb.write_roster(tmp_path / "全错.xlsx", rows))
    assert (len(job.result["errors"]), job.result["error_count"]) == (2, 3)
    page = client_for(township_a_user).get(f"/imports/{job.pk}/").text
    assert "发现 3 处错误" in page and "本页列出前 2 处" in page
    report = load_workbook(jobs.stored_path(job.error_report))
    assert [row[-1] is not None for row in report.worksheets[0].iter_rows(min_row=2, values_only=True)] == [True] * 3


@pytest.mark.django_db
def test_old_uploads_are_purged_and_the_history_stays(township_a_user, tmp_path):
    rows = xb.household_rows("HH-J-0001", members=2)
    rows[1]["证件号码"] = "530113197005010000"
    old = start(township_a_user, xb.write_roster(tmp_path / "旧.xlsx", rows))
    recent = start(township_a_user, roster(tmp_path))
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=200))
    old.refresh_from_db()
    files = [jobs.stored_path(old.stored_path), jobs.stored_path(old.error_report)]
    assert all(path.is_file() for path in files)
    out = io.StringIO()
    call_command("purge_import_files", "--days", "180", stdout=out)
    assert "已删除 2 个文件" in out.getvalue()
    assert not any(path.exists() for path in files)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.stored_path, old.error_report, old.file_name, old.status) == ("", "", "旧.xlsx", Job.Status.FAILED)
    assert jobs.stored_path(recent.stored_path).is_file()
    Job.objects.filter(pk=recent.pk).update(stored_path="")
    jobs.confirm_import(Job.objects.get(pk=recent.pk))
    recent.refresh_from_db()
    assert recent.status == Job.Status.FAILED and "保留期限" in recent.message


def test_without_a_broker_url_tasks_are_eager(monkeypatch):
    import povertymgmt.settings as module

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    assert importlib.reload(module).CELERY_TASK_ALWAYS_EAGER is True
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    assert importlib.reload(module).CELERY_TASK_ALWAYS_EAGER is False
    monkeypatch.delenv("CELERY_BROKER_URL")
    importlib.reload(module)


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def finished_tasks() -> queue.Queue:
    """Names of the tasks the worker finishes, in order (the test waits on this, not on the database)."""
    finished: queue.Queue = queue.Queue()

    def record(sender=None, **kwargs):
        finished.put(sender.name)

    signals.task_postrun.connect(record, weak=False, dispatch_uid="test-jobs-finished")
    return finished


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_validates_and_applies_through_redis(township_a_user, tmp_path, settings):
    if not redis_available(REDIS_URL):
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    import redis
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from povertymgmt.celery import app as project_app

    # A fresh app on the test broker and a queue of its own: nothing cached by the eager tests (producer
    # pools, routes) is reused, and parallel runs (SQLite, PostgreSQL) do not take each other's tasks.
    queue_name = f"povertymgmt-test-{uuid.uuid4().hex[:12]}"
    app = Celery("povertymgmt-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue_name)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.IMPORT_SYNC_MAX_BYTES = 0
    settings.IMPORT_SYNC_MAX_ROWS = 0
    finished = finished_tasks()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            job = start(township_a_user, roster(tmp_path, households=2))
            assert job.in_background
            # The test touches the database only while the worker is idle: SQLite's in-memory test database
            # (shared cache) has table locks that do not wait, unlike the WAL file database of a real install.
            assert finished.get(timeout=30) == "households.validate_import"
            job.refresh_from_db()
            assert job.status == Job.Status.READY, job.message
            with transaction.atomic():  # the task is sent when this commits
                assert jobs.confirm_import(job)
            assert finished.get(timeout=30) == "households.apply_import"
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.message
        assert Household.objects.filter(number__startswith="HH-J-").count() == 2
    finally:
        project_app.set_current()
        project_app.set_default()
        signals.task_postrun.disconnect(dispatch_uid="test-jobs-finished")
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue_name, *client.keys(f"_kombu.binding*.{queue_name}"))
