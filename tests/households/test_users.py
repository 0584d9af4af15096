"""User management by the county office (SPEC §1): role and scope fit, password rules, access."""

import pytest
from django.urls import reverse

from households.choices import Role
from households.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("households:users")
CREATE = reverse("households:user_create")
GOOD_PASSWORD = "Qingkou-village-2025"


def edit_url(user):
    return reverse("households:user_edit", args=[user.pk])


def create_post(areas, **overrides):
    data = {
        "username": "zhangsan",
        "full_name": "张三",
        "phone": "13800000000",
        "role": Role.TOWNSHIP,
        "area": areas[f.TOWNSHIP_A].pk,
        "department": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_post(user, **overrides):
    data = {
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "area": user.area_id or "",
        "department": user.department,
        "is_active": "on" if user.is_active else "",
        "password1": "",
        "password2": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def other_county_user(areas):
    return f.make_user("neighbour", Role.TOWNSHIP, f.make_area("530114001", "别县某镇"))


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["township_a_user", "village_user", "police_user", "leader_user", "assessor_user"])
def test_only_the_county_office_manages_users(persona, request, client_for, areas):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, create_post(areas)).status_code == 403
    assert client.get(edit_url(user)).status_code == 403
    assert not User.objects.filter(username="zhangsan").exists()


@pytest.mark.parametrize("url", [LIST, CREATE, "edit"])
def test_anonymous_is_sent_to_login(url, client, county_user):
    response = client.get(edit_url(county_user) if url == "edit" else url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_list_accepts_only_get(client_for, county_user):
    assert client_for(county_user).post(LIST).status_code == 405


def test_other_methods_get_405_on_forms(client_for, county_user):
    client = client_for(county_user)
    assert client.put(CREATE).status_code == 405
    assert client.delete(edit_url(county_user)).status_code == 405


def test_user_of_another_county_gets_404(client_for, county_user, other_county_user):
    client = client_for(county_user)
    assert client.get(edit_url(other_county_user)).status_code == 404
    assert client.post(edit_url(other_county_user), edit_post(other_county_user, full_name="改")).status_code == 404
    assert "neighbour" not in client.get(LIST).text


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_the_county_users_with_role_scope_and_department(client_for, county_user, personas):
    response = client_for(county_user).get(LIST)
    assert response.status_code == 200
    for username in ("county", "township1", "township2", "village1", "police", "assessor", "leader"):
        assert f">{username}<" in response.text
    assert "乡镇扶贫专干" in response.text and "铜都街道" in response.text and "公安" in response.text
    assert "从未登录" in response.text


def test_list_filters_by_role(client_for, county_user, personas):
    response = client_for(county_user).get(LIST, {"role": Role.TOWNSHIP})
    assert ">township1<" in response.text and ">township2<" in response.text
    assert ">village1<" not in response.text and ">police<" not in response.text


def test_list_query_count_does_not_grow_with_users(client_for, county_user, areas, django_assert_max_num_queries):
    client = client_for(county_user)
    for i in range(3):
        f.make_user(f"few{i}", Role.VILLAGE, areas[f.VILLAGE_A1])
    with django_assert_max_num_queries(10) as few:
        client.get(LIST)
    for i in range(40):
        f.make_user(f"many{i}", Role.VILLAGE, areas[f.VILLAGE_A2])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST).status_code == 200


# --- create --------------------------------------------------------------------------------------


def test_county_office_creates_a_township_clerk(client_for, county_user, areas):
    response = client_for(county_user).post(CREATE, create_post(areas))
    assert response.status_code == 302 and response.url == LIST
    user = User.objects.get(username="zhangsan")
    assert (user.role, user.area, user.full_name, user.phone) == (
        Role.TOWNSHIP,
        areas[f.TOWNSHIP_A],
        "张三",
        "138" + "0" * 8,
    )
    assert user.check_password(GOOD_PASSWORD) and user.is_active


