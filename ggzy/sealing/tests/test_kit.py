"""The bidder kit's functions: key files, seal a file, decrypt the key, open with it."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from ggzy.sealing import envelope as E
from ggzy.sealing import kit, shamir


def test_seal_decrypt_key_and_open_with_files(tmp_path):
    keys = kit.generate_key()
    assert keys.private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    escrow = shamir.generate_escrow(k=2, n=3)
    data = os.urandom(200_000)
    (tmp_path / "投标文件.pdf").write_bytes(data)
    result = kit.seal_file(
        tmp_path / "投标文件.pdf",
        tmp_path / "bid.env",
        section="E6404000001001001",
        bidder="91640400MA0000001X",
        summary=kit.summary_from_json('{"bid_price": "980000.00"}'),
        key_pem=keys.private_pem,
        escrow_public_pem=escrow.public_key_pem,
        created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        chunk_size=65536,
    )
    assert not (tmp_path / "bid.env.part").exists()
    assert result.size == (tmp_path / "bid.env").stat().st_size
    ck = kit.decrypt_key(tmp_path / "bid.env", keys.private_pem)
    assert len(ck) == 64
    opened = kit.open_file(tmp_path / "bid.env", ck, tmp_path / "out.pdf", signer_pem=keys.public_pem)
    assert (tmp_path / "out.pdf").read_bytes() == data
    assert opened.file_name == "投标文件.pdf" and opened.media_type == "application/pdf"
    assert opened.summary == {"bid_price": "980000.00"}
    # the custodians' k shares give the same content key through the kit
    from cryptography.hazmat.primitives import serialization

    escrow_pem = shamir.combine_private_key(list(escrow.shares[1:])).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert kit.decrypt_key(tmp_path / "bid.env", escrow_pem) == ck


def test_password_protected_key_and_separate_signing_key(tmp_path):
    enc = kit.generate_key(password=b"s3cret")
    sig = kit.generate_key()
    assert b"ENCRYPTED" in enc.private_pem
    (tmp_path / "a.txt").write_text("标书")
    kit.seal_file(
        tmp_path / "a.txt",
        tmp_path / "a.env",
        section="S1",
        bidder="B1",
        summary={},
        key_pem=enc.private_pem,
        password=b"s3cret",
        signing_key_pem=sig.private_pem,
    )
    with (tmp_path / "a.env").open("rb") as f:
        assert E.read_header(f).signer == sig.key_id
    with pytest.raises(kit.KitError) as exc:
        kit.decrypt_key(tmp_path / "a.env", enc.private_pem)
    assert "密码" in exc.value.message
    with pytest.raises(kit.KitError):
        kit.decrypt_key(tmp_path / "a.env", enc.private_pem, password=b"wrong")
    with pytest.raises(E.WrongRecipient):
        kit.decrypt_key(tmp_path / "a.env", sig.private_pem)
    ck = kit.decrypt_key(tmp_path / "a.env", enc.private_pem, password=b"s3cret")
    with pytest.raises(E.WrongSigner):
        kit.open_file(tmp_path / "a.env", ck, tmp_path / "a.out", signer_pem=enc.public_pem)
    assert not (tmp_path / "a.out").exists() and not (tmp_path / "a.out.part").exists()
    kit.open_file(tmp_path / "a.env", ck, tmp_path / "a.out", signer_pem=sig.public_pem)
    assert (tmp_path / "a.out").read_text() == "标书"


def test_bad_kit_inputs(tmp_path):
    with pytest.raises(kit.KitError):
        kit.load_private_key(b"garbage")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(kit.KitError):
        kit.load_private_key(p384)
    for text in ("zz", "00" * 31, ""):
        with pytest.raises(E.WrongContentKey):
            kit.parse_content_key(text)
    for text in ("not json", "[1]"):
        with pytest.raises(kit.KitError):
            kit.summary_from_json(text)
    keys = kit.generate_key()
    (tmp_path / "a.txt").write_text("x")
    der = kit.load_private_key(keys.private_pem).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert (
        kit.load_private_key(der).public_key().public_numbers()
        == kit.load_private_key(keys.private_pem).public_key().public_numbers()
    )
