"""The agency pages through Django's test client: drafting, the compliance panel, the canonical
download, submission with uploaded certificate and signature, refusals shown on the page, and the
tenderer's mandate page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from ggzy.compliance import services as compliance_services
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.publishing import selectors
from ggzy.publishing.models import AgencyMandate, Notice, NoticeSignature
from ggzy.publishing.tests.agency_support import NOW, PROJECT, Agency, make_agency
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db

# Real time drives the views: dates relative to today keep the notice compliant whenever it runs.
TODAY = dt.datetime.now(tz=SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0)


def local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def form_data(**overrides: Any) -> dict[str, Any]:
    start = TODAY + dt.timedelta(days=1)
    data = {
        "kind": "tender",
        "domain": "construction",
        "procedure": "open_tendering",
        "title": "示范市滨河路改造工程施工招标公告",
        "project_code": PROJECT,
        "project_name": "示范市滨河路改造工程",
        "section_code": "S1",
        "section_name": "施工标段",
        "tenderer_name": "",
        "budget": "12,000,000",
        "price_cap": "11500000",
        "file_issue_start": local(start),
        "file_issue_end": local(start + dt.timedelta(days=6)),
        "bid_deadline": local(start + dt.timedelta(days=21)),
        "opening_at": local(start + dt.timedelta(days=21)),
        "body_html": "<p>现对该项目的施工进行公开招标。</p>",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ag(make_org: Any, make_user: Any) -> Agency:
    return make_agency(make_org, make_user, FixedClock(NOW))


@pytest.fixture
def agency_client(ag: Agency) -> Client:
    client = Client()
    client.force_login(ag.publisher)
    return client


def create(client: Client, **overrides: Any) -> Notice:
    response = client.post(reverse("publishing:agency_notice_create"), form_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Notice.objects.latest("pk")


def test_pages_are_for_agency_publishers(ag: Agency, agency_client: Client) -> None:
    assert agency_client.get(reverse("publishing:agency_notices")).status_code == 200
    other = Client()
    other.force_login(ag.tenderer_user)
    response = other.get(reverse("publishing:agency_notices"))
    assert response.status_code == 403
    assert "仅供代理机构" in response.content.decode()
    assert other.get(reverse("publishing:agency_mandates")).status_code == 200


def test_draft_shows_every_finding_with_its_legal_basis(ag: Agency, agency_client: Client) -> None:
    start = TODAY + dt.timedelta(days=1)
    notice = create(
        agency_client,
        bid_deadline=local(start + dt.timedelta(days=10)),
        opening_at=local(start + dt.timedelta(days=10)),
        body_html="<p>投标人须提供原厂授权书。</p>",
    )
    page = agency_client.get(reverse("publishing:agency_notice", args=[notice.pk])).content.decode()
    assert 'data-rule="tender_period"' in page
    assert 'data-rule="restricted_terms"' in page
    assert "依据：《中华人民共和国招标投标法》第二十四条" in page
    assert "1 项错误、1 项提示" in page
    # the canonical bytes download is exactly what the server verifies
    response = agency_client.get(reverse("publishing:agency_notice_canonical", args=[notice.pk]))
    assert response.content == selectors.notice_canonical_bytes(notice)
    assert f'filename="notice-{notice.pk}.json"' in response["Content-Disposition"]


def submit(client: Client, notice: Notice, cert: bytes, signature: bytes, **extra: Any) -> Any:
    return client.post(
        reverse("publishing:agency_notice_submit", args=[notice.pk]),
        {
            "certificate_file": SimpleUploadedFile("cert.pem", cert),
            "signature_file": SimpleUploadedFile("notice.sig", signature),
            **extra,
        },
    )


def test_submit_with_uploaded_signature_publishes(ag: Agency, agency_client: Client) -> None:
    notice = create(agency_client)
    response = submit(agency_client, notice, pki.cert_pem(ag.cert), ag.sign(notice))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "published"
    page = agency_client.get(response["Location"]).content.decode()
    assert "公告已发布" in page
    assert certs.serial_hex(ag.cert) in page


def test_refusals_are_shown_on_the_page_and_store_nothing(ag: Agency, agency_client: Client) -> None:
    notice = create(agency_client)
    wrong = certs.sign_bytes(ag.key_pem, b"other bytes")
    response = submit(agency_client, notice, pki.cert_pem(ag.cert), wrong)
    assert response.status_code == 400
    assert "签名验证失败" in response.content.decode()
    response = agency_client.post(reverse("publishing:agency_notice_submit", args=[notice.pk]), {})
    assert response.status_code == 400
    assert "请在浏览器中签名，或上传签名文件" in response.content.decode()
    response = submit(agency_client, notice, b"garbage", ag.sign(notice))
    assert response.status_code == 400
    assert "无法读取证书" in response.content.decode()
    assert NoticeSignature.objects.count() == 0
    notice.refresh_from_db()
    assert notice.status == "draft"


def test_project_not_mandated_is_refused_on_the_form(agency_client: Client) -> None:
    response = agency_client.post(reverse("publishing:agency_notice_create"), form_data(project_code="X-1"))
    assert response.status_code == 403
    assert "没有项目 X-1 的有效代理委托" in response.content.decode()
    assert Notice.objects.count() == 0


@override_settings(GGZY_UPLOAD_MAX_BYTES=1024)
def test_oversized_attachment_is_refused_on_the_form(agency_client: Client) -> None:
    data = form_data(attachments=SimpleUploadedFile("招标文件.pdf", b"%PDF-1.4" + b"0" * 4096))
    response = agency_client.post(reverse("publishing:agency_notice_create"), data)
    assert response.status_code == 400
    assert "超过上限" in response.content.decode()
    assert Notice.objects.count() == 0


def test_approve_first_notice_appears_in_the_center_review_queue(
    ag: Agency, agency_client: Client, staff: dict[str, Any]
) -> None:
    compliance_services.publication_policy_set(
        actor=ag.admin, kind="tender", domain="construction", mode="approve_first"
    )
    notice = create(agency_client)
    response = submit(agency_client, notice, pki.cert_pem(ag.cert), ag.sign(notice))
    assert response.status_code == 302
    page = agency_client.get(response["Location"]).content.decode()
    assert "已提交交易中心审核" in page
    reviewer = Client()
    reviewer.force_login(staff["first_reviewer"])
    assert notice.title in reviewer.get(reverse("publishing:workbench")).content.decode()


def test_tenderer_grants_and_revokes_a_mandate(ag: Agency) -> None:
    client = Client()
    client.force_login(ag.tenderer_user)
    response = client.post(
        reverse("publishing:agency_mandates"),
        {
            "agency": ag.agency.pk,
            "project_code": "E6404000009",
            "project_name": "示范市第二小学改扩建工程",
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    mandate = AgencyMandate.objects.get(project_code="E6404000009")
    assert mandate.tenderer == ag.tenderer
    response = client.post(reverse("publishing:agency_mandate_revoke", args=[mandate.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写撤销原因" in response.content.decode()
    response = client.post(
        reverse("publishing:agency_mandate_revoke", args=[mandate.pk]), {"reason": "合同终止"}
    )
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    # a bad form is answered in Chinese, not with a 500
    response = client.post(reverse("publishing:agency_mandates"), {"agency": "abc", "valid_from": "x"})
    assert response.status_code == 400
    assert "请选择代理机构" in response.content.decode()


def test_signature_partial_for_the_center_item_page(ag: Agency, agency_client: Client) -> None:
    from django.template.loader import render_to_string

    notice = create(agency_client)
    assert "代理机构签名" not in render_to_string("publishing/_agency_signature.html", {"item": notice})
    submit(agency_client, notice, pki.cert_pem(ag.cert), ag.sign(notice))
    html = render_to_string("publishing/_agency_signature.html", {"item": notice})
    assert f"签名验证通过：{ag.agency.name}，证书序列号 {certs.serial_hex(ag.cert)}" in html
