"""In a real browser: two bidders seal their bid files with WebCrypto and upload them; one
generates its envelope key in the browser (IndexedDB + backup download), the other — on a
390px phone screen — imports a key made by the Python kit. Both receipts verify in the browser
against the platform public key, and Python opens what the browser sealed (interop)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from ggzy.core.clock import FixedClock
from ggzy.sealing import envelope, kit
from ggzy.sealing import testing as pki
from ggzy.trading.models import Bid, BidderKey
from ggzy.trading.tests.bidkit import Sealer, make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"


def login(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url)))


def seal_and_submit(page: Any, sealer: Sealer, tmp_path: Path, price: str, payload: bytes) -> None:
    bid_file = tmp_path / f"投标文件-{sealer.org.pk}.pdf"
    bid_file.write_bytes(payload)
    signing = tmp_path / f"cert-key-{sealer.org.pk}.pem"
    signing.write_bytes(pki.key_pem(sealer.signing_key))
    page.get_by_label("投标文件", exact=True).set_input_files(str(bid_file))
    page.get_by_label("投标报价（元）").fill(price)
    page.get_by_label("工期/服务期（日历天）").fill("365")
    page.get_by_label("签名证书私钥文件").set_input_files(str(signing))
    page.locator("#bid-submit").click()
    expect(page.locator("#receipt-status")).to_contain_text("回执验证通过", timeout=60000)


def test_two_bidders_seal_upload_and_verify_receipts(
    page: Any,
    browser: Any,
    live_server: Any,
    parties: Parties,
    build: Callable[..., Any],
    tclock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    monkeypatch.setattr(common, "clock", tclock)
    settings.GGZY_TRADING = {"bid_chunk_max_bytes": 16384}  # several chunks for a small bid
    base = live_server.url
    section = build("published", deadline_days=20)
    ca = trust_ca(tclock)
    b1 = make_sealer(ca, parties.bidder, tclock, register=False)
    b2 = make_sealer(ca, parties.bidder2, tclock, register=False)
    payload1 = b"%PDF-1.7 bidder one " * 3000

    # bidder 1 on a desk: generates its envelope key in the browser, keeps the backup file
    bid_url = f"/trading/sections/{section.pk}/bid/"
    login(page, base, "b-user", f"/trading/sections/{section.pk}/")
    page.locator("#bid-link").click()
    page.wait_for_url(re.compile(re.escape(bid_url)))
    # The page looks in IndexedDB first (asynchronous): wait for its answer.
    expect(page.locator("#key-status")).to_contain_text("还没有投标密钥")
    page.get_by_label("备份文件密码", exact=False).fill("备份密码-123")
    with page.expect_download() as dl:
        page.locator("#key-generate").click()
    backup = tmp_path / "backup.pem"
    dl.value.save_as(backup)
    expect(page.locator("#key-status")).to_contain_text("已就绪")
    local_key = BidderKey.objects.get(organisation=b1.org)
    # the connection drops during the second chunk: the page asks the server where it stands and
    # resumes from there
    puts: list[str] = []

    def flaky(route: Any) -> None:
        if route.request.method == "PUT":
            puts.append(route.request.headers.get("content-range", ""))
            if len(puts) == 2:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route("**/trading/bid-uploads/**", flaky)
    seal_and_submit(page, b1, tmp_path, "11880000.00", payload1)
    assert len(puts) >= 4 and puts[1] == puts[2]  # the dropped chunk was sent again
    receipt_text = page.locator("#receipt-json").inner_text()
    bid1 = Bid.objects.get(organisation=b1.org)
    assert bid1.envelope_sha256 in receipt_text and bid1.bidder_key == local_key

    # Python opens what the browser sealed, with the browser's backup key file
    with default_storage.open(bid1.envelope.path, "rb") as fh:
        data = fh.read()
    assert backup.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = kit.load_private_key(backup.read_bytes(), "备份密码-123".encode())
    content_key = envelope.unwrap_content_key(envelope.read_header(io.BytesIO(data)), key)
    out = io.BytesIO()
    opened = envelope.open_envelope(io.BytesIO(data), out, content_key=content_key, signer=b1.cert)
    assert out.getvalue() == payload1
    assert opened.summary == {"price": "11880000.00", "duration": "365"}

    # the list shows the version; its receipt verifies again in the browser after a reload
    page.reload()
    card = page.locator(f"#bid-{bid1.pk}")
    card.locator(".js-verify-receipt").click()
    expect(card.locator(".verify-result")).to_contain_text("回执验证通过")

    # bidder 2 on a phone: imports a key file made by `ggzy bid keygen`
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, accept_downloads=True)
    p2 = phone.new_page()
    p2.set_default_timeout(15000)
    login(p2, base, "b-user2", bid_url)
    # (a password-protected kit key: `ggzy bid keygen --password-file`)
    encrypted = kit.generate_key(b"kit-password")
    b2.key = encrypted
    key_file = tmp_path / "kit-key.pem"
    key_file.write_bytes(encrypted.private_pem)
    p2.get_by_label("备份文件密码", exact=False).fill("wrong")
    p2.locator("#key-import-file").set_input_files(str(key_file))
    expect(p2.locator("#key-status")).to_contain_text("密码不正确")
    p2.get_by_label("备份文件密码", exact=False).fill("kit-password")
    p2.locator("#key-import-file").set_input_files(str(key_file))
    expect(p2.locator("#key-status")).to_contain_text("已就绪")
    assert BidderKey.objects.get(organisation=b2.org).key_id == b2.key.key_id
    seal_and_submit(p2, b2, tmp_path, "11750000.00", b"%PDF-1.7 bidder two")
    assert p2.evaluate("document.documentElement.scrollWidth") <= 390
    bid2 = Bid.objects.get(organisation=b2.org)
    # and the kit opens it with the key file it generated
    with default_storage.open(bid2.envelope.path, "rb") as fh:
        data = fh.read()
    ck = envelope.unwrap_content_key(
        envelope.read_header(io.BytesIO(data)), kit.load_private_key(b2.key.private_pem, b"kit-password")
    )
    out = io.BytesIO()
    assert envelope.open_envelope(io.BytesIO(data), out, content_key=ck).summary["price"] == "11750000.00"
    phone.close()
    assert Bid.objects.filter(section=section, is_current=True).count() == 2
