"""The assessment review pages: who may read and record (403/404), the forms' Chinese messages, constant queries."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.review_models import Assessment, PlanStratum, SampledHousehold, SamplePlan, SpotCheck
from assessment.samples import draw_plan
from assessment.spot_checks import record_check
from households.models import AccessLog, Area
from tests import factories as f
from tests.assessment import review_builders as b


@pytest.fixture
def assessment(policy):
    return b.make_assessment(policy)


@pytest.fixture
def drawn(areas, assessment, county_user):
    """Township A's plan drawn over the known roster: 4 poor, 2 exited, 3 ordinary; survey in both villages."""
    b.known_roster(areas)
    plan = b.make_plan(
        assessment,
        areas[f.TOWNSHIP_A],
        strata={"poor": 4, "exited": 2, "ordinary": 3},
        satisfaction_villages=2,
        satisfaction_per_village=10,
    )
    return draw_plan(plan, by=county_user)


def first_check(plan) -> SampledHousehold:
    return plan.drawn.filter(purpose="check").order_by("position").first()


# ---- who may see what ----

READ_PAGES = [
    ("assessment:assessments", lambda d: {}),
    ("assessment:assessment_detail", lambda d: {"pk": d.assessment_id}),
    ("assessment:rates", lambda d: {"pk": d.assessment_id}),
    ("assessment:plan_detail", lambda d: {"pk": d.pk}),
    ("assessment:plan_sheets", lambda d: {"pk": d.pk}),
    ("assessment:satisfaction_survey", lambda d: {"pk": d.pk}),
    ("assessment:check_record", lambda d: {"pk": first_check(d).pk}),
]


@pytest.mark.parametrize("name,kwargs", READ_PAGES)
@pytest.mark.parametrize("persona", ["county", "assessor", "leader", "township1"])
def test_readers_see_the_pages(client_for, personas, drawn, name, kwargs, persona):
    response = client_for(personas[persona]).get(reverse(name, kwargs=kwargs(drawn)))
    assert response.status_code == 200


@pytest.mark.parametrize("name,kwargs", READ_PAGES)
@pytest.mark.parametrize("persona", ["village1", "police"])
def test_village_and_department_users_get_403(client_for, personas, drawn, name, kwargs, persona):
    assert client_for(personas[persona]).get(reverse(name, kwargs=kwargs(drawn))).status_code == 403


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("assessment:plan_detail", lambda d: {"pk": d.pk}),
        ("assessment:plan_sheets", lambda d: {"pk": d.pk}),
        ("assessment:plan_export", lambda d: {"pk": d.pk}),
        ("assessment:satisfaction_survey", lambda d: {"pk": d.pk}),
        ("assessment:check_record", lambda d: {"pk": first_check(d).pk}),
    ],
)
def test_another_townships_plan_is_404(client_for, township_b_user, drawn, name, kwargs):
    assert client_for(township_b_user).get(reverse(name, kwargs=kwargs(drawn))).status_code == 404


def test_poor_villages_page_is_county_wide(client_for, township_a_user, leader_user, village_user, areas):
    url = reverse("assessment:poor_villages")
    assert client_for(township_a_user).get(url).status_code == 404
    assert client_for(village_user).get(url).status_code == 403
    assert client_for(leader_user).get(url).status_code == 200
    assert client_for(leader_user).post(url, {"poor": [f.VILLAGE_A1]}).status_code == 403


@pytest.mark.parametrize("persona", ["leader", "township1"])
def test_read_only_roles_cannot_record(client_for, personas, drawn, persona):
    client = client_for(personas[persona])
    sampled = first_check(drawn)
    assert client.post(reverse("assessment:check_record", args=[sampled.pk]), {"confirmed": "on"}).status_code == 403
    assert client.post(reverse("assessment:plan_draw", args=[drawn.pk])).status_code == 403
    assert client.get(reverse("assessment:plan_edit", args=[drawn.pk])).status_code == 403
    assert client.get(reverse("assessment:assessment_create")).status_code == 403
    assert client.get(reverse("assessment:plan_create", args=[drawn.assessment_id])).status_code == 403
    answer = {"number": drawn.drawn.filter(purpose="satisfaction").first().number, "answer": "satisfied"}
    assert client.post(reverse("assessment:satisfaction_survey", args=[drawn.pk]), answer).status_code == 403
    assert not SpotCheck.objects.exists()


