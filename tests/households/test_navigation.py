"""The navigation bar by role (households/context_processors.py, templates/base.html)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ASSESSMENTS = reverse("assessment:assessments")
FUNDS = reverse("assessment:fund_list")
RUNS = reverse("assessment:runs")
JOBS = reverse("households:jobs")


def nav(page: str) -> str:
    return page[page.index("<nav") : page.index("</nav>")]


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        ("county", [ASSESSMENTS, FUNDS, RUNS, JOBS], []),
        ("assessor", [ASSESSMENTS, FUNDS, RUNS], []),
        ("leader", [ASSESSMENTS, FUNDS, RUNS], []),
        ("township1", [ASSESSMENTS, JOBS], [FUNDS, RUNS]),
        ("village1", [JOBS], [ASSESSMENTS, FUNDS, RUNS]),
        ("police", [], [ASSESSMENTS, FUNDS, RUNS, JOBS]),
    ],
)
def test_each_role_sees_its_pages(client_for, personas, who, present, absent):
    page = nav(client_for(personas[who]).get(reverse("home"), follow=True).text)
    for link in present:
        assert f'href="{link}"' in page
    for link in absent:
        assert f'href="{link}"' not in page
    assert reverse("password_change") in page and reverse("logout") in page  # in the user's menu
