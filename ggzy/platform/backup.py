"""Backups, restores and restore drills (``ggzy backup``, ``ggzy restore``, ``ggzy backup drill``).

A backup is a folder::

    ggzy-backup-20261126T193000Z/
      manifest.json        what is in it: parts, files, row counts, audit chain head (canonical JSON)
      manifest.sig         signature of manifest.json with the platform key (base64 DER): ECDSA
                           P-256 or SM2, per GGZY_CRYPTO_SUITE, named in the manifest's signer
      database.sqlite3.enc or database.pgdump.enc
      files.tar.enc        every file of the file store, as a tar stream

Every ``.enc`` part is AES-256-GCM in the chunked STREAM construction (ggzy.platform.backupcrypt)
under GGZY_BACKUP_KEY. The database copy is consistent while the site runs: SQLite through the
online backup API, PostgreSQL through ``pg_dump -Fc`` inside an exported REPEATABLE READ snapshot —
the row counts and the audit chain head in the manifest are read in that same snapshot, so they
describe exactly what was dumped. A restore checks the signature and the SHA-256 of every part
before it touches anything, and refuses an instance that already holds data.

When the file store fails (an S3 server stopped or unreachable, before or during the run): every
operation starts with a pre-flight probe of the store (``storage_preflight``: seconds, one
attempt), and any failure later becomes one ``BackupFailed`` line naming the step and the object.
Nothing half-written remains: a backup is assembled in a hidden ``.….partial`` folder, removed on
failure, and only renamed to its final name after the signed manifest is written (a folder
without a manifest is refused by ``backup_verify``); a restore writes the files first and the
database last, so a failure among the files leaves the database untouched, and the objects it had
written are deleted again (or named in the error when the store is gone).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform as platform_mod
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction

from ggzy.audit.models import ChainHead
from ggzy.audit.platform_key import platform_public_pem, platform_signature_algorithm, platform_signing_key
from ggzy.audit.selectors import audit_verify
from ggzy.audit.services import audit_record
from ggzy.core.canonical import canonical_json
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import GgzyError, StorageFull, StorageUnavailable, ValidationFailed
from ggzy.platform import backupcrypt
from ggzy.platform.models import BackupDrill
from ggzy.sealing import signing, suites

logger = logging.getLogger("ggzy.backup")

FORMAT = "ggzy-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DB_PART = {"sqlite": "database.sqlite3.enc", "postgresql": "database.pgdump.enc"}
FILES_PART = "files.tar.enc"
COPY_CHUNK = 1024 * 1024
# Transient, never backed up: /readyz probes, the parts of unfinished bid uploads in an object
# store (ggzy.trading.upload_store: not bids) and a running restore drill's scratch copy.
SKIP_PREFIXES = ("readyz/", "bid-uploads/", ".drill/")
DRILL_PREFIX = ".drill/"
# A restore target holding rows in any of these already has data of its own (migrations fill
# reference tables such as categories, never these).
DATA_MODELS = (
    "audit.Event",
    "accounts.User",
    "accounts.Organisation",
    "publishing.StoredFile",
    "publishing.Article",
    "publishing.Notice",
    "trading.Section",
)

Progress = Callable[[str, int, int], None]


class BackupFailed(ValidationFailed):
    code = "backup_failed"


# What a file store raises when it fails: the platform's own errors (ggzy.core.s3 maps most botocore
# errors to them), botocore's remaining ones (a 4xx such as AccessDenied, missing credentials) and
# the local file system's OSError.
STORAGE_FAILURES: tuple[type[BaseException], ...] = (GgzyError, OSError, BotoCoreError, ClientError)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def failure_reason(exc: BaseException) -> str:
    """Why the store failed, on one line, for an operator (the pages' message is for users)."""
    cause = exc.__cause__
    if isinstance(exc, StorageUnavailable):
        return "文件存储无法访问" + (f"（{_one_line(cause)}）" if cause is not None else "")
    if isinstance(exc, StorageFull):
        return "文件存储空间不足"
    if isinstance(exc, GgzyError):
        return " ".join(exc.message.split())
    return _one_line(exc)


@contextlib.contextmanager
def _storage_step(what: str) -> Iterator[None]:
    """A file-store failure during ``what`` becomes one ``BackupFailed`` line naming the step."""
    try:
        yield
    except BackupFailed:
        raise
    except STORAGE_FAILURES as exc:
        raise BackupFailed(f"{what}失败：{failure_reason(exc)}") from exc


def storage_preflight(what: str) -> None:
    """Fail in seconds, before any work, when the object store is unreachable (``S3FileStore.probe``:
    one attempt, short timeouts). The local file system needs no probe: its errors are immediate."""
    probe = getattr(default_storage, "probe", None)
    if probe is None:
        return
    try:
        probe()
    except STORAGE_FAILURES as exc:
        reason = exc.message if isinstance(exc, GgzyError) else _one_line(exc)
        raise BackupFailed(f"{what}：{' '.join(reason.split())}") from exc


@dataclass(frozen=True)
class BackupKey:
    key: bytes
    source: str  # "env" or the path of a development key file
    created: bool = False

    @property
    def key_id(self) -> str:
        return backupcrypt.key_id(self.key)


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float = 0.0

    @property
    def bytes(self) -> int:
        return sum(int(p["size"]) for p in self.manifest["parts"])


@dataclass
class RestoreReport:
    tables: int
    rows: int
    files: int
    audit_head_seq: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- keys


def backup_key() -> BackupKey:
    """GGZY_BACKUP_KEY; in development without it, a key file under var/keys/ (created once)."""
    text = settings.GGZY_BACKUP_KEY
    if text:
        try:
            return BackupKey(backupcrypt.parse_key(text), "env")
        except ValueError as exc:
            raise BackupFailed(f"GGZY_BACKUP_KEY 无效：{exc}") from exc
    if settings.GGZY_BACKUP_REQUIRE_KEY:
        raise BackupFailed(
            "生产环境必须设置 GGZY_BACKUP_KEY（base64 编码的 32 字节随机密钥，保存在密钥管理系统并离线留存）"
        )
    path = Path(settings.GGZY_BACKUP_KEY_PATH)
    if path.exists():
        try:
            return BackupKey(backupcrypt.parse_key(path.read_text()), str(path))
        except ValueError as exc:
            raise BackupFailed(f"备份密钥文件 {path} 无效：{exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(backupcrypt.new_key() + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    logger.warning("created a development backup key at %s", path)
    return BackupKey(backupcrypt.parse_key(path.read_text()), str(path), created=True)


def _platform_key() -> signing.SigningKey | suites.SMSigningKey:
    """The platform key of GGZY_CRYPTO_SUITE (ECDSA P-256, or SM2 under ``sm``)."""
    return platform_signing_key()


# ---------------------------------------------------------------- helpers


def ggzy_version() -> str:
    try:
        return importlib.metadata.version("ggzy")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0+unknown"


def vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(COPY_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_stored(storage: Any, name: str) -> str:
    """SHA-256 of a file in a storage, read back through the storage (streamed)."""
    digest = hashlib.sha256()
    with storage.open(name, "rb") as fh:
        for block in iter(lambda: fh.read(COPY_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class _HashingReader:
    """Reads through ``src`` while hashing and counting what was read."""

    def __init__(self, src: IO[bytes]) -> None:
        self.src, self.digest, self.size = src, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.src.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, Any]]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {n: int(conn.execute(f"SELECT COUNT(*) FROM {_quote(n)}").fetchone()[0]) for n in names}  # noqa: S608
    head: dict[str, Any] = {"seq": 0, "hash": ""}
    table = ChainHead._meta.db_table
    if table in counts:
        row = conn.execute(f"SELECT seq, hash FROM {_quote(table)} WHERE id = 1").fetchone()  # noqa: S608
        if row:
            head = {"seq": int(row[0]), "hash": str(row[1])}
    return counts, head


def _pg_params(dbname: str | None = None) -> dict[str, Any]:
    s = connection.settings_dict
    params = {
        "dbname": dbname or s["NAME"],
        "user": s.get("USER") or None,
        "password": s.get("PASSWORD") or None,
        "host": s.get("HOST") or None,
        "port": s.get("PORT") or None,
    }
    return {k: v for k, v in params.items() if v not in (None, "")}


def _pg_env(dbname: str) -> dict[str, str]:
    p = _pg_params(dbname)
    env = {**os.environ, "PGDATABASE": str(p["dbname"])}
    for key, var in (("user", "PGUSER"), ("password", "PGPASSWORD"), ("host", "PGHOST"), ("port", "PGPORT")):
        if key in p:
            env[var] = str(p[key])
    return env


def _pg_facts(cursor: Any) -> tuple[dict[str, int], dict[str, Any]]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY schemaname, tablename"
    )
    tables = cursor.fetchall()
    counts: dict[str, int] = {}
    for schema, name in tables:
        label = name if schema == "public" else f"{schema}.{name}"
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(schema)}.{_quote(name)}")  # noqa: S608
        counts[label] = int(cursor.fetchone()[0])
    head: dict[str, Any] = {"seq": 0, "hash": ""}
    table = ChainHead._meta.db_table
    if table in counts:
        cursor.execute(f"SELECT seq, hash FROM {_quote(table)} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        if row:
            head = {"seq": int(row[0]), "hash": str(row[1])}
    return counts, head


def storage_files() -> list[str]:
    """Every file in the file store (relative names, sorted), probes excluded."""
    found: list[str] = []
    iter_names = getattr(default_storage, "iter_names", None)
    if iter_names is not None:  # an object store lists every key at once (ggzy.core.s3)
        return sorted(n for n in iter_names() if not n.startswith(SKIP_PREFIXES))

    def walk(prefix: str) -> None:
        try:
            dirs, files = default_storage.listdir(prefix)
        except FileNotFoundError:
            return
        for f in files:
            name = f"{prefix}{f}"
            if not name.startswith(SKIP_PREFIXES):
                found.append(name)
        for d in dirs:
            walk(f"{prefix}{d}/")

    walk("")
    return sorted(found)


# ---------------------------------------------------------------- backup


def _dump_sqlite(
    part: Path, key: bytes, work: Path, progress: Progress | None
) -> tuple[Any, dict[str, int], dict]:
    snapshot = work / "snapshot.sqlite3"
    dst = sqlite3.connect(snapshot)
    try:

        def step(status: int, remaining: int, total: int) -> None:
            if progress:
                progress("数据库", total - remaining, total)

        if connection.is_in_memory_db():  # type: ignore[attr-defined]  # the test database: copy through Django's own connection
            connection.ensure_connection()
            src = connection.connection
            src.backup(dst, pages=256, progress=step)
        else:
            src = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=20)
            try:
                src.backup(dst, pages=256, progress=step)
            finally:
                src.close()
        counts, head = _sqlite_facts(dst)
    finally:
        dst.close()
    with snapshot.open("rb") as fh, part.open("wb") as out:
        writer = backupcrypt.encrypt_file(fh, out, key, name=part.name)
    snapshot.unlink()
    return writer, counts, head


def _dump_postgresql(part: Path, key: bytes, progress: Progress | None) -> tuple[Any, dict[str, int], dict]:
    import psycopg

    dbname = str(connection.settings_dict["NAME"])
    with psycopg.connect(**_pg_params(dbname)) as snap:
        snap.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snap.read_only = True
        with snap.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            assert row is not None
            snapshot_id = str(row[0])
            counts, head = _pg_facts(cursor)
            # pg_dump reads in the same snapshot while this transaction stays open.
            cmd = ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", "--no-password", dbname]
            with part.open("wb") as out:
                writer = backupcrypt.EncryptWriter(out, key, name=part.name)
                with tempfile.TemporaryFile() as errors:
                    proc = subprocess.Popen(  # noqa: S603
                        cmd, stdout=subprocess.PIPE, stderr=errors, env=_pg_env(dbname)
                    )
                    assert proc.stdout is not None
                    done = 0
                    for block in iter(lambda: proc.stdout.read(COPY_CHUNK), b""):  # type: ignore[union-attr]
                        writer.write(block)
                        done += len(block)
                        if progress:
                            progress("数据库", done, 0)
                    proc.wait()
                    errors.seek(0)
                    err = errors.read().decode(errors="replace")
                if proc.returncode != 0:
                    raise BackupFailed(f"pg_dump 失败（退出码 {proc.returncode}）：{err.strip()[:500]}")
                writer.close()
    return writer, counts, head


class _StoredObjectReader(_HashingReader):
    """A ``_HashingReader`` over an object of the file store: a failure while reading it names the
    object (the tar writer around it only sees a read error otherwise)."""

    def __init__(self, src: IO[bytes], what: str) -> None:
        super().__init__(src)
        self.what = what

    def read(self, n: int = -1) -> bytes:
        with _storage_step(self.what):
            return super().read(n)


def _dump_files(part: Path, key: bytes, progress: Progress | None) -> tuple[Any, list[dict[str, Any]]]:
    with _storage_step("列出文件存储中的对象"):
        names = storage_files()
    listed: list[dict[str, Any]] = []
    with part.open("wb") as out:
        writer = backupcrypt.EncryptWriter(out, key, name=part.name)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            for i, name in enumerate(names, 1):
                what = f"读取文件存储中的对象 {name}（第 {i}/{len(names)} 个）"
                info = tarfile.TarInfo(name)
                info.mode = 0o600
                with contextlib.ExitStack() as stack:
                    with _storage_step(what):
                        info.size = default_storage.size(name)
                        fh = stack.enter_context(default_storage.open(name, "rb"))
                    reader = _StoredObjectReader(fh, what)
                    tar.addfile(info, reader)
                listed.append({"path": name, "size": reader.size, "sha256": reader.digest.hexdigest()})
                if progress:
                    progress("文件", i, len(names))
        writer.close()
    return writer, listed


def _part_entry(path: Path, writer: Any) -> dict[str, Any]:
    return {
        "name": path.name,
        "size": path.stat().st_size,
        "sha256": _sha256_file(path),
        "plain_size": writer.plain_size,
        "plain_sha256": writer.plain_sha256,
    }


def backup_create(
    *, out_dir: Path | None = None, clock: Clock = system_clock, progress: Progress | None = None
) -> BackupResult:
    """Write a new backup folder under ``out_dir`` (default GGZY_BACKUP_DIR); returns its path."""
    started = time.monotonic()
    storage_preflight("备份未开始（没有写入任何内容）")
    key = backup_key()
    signer = _platform_key()
    at = clock.now()
    out = Path(out_dir or settings.GGZY_BACKUP_DIR)
    out.mkdir(parents=True, exist_ok=True)
    final = out / f"ggzy-backup-{at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    work = out / f".{final.name}.partial"
    work.mkdir(mode=0o700)
    try:
        db_vendor = vendor()
        db_part = work / DB_PART[db_vendor]
        if db_vendor == "sqlite":
            db_writer, counts, head = _dump_sqlite(db_part, key.key, work, progress)
        else:
            db_writer, counts, head = _dump_postgresql(db_part, key.key, progress)
        files_part = work / FILES_PART
        files_writer, files = _dump_files(files_part, key.key, progress)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": at.astimezone(dt.UTC).isoformat(),
            "ggzy_version": ggzy_version(),
            "host": platform_mod.node(),
            "database": {
                "vendor": db_vendor,
                "tables": counts,
                "table_count": len(counts),
                "rows": sum(counts.values()),
            },
            "audit_head": head,
            "parts": [_part_entry(db_part, db_writer), _part_entry(files_part, files_writer)],
            "files": files,
            "file_bytes": sum(f["size"] for f in files),
            "encryption": {
                "algorithm": "AES-256-GCM STREAM, HKDF-SHA256 per part",
                "chunk": backupcrypt.CHUNK,
                "key_id": key.key_id,
            },
            "signer": {
                "key_id": signer.key_id,
                "public_key_pem": signer.public_pem().decode("ascii"),
                "algorithm": platform_signature_algorithm(),
            },
        }
        body = canonical_json(manifest)
        (work / MANIFEST).write_bytes(body)
        (work / SIGNATURE).write_text(signer.sign(body) + "\n")
        work.rename(final)
    except BackupFailed as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupFailed(f"备份中止，没有生成备份（临时目录已删除）：{exc.message}") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(final, manifest, time.monotonic() - started)


