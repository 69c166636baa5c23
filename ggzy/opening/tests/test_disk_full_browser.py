"""A full temporary directory while a bidder decrypts in the hall, in a real Chromium: the page
shows the server's Chinese message (from the 507 ``storage_full`` JSON), no JavaScript error, the
button is usable again, and once space is freed the same key file decrypts. The temporary
directory is a real small tmpfs when the test may mount one (see test_disk_full.py for why and
for the fallback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from playwright.sync_api import expect

from ggzy.core.tests.diskfull import disk_full
from ggzy.opening import services, views
from ggzy.opening.models import DecryptionAttempt, OpenedBid
from ggzy.opening.tests.test_disk_full import PAYLOAD, _fill, _free

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_full_temporary_directory_message_in_the_hall_then_retry(
    browser: Any, live_server: Any, make_hall: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tempfile

    hall = make_hall(3, payload_size=PAYLOAD)
    monkeypatch.setattr(views, "clock", hall.clock)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    b = hall.bidders[0]
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(b.key.private_pem)
    c = Client()
    c.force_login(b.user)
    base = live_server.url
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(30000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with (
        disk_full(tmp_path / "tmp", monkeypatch, size_kb=64) as d,
        override_settings(GGZY_OPENING_TMP_DIR=None),
    ):
        # the live server runs in this process: the standard library's temporary directory is
        # the one the opening writes to
        monkeypatch.setattr(tempfile, "tempdir", str(d.root))
        page.goto(f"{base}/opening/{hall.section.code}/")
        page.get_by_label("投标加密密钥文件", exact=True).set_input_files(str(key_file))
        _fill(d)
        page.locator("#decrypt-btn").click()
        status = page.locator("#decrypt-status")
        expect(status).to_contain_text("服务器临时空间不足，本次解密没有完成")
        expect(page.locator("#decrypt-btn")).to_be_enabled()
        assert not OpenedBid.objects.exists() and not DecryptionAttempt.objects.exists()
        _free(d)
        page.locator("#decrypt-btn").click()
        expect(status).to_contain_text("解密成功")
    assert OpenedBid.objects.filter(bid=b.bid).count() == 1
    assert not errors, errors
    context.close()
