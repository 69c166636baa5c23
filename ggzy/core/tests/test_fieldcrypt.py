"""Field encryption in both suites (ADR 0029): ``gf1`` AES-256-GCM and ``gs1`` SM4-GCM tokens,
the context binding, tampering, unknown keys, switching suites with mixed tokens, rotation
AES → SM4 → AES, and the blind index (HMAC-SHA256 / HMAC-SM3).

The SM4-GCM primitive itself is checked against RFC 8998 and GB/T 32907 in
``ggzy/sealing/tests/test_suites.py``; here a ``gs1`` body is also opened with ``cryptography``'s
``Cipher`` API directly, so the token format is checked independently of ``ggzy.sealing``."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ggzy.core import fieldcrypt as fc
from ggzy.sealing import suites

AES_1, AES_2 = bytes(range(32)), bytes(range(100, 132))
SM4_1, SM4_2 = bytes(range(16)), bytes(range(200, 216))
ID = "11010519491231002X"
CTX = b"disclosure.request.id_number"


def _raw(token: str) -> bytes:
    body = token.split(".")[2]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _with_raw(token: str, raw: bytes) -> str:
    prefix, kid, _ = token.split(".")
    return f"{prefix}.{kid}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def test_sm4_token_round_trip_and_format() -> None:
    cipher = fc.FieldCipher([], sm4_keys=[SM4_1], suite="sm")
    token = cipher.encrypt(ID, context=CTX)
    assert token.startswith(f"gs1.{fc.key_id(SM4_1)}.") and ID not in token
    assert cipher.decrypt(token, context=CTX) == ID
    assert cipher.encrypt(ID, context=CTX) != token  # a fresh nonce each time
    assert cipher.suite == "sm" and cipher.current_key_id == fc.key_id(SM4_1)
    assert cipher.current_prefix == f"gs1.{fc.key_id(SM4_1)}."
    assert cipher.encrypt("", context=CTX) == "" and cipher.decrypt("", context=CTX) == ""
    # The body is nonce (12) ‖ SM4-GCM ciphertext ‖ tag (16) with the context as associated data.
    raw = _raw(token)
    assert len(raw) == 12 + len(ID) + 16
    dec = Cipher(algorithms.SM4(SM4_1), modes.GCM(raw[:12], raw[-16:])).decryptor()
    dec.authenticate_additional_data(CTX)
    assert dec.update(raw[12:-16]) + dec.finalize() == ID.encode()
    # Non-ASCII text survives.
    assert cipher.decrypt(cipher.encrypt("宁夏银川市兴庆区", context=CTX), context=CTX) == "宁夏银川市兴庆区"


def test_aes_tokens_keep_their_format() -> None:
    token = fc.FieldCipher([AES_1]).encrypt(ID, context=CTX)
    assert token.startswith(f"gf1.{fc.key_id(AES_1)}.")
    raw = _raw(token)
    assert AESGCM(AES_1).decrypt(raw[:12], raw[12:], CTX) == ID.encode()


def test_tokens_interoperate_with_the_sealing_suites() -> None:
    keys = {fc.key_id(AES_1): AES_1, fc.key_id(SM4_1): SM4_1}
    cipher = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite="sm")
    assert suites.field_decrypt(keys, cipher.encrypt(ID, context=CTX), context=CTX) == ID
    for name, key in (("intl", AES_1), ("sm", SM4_1)):
        assert cipher.decrypt(suites.field_encrypt(name, key, ID, context=CTX), context=CTX) == ID


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_wrong_context_fails(suite: str) -> None:
    cipher = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite=suite)
    token = cipher.encrypt(ID, context=CTX)
    with pytest.raises(fc.FieldCryptError, match="does not verify"):
        cipher.decrypt(token, context=b"disclosure.request.phone")  # copied into another column


@pytest.mark.parametrize("suite", ["intl", "sm"])
@pytest.mark.parametrize("where", [0, 12, -1])  # nonce, ciphertext, tag
def test_tampered_token_fails(suite: str, where: int) -> None:
    cipher = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite=suite)
    token = cipher.encrypt(ID, context=CTX)
    raw = bytearray(_raw(token))
    raw[where] ^= 0x01
    with pytest.raises(fc.FieldCryptError, match="does not verify"):
        cipher.decrypt(_with_raw(token, bytes(raw)), context=CTX)


def test_damaged_and_foreign_tokens_fail_clearly() -> None:
    cipher = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite="sm")
    token = cipher.encrypt(ID, context=CTX)
    for bad in ("11010519491231002X", "gs1.only-two", "gx1.a.b", "gs1.a.b.c"):
        with pytest.raises(fc.FieldCryptError, match="not a field token"):
            cipher.decrypt(bad, context=CTX)
    truncated = _with_raw(token, _raw(token)[:20])
    with pytest.raises(fc.FieldCryptError, match="damaged"):
        cipher.decrypt(truncated, context=CTX)
    with pytest.raises(fc.FieldCryptError, match="damaged"):
        cipher.decrypt(token.rsplit(".", 1)[0] + ".!!!!", context=CTX)


def test_unknown_key_id_names_the_suite() -> None:
    sm_token = fc.FieldCipher([], sm4_keys=[SM4_1], suite="sm").encrypt(ID, context=CTX)
    aes_only = fc.FieldCipher([AES_1])
    with pytest.raises(fc.FieldCryptError, match=rf"no key with id {fc.key_id(SM4_1)} among the SM4-GCM"):
        aes_only.decrypt(sm_token, context=CTX)
    # Key ids are looked up per suite: an SM4 key does not open a gf1 token of the same id.
    aes_token = aes_only.encrypt(ID, context=CTX)
    forged = aes_token.replace(fc.key_id(AES_1), fc.key_id(SM4_1), 1)
    with pytest.raises(fc.FieldCryptError, match="among the AES-256-GCM"):
        fc.FieldCipher([AES_2], sm4_keys=[SM4_1]).decrypt(forged, context=CTX)


def test_mixed_tokens_after_switching_suite() -> None:
    before = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite="intl")
    old = before.encrypt(ID, context=CTX)
    after = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite="sm")
    new = after.encrypt(ID, context=CTX)
    assert fc.token_suite(old) == "intl" and fc.token_suite(new) == "sm" and fc.token_suite("x") is None
    assert fc.token_label(new) == f"gs1.{fc.key_id(SM4_1)}"
    for cipher in (before, after):  # either configuration reads both kinds
        assert cipher.decrypt(old, context=CTX) == cipher.decrypt(new, context=CTX) == ID
    assert after.needs_rotation(old) and not after.needs_rotation(new) and not after.needs_rotation("")
    assert before.needs_rotation(new) and not before.needs_rotation(old)
    assert after.rotate(new, context=CTX) is new  # already current: untouched


def test_rotation_aes_to_sm4_to_aes() -> None:
    token = fc.FieldCipher([AES_1]).encrypt(ID, context=CTX)
    to_sm = fc.FieldCipher([AES_1], sm4_keys=[SM4_1], suite="sm")
    token = to_sm.rotate(token, context=CTX)
    assert token.startswith(to_sm.current_prefix)
    assert fc.FieldCipher([], sm4_keys=[SM4_1], suite="sm").decrypt(token, context=CTX) == ID  # AES key gone
    sm_rotated = fc.FieldCipher([], sm4_keys=[SM4_2, SM4_1], suite="sm")  # a new SM4 key first
    token = sm_rotated.rotate(token, context=CTX)
    assert token.startswith(f"gs1.{fc.key_id(SM4_2)}.")
    back = fc.FieldCipher([AES_2], sm4_keys=[SM4_2], suite="intl")
    token = back.rotate(token, context=CTX)
    assert token.startswith(f"gf1.{fc.key_id(AES_2)}.")
    assert fc.FieldCipher([AES_2]).decrypt(token, context=CTX) == ID
    with pytest.raises(fc.FieldCryptError, match="no key"):
        fc.FieldCipher([AES_1]).decrypt(token, context=CTX)


def test_key_lists_are_checked() -> None:
    with pytest.raises(fc.FieldCryptError, match="SM4-GCM field keys must be 16 bytes"):
        fc.FieldCipher([AES_1], sm4_keys=[AES_1])
    with pytest.raises(fc.FieldCryptError, match="AES-256-GCM field keys must be 32 bytes"):
        fc.FieldCipher([SM4_1])
    with pytest.raises(fc.FieldCryptError, match="SM4-GCM field key is required"):
        fc.FieldCipher([AES_1], suite="sm")  # switched to sm without an SM4 key
    with pytest.raises(fc.FieldCryptError, match="AES-256-GCM field key is required"):
        fc.FieldCipher([], sm4_keys=[SM4_1])
    with pytest.raises(fc.FieldCryptError, match="duplicate SM4-GCM"):
        fc.FieldCipher([], sm4_keys=[SM4_1, SM4_1], suite="sm")
    with pytest.raises(fc.FieldCryptError, match="unknown field encryption suite"):
        fc.FieldCipher([AES_1], suite="des")
    cipher = fc.FieldCipher([AES_1, AES_2], sm4_keys=[SM4_2, SM4_1], suite="sm4")
    assert cipher.key_ids("sm") == [fc.key_id(SM4_2), fc.key_id(SM4_1)]
    assert cipher.key_ids("aes") == [fc.key_id(AES_1), fc.key_id(AES_2)]


def test_suite_names_and_the_deployment_default() -> None:
    assert [fc.suite_name(x) for x in ("intl", "AES", " sm4 ", "SM", "sm4-gcm")] == [
        "intl",
        "intl",
        "sm",
        "sm",
        "sm",
    ]
    assert fc.resolve_suite("", None) == "intl"
    assert fc.resolve_suite("", "sm") == "sm"  # follows GGZY_CRYPTO_SUITE
    assert fc.resolve_suite("intl", "sm") == "intl"  # GGZY_FIELD_SUITE wins
    assert fc.resolve_suite(None, "intl") == "intl"
    with pytest.raises(fc.FieldCryptError):
        fc.resolve_suite("", "rsa")


def test_keys_from_settings_text() -> None:
    sm_key = fc.derive_key("secret", info=b"ggzy field sm4 key v1", length=16)
    assert len(sm_key) == 16 and sm_key != fc.derive_key("secret", info=b"other", length=16)
    assert fc.decode_key(fc.encode_key(sm_key), size=16) == sm_key
    assert fc.decode_key(base64.urlsafe_b64encode(sm_key).decode().rstrip("="), size=16) == sm_key
    with pytest.raises(fc.FieldCryptError, match="must be 16 bytes, got 32"):
        fc.decode_key(fc.encode_key(AES_1), size=16)
    with pytest.raises(fc.FieldCryptError, match="must be 32 bytes, got 16"):
        fc.decode_key(fc.encode_key(sm_key))


def test_blind_index_per_suite() -> None:
    key = b"k" * 32
    intl = fc.blind_index("resident_id:" + ID, key=key)
    assert intl == hmac.new(key, ("resident_id:" + ID).encode(), hashlib.sha256).hexdigest()
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(("resident_id:" + ID).encode())
    sm = fc.blind_index("resident_id:" + ID, key=key, suite="sm")
    assert sm == mac.finalize().hex() and len(sm) == 64 and sm != intl
    assert fc.blind_index("a", key=key, suite="sm") != fc.blind_index("b", key=key, suite="sm")
    assert fc.blind_indexes("resident_id:" + ID, key=key, suite="sm") == [sm, intl]
    assert fc.blind_indexes("resident_id:" + ID, key=key) == [intl, sm]
