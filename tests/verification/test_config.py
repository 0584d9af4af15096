"""The county office edits departments and check rules in the app (verification/config_views.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment.workflow import CaseKind
from verification.models import CheckRule, Department

pytestmark = pytest.mark.django_db


def edit_url(code: str) -> str:
    return reverse("verification:department_edit", args=[code])


def form_data(department: Department, rules: list[dict], **changes) -> dict:
    """The POST of the edit page: the department's fields and one row per rule (existing first, then new)."""
    existing = list(department.rules.order_by("pk"))
    data = {
        "name": department.name,
        "duties": department.duties,
        "review_days": str(department.review_days),
        "is_active": "on" if department.is_active else "",
        "opened_version": department.updated_at.isoformat(),
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(len(existing)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, rule in enumerate(rules):
        prefix = f"rules-{index}-"
        if index < len(existing):
            data[prefix + "id"] = str(existing[index].pk)
        for name, value in rule.items():
            if isinstance(value, list):
                data[prefix + name] = value
            elif isinstance(value, bool):
                if value:
                    data[prefix + name] = "on"
            else:
                data[prefix + name] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def as_rows(department: Department) -> list[dict]:
    return [
        {
            "item": rule.item,
            "title": rule.title,
            "kinds": list(rule.kinds),
            "always": rule.always,
            "statement": rule.statement,
            "is_active": rule.is_active,
        }
        for rule in department.rules.order_by("pk")
    ]


@pytest.fixture
def water():
    return Department.objects.get(code="水务")


@pytest.mark.parametrize("who", ["township", "village", "police", "leader", "assessor"])
def test_only_the_county_office_edits_departments(client_for, users, water, who):
    assert client_for(users[who]).get(edit_url(water.code)).status_code == 403


def test_rules_page_links_to_editing_for_the_county_office_only(client_for, users, water):
    assert edit_url(water.code) in client_for(users["county"]).get(reverse("verification:rules")).text
    assert edit_url(water.code) not in client_for(users["leader"]).get(reverse("verification:rules")).text


def test_unknown_department_is_404(client_for, users):
    assert client_for(users["county"]).get(edit_url("不存在")).status_code == 404


def test_saving_changes_the_department_and_adds_a_rule(client_for, users, water):
    rows = as_rows(water) + [
        {
            "item": "y3",
            "title": "饮水安全复核",
            "kinds": [CaseKind.EXIT, CaseKind.RETURN],
            "always": True,
            "statement": "本户饮水安全",
            "is_active": True,
        }
    ]
    before = water.rules.count()
    response = client_for(users["county"]).post(edit_url(water.code), form_data(water, rows, review_days="10"))
    assert response.status_code == 302
    water.refresh_from_db()
    assert water.review_days == 10
    assert water.rules.count() == before + 1
    added = water.rules.get(title="饮水安全复核")
    assert added.item == "Y3" and added.kinds == [CaseKind.EXIT, CaseKind.RETURN] and added.always


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"item": "X9", "title": "某事项", "kinds": [CaseKind.EXIT], "always": False}, "不是评估条款代码"),
        ({"item": "Y2", "title": "饮水（重复）", "kinds": [CaseKind.EXIT], "always": True}, "规则重复"),
        ({"item": "Y2", "title": "饮水", "kinds": [], "always": False}, "这个字段是必填项"),
    ],
)
def test_bad_rules_are_refused_and_what_was_typed_stays(client_for, users, water, row, message):
    rows = as_rows(water) + [{"is_active": True, **row}]
    before = list(water.rules.values_list("pk", "item", "title"))
    response = client_for(users["county"]).post(edit_url(water.code), form_data(water, rows, name="区水务局（改）"))
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text and "区水务局（改）" in text
    assert list(water.rules.values_list("pk", "item", "title")) == before
    water.refresh_from_db()
    assert water.name != "区水务局（改）"


def test_zero_review_days_is_refused(client_for, users, water):
    response = client_for(users["county"]).post(edit_url(water.code), form_data(water, as_rows(water), review_days="0"))
    assert response.status_code == 200 and "复核时限" in response.content.decode()


def test_a_rule_can_be_deleted(client_for, users, water):
    rows = as_rows(water)
    first = water.rules.order_by("pk").first()
    data = form_data(water, rows)
    data["rules-0-DELETE"] = "on"
    assert client_for(users["county"]).post(edit_url(water.code), data).status_code == 302
    assert not CheckRule.objects.filter(pk=first.pk).exists()


def test_a_save_by_someone_else_meanwhile_is_a_conflict(client_for, users, water):
    data = form_data(water, as_rows(water), review_days="12")
    Department.objects.filter(pk=water.pk).update(name="别人改过")
    water.refresh_from_db()  # updated_at is unchanged by update(): touch it as a save would
    water.save()
    response = client_for(users["county"]).post(edit_url(water.code), data)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    water.refresh_from_db()
    assert water.review_days != 12 and water.name == "别人改过"
