"""Benchmarks of the sealed envelope for ``ggzy bench`` (pure: no database); JSON-ready dicts.

* :func:`bench_envelope` — a random bid of ``size_mb`` MiB is sealed to a temporary file, then the
  server-side paths are timed on it: submission check without keys (:func:`verify_envelope`) and
  open-and-verify at the opening (:func:`open_envelope` with the content key and the signer key,
  decrypting to a temporary file, and once more to /dev/null to separate the disk). Beside them,
  in the same run: raw AES-256-GCM (``AESGCM.decrypt_into`` of ``cryptography`` over the same
  number of bytes in the same chunk size, in memory); the ratio says how close the envelope gets
  to the cipher alone. Peak memory while opening is measured in a second open pass under
  ``tracemalloc`` (Python heap, where the chunk buffers live), with the process's peak RSS.

Issue 6 asks for 1 GB: ``bench_envelope(size_mb=1024)``; the default is small for CI.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ggzy.sealing import envelope

MIB = 1 << 20


def _write_random(path: Path, size: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as f:
        left = size
        while left:
            # vary each block cheaply so the file is not one repeated MiB
            piece = block[: min(MIB, left)]
            f.write(piece)
            left -= len(piece)
            block = block[1:] + block[:1]


def _raw_aesgcm_mb_s(total: int, chunk_size: int) -> float:
    key = AESGCM.generate_key(bit_length=256)
    aead = AESGCM(key)
    plain = os.urandom(chunk_size)
    nonce = bytes(12)
    ct = aead.encrypt(nonce, plain, b"a" * 32)
    out = bytearray(chunk_size)
    n = max(1, total // chunk_size)
    start = time.perf_counter()
    for _ in range(n):
        aead.decrypt_into(nonce, ct, b"a" * 32, out)
    elapsed = time.perf_counter() - start
    return n * chunk_size / MIB / elapsed


def _raw_aead_mb_s(crypto: Any, total: int, chunk_size: int) -> float:
    key = crypto.generate_aead_key()
    ct = crypto.aead_encrypt(key, bytes(12), os.urandom(chunk_size), b"a" * 32)
    out = bytearray(chunk_size)
    n = max(1, total // chunk_size)
    start = time.perf_counter()
    for _ in range(n):
        crypto.aead_decrypt_into(key, bytes(12), ct, b"a" * 32, out)
    return n * chunk_size / MIB / (time.perf_counter() - start)


def bench_envelope(
    size_mb: int = 64,
    *,
    chunk_size: int = envelope.DEFAULT_CHUNK_SIZE,
    measure_memory: bool = True,
    suite: str = "intl",
) -> dict[str, Any]:
    """``suite="sm"`` runs the same measurements on an SM2/SM4-GCM/SM3 envelope; the raw cipher
    figure (``raw_aead_mb_s``) is then SM4-GCM."""
    from ggzy.sealing import suites

    size = size_mb * MIB
    crypto = suites.suite_by_name(suite)
    bidder = crypto.generate_private_key()
    signer = crypto.generate_private_key()
    escrow = crypto.generate_private_key()
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-envelope-") as tmp:
        src, env, out = Path(tmp) / "bid.bin", Path(tmp) / "bid.env", Path(tmp) / "opened.bin"
        _write_random(src, size)

        start = time.perf_counter()
        with src.open("rb") as fin, env.open("wb") as fout:
            sealed = envelope.seal(
                fin,
                fout,
                section="BENCH-SECTION",
                bidder="BENCH-BIDDER",
                summary={"bid_price": "1.00"},
                file_name="bid.bin",
                bidder_public_key=bidder.public_key(),
                escrow_public_key=escrow.public_key(),
                signing_key=signer,
                created_at=dt.datetime.now(dt.UTC),
                chunk_size=chunk_size,
            )
        seal_s = time.perf_counter() - start

        start = time.perf_counter()
        with env.open("rb") as fin:
            envelope.verify_envelope(fin, signer=signer.public_key())
        verify_s = time.perf_counter() - start

        content_key = envelope.unwrap_content_key(sealed.header, bidder)

        def open_once(to_file: bool = True) -> envelope.OpenedBid:
            with env.open("rb") as fin, out.open("wb") if to_file else open(os.devnull, "wb") as fout:
                return envelope.open_envelope(fin, fout, content_key=content_key, signer=signer.public_key())

        start = time.perf_counter()
        opened = open_once()
        open_s = time.perf_counter() - start
        start = time.perf_counter()
        open_once(to_file=False)
        discard_s = time.perf_counter() - start
        if opened.file_size != size:  # pragma: no cover - a broken envelope would have raised
            raise RuntimeError("benchmark opened the wrong number of bytes")

        raw_mb_s = (
            _raw_aesgcm_mb_s(size, chunk_size)
            if suite == "intl"
            else _raw_aead_mb_s(crypto, size, chunk_size)
        )

        peak_heap = None
        if measure_memory:
            tracemalloc.start()
            open_once()
            _, peak_heap = tracemalloc.get_traced_memory()
            tracemalloc.stop()

    open_mb_s = size_mb / open_s
    return {
        "suite": suite,
        "size_mb": size_mb,
        "chunk_size": chunk_size,
        "envelope_bytes": sealed.size,
        "seal_s": round(seal_s, 3),
        "seal_mb_s": round(size_mb / seal_s, 1),
        "verify_no_key_s": round(verify_s, 3),
        "verify_no_key_mb_s": round(size_mb / verify_s, 1),
        "open_and_verify_s": round(open_s, 3),
        "open_and_verify_mb_s": round(open_mb_s, 1),
        "open_and_verify_discard_mb_s": round(size_mb / discard_s, 1),
        "raw_aes_256_gcm_mb_s": round(raw_mb_s, 1) if suite == "intl" else None,
        "raw_aead_mb_s": round(raw_mb_s, 1),
        "open_vs_raw_ratio": round(open_mb_s / raw_mb_s, 3),
        "open_discard_vs_raw_ratio": round(size_mb / discard_s / raw_mb_s, 3),
        "open_peak_python_heap_bytes": peak_heap,
        "process_peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def _rate(fn: Any, min_seconds: float) -> float:
    """Calls per second of ``fn`` over at least ``min_seconds`` (at least 3 calls)."""
    calls = 0
    start = time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and calls >= 3:
            return calls / elapsed


def bench_suites(
    *, aead_mb: int = 16, chunk_size: int = envelope.DEFAULT_CHUNK_SIZE, min_seconds: float = 0.5
) -> dict[str, Any]:
    """``intl`` against ``sm`` in the same run: signatures (sign/s, verify/s; ECDSA P-256 in OpenSSL,
    SM2 in GmSSL), key wraps (wrap/s, unwrap/s; ECDH+HKDF+AES-GCM vs SM2 encryption), AEAD in the
    envelope's chunk size (MB/s encrypt and decrypt; AES-256-GCM vs SM4-GCM, both OpenSSL through
    ``cryptography``) and the hash (MB/s; SHA-256 vs SM3)."""
    from ggzy.sealing import suites

    message = os.urandom(58)  # the size of an envelope's signature message
    plain = os.urandom(chunk_size)
    aad = os.urandom(32)
    chunks = max(1, aead_mb * MIB // chunk_size)
    result: dict[str, Any] = {"aead_mb": chunks * chunk_size / MIB, "chunk_size": chunk_size}
    for suite in (suites.INTL_SUITE, suites.SM_SUITE):
        key = suite.generate_private_key()
        public = suite.public_key(key)
        signature = suite.sign(key, message)
        content_key = suite.generate_aead_key()
        wrap = suite.wrap_key(public, content_key, salt=aad, label=b"bidder\x00")
        sealed = suite.aead_encrypt(content_key, bytes(12), plain, aad)
        out = bytearray(chunk_size)

        def decrypt_once(
            s: suites.Suite = suite, c: bytes = content_key, x: bytes = sealed, o: bytearray = out
        ) -> None:
            s.aead_decrypt_into(c, bytes(12), x, aad, o)

        def aead_mb_s(fn: Any) -> float:
            start = time.perf_counter()
            for _ in range(chunks):
                fn()
            return chunks * chunk_size / MIB / (time.perf_counter() - start)

        def hash_all(suite: suites.Suite = suite) -> None:
            h = suite.hasher()
            for _ in range(chunks):
                h.update(plain)
            h.digest()

        start = time.perf_counter()
        hash_all()
        hash_mb_s = chunks * chunk_size / MIB / (time.perf_counter() - start)
        result[suite.name] = {
            "signature": suite.signature_name,
            "aead": suite.aead_name,
            "hash": suite.hash_name,
            "sign_per_s": round(_rate(lambda s=suite, k=key: s.sign(k, message), min_seconds), 1),
            "verify_per_s": round(
                _rate(lambda s=suite, p=public, g=signature: s.verify(p, message, g), min_seconds), 1
            ),
            "wrap_per_s": round(
                _rate(
                    lambda s=suite, p=public, c=content_key: s.wrap_key(p, c, salt=aad, label=b"bidder\x00"),
                    min_seconds,
                ),
                1,
            ),
            "unwrap_per_s": round(
                _rate(
                    lambda s=suite, k=key, w=wrap: s.unwrap_key(k, w, salt=aad, label=b"bidder\x00"),
                    min_seconds,
                ),
                1,
            ),
            "aead_encrypt_mb_s": round(
                aead_mb_s(lambda s=suite, c=content_key: s.aead_encrypt(c, bytes(12), plain, aad)), 1
            ),
            "aead_decrypt_mb_s": round(aead_mb_s(decrypt_once), 1),
            "hash_mb_s": round(hash_mb_s, 1),
        }
    intl, sm = result["intl"], result["sm"]
    result["sm_vs_intl"] = {
        name: round(sm[name] / intl[name], 3)
        for name in (
            "sign_per_s",
            "verify_per_s",
            "wrap_per_s",
            "unwrap_per_s",
            "aead_encrypt_mb_s",
            "aead_decrypt_mb_s",
            "hash_mb_s",
        )
    }
    return result