@pytest.mark.parametrize(
    ("role", "code", "ok"),
    [
        (Role.COUNTY, f.COUNTY_CODE, True),
        (Role.COUNTY, f.TOWNSHIP_A, False),
        (Role.ASSESSOR, f.COUNTY_CODE, True),
        (Role.ASSESSOR, f.VILLAGE_A1, False),
        (Role.LEADER, f.COUNTY_CODE, True),
        (Role.LEADER, None, False),
        (Role.TOWNSHIP, f.TOWNSHIP_B, True),
        (Role.TOWNSHIP, f.VILLAGE_A1, False),
        (Role.TOWNSHIP, f.COUNTY_CODE, False),
        (Role.VILLAGE, f.VILLAGE_A2, True),
        (Role.VILLAGE, f.TOWNSHIP_A, False),
        (Role.VILLAGE, None, False),
    ],
)
def test_scope_area_must_fit_the_role(role, code, ok, client_for, county_user, areas):
    data = create_post(areas, role=role, area=areas[code].pk if code else "")
    response = client_for(county_user).post(CREATE, data)
    assert User.objects.filter(username="zhangsan").exists() == ok
    if not ok:
        assert response.status_code == 200 and "管辖范围" in response.text
        assert "须选择" in response.text or "的管辖范围应为" in response.text


def test_department_staff_need_a_department(client_for, county_user, areas):
    response = client_for(county_user).post(CREATE, create_post(areas, role=Role.DEPARTMENT, area=""))
    assert response.status_code == 200 and "部门核查员须选择所属部门" in response.text
    assert not User.objects.filter(username="zhangsan").exists()


def test_department_staff_default_to_the_county(client_for, county_user, areas):
    client_for(county_user).post(CREATE, create_post(areas, role=Role.DEPARTMENT, department="民政", area=""))
    user = User.objects.get(username="zhangsan")
    assert (user.department, user.area) == ("民政", areas[f.COUNTY_CODE])


def test_department_staff_cannot_have_a_township_scope(client_for, county_user, areas):
    data = create_post(areas, role=Role.DEPARTMENT, department="民政", area=areas[f.TOWNSHIP_A].pk)
    response = client_for(county_user).post(CREATE, data)
    assert "部门核查员的管辖范围只能是本县" in response.text
    assert not User.objects.filter(username="zhangsan").exists()


def test_department_is_cleared_for_other_roles(client_for, county_user, areas):
    client_for(county_user).post(CREATE, create_post(areas, department="公安"))
    assert User.objects.get(username="zhangsan").department == ""


def test_area_outside_the_county_is_not_offered(client_for, county_user, areas, other_county_user):
    client = client_for(county_user)
    page = client.get(CREATE).text
    assert "530114001" not in page and f.GROUP_A1 not in page and f.VILLAGE_A1 in page
    response = client.post(CREATE, create_post(areas, area=other_county_user.area_id))
    assert response.status_code == 200 and "选择一个有效的选项" in response.text
    assert not User.objects.filter(username="zhangsan").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab3-short", "密码太短，至少需要10个字符"),
        ("3141592653589793", "密码不能全是数字"),
        ("password123", "密码太常见"),
        ("zhangsan-2025", "密码与用户名太相似"),
    ],
)
def test_password_validators_apply_in_chinese(password, message, client_for, county_user, areas):
    response = client_for(county_user).post(CREATE, create_post(areas, password1=password, password2=password))
    assert response.status_code == 200
    assert message in response.text
    assert not User.objects.filter(username="zhangsan").exists()


def test_password_confirmation_must_match(client_for, county_user, areas):
    response = client_for(county_user).post(CREATE, create_post(areas, password2=GOOD_PASSWORD + "x"))
    assert "两次输入的密码不一致" in response.text
    assert not User.objects.filter(username="zhangsan").exists()


