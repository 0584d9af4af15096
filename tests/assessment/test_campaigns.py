"""Campaigns and their schedules (seed 003 §二), edited by the county office."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from assessment.campaigns import SEED_003_SCHEDULE, save_campaign
from assessment.models import Campaign
from tests.assessment.workflow_fixtures import *  # noqa: F403


def form_data(policy, **changes):
    data = {
        "year": "2019",
        "name": "2019年度扶贫对象动态管理",
        "policy": policy.pk,
        "starts_on": "2019-10-01",
        "complaint_phone": "0871-12317",
        "is_current": "on",
        "with_default_schedule": "on",
    }
    data.update(changes)
    return data


def test_the_default_schedule_is_seed_003s_in_the_campaigns_year(campaign):
    phases = list(campaign.phases.all())
    assert [p.name for p in phases] == [t.name for t in SEED_003_SCHEDULE]
    by_name = {p.name: p for p in phases}
    assert by_name["动态管理和信息采集"].starts_on == datetime.date(2018, 10, 8)
    assert by_name["动态管理和信息采集"].deadline == datetime.date(2018, 10, 15)
    assert by_name["数据审核比对（先报先复核）"].deadline == datetime.date(2018, 11, 10)
    assert by_name["工作总结"].deadline == datetime.date(2019, 1, 5)
    assert [p.target_stage for p in phases if p.target_stage] == ["department_review", "public_review", "approved"]


def test_county_creates_a_campaign_with_the_default_schedule(client_for, county_user, policy):
    response = client_for(county_user).post(reverse("assessment:campaign_create"), form_data(policy))
    campaign = Campaign.objects.get(year=2019)
    assert response.status_code == 302 and response.url == reverse("assessment:campaign_edit", args=[campaign.pk])
    assert campaign.phases.count() == len(SEED_003_SCHEDULE)
    assert campaign.phases.get(name="数据录入").deadline == datetime.date(2019, 11, 30)
    assert campaign.is_current and campaign.history.count() == 1


def test_one_current_campaign_at_a_time(county_user, policy, campaign):
    second = save_campaign(
        Campaign(year=2019, name="2019", policy=policy, starts_on=datetime.date(2019, 10, 1), is_current=True),
        by=county_user,
    )
    campaign.refresh_from_db()
    assert second.is_current and not campaign.is_current
    assert Campaign.objects.current() == second


def test_county_edits_a_phase_deadline(client_for, county_user, campaign):
    phases = list(campaign.phases.all())
    data = {
        "year": "2018",
        "name": campaign.name,
        "policy": campaign.policy.pk,
        "starts_on": "2018-10-01",
        "complaint_phone": "0871-99999",
        "is_current": "on",
        "phases-TOTAL_FORMS": str(len(phases)),
        "phases-INITIAL_FORMS": str(len(phases)),
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000",
    }
    for i, phase in enumerate(phases):
        data.update(
            {
                f"phases-{i}-id": str(phase.pk),
                f"phases-{i}-campaign": str(campaign.pk),
                f"phases-{i}-position": str(phase.position),
                f"phases-{i}-name": phase.name,
                f"phases-{i}-starts_on": phase.starts_on.isoformat() if phase.starts_on else "",
                f"phases-{i}-deadline": phase.deadline.isoformat(),
                f"phases-{i}-target_stage": phase.target_stage,
                f"phases-{i}-note": "",
            }
        )
    data["phases-2-deadline"] = "2018-10-17"
    response = client_for(county_user).post(reverse("assessment:campaign_edit", args=[campaign.pk]), data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.complaint_phone == "0871-99999"
    assert campaign.phases.get(name="动态管理和信息采集").deadline == datetime.date(2018, 10, 17)


def test_a_policy_missing_values_cannot_be_a_campaigns_policy(client_for, county_user, campaign):
    from tests.assessment.county import guangdong_policy

    incomplete = guangdong_policy()
    response = client_for(county_user).post(reverse("assessment:campaign_create"), form_data(incomplete))
    assert response.status_code == 200 and "不能用于评估" in response.text
    assert not Campaign.objects.filter(year=2019).exists()


@pytest.mark.parametrize("persona", ["township", "village", "leader", "assessor", "police"])
def test_only_the_county_changes_campaigns(client_for, users, campaign, persona):
    client = client_for(users[persona])
    assert client.get(reverse("assessment:campaign_create")).status_code == 403
    assert client.post(reverse("assessment:campaign_edit", args=[campaign.pk]), {}).status_code == 403


def test_leader_reads_the_schedule(client_for, users, campaign):
    page = client_for(users["leader"]).get(reverse("assessment:campaigns")).text
    assert "数据审核比对（先报先复核）" in page and "2018-11-10" in page
