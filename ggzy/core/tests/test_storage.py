"""The atomic file store (ggzy.core.storage): a file appears complete under its name or not at all
— after a failing read of the source, and on a full disk (a real small tmpfs when the tests may
mount one, else the OS's ENOSPC at fsync) — with a ``StorageFull`` error and nothing left behind."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.base import ContentFile

from ggzy.core.errors import GgzyError, StorageFull
from ggzy.core.storage import PARTIAL_PREFIX, AtomicFileSystemStorage
from ggzy.core.tests.diskfull import disk_full


def files_in(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_save_writes_the_whole_file_and_keeps_django_naming(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=tmp_path)
    assert storage.save("blobs/ab/abc", ContentFile(b"x" * 300_000)) == "blobs/ab/abc"
    assert (tmp_path / "blobs/ab/abc").read_bytes() == b"x" * 300_000
    # a second writer of the same name gets another name (never replaces), as with Django's storage
    other = storage.save("blobs/ab/abc", ContentFile(b"y"))
    assert other != "blobs/ab/abc" and (tmp_path / other).read_bytes() == b"y"
    assert (tmp_path / "blobs/ab/abc").read_bytes() == b"x" * 300_000
    assert not [f for f in files_in(tmp_path) if PARTIAL_PREFIX in f]


class _BreaksMidway(io.RawIOBase):
    """A source that fails after 200 KB, like a process dying or a disk error mid-copy."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if self.sent >= 200_000:
            raise OSError(errno.EIO, "input/output error")
        n = min(len(b), 65536)
        b[:n] = b"z" * n
        self.sent += n
        return n


def test_a_failed_write_leaves_no_file_under_its_name(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError, match="input/output"):
        storage.save("blobs/cd/cdef", File(io.BufferedReader(_BreaksMidway()), name="x"))
    assert not storage.exists("blobs/cd/cdef")
    assert files_in(tmp_path) == []  # no partial file, no temporary file


def test_full_disk_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with disk_full(tmp_path / "store", monkeypatch, size_kb=512) as disk:
        storage = AtomicFileSystemStorage(location=disk.root)
        storage.save("small", ContentFile(b"a" * 1000))
        disk.fill()
        with pytest.raises(StorageFull) as caught:
            storage.save("blobs/ef/efgh", ContentFile(os.urandom(800_000)))
        assert isinstance(caught.value, GgzyError) and caught.value.http_status == 507
        assert caught.value.code == "storage_full" and "存储空间不足" in caught.value.message
        assert files_in(disk.root) == ["small"], disk.mode  # nothing half-written, temp removed
        disk.free()
        assert storage.save("blobs/ef/efgh", ContentFile(b"b" * 800_000)) == "blobs/ef/efgh"
        assert (disk.root / "blobs/ef/efgh").stat().st_size == 800_000
