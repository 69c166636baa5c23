"""Shared by the evaluation browser tests: the test users' password, a fixed "now" and the login."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

PASSWORD = "pw-1234567890"
NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00 Beijing time


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))
