"""An agency with an SM2 (国密) certificate signs the tender file in a real browser.

trading-sign.js hands the chosen file, key and certificate to GgzyCertSigner (cert-signer.js, shared
with agency notice signing), which signs SM2 certificates with SM2/SM3 and the default user id
through sealing.js over the vendored sm-crypto-v2. The server verifies the detached signature with
``certs.verify_signature`` and the certificate chain, exactly as for a signature made with
``openssl dgst -sm3 -sigopt distid:1234567812345678 -sign``, and the file list names SM2 / SM3. A key
that is not the certificate's, a key that is not SM2, unreadable files and a wrong password each get
a Chinese reason in the page; an expired or revoked certificate gets the server's reason, and
nothing is stored."""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.accounts import services as accounts_services
from ggzy.core.clock import FixedClock, system_clock
from ggzy.publishing.services.agency import agency_mandate_grant
from ggzy.sealing import certs, suites
from ggzy.sealing import testing as pki
from ggzy.trading.models import TenderFile
from ggzy.trading.tests.conftest import PDF, PROJECT_CODE, Parties
from ggzy.trading.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"  # the make_user default
KEY_PASSWORD = "招标文件-sm2-口令"


@dataclass
class Sm2Agency:
    section: Any
    ca_cert: Any
    ca_key: Any
    cert: Any
    key: Any


@pytest.fixture
def sm2(parties: Parties, build: Any, monkeypatch: pytest.MonkeyPatch) -> Sm2Agency:
    """A draft section whose tenderer mandated the agency; the agency's SM2 certificate, issued by
    an SM2 root of the center's trust store, is bound to it. The live server runs on the real clock."""
    monkeypatch.setattr(common, "clock", system_clock)
    section = build("draft")
    agency_mandate_grant(
        actor=parties.tenderer, tenderer=parties.tenderer_org, agency=parties.agency_org,
        project_code=PROJECT_CODE, project_name="教学楼工程", valid_from=dt.date(2026, 1, 1),
    )  # fmt: skip
    now = system_clock.now()
    ca, ca_key = pki.make_ca("测试SM2根CA", key_type="sm2")
    leaf, key = pki.make_leaf(
        ca, ca_key, org_name=parties.agency_org.name, credit_code=parties.agency_org.credit_code,
        key_type="sm2", not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=365),
    )  # fmt: skip
    accounts_services.trusted_root_import(actor=parties.admin, data=pki.cert_pem(ca), name="测试SM2根CA")
    accounts_services.certificate_bind(
        actor=parties.agency, organisation=parties.agency_org, data=pki.cert_pem(leaf)
    )
    return Sm2Agency(section, ca, ca_key, leaf, key)


def open_section(page: Any, base: str, section: Any) -> None:
    next_url = f"/manage/trading/sections/{section.pk}/"
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill("a-user")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_url)))
    expect(page.locator("#upload-form-sign-button")).to_be_visible()


def sign_in_browser(page: Any, tender_file: Path, key: Path, cert: Path | None, password: str = "") -> str:
    """Pick the tender file, key and certificate, click 在浏览器中签名, and return the status text
    once the page has answered."""
    page.locator("#id_upload-file").set_input_files(str(tender_file))
    page.locator("#upload-form-sign-key").set_input_files(str(key))
    page.locator("#upload-form-sign-cert").set_input_files(str(cert) if cert else [])
    page.locator("#upload-form-sign-password").fill(password)
    # Clear the previous answer, so the wait below sees this click's answer and not the last one.
    page.locator("#upload-form-sign-status").evaluate("node => { node.textContent = ''; }")
    page.locator("#upload-form-sign-button").click()
    status = page.locator("#upload-form-sign-status")
    expect(status).to_have_text(re.compile(r"^(已在本机完成签名|签名失败)"))
    return str(status.inner_text())


def hidden_signature(page: Any) -> str:
    return str(page.locator("input[name=upload-signature_b64]").input_value())


