"""In a real browser: the bid page verifies each listed receipt with the platform key of the
receipt's own suite. A bidder submitted version 1 while the deployment was intl (ECDSA receipt) and
version 2 after it switched to sm (SM2 receipt); both verify on the page — WebCrypto for the one,
the vendored sm-crypto-v2 for the other — and an altered receipt, or one naming another key, is
refused with the reason."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.core.clock import FixedClock
from ggzy.trading import services
from ggzy.trading.models import Bid
from ggzy.trading.tests.bidkit import make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"


def test_intl_and_sm_receipts_both_verify_on_the_bid_page_after_a_switch(
    page: Any,
    live_server: Any,
    parties: Parties,
    build: Callable[..., Any],
    tclock: FixedClock,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    monkeypatch.setattr(common, "clock", tclock)
    settings.GGZY_PLATFORM_KEY_PATH = tmp_path / "keys" / "platform-key.pem"
    section = build("published", deadline_days=20)
    b1 = make_sealer(trust_ca(tclock), parties.bidder, tclock)

    def submit(text: bytes) -> Bid:
        data = b1.seal(section, b"%PDF-1.7 " + text * 300)
        return services.bid_submit_file(actor=b1.user, section=section, src=io.BytesIO(data), clock=tclock)

    v1 = submit(b"intl deployment")  # ECDSA P-256 receipt
    settings.GGZY_CRYPTO_SUITE = "sm"
    tclock.advance(minutes=3)
    v2 = submit(b"sm deployment")  # SM2 receipt
    assert "suite" not in v1.receipt["receipt"] and v2.receipt["receipt"]["suite"] == "sm"

    base = live_server.url
    bid_url = f"/trading/sections/{section.pk}/bid/"
    page.goto(f"{base}/accounts/login/?next={bid_url}")
    page.get_by_label("用户名").fill("b-user")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(bid_url)))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    key_requests: list[str] = []
    page.on("request", lambda r: key_requests.append(r.url) if "platform-key.pem" in r.url else None)

    def verify(bid: Bid) -> Any:
        card = page.locator(f"#bid-{bid.pk}")
        card.locator(".verify-result").evaluate("el => { el.textContent = ''; }")
        card.locator(".js-verify-receipt").click()
        return card.locator(".verify-result")

    expect(verify(v1)).to_contain_text("回执验证通过")
    expect(verify(v2)).to_contain_text("回执验证通过")
    expect(verify(v2)).to_contain_text(f"序号 {v2.receipt_sequence}")
    # one request per suite: the intl key for version 1, the SM2 key for version 2
    assert sorted(u.rsplit("?", 1)[1] for u in key_requests) == ["suite=intl", "suite=sm"]

    # an altered receipt (server row edited behind the platform's back) is refused, either suite
    for bid in (v1, v2):
        altered = {**bid.receipt, "receipt": {**bid.receipt["receipt"], "sequence": 999}}
        Bid.objects.filter(pk=bid.pk).update(receipt=altered)
        expect(verify(bid)).to_contain_text("回执签名验证失败")
    # a receipt naming another key id is refused before its signature is checked
    renamed = {**v2.receipt, "receipt": {**v2.receipt["receipt"], "key_id": "0" * 16}}
    Bid.objects.filter(pk=v2.pk).update(receipt=renamed)
    expect(verify(v2)).to_contain_text("不是由本交易平台的密钥签发的")
    assert not errors, errors
