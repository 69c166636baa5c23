"""``ggzy backup``, ``ggzy restore`` and the restore drill when the S3 file store fails (ADR 0032,
docs/operations.md "File store (S3)"): before the run (a pre-flight probe stops it in seconds with
one clear line), in the middle of the run (one line naming the step and the object; no backup
folder that looks valid; a restore leaves the database as it was; a drill is recorded as failed).

The S3 server is moto's, in a child process on a free loopback port, so "the server is gone" is a
real ``kill``: the kernel closes its listening socket and every kept-alive connection, and the
store under test sees "connection refused" exactly as with a stopped MinIO. The store is stopped
at real points of the run, through the ``progress`` callback the commands use for their progress
bars (after the first object was read or written), so nothing of ours is replaced.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Max

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.tests.s3server import ACCESS_KEY, REGION, SECRET_KEY
from ggzy.platform import backup as ops
from ggzy.platform import backupcrypt
from ggzy.platform.models import BackupDrill
from ggzy.platform.tests.test_backup import GGZY, _fresh_database_url, child_env

pytestmark = [pytest.mark.s3, pytest.mark.django_db(transaction=True)]

# The S3 server of one test: prints its port, then serves until killed.
SERVER = """
import logging, time
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.WARNING)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
while True:
    time.sleep(60)
"""
# Small bounds so that a failing call gives up quickly here (production: 5 s, 60 s, 3, 10 s).
TIMEOUTS = {"connect_timeout": 1, "read_timeout": 5, "max_attempts": 2, "probe_timeout": 2}
TIMEOUT_ENV = {
    "GGZY_STORAGE_CONNECT_TIMEOUT": "1",
    "GGZY_STORAGE_READ_TIMEOUT": "5",
    "GGZY_STORAGE_MAX_ATTEMPTS": "2",
    "GGZY_STORAGE_PROBE_TIMEOUT": "2",
}
# Never wait for a child forever: a hang fails the test instead of the test run.
CHILD_LIMIT = 240


class S3Process:
    """moto's S3 server in a child process; ``kill`` takes it away as a crash or a stop would."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        port = self.proc.stdout.readline().strip()
        assert port.isdigit(), "the S3 server did not start"
        self.endpoint = f"http://127.0.0.1:{port}"
        self.bucket = f"ggzy-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=self.bucket)

    def client(self) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        ).client("s3", endpoint_url=self.endpoint)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def use(self, settings: Any, prefix: str) -> None:
        """This bucket under ``prefix`` as Django's default storage, with the test's small bounds."""
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "ggzy.core.s3.S3FileStore",
                "OPTIONS": {
                    "bucket_name": self.bucket,
                    "location": prefix,
                    "endpoint_url": self.endpoint,
                    "region_name": REGION,
                    "addressing_style": "path",
                    "access_key": ACCESS_KEY,
                    "secret_key": SECRET_KEY,
                    **TIMEOUTS,
                },
            },
        }

    def child_env(self, prefix: str) -> dict[str, str]:
        return {
            "GGZY_STORAGE_URL": f"s3://{self.bucket}/{prefix}?endpoint_url={self.endpoint}&region={REGION}",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
            **TIMEOUT_ENV,
        }


@pytest.fixture
def s3() -> Iterator[S3Process]:
    server = S3Process()
    yield server
    server.kill()


@pytest.fixture
def store(s3: S3Process, settings: Any, tmp_path: Path) -> S3Process:
    """The live store (prefix ``live``) with three objects, and the backup settings."""
    settings.GGZY_BACKUP_KEY = backupcrypt.new_key()
    settings.GGZY_BACKUP_DIR = tmp_path / "backups"
    s3.use(settings, "live")
    for i in range(3):
        default_storage.save(f"blobs/0{i}/object-{i}.bin", ContentFile(bytes([i]) * 50_000))
    return s3


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    yield from _fresh_database_url(tmp_path)


def kill_after_first_file(server: S3Process, *, skip: int = 0) -> ops.Progress:
    """A progress callback that kills the S3 server once the first object of the files stage was
    read (backup) or written (restore) — after ``skip`` earlier "文件" reports (the drill's backup)."""
    seen = 0

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal seen
        if stage == "文件":
            seen += 1
            if seen == skip + 1:
                server.kill()

    return progress


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("CommandError:")]


