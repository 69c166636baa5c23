"""An agency with an SM2 (国密) certificate, in a real browser: the browser's WebCrypto signer does
not do SM2 and says so; the agency downloads the signed bytes, signs them with `ggzy sign-notice`
on its own machine, uploads certificate and signature, and the notice is published; the public
page names the algorithm (SM2 / SM3) and the openssl command, and its downloads verify."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.publishing import services
from ggzy.publishing.models import NoticeSignature
from ggzy.publishing.tests.agency_support import NOW, Agency, make_agency, tender_fields
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-1234567890"  # the make_user default
START = dt.datetime.now(tz=SHANGHAI).replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


@pytest.fixture
def ag(make_org: Any, make_user: Any) -> Agency:
    return make_agency(make_org, make_user, FixedClock(NOW), key_type="sm2", ca_key_type="sm2")


def test_sm2_agency_signs_with_the_cli_and_the_public_page_names_the_algorithm(
    page: Any, live_server: Any, ag: Agency, tmp_path: Path
) -> None:
    notice = services.agency_notice_create(
        actor=ag.publisher,
        **tender_fields(
            title="滨河路改造工程施工招标公告（国密签名）",
            file_issue_start=START,
            file_issue_end=START + dt.timedelta(days=6),
            bid_deadline=START + dt.timedelta(days=21),
            opening_at=START + dt.timedelta(days=21),
        ),
    )
    key_path, cert_path = tmp_path / "agency-sm2-key.pem", tmp_path / "agency-sm2-cert.pem"
    key_path.write_bytes(ag.key_pem)
    cert_path.write_bytes(pki.cert_pem(ag.cert))

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(ag.publisher.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))
    page.goto(f"{base}/manage/agency/notices/{notice.pk}/")
    assert "SM2（国密）证书请用方式二" in page.locator("#signing").inner_text()

    # Method 1 (WebCrypto) cannot use an SM2 key: it refuses, nothing is filled in.
    page.locator("#sign-key").set_input_files(str(key_path))
    page.locator("#sign-cert").set_input_files(str(cert_path))
    page.locator("#btn-sign-browser").click()
    status = page.locator("#sign-status")
    status.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#sign-status').textContent.trim().length > 0")
    assert "已在本机完成签名" not in status.inner_text()
    assert page.locator("input[name=signature_b64]").input_value() == ""

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
    page.wait_for_load_state()
    assert page.locator("#action-error").count() == 0, page.locator("#action-error").inner_text()
    assert page.locator("#notice-status").inner_text() == "已发布"
    assert page.locator("#signature-algorithm").inner_text() == "SM2 / SM3"
    assert NoticeSignature.objects.get(notice=notice).key_type == "sm2"

    # The public page: verified, the algorithm, the openssl command for SM2, the files.
    page.locator("#link-public").click()
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    assert page.locator("#signature-verified").inner_text() == (
        f"签名验证通过：{ag.agency.name}，证书序列号 {certs.serial_hex(ag.cert)}"
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
    published_cert = certs.load_certificate(downloads["#dl-certificate"])
    assert published_cert == ag.cert
    certs.verify_signature(published_cert, downloads["#dl-signed-bytes"], downloads["#dl-signature"])
    openssl = shutil.which("openssl")
    if openssl is None:
        return
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
    # Exactly the command the page shows, with the downloaded file names.
    args = command.replace("pub.pem", str(tmp_path / "pub.pem"))
    args = args.replace(f"notice-{notice.pk}.sig", str(files["#dl-signature"]))
    args = args.replace(f"notice-{notice.pk}.json", str(files["#dl-signed-bytes"]))
    result = subprocess.run(
        [openssl, *args.split()[1:]], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and "Verified OK" in result.stdout, result.stderr
