"""In a real browser: a tenderer creates a project, a tender project and a section (codes shown),
sets the times and readout, uploads the tender file, links the tender notice and publishes; a
bidder on a phone-sized screen finds the section and downloads the file without any sign-up; the
tenderer cannot see the download before the deadline, and sees it once the clock passes it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.clock import SHANGHAI, FixedClock, system_clock
from ggzy.trading.models import DownloadRecord, Section, TenderFile
from ggzy.trading.tests.conftest import PDF, PROJECT_CODE, Parties
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"


def login(page: Any, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url)))


def test_tenderer_publishes_bidder_downloads_on_a_phone(
    page: Any,
    browser: Any,
    live_server: Any,
    parties: Parties,
    tender_notice: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = live_server.url
    monkeypatch.setattr(common, "clock", system_clock)
    deadline = (
        (system_clock.now() + dt.timedelta(days=20))
        .astimezone(SHANGHAI)
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )

    # the tenderer: project → tender project → section, codes shown on the way
    login(page, base, "t-user", "/manage/trading/")
    page.get_by_label("项目编号（投资项目代码）").fill(PROJECT_CODE)
    page.get_by_label("项目名称").fill("示范市第一中学教学楼新建工程")
    page.get_by_label("交易类别").select_option("construction")
    page.get_by_label("招标/采购方式").select_option("open_tendering")
    page.get_by_label("项目预算（元）").fill("12000000")
    page.locator("#btn-project-create").click()
    assert page.locator("#project-code").inner_text() == PROJECT_CODE
    page.locator("#tp-form").get_by_label("招标项目名称").fill("施工招标")
    page.locator("#btn-tp-create").click()
    assert page.locator(".tp-code").first.inner_text() == PROJECT_CODE + "001"
    create = page.locator("form.section-create").first
    create.get_by_label("标段(包)名称").fill("施工一标段")
    create.get_by_label("最高投标限价（元）").fill("11500000")
    create.get_by_role("button", name="新增标段(包)").click()
    assert page.locator("#section-code").inner_text() == PROJECT_CODE + "001001"

    # a bad deadline first: the Chinese reason shows on the form
    form = page.locator("#update-form")
    form.get_by_label("投标截止时间").fill("2020-01-01T09:00")
    form.get_by_label("开标时间").fill("2020-01-01T09:00")
    form.locator("#btn-update").click()
    assert "必须晚于当前时间" in page.locator("#action-error").inner_text()
    assert "须晚于当前时间" in page.locator("#update-form").inner_text()
    form = page.locator("#update-form")
    form.get_by_label("投标截止时间").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("开标时间").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("工期/服务期（日历天）").check()
    form.get_by_label("项目经理").check()
    form.locator("#btn-update").click()
    assert page.locator("#bid-deadline").inner_text() == deadline.strftime("%Y-%m-%d %H:%M")
    assert "投标报价（元）、工期/服务期（日历天）、项目经理" in page.locator("#section-facts").inner_text()

    tender_file = tmp_path / "招标文件.pdf"
    tender_file.write_bytes(PDF + b"browser")
    page.locator("#id_upload-file").set_input_files(str(tender_file))
    page.locator("#btn-upload").click()
    assert "招标文件第1版已上传" in page.locator(".messages").inner_text()
    page.locator("#id_link-notice").select_option(str(tender_notice.pk))
    page.locator("#btn-link").click()
    page.locator("#btn-publish").click()
    assert page.locator("#section-status").inner_text() == "已发布（投标中）"
    section = Section.objects.get()
    assert section.code == PROJECT_CODE + "001001"

    # a bidder on a phone: list → section → login → download, no sign-up step
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, accept_downloads=True)
    bidder_page = phone.new_page()
    bidder_page.set_default_timeout(15000)
    bidder_page.goto(f"{base}/trading/")
    bidder_page.get_by_role("link", name="施工一标段").click()
    bidder_page.locator("#login-hint a").click()
    bidder_page.get_by_label("用户名").fill("b-user")
    bidder_page.get_by_label("密码").fill(PASSWORD)
    bidder_page.get_by_role("button", name="登录").click()
    bidder_page.wait_for_url(re.compile(rf"/trading/sections/{section.pk}/"))
    assert bidder_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    tf = TenderFile.objects.get(section=section)
    with bidder_page.expect_download() as info:
        bidder_page.locator(f"#download-{tf.pk}").click()
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(str(saved))
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == tf.sha256
    assert DownloadRecord.objects.get().organisation == parties.bidder_org
    phone.close()

    # the tenderer cannot learn who or how many downloaded before the deadline …
    page.reload()
    hidden = page.locator("#downloads").inner_text()
    assert "任何人不得查看" in hidden and "示范建设工程有限公司" not in hidden
    # … and can once the server clock passes it
    monkeypatch.setattr(common, "clock", FixedClock(section.bid_deadline))
    page.reload()
    assert page.locator("#download-count").inner_text() == "共 1 家投标人下载 1 次"
    assert "示范建设工程有限公司" in page.locator("#download-table").inner_text()


def test_mandated_agency_signs_the_tender_file_in_the_browser(
    page: Any, live_server: Any, parties: Parties, build: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agency with a mandate uploads the tender file signed with its bound certificate; the
    key is used by WebCrypto in the page and the server verifies the signature."""
    from ggzy.accounts import services as accounts_services
    from ggzy.publishing.services.agency import agency_mandate_grant
    from ggzy.sealing import certs, testing

    base = live_server.url
    monkeypatch.setattr(common, "clock", system_clock)
    section = build("draft")
    agency_mandate_grant(
        actor=parties.tenderer, tenderer=parties.tenderer_org, agency=parties.agency_org,
        project_code=PROJECT_CODE, project_name="教学楼工程", valid_from=dt.date(2026, 1, 1),
    )  # fmt: skip
    ca, ca_key = testing.make_ca("测试CA")
    now = system_clock.now()
    leaf, key = testing.make_leaf(
        ca, ca_key, org_name="示范招标代理有限公司", credit_code=parties.agency_org.credit_code,
        not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=365),
    )  # fmt: skip
    accounts_services.trusted_root_import(actor=parties.admin, data=testing.cert_pem(ca), name="测试CA")
    accounts_services.certificate_bind(
        actor=parties.agency, organisation=parties.agency_org, data=testing.cert_pem(leaf)
    )
    (tmp_path / "key.pem").write_bytes(testing.key_pem(key))
    (tmp_path / "cert.pem").write_bytes(testing.cert_pem(leaf))
    tender_file = tmp_path / "招标文件.pdf"
    tender_file.write_bytes(PDF + b"signed in the browser")

    login(page, base, "a-user", f"/manage/trading/sections/{section.pk}/")
    page.locator("#id_upload-file").set_input_files(str(tender_file))
    page.locator("#upload-form-sign-key").set_input_files(str(tmp_path / "key.pem"))
    page.locator("#upload-form-sign-cert").set_input_files(str(tmp_path / "cert.pem"))
    page.locator("#upload-form-sign-button").click()
    page.wait_for_selector("#upload-form-sign-status.alert-success:has-text('已在本机完成签名')")
    page.locator("#btn-upload").click()
    assert "招标文件第1版已上传" in page.locator(".messages").inner_text()
    tf = TenderFile.objects.get(section=section)
    assert tf.is_signed and tf.publisher == parties.agency_org
    assert tf.certificate_fingerprint == certs.fingerprint(leaf)
    certs.verify_signature(leaf, tender_file.read_bytes(), bytes(tf.signature))
    assert "已签名" in page.locator(f"#file-{tf.pk}").inner_text()
