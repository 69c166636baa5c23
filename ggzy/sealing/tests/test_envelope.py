"""Sealing, verifying, unwrapping and opening envelopes — and every way they are refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.sealing import envelope as E
from ggzy.sealing import testing as pki

AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
SECTION = "E6404000001001001"
BIDDER = "91640400MA0000001X"
SUMMARY = {"bid_price": "980000.00", "duration_days": 180, "project_manager": "李四"}


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def keys():
    return {"bidder": new_key(), "signer": new_key(), "escrow": new_key(), "other": new_key()}


def make(keys, data: bytes = b"", *, escrow: bool = True, chunk_size: int = 256, **kw) -> tuple[bytes, bytes]:
    out = io.BytesIO()
    E.seal(
        io.BytesIO(data),
        out,
        section=kw.pop("section", SECTION),
        bidder=kw.pop("bidder", BIDDER),
        summary=kw.pop("summary", SUMMARY),
        file_name="投标文件.pdf",
        media_type="application/pdf",
        bidder_public_key=keys["bidder"].public_key(),
        signing_key=kw.pop("signing_key", keys["signer"]),
        escrow_public_key=keys["escrow"].public_key() if escrow else None,
        created_at=AT,
        chunk_size=chunk_size,
        **kw,
    )
    env = out.getvalue()
    header = E.read_header(io.BytesIO(env))
    return env, E.unwrap_content_key(header, keys["bidder"])


def open_(env: bytes, content_key: bytes, signer=None, **kw) -> tuple[E.OpenedBid, bytes]:
    out = io.BytesIO()
    opened = E.open_envelope(io.BytesIO(env), out, content_key=content_key, signer=signer, **kw)
    return opened, out.getvalue()


def header_len(env: bytes) -> int:
    return 12 + struct.unpack(">I", env[8:12])[0]


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 1000, 4096 * 3 + 7])
def test_round_trip_across_chunk_boundaries(keys, size):
    data = os.urandom(size)
    env, ck = make(keys, data)
    header = E.read_header(io.BytesIO(env))
    assert (
        len(env)
        == header.envelope_size
        + 2
        + struct.unpack(">H", env[header.envelope_size : header.envelope_size + 2])[0]
    )
    opened, plain = open_(env, ck, signer=keys["signer"].public_key())
    assert plain == data
    assert opened.summary == SUMMARY
    assert opened.file_sha256 == hashlib.sha256(data).hexdigest()
    assert opened.file_size == size
    assert opened.envelope_sha256 == hashlib.sha256(env).hexdigest()
    assert E.unwrap_content_key(header, keys["escrow"]) == ck


def test_header_is_readable_without_keys_and_hides_the_bid(keys):
    env, _ = make(keys, b"secret price 123456")
    header = E.read_header(io.BytesIO(env))
    assert (header.section, header.bidder, header.created_at) == (SECTION, BIDDER, "2026-11-20T10:00:00Z")
    assert header.backup_decryption is True
    assert [r.role for r in header.recipients] == ["bidder", "escrow"]
    assert header.recipients[0].key_id == E.key_id(keys["bidder"].public_key())
    assert header.signer == E.key_id(keys["signer"].public_key())
    assert b"980000" not in env and "李四".encode() not in env and b"secret" not in env
    assert "投标文件".encode() not in env  # file name is encrypted too


def test_without_backup_decryption_only_the_bidder_can_unwrap(keys):
    env, _ = make(keys, b"x", escrow=False)
    header = E.read_header(io.BytesIO(env))
    assert header.backup_decryption is False
    with pytest.raises(E.WrongRecipient):
        E.unwrap_content_key(header, keys["escrow"])


def test_each_seal_uses_a_fresh_content_key(keys):
    env1, ck1 = make(keys, b"same")
    env2, ck2 = make(keys, b"same")
    assert ck1 != ck2 and env1 != env2


def test_verify_accepts_certificate_and_pem(keys):
    ca = pki.make_ca("测试根CA")
    cert, cert_key = pki.make_leaf(*ca, org_name="某建设有限公司", credit_code=BIDDER, key_type="ec")
    env, _ = make(keys, b"bid", signing_key=cert_key)
    for signer in (cert, pki.cert_pem(cert), pki.cert_der(cert), pki.public_pem(cert_key)):
        verified = E.verify_envelope(
            io.BytesIO(env), signer=signer, expect_section=SECTION, expect_bidder=BIDDER
        )
        assert verified.envelope_sha256 == hashlib.sha256(env).hexdigest()
        assert verified.size == len(env)


def test_rsa_certificate_cannot_sign_intl_envelopes(keys):
    ca = pki.make_ca("测试根CA")
    cert, _ = pki.make_leaf(*ca, org_name="某公司", credit_code=BIDDER, key_type="rsa")
    env, _ = make(keys, b"bid")
    with pytest.raises(E.UnsupportedKey):
        E.verify_envelope(io.BytesIO(env), signer=cert)


def test_streaming_from_real_files(keys, tmp_path):
    data = os.urandom(300_000)
    (tmp_path / "bid.bin").write_bytes(data)
    with (tmp_path / "bid.bin").open("rb") as fin, (tmp_path / "bid.env").open("wb") as fout:
        result = E.seal(
            fin,
            fout,
            section=SECTION,
            bidder=BIDDER,
            summary=SUMMARY,
            file_name="bid.bin",
            bidder_public_key=keys["bidder"].public_key(),
            signing_key=keys["signer"],
            created_at=AT,
            chunk_size=4096,
        )
    assert result.size == (tmp_path / "bid.env").stat().st_size
    assert result.header.chunk_count == -(-(256 + 300_000 + 32) // 4096)
    with (tmp_path / "bid.env").open("rb") as fin, (tmp_path / "out.bin").open("wb") as fout:
        ck = E.unwrap_content_key(E.read_header(fin), keys["bidder"])
        fin.seek(0)
        E.open_envelope(fin, fout, content_key=ck, signer=keys["signer"].public_key())
    assert (tmp_path / "out.bin").read_bytes() == data


def test_seal_refuses_a_source_shorter_than_announced(keys):
    with pytest.raises(E.SealingInputError):
        E.seal(
            io.BytesIO(b"short"),
            io.BytesIO(),
            section=SECTION,
            bidder=BIDDER,
            summary={},
            file_name="a",
            file_size=100,
            bidder_public_key=keys["bidder"].public_key(),
            signing_key=keys["signer"],
            created_at=AT,
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("section", "有中文"),
        ("section", "has space"),
        ("bidder", ""),
        ("bidder", 'q"uote'),
        ("chunk_size", 1000),
    ],
)
def test_seal_refuses_bad_header_inputs(keys, field, value):
    kw = {field: value}
    with pytest.raises(E.SealingInputError):
        make(keys, b"x", **kw) if field != "chunk_size" else make(keys, b"x", chunk_size=value)


def test_seal_refuses_naive_time_and_non_p256_keys(keys):
    with pytest.raises(E.SealingInputError):
        E.seal(
            io.BytesIO(b"x"),
            io.BytesIO(),
            section=SECTION,
            bidder=BIDDER,
            summary={},
            file_name="a",
            bidder_public_key=keys["bidder"].public_key(),
            signing_key=keys["signer"],
            created_at=dt.datetime(2026, 1, 1),  # noqa: DTZ001
        )
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(E.UnsupportedKey):
        make({**keys, "bidder": p384}, b"x")


# ----------------------------------------------------------------------------- refusals


def test_truncated_anywhere_is_refused(keys):
    env, ck = make(keys, os.urandom(1000))
    signer = keys["signer"].public_key()
    for cut in (
        0,
        5,
        10,
        header_len(env) - 1,
        header_len(env) + 100,
        len(env) - 300,
        len(env) - 60,
        len(env) - 1,
    ):
        short = env[:cut]
        with pytest.raises((E.TruncatedEnvelope, E.MalformedEnvelope)) as exc:
            E.verify_envelope(io.BytesIO(short), signer=signer)
        assert exc.value.message
        if cut >= header_len(env):
            with pytest.raises(E.TruncatedEnvelope):
                E.verify_envelope(io.BytesIO(short), signer=signer)
            with pytest.raises(E.TruncatedEnvelope):
                open_(short, ck)


def test_dropping_whole_chunks_is_refused(keys):
    env, ck = make(keys, os.urandom(1000))
    h = header_len(env)
    step = 256 + 16
    without_second = env[: h + step] + env[h + 2 * step :]
    with pytest.raises(E.TamperedEnvelope):
        open_(without_second, ck)
    with pytest.raises((E.TruncatedEnvelope, E.SignatureInvalid, E.MalformedEnvelope)):
        E.verify_envelope(io.BytesIO(without_second), signer=keys["signer"].public_key())


def test_every_bit_flip_is_detected(keys):
    env, ck = make(keys, os.urandom(600))
    signer = keys["signer"].public_key()
    h = header_len(env)
    for pos in [h + 3, h + 256 + 16 + 40, len(env) - 90, len(env) - 75, len(env) - 10]:
        bad = bytearray(env)
        bad[pos] ^= 0x01
        with pytest.raises(E.EnvelopeError):
            E.verify_envelope(io.BytesIO(bytes(bad)), signer=signer)
        with pytest.raises(E.EnvelopeError):
            open_(bytes(bad), ck, signer=signer)
    # a flip inside a ciphertext chunk: the server without key sees a bad signature, the opener a bad tag
    bad = bytearray(env)
    bad[h + 300] ^= 0x80
    with pytest.raises(E.SignatureInvalid):
        E.verify_envelope(io.BytesIO(bytes(bad)), signer=signer)
    with pytest.raises(E.TamperedEnvelope):
        open_(bytes(bad), ck)


def test_bit_flips_in_the_header_are_refused(keys):
    env, _ = make(keys, b"abc")
    h = header_len(env)
    for pos in range(12, h, 7):
        bad = bytearray(env)
        bad[pos] ^= 0x01
        with pytest.raises(E.EnvelopeError):
            E.verify_envelope(io.BytesIO(bytes(bad)), signer=keys["signer"].public_key())


def test_reordered_or_swapped_chunks_are_refused(keys):
    env, ck = make(keys, os.urandom(700))
    h = header_len(env)
    step = 256 + 16
    c = [env[h + i * step : h + (i + 1) * step] for i in range(3)]
    swapped = env[:h] + c[1] + c[0] + env[h + 2 * step :]
    with pytest.raises(E.TamperedEnvelope):
        open_(swapped, ck)
    with pytest.raises(E.SignatureInvalid):
        E.verify_envelope(io.BytesIO(swapped), signer=keys["signer"].public_key())


def test_chunk_from_another_envelope_with_the_same_key_is_refused(keys):
    """Same content key and nonce prefix (fixed randomness), other header: the AAD binds chunks."""
    rnd = E.Randomness(content_key=bytes(32), nonce_prefix=bytes(7), ephemeral_scalars=[5, 7])
    env1, ck = make(keys, b"A" * 600, randomness=rnd)
    env2, _ = make(keys, b"B" * 600, randomness=rnd, section="E6404000001001002")
    h1, h2 = header_len(env1), header_len(env2)
    mixed = env1[:h1] + env2[h2 : h2 + 272] + env1[h1 + 272 :]
    with pytest.raises(E.TamperedEnvelope):
        open_(mixed, ck)


def test_replaced_header_is_refused(keys):
    env, ck = make(keys, b"bid for section one")
    other, other_ck = make(keys, b"bid for section two", section="E6404000001001002")
    signer = keys["signer"].public_key()
    # submitted to the wrong section / as another bidder
    with pytest.raises(E.HeaderMismatch):
        E.verify_envelope(io.BytesIO(env), signer=signer, expect_section="E6404000001001002")
    with pytest.raises(E.HeaderMismatch):
        E.verify_envelope(io.BytesIO(env), signer=signer, expect_bidder="91640400MA0000002X")
    # header of another envelope grafted onto this ciphertext
    grafted = other[: header_len(other)] + env[header_len(env) :]
    with pytest.raises(E.SignatureInvalid):
        E.verify_envelope(io.BytesIO(grafted), signer=signer)
    with pytest.raises(E.TamperedEnvelope):
        open_(grafted, other_ck)
    with pytest.raises(E.WrongContentKey):
        open_(grafted, ck)


def test_edited_header_that_stays_canonical_is_refused(keys):
    env, ck = make(keys, b"x")
    h = header_len(env)
    obj = json.loads(env[12:h])
    obj["created_at"] = "2026-11-19T10:00:00Z"
    raw = E.canonical_json(obj)
    edited = b"GGZY-ENV" + struct.pack(">I", len(raw)) + raw + env[h:]
    with pytest.raises(E.SignatureInvalid):
        E.verify_envelope(io.BytesIO(edited), signer=keys["signer"].public_key())
    with pytest.raises(E.TamperedEnvelope):  # core hash changed: the wraps no longer authenticate
        E.unwrap_content_key(E.read_header(io.BytesIO(edited)), keys["bidder"])
    with pytest.raises(E.TamperedEnvelope):
        open_(edited, ck)


def test_wrong_recipient_is_refused(keys):
    env, _ = make(keys, b"x")
    with pytest.raises(E.WrongRecipient) as exc:
        E.unwrap_content_key(E.read_header(io.BytesIO(env)), keys["other"])
    assert "接收方" in exc.value.message


def test_swapped_wrap_entry_is_refused(keys):
    """An attacker re-wraps its own key under the bidder's key id: the wrap fails to authenticate."""
    env, _ = make(keys, b"x")
    h = header_len(env)
    obj = json.loads(env[12:h])
    obj["recipients"][0]["wrapped_key"], obj["recipients"][1]["wrapped_key"] = (
        obj["recipients"][1]["wrapped_key"],
        obj["recipients"][0]["wrapped_key"],
    )
    raw = E.canonical_json(obj)
    with pytest.raises(E.TamperedEnvelope):
        E.unwrap_content_key(E.parse_header(raw), keys["bidder"])


