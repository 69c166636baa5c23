"""The hall in a real Chromium: the host starts decryption, two bidders decrypt in their own
browsers (the content key is unwrapped by sealing.js from the key file), the readout shows the
prices live, one objection is raised (on a 390 px phone) and answered, the record is published."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.opening import services, views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(browser: Any, base: str, user: Any, **ctx: Any) -> Any:
    c = Client()
    c.force_login(user)
    context = browser.new_context(locale="zh-CN", **ctx)
    context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(20000)
    return page


def test_hall_flow_in_browsers(
    browser: Any, live_server: Any, make_hall: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hall = make_hall(3)
    monkeypatch.setattr(views, "clock", hall.clock)
    base = live_server.url
    code = hall.section.code
    url = f"{base}/opening/{code}/"
    host = _as(browser, base, hall.host, viewport={"width": 1280, "height": 900})
    host.goto(url)
    host.locator("#step-open").click()
    host.wait_for_selector("text=开标大厅已开启")
    b1, b2, b3 = hall.bidders
    p1 = _as(browser, base, b1.user, viewport={"width": 1280, "height": 900})
    p2 = _as(browser, base, b2.user, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for p in (p1, p2):
        p.goto(url)
        p.locator("#check-in").click()
        p.wait_for_selector("text=已签到")
    host.goto(url)
    host.locator("#step-start").click()
    host.wait_for_selector("text=已开始解密")
    for p, b in ((p1, b1), (p2, b2)):
        p.goto(url)
        key_file = tmp_path / f"key-{b.org.pk}.pem"
        key_file.write_bytes(b.key.private_pem)
        p.locator("#key-file").set_input_files(str(key_file))
        p.locator("#decrypt-btn").click()
        p.wait_for_selector("#decrypt-status:has-text('解密成功')")
    # the host's page shows both prices live, without a reload (SSE)
    host.wait_for_selector("#readout-body tr[data-bidder='示范建设第2工程有限公司']")
    assert "1012345.00" in host.locator("#readout-body").inner_text()
    services.content_key_submit(
        actor=b3.user, bid=b3.bid, content_key=b3.content_key(b3.bid), clock=hall.clock
    )
    host.goto(url)
    host.locator("#step-end").click()
    host.wait_for_selector("text=解密已结束")
    host.locator("#step-readout").click()
    host.wait_for_selector("text=开始唱标")
    text = host.locator("#readout").inner_text()
    assert "1000000.00" in text and "1012345.00" in text and "1024690.00" in text
    # public, read-only on a phone: names and prices are there after decryption
    public = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    public.goto(url)
    assert "公众（只读）" in public.locator("#hall-role").inner_text()
    assert "1024690.00" in public.locator("#readout").inner_text()
    assert public.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    host.locator("#step-objections").click()
    host.wait_for_selector("text=已进入异议环节")
    p2.goto(url)
    p2.locator("#confirm-btn").click()
    p2.wait_for_selector("text=已确认唱标结果")
    p2.get_by_label("对开标提出异议").fill("第三名报价的小数位与唱标不一致，请核实")
    p2.locator("#object-btn").click()
    p2.wait_for_selector("text=异议已提交")
    host.goto(url)
    host.get_by_label(re.compile("答复 示范建设第2工程有限公司 的异议")).fill("已核实，唱标与投标文件一致")
    host.locator(".answer-btn").first.click()
    host.wait_for_selector("text=已答复")
    # the bidder sees the answer in the live log
    p2.wait_for_selector("#hall-log li:has-text('已核实，唱标与投标文件一致')")
    host.locator("#step-close").click()
    host.wait_for_selector("text=开标记录已生成")
    host.locator("#step-publish").click()
    host.wait_for_selector("#record-submitted")
    with host.expect_download() as dl:
        host.get_by_role("link", name="下载开标记录（PDF）").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    for p in (host, p1, p2, public):
        p.context.close()
