"""The file store on a local or mounted file system, written so that a file appears under its name
complete or not at all.

Django's ``FileSystemStorage`` writes straight into the final name: a process killed mid-write, or a
full disk, leaves a partial file there, and the content-addressed callers (``blobs/<sha256>``) then
see that the name "exists" on the next attempt and point a row at the partial file (found by the
fault drills, scripts/faults/full_disk.py and kill_random.py). Here the bytes go to a hidden
temporary file in the same directory, are flushed to disk, and only then linked to the final name
(``link`` never replaces an existing file, so two writers of the same name still get two names, as
with Django's storage). Any failure removes the temporary file; a full disk is reported as
``StorageFull`` (a ``GgzyError``: a clear Chinese message on pages, structured JSON in the API)
instead of a server error. A process killed mid-write can leave only a ``.partial-*`` file, never a
partial file under a real name (operations guide: clean them with ``find``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs

from ggzy.core.errors import StorageFull

PARTIAL_PREFIX = ".partial-"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# file systems without hard links (some FUSE mounts of object stores): rename instead
NO_LINK = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS)


def storage_full() -> StorageFull:
    return StorageFull(
        "服务器存储空间不足，本次内容没有保存（不会留下不完整的文件）。请稍后重试；如持续出现，请联系交易中心。"
    )


def is_no_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in NO_SPACE


def _publish(tmp: str, final: str) -> None:
    """Give the complete temporary file its final name, never replacing an existing file."""
    try:
        os.link(tmp, final)
    except OSError as exc:
        if exc.errno not in NO_LINK:
            raise
        if os.path.exists(final):
            raise FileExistsError(final) from None
        os.rename(tmp, final)


class AtomicFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` whose saves are atomic and durable (see the module docstring)."""

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            if self.directory_permissions_mode is not None:
                safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            else:
                os.makedirs(directory, exist_ok=True)
        except FileExistsError:
            raise FileExistsError(f"{directory} exists and is not a directory.") from None
        except OSError as exc:
            if is_no_space(exc):
                raise storage_full() from exc
            raise
        tmp = os.path.join(directory, f"{PARTIAL_PREFIX}{secrets.token_hex(8)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            with os.fdopen(fd, "wb") as fh:
                for chunk in content.chunks():
                    fh.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                fh.flush()
                os.fsync(fh.fileno())
            while True:
                try:
                    _publish(tmp, full_path)
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
                else:
                    break
        except OSError as exc:
            if is_no_space(exc):
                raise storage_full() from exc
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        with contextlib.suppress(OSError):  # the new directory entry, durably
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        name = os.path.relpath(full_path, self.location)
        ensure_group = getattr(self, "_ensure_location_group_id", None)  # Django ≥ 5.2 (not in the stubs)
        if ensure_group is not None:
            ensure_group(full_path)
        return str(name).replace("\\", "/")