def test_sm2_agency_signs_the_tender_file_in_the_browser(
    page: Any, live_server: Any, sm2: Sm2Agency, tmp_path: Path
) -> None:
    key_path, cert_path = tmp_path / "agency-sm2-key.pem", tmp_path / "agency-sm2-cert.pem"
    key_path.write_bytes(pki.key_pem(sm2.key, KEY_PASSWORD.encode()))  # PBES2 + SM4-CBC
    assert key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    cert_path.write_bytes(pki.cert_pem(sm2.cert))
    tender_file = tmp_path / "招标文件.pdf"
    tender_file.write_bytes(PDF + "国密签名的招标文件".encode())
    open_section(page, live_server.url, sm2.section)

    # No password, then a wrong one: the reason, and nothing to upload.
    assert (
        sign_in_browser(page, tender_file, key_path, cert_path)
        == "签名失败：该密钥文件有密码保护：请输入密码"
    )
    wrong = sign_in_browser(page, tender_file, key_path, cert_path, "wrong-口令")
    assert wrong == "签名失败：密钥文件的密码不正确"
    assert hidden_signature(page) == ""

    status = sign_in_browser(page, tender_file, key_path, cert_path, KEY_PASSWORD)
    assert status.startswith("已在本机完成签名（SM2 / SM3，私钥未上传）"), status
    assert page.locator("#upload-form-sign-password").input_value() == ""
    signature = base64.b64decode(hidden_signature(page))
    # The page signed the file's bytes with SM2/SM3 and the default user id, nothing else.
    data = tender_file.read_bytes()
    assert suites.SM_SUITE.verify(sm2.key.public, data, signature)
    assert not suites.SM_SUITE.verify(sm2.key.public, data, signature, signer_id=b"ALICE123@YAHOO.COM")
    certificate_pem = page.locator("input[name=upload-certificate_pem]").input_value()
    assert certs.load_certificate(certificate_pem.encode()) == sm2.cert

    page.locator("#btn-upload").click()
    expect(page.locator(".messages")).to_contain_text("招标文件第1版已上传")
    tf = TenderFile.objects.get(section=sm2.section)
    assert tf.is_signed and bytes(tf.signature) == signature
    assert tf.certificate_fingerprint == certs.fingerprint(sm2.cert)
    assert tf.key_type == "sm2"
    certs.verify_signature(sm2.cert, data, bytes(tf.signature))
    expect(page.locator(f"#file-{tf.pk}-algorithm")).to_have_text("SM2 / SM3")
    assert f"证书 {certs.serial_hex(sm2.cert)}" in page.locator(f"#file-{tf.pk}").inner_text()

    # The same bytes the command line makes: openssl (where it has SM2) verifies the stored signature.
    if not pki.openssl_sm2_problem():
        openssl = shutil.which("openssl")
        assert openssl is not None
        pub, sig = tmp_path / "pub.pem", tmp_path / "file.sig"
        pub.write_bytes(pki.public_pem(sm2.key))
        sig.write_bytes(bytes(tf.signature))
        result = subprocess.run(
            [openssl, "dgst", *certs.openssl_dgst_options("sm2").split(), "-verify", str(pub),
             "-signature", str(sig), str(tender_file)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0 and "Verified OK" in result.stdout, result.stderr


def test_sm2_browser_signing_refuses_wrong_keys_and_unreadable_files(
    page: Any, live_server: Any, sm2: Sm2Agency, tmp_path: Path
) -> None:
    now = system_clock.now()
    p256_cert, p256_key = pki.make_leaf(
        sm2.ca_cert, sm2.ca_key, org_name="示范招标代理有限公司", credit_code="91640400MA76000001",
        not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30),
    )  # fmt: skip
    other_sm2 = pki.make_key("sm2")
    files = {
        "cert.pem": pki.cert_pem(sm2.cert),
        "p256-cert.pem": pki.cert_pem(p256_cert),
        "cert-garbage.pem": b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "other-sm2.pem": pki.key_pem(other_sm2),  # an SM2 key, but not this certificate's
        "sec1.pem": pki.key_traditional_pem(other_sm2),  # SEC1 "EC PRIVATE KEY", other key
        "p256.pem": pki.key_pem(p256_key),  # not an SM2 key at all
        "garbage.pem": b"this is not a key\n",
        "right.pem": pki.key_pem(sm2.key),
        "招标文件.pdf": PDF + b"tender file",
        "another.pdf": PDF + b"another tender file",
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    tender_file, cert = tmp_path / "招标文件.pdf", tmp_path / "cert.pem"
    open_section(page, live_server.url, sm2.section)

    wrong = "签名失败：私钥与证书不匹配：所选私钥不是该证书的私钥，请选择与证书配对的私钥文件"
    assert sign_in_browser(page, tender_file, tmp_path / "other-sm2.pem", cert) == wrong
    assert sign_in_browser(page, tender_file, tmp_path / "sec1.pem", cert) == wrong
    assert "所选私钥不是 SM2（国密）私钥" in sign_in_browser(page, tender_file, tmp_path / "p256.pem", cert)
    garbage = sign_in_browser(page, tender_file, tmp_path / "garbage.pem", cert)
    assert garbage.startswith("签名失败：无法读取私钥文件"), garbage
    unreadable_cert = sign_in_browser(
        page, tender_file, tmp_path / "right.pem", tmp_path / "cert-garbage.pem"
    )
    assert unreadable_cert.startswith("签名失败：无法读取证书文件"), unreadable_cert
    assert "SM2（国密）私钥须同时选择对应的证书文件" in sign_in_browser(
        page, tender_file, tmp_path / "right.pem", None
    )
    mixed = sign_in_browser(page, tender_file, tmp_path / "right.pem", tmp_path / "p256-cert.pem")
    assert "所选私钥是 SM2（国密）私钥，而所选证书不是 SM2 证书" in mixed, mixed
    assert hidden_signature(page) == ""

    # A good signature is dropped as soon as another file is chosen: it would not be that file's.
    ok = sign_in_browser(page, tender_file, tmp_path / "right.pem", cert)
    assert ok.startswith("已在本机完成签名（SM2 / SM3"), ok
    assert hidden_signature(page) != ""
    page.locator("#id_upload-file").set_input_files(str(tmp_path / "another.pdf"))
    assert hidden_signature(page) == ""
    assert page.locator("input[name=upload-certificate_pem]").input_value() == ""

    # Past the page's check (fields filled by hand): the server refuses another key's signature.
    forged = base64.b64encode(
        suites.SM_SUITE.sign(other_sm2, (tmp_path / "another.pdf").read_bytes())
    ).decode()
    page.evaluate(
        """([pem, sig]) => {
          document.querySelector("input[name=upload-certificate_pem]").value = pem;
          document.querySelector("input[name=upload-signature_b64]").value = sig;
        }""",
        [pki.cert_pem(sm2.cert).decode(), forged],
    )
    page.locator("#btn-upload").click()
    expect(page.locator("#action-error")).to_contain_text("签名验证失败")
    assert not TenderFile.objects.filter(section=sm2.section).exists()


def test_expired_and_revoked_sm2_certificates_are_refused_with_the_servers_reason(
    page: Any, live_server: Any, parties: Parties, sm2: Sm2Agency, tmp_path: Path
) -> None:
    # An expired SM2 certificate of the same agency: bound while it was valid, expired yesterday.
    now = dt.datetime.now(tz=dt.UTC)
    expired, expired_key = pki.make_leaf(
        sm2.ca_cert, sm2.ca_key, org_name=parties.agency_org.name, credit_code=parties.agency_org.credit_code,
        key_type="sm2", not_before=now - dt.timedelta(days=40), not_after=now - dt.timedelta(days=1),
    )  # fmt: skip
    accounts_services.certificate_bind(
        actor=parties.agency,
        organisation=parties.agency_org,
        data=pki.cert_pem(expired),
        clock=FixedClock(now - dt.timedelta(days=10)),
    )
    (tmp_path / "expired-key.pem").write_bytes(pki.key_pem(expired_key))
    (tmp_path / "expired-cert.pem").write_bytes(pki.cert_pem(expired))
    (tmp_path / "key.pem").write_bytes(pki.key_pem(sm2.key))
    (tmp_path / "cert.pem").write_bytes(pki.cert_pem(sm2.cert))
    tender_file = tmp_path / "招标文件.pdf"
    tender_file.write_bytes(PDF + b"certificate status")
    open_section(page, live_server.url, sm2.section)

    # The page signs (the key is the certificate's); the server refuses the expired certificate.
    status = sign_in_browser(page, tender_file, tmp_path / "expired-key.pem", tmp_path / "expired-cert.pem")
    assert status.startswith("已在本机完成签名（SM2 / SM3"), status
    page.locator("#btn-upload").click()
    expect(page.locator("#action-error")).to_contain_text("已过期")

    # The CA revokes the agency's current certificate; the center uploads the SM2-signed CRL.
    crl = pki.make_crl(
        sm2.ca_cert, sm2.ca_key, [sm2.cert.serial_number], this_update=now - dt.timedelta(days=1)
    )
    accounts_services.revocation_list_upload(
        actor=parties.admin, data=pki.crl_der(crl), clock=FixedClock(now)
    )
    status = sign_in_browser(page, tender_file, tmp_path / "key.pem", tmp_path / "cert.pem")
    assert status.startswith("已在本机完成签名（SM2 / SM3"), status
    page.locator("#btn-upload").click()
    expect(page.locator("#action-error")).to_contain_text("吊销")
    assert f"序列号 {certs.serial_hex(sm2.cert)}" in page.locator("#action-error").inner_text()
    assert not TenderFile.objects.filter(section=sm2.section).exists()
