"""A failed opening in a real Chromium: with two bids for construction the host records 不予开标,
the page shows the section failed (流标，重新招标), the host — here also the center's editor —
generates the 流标公告 draft from the hall, opens it in the back office, and once the review
chain has signed it off the public reads it on the portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from ggzy.opening import views
from ggzy.opening.models import OpeningSession
from ggzy.opening.tests.hallkit import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(browser: Any, base: str, user: Any) -> Any:
    c = Client()
    c.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(20000)
    return page


def test_failed_opening_to_published_termination_notice(
    browser: Any, live_server: Any, make_hall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = make_hall(2, backup=False)
    monkeypatch.setattr(views, "clock", hall.clock)
    base = live_server.url
    url = f"{base}/opening/{hall.section.code}/"
    host = _as(browser, base, hall.host)  # the kit's host is the center's editor
    host.goto(url)
    host.locator("#step-open").click()
    expect(host.locator("#hall-state")).to_have_attribute("data-state", "checking_in")
    host.locator("#too-few-note").fill("仅两家投标人递交投标文件，不予开标")
    host.locator("form:has(#too-few-note) button").click()
    expect(host.locator("#hall-state")).to_have_text("投标人不足三家，不予开标")
    expect(host.locator("#section-status")).to_have_text("流标（重新招标）")
    host.locator("#step-termination-notice").click()
    status = host.locator("#termination-notice-status")
    expect(status).to_contain_text("示范市体育馆改造工程施工一标段流标公告")
    host.locator("#termination-notice-link").click()
    host.wait_for_url("**/manage/notices/*/edit/")
    expect(host.locator("input[name=title]")).to_have_value("示范市体育馆改造工程施工一标段流标公告")

    notice = OpeningSession.objects.get(section=hall.section).termination_notice
    assert notice is not None
    publish(hall.staff, notice)
    public = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{base}{notice.get_absolute_url()}")
    body = public.locator("main")
    expect(body).to_contain_text("共收到 2 份投标文件")
    expect(body).to_contain_text("第二十八条")
    expect(body).to_contain_text("招标人将依法重新招标")


def test_every_bid_failing_decryption_fails_the_opening_in_the_hall(
    browser: Any, live_server: Any, make_hall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the window every bid is marked 视为撤销/撤回: the host is offered the failure instead of
    唱标, records it, and the hall shows the outcome with its counts to the public too."""
    from ggzy.opening import services

    hall = make_hall(3, backup=False)
    monkeypatch.setattr(views, "clock", hall.clock)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    session = services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    hall.clock.advance(minutes=hall.section.decryption_minutes)
    session = services.opening_window_end(actor=None, session=session, clock=hall.clock)
    for b in hall.bidders:
        services.decryption_failure_mark(
            actor=hall.host, bid=b.bid, bidder_fault=True, cause="未在时限内解密", clock=hall.clock
        )
    base = live_server.url
    url = f"{base}/opening/{hall.section.code}/"
    host = _as(browser, base, hall.host)
    host.goto(url)
    expect(host.locator("#step-readout")).to_have_count(0)
    host.locator("#step-shortfall").click()
    expect(host.locator("#hall-state")).to_have_text("解密后有效投标不足，开标失败")
    expect(host.locator("#opening-outcome")).to_contain_text("全部投标文件解密失败，开标失败")
    expect(host.locator("#section-status")).to_have_text("流标（重新招标）")
    expect(host.locator("#step-termination-notice")).to_be_visible()
    public = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    public.goto(url)
    expect(public.locator("#outcome-received")).to_have_text("3 份")
    expect(public.locator("#outcome-decrypted")).to_have_text("0 份")
    expect(public.locator("#outcome-failed")).to_have_text("3 份")
