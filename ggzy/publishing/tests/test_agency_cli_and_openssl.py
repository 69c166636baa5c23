"""The signing CLI (`ggzy sign-notice`) and the public verification files, checked with the real
openssl: what the platform publishes verifies with nothing but openssl."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from ggzy.core.clock import FixedClock
from ggzy.publishing import selectors, services
from ggzy.publishing.tests.agency_support import NOW, Agency, make_agency, tender_fields
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db
OPENSSL = shutil.which("openssl")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def ag(make_org: Any, make_user: Any, clock: FixedClock) -> Agency:
    return make_agency(make_org, make_user, clock)


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_cli_signs_and_the_server_accepts(ag: Agency, clock: FixedClock, tmp_path: Path) -> None:
    notice = services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields())
    json_path = write(tmp_path / f"notice-{notice.pk}.json", selectors.notice_canonical_bytes(notice))
    key = write(tmp_path / "key.pem", ag.key_pem)
    cert = write(tmp_path / "cert.pem", pki.cert_pem(ag.cert))
    out = io.StringIO()
    call_command("sign_notice", json_path, "--key", key, "--cert", cert, stdout=out)
    assert f"证书序列号 {certs.serial_hex(ag.cert)}" in out.getvalue()
    signature = (tmp_path / f"notice-{notice.pk}.sig").read_bytes()
    published = services.agency_notice_submit(
        actor=ag.publisher, notice=notice, certificate_der=ag.cert_der, signature=signature, clock=clock
    )
    assert published.status == "published"


def test_cli_refuses_a_key_that_does_not_match(ag: Agency, tmp_path: Path) -> None:
    other_key = pki.make_key("ec")
    json_path = write(tmp_path / "n.json", b'{"format":"ggzy-notice/1"}')
    key = write(tmp_path / "key.pem", pki.key_pem(other_key))
    cert = write(tmp_path / "cert.pem", pki.cert_pem(ag.cert))
    with pytest.raises(CommandError, match="私钥与证书不匹配"):
        call_command("sign_notice", json_path, "--key", key, "--cert", cert, "--out", str(tmp_path / "x.sig"))
    assert not (tmp_path / "x.sig").exists()


@pytest.mark.parametrize(
    ("notice_bytes", "key_bytes", "cert_bytes", "message"),
    [
        (b'{"format":"ggzy-notice/1"}', b"garbage", None, "无法读取私钥"),
        (b'{"format":"ggzy-notice/1"}', None, b"garbage", "无法读取证书"),
        (b'{"format": "ggzy-notice/1"}', None, None, "不是规范化形式"),
        (b'{"format":"other"}', None, None, "格式不对"),
        (b"\xff\xfe", None, None, "不是有效的 UTF-8 JSON"),
    ],
)
def test_cli_bad_files(
    ag: Agency,
    tmp_path: Path,
    notice_bytes: bytes,
    key_bytes: bytes | None,
    cert_bytes: bytes | None,
    message: str,
) -> None:
    json_path = write(tmp_path / "n.json", notice_bytes)
    key = write(tmp_path / "key.pem", key_bytes if key_bytes is not None else ag.key_pem)
    cert = write(tmp_path / "cert.pem", cert_bytes if cert_bytes is not None else pki.cert_pem(ag.cert))
    with pytest.raises(CommandError, match=message):
        call_command("sign_notice", json_path, "--key", key, "--cert", cert)


def test_cli_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="无法读取公告原文文件"):
        call_command("sign_notice", str(tmp_path / "none.json"), "--key", "k", "--cert", "c")


def test_cli_exits_non_zero_from_the_shell(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "sign-notice",  # the documented spelling (an alias of sign_notice)
            str(tmp_path / "none.json"),
            "--key",
            "k",
            "--cert",
            "c",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "无法读取公告原文文件" in result.stderr


@pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")
@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_openssl_verifies_the_downloaded_signature(
    make_org: Any, make_user: Any, clock: FixedClock, tmp_path: Path, key_type: str
) -> None:
    ag = make_agency(make_org, make_user, clock, key_type=key_type)
    notice = services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields())
    services.agency_notice_submit(
        actor=ag.publisher, notice=notice, certificate_der=ag.cert_der, signature=ag.sign(notice), clock=clock
    )
    client = Client()
    page = client.get(reverse("portal:notice_detail", args=[notice.pk]))
    text = page.content.decode()
    assert f"签名验证通过：{ag.agency.name}，证书序列号 {certs.serial_hex(ag.cert)}" in text
    files = {}
    for name, filename in (
        ("portal:notice_signed_bytes", "notice.json"),
        ("portal:notice_signature", "notice.sig"),
        ("portal:notice_certificate", "cert.pem"),
    ):
        response = client.get(reverse(name, args=[notice.pk]))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        files[filename] = write(tmp_path / filename, response.content)
    pub = subprocess.run(
        [str(OPENSSL), "x509", "-pubkey", "-noout", "-in", files["cert.pem"]],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    pub_path = write(tmp_path / "pub.pem", pub)
    result = subprocess.run(
        [
            str(OPENSSL),
            "dgst",
            "-sha256",
            "-verify",
            pub_path,
            "-signature",
            files["notice.sig"],
            files["notice.json"],
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.stdout.strip() == "Verified OK", result.stdout + result.stderr
    # and a single changed byte fails
    tampered = Path(files["notice.json"]).read_bytes().replace(b"12000000.00", b"12000001.00")
    bad = write(tmp_path / "tampered.json", tampered)
    result = subprocess.run(
        [str(OPENSSL), "dgst", "-sha256", "-verify", pub_path, "-signature", files["notice.sig"], bad],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode != 0
    assert "Verification failure" in result.stdout + result.stderr


def test_unsigned_notice_has_no_signature_files(make_user: Any, clock: FixedClock) -> None:
    client = Client()
    assert client.get(reverse("portal:notice_signature", args=[999999])).status_code == 404


def test_bench_notice_signature_runs_and_leaves_nothing() -> None:
    from ggzy.publishing.bench_agency import bench_notice_signature
    from ggzy.publishing.models import Notice

    before = Notice.objects.count()
    result = bench_notice_signature(n=3)
    assert [s["key_type"] for s in result["suites"]] == ["ec", "rsa"]
    assert all(s["mean_ms"] > 0 for s in result["suites"])
    assert Notice.objects.count() == before
