"""The big screen in a real browser: it rotates on its own, and an announcement a center editor
adds on /manage/screen/ appears on the open screen at its next data refresh."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.clock import system_clock
from ggzy.publishing import services as publishing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "screen-password-123"


def test_screen_rotates_and_shows_a_new_announcement(
    page: Any,
    live_server: Any,
    staff: dict[str, Any],
    publish: Callable[..., Any],
    make_user: Any,
    center: Any,
) -> None:
    base = live_server.url
    now = system_clock.now()
    notice = publishing.notice_create(
        actor=staff["editor"],
        title="大屏测试道路工程施工招标公告",
        body_html="<p>招标条件</p>",
        kind="tender",
        domain="construction",
        project_code="SCREEN-0001",
        bid_deadline=now + dt.timedelta(minutes=1),
        opening_at=now + dt.timedelta(minutes=1),
    )
    publish(notice)
    editor = make_user("editor", org=center, username="screen-editor", password=PASSWORD)

    screen = page
    screen.goto(f"{base}/screen/?interval=3&refresh=2")
    body = screen.locator("body#screen")
    openings = screen.locator("#list-openings")
    assert "大屏测试道路工程施工招标公告" in openings.inner_text()
    assert screen.locator("#slide-openings").get_attribute("class") == "slide is-current"
    # Nobody touches it: the next slide comes on its own.
    screen.locator('body[data-current="notices"]').wait_for(state="attached", timeout=10000)
    assert "is-current" in (screen.locator("#slide-notices").get_attribute("class") or "")
    assert "is-current" not in (screen.locator("#slide-openings").get_attribute("class") or "")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", screen.locator("#screen-time").inner_text())

    staff_page = screen.context.new_page()
    staff_page.goto(f"{base}/accounts/login/")
    staff_page.get_by_label("用户名").fill(editor.username)
    staff_page.get_by_label("密码").fill(PASSWORD)
    staff_page.get_by_role("button", name="登录").click()
    staff_page.wait_for_url(re.compile(r"/manage/"))
    staff_page.locator("#nav-screen").click()
    staff_page.get_by_label("公告内容（不超过 200 字）").fill("下午两点半在二号开标室开标，请提前签到")
    staff_page.locator("#btn-screen-save").click()
    staff_page.get_by_text("大屏公告已添加").wait_for()
    assert "正在显示" in staff_page.locator("#screen-announcements").inner_text()
    staff_page.close()

    # The open screen picks it up at its next refresh, without a reload.
    screen.locator("#list-announcements", has_text="下午两点半在二号开标室开标").wait_for(
        state="attached", timeout=10000
    )
    screen.locator('body[data-current="announcements"]').wait_for(state="attached", timeout=15000)
    assert screen.locator("#slide-announcements").is_visible()
    assert "下午两点半在二号开标室开标" in screen.locator("#list-announcements").inner_text()
    assert body.get_attribute("data-loaded")