def test_signature_by_another_key_is_refused(keys):
    env, _ = make(keys, b"x", signing_key=keys["other"])
    with pytest.raises(E.WrongSigner):
        E.verify_envelope(io.BytesIO(env), signer=keys["signer"].public_key())
    # a forger who also writes the victim's key id into the header: the signature itself fails
    victim = E.key_id(keys["signer"].public_key())
    forger = E.key_id(keys["other"].public_key())
    h = header_len(env)
    raw = env[12:h].replace(forger.encode(), victim.encode())
    forged = b"GGZY-ENV" + struct.pack(">I", len(raw)) + raw + env[h:]
    with pytest.raises(E.SignatureInvalid):
        E.verify_envelope(io.BytesIO(forged), signer=keys["signer"].public_key())


def test_wrong_content_key_is_refused(keys):
    env, ck = make(keys, b"x")
    for bad in (os.urandom(32), ck[:16], ck[:-1] + bytes([ck[-1] ^ 1])):
        with pytest.raises(E.WrongContentKey):
            open_(env, bad)


def test_unsupported_version_and_suite(keys):
    env, _ = make(keys, b"x")
    h = header_len(env)
    for field, value in (("version", "ggzy-envelope/2"), ("suite", "pq")):
        obj = json.loads(env[12:h])
        obj[field] = value
        raw = E.canonical_json(obj)
        with pytest.raises(E.UnsupportedVersion) as exc:
            E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", len(raw)) + raw))
        assert value in exc.value.message


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: o.pop("signer"),
        lambda o: o.update(extra=1),
        lambda o: o.update(chunk_size=300),
        lambda o: o.update(chunk_size=1 << 25),
        lambda o: o.update(payload_size=10),
        lambda o: o.update(payload_size="1000"),
        lambda o: o.update(created_at="2026-11-20 10:00:00"),
        lambda o: o.update(nonce_prefix="AAAA"),
        lambda o: o.update(key_check="not base64!"),
        lambda o: o.update(recipients=[]),
        lambda o: o["recipients"].reverse(),
        lambda o: o["recipients"][0].update(ephemeral=E.b64(b"\x04" + bytes(64))),
        lambda o: o["recipients"][0].update(key_id="ABC"),
        lambda o: o.update(section="标段"),
    ],
)
def test_malformed_headers_are_refused(keys, mutate):
    env, _ = make(keys, b"x")
    obj = json.loads(env[12 : header_len(env)])
    mutate(obj)
    raw = E.canonical_json(obj)
    with pytest.raises(E.MalformedEnvelope):
        E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", len(raw)) + raw))


