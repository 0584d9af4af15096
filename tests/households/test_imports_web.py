"""Imports in the browser: upload → preview → confirm → done, the error workbook, scope and roles."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from households import jobs
from households.choices import FactKind, Relation
from households.forms.imports import ImportUploadForm
from households.models import Area, Fact, Household, Job, Member
from tests import factories as f
from tests.households import excel_builders as xb

pytestmark = pytest.mark.django_db

NEW_URL = "/imports/new/"


@pytest.fixture(autouse=True)
def import_root(settings, tmp_path):
    settings.IMPORT_ROOT = tmp_path / "imports"
    settings.IMPORT_SYNC_MAX_BYTES = 512 * 1024
    settings.IMPORT_SYNC_MAX_ROWS = 3000
    return settings.IMPORT_ROOT


def xlsx_upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def upload(client, path: Path, kind: str = Job.Kind.IMPORT_ROSTER, **data):
    return client.post(NEW_URL, {"kind": kind, "file": xlsx_upload(path), **data})


def last_job() -> Job:
    return Job.objects.latest("id")


def household_file_rows(household: Household, *, members=None, **overrides) -> list[dict]:
    """Roster rows describing an existing household (its members as they are), with overrides."""
    shared = xb.household_values(household.number, household.area.code, **overrides)
    rows = []
    for member in members if members is not None else household.members.active():
        rows.append(
            {
                **shared,
                **xb.member_values(member.name, Relation(member.relation).label, member.id_number),
            }
        )
    return rows


@pytest.fixture
def new_roster(tmp_path):
    return xb.write_roster(tmp_path / "花名册.xlsx", xb.household_rows("HH-T-0001", members=3))


class TestUploadPreviewConfirm:
    def test_upload_shows_the_preview_and_writes_nothing(self, client_for, township_a_user, new_roster):
        response = upload(client_for(township_a_user), new_roster)
        job = last_job()
        assert response.status_code == 302
        assert response.url == f"/imports/{job.pk}/"
        assert (job.status, job.kind, job.user, job.scope_code) == (
            Job.Status.READY,
            Job.Kind.IMPORT_ROSTER,
            township_a_user,
            f.TOWNSHIP_A,
        )
        assert job.result["counts"]["households"] == {"new": 1, "updated": 0, "unchanged": 0}
        assert job.result["counts"]["members"]["new"] == 3
        assert not Household.objects.filter(number="HH-T-0001").exists()
        page = client_for(township_a_user).get(response.url)
        assert page.status_code == 200
        text = page.text
        assert "确认导入" in text and "新增的农户" in text and "HH-T-0001" in text
        assert "HH-T-0001成员1" in text
        assert "job-progress.js" not in text  # nothing left to poll

    def test_confirm_writes_the_rows_with_history(self, client_for, township_a_user, new_roster):
        client = client_for(township_a_user)
        upload(client, new_roster)
        job = last_job()
        response = client.post(f"/imports/{job.pk}/confirm/")
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == Job.Status.DONE
        assert job.finished_at is not None
        household = Household.objects.get(number="HH-T-0001")
        assert household.members.count() == 3
        record = household.history.get()
        assert record.history_user == township_a_user
        assert record.history_change_reason == f"导入花名册（任务#{job.pk}）：花名册.xlsx"
        page = client.get(f"/imports/{job.pk}/")
        assert "导入完成" in page.text and "农户：新增 1，更新 0，未变 0" in page.text

    def test_confirming_twice_imports_once(self, client_for, township_a_user, new_roster):
        client = client_for(township_a_user)
        upload(client, new_roster)
        job = last_job()
        client.post(f"/imports/{job.pk}/confirm/")
        response = client.post(f"/imports/{job.pk}/confirm/", follow=True)
        assert "不能确认导入" in response.text
        assert Household.objects.filter(number="HH-T-0001").count() == 1
        assert Household.history.filter(number="HH-T-0001").count() == 1

    def test_preview_shows_old_and_new_values_and_absent_members(
        self, client_for, township_a_user, household_a, tmp_path
    ):
        head, spouse, son = household_a.members.order_by("relation", "birth_date")
        path = xb.write_roster(
            tmp_path / "更新.xlsx", household_file_rows(household_a, members=[head, spouse], 地址="箐口村二组8号")
        )
        client = client_for(township_a_user)
        upload(client, path)
        job = last_job()
        assert job.status == Job.Status.READY
        page = client.get(f"/imports/{job.pk}/").text
        assert "地址：空 → 箐口村二组8号" in page
        assert "文件中没有、系统中仍在册的成员" in page
        assert son.masked_id_number in page and son.id_number not in page
        client.post(f"/imports/{job.pk}/confirm/")
        household_a.refresh_from_db()
        assert household_a.address == "箐口村二组8号"
        assert household_a.version == 2
        assert Member.objects.get(pk=son.pk).is_active  # absent members are listed, never removed

    def test_stale_plan_is_validated_again_and_not_applied(self, client_for, township_a_user, household_a, tmp_path):
        path = xb.write_roster(tmp_path / "更新.xlsx", household_file_rows(household_a, 地址="新地址"))
        client = client_for(township_a_user)
        upload(client, path)
        job = last_job()
        Household.objects.filter(pk=household_a.pk).update(version=5, note="调查员刚改过")
        response = client.post(f"/imports/{job.pk}/confirm/", follow=True)
        job.refresh_from_db()
        assert job.status == Job.Status.READY
        assert "档案已有变化" in job.message and "档案已有变化" in response.text
        household_a.refresh_from_db()
        assert household_a.address == ""
        client.post(f"/imports/{job.pk}/confirm/")  # the user confirms the new preview
        household_a.refresh_from_db()
        assert (household_a.address, household_a.version) == ("新地址", 6)

    def test_large_file_is_validated_and_applied_by_the_worker(
        self, client_for, township_a_user, new_roster, settings, django_capture_on_commit_callbacks
    ):
        settings.IMPORT_SYNC_MAX_BYTES = 0
        settings.IMPORT_SYNC_MAX_ROWS = 0
        client = client_for(township_a_user)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            upload(client, new_roster)
        job = last_job()
        assert (job.status, len(callbacks)) == (Job.Status.UPLOADED, 1)  # enqueued after commit, not yet run
        page = client.get(f"/imports/{job.pk}/").text
        assert 'id="job-progress"' in page and "job-progress.js" in page
        callbacks[0]()  # what the worker does (Celery is eager in the tests)
        job.refresh_from_db()
        assert job.status == Job.Status.READY
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/{job.pk}/confirm/")
        job.refresh_from_db()
        assert job.status == Job.Status.DONE
        assert Household.objects.filter(number="HH-T-0001").exists()


class TestErrors:
    def test_one_bad_row_writes_nothing_and_the_error_workbook_names_it(self, client_for, township_a_user, tmp_path):
        rows = xb.household_rows("HH-T-0001", members=2) + xb.household_rows("HH-T-0002", members=2)
        rows[2]["证件号码"] = "530113197005010000"  # row 4: wrong check digit
        path = xb.write_roster(tmp_path / "有错.xlsx", rows)
        client = client_for(township_a_user)
        upload(client, path)
        job = last_job()
        assert job.status == Job.Status.FAILED
        assert [(e["row"], e["header"]) for e in job.result["errors"]] == [(4, "证件号码")]
        assert "发现 1 处错误，未写入任何数据" in job.message
        page = client.get(f"/imports/{job.pk}/").text
        assert "校验位错误" in page and "下载错误报告" in page and 'id="confirm"' not in page
        assert client.post(f"/imports/{job.pk}/confirm/").status_code == 302
        assert not Household.objects.filter(number__startswith="HH-T-").exists()

        response = client.get(f"/imports/{job.pk}/errors.xlsx")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        sheet = workbook.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert len(table) == 1 + len(rows)  # every row kept
        assert table[0][: len(xb.ROSTER_HEADERS)] == xb.ROSTER_HEADERS
        assert table[0][-1] == "错误说明"
        notes = {number: row[-1] for number, row in enumerate(table[1:], 2)}
        assert "证件号码" in notes[4] and "校验位错误" in notes[4]
        assert all(note is None for number, note in notes.items() if number != 4)
        assert table[3][xb.ROSTER_HEADERS.index("证件号码")] == "530113197005010000"
        assert workbook.sheetnames[1] == "错误汇总"

    def test_township_user_importing_another_townships_row_gets_a_row_error(
        self, client_for, township_a_user, tmp_path
    ):
        rows = xb.household_rows("HH-T-0001", members=2) + xb.household_rows("HH-T-0002", members=2, area=f.GROUP_B1)
        upload(client_for(township_a_user), xb.write_roster(tmp_path / "跨乡镇.xlsx", rows))
        job = last_job()
        assert job.status == Job.Status.FAILED
        errors = job.result["errors"]
        assert [(e["row"], e["header"]) for e in errors] == [(4, "区划代码")]
        assert f"区划代码 {f.GROUP_B1} 不在您的管辖范围" in errors[0]["message"]
        assert not Household.objects.filter(number__startswith="HH-T-").exists()
        assert "HH-T-0002" not in str(job.result["preview"])
        assert job.result["counts"]["households"]["new"] == 1  # the other township's household is not counted

    def test_county_may_import_every_township(self, client_for, county_user, tmp_path):
        rows = xb.household_rows("HH-T-0001", members=2) + xb.household_rows("HH-T-0002", members=2, area=f.GROUP_B1)
        client = client_for(county_user)
        upload(client, xb.write_roster(tmp_path / "全县.xlsx", rows))
        job = last_job()
        assert job.status == Job.Status.READY
        client.post(f"/imports/{job.pk}/confirm/")
        assert Household.objects.filter(number__startswith="HH-T-").count() == 2

    def test_moving_another_townships_household_in_is_refused(self, client_for, township_a_user, household_b, tmp_path):
        rows = household_file_rows(household_b)
        for row in rows:
            row["区划代码"] = f.GROUP_A1
        upload(client_for(township_a_user), xb.write_roster(tmp_path / "迁入.xlsx", rows))
        job = last_job()
        assert job.status == Job.Status.FAILED
        assert [e["header"] for e in job.result["errors"]] == ["区划代码"]
        assert "管辖范围以外" in job.result["errors"][0]["message"]
        household_b.refresh_from_db()
        assert household_b.area.code == f.GROUP_B1

    def test_member_of_another_township_is_not_named(self, client_for, township_a_user, household_b, tmp_path):
        other = household_b.members.get(relation=Relation.SON)
        rows = xb.household_rows("HH-T-0001", members=3)
        rows[2]["证件号码"] = other.id_number
        upload(client_for(township_a_user), xb.write_roster(tmp_path / "重复.xlsx", rows))
        job = last_job()
        message = job.result["errors"][0]["message"]
        assert "管辖范围以外某户的在册成员" in message
        assert household_b.number not in message and other.name not in message

    def test_unreadable_workbook_fails_the_job_with_the_reason(self, client_for, township_a_user, tmp_path):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("hello.txt", "不是工作簿")
        path = tmp_path / "坏文件.xlsx"
        path.write_bytes(archive.getvalue())
        client = client_for(township_a_user)
        upload(client, path)
        job = last_job()
        assert job.status == Job.Status.FAILED
        assert "无法读取文件" in job.message and "不是 Excel 工作簿" in job.message
        assert "不是 Excel 工作簿" in client.get(f"/imports/{job.pk}/").text
        assert client.get(f"/imports/{job.pk}/errors.xlsx").status_code == 404

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "旧版 Excel（.xls）"),
            ("名册.csv", b"a,b\n1,2\n", "请上传 Excel 工作簿（.xlsx）文件"),
            ("名册.xlsx", b"just text, renamed", "文件内容不是 Excel 工作簿"),
            ("名册.xlsx", b"", "所提交的是空文件"),
        ],
    )
    def test_invalid_upload_rerenders_with_a_chinese_error_and_writes_nothing(
        self, client_for, township_a_user, import_root, name, content, message
    ):
        response = client_for(township_a_user).post(
            NEW_URL, {"kind": Job.Kind.IMPORT_ROSTER, "file": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 200
        assert message in response.text
        assert not Job.objects.exists()
        assert not Path(import_root).exists() or not any(Path(import_root).rglob("*.*"))

    def test_file_over_50_mb_is_refused_by_the_form(self, township_a_user):
        big = SimpleUploadedFile("名册.xlsx", b"PK\x03\x04")
        big.size = 51 * 1024 * 1024  # the size Django reports for the upload; no need to send 51 MB
        form = ImportUploadForm({"kind": Job.Kind.IMPORT_ROSTER}, {"file": big}, user=township_a_user)
        assert not form.is_valid()
        assert "超过上限 50 MB" in form.errors["file"][0]

    def test_failure_during_apply_leaves_no_rows_and_records_the_reason(self, client_for, township_a_user, new_roster):
        client = client_for(township_a_user)
        upload(client, new_roster)
        job = last_job()
        with mock.patch("households.excel.roster._write_members", side_effect=RuntimeError("磁盘已满（模拟）")):
            response = client.post(f"/imports/{job.pk}/confirm/", follow=True)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        assert "已全部撤销，未写入任何数据" in job.message and "磁盘已满（模拟）" in job.message
        assert "磁盘已满（模拟）" in response.text
        assert not Household.objects.filter(number="HH-T-0001").exists()
        assert not Household.history.filter(number="HH-T-0001").exists()
        assert jobs.stored_path(job.stored_path).is_file()  # kept for another try


class TestStorage:
    def test_upload_is_stored_outside_media_under_a_generated_name(
        self, client_for, township_a_user, new_roster, import_root, settings
    ):
        upload(client_for(township_a_user), new_roster)
        job = last_job()
        stored = jobs.stored_path(job.stored_path)
        assert stored.is_file() and Path(import_root) in stored.parents
        assert Path(settings.MEDIA_ROOT) not in stored.parents
        assert "花名册" not in job.stored_path and job.file_name == "花名册.xlsx"
        assert job.sha256 == hashlib.sha256(new_roster.read_bytes()).hexdigest()
        assert job.file_size == new_roster.stat().st_size

    def test_a_changed_stored_file_is_not_applied(self, client_for, township_a_user, new_roster):
        client = client_for(township_a_user)
        upload(client, new_roster)
        job = last_job()
        jobs.stored_path(job.stored_path).write_bytes(b"PK\x03\x04 tampered")
        client.post(f"/imports/{job.pk}/confirm/")
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "已被删除或改动" in job.message
        assert not Household.objects.filter(number="HH-T-0001").exists()


class TestOtherKinds:
    def test_county_imports_areas(self, client_for, county_user, tmp_path):
        path = xb.write_xlsx(
            tmp_path / "区划.xlsx",
            xb.AREA_HEADERS,
            [["530113001003", "新村", "530113001"], ["530113001003001", "新村一组", "530113001003"]],
        )
        client = client_for(county_user)
        upload(client, path, kind=Job.Kind.IMPORT_AREAS)
        job = last_job()
        assert job.status == Job.Status.READY and job.result["counts"] == {"new": 2, "updated": 0, "unchanged": 0}
        assert "新村一组" in client.get(f"/imports/{job.pk}/").text
        client.post(f"/imports/{job.pk}/confirm/")
        assert Area.objects.get(code="530113001003001").parent.code == "530113001003"

    def test_county_imports_department_facts(self, client_for, county_user, household_a, tmp_path):
        member = household_a.members.get(relation=Relation.HEAD)
        path = xb.write_xlsx(
            tmp_path / "公安车辆.xlsx",
            ["证件号码", "事实类型", "发生日期", "金额"],
            [[member.id_number, "机动车", datetime.date(2017, 3, 1), 45000]],
        )
        client = client_for(county_user)
        upload(client, path, kind=Job.Kind.IMPORT_FACTS, source="公安")
        job = last_job()
        assert job.status == Job.Status.READY and job.result["counts"]["new"] == 1
        assert member.id_number not in client.get(f"/imports/{job.pk}/").text
        client.post(f"/imports/{job.pk}/confirm/")
        fact = Fact.objects.get(household=household_a)
        assert (fact.kind, fact.source_name, fact.created_by) == (FactKind.VEHICLE, "公安", county_user)

    @pytest.mark.parametrize("kind", [Job.Kind.IMPORT_AREAS, Job.Kind.IMPORT_FACTS])
    def test_township_may_not_import_areas_or_facts(self, client_for, township_a_user, new_roster, kind):
        response = upload(client_for(township_a_user), new_roster, kind=kind)
        assert response.status_code == 200 and "选择一个有效的选项" in response.text
        assert not Job.objects.exists()


def make_job(user, **fields) -> Job:
    defaults = {"kind": Job.Kind.IMPORT_ROSTER, "scope_code": user.area.code, "file_name": "名册.xlsx"}
    return Job.objects.create(user=user, **{**defaults, **fields})


class TestAccess:
    def test_other_township_gets_404_for_every_page_of_a_job(self, client_for, township_a_user, township_b_user):
        job = make_job(township_a_user, status=Job.Status.READY)
        client = client_for(township_b_user)
        for suffix in ("", "progress/", "errors.xlsx"):
            assert client.get(f"/imports/{job.pk}/{suffix}").status_code == 404
        assert client.post(f"/imports/{job.pk}/confirm/").status_code == 404
        assert Job.objects.get(pk=job.pk).status == Job.Status.READY

    def test_history_is_scoped(self, client_for, county_user, township_a_user, township_b_user):
        mine = make_job(township_a_user, file_name="铜都街道.xlsx")
        theirs = make_job(township_b_user, file_name="阿旺镇.xlsx")
        county = make_job(county_user, file_name="全县.xlsx")
        page = client_for(township_a_user).get("/imports/").text
        assert "铜都街道.xlsx" in page and "阿旺镇.xlsx" not in page and "全县.xlsx" not in page
        page = client_for(county_user).get("/imports/").text
        assert all(job.file_name in page for job in (mine, theirs, county))

    def test_history_lists_who_when_file_kind_counts_and_status(self, client_for, township_a_user, new_roster):
        client = client_for(township_a_user)
        upload(client, new_roster)
        client.post(f"/imports/{last_job().pk}/confirm/")
        page = client.get("/imports/").text
        for fragment in (
            "花名册.xlsx",
            "导入花名册",
            "已完成",
            "农户：新增 1，更新 0，未变 0",
            township_a_user.display_name,
        ):
            assert fragment in page

    @pytest.mark.parametrize("persona", ["leader", "police", "assessor", "village1"])
    def test_roles_that_do_not_import_get_403(self, client_for, personas, township_a_user, persona):
        job = make_job(township_a_user)
        client = client_for(personas[persona])
        for url in ("/imports/", NEW_URL, f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/"):
            assert client.get(url).status_code == 403, url
        assert client.post(f"/imports/{job.pk}/confirm/").status_code == 403

    def test_anonymous_goes_to_login(self, client, township_a_user):
        job = make_job(township_a_user)
        for url in ("/imports/", NEW_URL, f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/"):
            response = client.get(url)
            assert response.status_code == 302 and response.url.startswith("/accounts/login/")

    def test_get_on_confirm_is_405(self, client_for, township_a_user):
        job = make_job(township_a_user, status=Job.Status.READY)
        assert client_for(township_a_user).get(f"/imports/{job.pk}/confirm/").status_code == 405

    def test_navigation_offers_imports_to_county_and_township_only(self, client_for, personas):
        for persona, shown in [("county", True), ("township1", True), ("village1", False), ("leader", False)]:
            page = client_for(personas[persona]).get("/households/").text
            assert ('href="/imports/"' in page) is shown, persona


class TestProgress:
    def test_progress_endpoint_reports_the_counter(self, client_for, township_a_user):
        job = make_job(
            township_a_user, status=Job.Status.APPLYING, progress_done=4000, progress_total=10000, message="已写入"
        )
        data = client_for(township_a_user).get(f"/imports/{job.pk}/progress/").json()
        assert data == {
            "id": job.pk,
            "status": "applying",
            "status_label": "导入中",
            "done": 4000,
            "total": 10000,
            "percent": 40,
            "message": "已写入",
            "finished": False,
            "url": f"/imports/{job.pk}/",
        }

    def test_finished_job_stops_the_polling(self, client_for, township_a_user):
        job = make_job(township_a_user, status=Job.Status.DONE)
        data = client_for(township_a_user).get(f"/imports/{job.pk}/progress/").json()
        assert (data["finished"], data["percent"]) == (True, 100)

    def test_the_page_says_when_no_background_queue_is_configured(self, client_for, township_a_user):
        job = make_job(township_a_user, status=Job.Status.VALIDATING)
        page = client_for(township_a_user).get(f"/imports/{job.pk}/").text
        assert "未配置后台任务队列" in page


def test_statuses_are_the_documented_ones():
    assert [label for _value, label in Job.Status.choices] == [
        "已上传",
        "校验中",
        "待确认",
        "导入中",
        "已完成",
        "失败",
        "排队中",
        "运行中",
    ]
