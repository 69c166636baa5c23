"""The backup part encryption (pure module): round trips at chunk boundaries, and every kind of
tampering — a changed byte, a dropped or reordered chunk, truncation, another key — is refused."""

from __future__ import annotations

import io
import os

import pytest

from ggzy.platform import backupcrypt as bc

KEY = bytes(range(32))
CHUNK = 64


def seal(data: bytes, *, name: str = "part.enc", key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    w = bc.encrypt_file(io.BytesIO(data), out, key, name=name, chunk=CHUNK)
    assert w.plain_size == len(data)
    return out.getvalue()


def unseal(blob: bytes, *, name: str = "part.enc", key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    bc.decrypt_file(io.BytesIO(blob), out, key, name=name)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7])
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    data = os.urandom(size)
    blob = seal(data)
    assert blob.startswith(bc.MAGIC)
    assert unseal(blob) == data


def test_small_reads_return_everything_in_order() -> None:
    data = os.urandom(5 * CHUNK + 3)
    reader = bc.DecryptReader(io.BytesIO(seal(data)), KEY, name="part.enc")
    got = b"".join(iter(lambda: reader.read(7), b""))
    assert got == data


def test_each_part_gets_its_own_key_material() -> None:
    data = b"same plaintext" * 20
    assert seal(data)[bc.HEADER_LEN :] != seal(data)[bc.HEADER_LEN :]


def _chunks(blob: bytes) -> tuple[bytes, list[bytes]]:
    header, body = blob[: bc.HEADER_LEN], blob[bc.HEADER_LEN :]
    step = CHUNK + bc.TAG
    return header, [body[i : i + step] for i in range(0, len(body), step)]


def test_changed_byte_is_refused() -> None:
    blob = bytearray(seal(os.urandom(3 * CHUNK)))
    blob[bc.HEADER_LEN + CHUNK + 20] ^= 1
    with pytest.raises(bc.BackupCryptoError, match="第 2 块校验失败"):
        unseal(bytes(blob))


def test_truncation_at_a_chunk_boundary_is_refused() -> None:
    header, chunks = _chunks(seal(os.urandom(3 * CHUNK + 5)))
    with pytest.raises(bc.BackupCryptoError):
        unseal(header + b"".join(chunks[:-1]))


def test_reordered_chunks_are_refused() -> None:
    header, chunks = _chunks(seal(os.urandom(3 * CHUNK + 5)))
    with pytest.raises(bc.BackupCryptoError):
        unseal(header + chunks[1] + chunks[0] + b"".join(chunks[2:]))


def test_wrong_key_or_renamed_part_is_refused() -> None:
    blob = seal(b"secret rows")
    with pytest.raises(bc.BackupCryptoError):
        unseal(blob, key=bytes(32))
    with pytest.raises(bc.BackupCryptoError):
        unseal(blob, name="other.enc")


def test_changed_header_is_refused() -> None:
    blob = bytearray(seal(b"x" * 100))
    blob[-bc.TAG - 1 - 40] ^= 1  # somewhere in the body
    blob2 = bytearray(seal(b"x" * 100))
    blob2[len(bc.MAGIC) + 4 + 3] ^= 1  # the salt
    for bad in (blob, blob2):
        with pytest.raises(bc.BackupCryptoError):
            unseal(bytes(bad))


@pytest.mark.parametrize("blob", [b"", b"not a backup", bc.MAGIC + b"\x00\x00\x00\x00" + bytes(32)])
def test_garbage_is_refused(blob: bytes) -> None:
    with pytest.raises(bc.BackupCryptoError):
        unseal(blob)


@pytest.mark.parametrize(("text", "message"), [("", "32 字节"), ("***", "base64"), ("AAAA", "32 字节")])
def test_parse_key_rejects_bad_keys(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bc.parse_key(text)


def test_key_id_names_the_key_without_revealing_it() -> None:
    key = bc.parse_key(bc.new_key())
    assert len(bc.key_id(key)) == 16
    assert bc.key_id(key) != bc.key_id(bytes(32))