def test_township_user_sees_only_its_plans_on_the_assessment(client_for, township_b_user, county_user, drawn):
    url = reverse("assessment:assessment_detail", args=[drawn.assessment_id])
    assert drawn.name in client_for(county_user).get(url).text
    assert drawn.name not in client_for(township_b_user).get(url).text


# ---- forms ----


def test_assessment_create_and_year_unique(client_for, assessor_user, policy):
    client = client_for(assessor_user)
    data = {"year": 2018, "name": "2018年度乡镇考核", "policy": policy.pk, "rate_basis": "stratum", "note": ""}
    response = client.post(reverse("assessment:assessment_create"), data)
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/review/{assessment.pk}/")
    again = client.post(reverse("assessment:assessment_create"), data)
    assert "该年度已有考核" in again.text and "2018年度乡镇考核" in again.text


def test_assessment_edit_by_someone_else_meanwhile_is_a_conflict(client_for, assessor_user, assessment, policy):
    data = {"year": 2018, "name": "改名", "policy": policy.pk, "rate_basis": "all", "note": "", "opened_version": 1}
    Assessment.objects.filter(pk=assessment.pk).update(version=2, name="别人改过")
    page = client_for(assessor_user).post(reverse("assessment:assessment_edit", args=[assessment.pk]), data)
    assert page.status_code == 200 and "已被他人修改（现为第2版）" in page.text and "改名" in page.text
    assessment.refresh_from_db()
    assert (assessment.name, assessment.rate_basis) == ("别人改过", "stratum")
    data["opened_version"] = 2
    saved = client_for(assessor_user).post(reverse("assessment:assessment_edit", args=[assessment.pk]), data)
    assert saved.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.name, assessment.rate_basis, assessment.version) == ("改名", "all", 3)


def test_final_scores_freeze_the_policy_and_the_rate_basis(client_for, assessor_user, assessment, policy):
    Assessment.objects.filter(pk=assessment.pk).update(scores_final=True)
    data = {"year": 2019, "name": "改名", "policy": policy.pk, "rate_basis": "all", "note": "备注", "opened_version": 1}
    saved = client_for(assessor_user).post(reverse("assessment:assessment_edit", args=[assessment.pk]), data)
    assert saved.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.year, assessment.rate_basis, assessment.name) == (2018, "stratum", "改名")


def test_an_incomplete_policy_cannot_classify(client_for, assessor_user, db):
    from tests.assessment import county as c

    policy = c.guangdong_policy()
    data = {"year": 2017, "name": "2017年度考核", "policy": policy.pk, "rate_basis": "stratum"}
    page = client_for(assessor_user).post(reverse("assessment:assessment_create"), data).text
    assert "缺少参数：全省农村居民人均可支配收入，不能用于判定抽查结果" in page
    assert not Assessment.objects.exists()


def plan_data(area: Area, **changes) -> dict:
    data = {
        "area": area.pk,
        "name": "铜都街道抽样",
        "seed": "2018-县考核",
        "village_count": 0,
        "min_poor_villages": 0,
        "min_non_poor_villages": 0,
        "satisfaction_villages": 2,
        "satisfaction_per_village": 10,
        "strata-TOTAL_FORMS": 4,
        "strata-INITIAL_FORMS": 4,
    }
    for index, stratum in enumerate(["poor", "pre_exit", "exited", "ordinary"]):
        data[f"strata-{index}-stratum"] = stratum
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"satisfaction_villages": 1}, "民意测评每级至少抽查 2 个村"),
        ({"satisfaction_per_village": 8}, "民意测评每村至少 10 户"),
        ({"village_count": 1, "min_poor_villages": 1, "min_non_poor_villages": 1}, "抽查村数应不少于贫困村与非贫困村"),
        ({"strata-0-size": 5, "strata-0-scattered_minimum": 6}, "分散户最低户数不能超过抽取户数 5"),
        ({"strata-0-confidence": 95}, "按置信水平计算需同时填写置信水平和允许误差"),
    ],
)
def test_plan_form_refuses_with_chinese_messages(client_for, assessor_user, assessment, areas, changes, message):
    url = reverse("assessment:plan_create", args=[assessment.pk])
    response = client_for(assessor_user).post(url, plan_data(areas[f.TOWNSHIP_A], **changes))
    assert response.status_code == 200
    assert message in response.text
    assert "铜都街道抽样" in response.text  # what was typed is kept
    assert not SamplePlan.objects.exists()


