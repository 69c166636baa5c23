"""Issue 3's "done when" for agencies, in a real browser: the agency drafts a notice that fails a
rule, signs it in the browser with its key file (WebCrypto; the key never leaves the page) and
submits; the refusal lists the finding with its legal basis; the agency fixes the notice, signs
again and sees it published at once (publish_then_patrol) — and the public page says the
signature verified. In the second case (approve_first) center staff approve it first."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.compliance import services as compliance_services
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.publishing.models import Notice
from ggzy.publishing.tests.agency_support import NOW, PROJECT, Agency, make_agency
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"  # the make_user default
START = dt.datetime.now(tz=SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


def local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def ag(make_org: Any, make_user: Any) -> Agency:
    return make_agency(make_org, make_user, FixedClock(NOW))


@pytest.fixture
def key_files(ag: Agency, tmp_path: Path) -> tuple[str, str]:
    key = tmp_path / "agency-key.pem"
    key.write_bytes(ag.key_pem)
    cert = tmp_path / "agency-cert.pem"
    cert.write_bytes(pki.cert_pem(ag.cert))
    return str(key), str(cert)


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def fill_notice(page: Any, title: str, deadline_days: int) -> None:
    page.get_by_label("公告类型").select_option("tender")
    page.get_by_label("交易类别").select_option("construction")
    page.get_by_label("招标/采购方式").select_option("open_tendering")
    page.get_by_label("标题").fill(title)
    page.get_by_label("项目编号").fill(PROJECT)
    page.get_by_label("项目名称").fill("示范市滨河路改造工程")
    page.get_by_label("预算金额（元）").fill("12000000")
    page.get_by_label("最高限价（元）").fill("11500000")
    set_deadline(page, deadline_days)
    page.get_by_label("正文").fill("<p>本项目已具备招标条件，现对该项目的施工进行公开招标。</p>")


def set_deadline(page: Any, days: int) -> None:
    page.get_by_label("招标(采购)文件发售开始").fill(local(START))
    page.get_by_label("招标(采购)文件发售截止").fill(local(START + dt.timedelta(days=6)))
    page.get_by_label("投标截止时间").fill(local(START + dt.timedelta(days=days)))
    page.get_by_label("开标时间").fill(local(START + dt.timedelta(days=days)))


def sign_and_submit(page: Any, key_files: tuple[str, str]) -> None:
    page.locator("#sign-key").set_input_files(key_files[0])
    page.locator("#sign-cert").set_input_files(key_files[1])
    page.locator("#btn-sign-browser").click()
    status = page.locator("#sign-status")
    status.filter(has_text="已在本机完成签名").wait_for()
    page.locator("#btn-submit").click()
    page.wait_for_load_state()


def draft_failing_then_fix(
    page: Any, base: str, ag: Agency, key_files: tuple[str, str], title: str
) -> Notice:
    login(page, base, ag.publisher.username)
    page.locator("#nav-agency-notices").click()
    page.locator("#link-agency-notice-new").click()
    fill_notice(page, title, deadline_days=10)  # 10 days: breaks the 20-day rule
    page.locator("#btn-save").click()
    page.wait_for_url(re.compile(r"/manage/agency/notices/\d+/$"))
    finding = page.locator("#findings li[data-rule='tender_period']")
    assert "依据：《中华人民共和国招标投标法》第二十四条" in finding.inner_text()

    # signing does not get a failing notice through: the refusal lists the finding
    sign_and_submit(page, key_files)
    error = page.locator("#action-error").inner_text()
    assert "合规检查未通过" in error
    assert "招标投标法" in error
    assert page.locator("#notice-status").inner_text() == "草稿"

    # fix it, sign again
    page.locator("#link-edit").click()
    set_deadline(page, 21)
    page.locator("#btn-save").click()
    page.wait_for_url(re.compile(r"/manage/agency/notices/\d+/$"))
    expect(page.locator("#compliance-ok")).to_be_visible()
    sign_and_submit(page, key_files)
    assert page.locator("#action-error").count() == 0, page.locator("#action-error").inner_text()
    return Notice.objects.get(title=title)


def test_agency_fixes_a_finding_signs_in_the_browser_and_publishes(
    page: Any, live_server: Any, ag: Agency, key_files: tuple[str, str]
) -> None:
    base = live_server.url
    notice = draft_failing_then_fix(page, base, ag, key_files, "滨河路改造工程施工招标公告")
    assert "公告已发布" in page.locator(".messages").inner_text()
    assert page.locator("#notice-status").inner_text() == "已发布"
    notice.refresh_from_db()
    assert notice.status == "published"

    page.locator("#link-public").click()
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    verified = page.locator("#signature-verified").inner_text()
    assert verified == f"签名验证通过：{ag.agency.name}，证书序列号 {certs.serial_hex(ag.cert)}"
    with page.expect_download() as info:
        page.locator("#dl-signature").click()
    signature = Path(info.value.path()).read_bytes()
    with page.expect_download() as info:
        page.locator("#dl-signed-bytes").click()
    signed = Path(info.value.path()).read_bytes()
    certs.verify_signature(ag.cert, signed, signature)  # the browser's signature, as published


def test_approve_first_notice_is_approved_by_center_staff(
    page: Any, live_server: Any, ag: Agency, key_files: tuple[str, str], staff: dict[str, Any]
) -> None:
    compliance_services.publication_policy_set(
        actor=ag.admin, kind="tender", domain="construction", mode="approve_first"
    )
    base = live_server.url
    title = "滨河路改造工程监理招标公告"
    notice = draft_failing_then_fix(page, base, ag, key_files, title)
    assert "已提交交易中心审核" in page.locator(".messages").inner_text()
    assert page.locator("#in-review").is_visible()
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        login(page, base, staff[role].username)
        page.get_by_role("link", name=title).first.click()
        page.wait_for_url(re.compile(r"/manage/notice/\d+/"))
        page.locator("#btn-approve").click()
        page.wait_for_load_state()
        assert page.locator(".messages .alert-success").count() == 1
    notice.refresh_from_db()
    assert notice.status == "published"
    login(page, base, ag.publisher.username)
    page.goto(f"{base}/manage/agency/notices/{notice.pk}/")
    assert page.locator("#notice-status").inner_text() == "已发布"
