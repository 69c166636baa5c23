"""The agency pages and the admin upload forms through Django's test client: refusals render the
reason (never a 500) and store nothing."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.accounts import agreements, selectors, services
from ggzy.accounts.models import Certificate, Organisation, Pledge, RevocationList, TrustedRoot, User
from ggzy.conftest import credit_code
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ca() -> Any:
    return pki.make_ca("示范CA")


@pytest.fixture
def root(ca: Any) -> TrustedRoot:
    return services.trusted_root_import(actor=None, data=pki.cert_pem(ca[0]))


@pytest.fixture
def agency(make_org: Any) -> Organisation:
    return make_org("agency", "某招标代理公司")


@pytest.fixture
def publisher(make_user: Any, agency: Organisation) -> User:
    return make_user("agency_publisher", org=agency)


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(response: Any) -> str:
    return response.content.decode()


def test_register_page_and_refusals() -> None:
    c = Client()
    assert c.get("/accounts/agency/register/").status_code == 200
    data = {
        "name": "某代理公司",
        "credit_code": "91110000802100433A",
        "display_name": "王经理",
        "username": "ag1",
        "password": "Agency-pass-2026",
        "password2": "Agency-pass-2026",
        "agree": "on",
    }
    r = c.post("/accounts/agency/register/", data)
    assert r.status_code == 400 and "校验位" in text(r)
    r = c.post("/accounts/agency/register/", {**data, "credit_code": credit_code(), "password2": "other"})
    assert r.status_code == 400 and "两次输入的密码不一致" in text(r)
    r = c.post("/accounts/agency/register/", {**data, "credit_code": credit_code(), "agree": ""})
    assert r.status_code == 400
    r = c.post(
        "/accounts/agency/register/",
        {**data, "credit_code": credit_code(), "password": "1234567890123", "password2": "1234567890123"},
    )
    assert r.status_code == 400 and "密码不符合要求" in text(r)
    assert Organisation.objects.count() == 0 and User.objects.count() == 0
    r = c.post("/accounts/agency/register/", {**data, "credit_code": credit_code()})
    assert r.status_code == 302 and r["Location"] == "/accounts/agency/"
    page = c.get("/accounts/agency/")
    assert "待交易中心审核" in text(page) and 'id="nav-agency-certs"' in text(page)


def test_agreement_text_is_public() -> None:
    r = Client().get("/accounts/agreements/ideology-pledge/")
    assert r.status_code == 200 and "网络意识形态安全承诺书" in text(r)
    assert agreements.current("ideology-pledge").sha256 in text(r)  # type: ignore[union-attr]
    assert Client().get("/accounts/agreements/nothing/").status_code == 404


def test_agency_pages_need_agency_publisher(make_user: Any) -> None:
    assert Client().get("/accounts/agency/").status_code == 302  # to login
    staff = make_user("editor")
    r = client_for(staff).get("/accounts/agency/")
    assert r.status_code == 403 and "代理机构信息发布员" in text(r)


def test_bind_through_page(root: TrustedRoot, ca: Any, agency: Organisation, publisher: User) -> None:
    c = client_for(publisher)
    cert, _ = pki.make_leaf(*ca, org_name=agency.name, credit_code=agency.credit_code)
    for body, expected in [
        (b"garbage", "无法读取证书"),
        (
            pki.cert_pem(
                pki.make_leaf(*pki.make_ca("陌生CA"), org_name=agency.name, credit_code=agency.credit_code)[0]
            ),
            "受信任",
        ),
        (b"x" * (65 * 1024), "过大"),
    ]:
        r = c.post("/accounts/agency/certificates/", {"file": SimpleUploadedFile("c.cer", body)})
        assert r.status_code == 400 and expected in text(r), expected
    r = c.post("/accounts/agency/certificates/", {})
    assert r.status_code == 400
    assert Certificate.objects.count() == 0
    r = c.post(
        "/accounts/agency/certificates/",
        {"file": SimpleUploadedFile("c.pem", pki.cert_pem(cert))},
        follow=True,
    )
    assert "证书已绑定" in text(r) and certs.serial_hex(cert) in text(r)
    row = Certificate.objects.get()
    r = c.post(f"/accounts/agency/certificates/{row.pk}/unbind/", follow=True)
    assert "已解绑" in text(r)
    assert c.post("/accounts/agency/certificates/999999/unbind/").status_code == 404


def test_pledge_page_post(root: TrustedRoot, ca: Any, agency: Organisation, publisher: User) -> None:
    c = client_for(publisher)
    r = c.get("/accounts/agency/agreements/ideology-pledge/")
    assert 'id="no-usable-certificate"' in text(r)
    assert c.get("/accounts/agency/agreements/nothing/").status_code == 404
    cert, key = pki.make_leaf(*ca, org_name=agency.name, credit_code=agency.credit_code, key_type="rsa")
    row = services.certificate_bind(actor=publisher, organisation=agency, data=pki.cert_pem(cert))
    r = c.get("/accounts/agency/agreements/ideology-pledge/")
    assert r.status_code == 200 and "nonce=" in text(r)  # the script tag carries the CSP nonce
    canonical_b64 = re.search(r'name="canonical" value="([^"]+)"', text(r)).group(1)  # type: ignore[union-attr]
    canonical = base64.b64decode(canonical_b64)
    assert agency.credit_code.encode() in canonical
    # No signature (JavaScript off), garbage base64, wrong certificate: refused with a reason.
    for data, expected in [
        ({"canonical": canonical_b64, "signature": "", "certificate": row.pk}, "没有收到签名"),
        ({"canonical": "!!!", "signature": "!!!", "certificate": row.pk}, "没有收到签名"),
        ({"canonical": canonical_b64, "signature": "AAAA", "certificate": "x"}, "请选择"),
        ({"canonical": canonical_b64, "signature": "AAAA", "certificate": row.pk}, "签名验证失败"),
    ]:
        r = c.post("/accounts/agency/agreements/ideology-pledge/", data)
        assert r.status_code == 400 and expected in text(r), expected
    assert Pledge.objects.count() == 0
    signature = certs.sign_bytes(pki.key_pem(key), canonical)
    r = c.post(
        "/accounts/agency/agreements/ideology-pledge/",
        {
            "canonical": canonical_b64,
            "signature": base64.b64encode(signature).decode(),
            "certificate": row.pk,
        },
        follow=True,
    )
    assert "签名已验证" in text(r)
    assert Pledge.objects.count() == 1
    assert selectors.pledge_count(selectors.local_year(Pledge.objects.get().signed_at)) == 1
    r = c.get("/accounts/agency/agreements/ideology-pledge/")
    assert 'id="pledge-existing"' in text(r) and 'id="pledge-form"' not in text(r)


# ---------------------------------------------------------------- admin


@pytest.fixture
def admin_client(center: Any) -> Client:
    from ggzy.accounts.services import user_create

    user = user_create(actor=None, username="root", password="x" * 12, organisation=center, is_superuser=True)
    return client_for(user)


def test_admin_import_root_and_crl(admin_client: Client, ca: Any) -> None:
    r = admin_client.get("/admin/accounts/trustedroot/add/")
    assert r.status_code == 200 and 'enctype="multipart/form-data"' in text(r)
    r = admin_client.post(
        "/admin/accounts/trustedroot/add/", {"file": SimpleUploadedFile("x.pem", b"junk"), "kind": "root"}
    )
    assert r.status_code == 400 and "无法读取证书" in text(r)
    r = admin_client.post(
        "/admin/accounts/trustedroot/add/",
        {"file": SimpleUploadedFile("ca.pem", pki.cert_pem(ca[0])), "name": "示范CA", "kind": "root"},
    )
    assert r.status_code == 302
    assert TrustedRoot.objects.get().name == "示范CA"
    assert admin_client.get("/admin/accounts/trustedroot/").status_code == 200
    r = admin_client.post(
        "/admin/accounts/revocationlist/add/", {"file": SimpleUploadedFile("x.crl", b"junk")}
    )
    assert r.status_code == 400 and "吊销列表" in text(r)
    other = pki.make_ca("别的CA")
    r = admin_client.post(
        "/admin/accounts/revocationlist/add/",
        {"file": SimpleUploadedFile("x.crl", pki.crl_der(pki.make_crl(*other, [1])))},
    )
    assert r.status_code == 400 and "不在信任列表中" in text(r)
    r = admin_client.post(
        "/admin/accounts/revocationlist/add/",
        {"file": SimpleUploadedFile("x.crl", pki.crl_pem(pki.make_crl(*ca, [1, 2])))},
    )
    assert r.status_code == 302
    assert RevocationList.objects.get().revoked_count == 2
    for url in ("/admin/accounts/revocationlist/", "/admin/accounts/certificate/", "/admin/accounts/pledge/"):
        assert admin_client.get(url).status_code == 200


def test_admin_approves_agency(admin_client: Client) -> None:
    user = services.agency_register(
        name="待审代理公司",
        credit_code=credit_code(),
        username="pending",
        password="Agency-pass-2026",
        display_name="李",
    )
    org = user.organisation
    assert org is not None and not org.is_active
    r = admin_client.post(
        "/admin/accounts/organisation/", {"action": "approve", "_selected_action": [org.pk]}
    )
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.is_active


def test_bench_certificates_shape() -> None:
    from ggzy.accounts.bench import bench_certificates

    result = bench_certificates(3, crl_size=10)
    assert set(result) >= {"rsa2048", "p256"}
    assert result["p256"]["ms_per_verification_mean"] > 0


def test_registration_is_limited_per_address() -> None:
    from django.core.cache import cache

    from ggzy.accounts import throttle

    cache.clear()
    c = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(throttle.MAX_REGISTRATIONS_PER_ADDRESS):
        throttle.record_registration("203.0.113.9")
    data = {
        "name": "限流代理公司",
        "credit_code": credit_code(),
        "display_name": "王",
        "username": "limited",
        "password": "Agency-pass-2026",
        "password2": "Agency-pass-2026",
        "agree": "on",
    }
    r = c.post("/accounts/agency/register/", data)
    assert r.status_code == 429 and "注册次数过多" in text(r)
    assert not Organisation.objects.exists()
    assert Client(REMOTE_ADDR="203.0.113.10").post("/accounts/agency/register/", data).status_code == 302
    cache.clear()