# ---------------------------------------------------------------- verify


def backup_verify(path: Path, *, public_pem: bytes | None = None) -> dict[str, Any]:
    """Check the manifest signature and the size and SHA-256 of every part; return the manifest.
    Touches nothing outside ``path``."""
    path = Path(path)
    if not (path / MANIFEST).is_file() or not (path / SIGNATURE).is_file():
        raise BackupFailed(f"{path} 不是 ggzy 备份目录（缺少 {MANIFEST} 或 {SIGNATURE}）")
    body = (path / MANIFEST).read_bytes()
    signature = (path / SIGNATURE).read_text().strip()
    try:
        manifest = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BackupFailed("备份清单不是有效的 JSON（清单被改动？）") from exc
    # Which of the platform's keys signed it (no algorithm: a manifest from before suites, ECDSA).
    # Read before the signature is checked, but it only picks one of this instance's own keys
    # (or must match the key given), so a forged manifest cannot choose what verifies it.
    signer = manifest.get("signer") if isinstance(manifest, dict) else None
    algorithm = signer.get("algorithm", "ecdsa-p256-sha256") if isinstance(signer, dict) else None
    suite = signing.SUITE_OF_ALGORITHM.get(algorithm) if isinstance(algorithm, str) else None
    if suite is None:
        raise BackupFailed(f"备份清单的签名算法无法识别：{str(algorithm)[:40]}")
    if public_pem is None:
        key_path = signing.suite_key_path(Path(settings.GGZY_PLATFORM_KEY_PATH), suite)
        if not key_path.exists():
            raise BackupFailed(
                f"本实例没有签署该备份的平台密钥（{algorithm}，{key_path}），无法校验清单签名；"
                "请放入平台密钥或用 --public-key 指定公钥"
            )
        public_pem = platform_public_pem(suite=suite)
        assert public_pem is not None  # the key file exists
    try:
        key_suite = suites.load_any_public_key(public_pem)[0].name
    except suites.SuiteError as exc:
        raise BackupFailed(f"平台公钥无法读取：{exc}") from exc
    if key_suite != suite:
        raise BackupFailed(f"备份清单用 {algorithm} 签署，给出的公钥属于另一密码套件（{key_suite}）")
    if not suites.verify_b64(public_pem, body, signature):
        raise BackupFailed("备份清单签名无效：清单被改动，或不是用本平台密钥签署的")
    if manifest.get("format") != FORMAT:
        raise BackupFailed(f"不支持的备份格式：{manifest.get('format')}")
    key = backup_key()
    if manifest["encryption"]["key_id"] != key.key_id:
        raise BackupFailed(
            f"备份用的是另一把备份密钥（{manifest['encryption']['key_id']}），本实例的是 {key.key_id}"
        )
    for part in manifest["parts"]:
        part_path = path / part["name"]
        if not part_path.is_file():
            raise BackupFailed(f"备份分卷 {part['name']} 缺失")
        if part_path.stat().st_size != part["size"]:
            raise BackupFailed(f"备份分卷 {part['name']} 大小不符：被截断或改动")
        if _sha256_file(part_path) != part["sha256"]:
            raise BackupFailed(f"备份分卷 {part['name']} 的 SHA-256 与清单不符：内容被改动")
    return manifest


