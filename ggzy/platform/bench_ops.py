"""Benchmark of issue #9 (operations) for ``ggzy bench``: :func:`bench_backup` — a full backup of
this process's database and file store (encrypted, signed) and its restore into a scratch database
and folder (with the row-count, file-hash and audit-chain checks of a drill), in seconds and MB/s.

Uses a throw-away backup key and a temporary folder, writes no drill record and leaves nothing
behind, so it can run against the bench database as it is.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.test import override_settings

from ggzy.platform import backup as ops
from ggzy.platform import backupcrypt


def _mb_per_s(nbytes: int, seconds: float) -> float:
    return round(nbytes / 1048576 / seconds, 1) if seconds > 0 else 0.0


def bench_backup(*, scratch_dir: str | None = None) -> dict[str, Any]:
    """Seconds and MB/s of ``ggzy backup`` and of the scratch restore of that backup."""
    scratch = Path(tempfile.mkdtemp(prefix="ggzy-bench-backup-", dir=scratch_dir))
    try:
        with override_settings(GGZY_BACKUP_KEY=backupcrypt.new_key()):
            started = time.perf_counter()
            result = ops.backup_create(out_dir=scratch / "backup")
            backup_s = time.perf_counter() - started
            manifest = result.manifest
            plain = sum(int(p["plain_size"]) for p in manifest["parts"])
            restore_root = scratch / "restore"
            restore_root.mkdir()
            started = time.perf_counter()
            verified = ops.backup_verify(result.path)
            facts = ops._restore_scratch(result.path, verified, restore_root, None)
            restore_s = time.perf_counter() - started
        problems = ops._compare(manifest, facts["counts"], facts["head"])
        return {
            "vendor": manifest["database"]["vendor"],
            "tables": manifest["database"]["table_count"],
            "rows": manifest["database"]["rows"],
            "files": len(manifest["files"]),
            "database_mb": round(int(manifest["parts"][0]["plain_size"]) / 1048576, 2),
            "files_mb": round(int(manifest["file_bytes"]) / 1048576, 2),
            "backup_mb": round(result.bytes / 1048576, 2),
            "backup_s": round(backup_s, 3),
            "backup_mb_s": _mb_per_s(plain, backup_s),
            "restore_s": round(restore_s, 3),
            "restore_mb_s": _mb_per_s(plain, restore_s),
            "restore_identical": not problems and facts["chain_ok"] and not facts["file_mismatches"],
            "note": "restore = verify signature and hashes, decrypt, restore into a scratch database "
            "and folder, compare row counts and file hashes, `ggzy audit verify` in a child process",
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
