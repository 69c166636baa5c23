"""Test vectors of docs/formats/sealed-envelope.md.

``build_vector`` is a second, independent implementation of the format written from the document
with raw primitives only (no function of ggzy.sealing.envelope), and records every intermediate
value. The tests check that (1) it reproduces the stored JSON byte for byte, (2) the real
implementation seals the same inputs to exactly the same envelope bytes, and (3) the real
implementation opens the stored envelopes with the bidder key and with the escrow key.

Regenerate (only when the format version changes): ``python ggzy/sealing/tests/test_vectors.py --write``
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VECTORS = Path(__file__).resolve().parent.parent / "testvectors" / "envelope-v1.json"

BIDDER_SCALAR = 0x1F2E3D4C5B6A79880102030405060708090A0B0C0D0E0F101112131415161718
SIGNER_SCALAR = 0x2A2B2C2D2E2F30313233343536373839404142434445464748494A4B4C4D4E4F
ESCROW_SCALAR = 0x0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
EPHEMERAL_SCALARS = [
    0x5555555555555555555555555555555555555555555555555555555555555501,
    0x6666666666666666666666666666666666666666666666666666666666666602,
]
CONTENT_KEY = bytes(range(0x40, 0x60))
NONCE_PREFIX = bytes.fromhex("a1a2a3a4a5a6a7")
FILE = ("投标文件：某道路改造工程第一标段。报价 12,345,678.90 元，工期 365 日历天。\n" * 3).encode()
SUMMARY = {"bid_price": "12345678.90", "duration_days": 365, "project_manager": "张三", "quality": "合格"}

CASES = [
    {"name": "with-escrow-3-chunks", "escrow": True, "chunk_size": 256},
    {"name": "bidder-only-1-chunk", "escrow": False, "chunk_size": 4096},
]


def cj(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def point(key) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def kid(key) -> str:
    return hashlib.sha256(
        key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).hexdigest()


def priv(scalar: int):
    return ec.derive_private_key(scalar, ec.SECP256R1())


def build_vector(case: dict) -> dict:
    bidder, signer, escrow = priv(BIDDER_SCALAR), priv(SIGNER_SCALAR), priv(ESCROW_SCALAR)
    chunk_size = case["chunk_size"]
    meta = cj(
        {"file_name": "投标文件.txt", "file_size": len(FILE), "media_type": "text/plain", "summary": SUMMARY}
    )
    block = struct.pack(">I", len(meta)) + meta
    block += bytes(-len(block) % 256)
    payload = block + FILE + hashlib.sha256(FILE).digest()
    core = {
        "bidder": "91640400MA0000001X",
        "chunk_size": chunk_size,
        "created_at": "2026-11-20T02:30:00Z",
        "key_check": b64(hashlib.sha256(b"ggzy-envelope/1 key-check\x00" + CONTENT_KEY).digest()),
        "nonce_prefix": b64(NONCE_PREFIX),
        "payload_size": len(payload),
        "section": "E6404000001001001",
        "signer": kid(signer.public_key()),
        "suite": "intl",
        "version": "ggzy-envelope/1",
    }
    core_json = cj(core)
    core_hash = hashlib.sha256(core_json).digest()
    recipients, wraps = [], []
    targets = [("bidder", bidder.public_key())] + (
        [("escrow", escrow.public_key())] if case["escrow"] else []
    )
    for (role, public), scalar in zip(targets, EPHEMERAL_SCALARS, strict=False):
        eph = priv(scalar)
        shared = eph.exchange(ec.ECDH(), public)
        info = (
            b"ggzy-envelope/1 key-wrap\x00"
            + role.encode()
            + b"\x00"
            + point(eph.public_key())
            + point(public)
        )
        kwk = HKDF(algorithm=hashes.SHA256(), length=32, salt=core_hash, info=info).derive(shared)
        wrapped = AESGCM(kwk).encrypt(bytes(12), CONTENT_KEY, core_hash)
        recipients.append(
            {
                "ephemeral": b64(point(eph.public_key())),
                "key_id": kid(public),
                "role": role,
                "wrapped_key": b64(wrapped),
            }
        )
        wraps.append(
            {
                "role": role,
                "ephemeral_scalar": f"{scalar:064x}",
                "ecdh_shared_x": shared.hex(),
                "hkdf_salt": core_hash.hex(),
                "hkdf_info": info.hex(),
                "kwk": kwk.hex(),
                "wrapped_key": wrapped.hex(),
            }
        )
    header_json = cj({**core, "recipients": recipients})
    header_hash = hashlib.sha256(header_json).digest()
    n = -(-len(payload) // chunk_size)
    chunks, chain, env = [], header_hash, b"GGZY-ENV" + struct.pack(">I", len(header_json)) + header_json
    for i in range(n):
        nonce = NONCE_PREFIX + struct.pack(">I", i) + (b"\x01" if i == n - 1 else b"\x00")
        ct = AESGCM(CONTENT_KEY).encrypt(nonce, payload[i * chunk_size : (i + 1) * chunk_size], header_hash)
        chain = hashlib.sha256(chain + ct).digest()
        chunks.append({"nonce": nonce.hex(), "ciphertext": ct.hex(), "chain_digest": chain.hex()})
        env += ct
    message = b"ggzy-envelope/1 signature\x00" + chain
    signature = signer.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    env += struct.pack(">H", len(signature)) + signature

    def pem(key) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    return {
        "name": case["name"],
        "inputs": {
            "bidder_encryption_key_pkcs8": pem(bidder),
            "signer_key_pkcs8": pem(signer),
            "escrow_key_pkcs8": pem(escrow) if case["escrow"] else None,
            "content_key": CONTENT_KEY.hex(),
            "nonce_prefix": NONCE_PREFIX.hex(),
            "ephemeral_scalars": [f"{s:064x}" for s in EPHEMERAL_SCALARS[: len(targets)]],
            "section": core["section"],
            "bidder": core["bidder"],
            "created_at": core["created_at"],
            "chunk_size": chunk_size,
            "file_name": "投标文件.txt",
            "media_type": "text/plain",
            "file_hex": FILE.hex(),
            "summary": SUMMARY,
        },
        "intermediate": {
            "meta_block_hex": block.hex(),
            "payload_hex": payload.hex(),
            "core_json": core_json.decode(),
            "core_hash": core_hash.hex(),
            "key_check": hashlib.sha256(b"ggzy-envelope/1 key-check\x00" + CONTENT_KEY).hexdigest(),
            "wraps": wraps,
            "header_json": header_json.decode(),
            "header_hash": header_hash.hex(),
            "chunks": chunks,
            "signature_message": message.hex(),
            "signature_der": signature.hex(),
        },
        "envelope_hex": env.hex(),
        "envelope_sha256": hashlib.sha256(env).hexdigest(),
        "file_sha256": hashlib.sha256(FILE).hexdigest(),
    }


def build_all() -> dict:
    return {
        "format": "ggzy-envelope/1",
        "suite": "intl",
        "note": "Generated by ggzy/sealing/tests/test_vectors.py (independent re-implementation).",
        "vectors": [build_vector(c) for c in CASES],
    }


def stored() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_independent_builder_reproduces_the_stored_vectors():
    assert build_all() == stored()


def test_implementation_seals_the_vector_inputs_to_the_same_bytes():
    from ggzy.sealing import envelope

    for vector in stored()["vectors"]:
        inp = vector["inputs"]

        def key(name, inp=inp):
            return serialization.load_pem_private_key(inp[name].encode(), None).public_key()

        signer = serialization.load_pem_private_key(inp["signer_key_pkcs8"].encode(), None)
        out = io.BytesIO()
        result = envelope.seal(
            io.BytesIO(bytes.fromhex(inp["file_hex"])),
            out,
            section=inp["section"],
            bidder=inp["bidder"],
            summary=inp["summary"],
            file_name=inp["file_name"],
            media_type=inp["media_type"],
            bidder_public_key=key("bidder_encryption_key_pkcs8"),
            escrow_public_key=key("escrow_key_pkcs8") if inp["escrow_key_pkcs8"] else None,
            signing_key=signer,
            created_at=dt.datetime.fromisoformat(inp["created_at"]),
            chunk_size=inp["chunk_size"],
            randomness=envelope.Randomness(
                content_key=bytes.fromhex(inp["content_key"]),
                nonce_prefix=bytes.fromhex(inp["nonce_prefix"]),
                ephemeral_scalars=[int(s, 16) for s in inp["ephemeral_scalars"]],
            ),
        )
        assert out.getvalue().hex() == vector["envelope_hex"]
        assert result.envelope_sha256 == vector["envelope_sha256"]
        assert result.header.hash.hex() == vector["intermediate"]["header_hash"]
        assert result.header.core_hash.hex() == vector["intermediate"]["core_hash"]


def test_implementation_opens_the_stored_vectors_with_each_recipient_key():
    from ggzy.sealing import envelope

    for vector in stored()["vectors"]:
        inp = vector["inputs"]
        env = bytes.fromhex(vector["envelope_hex"])
        signer = serialization.load_pem_private_key(inp["signer_key_pkcs8"].encode(), None)
        verified = envelope.verify_envelope(io.BytesIO(env), signer=signer.public_key())
        assert verified.envelope_sha256 == vector["envelope_sha256"]
        names = ["bidder_encryption_key_pkcs8"] + (["escrow_key_pkcs8"] if inp["escrow_key_pkcs8"] else [])
        for name in names:
            private = serialization.load_pem_private_key(inp[name].encode(), None)
            content_key = envelope.unwrap_content_key(verified.header, private)
            assert content_key.hex() == inp["content_key"]
            out = io.BytesIO()
            opened = envelope.open_envelope(
                io.BytesIO(env), out, content_key=content_key, signer=signer.public_key()
            )
            assert out.getvalue().hex() == inp["file_hex"]
            assert opened.summary == inp["summary"]
            assert opened.file_name == inp["file_name"]
            assert opened.file_sha256 == vector["file_sha256"]


def test_openssl_verifies_the_vector_signature(tmp_path):
    import shutil
    import subprocess

    if shutil.which("openssl") is None:  # pragma: no cover
        return
    vector = stored()["vectors"][0]
    signer = serialization.load_pem_private_key(vector["inputs"]["signer_key_pkcs8"].encode(), None)
    (tmp_path / "pub.pem").write_bytes(
        signer.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (tmp_path / "msg.bin").write_bytes(bytes.fromhex(vector["intermediate"]["signature_message"]))
    (tmp_path / "sig.der").write_bytes(bytes.fromhex(vector["intermediate"]["signature_der"]))
    run = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg.bin"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Verified OK" in run.stdout


if __name__ == "__main__" and "--write" in sys.argv:
    VECTORS.write_text(json.dumps(build_all(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