# ---------------------------------------------------------------- restore


def instance_problems() -> list[str]:
    """Why the current instance is not empty (an empty list when a restore may proceed)."""
    problems: list[str] = []
    tables = set(connection.introspection.table_names())
    for label in DATA_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._meta.db_table in tables:
            n = model._default_manager.count()
            if n:
                problems.append(f"数据库表 {model._meta.db_table} 已有 {n} 行")
    with _storage_step("列出文件存储中的对象"):
        files = storage_files()
    if files:
        problems.append(f"文件存储不是空的（已有 {len(files)} 个文件，例如 {files[0]}）")
    return problems


def _decrypt_to(src: Path, key: bytes, out: BinaryIO) -> int:
    with src.open("rb") as fh:
        return backupcrypt.decrypt_file(fh, out, key, name=src.name)


def _restore_files(
    part: Path,
    key: bytes,
    manifest: dict[str, Any],
    write: Callable[[str, IO[bytes]], None],
    progress: Progress | None,
) -> int:
    """Decrypt the files part; check every member against the manifest before ``write``."""
    expected = {f["path"]: f for f in manifest["files"]}
    seen = 0
    with part.open("rb") as fh:
        reader = backupcrypt.DecryptReader(fh, key, name=part.name)
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                entry = expected.get(member.name)
                if entry is None or not member.isfile():
                    raise BackupFailed(f"文件分卷含有清单之外的条目：{member.name}")
                src = tar.extractfile(member)
                assert src is not None
                with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as tmp:
                    digest = hashlib.sha256()
                    for block in iter(lambda: src.read(COPY_CHUNK), b""):  # noqa: B023
                        digest.update(block)
                        tmp.write(block)
                    if digest.hexdigest() != entry["sha256"] or tmp.tell() != entry["size"]:
                        raise BackupFailed(f"文件 {member.name} 的 SHA-256 与清单不符")
                    tmp.seek(0)
                    write(member.name, tmp)
                seen += 1
                if progress:
                    progress("文件", seen, len(expected))
    if seen != len(expected):
        raise BackupFailed(f"文件分卷只有 {seen} 个文件，清单列了 {len(expected)} 个")
    return seen


