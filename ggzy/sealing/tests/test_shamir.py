"""k-of-n escrow key shares: any k recover the key, k-1 reveal nothing, mixed shares are refused."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.sealing import envelope as E
from ggzy.sealing import shamir
from ggzy.sealing.shamir import ORDER, Share, ShareError


@pytest.fixture(scope="module")
def kit():
    return shamir.generate_escrow(k=3, n=5)


def test_any_k_shares_recover_the_escrow_key(kit):
    for combo in itertools.combinations(kit.shares, 3):
        key = shamir.combine_private_key(list(combo))
        assert E.key_id(key.public_key()) == kit.key_id
    # more than k shares are cross-checked and still work; text form works too
    assert E.key_id(shamir.combine_private_key([s.to_text() for s in kit.shares]).public_key()) == kit.key_id


def test_generated_public_key_matches_the_shares(kit):
    public = serialization.load_pem_public_key(kit.public_key_pem)
    assert E.key_id(public) == kit.key_id
    assert all(s.escrow_key_id == kit.key_id and (s.k, s.n) == (3, 5) for s in kit.shares)
    assert [s.index for s in kit.shares] == [1, 2, 3, 4, 5]
    assert not hasattr(kit, "private_key")


def test_fewer_than_k_shares_are_refused(kit):
    with pytest.raises(ShareError) as exc:
        shamir.combine(kit.shares[:2])
    assert exc.value.code == "not_enough"
    assert "需要 3 份" in exc.value.message
    with pytest.raises(ShareError):
        shamir.combine([])


def test_k_minus_1_shares_are_consistent_with_every_secret(kit):
    """For k-1 shares and ANY candidate secret s' there is exactly one polynomial of degree < k
    through (0, s') and the shares: the shares carry no information about the secret."""
    points = [(s.index, s.y) for s in kit.shares[:2]]
    for _ in range(50):
        candidate = secrets.randbelow(ORDER)
        through = [(0, candidate), *points]
        # the degree < k polynomial through these k points reproduces the candidate and every share
        assert shamir.interpolate(through, 0) == candidate
        for x, y in points:
            assert shamir.interpolate(through, x) == y
        # and it predicts a k-th share that differs from the real one unless s' is the secret
        fake_third = shamir.interpolate(through, kit.shares[2].index)
        real = shamir.combine(kit.shares[:3])
        assert (fake_third == kit.shares[2].y) == (candidate == real)


def test_the_real_secret_is_uniformly_hidden_by_k_minus_1_shares():
    """Split the same secret many times: the first k-1 share values are spread over the field
    (none repeats), as they must be if they are independent of the secret."""
    secret = 12345
    firsts = {shamir.split(secret, k=3, n=3, escrow_key_id="0" * 64)[0].y for _ in range(200)}
    assert len(firsts) == 200


def test_mixed_shares_from_two_escrows_are_refused(kit):
    other = shamir.generate_escrow(k=3, n=5)
    with pytest.raises(ShareError) as exc:
        shamir.combine([kit.shares[0], kit.shares[1], other.shares[2]])
    assert exc.value.code == "mixed"
    # relabelled to pass the fingerprint check: the recovered key does not match the public key
    forged = Share(kit.key_id, 3, 5, other.shares[2].index, other.shares[2].y)
    with pytest.raises(ShareError) as exc:
        shamir.combine([kit.shares[0], kit.shares[1], forged])
    assert exc.value.code == "inconsistent"
    # an extra inconsistent share among more than k is named
    with pytest.raises(ShareError) as exc:
        shamir.combine([*kit.shares[:3], Share(kit.key_id, 3, 5, 4, (kit.shares[3].y + 1) % ORDER)])
    assert exc.value.code == "inconsistent" and "第 4 号" in exc.value.message


def test_share_text_checksum_catches_typos(kit):
    text = kit.shares[0].to_text()
    assert Share.from_text(text) == kit.shares[0]
    assert text.startswith("ggzy-share/1:" + kit.key_id + ":3:5:1:")
    typo = text[:-12] + ("0" if text[-12] != "0" else "1") + text[-11:]
    with pytest.raises(ShareError) as exc:
        Share.from_text(typo)
    assert exc.value.code == "checksum"
    for garbage in ("", "hello", text.replace("ggzy-share/1", "ggzy-share/2"), text + ":x"):
        with pytest.raises(ShareError):
            Share.from_text(garbage)


def test_duplicates_and_parameter_mismatch_are_refused(kit):
    with pytest.raises(ShareError) as exc:
        shamir.combine([kit.shares[0], kit.shares[0], kit.shares[1]])
    assert exc.value.code == "duplicate"
    odd = Share(kit.key_id, 2, 5, 3, kit.shares[2].y)
    with pytest.raises(ShareError) as exc:
        shamir.combine([kit.shares[0], kit.shares[1], odd])
    assert exc.value.code == "mixed"
    for k, n in ((1, 3), (4, 3), (2, 256)):
        with pytest.raises(ShareError):
            shamir.split(5, k=k, n=n, escrow_key_id="0" * 64)
    with pytest.raises(ShareError):
        shamir.split(0, k=2, n=3, escrow_key_id="0" * 64)


def test_k_shares_open_an_envelope_sealed_to_the_escrow_key(kit):
    bidder, signer = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    out = io.BytesIO()
    E.seal(
        io.BytesIO(b"bid that the bidder cannot decrypt itself"),
        out,
        section="E6404000001001001",
        bidder="B1",
        summary={"bid_price": "1.00"},
        file_name="bid.txt",
        bidder_public_key=bidder.public_key(),
        escrow_public_key=kit.public_key_pem,
        signing_key=signer,
        created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    )
    header = E.read_header(io.BytesIO(out.getvalue()))
    escrow_key = shamir.combine_private_key([kit.shares[4], kit.shares[0], kit.shares[2]])
    ck = E.unwrap_content_key(header, escrow_key)
    plain = io.BytesIO()
    E.open_envelope(io.BytesIO(out.getvalue()), plain, content_key=ck)
    assert plain.getvalue() == b"bid that the bidder cannot decrypt itself"
