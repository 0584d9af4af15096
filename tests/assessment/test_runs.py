"""Evaluation runs: the run_evaluation service, what it stores, and the runs page with its county run button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment import services
from assessment.models import EvaluationOutcome, EvaluationResult, EvaluationRun
from assessment.rules import PolicyIncomplete
from households.models import Household, Job
from tests import factories as f
from tests.assessment import county as c

pytestmark = pytest.mark.django_db
RUNS = reverse("assessment:runs")
START = reverse("assessment:run_start")


class TestRunEvaluation:
    def test_stores_the_run_with_policy_version_counts_and_author(self, county_run, policy, county, county_user):
        run = county_run
        assert (run.status, run.policy, run.policy_version, run.income_year) == ("finished", policy, 1, 2018)
        assert (run.area_code, run.area_name, run.started_by) == (f.COUNTY_CODE, "东川区", county_user)
        assert run.finished_at >= run.started_at
        assert run.household_count == 8
        assert run.policy_values["identification_line"] == "2952.00" and run.policy_values["wrong_exit_years"] == [2016]
        assert run.counts == {
            "DQ7": 1,
            "EXIT_NOT_MET": 1,
            "EXIT_READY": 3,
            "MEMBER_REMOVAL": 1,
            "MISSED": 1,
            "WRONG_EXIT": 1,
            "WRONG_INCLUSION": 1,
        }

    def test_one_result_per_household_and_one_row_per_code(self, county_run, county):
        assert county_run.results.count() == 8
        result = EvaluationResult.objects.get(run=county_run, household=county["A-01"])
        assert result.status == "poor"
        assert [o["code"] for o in result.judgement["outcomes"]] == ["WRONG_INCLUSION", "EXIT_READY"]
        e3 = result.judgement["criteria"]["E3"]
        assert e3["holds"] is True and e3["value"] == "30000.00" and e3["threshold"] == "30000.00"
        assert e3["facts"][0]["source"] == "部门数据比对·公安"
        assert result.judgement["policy"] == {"name": "云南省2018年度", "version": 1}
        rows = EvaluationOutcome.objects.filter(run=county_run, household=county["A-01"]).order_by("code")
        assert [(r.code, r.criteria) for r in rows] == [("EXIT_READY", ""), ("WRONG_INCLUSION", "E3")]
        removal = EvaluationOutcome.objects.get(run=county_run, code="MEMBER_REMOVAL")
        assert removal.household == county["B-01"] and removal.criteria == "E9"
        assert EvaluationOutcome.objects.get(run=county_run, code="DQ7").household == county["B-02"]

    def test_an_area_run_judges_only_that_area(self, policy, county):
        run = services.run_evaluation(policy=policy, area_code=f.TOWNSHIP_B, by=None)
        assert run.household_count == 2 and run.area_name == "阿旺镇"
        assert set(run.results.values_list("household__number", flat=True)) == {"B-01", "B-02"}

    def test_an_incomplete_policy_stores_nothing(self, county):
        with pytest.raises(PolicyIncomplete, match="全省农村居民人均可支配收入"):
            services.run_evaluation(policy=c.guangdong_policy(), by=None)
        assert not EvaluationRun.objects.exists()

    def test_a_failure_keeps_no_partial_results(self, policy, county, monkeypatch):
        real = services.evaluate_household
        seen = []

        def failing(data, *args, **kwargs):
            seen.append(data.number)
            if len(seen) == 5:
                raise RuntimeError("磁盘已满")
            return real(data, *args, **kwargs)

        monkeypatch.setattr(services, "evaluate_household", failing)
        with pytest.raises(RuntimeError):
            services.run_evaluation(policy=policy, by=None, chunk_size=2)
        run = EvaluationRun.objects.get()
        assert run.status == "failed" and "磁盘已满" in run.error
        assert not run.results.exists() and not run.outcomes.exists()

    @pytest.mark.parametrize("n", [5, 50])
    def test_queries_do_not_grow_with_households(self, policy, areas, django_assert_max_num_queries, n):
        for i in range(n):
            c.ready_household(areas[f.GROUP_A1], number=f"R{i:03d}")
        # run row, area, shared addresses, 5 loader queries, 2 bulk inserts (+ savepoints), finish
        with django_assert_max_num_queries(16):
            run = services.run_evaluation(policy=policy, area_code=f.COUNTY_CODE, by=None)
        assert run.household_count == n and run.counts == {"EXIT_READY": n}


class TestRunsPage:
    def test_county_office_sees_runs_and_the_button(self, client_for, county_user, county_run):
        response = client_for(county_user).get(RUNS)
        assert response.status_code == 200
        assert "运行全县评估" in response.text
        assert f"#{county_run.pk}" in response.text and "错评候选 1" in response.text

    @pytest.mark.parametrize("persona", ["leader", "assessor"])
    def test_readers_see_runs_without_the_button(self, client_for, personas, county_run, persona):
        response = client_for(personas[persona]).get(RUNS)
        assert response.status_code == 200 and "运行全县评估" not in response.text

    @pytest.mark.parametrize("persona", ["township1", "village1", "police"])
    def test_other_roles_get_403(self, client_for, personas, persona):
        assert client_for(personas[persona]).get(RUNS).status_code == 403

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(RUNS)
        assert response.status_code == 302 and response.url == f"/accounts/login/?next={RUNS}"

    def test_start_runs_the_county_as_a_job_and_shows_its_page(
        self, client_for, county_user, policy, county, django_capture_on_commit_callbacks
    ):
        client = client_for(county_user)
        with django_capture_on_commit_callbacks(execute=True):  # no broker: the job runs in the request
            response = client.post(START, {"policy": policy.pk})
        run = EvaluationRun.objects.get()
        job = Job.objects.get(kind=Job.Kind.EVALUATION)
        assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
        response = client.get(response.url)
        assert (run.status, run.area_code, run.started_by, run.household_count) == (
            "finished",
            f.COUNTY_CODE,
            county_user,
            Household.objects.count(),
        )
        assert f"评估完成：批次 #{run.pk}，东川区 共 8 户" in response.text
        assert f'href="/assessment/candidates/?run={run.pk}"' in response.text

    def test_start_is_post_only(self, client_for, county_user, policy):
        assert client_for(county_user).get(START).status_code == 405
        assert not EvaluationRun.objects.exists()

    @pytest.mark.parametrize("persona", ["leader", "assessor", "township1"])
    def test_start_is_refused_to_other_roles(self, client_for, personas, policy, persona):
        assert client_for(personas[persona]).post(START, {"policy": policy.pk}).status_code == 403
        assert not EvaluationRun.objects.exists()

    def test_incomplete_policy_re_renders_with_the_chinese_reason(self, client_for, county_user, policy, county):
        guangdong = c.guangdong_policy()
        response = client_for(county_user).post(START, {"policy": guangdong.pk})
        assert response.status_code == 200
        assert "该政策缺少：全省农村居民人均可支配收入，不能用于评估" in response.text
        assert not EvaluationRun.objects.exists()

    def test_a_second_click_while_a_run_is_running_starts_nothing(self, client_for, county_user, policy, county):
        EvaluationRun.objects.create(
            policy=policy, policy_version=1, income_year=2018, area_code=f.COUNTY_CODE, status="running"
        )
        response = client_for(county_user).post(START, {"policy": policy.pk})
        assert response.status_code == 200 and "已有一个评估正在运行" in response.text
        assert EvaluationRun.objects.count() == 1

    def test_a_second_click_while_a_job_is_queued_starts_nothing(self, client_for, county_user, policy, county):
        queued = Job.objects.create(
            kind=Job.Kind.EVALUATION, status=Job.Status.QUEUED, user=county_user, scope_code=f.COUNTY_CODE
        )
        response = client_for(county_user).post(START, {"policy": policy.pk})
        assert response.status_code == 200 and "已有一个评估正在运行" in response.text
        assert f'href="/jobs/{queued.pk}/"' in response.text  # the page links to the job in progress
        assert Job.objects.count() == 1 and not EvaluationRun.objects.exists()

    def test_unknown_policy_re_renders(self, client_for, county_user, policy):
        response = client_for(county_user).post(START, {"policy": 999})
        assert response.status_code == 200 and "选择一个有效的选项" in response.text
        assert not EvaluationRun.objects.exists()


def test_a_large_run_refreshes_the_statistics_of_its_tables(policy, county, county_user, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(services, "ANALYZE_AFTER", 1)
    with CaptureQueriesContext(connection) as captured:
        services.run_evaluation(policy=policy, area_code=county_user.area.code, by=county_user)
    analyzed = [q["sql"] for q in captured if q["sql"].startswith("ANALYZE")]
    expected = 2 if connection.vendor == "postgresql" else 0
    assert len(analyzed) == expected