def test_plan_form_computes_sizes_from_confidence(client_for, assessor_user, assessment, areas):
    b.known_roster(areas)  # 12 poor households in township A
    url = reverse("assessment:plan_create", args=[assessment.pk])
    data = plan_data(areas[f.TOWNSHIP_A], **{"strata-0-confidence": 95, "strata-0-margin": "0.05", "compute": "1"})
    response = client_for(assessor_user).post(url, data)
    # N = 12, e = 5%, 95%: n0 = 384.16, n = 384.16 / (1 + 383.16 / 12) = 11.67 → 12.
    assert "未脱贫户：铜都街道共 12 户，置信水平 95%、允许误差 ±5% 需抽取 12 户" in response.text
    assert 'name="strata-0-size" id="id_strata-0-size" value="12"' in response.text
    assert not SamplePlan.objects.exists()
    data.pop("compute")
    data["strata-0-size"] = 12
    client_for(assessor_user).post(url, data)
    stratum = PlanStratum.objects.get()
    assert (stratum.size, stratum.confidence, str(stratum.margin)) == (12, 95, "0.0500")


def test_plan_edit_conflict_is_refused(client_for, assessor_user, assessment, areas):
    plan = b.make_plan(assessment, areas[f.TOWNSHIP_A], strata={"poor": 2})
    SamplePlan.objects.filter(pk=plan.pk).update(version=5)
    data = plan_data(areas[f.TOWNSHIP_A], version=1, **{"strata-0-size": 3})
    response = client_for(assessor_user).post(reverse("assessment:plan_edit", args=[plan.pk]), data)
    assert "该抽样方案已被他人修改" in response.text
    assert PlanStratum.objects.get().size == 2


def test_check_form_messages(client_for, assessor_user, drawn):
    url = reverse("assessment:check_record", args=[first_check(drawn).pk])
    client = client_for(assessor_user)
    assert "请勾选“核实与档案一致”，或填写实地复核的数据" in client.post(url, {"version": 0}).text
    both = client.post(url, {"version": 0, "confirmed": "on", "housing_grade": "C"}).text
    assert "已勾选“核实与档案一致”，请不要再填写复核数据" in both
    car = client.post(url, {"version": 0, "vehicle": "1"}).text
    assert "有机动车时请填写机动车价格" in car
    reason = client.post(url, {"version": 0, "confirmed": "on", "result": "wrong_inclusion"}).text
    assert "改判抽查结果必须填写理由" in reason
    assert not SpotCheck.objects.exists()


def test_check_conflict_message(client_for, assessor_user, county_user, drawn):
    sampled = first_check(drawn)
    record_check(sampled, confirmed=True, findings={}, by=county_user)
    url = reverse("assessment:check_record", args=[sampled.pk])
    response = client_for(assessor_user).post(url, {"version": 0, "confirmed": "", "housing_grade": "D"})
    assert "该户的抽查结果已被他人修改" in response.text
    assert SpotCheck.objects.get().confirmed is True


def test_poor_villages_saved_in_one_post(client_for, county_user, areas):
    url = reverse("assessment:poor_villages")
    client_for(county_user).post(url, {"poor": [f.VILLAGE_A2, f.VILLAGE_B1]})
    assert set(Area.objects.filter(is_poor_village=True).values_list("code", flat=True)) == {
        f.VILLAGE_A2,
        f.VILLAGE_B1,
    }
    page = client_for(county_user).get(url).text
    assert "其中贫困村 2 个" in page


