"""The ``sm`` suite end to end: envelope seal → verify → unwrap → open (bidder and k-of-n escrow),
the bidder kit with SM2 key files, SM2-signed receipts, and every refusal specific to the suite."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import struct
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.sealing import envelope as E
from ggzy.sealing import kit, receipts, shamir
from ggzy.sealing import suites as S

SM = S.SM_SUITE
SECTION = "E6404000001001001"
BIDDER = "91640400MA0000001X"
AT = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
SUMMARY = {"bid_price": "9876543.21", "duration_days": 180}


@pytest.fixture(scope="module")
def keys():
    return {
        "bidder": SM.generate_private_key(),
        "signer": SM.generate_private_key(),
        "escrow": SM.generate_private_key(),
    }


def make(
    keys, data: bytes, *, escrow: bool = True, chunk_size: int = 256, **kw
) -> tuple[bytes, E.SealResult]:
    out = io.BytesIO()
    result = E.seal(
        io.BytesIO(data),
        out,
        section=SECTION,
        bidder=BIDDER,
        summary=SUMMARY,
        file_name="技术标.pdf",
        bidder_public_key=keys["bidder"].public_key(),
        escrow_public_key=keys["escrow"].public_key() if escrow else None,
        signing_key=keys["signer"],
        created_at=AT,
        chunk_size=chunk_size,
        **kw,
    )
    return out.getvalue(), result


def header_len(env: bytes) -> int:
    return 12 + struct.unpack(">I", env[8:12])[0]


def test_sm_envelope_round_trip_with_bidder_and_escrow(keys):
    data = bytes(range(256)) * 40 + b"tail"
    env, result = make(keys, data)
    header = result.header
    assert header.suite == "sm" and json.loads(header.raw)["suite"] == "sm"
    assert header.signer == SM.key_id(keys["signer"].public_key())
    assert [len(r.wrapped_key) for r in header.recipients] == [80, 80]
    verified = E.verify_envelope(io.BytesIO(env), signer=keys["signer"].public_key(), expect_bidder=BIDDER)
    assert verified.envelope_sha256 == result.envelope_sha256
    for private in (keys["bidder"], keys["escrow"]):
        content_key = E.unwrap_content_key(verified.header, private)
        assert len(content_key) == 16
        out = io.BytesIO()
        opened = E.open_envelope(
            io.BytesIO(env), out, content_key=content_key, signer=keys["signer"].public_key()
        )
        assert out.getvalue() == data
        assert opened.summary == SUMMARY and opened.file_name == "技术标.pdf"
        assert opened.file_size == len(data)


def test_sealing_picks_the_suite_from_the_signing_key_and_checks_every_key(keys):
    p256 = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(E.UnsupportedKey):  # SM2 signer, P-256 bidder key
        E.seal(
            io.BytesIO(b"x"),
            io.BytesIO(),
            section=SECTION,
            bidder=BIDDER,
            summary={},
            file_name="a",
            bidder_public_key=p256.public_key(),
            signing_key=keys["signer"],
            created_at=AT,
        )
    with pytest.raises(E.UnsupportedKey):  # suite sm asked for, P-256 signer
        E.seal(
            io.BytesIO(b"x"),
            io.BytesIO(),
            section=SECTION,
            bidder=BIDDER,
            summary={},
            file_name="a",
            bidder_public_key=keys["bidder"].public_key(),
            signing_key=p256,
            created_at=AT,
            suite="sm",
        )
    with pytest.raises(E.SealingInputError):
        make(keys, b"x", suite="sm3")
    with pytest.raises(E.SealingInputError):  # an AES-256-sized content key is not an SM4 key
        make(keys, b"x", randomness=E.Randomness(bytes(32), bytes(7), [1, 2]))


def test_sm_envelope_refusals(keys):
    env, result = make(keys, b"bid file" * 100)
    p256 = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(E.UnsupportedKey):
        E.verify_envelope(io.BytesIO(env), signer=p256.public_key())
    with pytest.raises(E.WrongSigner):
        E.verify_envelope(io.BytesIO(env), signer=keys["bidder"].public_key())
    with pytest.raises(E.UnsupportedKey):
        E.unwrap_content_key(result.header, p256)
    with pytest.raises(E.WrongRecipient):
        E.unwrap_content_key(result.header, SM.generate_private_key())
    content_key = E.unwrap_content_key(result.header, keys["bidder"])
    with pytest.raises(E.WrongContentKey):
        E.open_envelope(io.BytesIO(env), io.BytesIO(), content_key=content_key + bytes(16))
    with pytest.raises(E.WrongContentKey):
        E.open_envelope(io.BytesIO(env), io.BytesIO(), content_key=bytes(16))

    flipped = bytearray(env)
    flipped[header_len(env) + 5] ^= 1
    with pytest.raises(E.TamperedEnvelope):
        E.open_envelope(io.BytesIO(bytes(flipped)), io.BytesIO(), content_key=content_key)
    with pytest.raises(E.SignatureInvalid):
        E.verify_envelope(io.BytesIO(bytes(flipped)), signer=keys["signer"].public_key())
    bad_sig = bytearray(env)
    bad_sig[-3] ^= 1
    with pytest.raises((E.SignatureInvalid, E.MalformedEnvelope)):
        E.verify_envelope(io.BytesIO(bytes(bad_sig)), signer=keys["signer"].public_key())


def test_a_wrap_copied_into_another_sm_envelope_does_not_unwrap(keys):
    _env_a, res_a = make(keys, b"A" * 500)
    _env_b, res_b = make(keys, b"B" * 500)
    obj_b = json.loads(res_b.header.raw)
    obj_b["recipients"][0] = json.loads(res_a.header.raw)["recipients"][0]
    raw = E.canonical_json(obj_b)
    header = E.parse_header(raw)
    with pytest.raises(E.TamperedEnvelope):
        E.unwrap_content_key(header, keys["bidder"])


def test_headers_relabelled_between_suites_are_refused(keys):
    p256 = {n: ec.generate_private_key(ec.SECP256R1()) for n in ("bidder", "signer")}
    out = io.BytesIO()
    E.seal(
        io.BytesIO(b"x"),
        out,
        section=SECTION,
        bidder=BIDDER,
        summary={},
        file_name="a",
        bidder_public_key=p256["bidder"].public_key(),
        signing_key=p256["signer"],
        created_at=AT,
    )
    intl_env = out.getvalue()
    sm_env, _ = make(keys, b"x", escrow=False)
    for env, suite in ((intl_env, "sm"), (sm_env, "intl")):
        obj = json.loads(env[12 : header_len(env)])
        obj["suite"] = suite
        raw = E.canonical_json(obj)
        with pytest.raises(E.MalformedEnvelope):  # wrap sizes / points of the other suite
            E.read_header(io.BytesIO(b"GGZY-ENV" + struct.pack(">I", len(raw)) + raw))


def test_sm_header_refuses_an_ephemeral_off_the_curve(keys):
    env, _ = make(keys, b"x", escrow=False)
    obj = json.loads(env[12 : header_len(env)])
    obj["recipients"][0]["ephemeral"] = E.b64(b"\x04" + bytes(64))
    raw = E.canonical_json(obj)
    with pytest.raises(E.MalformedEnvelope) as exc:
        E.parse_header(raw)
    assert "SM2" in exc.value.message


def test_sm_certificate_as_signer(keys, tmp_path):
    if shutil.which("openssl") is None:  # pragma: no cover
        pytest.skip("openssl not installed")
    (tmp_path / "k.pem").write_bytes(SM.private_pem(keys["signer"]))
    run = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/CN=bidder",
            "-sm3",
            "-sigopt",
            "distid:1234567812345678",
            "-days",
            "30",
            "-out",
            "cert.pem",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    if run.returncode != 0:  # pragma: no cover - an OpenSSL without SM2 certificates
        pytest.skip("openssl cannot make SM2 certificates")
    env, _ = make(keys, b"bid")
    cert_pem = (tmp_path / "cert.pem").read_bytes()
    assert E.verify_envelope(io.BytesIO(env), signer=cert_pem).header.suite == "sm"


# ----------------------------------------------------------------------------- escrow


def test_sm_escrow_ceremony_and_backup_decryption():
    kit_ = shamir.generate_escrow(k=2, n=3, suite="sm")
    assert b"BEGIN PUBLIC KEY" in kit_.public_key_pem
    escrow_public = SM.load_public_key(kit_.public_key_pem)
    assert SM.key_id(escrow_public) == kit_.key_id
    texts = [s.to_text() for s in kit_.shares]
    assert all(t.startswith("ggzy-sm-share/1:" + kit_.key_id) for t in texts)
    bidder, signer = SM.generate_private_key(), SM.generate_private_key()
    out = io.BytesIO()
    sealed = E.seal(
        io.BytesIO(b"bid"),
        out,
        section=SECTION,
        bidder=BIDDER,
        summary={},
        file_name="a",
        bidder_public_key=bidder.public_key(),
        escrow_public_key=kit_.public_key_pem,
        signing_key=signer,
        created_at=AT,
    )
    recovered = shamir.combine_private_key([texts[2], texts[0]])
    assert isinstance(recovered, S.SM2PrivateKey)
    assert recovered.public == escrow_public
    content_key = E.unwrap_content_key(sealed.header, recovered)
    assert E.open_envelope(io.BytesIO(out.getvalue()), io.BytesIO(), content_key=content_key).file_size == 3

    with pytest.raises(shamir.ShareError):
        shamir.combine([texts[0]])
    wrong = shamir.Share.from_text(texts[1])
    forged = shamir.Share(wrong.escrow_key_id, 2, 3, 2, (wrong.y + 1) % S.SM2_N, "sm").to_text()
    with pytest.raises(shamir.ShareError) as exc:
        shamir.combine([texts[0], forged])
    assert exc.value.code == "inconsistent"
    intl = shamir.generate_escrow(k=2, n=3)
    mixed = shamir.Share(kit_.key_id, 2, 3, 2, intl.shares[1].y, "intl")
    with pytest.raises(shamir.ShareError) as exc:
        shamir.combine([kit_.shares[0], mixed])
    assert exc.value.code == "mixed"
    typo = texts[0][:-1] + ("0" if texts[0][-1] != "0" else "1")
    with pytest.raises(shamir.ShareError) as exc:
        shamir.Share.from_text(typo)
    assert exc.value.code == "checksum"
    with pytest.raises(shamir.ShareError):
        shamir.generate_escrow(k=2, n=3, suite="rsa")


def test_sm_shares_use_the_sm2_group_order():
    secret = S.SM2_N - 5  # only valid modulo the SM2 order
    shares = shamir.split(secret, k=3, n=5, escrow_key_id="0" * 64, suite="sm")
    points = [(s.index, s.y) for s in shares[1:4]]
    assert shamir.interpolate(points, 0, S.SM2_N) == secret
    with pytest.raises(shamir.ShareError):
        shamir.split(S.SM2_N, k=2, n=3, escrow_key_id="0" * 64, suite="sm")


# ----------------------------------------------------------------------------- kit


def test_kit_with_sm2_key_files(tmp_path):
    keys = kit.generate_key(b"pw", suite="sm")
    assert b"ENCRYPTED PRIVATE KEY" in keys.private_pem
    assert keys.key_id == SM.key_id(SM.load_public_key(keys.public_pem))
    src = tmp_path / "投标文件.txt"
    src.write_bytes("报价 100 万元".encode() * 1000)
    env_path = tmp_path / "bid.env"
    result = kit.seal_file(
        src,
        env_path,
        section=SECTION,
        bidder=BIDDER,
        summary=SUMMARY,
        key_pem=keys.private_pem,
        password=b"pw",
    )
    assert result.header.suite == "sm"
    content_key_hex = kit.decrypt_key(env_path, keys.private_pem, b"pw")
    assert len(content_key_hex) == 32
    opened = kit.open_file(env_path, content_key_hex, tmp_path / "out.txt", signer_pem=keys.public_pem)
    assert (tmp_path / "out.txt").read_bytes() == src.read_bytes()
    assert opened.summary == SUMMARY
    assert not (tmp_path / "out.txt.part").exists()

    with pytest.raises(kit.KitError) as exc:
        kit.load_private_key(keys.private_pem)
    assert "密码" in exc.value.message
    with pytest.raises(kit.KitError):
        kit.load_private_key(keys.private_pem, b"wrong")
    with pytest.raises(kit.KitError):
        kit.generate_key(suite="rsa")
    intl = kit.generate_key()
    with pytest.raises(kit.KitError):  # SM2 encryption key + P-256 signing key
        kit.seal_file(
            src,
            tmp_path / "mixed.env",
            section=SECTION,
            bidder=BIDDER,
            summary={},
            key_pem=keys.private_pem,
            password=b"pw",
            signing_key_pem=intl.private_pem,
        )
    assert not (tmp_path / "mixed.env").exists()
    with pytest.raises(E.WrongContentKey):
        kit.open_file(env_path, "00" * 15, tmp_path / "x.txt")
    with pytest.raises(E.UnsupportedKey):  # a P-256 key cannot unwrap an sm envelope
        kit.decrypt_key(env_path, intl.private_pem)


# ----------------------------------------------------------------------------- receipts


def test_sm2_receipts(tmp_path):
    platform = S.SMSigningKey.generate()
    receipt = receipts.issue_receipt(
        platform,
        section=SECTION,
        bidder=BIDDER,
        envelope_sha256="ab" * 32,
        server_time=dt.datetime(2026, 11, 26, 9, 0, 1, 123456, tzinfo=dt.UTC),
        sequence=7,
    )
    doc = receipt.to_json()
    body = json.loads(doc)["receipt"]
    assert body["suite"] == "sm" and body["key_id"] == SM.key_id(platform.private_key.public)[:16]
    assert receipts.verify_receipt(platform.public_pem(), doc) == receipt
    assert S.SMSigningKey.from_pem(platform.private_pem(b"pw"), b"pw").key_id == platform.key_id

    tampered = json.loads(doc)
    tampered["receipt"]["sequence"] = 8
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify_receipt(platform.public_pem(), tampered)
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify_receipt(S.SMSigningKey.generate().public_pem(), doc)
    from ggzy.sealing import signing

    intl_key = signing.SigningKey.generate()
    with pytest.raises(receipts.ReceiptInvalid):  # an sm receipt checked with an intl platform key
        receipts.verify_receipt(intl_key.public_pem(), doc)
    relabelled = json.loads(doc)
    relabelled["receipt"]["suite"] = "intl"
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify_receipt(platform.public_pem(), relabelled)
    dropped = json.loads(doc)
    del dropped["receipt"]["suite"]
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify_receipt(platform.public_pem(), dropped)
    with pytest.raises(receipts.ReceiptInvalid):
        receipts.verify_receipt(b"not a key", doc)

    # intl receipts keep their exact body (no suite key).
    intl_receipt = receipts.issue_receipt(
        intl_key,
        section=SECTION,
        bidder=BIDDER,
        envelope_sha256="ab" * 32,
        server_time=dt.datetime(2026, 11, 26, 9, 0, 1, tzinfo=dt.UTC),
        sequence=1,
    )
    assert "suite" not in json.loads(intl_receipt.to_json())["receipt"]

    if shutil.which("openssl") is None:  # pragma: no cover
        return
    (tmp_path / "pub.pem").write_bytes(platform.public_pem())
    (tmp_path / "body.json").write_bytes(receipt.body_bytes())
    import base64

    (tmp_path / "sig.der").write_bytes(base64.b64decode(receipt.signature))
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
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            "body.json",
            "-sigfile",
            "sig.der",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_sm2_public_key_where_p256_is_expected_is_a_clear_refusal() -> None:
    from ggzy.sealing import envelope, kit

    sm_pub = kit.generate_key(suite="sm").public_pem
    with pytest.raises(envelope.UnsupportedKey):
        envelope.load_public_key(sm_pub, "投标人公钥")