def _write_to_storage(name: str, content: IO[bytes]) -> None:
    saved = default_storage.save(name, File(content))
    if saved != name:
        default_storage.delete(saved)  # the copy under another name is not part of the restore
        raise BackupFailed(f"文件 {name} 已存在于文件存储中（存成了 {saved}）")


def _pg_restore(part: Path, key: bytes, dbname: str, *, clean: bool) -> None:
    cmd = [
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        "--no-password",
        f"--dbname={dbname}",
    ]
    if clean:
        cmd[1:1] = ["--clean", "--if-exists"]
    # stderr goes to a file: a full pipe would stall pg_restore while we are still feeding it.
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(  # noqa: S603
            cmd, stdin=subprocess.PIPE, stdout=errors, stderr=errors, env=_pg_env(dbname)
        )
        assert proc.stdin is not None
        try:
            with part.open("rb") as fh:
                reader = backupcrypt.DecryptReader(fh, key, name=part.name)
                while block := reader.read(COPY_CHUNK):
                    proc.stdin.write(block)
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit code and message say why
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        proc.wait()
        errors.seek(0)
        err = errors.read()
    if proc.returncode != 0:
        raise BackupFailed(
            f"pg_restore 失败（退出码 {proc.returncode}）：{err.decode(errors='replace').strip()[:500]}"
        )


