"""``ggzy backup`` / ``ggzy restore`` / ``ggzy backup drill`` against the real database (SQLite or,
with DATABASE_URL, PostgreSQL through real pg_dump/pg_restore), real files and real crypto.

The data is committed (transactional_db): pg_dump reads through its own connection."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ggzy.audit.models import Event
from ggzy.audit.services import checkpoint_create
from ggzy.core.clock import FixedClock
from ggzy.platform import backup as ops
from ggzy.platform import backupcrypt
from ggzy.platform.models import BackupDrill

GGZY = str(Path(sys.executable).with_name("ggzy"))
PDF = b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup_settings(settings: Any, tmp_path: Path) -> Any:
    settings.GGZY_BACKUP_KEY = backupcrypt.new_key()
    settings.GGZY_BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def instance(backup_settings: Any, make_user: Any) -> dict[str, Any]:
    """Users (audited), two stored files, a signed checkpoint."""
    from ggzy.publishing.services.files import stored_file_put

    users = [make_user("editor"), make_user("signer")]
    files = [
        stored_file_put(name="招标文件.pdf", content=io.BytesIO(PDF)),
        stored_file_put(name="图纸.png", content=io.BytesIO(b"\x89PNG\r\n\x1a\n" + os.urandom(70_000))),
    ]
    checkpoint_create()
    return {"users": users, "files": files, "settings": backup_settings}


def _fresh_database_url(tmp_path: Path) -> Iterator[str]:
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    params = ops._pg_params()
    name = f"{params['dbname']}_r{uuid.uuid4().hex[:8]}"
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


def child_env(settings: Any, tmp_path: Path, database_url: str) -> dict[str, str]:
    """A second, empty instance: its own database and file store, the same platform and backup keys."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "GGZY_VAR_DIR": str(tmp_path / "var2"),
        "GGZY_MEDIA_ROOT": str(tmp_path / "media2"),
        "GGZY_PLATFORM_KEY_PATH": str(settings.GGZY_PLATFORM_KEY_PATH),
        "GGZY_BACKUP_KEY": settings.GGZY_BACKUP_KEY,
        "PYTHONUNBUFFERED": "1",
    }


