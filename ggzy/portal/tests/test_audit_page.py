"""The audit checkpoint page, and that its downloads really verify with openssl."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.db import transaction

from ggzy.audit import services as audit_services
from ggzy.audit.models import Checkpoint
from ggzy.sealing import signing

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint(pub) -> Checkpoint:
    with transaction.atomic():
        cp = audit_services.checkpoint_create()
    assert cp is not None
    return cp


def test_page_lists_checkpoints_with_key_and_instructions(checkpoint, browser):
    response = browser.get("/audit/checkpoints/")
    assert response.status_code == 200
    body = response.content.decode()
    for value in (
        str(checkpoint.seq),
        checkpoint.head_hash,
        checkpoint.key_id,
        checkpoint.signature,
        "BEGIN PUBLIC KEY",
        "openssl dgst -sha256 -verify pub.pem -signature sig.der msg.json",
    ):
        assert value in body, value


def test_empty_state(browser):
    body = browser.get("/audit/checkpoints/").content.decode()
    assert "暂无检查点" in body


def test_downloads_verify(checkpoint, browser, tmp_path):
    base = f"/audit/checkpoints/{checkpoint.seq}"
    msg = browser.get(f"{base}/message.json")
    sig = browser.get(f"{base}/signature.der")
    pem = browser.get(f"{base}/pub.pem")
    assert msg.status_code == sig.status_code == pem.status_code == 200
    assert msg["Content-Disposition"].startswith("attachment")
    assert f'"seq":{checkpoint.seq}'.encode() in msg.content and checkpoint.head_hash.encode() in msg.content
    import base64

    assert signing.verify(pem.content, msg.content, base64.b64encode(sig.content).decode())
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: verified with cryptography only")
    (tmp_path / "msg.json").write_bytes(msg.content)
    (tmp_path / "sig.der").write_bytes(sig.content)
    (tmp_path / "pub.pem").write_bytes(pem.content)
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "Verified OK" in result.stdout
    (tmp_path / "msg.json").write_bytes(msg.content.replace(b'"seq":', b'"seq":1'))
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


def test_unknown_checkpoint_is_404(browser):
    assert browser.get("/audit/checkpoints/42/message.json").status_code == 404
