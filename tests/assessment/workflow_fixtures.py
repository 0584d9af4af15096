"""Fixtures of the workflow tests, imported by each test module with ``from … import *`` (tests/assessment/conftest.py
belongs to the evaluation tests)."""

from __future__ import annotations

import pytest

from tests.assessment import county as c
from tests.assessment import workflow_builders as wb

__all__ = ["campaign", "demo", "drive_to", "policy", "users"]


@pytest.fixture
def policy(db):
    return c.seed_policy()


@pytest.fixture
def campaign(policy, county_user):
    return wb.make_campaign(policy, county_user)


@pytest.fixture
def demo(areas, campaign):
    return wb.demo_village(areas)


@pytest.fixture
def users(county_user, township_a_user, township_b_user, village_user, police_user, leader_user, assessor_user):
    return {
        "county": county_user,
        "township": township_a_user,
        "township_b": township_b_user,
        "village": village_user,
        "police": police_user,
        "leader": leader_user,
        "assessor": assessor_user,
    }


@pytest.fixture
def drive_to(users):
    """drive_to(case, stage) moves a case along the path as the village, township and county users."""

    def drive(case, stage):
        return wb.drive(case, stage, village=users["village"], township=users["township"], county=users["county"])

    return drive
