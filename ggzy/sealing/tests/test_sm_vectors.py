"""Test vectors of the ``sm`` suite of docs/formats/sealed-envelope.md.

``build_vector`` is a second, independent implementation of the ``sm`` envelope written from the
document, with other primitives than the production code: SM2 point arithmetic and signing from
``pysmx`` (pure Python), SM3, the SM2 KDF and SM4-GCM from GmSSL (``gmssl_pyx``), key encodings
built by hand — nothing from ggzy.sealing. SM2 signatures and encryptions are randomised, so the
vectors fix every nonce k (the ephemeral scalars of the key wraps and the signature's k); the
production sealer draws them from GmSSL's generator, and reproduces the vectors only when handed
the same k values (``envelope.Randomness``).

The tests check that (1) the builder reproduces the stored JSON byte for byte, (2) the real
implementation seals the same inputs to exactly the same envelope bytes, (3) the real implementation
opens the stored envelopes with the bidder key and with the escrow key and verifies the signature,
and (4) OpenSSL verifies the signature.

Regenerate (only when the format version changes): ``python ggzy/sealing/tests/test_sm_vectors.py --write``
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import struct
import sys
from pathlib import Path

import gmssl_pyx
import pysmx.SM2 as pysm2

VECTORS = Path(__file__).resolve().parent.parent / "testvectors" / "envelope-sm-v1.json"

BIDDER_SCALAR = 0x1F2E3D4C5B6A79880102030405060708090A0B0C0D0E0F101112131415161719
SIGNER_SCALAR = 0x2A2B2C2D2E2F30313233343536373839404142434445464748494A4B4C4D4E50
ESCROW_SCALAR = 0x0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDF0
EPHEMERAL_SCALARS = [
    0x5555555555555555555555555555555555555555555555555555555555555503,
    0x6666666666666666666666666666666666666666666666666666666666666604,
]
SIGNATURE_K = 0x7777777777777777777777777777777777777777777777777777777777777705
CONTENT_KEY = bytes(range(0x40, 0x50))  # SM4: 128 bits
NONCE_PREFIX = bytes.fromhex("b1b2b3b4b5b6b7")
FILE = ("投标文件：某道路改造工程第一标段。报价 12,345,678.90 元，工期 365 日历天。\n" * 3).encode()
SUMMARY = {"bid_price": "12345678.90", "duration_days": 365, "project_manager": "张三", "quality": "合格"}
SIGNER_ID = b"1234567812345678"

SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
PKCS8_PREFIX = bytes.fromhex("308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420")

CASES = [
    {"name": "sm-with-escrow-3-chunks", "escrow": True, "chunk_size": 256},
    {"name": "sm-bidder-only-1-chunk", "escrow": False, "chunk_size": 4096},
]


def cj(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def h(data: bytes) -> bytes:
    return gmssl_pyx.sm3_hash(data)


def point(scalar: int, base: str = pysm2.sm2_G) -> bytes:
    return b"\x04" + bytes.fromhex(pysm2.kG(scalar, base, 64))


def kid(pt: bytes) -> str:
    return h(SPKI_PREFIX + pt).hex()


def pkcs8_pem(scalar: int) -> str:
    der = PKCS8_PREFIX + scalar.to_bytes(32, "big") + bytes.fromhex("a144034200") + point(scalar)
    body = b64(der)
    return (
        "-----BEGIN PRIVATE KEY-----\n"
        + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        + ("\n-----END PRIVATE KEY-----\n")
    )


def der_int(v: int) -> bytes:
    raw = v.to_bytes(33, "big").lstrip(b"\x00")
    raw = b"\x00" + raw if raw[0] & 0x80 else raw
    return b"\x02" + bytes([len(raw)]) + raw


def sm2_encrypt(recipient: bytes, message: bytes, k: int) -> tuple[bytes, bytes, dict]:
    c1 = point(k)
    shared = bytes.fromhex(pysm2.kG(k, recipient[1:].hex(), 64))
    x2, y2 = shared[:32], shared[32:]
    t = gmssl_pyx.sm3_kdf(shared, len(message))
    c2 = bytes(a ^ b for a, b in zip(message, t, strict=True))
    c3 = h(x2 + message + y2)
    return c1, c3 + c2, {"x2": x2.hex(), "y2": y2.hex(), "kdf_t": t.hex(), "c3": c3.hex(), "c2": c2.hex()}


def build_vector(case: dict) -> dict:
    bidder_pt, signer_pt, escrow_pt = point(BIDDER_SCALAR), point(SIGNER_SCALAR), point(ESCROW_SCALAR)
    chunk_size = case["chunk_size"]
    meta = cj(
        {"file_name": "投标文件.txt", "file_size": len(FILE), "media_type": "text/plain", "summary": SUMMARY}
    )
    block = struct.pack(">I", len(meta)) + meta
    block += bytes(-len(block) % 256)
    payload = block + FILE + h(FILE)
    key_check = h(b"ggzy-envelope/1 key-check\x00" + CONTENT_KEY)
    core = {
        "bidder": "91640400MA0000001X",
        "chunk_size": chunk_size,
        "created_at": "2026-11-20T02:30:00Z",
        "key_check": b64(key_check),
        "nonce_prefix": b64(NONCE_PREFIX),
        "payload_size": len(payload),
        "section": "E6404000001001001",
        "signer": kid(signer_pt),
        "suite": "sm",
        "version": "ggzy-envelope/1",
    }
    core_json = cj(core)
    core_hash = h(core_json)
    recipients, wraps = [], []
    targets = [("bidder", bidder_pt)] + ([("escrow", escrow_pt)] if case["escrow"] else [])
    for (role, public), scalar in zip(targets, EPHEMERAL_SCALARS, strict=False):
        binding = h(b"ggzy-envelope/1 key-wrap\x00" + role.encode() + b"\x00" + core_hash + public)
        c1, c3c2, steps = sm2_encrypt(public, CONTENT_KEY + binding, scalar)
        recipients.append(
            {"ephemeral": b64(c1), "key_id": kid(public), "role": role, "wrapped_key": b64(c3c2)}
        )
        wraps.append(
            {
                "role": role,
                "ephemeral_scalar": f"{scalar:064x}",
                "binding": binding.hex(),
                "sm2_plaintext": (CONTENT_KEY + binding).hex(),
                "c1": c1.hex(),
                **steps,
                "wrapped_key": c3c2.hex(),
            }
        )
    header_json = cj({**core, "recipients": recipients})
    header_hash = h(header_json)
    n = -(-len(payload) // chunk_size)
    chunks, chain, env = [], header_hash, b"GGZY-ENV" + struct.pack(">I", len(header_json)) + header_json
    for i in range(n):
        nonce = NONCE_PREFIX + struct.pack(">I", i) + (b"\x01" if i == n - 1 else b"\x00")
        ct, tag = gmssl_pyx.sm4_gcm_encrypt(
            CONTENT_KEY, nonce, header_hash, payload[i * chunk_size : (i + 1) * chunk_size]
        )
        chain = h(chain + ct + tag)
        chunks.append({"nonce": nonce.hex(), "ciphertext": (ct + tag).hex(), "chain_digest": chain.hex()})
        env += ct + tag
    message = b"ggzy-envelope/1 signature\x00" + chain
    za = pysm2.get_za(SIGNER_ID, signer_pt[1:])
    raw = pysm2.Sign(message, f"{SIGNER_SCALAR:064x}", f"{SIGNATURE_K:064x}", 64, uid=SIGNER_ID)
    body = der_int(int.from_bytes(raw[:32], "big")) + der_int(int.from_bytes(raw[32:], "big"))
    signature = b"\x30" + bytes([len(body)]) + body
    env += struct.pack(">H", len(signature)) + signature
    return {
        "name": case["name"],
        "inputs": {
            "bidder_encryption_key_pkcs8": pkcs8_pem(BIDDER_SCALAR),
            "signer_key_pkcs8": pkcs8_pem(SIGNER_SCALAR),
            "escrow_key_pkcs8": pkcs8_pem(ESCROW_SCALAR) if case["escrow"] else None,
            "content_key": CONTENT_KEY.hex(),
            "nonce_prefix": NONCE_PREFIX.hex(),
            "ephemeral_scalars": [f"{s:064x}" for s in EPHEMERAL_SCALARS[: len(targets)]],
            "signature_k": f"{SIGNATURE_K:064x}",
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
            "key_check": key_check.hex(),
            "wraps": wraps,
            "header_json": header_json.decode(),
            "header_hash": header_hash.hex(),
            "chunks": chunks,
            "signature_message": message.hex(),
            "signer_za": za,
            "signature_der": signature.hex(),
        },
        "envelope_hex": env.hex(),
        "envelope_sm3": h(env).hex(),
        "file_sm3": h(FILE).hex(),
    }


def build_all() -> dict:
    return {
        "format": "ggzy-envelope/1",
        "suite": "sm",
        "note": "Generated by ggzy/sealing/tests/test_sm_vectors.py (independent re-implementation).",
        "vectors": [build_vector(c) for c in CASES],
    }


def stored() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_independent_builder_reproduces_the_stored_vectors():
    assert build_all() == stored()


def test_implementation_seals_the_vector_inputs_to_the_same_bytes():
    from ggzy.sealing import envelope, suites

    for vector in stored()["vectors"]:
        inp = vector["inputs"]

        def key(name, inp=inp):
            return suites.SM_SUITE.load_private_key(inp[name].encode())

        out = io.BytesIO()
        result = envelope.seal(
            io.BytesIO(bytes.fromhex(inp["file_hex"])),
            out,
            section=inp["section"],
            bidder=inp["bidder"],
            summary=inp["summary"],
            file_name=inp["file_name"],
            media_type=inp["media_type"],
            bidder_public_key=key("bidder_encryption_key_pkcs8").public_key(),
            escrow_public_key=key("escrow_key_pkcs8").public_key() if inp["escrow_key_pkcs8"] else None,
            signing_key=key("signer_key_pkcs8"),
            created_at=dt.datetime.fromisoformat(inp["created_at"]),
            chunk_size=inp["chunk_size"],
            randomness=envelope.Randomness(
                content_key=bytes.fromhex(inp["content_key"]),
                nonce_prefix=bytes.fromhex(inp["nonce_prefix"]),
                ephemeral_scalars=[int(s, 16) for s in inp["ephemeral_scalars"]],
                signature_k=int(inp["signature_k"], 16),
            ),
        )
        assert out.getvalue().hex() == vector["envelope_hex"]
        assert result.header.suite == "sm"
        assert result.header.hash.hex() == vector["intermediate"]["header_hash"]
        assert result.header.core_hash.hex() == vector["intermediate"]["core_hash"]


def test_implementation_opens_the_stored_vectors_with_each_recipient_key():
    from ggzy.sealing import envelope, suites

    sm = suites.SM_SUITE
    for vector in stored()["vectors"]:
        inp = vector["inputs"]
        env = bytes.fromhex(vector["envelope_hex"])
        signer = sm.load_private_key(inp["signer_key_pkcs8"].encode()).public_key()
        verified = envelope.verify_envelope(io.BytesIO(env), signer=sm.public_pem(signer))
        assert verified.header.suite == "sm"
        names = ["bidder_encryption_key_pkcs8"] + (["escrow_key_pkcs8"] if inp["escrow_key_pkcs8"] else [])
        for name in names:
            private = sm.load_private_key(inp[name].encode())
            content_key = envelope.unwrap_content_key(verified.header, private)
            assert content_key.hex() == inp["content_key"]
            out = io.BytesIO()
            opened = envelope.open_envelope(io.BytesIO(env), out, content_key=content_key, signer=signer)
            assert out.getvalue().hex() == inp["file_hex"]
            assert opened.summary == inp["summary"]


def test_openssl_verifies_the_vector_signature(tmp_path):
    import shutil
    import subprocess

    from ggzy.sealing import suites

    if shutil.which("openssl") is None:  # pragma: no cover
        return
    vector = stored()["vectors"][0]
    signer = suites.SM_SUITE.load_private_key(vector["inputs"]["signer_key_pkcs8"].encode())
    (tmp_path / "pub.pem").write_bytes(suites.SM_SUITE.public_pem(signer.public_key()))
    (tmp_path / "msg.bin").write_bytes(bytes.fromhex(vector["intermediate"]["signature_message"]))
    (tmp_path / "sig.der").write_bytes(bytes.fromhex(vector["intermediate"]["signature_der"]))
    SM3_ID = ["-pkeyopt", "distid:1234567812345678"]
    IO = ["-in", "msg.bin", "-sigfile", "sig.der"]
    run = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-digest",
            "sm3",
            *SM3_ID,
            *IO,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Signature Verified Successfully" in run.stdout


if __name__ == "__main__" and "--write" in sys.argv:
    VECTORS.write_text(json.dumps(build_all(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
