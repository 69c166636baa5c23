"""Backup manifests are signed with the platform key of GGZY_CRYPTO_SUITE (ECDSA P-256, or SM2
under ``sm``) and name the algorithm in ``signer.algorithm``. A backup verifies, restores and
drills on an instance whose suite has changed since (either way); a changed manifest, a relabelled
algorithm or a public key of the other suite is refused; openssl verifies manifest.sig."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ggzy.audit.platform_key import platform_signing_key
from ggzy.audit.services import checkpoint_create
from ggzy.platform import backup as ops
from ggzy.platform import backupcrypt
from ggzy.sealing import suites

GGZY = str(Path(sys.executable).with_name("ggzy"))
ALGORITHM = {"intl": "ecdsa-p256-sha256", "sm": "sm2-sm3"}
OTHER = {"intl": "sm", "sm": "intl"}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def instance(settings: Any, tmp_path: Path, make_user: Any) -> Any:
    """This test's own platform keys, backup key, file store and a little data (a user, a file,
    a checkpoint)."""
    from ggzy.publishing.services.files import stored_file_put

    settings.GGZY_PLATFORM_KEY_PATH = tmp_path / "keys" / "platform-key.pem"
    settings.GGZY_BACKUP_KEY = backupcrypt.new_key()
    settings.GGZY_BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user("editor")
    stored_file_put(name="招标文件.pdf", content=io.BytesIO(b"%PDF-1.7\n" + os.urandom(2000)))
    return settings


def _backup(settings: Any, suite: str, out: Path) -> ops.BackupResult:
    settings.GGZY_CRYPTO_SUITE = suite
    checkpoint_create()  # a checkpoint of this suite inside the backup too
    return ops.backup_create(out_dir=out)


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_manifest_is_signed_in_the_deployments_suite_and_verifies_after_a_switch(
    instance: Any, tmp_path: Path, suite: str
) -> None:
    result = _backup(instance, suite, tmp_path / "out")
    signer = result.manifest["signer"]
    key = platform_signing_key()
    assert signer["algorithm"] == ALGORITHM[suite] and signer["key_id"] == key.key_id
    assert suites.load_any_public_key(signer["public_key_pem"].encode())[0].name == suite
    assert ops.backup_verify(result.path)["signer"]["algorithm"] == ALGORITHM[suite]
    # the instance switches suite: the backup still verifies, with the key that signed it
    instance.GGZY_CRYPTO_SUITE = OTHER[suite]
    assert platform_signing_key().key_id != signer["key_id"]
    assert ops.backup_verify(result.path)["format"] == ops.FORMAT
    # and a backup made now is signed in the new suite; both verify
    second = ops.backup_create(out_dir=tmp_path / "out2")
    assert second.manifest["signer"]["algorithm"] == ALGORITHM[OTHER[suite]]
    instance.GGZY_CRYPTO_SUITE = suite
    assert ops.backup_verify(second.path) and ops.backup_verify(result.path)
    # --public-key with the right key works; with the other suite's key it is a clear refusal
    assert ops.backup_verify(result.path, public_pem=signer["public_key_pem"].encode())
    other_pem = second.manifest["signer"]["public_key_pem"].encode()
    with pytest.raises(ops.BackupFailed, match="另一密码套件"):
        ops.backup_verify(result.path, public_pem=other_pem)


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_changed_manifests_are_refused(instance: Any, tmp_path: Path, suite: str) -> None:
    result = _backup(instance, suite, tmp_path / "out")
    manifest_path = result.path / ops.MANIFEST
    original = manifest_path.read_bytes()

    def refused(manifest: dict[str, Any] | bytes) -> str:
        manifest_path.write_bytes(manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode())
        try:
            with pytest.raises(ops.BackupFailed) as err:
                ops.backup_verify(result.path)
        finally:
            manifest_path.write_bytes(original)
        return str(err.value)

    m = json.loads(original)
    m["parts"][0]["sha256"] = "0" * 64
    assert "签名无效" in refused(m)
    # relabelled as the other algorithm: the other suite's key (absent, or not the signer) refuses
    m = json.loads(original)
    m["signer"]["algorithm"] = ALGORITHM[OTHER[suite]]
    reason = refused(m)
    assert "签名无效" in reason or "没有签署该备份的平台密钥" in reason, reason
    m["signer"]["algorithm"] = "rsa-md5"
    assert "无法识别" in refused(m)
    assert "不是有效的 JSON" in refused(b"{not json")
    # a signature of another key of the same suite
    other = suites.SMSigningKey.generate() if suite == "sm" else None
    if other is None:
        from ggzy.sealing import signing

        other = signing.SigningKey.generate()
    signature = result.path / ops.SIGNATURE
    good = signature.read_text()
    signature.write_text(other.sign(original))
    with pytest.raises(ops.BackupFailed, match="签名无效"):
        ops.backup_verify(result.path)
    signature.write_text(good)
    assert ops.backup_verify(result.path)


OPENSSL = {
    "intl": "openssl dgst -sha256 -verify pub.pem -signature manifest.der manifest.json",
    "sm": (
        "openssl dgst -sm3 -sigopt distid:1234567812345678 -verify pub.pem "
        "-signature manifest.der manifest.json"
    ),
}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_openssl_verifies_the_manifest(instance: Any, tmp_path: Path, suite: str) -> None:
    result = _backup(instance, suite, tmp_path / "out")
    (result.path / "manifest.der").write_bytes(base64.b64decode((result.path / ops.SIGNATURE).read_text()))
    (result.path / "pub.pem").write_bytes(result.manifest["signer"]["public_key_pem"].encode())

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", OPENSSL[suite]],
            cwd=result.path,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    ok = run()
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stdout + ok.stderr
    body = (result.path / ops.MANIFEST).read_bytes()
    (result.path / ops.MANIFEST).write_bytes(body.replace(b'"format"', b'"formaT"'))
    assert run().returncode != 0


def test_drill_under_sm_passes(instance: Any, tmp_path: Path, make_user: Any) -> None:
    instance.GGZY_CRYPTO_SUITE = "sm"
    checkpoint_create()
    drill = ops.backup_drill(actor=make_user("system_admin"), scratch_dir=tmp_path / "scratch")
    assert drill.ok, drill.result
    assert "与备份一致" in drill.result


def _fresh_database_url(tmp_path: Path) -> Iterator[str]:
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    params = ops._pg_params()
    name = f"{params['dbname']}_s{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield ops._database_url(name)
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    yield from _fresh_database_url(tmp_path)


def test_an_sm_backup_restores_on_an_intl_instance(
    instance: Any, tmp_path: Path, fresh_database_url: str
) -> None:
    """`ggzy restore` in a second, empty instance that runs the default suite (intl) and has the
    same platform keys: it verifies the SM2-signed manifest with the SM2 key file."""
    result = _backup(instance, "sm", tmp_path / "out")
    env = {k: v for k, v in os.environ.items() if k not in ("GGZY_CRYPTO_SUITE", "GGZY_AUDIT_HASH")} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": fresh_database_url,
        "GGZY_VAR_DIR": str(tmp_path / "var2"),
        "GGZY_MEDIA_ROOT": str(tmp_path / "media2"),
        "GGZY_PLATFORM_KEY_PATH": str(instance.GGZY_PLATFORM_KEY_PATH),
        "GGZY_BACKUP_KEY": instance.GGZY_BACKUP_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.run(
        [GGZY, "restore", str(result.path), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "恢复完成并校验通过" in proc.stdout
    verify = subprocess.run([GGZY, "audit", "verify"], env=env, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # without the SM2 key file the manifest cannot be checked, and the restore says why
    moved = tmp_path / "elsewhere.pem"
    sm2 = Path(instance.GGZY_PLATFORM_KEY_PATH).with_name("platform-key-sm2.pem")
    sm2.rename(moved)
    try:
        with pytest.raises(ops.BackupFailed, match="没有签署该备份的平台密钥"):
            ops.backup_verify(result.path)
    finally:
        moved.rename(sm2)
