"""Login, lockout by username, idle session timeout, health check."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "用户名" in response.text and "密码" in response.text and "登录" in response.text


def test_right_password_logs_in_and_lands_on_the_registry(client, township_a_user):
    response = login(client, "township1", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").url == "/households/"


def test_wrong_password_says_so_in_chinese(client, township_a_user):
    response = login(client, "township1", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text


def test_repeated_failures_lock_the_username_not_the_office_address(township_a_user, township_b_user):
    clerk = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(clerk, "township1", "wrong-password", ip="10.9.9.9")
    locked = login(Client(), "township1", PASSWORD, ip="10.9.9.9")
    assert locked.status_code == 429
    assert "临时锁定" in locked.text
    # A colleague behind the same NAT address still gets in.
    colleague = login(Client(), "township2", PASSWORD, ip="10.9.9.9")
    assert colleague.status_code == 302


def test_lockout_ends_after_the_cooloff(township_a_user, monkeypatch):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "township1", "wrong-password")
    assert login(Client(), "township1", PASSWORD).status_code == 429
    later = timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    monkeypatch.setattr("axes.attempts.now", lambda: later)
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
    assert login(Client(), "township1", PASSWORD).status_code == 302


def test_idle_session_expires_after_thirty_minutes(client, township_a_user):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    login(client, "township1", PASSWORD)
    session = client.session
    session.set_expiry(-1)  # what the store sees once 30 idle minutes have passed
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_pages_with_personal_data_are_not_cached(client_for, township_a_user):
    response = client_for(township_a_user).get("/households/")
    assert response["Cache-Control"] == "no-store"


def test_weak_passwords_are_refused(township_a_user):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["12345678901", "township1", "password123"]:
        with pytest.raises(ValidationError):
            validate_password(weak, township_a_user)
    validate_password("铜都街道扶贫-2026-春", township_a_user)


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_department_user_lands_on_their_queue_not_the_registry(client_for, police_user):
    response = client_for(police_user).get("/")
    assert response.status_code == 302
    assert response.url == "/verification/"
