"""An agency with an SM2 (国密) certificate, in a real browser.

Method 1 on the signing page signs SM2 in the browser (agency-sign.js → sealing.js over the vendored
sm-crypto-v2, user id 1234567812345678): the agency picks its SM2 key file (encrypted PKCS#8 with
its password) and certificate, the page signs the canonical bytes the server rebuilds, the server
verifies with its SM2 verifier and the certificate chain, and the public page names SM2 / SM3 and
offers files that verify with openssl. A key that is not the certificate's, an unreadable file, a
revoked or an expired certificate each get a Chinese reason and nothing is published. Method 2
(download the bytes, `ggzy sign-notice`, upload the .sig) still works for SM2 too."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ggzy.accounts import services as accounts_services
from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.publishing import selectors, services
from ggzy.publishing.models import Notice, NoticeSignature
from ggzy.publishing.tests.agency_support import NOW, Agency, make_agency, tender_fields
from ggzy.sealing import certs, suites
from ggzy.sealing import testing as pki

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"  # the make_user default
KEY_PASSWORD = "agency-sm2-口令"
OPENSSL_PROBLEM = pki.openssl_sm2_problem()
START = dt.datetime.now(tz=SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


@pytest.fixture
def ag(make_org: Any, make_user: Any) -> Agency:
    # Root and agency key are SM2 keys generated here, the certificates written by the test PKI.
    return make_agency(make_org, make_user, FixedClock(NOW), key_type="sm2", ca_key_type="sm2")


def new_notice(ag: Agency, title: str) -> Notice:
    return services.agency_notice_create(
        actor=ag.publisher,
        **tender_fields(
            title=title,
            file_issue_start=START,
            file_issue_end=START + dt.timedelta(days=6),
            bid_deadline=START + dt.timedelta(days=21),
            opening_at=START + dt.timedelta(days=21),
        ),
    )


def open_signing_page(page: Any, base: str, ag: Agency, notice: Notice) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(ag.publisher.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))
    page.goto(f"{base}/manage/agency/notices/{notice.pk}/")
    expect(page.locator("#sign-help")).to_contain_text("SM2（国密）")


def sign_in_browser(page: Any, key: Path, cert: Path | None, password: str = "") -> str:
    """Pick the files, click 在浏览器中签名, and return the status text once the page has answered."""
    page.locator("#sign-key").set_input_files(str(key))
    page.locator("#sign-cert").set_input_files(str(cert) if cert else [])
    page.locator("#sign-password").fill(password)
    # Clear the previous answer, so the wait below sees this click's answer and not the last one.
    page.locator("#sign-status").evaluate("node => { node.textContent = ''; }")
    page.locator("#btn-sign-browser").click()
    status = page.locator("#sign-status")
    expect(status).to_have_text(re.compile(r"^(已在本机完成签名|签名失败)"))
    return str(status.inner_text())


def hidden_signature(page: Any) -> str:
    return str(page.locator("input[name=signature_b64]").input_value())


def verify_public_page(page: Any, ag: Agency, notice: Notice, cert: Any, tmp_path: Path) -> bytes:
    """On the public page of a published notice: verified, SM2 / SM3, the SM2 openssl command; the
    three downloads verify with our verifier and — where openssl is installed — with openssl
    running exactly the command the page prints. Returns the downloaded signature."""
    page.locator("#link-public").click()
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    expect(page.locator("#signature-verified")).to_have_text(
        f"签名验证通过：{ag.agency.name}，证书序列号 {certs.serial_hex(cert)}"
    )
    assert page.locator("#signature-algorithm").inner_text() == "签名算法：SM2 / SM3"
    assert "SM2 / SM3" in page.locator("#dl-signature").inner_text()
    command = page.locator("#verify-command").inner_text()
    assert command.startswith("openssl dgst -sm3 -sigopt distid:1234567812345678 -verify pub.pem")
    downloads = {}
    for link in ("#dl-signature", "#dl-signed-bytes", "#dl-certificate"):
        with page.expect_download() as info:
            page.locator(link).click()
        downloads[link] = Path(info.value.path()).read_bytes()
    assert downloads["#dl-signed-bytes"] == selectors.notice_canonical_bytes(notice)
    published_cert = certs.load_certificate(downloads["#dl-certificate"])
    assert published_cert == cert
    certs.verify_signature(published_cert, downloads["#dl-signed-bytes"], downloads["#dl-signature"])
    openssl = shutil.which("openssl")
    if openssl is not None:
        files = {name: tmp_path / f"dl{i}" for i, name in enumerate(downloads)}
        for name, path in files.items():
            path.write_bytes(downloads[name])
        pub = subprocess.run(
            [openssl, "x509", "-in", str(files["#dl-certificate"]), "-pubkey", "-noout"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        (tmp_path / "pub.pem").write_bytes(pub)
        args = command.replace("pub.pem", str(tmp_path / "pub.pem"))
        args = args.replace(f"notice-{notice.pk}.sig", str(files["#dl-signature"]))
        args = args.replace(f"notice-{notice.pk}.json", str(files["#dl-signed-bytes"]))
        result = subprocess.run(
            [openssl, *args.split()[1:]], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0 and "Verified OK" in result.stdout, result.stderr
    return downloads["#dl-signature"]


def test_sm2_agency_signs_in_the_browser_and_the_public_page_verifies(
    page: Any, live_server: Any, ag: Agency, tmp_path: Path
) -> None:
    notice = new_notice(ag, "滨河路改造工程施工招标公告（浏览器国密签名）")
    key_path, cert_path = tmp_path / "agency-sm2-key.pem", tmp_path / "agency-sm2-cert.pem"
    key_path.write_bytes(pki.key_pem(ag.key, KEY_PASSWORD.encode()))  # PBES2 + SM4-CBC
    assert key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    cert_path.write_bytes(pki.cert_pem(ag.cert))
    open_signing_page(page, live_server.url, ag, notice)

    # No password, then a wrong one: the reason, and nothing to submit.
    assert sign_in_browser(page, key_path, cert_path) == "签名失败：该密钥文件有密码保护：请输入密码"
    assert sign_in_browser(page, key_path, cert_path, "wrong-口令") == "签名失败：密钥文件的密码不正确"
    assert hidden_signature(page) == ""

    status = sign_in_browser(page, key_path, cert_path, KEY_PASSWORD)
    assert status.startswith("已在本机完成签名（SM2 / SM3，私钥未上传）"), status
    assert page.locator("#sign-password").input_value() == ""
    signature = base64.b64decode(hidden_signature(page))
    # What the page signed is the server's canonical form, with SM2/SM3 and the default id.
    canonical = selectors.notice_canonical_bytes(notice)
    assert suites.SM_SUITE.verify(ag.key.public, canonical, signature)
    assert not suites.SM_SUITE.verify(ag.key.public, canonical, signature, signer_id=b"ALICE123@YAHOO.COM")
    assert (
        certs.load_certificate(page.locator("input[name=certificate_pem]").input_value().encode()) == ag.cert
    )

    page.locator("#btn-submit").click()
    expect(page.locator("#notice-status")).to_have_text("已发布")
    assert page.locator("#action-error").count() == 0
    assert page.locator("#signature-algorithm").inner_text() == "SM2 / SM3"
    stored = NoticeSignature.objects.get(notice=notice)
    assert stored.key_type == "sm2"
    assert bytes(stored.signature) == signature and bytes(stored.canonical) == canonical

    assert verify_public_page(page, ag, notice, ag.cert, tmp_path) == signature


def test_sm2_browser_signing_refuses_a_wrong_key_and_unreadable_files(
    page: Any, live_server: Any, ag: Agency, tmp_path: Path
) -> None:
    notice = new_notice(ag, "滨河路改造工程施工招标公告（错误私钥）")
    cert_path = tmp_path / "agency-sm2-cert.pem"
    cert_path.write_bytes(pki.cert_pem(ag.cert))
    other_sm2 = pki.make_key("sm2")
    files = {
        "other-sm2.pem": pki.key_pem(other_sm2),  # an SM2 key, but not this certificate's
        "p256.pem": pki.key_pem(pki.make_key("ec")),  # not an SM2 key at all
        "garbage.pem": b"this is not a key\n",
        "sec1.pem": pki.key_traditional_pem(other_sm2),  # SEC1 "EC PRIVATE KEY", other key
        "right.pem": ag.key_pem,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "cert-garbage.pem").write_bytes(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    open_signing_page(page, live_server.url, ag, notice)

    wrong = "签名失败：私钥与证书不匹配：所选私钥不是该证书的私钥，请选择与证书配对的私钥文件"
    assert sign_in_browser(page, tmp_path / "other-sm2.pem", cert_path) == wrong
    assert sign_in_browser(page, tmp_path / "sec1.pem", cert_path) == wrong
    assert "所选私钥不是 SM2（国密）私钥" in sign_in_browser(page, tmp_path / "p256.pem", cert_path)
    assert sign_in_browser(page, tmp_path / "garbage.pem", cert_path).startswith("签名失败：无法读取私钥文件")
    assert sign_in_browser(page, tmp_path / "right.pem", tmp_path / "cert-garbage.pem").startswith(
        "签名失败：无法读取证书文件"
    )
    # An SM2 key alone: the page asks for its certificate (there is no SM2 PKCS#12 here).
    assert "SM2（国密）私钥须同时选择对应的证书文件" in sign_in_browser(page, tmp_path / "right.pem", None)
    assert hidden_signature(page) == ""

    # Past the page's check (fields filled by hand): the server refuses another key's signature.
    canonical = selectors.notice_canonical_bytes(notice)
    forged = base64.b64encode(suites.SM_SUITE.sign(other_sm2, canonical)).decode()
    page.evaluate(
        """([pem, sig]) => {
          document.querySelector("input[name=certificate_pem]").value = pem;
          document.querySelector("input[name=signature_b64]").value = sig;
        }""",
        [pki.cert_pem(ag.cert).decode(), forged],
    )
    page.locator("#btn-submit").click()
    expect(page.locator("#action-error")).to_contain_text("签名验证失败")
    assert "私钥与证书不匹配" in page.locator("#action-error").inner_text()
    assert page.locator("#notice-status").inner_text() == "草稿"
    assert not NoticeSignature.objects.filter(notice=notice).exists()


def test_revoked_and_expired_sm2_certificates_are_refused_with_the_reason(
    page: Any, live_server: Any, ag: Agency, tmp_path: Path
) -> None:
    # An expired SM2 certificate of the same agency: bound while it was valid, expired yesterday
    # (the live server uses the real clock).
    now = dt.datetime.now(tz=dt.UTC)
    expired, expired_key = pki.make_leaf(
        ag.ca_cert,
        ag.ca_key,
        org_name=ag.agency.name,
        credit_code=ag.agency.credit_code,
        key_type="sm2",
        not_before=now - dt.timedelta(days=40),
        not_after=now - dt.timedelta(days=1),
    )
    accounts_services.certificate_bind(
        actor=ag.publisher,
        organisation=ag.agency,
        data=pki.cert_pem(expired),
        clock=FixedClock(now - dt.timedelta(days=10)),
    )
    (tmp_path / "expired-key.pem").write_bytes(pki.key_pem(expired_key))
    (tmp_path / "expired-cert.pem").write_bytes(pki.cert_pem(expired))
    (tmp_path / "key.pem").write_bytes(ag.key_pem)
    (tmp_path / "cert.pem").write_bytes(pki.cert_pem(ag.cert))
    notice = new_notice(ag, "滨河路改造工程施工招标公告（证书状态）")
    open_signing_page(page, live_server.url, ag, notice)

    # The page signs (the key is the certificate's); the server refuses the expired certificate.
    status = sign_in_browser(page, tmp_path / "expired-key.pem", tmp_path / "expired-cert.pem")
    assert status.startswith("已在本机完成签名（SM2 / SM3"), status
    page.locator("#btn-submit").click()
    expect(page.locator("#action-error")).to_contain_text("已过期")
    assert page.locator("#notice-status").inner_text() == "草稿"

    # The CA revokes the agency's current certificate; the center uploads the SM2-signed CRL.
    crl = pki.make_crl(ag.ca_cert, ag.ca_key, [ag.cert.serial_number], this_update=now - dt.timedelta(days=1))
    accounts_services.revocation_list_upload(actor=ag.admin, data=pki.crl_der(crl), clock=FixedClock(now))
    status = sign_in_browser(page, tmp_path / "key.pem", tmp_path / "cert.pem")
    assert status.startswith("已在本机完成签名（SM2 / SM3"), status
    page.locator("#btn-submit").click()
    expect(page.locator("#action-error")).to_contain_text("吊销")
    assert f"序列号 {certs.serial_hex(ag.cert)}" in page.locator("#action-error").inner_text()
    assert page.locator("#notice-status").inner_text() == "草稿"
    assert not NoticeSignature.objects.filter(notice=notice).exists()


def test_sm2_agency_signs_with_the_cli_and_uploads_the_signature(
    page: Any, live_server: Any, ag: Agency, tmp_path: Path
) -> None:
    notice = new_notice(ag, "滨河路改造工程施工招标公告（国密命令行签名）")
    key_path, cert_path = tmp_path / "agency-sm2-key.pem", tmp_path / "agency-sm2-cert.pem"
    key_path.write_bytes(ag.key_pem)
    cert_path.write_bytes(pki.cert_pem(ag.cert))
    open_signing_page(page, live_server.url, ag, notice)

    # Method 2: download the signed bytes, sign them on the agency's machine, upload.
    with page.expect_download() as info:
        page.locator("#link-canonical").click()
    json_path = tmp_path / f"notice-{notice.pk}.json"
    json_path.write_bytes(Path(info.value.path()).read_bytes())
    out = io.StringIO()
    call_command("sign_notice", str(json_path), "--key", str(key_path), "--cert", str(cert_path), stdout=out)
    assert "SM2 / SM3" in out.getvalue()
    page.get_by_label("签名证书文件（.pem/.cer/.crt）").set_input_files(str(cert_path))
    page.get_by_label("签名文件（.sig，DER 格式）").set_input_files(str(tmp_path / f"notice-{notice.pk}.sig"))
    page.locator("#btn-submit").click()
    expect(page.locator("#notice-status")).to_have_text("已发布")
    assert page.locator("#action-error").count() == 0
    assert page.locator("#signature-algorithm").inner_text() == "SM2 / SM3"
    assert NoticeSignature.objects.get(notice=notice).key_type == "sm2"
    signature = verify_public_page(page, ag, notice, ag.cert, tmp_path)
    assert signature == (tmp_path / f"notice-{notice.pk}.sig").read_bytes()


@pytest.mark.skipif(bool(OPENSSL_PROBLEM), reason=OPENSSL_PROBLEM or "")
def test_openssl_made_sm2_key_and_certificate_sign_in_the_browser(
    page: Any, live_server: Any, ag: Agency, tmp_path: Path
) -> None:
    # A second implementation makes everything the page reads: openssl's SM2 CA, its certificate
    # for the agency, the agency's key from `openssl genpkey`, encrypted by `openssl pkcs8 -v2 sm4-cbc`.
    ca = pki.OpenSSLCA(tmp_path / "ca", "示范SM2根CA（OpenSSL）")
    clock = FixedClock(NOW)
    accounts_services.trusted_root_import(actor=ag.admin, data=ca.cert_path.read_bytes(), clock=clock)
    cert, plain_key = ca.issue(
        "agency", f"/C=CN/O={ag.agency.name}/serialNumber={ag.agency.credit_code}/CN={ag.agency.name}"
    )
    accounts_services.certificate_bind(
        actor=ag.publisher, organisation=ag.agency, data=pki.cert_pem(cert), clock=clock
    )
    key_path = tmp_path / "agency-openssl-key.pem"
    subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-in", str(plain_key), "-v2", "sm4-cbc", "-v2prf", "hmacWithSHA256",
         "-passout", f"pass:{KEY_PASSWORD}", "-out", str(key_path)],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    notice = new_notice(ag, "滨河路改造工程施工招标公告（OpenSSL 国密证书）")
    open_signing_page(page, live_server.url, ag, notice)

    status = sign_in_browser(page, key_path, ca.dir / "agency.pem", KEY_PASSWORD)
    assert status.startswith("已在本机完成签名（SM2 / SM3"), status
    page.locator("#btn-submit").click()
    expect(page.locator("#notice-status")).to_have_text("已发布")
    assert NoticeSignature.objects.get(notice=notice).serial_hex == certs.serial_hex(cert)
    verify_public_page(page, ag, notice, cert, tmp_path)
