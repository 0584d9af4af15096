"""Fixtures of the verification tests: the workflow fixtures plus department users."""

from __future__ import annotations

import pytest

from tests.assessment import workflow_builders as wb
from tests.assessment.workflow_fixtures import *  # noqa: F403


@pytest.fixture
def department():
    """department("水务") → that department's verifier."""
    return wb.department_user
