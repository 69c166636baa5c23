"""Operations with the file store in S3 (ADR 0032), against a real S3 server on loopback: ``ggzy
backup`` takes every object into the encrypted archive with its hash, ``ggzy restore`` (a child
process, a fresh database and another prefix of the bucket) puts them back, the restore drill
restores into a scratch prefix and compares the objects' hashes, and /readyz checks the bucket."""

from __future__ import annotations

import hashlib
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.audit.services import checkpoint_create
from ggzy.core.clock import FixedClock
from ggzy.core.tests import s3server
from ggzy.core.tests.s3server import S3Server, S3Store, store_options
from ggzy.platform import backup as ops
from ggzy.platform import backupcrypt
from ggzy.platform.tests.test_backup import GGZY, _fresh_database_url, child_env

s3_server, s3_store = s3server.s3_server, s3server.s3_store  # the fixtures, for this module
pytestmark = pytest.mark.s3
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4000 + b"\n%%EOF\n"


def hashes(store: S3Store, prefix: str) -> dict[str, str]:
    """name → SHA-256 of every object under ``prefix/``, read with boto3 directly."""
    return {
        key[len(prefix) + 1 :]: hashlib.sha256(store.get(key)).hexdigest() for key in store.objects(prefix)
    }


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    yield from _fresh_database_url(tmp_path)


@pytest.mark.django_db(transaction=True)
def test_backup_restore_and_drill_with_the_files_in_s3(
    s3_store: S3Store, settings: Any, make_user: Any, tmp_path: Path, fresh_database_url: str
) -> None:
    from ggzy.publishing.services.files import stored_file_put

    settings.GGZY_BACKUP_KEY = backupcrypt.new_key()
    settings.GGZY_BACKUP_DIR = tmp_path / "backups"
    make_user("editor")
    stored_file_put(name="招标文件.pdf", content=io.BytesIO(PDF))
    stored_file_put(name="图纸.png", content=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(70_000)))
    checkpoint_create()
    # the part of an unfinished bid upload: transient, not in the backup
    s3_store.client.put_object(
        Bucket=s3_store.bucket, Key="live/bid-uploads/abc123/000000000000000", Body=b"part"
    )
    live = {k: v for k, v in hashes(s3_store, "live").items() if not k.startswith("bid-uploads/")}
    assert len(live) == 2

    result = ops.backup_create(out_dir=tmp_path / "out", clock=FixedClock())
    assert {f["path"]: f["sha256"] for f in result.manifest["files"]} == live
    files_part = (result.path / ops.FILES_PART).read_bytes()
    assert PDF[:4000] not in files_part  # the objects are in the archive encrypted

    # ggzy restore in a second instance: a fresh database, the same bucket under another prefix
    env = {**child_env(settings, tmp_path, fresh_database_url), **s3_store.child_env("restored")}
    proc = subprocess.run(
        [GGZY, "restore", str(result.path), "--yes"], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "恢复完成并校验通过" in proc.stdout and "2 个文件" in proc.stdout
    assert hashes(s3_store, "restored") == live
    # a second restore into that store is refused: it is not empty any more
    assert any("文件存储不是空的" in p for p in ops.instance_problems())

    # the drill: restored into a scratch prefix of the bucket, compared by the objects' hashes
    drill = ops.backup_drill(scratch_dir=tmp_path / "scratch")
    assert drill.ok, drill.result
    assert drill.files == 2
    assert drill.figures["file_store"].startswith(f"s3://{s3_store.bucket}/live/.drill/")
    # the scratch copy is gone, the live objects untouched
    assert not any("/.drill/" in k for k in s3_store.objects(""))
    assert {k: v for k, v in hashes(s3_store, "live").items() if not k.startswith("bid-uploads/")} == live


@pytest.mark.django_db
def test_readyz_checks_the_bucket(client: Client, settings: Any, s3_server: S3Server) -> None:
    own = S3Server()  # stopped below; the session's server stays up for the other tests
    bucket = own.make_bucket()

    def use(bucket_name: str) -> None:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "ggzy.core.s3.S3FileStore",
                "OPTIONS": store_options(own, bucket_name, "live"),
            },
        }

    use(bucket)
    r = client.get("/readyz")
    assert r.status_code == 200, r.content
    assert r.json()["checks"]["storage"]["status"] == "ok"
    assert own.client().list_objects_v2(Bucket=bucket).get("KeyCount") == 0  # the probe was removed
    # a bucket that does not exist (deleted, or a wrong name in GGZY_STORAGE_URL)
    use("ggzy-no-such-bucket")
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["storage"]["status"] == "fail"
    assert "NoSuchBucket" in r.json()["checks"]["storage"]["detail"]
    # the S3 server is down
    use(bucket)
    own.stop()
    r = client.get("/readyz")
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert checks["storage"]["status"] == "fail" and "StorageUnavailable" in checks["storage"]["detail"]
    assert checks["database"]["status"] == "ok"
