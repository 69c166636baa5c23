"""Session timeout for staff, login lockout (audited) and TOTP required for staff in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ggzy.audit.models import Event

pytestmark = pytest.mark.django_db
BASE = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def login(client: Client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": "pw-1234567890"})
    assert response.status_code == 302, response.content.decode()[:300]


def test_staff_session_expires_after_idle_time(make_user: Any, center: Any, settings: Any) -> None:
    settings.GGZY_STAFF_SESSION_IDLE_SECONDS = 600
    make_user("editor", org=center, username="ed")
    client = Client()
    login(client, "ed")
    client.get("/manage/")
    assert client.session.get_expiry_age() == 600
    assert 0 < client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 600
    # Server side: the stored expiry is ~10 minutes away, so an idle session dies there too.
    session = Session.objects.get(session_key=client.session.session_key)
    left = (session.expire_date - timezone.now()).total_seconds()
    assert 500 < left <= 600
    # Expired row: the next request is anonymous again.
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date.replace(year=2000))
    response = client.get("/manage/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_external_users_keep_the_normal_session_age(make_user: Any, make_org: Any, settings: Any) -> None:
    settings.GGZY_STAFF_SESSION_IDLE_SECONDS = 600
    make_user("bidder", org=make_org("bidder"), username="bid")
    client = Client()
    login(client, "bid")
    client.get("/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_lockout_after_n_failures_is_audited_and_configurable(
    make_user: Any, center: Any, settings: Any
) -> None:
    settings.GGZY_LOGIN_MAX_FAILURES = 3
    make_user("editor", org=center, username="eve")
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "eve", "password": "wrong-wrong-wrong"})
    locked = Event.objects.filter(action="login.locked")
    assert locked.count() == 1 and locked.get().data["username"] == "eve"
    response = client.post("/accounts/login/", {"username": "eve", "password": "pw-1234567890"})
    assert response.status_code == 400 and "过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Once the lock window passes (the cache entry expires) the right password works again.
    cache.clear()
    login(client, "eve")
    assert Event.objects.filter(action="login.locked").count() == 1


def test_production_requires_totp_and_separated_admins() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.GGZY_REQUIRE_STAFF_TOTP, s.GGZY_SEPARATE_ADMIN_ROLES, s.GGZY_STAFF_SESSION_IDLE_SECONDS,"
        " s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "GGZY_SEPARATE_ADMIN_ROLES": "0",  # cannot be switched off in production
    }
    env.pop("GGZY_REQUIRE_STAFF_TOTP", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "1800", "True", "True"]


def test_staff_with_totp_required_reach_only_enrolment(make_user: Any, center: Any, settings: Any) -> None:
    settings.GGZY_REQUIRE_STAFF_TOTP = True
    make_user("security_admin", org=center, username="sec")
    client = Client()
    response = client.post("/accounts/login/", {"username": "sec", "password": "pw-1234567890"})
    assert response["Location"] == "/accounts/totp/enrol/"
    assert client.get("/manage/")["Location"] == "/accounts/totp/enrol/"
    assert client.get("/admin/")["Location"] == "/accounts/totp/enrol/"


def test_production_settings_pass_check_deploy_at_warning_level() -> None:
    """Issue 9 §4: ``manage.py check --deploy --fail-level WARNING`` is clean with production
    settings and the secrets a deployment provides from its secret store."""
    import base64
    import secrets

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "GGZY_FIELD_KEYS": key(),
        "GGZY_FIELD_INDEX_KEY": key(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
