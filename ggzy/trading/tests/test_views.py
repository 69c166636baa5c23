"""The trading pages through the Django test client: forms with Chinese errors, 404 on bad ids,
no 500 on garbage, downloads recorded and streamed, and the download list hidden until the
deadline."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.trading.models import DownloadRecord, Project, Section, TenderFile
from ggzy.trading.tests.conftest import PDF, PROJECT_CODE, Parties
from ggzy.trading.views import common

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _views_clock(tclock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    monkeypatch.setattr(common, "clock", tclock)
    return tclock


def _as(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_project_create_page_shows_generated_code(client: Client, parties: Parties) -> None:
    _as(client, parties.tenderer)
    page = client.get("/manage/trading/")
    assert page.status_code == 200 and "新建项目" in page.content.decode()
    response = client.post(
        "/manage/trading/",
        {
            "tenderer": parties.tenderer_org.pk,
            "industry": "A08",
            "name": "道路工程",
            "domain": "construction",
            "procedure": "open_tendering",
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302 and project.code == "A086404002606010001"
    assert project.code in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"name": "", "domain": "construction", "procedure": "open_tendering", "industry": "A08"},
            "请填写项目名称",
        ),
        (
            {"name": "x", "domain": "moon", "procedure": "open_tendering", "industry": "A08"},
            "请选择有效的交易类别",
        ),
        (
            {"name": "x", "domain": "construction", "procedure": "open_tendering", "code": "PRJ-1"},
            "格式不正确",
        ),
        ({"name": "x", "domain": "construction", "procedure": "open_tendering", "industry": ""}, "行业代码"),
        (
            {
                "name": "x",
                "domain": "construction",
                "procedure": "open_tendering",
                "industry": "A08",
                "budget": "abc",
            },
            "金额应为",
        ),
    ],
)
def test_project_form_errors_in_chinese(client: Client, parties: Parties, data: dict, message: str) -> None:
    _as(client, parties.tenderer)
    response = client.post("/manage/trading/", {"tenderer": parties.tenderer_org.pk, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Project.objects.exists()


def test_tenderer_cannot_pick_another_tenderer(client: Client, parties: Parties) -> None:
    _as(client, parties.tenderer)
    other_org = parties.other_tenderer.organisation
    response = client.post(
        "/manage/trading/",
        {
            "tenderer": other_org.pk,
            "industry": "A08",
            "name": "x",
            "domain": "construction",
            "procedure": "open_tendering",
        },
    )
    assert response.status_code == 400 and "请选择有效的招标人/采购人" in response.content.decode()


def test_tender_project_and_section_create_show_codes(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("draft")
    project = section.project
    _as(client, parties.tenderer)
    r = client.post(f"/manage/trading/projects/{project.pk}/", {"form": "tp", "tp-name": "监理招标"})
    assert r.status_code == 302
    tp = project.tender_projects.get(code=PROJECT_CODE + "002")
    r = client.post(
        f"/manage/trading/projects/{project.pk}/",
        {
            "form": "section",
            "tender_project": tp.pk,
            f"s{tp.pk}-name": "监理一标段",
            f"s{tp.pk}-price_cap": "1,200,000.50",
        },
    )
    new = Section.objects.get(tender_project=tp)
    assert r.status_code == 302 and new.code == PROJECT_CODE + "002001" and str(new.price_cap) == "1200000.50"
    page = client.get(f"/manage/trading/projects/{project.pk}/").content.decode()
    assert PROJECT_CODE + "001001" in page and PROJECT_CODE + "002001" in page
    r = client.post(f"/manage/trading/projects/{project.pk}/", {"form": "section", "tender_project": "abc"})
    assert r.status_code == 404
    r = client.post(f"/manage/trading/projects/{project.pk}/", {"form": "tp", "tp-name": ""})
    assert r.status_code == 400 and "请填写招标项目名称" in r.content.decode()


def test_bad_ids_are_404_pages(client: Client, parties: Parties, build: Callable[..., Any]) -> None:
    section = build("published")
    _as(client, parties.tenderer)
    for url in [
        "/manage/trading/projects/999999/",
        "/manage/trading/sections/999999/",
        f"/manage/trading/sections/{section.pk}/files/999999/",
        "/trading/sections/999999/",
        "/trading/files/999999/download/",
    ]:
        assert client.get(url).status_code in (404, 403), url
    assert client.post(f"/manage/trading/sections/{section.pk}/explode/").status_code == 404
    assert client.get("/manage/trading/sections/abc/").status_code == 404


def test_other_tenderer_gets_404_not_the_section(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("draft")
    _as(client, parties.other_tenderer)
    assert client.get(f"/manage/trading/sections/{section.pk}/").status_code == 404
    assert (
        client.post(f"/manage/trading/sections/{section.pk}/update/", {"update-name": "x"}).status_code == 404
    )


def test_bidder_and_public_kept_out_of_manage(client: Client, parties: Parties) -> None:
    assert client.get("/manage/trading/").status_code == 302  # to the login page
    _as(client, parties.bidder)
    response = client.get("/manage/trading/")
    assert response.status_code == 403 and "没有该职责" in response.content.decode()


def test_section_update_errors_on_the_form(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("draft")
    _as(client, parties.tenderer)
    url = f"/manage/trading/sections/{section.pk}/update/"
    base = {"update-name": "一标段", "update-decryption_minutes": "30", "update-summary_keys": ["price"]}
    r = client.post(
        url, {**base, "update-bid_deadline": "2026-05-01T09:00", "update-opening_at": "2026-05-01T09:00"}
    )
    assert r.status_code == 400 and "必须晚于当前时间" in r.content.decode()
    r = client.post(url, {**base, "update-bid_deadline": "not a date"})
    assert r.status_code == 400 and "请输入正确的日期时间" in r.content.decode()
    r = client.post(url, {**base, "update-evaluation_params": "[1, 2"})
    assert r.status_code == 400 and "不是有效的 JSON" in r.content.decode()
    r = client.post(url, {**base, "update-summary_keys": ["duration"]})
    assert r.status_code == 400 and "必须包含：投标报价" in r.content.decode()
    r = client.post(url, {**base, "update-decryption_minutes": "-5"})
    assert r.status_code == 400 and "解密时限至少1分钟" in r.content.decode()
    r = client.post(
        url,
        {
            **base,
            "update-bid_deadline": "2026-06-25T09:30",
            "update-opening_at": "2026-06-25T09:30",
            "update-summary_keys": ["price", "project_manager"],
        },
    )
    assert r.status_code == 302
    section.refresh_from_db()
    assert section.bid_deadline == dt.datetime(2026, 6, 25, 1, 30, tzinfo=dt.UTC)  # 09:30 Beijing time


def test_upload_bad_files_through_the_page(
    client: Client, parties: Parties, build: Callable[..., Any], settings: Any
) -> None:
    section = build("draft")
    _as(client, parties.tenderer)
    url = f"/manage/trading/sections/{section.pk}/upload/"
    r = client.post(url, {"upload-file": SimpleUploadedFile("a.pdf", b"")})
    assert r.status_code == 400 and "空文件" in r.content.decode()
    r = client.post(url, {"upload-file": SimpleUploadedFile("a.exe", b"MZ\x90\x00rest")})
    assert r.status_code == 400 and "类型不允许" in r.content.decode()
    r = client.post(url, {"upload-file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00rest")})
    assert r.status_code == 400 and "内容与扩展名" in r.content.decode()
    settings.GGZY_UPLOAD_MAX_BYTES = 100
    r = client.post(url, {"upload-file": SimpleUploadedFile("a.pdf", PDF + b"x" * 200)})
    assert r.status_code == 400 and "超过上限" in r.content.decode()
    r = client.post(url, {})
    assert r.status_code == 400 and "请选择要上传的文件" in r.content.decode()
    r = client.post(
        url,
        {
            "upload-file": SimpleUploadedFile("a.pdf", PDF),
            "upload-signature": SimpleUploadedFile("s.der", b"x" * 20000),
        },
    )
    assert r.status_code == 400 and "不超过16KB" in r.content.decode()
    assert not TenderFile.objects.exists()
    settings.GGZY_UPLOAD_MAX_BYTES = 1024 * 1024
    r = client.post(url, {"upload-file": SimpleUploadedFile("招标文件.pdf", PDF)})
    assert r.status_code == 302 and TenderFile.objects.get().name == "招标文件.pdf"


def test_publish_without_prerequisites_shows_reason(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("draft")
    _as(client, parties.tenderer)
    r = client.post(f"/manage/trading/sections/{section.pk}/publish/")
    assert r.status_code == 400 and "发布前请先" in r.content.decode()


def test_link_and_publish_through_the_page(
    client: Client, parties: Parties, build: Callable[..., Any], tender_notice: Any
) -> None:
    section = build("draft")
    _as(client, parties.tenderer)
    client.post(
        f"/manage/trading/sections/{section.pk}/update/",
        {
            "update-name": "一标段",
            "update-decryption_minutes": "30",
            "update-summary_keys": ["price"],
            "update-bid_deadline": "2026-06-25T09:30",
            "update-opening_at": "2026-06-25T09:30",
        },
    )
    client.post(
        f"/manage/trading/sections/{section.pk}/upload/",
        {"upload-file": SimpleUploadedFile("招标文件.pdf", PDF)},
    )
    r = client.post(f"/manage/trading/sections/{section.pk}/link/", {"link-notice": "999999"})
    assert r.status_code == 400 and "请选择有效的招标公告" in r.content.decode()
    assert (
        client.post(
            f"/manage/trading/sections/{section.pk}/link/", {"link-notice": tender_notice.pk}
        ).status_code
        == 302
    )
    assert client.post(f"/manage/trading/sections/{section.pk}/publish/").status_code == 302
    section.refresh_from_db()
    assert section.status == "published" and section.tender_notice == tender_notice


def test_clarification_page_demands_a_new_deadline(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("published", deadline_days=10)
    _as(client, parties.tenderer)
    url = f"/manage/trading/sections/{section.pk}/clarify/"
    r = client.post(
        url, {"clarify-file": SimpleUploadedFile("澄清.pdf", PDF + b"c"), "clarify-affects_bids": "on"}
    )
    body = r.content.decode()
    # published 2026-06-01 10:00 Beijing time → earliest deadline 2026-06-16 10:00
    assert r.status_code == 400 and "不足15日" in body and "2026-06-16 10:00" in body
    r = client.post(
        url,
        {
            "clarify-file": SimpleUploadedFile("澄清.pdf", PDF + b"c"),
            "clarify-affects_bids": "on",
            "clarify-new_deadline": "2026-06-16T10:00",
        },
    )
    assert r.status_code == 302
    section.refresh_from_db()
    assert section.bid_deadline == dt.datetime(2026, 6, 16, 2, 0, tzinfo=dt.UTC)


def test_bidder_pages_and_recorded_download(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("published")
    draft = Section.objects.create(
        tender_project=section.tender_project,
        code=section.code[:-3] + "002",
        name="未发布标段",
        created_by=parties.tenderer,
        created_at=section.created_at,
    )
    listing = client.get("/trading/").content.decode()
    assert section.name in listing and "未发布标段" not in listing
    assert client.get(f"/trading/sections/{draft.pk}/").status_code == 404
    page = client.get(f"/trading/sections/{section.pk}/").content.decode()
    assert "以投标人身份登录" in page
    tf = TenderFile.objects.get(section=section)
    assert client.get(f"/trading/files/{tf.pk}/download/").status_code == 302  # login first
    _as(client, parties.tenderer)
    r = client.get(f"/trading/files/{tf.pk}/download/")
    assert r.status_code == 403 and "投标人" in r.content.decode()
    _as(client, parties.bidder)
    r = client.get(f"/trading/files/{tf.pk}/download/")
    body = b"".join(r.streaming_content)
    assert r.status_code == 200 and hashlib.sha256(body).hexdigest() == tf.sha256 == r["X-Content-SHA256"]
    assert DownloadRecord.objects.get().organisation == parties.bidder_org


def test_manage_page_hides_downloads_until_deadline(
    client: Client, parties: Parties, build: Callable[..., Any], tclock: FixedClock
) -> None:
    section = build("published")
    tf = TenderFile.objects.get(section=section)
    _as(client, parties.bidder).get(f"/trading/files/{tf.pk}/download/")
    for user in (parties.tenderer, parties.admin):
        page = _as(client, user).get(f"/manage/trading/sections/{section.pk}/").content.decode()
        assert (
            "任何人不得查看" in page and "示范建设工程有限公司" not in page and "download-count" not in page
        )
    tclock.at = section.bid_deadline
    page = _as(client, parties.tenderer).get(f"/manage/trading/sections/{section.pk}/").content.decode()
    assert "共 1 家投标人下载 1 次" in page and "示范建设工程有限公司" in page
    # the manager's own copy is not a bidder download
    r = client.get(f"/manage/trading/sections/{section.pk}/files/{tf.pk}/")
    assert r.status_code == 200 and DownloadRecord.objects.count() == 1


def test_huge_and_garbage_ids_are_404_not_500(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("published")
    huge = "9" * 30
    assert client.get(f"/trading/sections/{huge}/").status_code == 404
    _as(client, parties.tenderer)
    assert client.get(f"/manage/trading/sections/{huge}/").status_code == 404
    assert client.get(f"/manage/trading/projects/{huge}/").status_code == 404
    assert client.get(f"/manage/trading/sections/{section.pk}/files/{huge}/").status_code == 404
    r = client.post(f"/manage/trading/sections/{section.pk}/link/", {"link-notice": huge})
    assert r.status_code in (400, 409)
    project = section.project
    assert (
        client.post(
            f"/manage/trading/projects/{project.pk}/", {"form": "section", "tender_project": huge}
        ).status_code
        == 404
    )
    r = client.post(
        "/manage/trading/", {"tenderer": huge, "agency": huge, "name": "x", "domain": "construction"}
    )
    assert r.status_code == 400 and "请选择有效的招标人/采购人" in r.content.decode()
    _as(client, parties.bidder)
    assert client.get(f"/trading/files/{huge}/download/").status_code == 404


def test_browser_signature_fields_are_checked(
    client: Client, parties: Parties, build: Callable[..., Any]
) -> None:
    section = build("draft")
    _as(client, parties.tenderer)
    url = f"/manage/trading/sections/{section.pk}/upload/"
    r = client.post(
        url, {"upload-file": SimpleUploadedFile("a.pdf", PDF), "upload-signature_b64": "not base64!"}
    )
    assert r.status_code == 400 and "浏览器签名的格式不正确" in r.content.decode()
    r = client.post(
        url,
        {
            "upload-file": SimpleUploadedFile("a.pdf", PDF),
            "upload-signature_b64": "AAAA",
            "upload-certificate_pem": "garbage",
        },
    )
    assert r.status_code == 400 and "证书" in r.content.decode()
    assert not TenderFile.objects.exists()


def test_deadline_terminate_and_close_through_the_page(
    client: Client, parties: Parties, build: Callable[..., Any], tclock: FixedClock
) -> None:
    section = build("published")
    _as(client, parties.tenderer)
    base = f"/manage/trading/sections/{section.pk}"
    r = client.post(f"{base}/deadline/", {"deadline-new_deadline": "2026-06-30T09:00"})
    assert r.status_code == 400 and "请填写变更原因" in r.content.decode()
    r = client.post(
        f"{base}/deadline/", {"deadline-new_deadline": "2026-06-30T09:00", "deadline-reason": "补充踏勘"}
    )
    assert r.status_code == 302
    page = client.get(f"{base}/").content.decode()
    assert "2026-06-30 09:00" in page and "补充踏勘" in page
    r = client.post(f"{base}/close/")
    assert r.status_code == 400 and "未到" in r.content.decode()
    r = client.post(f"{base}/terminate/", {"terminate-reason": ""})
    assert r.status_code == 400 and "请填写终止原因" in r.content.decode()
    tclock.at = dt.datetime(2026, 6, 30, 1, 0, tzinfo=dt.UTC)
    assert client.post(f"{base}/close/").status_code == 302
    section.refresh_from_db()
    assert section.status == "bidding_closed"
    r = client.post(f"{base}/terminate/", {"terminate-reason": "晚了"})
    assert r.status_code == 400 and "不能终止招标" in r.content.decode()
