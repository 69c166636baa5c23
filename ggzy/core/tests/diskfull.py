"""A full disk for tests: a real small tmpfs when the test process may mount one (root, as in CI),
otherwise the operating system's ENOSPC injected at ``os.fsync`` (which does report ENOSPC on real
file systems: NFS, thin provisioning, delayed allocation). Either way the code under test meets the
OS's error on its own write path; nothing of ours is mocked."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class DiskFull:
    """``root`` is the folder that fills up; ``fill()`` makes writes fail for lack of space (for the
    tmpfs: it already is small — ``size_kb`` — and fills with what the test writes), ``free()``
    gives space back (remount bigger / stop injecting)."""

    def __init__(self, root: Path, *, mounted: bool, monkeypatch: Any) -> None:
        self.root, self.mounted, self.monkeypatch = root, mounted, monkeypatch
        self._real_fsync = os.fsync

    @property
    def mode(self) -> str:
        return "tmpfs" if self.mounted else "injected ENOSPC at fsync"

    def fill(self) -> None:
        if self.mounted:
            return
        real = self._real_fsync

        def fsync(fd: int) -> None:
            real(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self.monkeypatch.setattr(os, "fsync", fsync)

    def free(self) -> None:
        if self.mounted:
            subprocess.run(
                ["mount", "-o", "remount,size=16m", str(self.root)], check=True, capture_output=True
            )
        else:
            self.monkeypatch.setattr(os, "fsync", self._real_fsync)


def _try_mount(path: Path, size_kb: int) -> bool:
    if os.geteuid() != 0:
        return False
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


@contextlib.contextmanager
def disk_full(path: Path, monkeypatch: Any, *, size_kb: int = 1024) -> Iterator[DiskFull]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = _try_mount(path, size_kb)
    try:
        yield DiskFull(path, mounted=mounted, monkeypatch=monkeypatch)
    finally:
        umounted = mounted and subprocess.run(["umount", str(path)], capture_output=True, check=False)
        if umounted and umounted.returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def leftovers(root: Path) -> list[str]:
    """Files in ``root`` that are not complete content-addressed blobs: partial blobs or
    temporary files."""
    import hashlib

    bad = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        if p.parent.parent.name == "blobs" and hashlib.sha256(p.read_bytes()).hexdigest() == p.name:
            continue
        bad.append(str(p.relative_to(root)))
    return bad
