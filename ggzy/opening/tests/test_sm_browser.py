"""An `sm` section end to end in a real Chromium (issue 9: "an sm-suite bid is sealed, submitted,
opened and verified end to end").

The section's escrow key is SM2, which makes it an `sm` section: the bidder page generates an SM2
envelope key in the browser (backup file downloaded), seals the bid with SM4-GCM / SM3 / SM2 using
the vendored sm-crypto-v2, signs it with the key of the organisation's bound SM2 certificate
(password-protected PKCS#8, SM4-CBC), uploads it and verifies the SM2-signed receipt in the
browser. At the opening, the bidder unwraps its SM2 content key in the browser from the backup
file; the server decrypts, the price is read out on the public page, and the Python side checks
the stored envelope, the receipt and the escrow path independently."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from playwright.sync_api import expect

from ggzy.audit.platform_key import platform_signing_key
from ggzy.core.clock import FixedClock
from ggzy.opening import services as opening
from ggzy.opening import views as opening_views
from ggzy.opening.models import OpeningSession
from ggzy.opening.tests.hallkit import PDF, PROJECT_CODE, T0, make_staff, publish
from ggzy.sealing import envelope, kit, receipts, shamir, suites
from ggzy.sealing import testing as pki
from ggzy.trading.models import Bid, BidderKey
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_n = itertools.count(1)
PASSWORD = "pw-1234567890"


def _org(kind: str, name: str) -> Any:
    from ggzy.accounts import services
    from ggzy.core.codes import make_credit_code

    code = make_credit_code(f"91640400MC{next(_n):07d}")
    return services.organisation_create(actor=None, kind=kind, name=name, credit_code=code)


def _user(role: str, org: Any) -> Any:
    from ggzy.accounts import services

    return services.user_create(
        actor=None,
        username=f"{role}-sm-{next(_n)}",
        password=PASSWORD,
        organisation=org,
        display_name=f"{role}用户",
        roles=[role],
    )


def _page_as(browser: Any, base: str, user: Any, **ctx: Any) -> Any:
    c = Client()
    c.force_login(user)
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **ctx)
    context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(30000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _sm_section(clock: FixedClock, staff: dict[str, Any]) -> tuple[Any, shamir.EscrowKit]:
    """A published construction section with backup decryption (2 of 3) and an SM2 escrow key."""
    from ggzy.publishing import services as publishing
    from ggzy.trading import services

    notice = publishing.notice_create(
        actor=staff["editor"],
        title="示范市国密改造工程施工招标公告",
        kind="tender",
        domain="construction",
        project_code=PROJECT_CODE,
        project_name="示范市国密改造工程",
        bid_deadline=dt.datetime(2026, 12, 31, 1, 30, tzinfo=dt.UTC),
    )
    notice = publish(staff, notice)
    tenderer_org = _org("tenderer", "示范市数据局")
    tenderer = _user("tenderer", tenderer_org)
    project = services.project_create(
        actor=tenderer,
        tenderer=tenderer_org,
        name="示范市国密改造工程",
        domain="construction",
        procedure="open_tendering",
        code=PROJECT_CODE,
        clock=clock,
    )
    tp = services.tender_project_create(actor=tenderer, project=project, name="施工招标", clock=clock)
    section = services.section_create(actor=tenderer, tender_project=tp, name="施工一标段", clock=clock)
    deadline = clock.now() + dt.timedelta(days=20)
    section = services.section_update(
        actor=tenderer,
        section=section,
        name="施工一标段",
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price", "duration"],
        allows_backup_decryption=True,
        backup_k=2,
        backup_n=3,
        clock=clock,
    )
    services.tender_file_upload(
        actor=tenderer, section=section, name="招标文件.pdf", content=io.BytesIO(PDF), clock=clock
    )
    section = services.section_link_tender_notice(actor=tenderer, section=section, notice=notice, clock=clock)
    section = services.section_publish(actor=tenderer, section=section, clock=clock)
    escrow = shamir.generate_escrow(k=2, n=3, suite="sm")
    services.section_escrow_key_set(
        actor=staff["system_admin"],
        section=section,
        public_key_pem=escrow.public_key_pem,
        threshold_k=2,
        custodians_n=3,
        clock=clock,
    )
    return section, escrow


def test_sm_section_sealed_in_the_browser_opened_and_read_out(
    browser: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any
) -> None:
    from ggzy.accounts import services as accounts
    from ggzy.trading import services as trading

    clock = FixedClock(T0)
    monkeypatch.setattr(common, "clock", clock)
    monkeypatch.setattr(opening_views, "clock", clock)
    # An sm deployment: the platform signs receipts with its SM2 key (created on first use in this
    # test's own key folder, next to where the intl key would be).
    settings.GGZY_CRYPTO_SUITE = "sm"
    settings.GGZY_PLATFORM_KEY_PATH = tmp_path / "keys" / "platform-key.pem"
    settings.GGZY_TRADING = {"bid_chunk_max_bytes": 16384}  # several upload chunks
    base = live_server.url
    staff = make_staff()
    section, escrow = _sm_section(clock, staff)

    # An SM2 CA the platform trusts; each bidder binds an SM2 signing certificate.
    ca = pki.make_ca("示范国密CA根证书", key_type="sm2")
    accounts.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]), name="示范国密CA", clock=clock)
    bidders = []
    for i in range(3):
        org = _org("bidder", f"示范国密建设第{i + 1}工程有限公司")
        user = _user("bidder", org)
        cert, cert_key = pki.make_leaf(*ca, org_name=org.name, credit_code=org.credit_code, key_type="sm2")
        accounts.certificate_bind(actor=user, organisation=org, data=pki.cert_pem(cert), clock=clock)
        bidders.append((org, user, cert, cert_key))

    # ---------------------------------------------------------------- bidder 1 seals in the browser
    org1, user1, cert1, cert_key1 = bidders[0]
    bid_url = f"{base}/trading/sections/{section.pk}/bid/"
    p1 = _page_as(browser, base, user1, viewport={"width": 1280, "height": 900})
    p1.goto(bid_url)
    expect(p1.locator("#key-status")).to_contain_text("还没有投标密钥")
    with p1.expect_download() as dl:
        p1.locator("#key-generate").click()  # no backup password: the hall reads the plain file
    backup = tmp_path / "sm-backup.pem"
    dl.value.save_as(backup)
    expect(p1.locator("#key-status")).to_contain_text("国密 SM2 投标密钥已就绪")
    key_row = BidderKey.objects.get(organisation=org1)
    assert key_row.suite == "sm"
    backup_key = kit.load_private_key(backup.read_bytes())
    assert (
        isinstance(backup_key, suites.SM2PrivateKey) and envelope.key_id(backup_key.public) == key_row.key_id
    )
    # IndexedDB holds only the public half of an SM2 key
    stored = p1.evaluate(
        """() => new Promise((resolve) => {
          const req = indexedDB.open("ggzy-bid-keys", 1);
          req.onsuccess = () => {
            const get = req.result.transaction("keys").objectStore("keys").get("bidder:" + JSON.parse(
              document.getElementById("bid-config").textContent).bidder);
            get.onsuccess = () => resolve(Object.keys(get.result).sort());
          };
        })"""
    )
    assert stored == ["keyId", "publicKey", "publicPem", "suite"]

    payload1 = b"%PDF-1.7 sm bid of bidder one " * 2000
    bid_file = tmp_path / "投标文件-国密.pdf"
    bid_file.write_bytes(payload1)
    signing = tmp_path / "sm2-cert-key.pem"
    signing.write_bytes(pki.key_pem(cert_key1, b"cert-pw"))  # PBES2, SM4-CBC
    p1.get_by_label("投标文件", exact=True).set_input_files(str(bid_file))
    p1.get_by_label("投标报价（元）").fill("8880000.00")
    p1.get_by_label("工期/服务期（日历天）").fill("300")
    p1.get_by_label("签名证书私钥文件").set_input_files(str(signing))
    p1.get_by_label("私钥密码（如有）").fill("cert-pw")
    p1.locator("#bid-submit").click()
    expect(p1.locator("#receipt-status")).to_contain_text("回执验证通过", timeout=90000)
    bid1 = Bid.objects.get(organisation=org1)
    assert bid1.suite == "sm" and bid1.header["suite"] == "sm" and bid1.backup_decryption
    assert bid1.bidder_key == key_row
    # the receipt is the platform's SM2 signature, and verifies offline too
    assert bid1.receipt["receipt"]["suite"] == "sm"
    platform = platform_signing_key()
    assert isinstance(platform, suites.SMSigningKey)
    assert (tmp_path / "keys" / "platform-key-sm2.pem").exists()
    assert not (tmp_path / "keys" / "platform-key.pem").exists()  # no intl key was made
    assert receipts.verify_receipt(platform.public_pem(), bid1.receipt).sequence == bid1.receipt_sequence
    assert bid1.envelope_sha256 in p1.locator("#receipt-json").inner_text()
    # the stored envelope verifies against the SM2 certificate and opens with the browser's backup key
    with default_storage.open(bid1.envelope.path, "rb") as fh:
        env1 = fh.read()
    header1 = envelope.read_header(io.BytesIO(env1))
    ck1 = envelope.unwrap_content_key(header1, backup_key)
    assert len(ck1) == 16
    out = io.BytesIO()
    opened = envelope.open_envelope(io.BytesIO(env1), out, content_key=ck1, signer=pki.cert_pem(cert1))
    assert out.getvalue() == payload1 and opened.summary == {"price": "8880000.00", "duration": "300"}
    # and the escrow (2 of 3 custodians' shares) unwraps the same key
    assert envelope.unwrap_content_key(header1, shamir.combine_private_key(list(escrow.shares[:2]))) == ck1
    # a reload: the listed version's receipt verifies again in the browser
    p1.reload()
    card = p1.locator(f"#bid-{bid1.pk}")
    card.locator(".js-verify-receipt").click()
    expect(card.locator(".verify-result")).to_contain_text("回执验证通过")

    # ---------------------------------------------------------------- bidders 2 and 3: the kit (sm)
    kit_keys = {}
    for i, (org, user, _cert, cert_key) in enumerate(bidders[1:], start=2):
        key = kit.generate_key(suite="sm")
        trading.bidder_key_register(actor=user, public_key_pem=key.public_pem, clock=clock)
        sealed = io.BytesIO()
        envelope.seal(
            io.BytesIO(b"%%PDF-1.4 kit bid %d" % i),
            sealed,
            section=section.code,
            bidder=org.credit_code,
            summary={"price": f"{9000000 + i * 1111}.00", "duration": "320"},
            file_name="投标文件.pdf",
            bidder_public_key=key.public_pem,
            escrow_public_key=escrow.public_key_pem,
            signing_key=cert_key,
            created_at=T0,
        )
        sealed.seek(0)
        trading.bid_submit_file(actor=user, section=section, src=sealed, clock=clock)
        kit_keys[i] = key

    # ---------------------------------------------------------------- the opening
    clock.at = section.bid_deadline
    trading.sections_close_due(clock=clock)
    section.refresh_from_db()
    host = staff["editor"]
    opening.opening_session_open(actor=host, section=section, clock=clock)
    hall_url = f"{base}/opening/{section.code}/"
    user2 = bidders[1][1]
    p2 = _page_as(
        browser, base, user2, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    for p in (p1, p2):
        p.goto(hall_url)
        p.locator("#check-in").click()
        p.wait_for_selector("text=已签到")
    session = OpeningSession.objects.get(section=section)
    opening.opening_decryption_start(actor=host, session=session, clock=clock)
    # bidder 1: the backup file of the key generated in its browser; bidder 2: the kit's SM2 key file
    key2 = tmp_path / "kit-sm2.pem"
    key2.write_bytes(kit_keys[2].private_pem)
    for p, key_file in ((p1, backup), (p2, key2)):
        p.goto(hall_url)
        p.locator("#key-file").set_input_files(str(key_file))
        p.locator("#decrypt-btn").click()
        p.wait_for_selector("#decrypt-status:has-text('解密成功')")
    # the content key the browser posted was the 16-byte SM4 key (32 hex digits)
    assert Bid.objects.get(pk=bid1.pk).opened.method == "bidder"
    bid3 = Bid.objects.get(organisation=bidders[2][0])
    with default_storage.open(bid3.envelope.path, "rb") as fh:
        ck3 = envelope.unwrap_content_key(
            envelope.read_header(fh), kit.load_private_key(kit_keys[3].private_pem)
        )
    opening.content_key_submit(actor=bidders[2][1], bid=bid3, content_key=ck3, clock=clock)
    session.refresh_from_db()
    opening.opening_window_end(actor=host, session=session, clock=clock)
    session.refresh_from_db()
    opening.opening_readout_start(actor=host, session=session, clock=clock)

    # the price is read out: the public (read-only) hall shows all three
    public = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    public.goto(hall_url)
    readout = public.locator("#readout").inner_text()
    for price in ("8880000.00", "9002222.00", "9003333.00"):
        assert price in readout
    assert re.search(r"示范国密建设第1工程有限公司", readout)
    for p in (p1, p2):
        assert not p.errors, p.errors  # type: ignore[attr-defined]
        p.context.close()
    public.context.close()