def database_tables(database_url: str) -> list[str]:
    """The tables of the child instance's database (none: the restore never touched it)."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if not path.exists():
            return []
        import sqlite3

        with sqlite3.connect(path) as conn:
            return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    import psycopg

    dbname = database_url.rsplit("/", 1)[1]
    with psycopg.connect(**ops._pg_params(dbname)) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return [r[0] for r in rows]


# ---------------------------------------------------------------- (a) the store is down before the run


def test_backup_with_the_store_down_fails_at_once_with_one_line(
    s3: S3Process, settings: Any, tmp_path: Path, fresh_database_url: str
) -> None:
    settings.GGZY_BACKUP_KEY = backupcrypt.new_key()
    s3.kill()
    out = tmp_path / "out"
    env = {**child_env(settings, tmp_path, fresh_database_url), **s3.child_env("live")}
    proc = subprocess.run(
        [GGZY, "backup", "--out", str(out)], env=env, capture_output=True, text=True, timeout=CHILD_LIMIT
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = error_lines(proc.stderr)
    assert "备份未开始（没有写入任何内容）" in line
    assert f"文件存储 s3://{s3.bucket}/live @ {s3.endpoint} 无法访问" in line
    assert "备份完成" not in proc.stdout
    assert not out.exists() or not any(out.iterdir())


def test_backup_and_drill_in_process_with_the_store_down(store: S3Process, tmp_path: Path) -> None:
    store.kill()
    out = tmp_path / "out"
    with pytest.raises(ops.BackupFailed) as failed:
        ops.backup_create(out_dir=out, clock=FixedClock())
    assert failed.value.message.startswith("备份未开始（没有写入任何内容）：文件存储 ")
    assert "\n" not in failed.value.message
    assert not out.exists() or not any(out.iterdir())

    # the drill is recorded as failed, with the reason, in the audit log too
    drill = ops.backup_drill(scratch_dir=tmp_path / "scratch")
    assert not drill.ok
    assert "备份未开始" in drill.result and store.endpoint in drill.result
    assert BackupDrill.objects.filter(pk=drill.pk, ok=False).exists()
    event = Event.objects.get(action="platform.backup_drill_recorded", target_id=str(drill.pk))
    assert event.data["ok"] is False
    assert not any((tmp_path / "scratch").iterdir())  # the drill's scratch folder is gone


# ---------------------------------------------------------------- (b) the store drops mid-run


def test_backup_stops_cleanly_when_the_store_drops_after_the_first_object(
    store: S3Process, tmp_path: Path
) -> None:
    names = ops.storage_files()
    assert len(names) == 3
    out = tmp_path / "out"
    with pytest.raises(ops.BackupFailed) as failed:
        ops.backup_create(out_dir=out, clock=FixedClock(), progress=kill_after_first_file(store))
    message = failed.value.message
    assert "\n" not in message
    assert message.startswith("备份中止，没有生成备份（临时目录已删除）：")
    assert f"读取文件存储中的对象 {names[1]}（第 2/3 个）失败：文件存储无法访问" in message
    # the database part was written before the store dropped; nothing of it is left, not even
    # a hidden .partial folder
    assert list(out.iterdir()) == []


def test_a_folder_without_a_manifest_is_refused_by_restore(store: S3Process, tmp_path: Path) -> None:
    """What a backup killed mid-run (kill -9: no clean-up) can leave: parts without a manifest."""
    out = tmp_path / "out"
    result = ops.backup_create(out_dir=out, clock=FixedClock())
    partial = out / f".{result.path.name}.partial"
    result.path.rename(partial)
    (partial / ops.MANIFEST).unlink()
    (partial / ops.SIGNATURE).unlink()
    with pytest.raises(ops.BackupFailed, match="不是 ggzy 备份目录"):
        ops.restore(partial)


def test_restore_stops_cleanly_when_the_store_drops_and_leaves_the_database_as_it_was(
    store: S3Process, settings: Any, tmp_path: Path
) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out", clock=FixedClock())
    names = [f["path"] for f in result.manifest["files"]]
    assert len(names) == 3
    # this test database holds no data of its own: the instance is a valid restore target once
    # the file store is an empty prefix
    store.use(settings, "restored")
    assert ops.instance_problems() == []
    before = ops.live_facts()
    last_event = Event.objects.aggregate(m=Max("seq"))["m"]

    with pytest.raises(ops.BackupFailed) as failed:
        ops.restore(result.path, progress=kill_after_first_file(store))
    message = failed.value.message
    assert "\n" not in message
    assert message.startswith("恢复中止，数据库没有改动，已写入文件存储的 1 个对象未能删除")
    assert f"写入文件存储中的对象 {names[1]}（第 2/3 个）失败：文件存储无法访问" in message
    assert ops.live_facts() == before
    assert Event.objects.aggregate(m=Max("seq"))["m"] == last_event


def test_restore_removes_what_it_wrote_when_a_file_fails_and_the_store_is_up(
    store: S3Process, settings: Any, tmp_path: Path
) -> None:
    """A failure among the files with the store still reachable (here: a name already taken in the
    target, by another writer after the emptiness check): the objects written are deleted again."""
    result = ops.backup_create(out_dir=tmp_path / "out", clock=FixedClock())
    names = [f["path"] for f in result.manifest["files"]]
    store.use(settings, "restored")
    before = ops.live_facts()
    taken = names[2]

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "文件" and done == 2:  # another writer takes the third name
            default_storage.save(taken, ContentFile(b"someone else's"))

    with pytest.raises(ops.BackupFailed) as failed:
        ops.restore(result.path, progress=progress)
    message = failed.value.message
    assert message.startswith("恢复中止，数据库没有改动，已写入的 2 个对象已删除")
    assert f"文件 {taken} 已存在于文件存储中" in message
    assert ops.storage_files() == [taken]  # only the other writer's object is left
    assert ops.live_facts() == before


def test_drill_is_recorded_as_failed_when_the_store_drops_during_the_scratch_restore(
    store: S3Process, tmp_path: Path
) -> None:
    drill = ops.backup_drill(scratch_dir=tmp_path / "scratch", progress=kill_after_first_file(store, skip=3))
    assert not drill.ok
    assert "写入演练存储中的对象" in drill.result and "文件存储无法访问" in drill.result
    assert drill.backup_path  # the backup part of the drill had finished
    assert BackupDrill.objects.filter(pk=drill.pk, ok=False).exists()
    assert not any((tmp_path / "scratch").iterdir())


# ---------------------------------------------------------------- (c) restore with the store gone


def test_restore_with_the_store_gone_refuses_before_touching_the_instance(
    store: S3Process, settings: Any, tmp_path: Path, fresh_database_url: str
) -> None:
    result = ops.backup_create(out_dir=tmp_path / "out", clock=FixedClock())
    store.kill()
    assert database_tables(fresh_database_url) == []
    env = {**child_env(settings, tmp_path, fresh_database_url), **store.child_env("restored")}
    proc = subprocess.run(
        [GGZY, "restore", str(result.path), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_LIMIT,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "备份校验通过" in proc.stdout  # the backup itself was fine
    [line] = error_lines(proc.stderr)
    assert "恢复未开始（本实例没有改动）" in line
    assert f"文件存储 s3://{store.bucket}/restored @ {store.endpoint} 无法访问" in line
    assert database_tables(fresh_database_url) == []


def test_a_missing_bucket_fails_the_pre_flight_and_is_recorded_by_the_drill(
    store: S3Process, settings: Any, tmp_path: Path
) -> None:
    """Not only a stopped server: a 4xx from the store (the bucket deleted, or a wrong name in
    GGZY_STORAGE_URL) also stops the run before it starts, and a drill records it."""
    entry = settings.STORAGES["default"]
    options = {**entry["OPTIONS"], "bucket_name": "ggzy-no-such-bucket"}
    settings.STORAGES = {**settings.STORAGES, "default": {**entry, "OPTIONS": options}}
    with pytest.raises(ops.BackupFailed, match="返回错误：NoSuchBucket"):
        ops.backup_create(out_dir=tmp_path / "out", clock=FixedClock())
    drill = ops.backup_drill(scratch_dir=tmp_path / "scratch")
    assert not drill.ok and "NoSuchBucket" in drill.result