def test_non_canonical_header_bad_magic_and_trailing_data_are_refused(keys):
    env, ck = make(keys, b"x")
    h = header_len(env)
    obj = json.loads(env[12:h])
    pretty = json.dumps(obj, indent=1).encode()
    with pytest.raises(E.MalformedEnvelope):
        E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", len(pretty)) + pretty))
    with pytest.raises(E.MalformedEnvelope):
        E.read_header(io.BytesIO(b"PK\x03\x04" + env[4:]))
    with pytest.raises(E.MalformedEnvelope):
        E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", 1 << 20) + env[12:]))
    with pytest.raises(E.MalformedEnvelope):
        E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", 4) + b"\xff\xfe{}"))
    with pytest.raises(E.MalformedEnvelope):
        E.verify_envelope(io.BytesIO(env + b"\x00"), signer=keys["signer"].public_key())
    with pytest.raises(E.MalformedEnvelope):
        open_(env + b"junk", ck)


def test_bad_signature_length_is_refused(keys):
    env, _ = make(keys, b"x")
    header = E.read_header(io.BytesIO(env))
    pos = header.envelope_size
    bad = env[:pos] + struct.pack(">H", 200) + env[pos + 2 :]
    with pytest.raises(E.MalformedEnvelope):
        E.verify_envelope(io.BytesIO(bad), signer=keys["signer"].public_key())


