from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from ggzy.accounts import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def test_login_with_password(make_user: Any, client: Client) -> None:
    make_user("editor", username="alice", password="correct-horse-1")
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "alice", "password": "correct-horse-1"})
    assert response.status_code == 302
    assert response["Location"] == "/manage/"


def test_throttle_after_five_failures(make_user: Any, client: Client) -> None:
    make_user("editor", username="bob", password="correct-horse-1")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "bob", "password": "nope-nope-nope"})
    response = client.post("/accounts/login/", {"username": "bob", "password": "correct-horse-1"})
    assert response.status_code == 400
    assert "过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_enrolled_user_needs_totp(make_user: Any, client: Client) -> None:
    user = make_user("editor", username="carol", password="correct-horse-1")
    device = services.totp_begin_enrolment(user=user)
    services.totp_confirm(user=user, code=pyotp.TOTP(device.secret).now())
    response = client.post("/accounts/login/", {"username": "carol", "password": "correct-horse-1"})
    assert response["Location"] == "/accounts/totp/"
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/totp/", {"code": "12345x"})
    assert response.status_code == 400
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=30)
    response = client.post("/accounts/totp/", {"code": pyotp.TOTP(device.secret).at(later)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_required_totp_forces_enrolment(make_user: Any, client: Client, settings: Any) -> None:
    settings.GGZY_REQUIRE_STAFF_TOTP = True
    make_user("editor", username="dave", password="correct-horse-1")
    response = client.post("/accounts/login/", {"username": "dave", "password": "correct-horse-1"})
    assert response["Location"] == "/accounts/totp/enrol/"
    assert client.get("/manage/")["Location"] == "/accounts/totp/enrol/"
