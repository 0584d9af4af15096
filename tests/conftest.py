"""Personas and shared fixtures (STYLE.md): a clerk of township A, one of township B, the county
office, a village officer, a police verifier, an assessor and a leader, over a small area tree."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests import factories as f


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def areas(db):
    return f.make_area_tree()


@pytest.fixture
def personas(areas):
    users = {}
    for username, (role, code, department) in f.ROLE_USERS.items():
        users[username] = f.make_user(username, role, areas[code] if code else None, department)
    return users


@pytest.fixture
def county_user(personas):
    return personas["county"]


@pytest.fixture
def township_a_user(personas):
    return personas["township1"]


@pytest.fixture
def township_b_user(personas):
    return personas["township2"]


@pytest.fixture
def village_user(personas):
    return personas["village1"]


@pytest.fixture
def police_user(personas):
    return personas["police"]


@pytest.fixture
def leader_user(personas):
    return personas["leader"]


@pytest.fixture
def assessor_user(personas):
    return personas["assessor"]


@pytest.fixture
def client_for(client):
    """client_for(user) logs the test client in as that user and returns it."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def household_a(areas):
    """A poor household of township A, village A1, with three members and 2018 income."""
    return f.make_household(areas[f.GROUP_A1], number="HH-A-0001")


@pytest.fixture
def household_b(areas):
    """A poor household of township B."""
    return f.make_household(areas[f.GROUP_B1], number="HH-B-0001")