def test_payload_size_policy(keys):
    env, _ = make(keys, os.urandom(5000))
    with pytest.raises(E.MalformedEnvelope):
        E.verify_envelope(io.BytesIO(env), signer=keys["signer"].public_key(), max_payload_size=1000)


def test_garbage_is_refused_with_a_reason():
    for garbage in (b"", b"hello", os.urandom(5000), b"GGZY-ENV\x00\x00\x00\x02{}"):
        with pytest.raises(E.EnvelopeError) as exc:
            E.read_header(io.BytesIO(garbage))
        assert exc.value.code in {"truncated", "malformed", "unsupported_version"}
        assert exc.value.message


def reseal_payload(env: bytes, ck: bytes, signer, transform) -> bytes:
    """The same header, with the decrypted payload changed by ``transform`` (same length) and
    re-encrypted and re-signed by the bidder: a sealer that wrote a bad payload."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = E.read_header(io.BytesIO(env))
    h = header_len(env)
    n, cs = header.chunk_count, header.chunk_size
    body = env[h : h + header.payload_size + 16 * n]
    aead = AESGCM(ck)
    payload = b""
    for i in range(n):
        c = body[i * (cs + 16) : (i + 1) * (cs + 16)]
        payload += aead.decrypt(E.chunk_nonce(header.nonce_prefix, i, i == n - 1), c, header.hash)
    payload = transform(bytearray(payload))
    out, chain = env[:h], header.hash
    for i in range(n):
        c = aead.encrypt(
            E.chunk_nonce(header.nonce_prefix, i, i == n - 1),
            bytes(payload[i * cs : (i + 1) * cs]),
            header.hash,
        )
        chain = hashlib.sha256(chain + c).digest()
        out += c
    sig = signer.sign(E.signature_message(chain), ec.ECDSA(hashes.SHA256()))
    return out + struct.pack(">H", len(sig)) + sig


def test_bad_payloads_from_a_faulty_sealer_are_refused(keys):
    env, ck = make(keys, b"the bid file")
    signer = keys["signer"]

    def flip_hash(p):
        p[-1] ^= 1
        return p

    def bad_json(p):
        p[4] = ord("[")
        return p

    def bad_padding(p):
        p[255] = 1
        return p

    def huge_meta_length(p):
        p[0:4] = struct.pack(">I", 1 << 21)
        return p

    def wrong_file_size(p):
        length = struct.unpack(">I", p[:4])[0]
        meta = json.loads(bytes(p[4 : 4 + length]))
        meta["file_size"] += 1
        raw = E.canonical_json(meta)
        assert len(raw) == length
        p[4 : 4 + length] = raw
        return p

    cases = [
        (flip_hash, E.FileHashMismatch),
        (bad_json, E.MalformedEnvelope),
        (bad_padding, E.MalformedEnvelope),
        (huge_meta_length, E.MalformedEnvelope),
        (wrong_file_size, E.MalformedEnvelope),
    ]
    for transform, error in cases:
        bad = reseal_payload(env, ck, signer, transform)
        E.verify_envelope(io.BytesIO(bad), signer=signer.public_key())  # the server cannot see it ...
        with pytest.raises(error):  # ... until the opening
            open_(bad, ck, signer=signer.public_key())


def test_deeply_nested_json_is_refused_not_crashing():
    raw = b"[" * 30000 + b"]" * 30000  # under the 64 KiB header limit, far over the parser depth
    with pytest.raises(E.MalformedEnvelope):
        E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", len(raw)) + raw))