def _compare(manifest: dict[str, Any], counts: dict[str, int], head: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    want = manifest["database"]["tables"]
    for table, n in sorted(want.items()):
        got = counts.get(table)
        if got != n:
            problems.append(f"表 {table}：备份 {n} 行，恢复后 {got if got is not None else '缺失'}")
    if head != manifest["audit_head"]:
        problems.append(f"审计链头不一致：备份 #{manifest['audit_head']['seq']}，恢复后 #{head.get('seq')}")
    return problems


def restore(
    path: Path, *, public_pem: bytes | None = None, progress: Progress | None = None
) -> RestoreReport:
    """Restore a verified backup into this (empty) instance, then check it.

    The files go in first and the database last: rows never point at files that are not there,
    and a failure among the files (a store that drops mid-run) leaves the database as it was. The
    objects written until then are deleted again, so the store is empty for the next attempt; when
    the store is gone that is impossible, and the error says how many objects remain."""
    manifest = backup_verify(path, public_pem=public_pem)
    if manifest["database"]["vendor"] != vendor():
        raise BackupFailed(f"备份来自 {manifest['database']['vendor']} 数据库，本实例是 {vendor()}")
    storage_preflight("恢复未开始（本实例没有改动）")
    problems = instance_problems()
    if problems:
        raise BackupFailed("只能恢复到空实例：" + "；".join(problems))
    key = backup_key().key
    path = Path(path)
    written: list[str] = []
    total = len(manifest["files"])

    def write(name: str, content: IO[bytes]) -> None:
        with _storage_step(f"写入文件存储中的对象 {name}（第 {len(written) + 1}/{total} 个）"):
            _write_to_storage(name, content)
        written.append(name)

    try:
        files = _restore_files(path / FILES_PART, key, manifest, write, progress)
    except BaseException as exc:
        note = _remove_restored(written)
        if isinstance(exc, BackupFailed):
            raise BackupFailed(f"恢复中止，数据库没有改动，{note}：{exc.message}") from exc
        raise
    try:
        _restore_database(path, manifest, key)
    except BaseException as exc:
        note = _remove_restored(written)
        if isinstance(exc, BackupFailed):
            raise BackupFailed(f"恢复数据库失败，{note}：{exc.message}") from exc
        raise
    with _storage_step("读回并校验文件存储中的对象"):
        return check_restored(manifest, files=files)


def _remove_restored(names: list[str]) -> str:
    """Delete the objects an interrupted restore wrote (best effort: it stops at the first failure,
    a store that is gone would fail every one); says what is left, for the error message."""
    for i, name in enumerate(names):
        try:
            default_storage.delete(name)
        except STORAGE_FAILURES as exc:
            logger.warning("could not remove %s after a failed restore: %s", name, exc)
            left = len(names) - i
            return f"已写入文件存储的 {left} 个对象未能删除（请清空文件存储后再恢复）"
    return f"已写入的 {len(names)} 个对象已删除" if names else "文件存储没有写入对象"


def _restore_database(path: Path, manifest: dict[str, Any], key: bytes) -> None:
    db_part = path / DB_PART[manifest["database"]["vendor"]]
    if vendor() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ggzy-restore-", dir=path) as tmpdir:
            plain = Path(tmpdir) / "restore.sqlite3"
            with plain.open("wb") as out:
                _decrypt_to(db_part, key, out)
            src = sqlite3.connect(plain)
            try:
                connection.close()
                connection.ensure_connection()
                src.backup(connection.connection)
            finally:
                src.close()
    else:
        connection.close()  # pg_restore --clean must not wait on our own locks
        _pg_restore(db_part, key, str(connection.settings_dict["NAME"]), clean=True)


def live_facts() -> tuple[dict[str, int], dict[str, Any]]:
    if vendor() == "sqlite":
        connection.ensure_connection()
        return _sqlite_facts(connection.connection)
    with connection.cursor() as cursor:
        return _pg_facts(cursor)


def check_restored(manifest: dict[str, Any], *, files: int) -> RestoreReport:
    counts, head = live_facts()
    problems = _compare(manifest, counts, head)
    for entry in manifest["files"]:
        if not default_storage.exists(entry["path"]):
            problems.append(f"文件 {entry['path']} 缺失")
            continue
        digest = hashlib.sha256()
        with default_storage.open(entry["path"], "rb") as fh:
            for block in iter(lambda: fh.read(COPY_CHUNK), b""):
                digest.update(block)
        if digest.hexdigest() != entry["sha256"]:
            problems.append(f"文件 {entry['path']} 的 SHA-256 不符")
    result = audit_verify()
    if not result.ok:
        problems.append(f"审计链校验失败：事件 #{result.first_bad_seq}：{result.reason}")
    return RestoreReport(
        tables=len(counts),
        rows=sum(counts.values()),
        files=files,
        audit_head_seq=int(head.get("seq") or 0),
        problems=problems,
    )


# ---------------------------------------------------------------- drill


def _verify_chain_in_child(database_url: str) -> tuple[bool, str]:
    """``ggzy audit verify`` against the scratch database, in a child process (the chain
    verification runs on Django's default connection, which must stay the live one here)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "django", "audit", "verify"],
        cwd=str(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()[-500:]


@contextlib.contextmanager
def _scratch_postgres() -> Iterator[str]:
    import psycopg
    from psycopg import sql

    name = f"{connection.settings_dict['NAME']}_drill_{uuid.uuid4().hex[:8]}"[:63]
    with psycopg.connect(**_pg_params(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(**_pg_params(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _database_url(dbname: str) -> str:
    from urllib.parse import quote

    p = _pg_params(dbname)
    auth = quote(str(p.get("user", "")), safe="")
    if "password" in p:
        auth += ":" + quote(str(p["password"]), safe="")
    host = p.get("host", "")
    port = f":{p['port']}" if "port" in p else ""
    return f"postgres://{auth}@{host}{port}/{quote(dbname, safe='')}"


def _restore_scratch(path: Path, manifest: dict[str, Any], scratch: Path, progress: Progress | None) -> dict:
    """Restore into a scratch database and folder; return what was found there."""
    # An object store restores into a scratch prefix of the same bucket (the drill exercises the
    # store's own writes and compares the objects' hashes), removed afterwards; else a scratch folder.
    scratch_id = f"{DRILL_PREFIX}{uuid.uuid4().hex[:12]}/"
    live: Any = default_storage
    store = None
    if hasattr(live, "with_location"):
        store = live.with_location(f"{live.location}/{scratch_id}".strip("/"))
    try:
        facts = _restore_scratch_into(path, manifest, scratch, progress, store)
    except BaseException:
        if store is not None:  # best effort: the store may be what failed (the first error counts)
            try:
                live.delete_prefix(scratch_id)
            except STORAGE_FAILURES as exc:
                logger.warning("could not remove the drill copy %s: %s", scratch_id, exc)
        raise
    if store is not None:
        with _storage_step(f"删除演练临时前缀 {scratch_id}"):
            live.delete_prefix(scratch_id)
    if store is not None:
        facts["file_store"] = store.describe()
    return facts


def _restore_scratch_into(
    path: Path, manifest: dict[str, Any], scratch: Path, progress: Progress | None, store: Any
) -> dict:
    key = backup_key().key
    db_part = path / DB_PART[manifest["database"]["vendor"]]
    files_dir = scratch / "files"
    files_dir.mkdir()

    def write(name: str, content: IO[bytes]) -> None:
        if store is not None:
            with _storage_step(f"写入演练存储中的对象 {name}"):
                saved = store.save(name, File(content))
            if saved != name:
                raise BackupFailed(f"文件 {name} 在演练存储中重复")
            return
        target = (files_dir / name).resolve()
        if not target.is_relative_to(files_dir.resolve()):
            raise BackupFailed(f"文件名不安全：{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            shutil.copyfileobj(content, out, COPY_CHUNK)

    facts: dict[str, Any] = {}
    if manifest["database"]["vendor"] == "sqlite":
        db_file = scratch / "restored.sqlite3"
        with db_file.open("wb") as out:
            _decrypt_to(db_part, key, out)
        scratch_db = sqlite3.connect(db_file)
        try:
            facts["counts"], facts["head"] = _sqlite_facts(scratch_db)
        finally:
            scratch_db.close()
        facts["chain_ok"], facts["chain_output"] = _verify_chain_in_child(f"sqlite:///{db_file}")
        facts["files"] = _restore_files(path / FILES_PART, key, manifest, write, progress)
    else:
        import psycopg

        with _scratch_postgres() as dbname:
            _pg_restore(db_part, key, dbname, clean=False)
            with psycopg.connect(**_pg_params(dbname)) as conn, conn.cursor() as cursor:
                facts["counts"], facts["head"] = _pg_facts(cursor)
            facts["chain_ok"], facts["chain_output"] = _verify_chain_in_child(_database_url(dbname))
            facts["scratch_database"] = dbname
        facts["files"] = _restore_files(path / FILES_PART, key, manifest, write, progress)
    mismatched = []
    for entry in manifest["files"]:
        if store is not None:
            with _storage_step(f"读回演练存储中的对象 {entry['path']}"):
                same = store.exists(entry["path"]) and _sha256_stored(store, entry["path"]) == entry["sha256"]
            if not same:
                mismatched.append(entry["path"])
            continue
        target = files_dir / entry["path"]
        if not target.is_file() or _sha256_file(target) != entry["sha256"]:
            mismatched.append(entry["path"])
    facts["file_mismatches"] = mismatched
    return facts


# What fails a drill (and is recorded) instead of escaping it: also a 4xx from the store
# (AccessDenied, NoSuchBucket) or missing credentials, not only an unreachable store.
DRILL_FAILURES: tuple[type[BaseException], ...] = (
    *STORAGE_FAILURES,
    backupcrypt.BackupCryptoError,
    subprocess.SubprocessError,
)


def backup_drill(
    *,
    actor: Any = None,
    scratch_dir: Path | None = None,
    clock: Clock = system_clock,
    progress: Progress | None = None,
) -> BackupDrill:
    """Back up, restore into a scratch location, compare, and record the drill (pass or fail)."""
    started_at = clock.now()
    t0 = time.monotonic()
    base = Path(scratch_dir) if scratch_dir else None
    if base:
        base.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="ggzy-drill-", dir=base))
    figures: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    backup_path = ""
    backup_bytes = 0
    problems: list[str] = []
    try:
        result = backup_create(out_dir=scratch / "backup", clock=clock, progress=progress)
        backup_path, backup_bytes = str(result.path), result.bytes
        figures["backup_seconds"] = round(result.seconds, 3)
        t1 = time.monotonic()
        manifest = backup_verify(result.path)
        restore_root = scratch / "restore"
        restore_root.mkdir()
        facts = _restore_scratch(result.path, manifest, restore_root, progress)
        figures["restore_seconds"] = round(time.monotonic() - t1, 3)
        problems = _compare(manifest, facts["counts"], facts["head"])
        if facts["files"] != len(manifest["files"]) or facts["file_mismatches"]:
            problems.append(f"文件不一致：{', '.join(facts['file_mismatches'][:5]) or '数量不符'}")
        if not facts["chain_ok"]:
            problems.append(f"恢复后的审计链校验失败：{facts['chain_output']}")
        figures["chain_verify"] = facts["chain_output"][-200:]
        figures["file_store"] = facts.get("file_store", "local")
        if "scratch_database" in facts:
            figures["scratch_database"] = facts["scratch_database"]
    # (GgzyError: also an unreachable or full object store — recorded as a failed drill)
    except DRILL_FAILURES as exc:
        problems.append(f"{type(exc).__name__}: {exc}"[:1000])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ok = not problems
    head = manifest.get("audit_head") or {}
    db = manifest.get("database") or {}
    duration = time.monotonic() - t0
    summary = (
        f"通过：{db.get('table_count', 0)} 张表 {db.get('rows', 0)} 行、"
        f"{len(manifest.get('files', []))} 个文件、"
        f"审计链头 #{head.get('seq', 0)} 与备份一致"
        if ok
        else "失败：" + "；".join(problems)
    )
    return _drill_record(
        actor=actor,
        started_at=started_at,
        finished_at=clock.now(),
        duration=duration,
        ok=ok,
        result=summary,
        backup_path=backup_path,
        backup_bytes=backup_bytes,
        manifest=manifest,
        figures=figures,
    )


@transaction.atomic
def _drill_record(
    *,
    actor: Any,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    duration: float,
    ok: bool,
    result: str,
    backup_path: str,
    backup_bytes: int,
    manifest: dict[str, Any],
    figures: dict[str, Any],
) -> BackupDrill:
    db = manifest.get("database") or {}
    head = manifest.get("audit_head") or {}
    label = (getattr(actor, "username", "") or "system") if actor is not None else "system（定时任务）"
    drill = BackupDrill.objects.create(
        started_at=started_at,
        finished_at=finished_at,
        duration_seconds=round(duration, 3),
        ok=ok,
        result=result[:5000],
        vendor=db.get("vendor", vendor()),
        backup_path=backup_path[:500],
        backup_bytes=backup_bytes,
        tables=int(db.get("table_count", 0)),
        rows=int(db.get("rows", 0)),
        files=len(manifest.get("files", [])),
        audit_head_seq=int(head.get("seq", 0)),
        figures={**figures, "tables": db.get("tables", {}), "audit_head": head},
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label[:200],
    )
    audit_record(
        actor=actor,
        action="platform.backup_drill_recorded",
        target=drill,
        data={
            "ok": ok,
            "rows": drill.rows,
            "files": drill.files,
            "audit_head_seq": drill.audit_head_seq,
            "seconds": drill.duration_seconds,
        },
    )
    if not ok:
        logger.error("backup drill failed: %s", result)
    return drill


DRILL_LOCK = "ggzy-backup-drill-running"


def backup_drill_if_due(*, clock: Clock = system_clock) -> BackupDrill | None:
    """Called by the worker: a drill when the last one is older than GGZY_BACKUP_DRILL_EVERY_DAYS.
    A cache lock keeps two workers from drilling at once."""
    every = float(settings.GGZY_BACKUP_DRILL_EVERY_DAYS)
    if every <= 0:
        return None
    last = BackupDrill.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    if last is not None and clock.now() - last < dt.timedelta(days=every):
        return None
    if not cache.add(DRILL_LOCK, 1, 6 * 3600):
        return None
    try:
        return backup_drill(clock=clock)
    finally:
        cache.delete(DRILL_LOCK)
