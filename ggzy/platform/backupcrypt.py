"""Streaming AES-256-GCM for backup parts (pure: no Django).

The online "STREAM" construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), as in the sealed
envelopes: the plaintext is cut into chunks of CHUNK bytes; each chunk is sealed on its own with
nonce = 7 zero bytes ‖ 4-byte big-endian counter ‖ 1 byte "last chunk" flag, so chunks cannot be
reordered, dropped or the stream truncated without the tag check failing. Each part gets its own
key, derived with HKDF-SHA256 from the backup key and a random 32-byte salt stored in the part's
header, so nonces never repeat across parts or backups. The header (magic, chunk size, salt) and
the part name are the associated data of every chunk.

File layout: ``MAGIC (8) ‖ chunk size (4, big-endian) ‖ salt (32)`` then the sealed chunks, each
``CHUNK + 16`` bytes except the last (shorter, possibly just the 16-byte tag).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"GGZYBK1\n"
CHUNK = 1024 * 1024
TAG = 16
HEADER_LEN = len(MAGIC) + 4 + 32
MAX_CHUNK = 64 * 1024 * 1024


class BackupCryptoError(Exception):
    """The part is not a backup part, was made with another key, or was changed."""


def parse_key(text: str) -> bytes:
    """A base64 32-byte key (GGZY_BACKUP_KEY); raises ValueError otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise ValueError("备份密钥不是有效的 base64") from exc
    if len(key) != 32:
        raise ValueError(f"备份密钥应为 32 字节，实际 {len(key)} 字节")
    return key


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


def key_id(key: bytes) -> str:
    """Names the key in manifests without revealing it (HMAC, not a plain hash of the key)."""
    return hmac.new(key, b"ggzy backup key id v1", hashlib.sha256).hexdigest()[:16]


def _part_key(key: bytes, salt: bytes, name: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"ggzy backup part v1|" + name.encode()
    ).derive(key)


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= 2**32:
        raise BackupCryptoError("备份分卷过大（超过 2^32 个数据块）")
    return b"\x00" * 7 + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class EncryptWriter:
    """A write-only file object: ``write`` plaintext, ``close`` seals the final chunk. Tracks the
    plaintext size and SHA-256 (``plain_size``, ``plain_sha256``)."""

    def __init__(self, out: BinaryIO, key: bytes, *, name: str, chunk: int = CHUNK) -> None:
        salt = os.urandom(32)
        self.header = MAGIC + struct.pack(">I", chunk) + salt
        self.out, self.chunk, self.name = out, chunk, name
        self.aead = AESGCM(_part_key(key, salt, name))
        self.aad = self.header + name.encode()
        self.buffer = bytearray()
        self.counter = 0
        self.plain_size = 0
        self._digest = hashlib.sha256()
        self.closed = False
        out.write(self.header)

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed EncryptWriter")
        self.buffer += data
        self.plain_size += len(data)
        self._digest.update(data)
        # Keep at least one byte buffered so the final chunk is never empty unless the stream is.
        while len(self.buffer) > self.chunk:
            self._seal(bytes(self.buffer[: self.chunk]), last=False)
            del self.buffer[: self.chunk]
        return len(data)

    def _seal(self, block: bytes, *, last: bool) -> None:
        self.out.write(self.aead.encrypt(_nonce(self.counter, last), block, self.aad))
        self.counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
            self.closed = True

    @property
    def plain_sha256(self) -> str:
        return self._digest.hexdigest()

    def flush(self) -> None:
        self.out.flush()


class DecryptReader:
    """A read-only file object over a sealed part: ``read(n)`` returns authenticated plaintext.
    Raises BackupCryptoError on a wrong key, a changed byte, reordering or truncation."""

    def __init__(self, src: BinaryIO, key: bytes, *, name: str) -> None:
        header = src.read(HEADER_LEN)
        if len(header) != HEADER_LEN or not header.startswith(MAGIC):
            raise BackupCryptoError(f"“{name}”不是 ggzy 备份分卷")
        (chunk,) = struct.unpack(">I", header[len(MAGIC) : len(MAGIC) + 4])
        if not 0 < chunk <= MAX_CHUNK:
            raise BackupCryptoError(f"“{name}”的分块大小无效")
        salt = header[len(MAGIC) + 4 :]
        self.src, self.chunk, self.name = src, chunk, name
        self.aead = AESGCM(_part_key(key, salt, name))
        self.aad = header + name.encode()
        self.counter = 0
        self.pending = bytearray()
        self.done = False
        self._next = src.read(chunk + TAG)

    def _fill(self) -> None:
        current = self._next
        self._next = self.src.read(self.chunk + TAG)
        last = not self._next
        try:
            block = self.aead.decrypt(_nonce(self.counter, last), current, self.aad)
        except InvalidTag as exc:
            raise BackupCryptoError(
                f"“{self.name}”第 {self.counter + 1} 块校验失败：密钥不对，或分卷被改动/截断"
            ) from exc
        self.counter += 1
        self.pending += block
        self.done = last

    def read(self, n: int = -1) -> bytes:
        while not self.done and (n < 0 or len(self.pending) < n):
            self._fill()
        if n < 0:
            n = len(self.pending)
        out = bytes(self.pending[:n])
        del self.pending[:n]
        return out

    def readable(self) -> bool:
        return True


def encrypt_file(src: BinaryIO, out: BinaryIO, key: bytes, *, name: str, chunk: int = CHUNK) -> EncryptWriter:
    writer = EncryptWriter(out, key, name=name, chunk=chunk)
    for block in iter(lambda: src.read(chunk), b""):
        writer.write(block)
    writer.close()
    return writer


def decrypt_file(src: BinaryIO, out: BinaryIO, key: bytes, *, name: str) -> int:
    reader = DecryptReader(src, key, name=name)
    total = 0
    while block := reader.read(CHUNK):
        out.write(block)
        total += len(block)
    return total
