"""Audit checkpoints under GGZY_CRYPTO_SUITE=sm: signed with the platform's SM2 key, each
checkpoint naming its algorithm; a chain that changed suite verifies with both; the public page
says which algorithm and openssl verifies the downloads."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from ggzy.audit import selectors, services
from ggzy.audit.models import Checkpoint, Event
from ggzy.audit.platform_key import platform_signing_key
from ggzy.sealing import signing, suites

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def keys(settings: Any, tmp_path: Path) -> Path:
    """A fresh platform key location for this test (keys are created on first use)."""
    settings.GGZY_PLATFORM_KEY_PATH = tmp_path / "keys" / "platform-key.pem"
    return settings.GGZY_PLATFORM_KEY_PATH


@pytest.fixture
def sm(settings: Any, keys: Path) -> Path:
    settings.GGZY_CRYPTO_SUITE = "sm"
    settings.GGZY_AUDIT_HASH = "sm3"
    return keys


def _append(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with transaction.atomic():
            services.audit_record(
                actor=None, action="test.event", target=("test.thing", str(i)), data={"i": i}
            )


def test_sm_checkpoint_is_sm2_signed_and_verifies(sm: Path) -> None:
    _append(3)
    cp = services.checkpoint_create()
    assert cp is not None
    assert cp.algorithm == "sm2-sm3" and cp.is_sm2 and cp.algorithm_label == "SM2 / SM3"
    suite, key = suites.load_any_public_key(cp.public_key_pem.encode("ascii"))
    assert suite is suites.SM_SUITE
    assert cp.key_id == suites.SM_SUITE.key_id(key)[:16]  # SM3 of the SPKI
    # The SM2 key sits next to the intl key's path, private to the process owner.
    sm2_path = sm.with_name("platform-key-sm2.pem")
    assert sm2_path.exists() and not sm.exists()
    assert stat.S_IMODE(sm2_path.stat().st_mode) == 0o600
    assert platform_signing_key().key_id == cp.key_id  # loaded again, not replaced
    assert set(Event.objects.values_list("algorithm", flat=True)) == {"sm3"}
    result = selectors.audit_verify()
    assert result.ok, result.reason
    assert result.checked == 3


def test_chain_that_changed_suite_verifies_with_both(settings: Any, keys: Path) -> None:
    _append(2)
    first = services.checkpoint_create()
    assert first is not None and first.algorithm == "ecdsa-p256-sha256"
    settings.GGZY_CRYPTO_SUITE = "sm"
    settings.GGZY_AUDIT_HASH = "sm3"
    _append(2, start=2)
    second = services.checkpoint_create()
    assert second is not None and second.algorithm == "sm2-sm3"
    assert first.key_id != second.key_id
    assert list(Event.objects.order_by("seq").values_list("algorithm", flat=True)) == [
        "sha256",
        "sha256",
        "sm3",
        "sm3",
    ]
    result = selectors.audit_verify()
    assert result.ok, result.reason
    # Back to intl: the old ECDSA key is still the one at GGZY_PLATFORM_KEY_PATH.
    settings.GGZY_CRYPTO_SUITE = "intl"
    assert platform_signing_key().key_id == first.key_id
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "审计链完整：4 条事件" in out.getvalue()


def test_forged_sm_checkpoints_are_named(sm: Path) -> None:
    _append(2)
    cp = services.checkpoint_create()
    assert cp is not None
    original = (cp.algorithm, cp.signature, cp.head_hash)

    def broken(**changes: str) -> str:
        Checkpoint.objects.filter(pk=cp.pk).update(**changes)
        result = selectors.audit_verify()
        Checkpoint.objects.filter(pk=cp.pk).update(
            algorithm=original[0], signature=original[1], head_hash=original[2]
        )
        assert not result.ok and result.first_bad_seq == cp.seq
        return result.reason

    # Claiming ECDSA for an SM2 key.
    assert "与其公钥" in broken(algorithm="ecdsa-p256-sha256")
    assert "与其公钥" in broken(algorithm="rsa")
    # Another signature (same key, other message) or a damaged one.
    key = platform_signing_key()
    assert "签名无效" in broken(signature=key.sign(b"something else"))
    assert "签名无效" in broken(signature="AAAA")
    # A head hash that the events do not have, re-signed honestly: the chain check names it.
    assert "签名无效" in broken(head_hash="0" * 64)
    assert selectors.audit_verify().ok


def test_checkpoint_page_names_the_algorithm_and_openssl_verifies(sm: Path, tmp_path: Path) -> None:
    _append(2)
    cp = services.checkpoint_create()
    assert cp is not None
    client = Client()
    page = client.get(reverse("portal:checkpoints"))
    text = page.content.decode()
    assert "SM2 / SM3" in text
    assert "openssl dgst -sm3 -sigopt distid:1234567812345678 -verify pub.pem" in text
    files = {}
    for name, filename in (
        ("portal:checkpoint_message", "msg.json"),
        ("portal:checkpoint_signature", "sig.der"),
        ("portal:checkpoint_public_key", "pub.pem"),
    ):
        response = client.get(reverse(name, args=[cp.seq]))
        assert response.status_code == 200
        (tmp_path / filename).write_bytes(response.content)
        files[filename] = str(tmp_path / filename)
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed")
    verify = [openssl, "dgst", "-sm3", "-sigopt", "distid:1234567812345678", "-verify", files["pub.pem"]]
    ok = subprocess.run(
        [*verify, "-signature", files["sig.der"], files["msg.json"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stderr
    (tmp_path / "msg.json").write_bytes((tmp_path / "msg.json").read_bytes().replace(b'"seq":2', b'"seq":3'))
    bad = subprocess.run(
        [*verify, "-signature", files["sig.der"], files["msg.json"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0


def test_intl_checkpoint_page_keeps_the_ecdsa_command(keys: Path) -> None:
    _append(1)
    cp = services.checkpoint_create()
    assert cp is not None and cp.algorithm == "ecdsa-p256-sha256"
    text = Client().get(reverse("portal:checkpoints")).content.decode()
    assert 'id="verify-command">openssl dgst -sha256 -verify pub.pem' in text
    assert "ECDSA P-256 / SHA-256" in text


def test_suite_key_paths() -> None:
    base = Path("/var/ggzy/keys/platform-key.pem")
    assert signing.suite_key_path(base, "intl") == base
    assert signing.suite_key_path(base, "sm") == Path("/var/ggzy/keys/platform-key-sm2.pem")
    with pytest.raises(suites.UnknownSuite):
        signing.suite_key_path(base, "rot13")


def _settings_value(env: dict[str, str], expr: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings.base as s; print({expr})"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_settings_default_the_audit_hash_from_the_suite() -> None:
    assert _settings_value({"GGZY_CRYPTO_SUITE": "sm"}, "s.GGZY_AUDIT_HASH").stdout.strip() == "sm3"
    assert _settings_value({}, "s.GGZY_CRYPTO_SUITE, s.GGZY_AUDIT_HASH").stdout.strip() == "intl sha256"
    explicit = {"GGZY_CRYPTO_SUITE": "sm", "GGZY_AUDIT_HASH": "sha256"}
    assert _settings_value(explicit, "s.GGZY_AUDIT_HASH").stdout.strip() == "sha256"
    bad = _settings_value({"GGZY_CRYPTO_SUITE": "gm"}, "1")
    assert bad.returncode != 0 and "GGZY_CRYPTO_SUITE must be 'intl' or 'sm'" in bad.stderr