def test_backup_restore_round_trip_into_an_empty_instance(
    instance: dict[str, Any], backup_settings: Any, tmp_path: Path, fresh_database_url: str
) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out", clock=FixedClock())
    m = result.manifest
    assert m["database"]["vendor"] == ops.vendor()
    assert m["database"]["tables"]["audit_event"] == Event.objects.count()
    assert m["audit_head"]["seq"] == Event.objects.order_by("-seq").first().seq
    assert {f["sha256"] for f in m["files"]} >= {f.sha256 for f in instance["files"]}
    assert sorted(p.name for p in result.path.iterdir()) == sorted(
        [ops.MANIFEST, ops.SIGNATURE, ops.FILES_PART, ops.DB_PART[ops.vendor()]]
    )
    # Encrypted: neither the file bytes nor a username appear in any part.
    for part in m["parts"]:
        raw = (result.path / part["name"]).read_bytes()
        assert PDF[:200] not in raw
        assert instance["users"][0].username.encode() not in raw

    env = child_env(backup_settings, tmp_path, fresh_database_url)
    proc = subprocess.run(
        [GGZY, "restore", str(result.path), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "恢复完成并校验通过" in proc.stdout
    assert f"审计链头 #{m['audit_head']['seq']}" in proc.stdout
    # The restored instance really holds the data: files byte for byte, the chain verifies there.
    sha = instance["files"][0].sha256
    assert (tmp_path / "media2" / "blobs" / sha[:2] / sha).read_bytes() == PDF
    verify = subprocess.run([GGZY, "audit", "verify"], env=env, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert f"审计链完整：{m['audit_head']['seq']} 条事件" in verify.stdout
    if fresh_database_url.startswith("sqlite"):
        conn = sqlite3.connect(fresh_database_url.removeprefix("sqlite:///"))
        names = {r[0] for r in conn.execute("SELECT username FROM accounts_user")}
        conn.close()
        assert {u.username for u in instance["users"]} <= names

    # A second restore into the now non-empty instance is refused before anything is touched.
    again = subprocess.run(
        [GGZY, "restore", str(result.path), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 1
    assert "只能恢复到空实例" in again.stderr


def test_restore_into_a_freshly_migrated_instance(
    instance: dict[str, Any], backup_settings: Any, tmp_path: Path, fresh_database_url: str
) -> None:
    """`ggzy migrate` fills reference tables only; such an instance still counts as empty."""
    result = ops.backup_create(out_dir=tmp_path / "out")
    env = child_env(backup_settings, tmp_path, fresh_database_url)
    subprocess.run([GGZY, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    proc = subprocess.run(
        [GGZY, "restore", str(result.path), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "恢复完成并校验通过" in proc.stdout


def test_restore_needs_yes_when_not_interactive(instance: dict[str, Any], tmp_path: Path) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    env = child_env(instance["settings"], tmp_path, "sqlite:///" + str(tmp_path / "x.sqlite3"))
    proc = subprocess.run(
        [GGZY, "restore", str(result.path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert "--yes" in proc.stderr
    assert not (tmp_path / "media2").exists()


def test_restore_into_a_non_empty_instance_is_refused(instance: dict[str, Any], tmp_path: Path) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    before = Event.objects.count()
    with pytest.raises(ops.BackupFailed) as err:
        ops.restore(result.path)
    assert "只能恢复到空实例" in err.value.message
    assert "accounts_user" in err.value.message
    assert "文件存储不是空的" in err.value.message
    assert Event.objects.count() == before
    with pytest.raises(CommandError, match="只能恢复到空实例"):
        call_command("restore", str(result.path), "--yes")


def test_restore_refuses_when_only_the_file_store_holds_data(backup_settings: Any, tmp_path: Path) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    stray = Path(backup_settings.MEDIA_ROOT) / "blobs" / "aa" / "stray"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    with pytest.raises(ops.BackupFailed, match="文件存储不是空的"):
        ops.restore(result.path)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("part", ["db", "files"])
def test_a_bit_flip_in_a_part_is_refused(instance: dict[str, Any], tmp_path: Path, part: str) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    name = ops.DB_PART[ops.vendor()] if part == "db" else ops.FILES_PART
    _flip(result.path / name, 500)
    with pytest.raises(ops.BackupFailed, match=f"{name} 的 SHA-256 与清单不符"):
        ops.backup_verify(result.path)
    with pytest.raises(CommandError, match="SHA-256 与清单不符"):
        call_command("restore", str(result.path), "--yes")


def test_truncated_part_and_missing_part_are_refused(instance: dict[str, Any], tmp_path: Path) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    files_part = result.path / ops.FILES_PART
    files_part.write_bytes(files_part.read_bytes()[:-10])
    with pytest.raises(ops.BackupFailed, match="大小不符"):
        ops.backup_verify(result.path)
    files_part.unlink()
    with pytest.raises(ops.BackupFailed, match="缺失"):
        ops.backup_verify(result.path)


def test_a_changed_manifest_fails_the_signature(instance: dict[str, Any], tmp_path: Path) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    manifest_path = result.path / ops.MANIFEST
    m = json.loads(manifest_path.read_bytes())
    # An attacker who re-encrypted a part would have to change its hash here.
    m["parts"][0]["sha256"] = "0" * 64
    manifest_path.write_bytes(json.dumps(m).encode())
    with pytest.raises(ops.BackupFailed, match="签名无效"):
        ops.backup_verify(result.path)


def test_a_manifest_signed_by_another_key_is_refused(instance: dict[str, Any], tmp_path: Path) -> None:
    from ggzy.sealing import signing

    result = ops.backup_create(out_dir=tmp_path / "out")
    other = signing.SigningKey.generate()
    (result.path / ops.SIGNATURE).write_text(other.sign((result.path / ops.MANIFEST).read_bytes()))
    with pytest.raises(ops.BackupFailed, match="签名无效"):
        ops.backup_verify(result.path)
    # …unless the operator names that key explicitly.
    assert ops.backup_verify(result.path, public_pem=other.public_pem())["format"] == ops.FORMAT


def test_a_backup_made_with_another_backup_key_is_refused(
    instance: dict[str, Any], backup_settings: Any, tmp_path: Path
) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out")
    backup_settings.GGZY_BACKUP_KEY = backupcrypt.new_key()
    with pytest.raises(ops.BackupFailed, match="另一把备份密钥"):
        ops.backup_verify(result.path)


def test_not_a_backup_folder(backup_settings: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="不是 ggzy 备份目录"):
        call_command("restore", str(tmp_path), "--yes")


def test_production_refuses_to_back_up_without_a_key(backup_settings: Any, tmp_path: Path) -> None:
    backup_settings.GGZY_BACKUP_KEY = ""
    backup_settings.GGZY_BACKUP_REQUIRE_KEY = True
    with pytest.raises(CommandError, match="必须设置 GGZY_BACKUP_KEY"):
        call_command("backup", "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_invalid_backup_key_is_refused(backup_settings: Any, tmp_path: Path) -> None:
    backup_settings.GGZY_BACKUP_KEY = "not base64!"
    with pytest.raises(ops.BackupFailed, match="GGZY_BACKUP_KEY 无效"):
        ops.backup_create(out_dir=tmp_path / "out")
    backup_settings.GGZY_BACKUP_KEY = "AAAA"
    with pytest.raises(ops.BackupFailed, match="32 字节"):
        ops.backup_create(out_dir=tmp_path / "out")


def test_development_key_is_created_once_and_announced(backup_settings: Any, tmp_path: Path) -> None:
    backup_settings.GGZY_BACKUP_KEY = ""
    backup_settings.GGZY_BACKUP_KEY_PATH = tmp_path / "keys" / "backup-key.b64"
    err = io.StringIO()
    call_command("backup", "--out", str(tmp_path / "out"), stdout=io.StringIO(), stderr=err)
    assert "未设置 GGZY_BACKUP_KEY，已生成开发用备份密钥" in err.getvalue()
    key_file = backup_settings.GGZY_BACKUP_KEY_PATH
    assert key_file.stat().st_mode & 0o777 == 0o600
    first = key_file.read_text()
    call_command("backup", "--out", str(tmp_path / "out"), stdout=io.StringIO(), stderr=io.StringIO())
    assert key_file.read_text() == first


def test_backup_command_prints_the_figures(instance: dict[str, Any], tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("backup", "--out", str(tmp_path / "out"), stdout=out, stderr=io.StringIO())
    assert "备份完成：" in out.getvalue()
    assert f"文件 {len(ops.storage_files())} 个" in out.getvalue()


def test_drill_passes_and_is_recorded_with_an_audit_event(
    instance: dict[str, Any], tmp_path: Path, make_user: Any
) -> None:
    operator = make_user("system_admin")
    drill = ops.backup_drill(actor=operator, scratch_dir=tmp_path / "scratch")
    assert drill.ok, drill.result
    assert drill.files == len(instance["files"])
    assert drill.rows > 0
    assert drill.tables > 10
    assert drill.audit_head_seq > 0
    assert drill.actor == operator
    assert "与备份一致" in drill.result
    assert drill.figures["tables"]["audit_event"] >= drill.audit_head_seq
    assert "审计链完整" in drill.figures["chain_verify"]
    event = Event.objects.get(action="platform.backup_drill_recorded")
    assert event.target_id == str(drill.pk)
    assert event.data["ok"] is True
    # The scratch location is cleaned up (and on PostgreSQL the scratch database dropped).
    assert list((tmp_path / "scratch").iterdir()) == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", ["%_drill_%"])
            assert cursor.fetchone()[0] == 0


def test_a_failed_drill_is_recorded_too(backup_settings: Any, tmp_path: Path) -> None:
    backup_settings.GGZY_BACKUP_KEY = ""
    backup_settings.GGZY_BACKUP_REQUIRE_KEY = True
    with pytest.raises(CommandError, match="恢复演练失败"):
        call_command(
            "backup", "drill", "--scratch", str(tmp_path / "s"), stdout=io.StringIO(), stderr=io.StringIO()
        )
    drill = BackupDrill.objects.get()
    assert drill.ok is False
    assert "GGZY_BACKUP_KEY" in drill.result
    assert Event.objects.filter(action="platform.backup_drill_recorded", data__ok=False).count() == 1


def test_drill_command_with_an_unknown_actor(backup_settings: Any) -> None:
    with pytest.raises(CommandError, match="没有用户"):
        call_command("backup", "drill", "--actor", "nobody", stderr=io.StringIO())


def test_drill_if_due_runs_weekly(backup_settings: Any, tmp_path: Path) -> None:
    backup_settings.GGZY_BACKUP_DRILL_EVERY_DAYS = 7
    clock = FixedClock(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))
    first = ops.backup_drill_if_due(clock=clock)
    assert first is not None
    assert first.ok, first.result
    assert first.actor_label.startswith("system")
    clock.advance(days=6)
    assert ops.backup_drill_if_due(clock=clock) is None
    clock.advance(days=1)
    second = ops.backup_drill_if_due(clock=clock)
    assert second is not None
    assert BackupDrill.objects.count() == 2
    backup_settings.GGZY_BACKUP_DRILL_EVERY_DAYS = 0
    clock.advance(days=30)
    assert ops.backup_drill_if_due(clock=clock) is None


def test_bench_backup_reports_figures(instance: dict[str, Any], tmp_path: Path) -> None:
    from ggzy.platform.bench_ops import bench_backup

    (tmp_path / "bench").mkdir()
    result = bench_backup(scratch_dir=str(tmp_path / "bench"))
    assert result["restore_identical"] is True
    assert result["files"] == len(ops.storage_files())
    assert result["backup_s"] > 0
    assert result["restore_s"] > 0
    assert result["backup_mb_s"] > 0
    assert list((tmp_path / "bench").iterdir()) == []
    assert not BackupDrill.objects.exists()


def test_drill_records_are_listed_read_only_in_the_admin(
    backup_settings: Any, tmp_path: Path, client: Any
) -> None:
    from ggzy.accounts.models import User

    ops.backup_drill(scratch_dir=tmp_path / "scratch")
    admin = User.objects.create_superuser(username="root-admin", password="pw-1234567890", email="")
    client.force_login(admin)
    response = client.get("/admin/platform/backupdrill/")
    assert response.status_code == 200
    assert "恢复演练" in response.content.decode()
    drill = BackupDrill.objects.get()
    assert client.get(f"/admin/platform/backupdrill/{drill.pk}/delete/").status_code == 403
