"""Security properties at the pure level (issue 6): before the opening, everything the server
holds — every stored byte, every server-side key, and fewer than k escrow shares — decrypts nothing.
A content key is obtainable only with the bidder's own private key or k custodian shares."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ggzy.sealing import envelope as E
from ggzy.sealing import receipts, shamir, signing
from ggzy.sealing import testing as pki

AT = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def p256():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def world():
    """Two sections (one with backup decryption), three bidders, a platform key, receipts."""
    platform = signing.SigningKey.generate()
    escrow = shamir.generate_escrow(k=3, n=5)
    ca = pki.make_ca("测试根CA")
    bidders = {}
    for name in ("甲", "乙", "丙"):
        cert, cert_key = pki.make_leaf(
            *ca, org_name=f"{name}建设公司", credit_code=f"B{ord(name)}", key_type="ec"
        )
        bidders[name] = {"enc": p256(), "cert": cert, "cert_key": cert_key, "id": f"B{ord(name)}"}
    stored = []
    for section, with_escrow in (("S-BACKUP", True), ("S-PLAIN", False)):
        for seq, (name, b) in enumerate(bidders.items(), start=1):
            out = io.BytesIO()
            secret = f"{name} 报价 {seq * 1000003} 元".encode()
            E.seal(
                io.BytesIO(secret * 20),
                out,
                section=section,
                bidder=b["id"],
                summary={"bid_price": str(seq * 1000003)},
                file_name="bid.txt",
                bidder_public_key=b["enc"].public_key(),
                escrow_public_key=escrow.public_key_pem if with_escrow else None,
                signing_key=b["cert_key"],
                created_at=AT,
                chunk_size=256,
            )
            env = out.getvalue()
            receipt = receipts.issue_receipt(
                platform,
                section=section,
                bidder=b["id"],
                envelope_sha256=hashlib.sha256(env).hexdigest(),
                server_time=AT,
                sequence=seq,
            )
            stored.append(
                {"env": env, "secret": secret, "bidder": name, "section": section, "receipt": receipt}
            )
    return {"platform": platform, "escrow": escrow, "bidders": bidders, "stored": stored, "ca": ca}


def server_dump(world) -> bytes:
    """Every byte the server holds before the opening: envelopes, receipts, public keys and
    certificates, the platform's private key, the CA material of the test PKI, k-1 shares."""
    parts = []
    for item in world["stored"]:
        parts += [item["env"], item["receipt"].to_json()]
    for b in world["bidders"].values():
        parts += [pki.cert_der(b["cert"]), E.point_bytes(b["enc"].public_key())]
    parts += [world["platform"].private_pem(), world["escrow"].public_key_pem, pki.cert_der(world["ca"][0])]
    parts += [s.to_text().encode() for s in world["escrow"].shares[:2]]
    return b"".join(parts)


def server_private_keys(world) -> list[ec.EllipticCurvePrivateKey]:
    """Every P-256 private key the server (or a colluding competitor) could hold: the platform key,
    the CA key, the bidders' certificate signing keys, and keys forged from k-1 shares."""
    keys = [world["platform"].private_key, world["ca"][1]]
    keys += [b["cert_key"] for b in world["bidders"].values()]
    shares = world["escrow"].shares
    for pair in itertools.combinations(shares, 2):
        for candidate in range(1, 4):  # fill the missing share with guesses
            guess = shamir.Share(
                shares[0].escrow_key_id,
                3,
                5,
                next(i for i in range(1, 6) if i not in {s.index for s in pair}),
                candidate,
            )
            scalar = shamir.interpolate([(s.index, s.y) for s in (*pair, guess)], 0)
            keys.append(ec.derive_private_key(scalar or 1, ec.SECP256R1()))
    return keys


def test_no_server_side_key_unwraps_any_content_key(world):
    for item in world["stored"]:
        header = E.read_header(io.BytesIO(item["env"]))
        for key in server_private_keys(world):
            with pytest.raises(E.WrongRecipient):
                E.unwrap_content_key(header, key)
            # and pretending the key were the recipient (skip the key-id lookup): the wrap fails
            for r in header.recipients:
                kwk = E._unwrap_kwk(
                    core_hash=header.core_hash,
                    role=r.role,
                    ephemeral=ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), r.ephemeral),
                    private_key=key,
                )
                with pytest.raises(InvalidTag):
                    AESGCM(kwk).decrypt(E.WRAP_NONCE, r.wrapped_key, header.core_hash)


def test_no_32_byte_string_of_the_server_dump_is_a_content_key(world):
    dump = server_dump(world)
    checks = {E.read_header(io.BytesIO(i["env"])).key_check for i in world["stored"]}
    for start in range(len(dump) - 31):
        assert E.key_check(dump[start : start + 32]) not in checks
    # and the plaintext of no bid appears anywhere in the dump
    for item in world["stored"]:
        assert item["secret"] not in dump
        assert b'"bid_price"' not in dump


def test_fewer_than_k_shares_cannot_be_combined(world):
    for pair in itertools.combinations(world["escrow"].shares, 2):
        with pytest.raises(shamir.ShareError):
            shamir.combine(list(pair))


def test_content_key_only_with_the_bidders_key_or_k_shares(world):
    escrow_key = shamir.combine_private_key(list(world["escrow"].shares[2:]))
    for item in world["stored"]:
        header = E.read_header(io.BytesIO(item["env"]))
        own = world["bidders"][item["bidder"]]["enc"]
        ck = E.unwrap_content_key(header, own)
        out = io.BytesIO()
        E.open_envelope(
            io.BytesIO(item["env"]), out, content_key=ck, signer=world["bidders"][item["bidder"]]["cert"]
        )
        assert out.getvalue() == item["secret"] * 20
        # another bidder's encryption key never works
        for name, other in world["bidders"].items():
            if name != item["bidder"]:
                with pytest.raises(E.WrongRecipient):
                    E.unwrap_content_key(header, other["enc"])
        # k shares open only the envelopes sealed to the escrow key (sections allowing backup)
        if item["section"] == "S-BACKUP":
            assert E.unwrap_content_key(header, escrow_key) == ck
        else:
            with pytest.raises(E.WrongRecipient):
                E.unwrap_content_key(header, escrow_key)


def test_a_content_key_opens_only_its_own_envelope(world):
    items = world["stored"]
    first = items[0]
    ck = E.unwrap_content_key(
        E.read_header(io.BytesIO(first["env"])), world["bidders"][first["bidder"]]["enc"]
    )
    for other in items[1:]:
        with pytest.raises(E.WrongContentKey):
            E.open_envelope(io.BytesIO(other["env"]), io.BytesIO(), content_key=ck)


def test_public_keys_in_pem_do_not_help(world):
    """The escrow public key is all the server keeps of the ceremony."""
    public = serialization.load_pem_public_key(world["escrow"].public_key_pem)
    assert E.key_id(public) == world["escrow"].key_id
