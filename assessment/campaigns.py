"""Campaigns and their schedules (issue 5 §1): the default schedule is seed 003 §二 (河图街道 2018 年方案).

The seed's dates are for 2018; a campaign of another year gets the same month and day in its own year (the last
phase, 工作总结, falls in January of the next year). The county edits every phase afterwards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from households.choices import Role
from households.models import User

from .models import Campaign, CampaignPhase
from .workflow import Stage


@dataclass(frozen=True)
class PhaseTemplate:
    name: str
    starts: tuple[int, int, int] | None  # (year offset, month, day)
    deadline: tuple[int, int, int]
    target_stage: str = ""


# Seed 003 §二 进度安排. The target stage is what a case must have reached by the phase's deadline: after 动态管理和
# 信息采集 the survey is done (cases were submitted to the departments), after 数据审核比对 the departments' review
# is done and the lists are rectified, and the data entry of 11-11 … 11-30 needs the approved lists.
SEED_003_SCHEDULE = (
    PhaseTemplate("制定工作方案", None, (0, 10, 3)),
    PhaseTemplate("召开工作部署培训会", None, (0, 10, 7)),
    PhaseTemplate("动态管理和信息采集", (0, 10, 8), (0, 10, 15), Stage.DEPARTMENT_REVIEW),
    PhaseTemplate("数据审核比对（先报先复核）", (0, 10, 16), (0, 11, 10), Stage.PUBLIC_REVIEW),
    PhaseTemplate("数据录入", (0, 11, 11), (0, 11, 30), Stage.APPROVED),
    PhaseTemplate("数据录入“回头看”", (0, 12, 1), (0, 12, 10)),
    PhaseTemplate("问题核查和整改", (0, 12, 11), (0, 12, 20)),
    PhaseTemplate("信息系统数据整改", (0, 12, 21), (0, 12, 31)),
    PhaseTemplate("工作总结", (1, 1, 1), (1, 1, 5)),
)


def _date(year: int, parts: tuple[int, int, int]) -> datetime.date:
    offset, month, day = parts
    return datetime.date(year + offset, month, day)


def default_phases(campaign: Campaign) -> list[CampaignPhase]:
    return [
        CampaignPhase(
            campaign=campaign,
            position=i + 1,
            name=t.name,
            starts_on=_date(campaign.year, t.starts) if t.starts else None,
            deadline=_date(campaign.year, t.deadline),
            target_stage=t.target_stage,
        )
        for i, t in enumerate(SEED_003_SCHEDULE)
    ]


def require_campaign_manager(user: User) -> None:
    if not (user.is_active and user.role == Role.COUNTY):
        raise PermissionDenied("只有县扶贫办可以设置动态管理年度和进度安排")


def save_campaign(campaign: Campaign, *, by: User, with_default_schedule: bool = False) -> Campaign:
    require_campaign_manager(by)
    with transaction.atomic():
        created = campaign.pk is None
        campaign.updated_by = by
        campaign._history_user = by
        campaign._change_reason = "新建动态管理年度" if created else "修改动态管理年度"
        if campaign.is_current:
            Campaign.objects.filter(is_current=True).exclude(pk=campaign.pk).update(is_current=False)
        campaign.save()
        if created and with_default_schedule:
            CampaignPhase.objects.bulk_create(default_phases(campaign))
    return campaign
