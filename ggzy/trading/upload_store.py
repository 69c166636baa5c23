"""The bid upload area inside the file store, for stores that are not one local disk (S3; ADR 0032).

With the local file system the bytes of a resumable bid upload go to one part file in
``GGZY_BID_UPLOAD_DIR`` (ggzy.trading.services.bids). Behind several web hosts and an object store
there is no shared disk, and S3 cannot append to an object, so here every accepted chunk is its own
object, named by the offset it starts at::

    bid-uploads/<token>/<offset, 15 digits>

The services write a part under the upload row's lock, at ``offset == received``, before the
offset moves. A write whose commit never happened (a crash) leaves a part at the current
``received``; the client resumes from there, so the next write replaces it under the same name.
The upload is therefore always the chain of parts starting at 0, each beginning where the previous
one ended — ``open_parts`` follows that chain and refuses anything that does not reach
``total_size``. It reads the chain as one seekable stream (each part streamed, never the whole
envelope in memory): the envelope is verified from it and then streamed into the content store,
multipart, under its SHA-256 name. The parts are deleted when the session ends (finalised,
rejected, abandoned or expired), and ``sweep`` removes any left behind by a crash. Parts are not
backed up (``ggzy backup`` skips ``bid-uploads/``): an unfinished upload is not a bid.

``GGZY_BID_UPLOAD_AREA`` forces ``local`` or ``store``; empty (the default) picks ``store`` when the
default storage is not Django's file system storage.
"""

from __future__ import annotations

import bisect
import contextlib
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

from ggzy.core.errors import ValidationFailed

PREFIX = "bid-uploads/"
READ_BUFFER = 1024 * 1024


def _storage() -> Storage:
    return storages["default"]


def in_store() -> bool:
    """Whether bid uploads go to the file store (else the local upload directory)."""
    mode = str(getattr(settings, "GGZY_BID_UPLOAD_AREA", "") or "").strip().lower()
    if mode in ("local", "store"):
        return mode == "store"
    return not isinstance(_storage(), FileSystemStorage)


def _folder(token: str) -> str:
    if not token.isalnum():  # tokens are hex; never let one reach outside its folder
        raise ValueError("bad upload token")
    return f"{PREFIX}{token}/"


def part_name(token: str, offset: int) -> str:
    return f"{_folder(token)}{offset:015d}"


def put_part(token: str, offset: int, data: bytes) -> None:
    """Store the chunk that starts at ``offset``, replacing a left-over part of the same offset."""
    storage, name = _storage(), part_name(token, offset)
    put_bytes = getattr(storage, "put_bytes", None)
    if put_bytes is not None:
        put_bytes(name, data)
        return
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # pragma: no cover - only one writer per upload (row lock)
        storage.delete(saved)
        raise OSError(f"upload part {name} was written concurrently")


def _parts(token: str) -> dict[int, int]:
    """offset → size of every part object of ``token``."""
    storage, folder = _storage(), _folder(token)
    found: dict[int, int] = {}
    iter_objects = getattr(storage, "iter_objects", None)
    if iter_objects is not None:
        pairs = ((name.rsplit("/", 1)[-1], size) for name, size in iter_objects(folder))
    else:
        try:
            _dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            files = []
        pairs = ((f, storage.size(folder + f)) for f in files)
    for leaf, size in pairs:
        if leaf.isdigit():
            found[int(leaf)] = size
    return found


class PartsReader(io.RawIOBase):
    """The chain of parts as one seekable, read-only stream (each part opened from the storage,
    which streams it)."""

    def __init__(self, storage: Storage, chain: list[tuple[str, int, int]]) -> None:
        super().__init__()
        self._storage = storage
        self._names = [name for name, _, _ in chain]
        self._starts = [start for _, start, _ in chain]
        self._ends = [start + size for _, start, size in chain]
        self._size = self._ends[-1] if chain else 0
        self._pos = 0
        self._current: tuple[int, Any] | None = None  # (index, open file at the right position)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        if base + offset != self._pos:
            self._pos = base + offset
            self._close_current()
        return self._pos

    def _close_current(self) -> None:
        if self._current is not None:
            with contextlib.suppress(Exception):
                self._current[1].close()
            self._current = None

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        index = bisect.bisect_right(self._starts, self._pos) - 1
        if self._current is None or self._current[0] != index:
            self._close_current()
            fh = self._storage.open(self._names[index], "rb")
            fh.seek(self._pos - self._starts[index])
            self._current = (index, fh)
        want = min(len(buffer), self._ends[index] - self._pos)
        data = self._current[1].read(want)
        if len(data) != want:
            raise ValidationFailed("上传的数据块不完整，请重新上传", code="incomplete")
        buffer[: len(data)] = data
        self._pos += len(data)
        if self._pos == self._ends[index]:
            self._close_current()
        return len(data)

    def close(self) -> None:
        self._close_current()
        super().close()


@contextlib.contextmanager
def open_parts(token: str, total_size: int) -> Iterator[BinaryIO]:
    """The received envelope as a stream; ``ValidationFailed("incomplete")`` when the parts do not
    cover exactly ``total_size`` bytes from offset 0."""
    parts = _parts(token)
    chain: list[tuple[str, int, int]] = []
    pos = 0
    while pos < total_size:
        size = parts.get(pos)
        if not size:
            raise ValidationFailed(
                "上传的临时数据已不存在或不完整（会话已结束？），请重新上传", code="incomplete"
            )
        chain.append((part_name(token, pos), pos, size))
        pos += size
    if pos != total_size:
        raise ValidationFailed("上传的临时数据与声明的信封大小不符，请重新上传", code="incomplete")
    reader = io.BufferedReader(PartsReader(_storage(), chain), buffer_size=READ_BUFFER)
    try:
        yield reader
    finally:
        reader.close()


def discard(token: str) -> int:
    """Delete every part of ``token``; returns how many."""
    storage, folder = _storage(), _folder(token)
    delete_prefix = getattr(storage, "delete_prefix", None)
    if delete_prefix is not None:
        return int(delete_prefix(folder))
    offsets = _parts(token)
    for offset in offsets:
        storage.delete(part_name(token, offset))
    return len(offsets)


def sweep() -> int:
    """Delete the parts of every upload session that is no longer open (left behind by a crash
    between a session's end and its clean-up). Returns how many sessions were swept."""
    from ggzy.trading.choices import BidUploadStatus
    from ggzy.trading.models import BidUpload

    try:
        tokens, _files = _storage().listdir(PREFIX)
    except FileNotFoundError:
        return 0
    tokens = [t.strip("/") for t in tokens if t.strip("/").isalnum()]
    if not tokens:
        return 0
    still_open = set(
        BidUpload.objects.filter(token__in=tokens, status=BidUploadStatus.OPEN).values_list(
            "token", flat=True
        )
    )
    swept = 0
    for token in tokens:
        if token not in still_open:
            discard(token)
            swept += 1
    return swept
