"""Policy parameters: the model, the seed fixture, load_policy and the county office's policy pages."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment.models import Policy
from assessment.rules import Policy as RulesPolicy
from tests.assessment import county as c

D = Decimal
pytestmark = pytest.mark.django_db

FORMATS_EXAMPLE = {
    "name": "示例：云南省2018年度",
    "income_year": 2018,
    "identification_line": "2952.00",
    "exit_line": "3500.00",
    "vehicle_price_limit": "30000.00",
    "exit_standard_set": "yunnan7",
    "publicity_days": 5,
    "water_radius_km": "1.0",
    "wrong_exit_years": [2016],
    "continue_support_years": [2014, 2015],
    "provincial_reference_income": None,
    "reference_income_ratio": None,
}


def write(tmp_path, data, name="policy.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def load(path: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of load_policy."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("load_policy", path, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


class TestModel:
    def test_rules_policy_carries_every_value(self, policy):
        rules_policy = policy.as_rules_policy()
        assert rules_policy == RulesPolicy(
            name="云南省2018年度",
            version=1,
            income_year=2018,
            identification_line=D("2952.00"),
            exit_line=D("3500.00"),
            vehicle_price_limit=D("30000.00"),
            exit_standard_set="yunnan7",
            publicity_days=5,
            water_radius_km=D("1.00"),
            wrong_exit_years=frozenset({2016}),
            continue_support_years=frozenset({2014, 2015}),
        )
        assert policy.missing_values() == [] and policy.is_usable

    def test_guangdong_without_reference_income_names_what_is_missing(self):
        policy = c.guangdong_policy()
        assert policy.missing_fields() == ("provincial_reference_income",)
        assert policy.missing_message == "该政策缺少：全省农村居民人均可支配收入，不能用于评估"
        policy.provincial_reference_income = D("15779.74")
        assert policy.is_usable
        assert policy.exit_income_line == D("15779.74") * D("0.45")

    def test_seed_fixture_loads_twice_without_duplicates(self):
        call_command("loaddata", "policies", verbosity=0)
        call_command("loaddata", "policies", verbosity=0)
        yunnan = Policy.objects.get(name="云南省2018年度")
        guangdong = Policy.objects.get(name="广东省2017年度")
        assert Policy.objects.count() == 2
        assert yunnan.is_usable and yunnan.is_current
        assert (yunnan.identification_line, yunnan.exit_line, yunnan.vehicle_price_limit) == (
            D("2952.00"),
            D("3500.00"),
            D("30000.00"),
        )
        assert (yunnan.publicity_days, yunnan.water_radius_km) == (5, D("1.00"))
        assert (yunnan.wrong_exit_years, yunnan.continue_support_years) == ([2016], [2014, 2015])
        assert guangdong.reference_income_ratio == D("0.45") and guangdong.provincial_reference_income is None
        assert guangdong.missing_values() == ["全省农村居民人均可支配收入"]


class TestLoadPolicy:
    def test_creates_then_is_idempotent_then_bumps_the_version_on_change(self, tmp_path):
        path = write(tmp_path, FORMATS_EXAMPLE)
        status, out, _ = load(path)
        assert status == 0 and "已新建政策「示例：云南省2018年度」第1版" in out
        policy = Policy.objects.get(name="示例：云南省2018年度")
        assert policy.version == 1 and policy.wrong_exit_years == [2016]
        assert policy.water_radius_km == D("1.0") and policy.provincial_reference_income is None

        status, out, _ = load(path)
        assert status == 0 and "没有变化" in out
        assert Policy.objects.get(pk=policy.pk).version == 1
        assert Policy.objects.count() == 1

        changed = {**FORMATS_EXAMPLE, "exit_line": "3600.00", "continue_support_years": [2015, 2014]}
        status, out, _ = load(write(tmp_path, changed))
        policy.refresh_from_db()
        assert status == 0 and "现为第2版" in out
        assert (policy.version, policy.exit_line, policy.continue_support_years) == (2, D("3600.00"), [2014, 2015])
        assert policy.history.count() == 2

    def test_numbers_may_be_json_numbers_and_keys_may_be_absent(self, tmp_path):
        data = {"name": "广东", "exit_standard_set": "guangdong8", "reference_income_ratio": 0.45, "income_year": 2017}
        status, out, _ = load(write(tmp_path, data))
        policy = Policy.objects.get(name="广东")
        assert status == 0
        assert policy.reference_income_ratio == D("0.45") and policy.identification_line is None
        assert "该政策缺少：识别标准、机动车价格标准、取水半径标准、全省农村居民人均可支配收入" in out

    def test_invalid_json_exits_1_in_chinese(self, tmp_path):
        status, _, err = load(write(tmp_path, '{"name": "x",'))
        assert status == 1
        assert "不是有效的 JSON" in err
        assert not Policy.objects.exists()

    @pytest.mark.parametrize(
        ("key", "value", "message"),
        [
            ("identification_line", "-1", "金额必须大于 0"),
            ("identification_line", "abc", "不是数字"),
            ("exit_standard_set", "hunan9", "不是可选值，应为 yunnan7、guangdong8"),
            ("wrong_exit_years", [2016, "二〇一五"], "不是年度"),
            ("wrong_exit_years", [1899], "不在 2000–2100 之间"),
            ("continue_support_years", [2016], "不能既是错退认定年度又是继续帮扶年度"),
            ("reference_income_ratio", "45", "收入比例不能大于 1"),
            ("income_year", "明年", "不是整数"),
            ("publicity_days", 0, "公示天数至少为 1 天"),
        ],
    )
    def test_invalid_values_exit_1_and_change_nothing(self, tmp_path, key, value, message):
        load(write(tmp_path, FORMATS_EXAMPLE))
        status, _, err = load(write(tmp_path, {**FORMATS_EXAMPLE, key: value}, "bad.json"))
        assert status == 1
        assert message in err
        assert "未写入任何数据" in err
        policy = Policy.objects.get()
        assert (policy.version, policy.parameters()) == (1, Policy.objects.get().parameters())
        assert policy.identification_line == D("2952.00") and policy.wrong_exit_years == [2016]

    def test_missing_name_exits_1(self, tmp_path):
        status, _, err = load(write(tmp_path, {"income_year": 2018}))
        assert status == 1 and "缺少政策名称" in err

    def test_not_an_object_exits_1(self, tmp_path):
        status, _, err = load(write(tmp_path, "[1, 2]"))
        assert status == 1 and "应为一个 JSON 对象" in err

    def test_unknown_keys_are_warned_about_and_ignored(self, tmp_path):
        status, _, err = load(write(tmp_path, {**FORMATS_EXAMPLE, "颜色": "红"}))
        assert status == 0 and "忽略未知参数「颜色」" in err

    def test_missing_file_is_bad_usage(self, tmp_path):
        status, _, err = load(str(tmp_path / "none.json"))
        assert status == 2 and "无法读取文件" in err

    def test_no_file_argument_exits_2_from_the_command_line(self):
        done = subprocess.run(
            [sys.executable, "manage.py", "load_policy"], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 2


def url(name, *args):
    return reverse(f"assessment:{name}", args=args)


def form_data(policy: Policy | None = None, **changes) -> dict:
    data = {
        "name": "云南省2019年度",
        "income_year": "2019",
        "exit_standard_set": "yunnan7",
        "identification_line": "2952.00",
        "exit_line": "3600.00",
        "vehicle_price_limit": "30000",
        "water_radius_km": "1.0",
        "publicity_days": "5",
        "wrong_exit_years": "2016",
        "continue_support_years": "2014、2015",
        "provincial_reference_income": "",
        "reference_income_ratio": "",
        "note": "",
    }
    if policy is not None:
        data.update(
            name=policy.name,
            income_year=str(policy.income_year),
            exit_line=str(policy.exit_line),
            version=str(policy.version),
        )
    data.update(changes)
    return data


class TestPolicyPages:
    def test_county_office_sees_every_policy_with_what_is_missing(self, client_for, county_user, policy):
        c.guangdong_policy()
        response = client_for(county_user).get(url("policies"))
        assert response.status_code == 200
        text = response.text
        assert "云南省2018年度" in text and "广东省2017年度" in text
        assert "该政策缺少：全省农村居民人均可支配收入，不能用于评估" in text
        assert url("policy_create") in text and url("policy_edit", policy.pk) in text

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_leader_and_assessor_may_read_but_not_edit(self, client_for, personas, policy, persona):
        client = client_for(personas[persona])
        listing = client.get(url("policies"))
        assert listing.status_code == 200 and url("policy_edit", policy.pk) not in listing.text
        assert client.get(url("policy_detail", policy.pk)).status_code == 200
        assert client.get(url("policy_edit", policy.pk)).status_code == 403
        assert client.get(url("policy_create")).status_code == 403
        assert client.post(url("policy_edit", policy.pk), form_data(policy, exit_line="1")).status_code == 403
        assert Policy.objects.get().version == 1

    @pytest.mark.parametrize("persona", ["township1", "village1", "police"])
    def test_other_roles_get_403(self, client_for, personas, policy, persona):
        client = client_for(personas[persona])
        for path in (url("policies"), url("policy_detail", policy.pk), url("policy_create")):
            assert client.get(path).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, policy):
        for path in (url("policies"), url("policy_edit", policy.pk), url("policy_create")):
            response = client.get(path)
            assert response.status_code == 302 and response.url == f"/accounts/login/?next={path}"

    def test_create_saves_version_1_with_the_author(self, client_for, county_user):
        response = client_for(county_user).post(url("policy_create"), form_data())
        policy = Policy.objects.get()
        assert response.status_code == 302 and response.url == url("policy_detail", policy.pk)
        assert (policy.version, policy.updated_by, policy.wrong_exit_years, policy.continue_support_years) == (
            1,
            county_user,
            [2016],
            [2014, 2015],
        )
        assert policy.history.get().history_user == county_user

    def test_edit_bumps_the_version_and_records_who(self, client_for, county_user, policy):
        client = client_for(county_user)
        assert "2016" in client.get(url("policy_edit", policy.pk)).text
        response = client.post(url("policy_edit", policy.pk), form_data(policy, exit_line="3600"))
        policy.refresh_from_db()
        assert response.status_code == 302
        assert (policy.version, policy.exit_line, policy.updated_by) == (2, D("3600.00"), county_user)
        detail = client.get(url("policy_detail", policy.pk)).text
        assert "第2版" in detail and "修改政策参数" in detail and county_user.display_name in detail

    def test_saving_without_changes_keeps_the_version(self, client_for, county_user, policy):
        response = client_for(county_user).post(url("policy_edit", policy.pk), form_data(policy, exit_line="3500.00"))
        policy.refresh_from_db()
        assert response.status_code == 302 and policy.version == 1

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("wrong_exit_years", "20x6", "「20x6」不是年度"),
            ("continue_support_years", "2016", "不能既是错退认定年度又是继续帮扶年度"),
            ("identification_line", "-5", "金额必须大于 0"),
            ("reference_income_ratio", "1.5", "收入比例不能大于 1（45% 填 0.45）"),
            ("name", "", "这个字段是必填项"),
        ],
    )
    def test_invalid_form_re_renders_in_chinese_and_changes_nothing(
        self, client_for, county_user, policy, field, value, message
    ):
        response = client_for(county_user).post(url("policy_edit", policy.pk), form_data(policy, **{field: value}))
        assert response.status_code == 200
        assert message in response.text and "请修正下列错误" in response.text
        stored = Policy.objects.get()
        assert (stored.version, stored.name, stored.wrong_exit_years) == (1, "云南省2018年度", [2016])

    def test_duplicate_name_is_refused(self, client_for, county_user, policy):
        response = client_for(county_user).post(url("policy_create"), form_data(name=policy.name))
        assert response.status_code == 200 and "已有同名政策" in response.text
        assert Policy.objects.count() == 1

    def test_stale_form_gets_a_conflict_and_changes_nothing(self, client_for, county_user, policy):
        policy.exit_line = D("3550")
        policy.save()
        Policy.objects.filter(pk=policy.pk).update(version=2)
        response = client_for(county_user).post(
            url("policy_edit", policy.pk), form_data(policy, exit_line="3700", version="1")
        )
        assert response.status_code == 409 and "已被他人修改（现为第2版）" in response.text
        policy.refresh_from_db()
        assert (policy.version, policy.exit_line) == (2, D("3550.00"))

    def test_make_current_is_post_only_and_moves_the_flag(self, client_for, county_user, policy):
        other = c.guangdong_policy()
        client = client_for(county_user)
        assert client.get(url("policy_make_current", other.pk)).status_code == 405
        response = client.post(url("policy_make_current", other.pk))
        assert response.status_code == 302
        assert list(Policy.objects.filter(is_current=True)) == [other]

    def test_make_current_is_refused_to_readers(self, client_for, leader_user, policy):
        other = c.guangdong_policy()
        assert client_for(leader_user).post(url("policy_make_current", other.pk)).status_code == 403
        assert list(Policy.objects.filter(is_current=True)) == [policy]

    def test_unknown_policy_is_404(self, client_for, county_user):
        assert client_for(county_user).get(url("policy_edit", 999)).status_code == 404
