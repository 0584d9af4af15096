"""Fixtures of the assessment tests that touch the database: the seed policy and the small county."""

from __future__ import annotations

import pytest

from assessment.services import run_evaluation
from tests.assessment import county as c


@pytest.fixture
def policy(db):
    return c.seed_policy()


@pytest.fixture
def county(areas):
    return c.small_county(areas)


@pytest.fixture
def county_run(policy, county, county_user):
    """A finished run of the whole county by the county office."""
    return run_evaluation(policy=policy, area_code=county_user.area.code, by=county_user)
