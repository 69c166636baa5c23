"""In a real browser, the platform's file store fills up while a bid uploads (ADR 0034; the drill
is scripts/faults/full_disk.py): the bid page shows the server's own Chinese message for the 507,
does not keep hammering the full store, and offers 继续上传; pressed while the store is still
full it is refused the same way, and once space is freed it completes the same upload from what
the server kept — the receipt verifies and the stored envelope is exactly what the browser
sealed. The store is a real small tmpfs when the test may mount one (root, as in CI), else the
OS's ENOSPC at fsync (``ggzy.core.tests.diskfull``); nothing of ours is mocked."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from ggzy.core.clock import FixedClock
from ggzy.core.tests.diskfull import DiskFull, disk_full, leftovers
from ggzy.sealing import testing as pki
from ggzy.trading.models import Bid, BidUpload
from ggzy.trading.tests.bidkit import make_sealer, trust_ca
from ggzy.trading.tests.conftest import Parties
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"
FULL = (
    "服务器存储空间不足，本次内容没有保存（不会留下不完整的文件）。请稍后重试；如持续出现，请联系交易中心。"
)


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DiskFull]:
    # 192 KiB: the bid's first chunks fit, the rest of its ≈ 400 KiB envelope does not
    with (
        disk_full(tmp_path / "store", monkeypatch, size_kb=192) as d,
        override_settings(
            MEDIA_ROOT=d.root / "files",
            GGZY_BID_UPLOAD_DIR=str(d.root / "bid-uploads"),
            GGZY_BID_UPLOAD_AREA="local",
            GGZY_TRADING={"bid_chunk_max_bytes": 65536},
        ),
    ):
        yield d


def refused(response: Any) -> bool:
    return response.request.method == "PUT" and response.status == 507


def test_full_store_message_and_resume_after_space_is_freed(
    disk: DiskFull,
    page: Any,
    live_server: Any,
    parties: Parties,
    build: Callable[..., Any],
    tclock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(common, "clock", tclock)
    section = build("published", deadline_days=20)
    sealer = make_sealer(trust_ca(tclock), parties.bidder, tclock)  # envelope key registered
    key_file = tmp_path / "bid-key.pem"
    key_file.write_bytes(sealer.key.private_pem)
    signing = tmp_path / "cert-key.pem"
    signing.write_bytes(pki.key_pem(sealer.signing_key))
    bid_file = tmp_path / "投标文件.pdf"
    bid_file.write_bytes(b"%PDF-1.7\n" + os.urandom(400 * 1024))  # incompressible

    # every answer of the upload API as the browser saw it, and where each chunk started
    answers: list[tuple[str, int]] = []
    ranges: list[str] = []
    page.on(
        "response",
        lambda r: answers.append((r.request.method, r.status)) if "/bid-uploads/" in r.url else None,
    )
    page.on(
        "request",
        lambda r: ranges.append(r.headers.get("content-range", "")) if r.method == "PUT" else None,
    )
    bid_url = f"/trading/sections/{section.pk}/bid/"
    page.goto(f"{live_server.url}/accounts/login/?next={bid_url}")
    page.get_by_label("用户名").fill("b-user")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(bid_url)))
    expect(page.locator("#key-status")).to_contain_text("还没有投标密钥")
    page.locator("#key-import-file").set_input_files(str(key_file))
    expect(page.locator("#key-status")).to_contain_text("已就绪")

    disk.fill()
    page.get_by_label("投标文件", exact=True).set_input_files(str(bid_file))
    page.get_by_label("投标报价（元）").fill("11880000.00")
    page.get_by_label("工期/服务期（日历天）").fill("365")
    page.get_by_label("签名证书私钥文件").set_input_files(str(signing))
    with page.expect_response(refused):
        page.locator("#bid-submit").click()

    error, resume = page.locator("#bid-error"), page.get_by_role("button", name="继续上传")
    expect(error).to_have_text(FULL, timeout=60000)  # the server's message, not a network one
    expect(resume).to_be_visible()
    upload = BidUpload.objects.get(section=section, organisation=sealer.org)
    assert upload.status == "open" and 0 <= upload.received < upload.total_size, disk.mode
    if disk.mounted:  # the tmpfs held the first chunks: they are kept, not sent again
        assert upload.received > 0
    part = disk.root / "bid-uploads" / f"{upload.token}.part"
    assert part.stat().st_size == upload.received  # the refused chunk was cut back off
    assert answers.count(("PUT", 507)) == 1  # told the user; no retries against a full store
    assert not Bid.objects.filter(section=section).exists()

    # still full: 继续上传 asks where the server stands, resumes, and is refused the same way
    with page.expect_response(refused):
        resume.click()
    expect(resume).to_be_visible()
    expect(error).to_have_text(FULL)
    assert answers.count(("PUT", 507)) == 2
    kept = BidUpload.objects.get(pk=upload.pk).received
    assert kept == upload.received

    # space is freed: the same upload continues from what the server kept and finishes
    disk.free()
    sent = len(ranges)
    resume.click()
    expect(page.locator("#receipt-status")).to_contain_text("回执验证通过", timeout=60000)
    expect(resume).to_be_hidden()
    bid = Bid.objects.get(section=section, organisation=sealer.org)
    upload.refresh_from_db()
    assert upload.status == "finalised" and upload.bid_id == bid.pk
    # it continued at the offset the server had kept, not from the start
    assert ranges[sent].startswith(f"bytes {kept}-")
    stored = disk.root / "files" / bid.envelope.path
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == bid.envelope_sha256
    assert bid.envelope_sha256 in page.locator("#receipt-json").inner_text()
    assert bid.size == upload.total_size
    assert leftovers(disk.root / "files") == [], disk.mode
