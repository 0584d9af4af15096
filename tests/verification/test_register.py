"""Register matching (大数据比对): a department uploads its register extract (FORMATS §3) with its name as the
source; the hits that change an outcome go straight into its queue."""

from __future__ import annotations

import datetime
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from households.choices import FactKind, FactSource
from households.idnumber import make_id_number
from households.models import Fact
from tests.households.excel_builders import FACT_HEADERS, write_xlsx
from verification import services
from verification.models import Department, VerificationTask


def register(tmp_path, rows):
    return write_xlsx(tmp_path / "register.xlsx", FACT_HEADERS, rows)


def vehicle_row(id_number, price="45000", bought=datetime.date(2013, 5, 1)):
    return {"证件号码": id_number, "事实类型": "机动车", "发生日期": bought, "金额": price, "类别": "小型轿车"}


@pytest.fixture
def police(db):
    return Department.objects.get(code="公安")


def test_a_hit_that_changes_the_outcome_goes_into_the_queue(tmp_path, demo, police, police_user, campaign):
    head = demo["exit"].members.get(relation="01")
    path = register(tmp_path, [vehicle_row(head.id_number), vehicle_row(make_id_number("11010119900307451"))])
    result = services.process_register(path, department=police, by=police_user, file_name="车辆登记.xlsx")
    assert result.ok and result.counts["new"] == 1 and result.counts["unmatched"] == 1
    fact = Fact.objects.get(kind=FactKind.VEHICLE, household=demo["exit"])
    assert (fact.source, fact.source_name, fact.member) == (FactSource.DEPARTMENT, "公安局", head)
    task = VerificationTask.objects.get()
    assert (task.department, task.source, task.household, task.required) == (police, "register", demo["exit"], False)
    assert "WRONG_INCLUSION" in task.items[0]["text"] and task.member_ids == [head.pk]


def test_a_hit_that_changes_nothing_is_recorded_but_not_queued(tmp_path, demo, police, police_user, campaign):
    head = demo["exit"].members.get(relation="01")
    path = register(tmp_path, [vehicle_row(head.id_number, price="12000")])  # under the 30,000 limit
    result = services.process_register(path, department=police, by=police_user)
    assert result.counts["new"] == 1 and not result.queued
    assert not VerificationTask.objects.exists()


def test_a_dry_run_writes_nothing(tmp_path, demo, police, police_user, campaign):
    head = demo["exit"].members.get(relation="01")
    result = services.process_register(
        register(tmp_path, [vehicle_row(head.id_number)]), department=police, by=police_user, dry_run=True
    )
    assert len(result.plan.new) == 1
    assert not Fact.objects.filter(kind=FactKind.VEHICLE, household=demo["exit"]).exists()


def test_upload_preview_confirm_through_the_pages(client_for, demo, police_user, campaign, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    head = demo["exit"].members.get(relation="01")
    content = register(tmp_path, [vehicle_row(head.id_number)]).read_bytes()
    client = client_for(police_user)
    upload = SimpleUploadedFile("车辆.xlsx", content)
    page = client.post(reverse("verification:register"), {"file": upload})
    assert page.status_code == 200 and "将新增事实 <strong>1</strong> 条" in page.text
    assert not VerificationTask.objects.exists()
    token = page.context["token"]
    done = client.post(reverse("verification:register"), {"token": token})
    assert done.status_code == 200 and "已列入核查队列" in done.text
    assert VerificationTask.objects.filter(department__code="公安").count() == 1
    queue = client.get(reverse("verification:queue")).text
    assert "大数据比对" in queue


def test_an_invalid_file_shows_its_errors_and_writes_nothing(client_for, police_user, tmp_path, settings, demo):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = register(tmp_path, [{"证件号码": "123", "事实类型": "机动车"}]).read_bytes()
    page = client_for(police_user).post(
        reverse("verification:register"), {"file": SimpleUploadedFile("x.xlsx", content)}
    )
    assert "文件有错误，未导入任何数据" in page.text
    assert Fact.objects.filter(source=FactSource.DEPARTMENT).count() == 1  # only the demo's own car fact


def test_someone_elses_token_is_refused(client_for, police_user, users, tmp_path, settings, demo, campaign):
    settings.MEDIA_ROOT = tmp_path / "media"
    head = demo["exit"].members.get(relation="01")
    content = register(tmp_path, [vehicle_row(head.id_number)]).read_bytes()
    page = client_for(police_user).post(
        reverse("verification:register"), {"file": SimpleUploadedFile("x.xlsx", content)}
    )
    token = page.context["token"]
    assert client_for(users["county"]).post(reverse("verification:register"), {"token": token}).status_code == 403


@pytest.mark.parametrize("persona", ["township", "village", "leader"])
def test_only_departments_and_the_county_upload(client_for, users, persona):
    assert client_for(users[persona]).get(reverse("verification:register")).status_code == 403


def test_abandoned_previews_are_removed_at_the_next_upload(client_for, demo, police_user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    from verification.views import UPLOAD_MAX_AGE, upload_dir

    old = upload_dir() / "abandoned.xlsx"
    recent = upload_dir() / "recent.xlsx"
    for path in (old, recent):
        path.write_bytes(b"x")
    expired = time.time() - UPLOAD_MAX_AGE - 60
    os.utime(old, (expired, expired))
    head = demo["exit"].members.get(relation="01")
    content = register(tmp_path, [vehicle_row(head.id_number)]).read_bytes()
    page = client_for(police_user).post(
        reverse("verification:register"), {"file": SimpleUploadedFile("车辆.xlsx", content)}
    )
    assert page.status_code == 200
    assert not old.exists()  # its token has expired: it could never be confirmed
    assert recent.exists()  # someone may still confirm it