# ---- exports ----


def test_drawn_list_export_masks_ids_and_is_logged(client_for, leader_user, drawn):
    response = client_for(leader_user).get(reverse("assessment:plan_export", args=[drawn.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("序号", "用途", "户编号", "户主姓名", "证件号码")
    assert len(rows) == 1 + drawn.drawn.count()
    assert all("********" in row[4] for row in rows[1:])
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.row_count == drawn.drawn.count() and "证件号码已打码" in log.detail


def test_field_sheets_one_household_per_page(client_for, assessor_user, drawn):
    page = client_for(assessor_user).get(reverse("assessment:plan_sheets", args=[drawn.pk])).text
    assert page.count('class="record-sheet field-sheet') == drawn.drawn.count()
    assert "受访人签字" in page and "□ 满意" in page


# ---- constant queries ----


def add_households(areas, assessment, county_user, n):
    start = 100 + n
    for i in range(n):
        b.household(areas[f.GROUP_A1], f"5301130090{start + i:04d}", "poor")


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("assessment:plan_detail", lambda p: {"pk": p.pk}),
        ("assessment:plan_sheets", lambda p: {"pk": p.pk}),
        ("assessment:satisfaction_survey", lambda p: {"pk": p.pk}),
        ("assessment:assessment_detail", lambda p: {"pk": p.assessment_id}),
        ("assessment:rates", lambda p: {"pk": p.assessment_id}),
        ("assessment:assessments", lambda p: {}),
    ],
)
def test_pages_run_a_constant_number_of_queries(
    client_for, assessor_user, county_user, assessment, areas, name, kwargs, django_assert_max_num_queries
):
    def build(size):
        SamplePlan.objects.all().delete()
        plan = b.make_plan(
            assessment, areas[f.TOWNSHIP_A], strata={"poor": size}, satisfaction_villages=2, satisfaction_per_village=10
        )
        plan = draw_plan(plan, by=county_user)
        for sampled in plan.drawn.filter(purpose="check"):
            record_check(sampled, confirmed=True, findings={}, by=county_user)
        return plan

    client = client_for(assessor_user)
    add_households(areas, assessment, county_user, 2)
    plan = build(2)
    with django_assert_max_num_queries(25) as few:
        assert client.get(reverse(name, kwargs=kwargs(plan))).status_code == 200
    add_households(areas, assessment, county_user, 6)
    plan = build(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(name, kwargs=kwargs(plan))).status_code == 200


def test_poor_villages_page_runs_constant_queries(client_for, county_user, areas, django_assert_max_num_queries):
    client = client_for(county_user)
    url = reverse("assessment:poor_villages")
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    for i in range(3, 9):
        f.make_area(f"{f.TOWNSHIP_A}{i:03d}", f"新村{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).text
    assert "新村8" in page


def test_check_page_links_to_the_household(client_for, assessor_user, drawn):
    sampled = first_check(drawn)
    page = client_for(assessor_user).get(reverse("assessment:check_record", args=[sampled.pk])).text
    assert reverse("households:detail", args=[sampled.number]) in page
    assert "核实与档案一致" in page and "按系统判定" in page


def test_an_override_through_the_page_counts_in_the_rates(client_for, assessor_user, drawn):
    sampled = drawn.drawn.filter(purpose="check", status="ordinary").first()
    url = reverse("assessment:check_record", args=[sampled.pk])
    data = {"version": 0, "confirmed": "on", "result": "missed", "override_reason": "实地收入远低于档案"}
    assert client_for(assessor_user).post(url, data).status_code == 302
    check = SpotCheck.objects.get()
    assert (check.computed_result, check.result, check.override_reason) == ("correct", "missed", "实地收入远低于档案")
    page = client_for(assessor_user).get(url).text
    assert "改判（系统判定：识别准确）" in page and "实地收入远低于档案" in page
    rates = client_for(assessor_user).get(reverse("assessment:rates", args=[drawn.assessment_id])).text
    assert "rate=missed&amp;area=530113001&amp;which=found" in rates