def test_invalid_form_keeps_what_was_typed(client_for, county_user, areas):
    response = client_for(county_user).post(CREATE, create_post(areas, password1="", password2=""))
    assert response.status_code == 200 and "这个字段是必填项" in response.text
    assert 'value="zhangsan"' in response.text and 'value="张三"' in response.text


def test_username_must_be_unique(client_for, county_user, areas, township_a_user):
    response = client_for(county_user).post(CREATE, create_post(areas, username="township1"))
    assert response.status_code == 200 and "已存在" in response.text
    assert User.objects.filter(username="township1").count() == 1


# --- edit ----------------------------------------------------------------------------------------


def test_edit_changes_role_scope_and_password(client_for, county_user, township_a_user, areas):
    data = edit_post(
        township_a_user,
        role=Role.VILLAGE,
        area=areas[f.VILLAGE_A2].pk,
        full_name="赵六",
        password1=GOOD_PASSWORD,
        password2=GOOD_PASSWORD,
    )
    response = client_for(county_user).post(edit_url(township_a_user), data)
    assert response.status_code == 302 and response.url == LIST
    township_a_user.refresh_from_db()
    assert (township_a_user.role, township_a_user.area, township_a_user.full_name) == (
        Role.VILLAGE,
        areas[f.VILLAGE_A2],
        "赵六",
    )
    assert township_a_user.check_password(GOOD_PASSWORD)


def test_edit_without_a_password_keeps_the_old_one(client_for, county_user, township_a_user):
    client_for(county_user).post(edit_url(township_a_user), edit_post(township_a_user, phone="0871-1234567"))
    township_a_user.refresh_from_db()
    assert township_a_user.phone == "0871-1234567" and township_a_user.check_password(f.PASSWORD)


def test_edit_deactivates_a_user(client_for, county_user, village_user):
    client_for(county_user).post(edit_url(village_user), edit_post(village_user, is_active=""))
    village_user.refresh_from_db()
    assert not village_user.is_active


def test_edit_checks_role_and_scope_fit(client_for, county_user, village_user, areas):
    data = edit_post(village_user, role=Role.TOWNSHIP)
    response = client_for(county_user).post(edit_url(village_user), data)
    assert response.status_code == 200 and "乡镇扶贫专干的管辖范围应为乡镇（街道）" in response.text
    village_user.refresh_from_db()
    assert village_user.role == Role.VILLAGE


def test_edit_checks_the_new_password(client_for, county_user, village_user):
    data = edit_post(village_user, password1="12345678901", password2="12345678901")
    response = client_for(county_user).post(edit_url(village_user), data)
    assert response.status_code == 200 and "密码不能全是数字" in response.text
    village_user.refresh_from_db()
    assert village_user.check_password(f.PASSWORD)


def test_county_user_cannot_deactivate_themself(client_for, county_user):
    response = client_for(county_user).post(edit_url(county_user), edit_post(county_user, is_active=""))
    assert response.status_code == 200 and "不能停用自己的账号" in response.text
    county_user.refresh_from_db()
    assert county_user.is_active


def test_county_user_cannot_change_their_own_role(client_for, county_user, areas):
    data = edit_post(county_user, role=Role.TOWNSHIP, area=areas[f.TOWNSHIP_A].pk)
    response = client_for(county_user).post(edit_url(county_user), data)
    assert response.status_code == 200 and "不能修改自己的角色" in response.text
    county_user.refresh_from_db()
    assert county_user.role == Role.COUNTY


def test_changing_ones_own_password_keeps_the_session(client_for, county_user):
    client = client_for(county_user)
    data = edit_post(county_user, password1=GOOD_PASSWORD, password2=GOOD_PASSWORD)
    assert client.post(edit_url(county_user), data).status_code == 302
    assert client.get(LIST).status_code == 200


def test_department_user_without_area_can_be_edited(client_for, county_user, police_user):
    response = client_for(county_user).post(edit_url(police_user), edit_post(police_user, full_name="警官"))
    assert response.status_code == 302
    police_user.refresh_from_db()
    assert police_user.full_name == "警官"
