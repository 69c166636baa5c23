"""The crypto suites against the published standard test vectors, cross-checked against independent
implementations: SM2 from GmSSL (production, ``gmssl_pyx``) ⇄ ``pysmx`` (snowland-smx, pure Python)
⇄ OpenSSL's command line; SM4-GCM from OpenSSL (``cryptography``) ⇄ GmSSL.

Sources of the vectors:
* SM3 — GB/T 32905-2016 Annex A (examples 1 and 2);
* SM4 — GB/T 32907-2016 Annex A (example 1);
* SM4-GCM — RFC 8998 Appendix A.1;
* SM2 — GB/T 32918.5-2017 Annex A (signature of "message digest" with the default signer id) and
  Annex C (encryption of "encryption standard"), the examples on the recommended curve (the same
  values as GM/T 0003.5-2012; OpenSSL's test/sm2_internal_test.c uses them too).
"""

from __future__ import annotations

import base64
import shutil
import subprocess

import gmssl_pyx
import pysmx.SM2 as pysm2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy.sealing import envelope
from ggzy.sealing import suites as S

SM = S.SM_SUITE
INTL = S.INTL_SUITE

# GB/T 32918.5-2017 Annex A / C (recommended curve).
STD_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
STD_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
STD_PUB_X = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
STD_PUB_Y = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
STD_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
STD_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
STD_C1 = bytes.fromhex(
    "04"
    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
)
STD_C3 = bytes.fromhex("59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766")
STD_C2 = bytes.fromhex("21886CA989CA9C7D58087307CA93092D651EFA")


def std_key() -> S.SM2PrivateKey:
    return SM.private_key_from_scalar(STD_D)


# ----------------------------------------------------------------------------- SM3 / SM4


def test_sm3_gbt_32905_examples():
    assert SM.hash(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert SM.hash(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    h = SM.hasher()
    for piece in (b"ab", b"c"):
        h.update(piece)
    assert h.hexdigest() == SM.hash(b"abc").hex()
    assert h.digest() == h.digest()  # digest() does not consume the state
    assert gmssl_pyx.sm3_hash(b"abcd" * 16) == SM.hash(b"abcd" * 16)


def test_hmac_sm3_matches_gmssl_and_differs_from_sha256():
    key, msg = b"k" * 20, b"message"
    assert SM.hmac(key, msg) == gmssl_pyx.sm3_hmac(key, msg)
    assert INTL.hmac(key, msg) != SM.hmac(key, msg)
    assert len(SM.hmac(key, msg)) == 32


def test_sm4_gbt_32907_example():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - one block, the standard's example
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gbt_32907_example_2_one_million_encryptions():
    # Example 2 of the standard: the same plaintext encrypted 1 000 000 times under the same key.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - the standard's example
    block = key
    for _ in range(1_000_000):
        block = enc.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_CT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
RFC8998_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")


def test_sm4_gcm_rfc8998_vector():
    sealed = SM.aead_encrypt(RFC8998_KEY, RFC8998_IV, RFC8998_PT, RFC8998_AAD)
    assert sealed == RFC8998_CT + RFC8998_TAG
    assert SM.aead_decrypt(RFC8998_KEY, RFC8998_IV, sealed, RFC8998_AAD) == RFC8998_PT
    # GmSSL's SM4-GCM (an independent implementation) agrees.
    ct, tag = gmssl_pyx.sm4_gcm_encrypt(RFC8998_KEY, RFC8998_IV, RFC8998_AAD, RFC8998_PT)
    assert (ct, tag) == (RFC8998_CT, RFC8998_TAG)


@pytest.mark.parametrize("what", ["ciphertext", "tag", "aad", "nonce", "key"])
def test_sm4_gcm_refuses_any_change(what):
    sealed = bytearray(RFC8998_CT + RFC8998_TAG)
    key, nonce, aad = bytearray(RFC8998_KEY), bytearray(RFC8998_IV), bytearray(RFC8998_AAD)
    target = {"ciphertext": sealed, "tag": sealed, "aad": aad, "nonce": nonce, "key": key}[what]
    target[-1 if what == "tag" else 0] ^= 1
    out = bytearray(len(RFC8998_PT))
    with pytest.raises(S.DecryptionFailed):
        S.sm4_gcm_decrypt_into(bytes(key), bytes(nonce), bytes(sealed), bytes(aad), out)
    assert not any(out)  # nothing unauthenticated is left in the caller's buffer


def test_sm4_gcm_input_checks():
    with pytest.raises(S.InvalidKey):
        SM.aead_encrypt(bytes(32), bytes(12), b"x", b"")  # an AES-256 key is not an SM4 key
    with pytest.raises(S.SuiteError):
        SM.aead_encrypt(bytes(16), bytes(8), b"x", b"")
    with pytest.raises(S.DecryptionFailed):
        SM.aead_decrypt(bytes(16), bytes(12), b"short", b"")


def test_sm4_gcm_empty_plaintext_and_large_buffer_round_trip():
    key = SM.generate_aead_key()
    assert len(key) == 16
    for data in (b"", bytes(range(256)) * 4097):
        sealed = SM.aead_encrypt(key, bytes(12), data, b"aad")
        assert len(sealed) == len(data) + 16
        assert SM.aead_decrypt(key, bytes(12), sealed, b"aad") == data


# ----------------------------------------------------------------------------- SM2 standard vectors


def test_sm2_public_key_of_the_standard_private_key():
    key = std_key()
    assert (key.public.x, key.public.y) == (STD_PUB_X, STD_PUB_Y)
    assert pysm2.kG(STD_D, pysm2.sm2_G, 64) == key.public.xy.hex()


def test_sm2_verifies_the_standard_signature():
    public = S.SM2PublicKey(STD_PUB_X, STD_PUB_Y)
    signature = S.der_signature(STD_R, STD_S)
    assert SM.verify(public, b"message digest", signature)
    assert not SM.verify(public, b"message digesT", signature)
    assert not SM.verify(public, b"message digest", signature, signer_id=b"ALICE123@YAHOO.COM")


def test_sm2_reproduces_the_standard_signature_with_the_standard_k():
    signature = SM.sign_with_k(std_key(), b"message digest", STD_K)
    assert S.parse_der_signature(signature) == (STD_R, STD_S)
    # pysmx, injected with the same k, writes the same r ‖ s.
    raw = pysm2.Sign(b"message digest", f"{STD_D:064x}", f"{STD_K:064x}", 64, uid=S.DEFAULT_SIGNER_ID)
    assert raw == STD_R.to_bytes(32, "big") + STD_S.to_bytes(32, "big")


def test_sm2_za_matches_pysmx():
    public = S.SM2PublicKey(STD_PUB_X, STD_PUB_Y)
    assert SM.za(public).hex() == pysm2.get_za(S.DEFAULT_SIGNER_ID, public.xy)
    assert SM.za(public, b"ALICE123@YAHOO.COM") != SM.za(public)


def test_sm2_decrypts_the_standard_ciphertext():
    assert SM.decrypt(std_key(), STD_C1, STD_C3 + STD_C2) == b"encryption standard"


def test_sm2_reproduces_the_standard_ciphertext_with_the_standard_k():
    c1, c3c2 = SM.encrypt_with_k(std_key().public, b"encryption standard", STD_K)
    assert (c1, c3c2) == (STD_C1, STD_C3 + STD_C2)


def test_sm2_decryption_refuses_changed_ciphertext():
    for c3c2 in (STD_C3 + STD_C2[:-1] + b"\x00", bytes(32) + STD_C2, STD_C3):
        with pytest.raises(S.DecryptionFailed):
            SM.decrypt(std_key(), STD_C1, c3c2)
    with pytest.raises(S.InvalidKey):
        SM.decrypt(std_key(), b"\x04" + bytes(64), STD_C3 + STD_C2)  # C1 not on the curve
    other = SM.generate_private_key()
    with pytest.raises(S.DecryptionFailed):
        SM.decrypt(other, STD_C1, STD_C3 + STD_C2)


# ----------------------------------------------------------------------------- SM2 cross-checks


def _raw(signature: bytes) -> bytes:
    r, s = decode_dss_signature(signature)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_gmssl_signatures_verify_in_pysmx_and_back():
    key = SM.generate_private_key()
    for message in (b"", b"a", "投标文件".encode() * 100):
        signature = SM.sign(key, message)
        assert SM.verify(key.public, message, signature)
        assert pysm2.Verify(_raw(signature), message, key.public.xy, 64, uid=S.DEFAULT_SIGNER_ID)
        assert not pysm2.Verify(_raw(signature), message + b"x", key.public.xy, 64, uid=S.DEFAULT_SIGNER_ID)
        raw = pysm2.Sign(message, f"{key.d:064x}", f"{SM_K:064x}", 64, uid=S.DEFAULT_SIGNER_ID)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        assert SM.verify(key.public, message, der)
        assert SM.sign_with_k(key, message, SM_K) == der


SM_K = 0x1D2C3B4A5968778695A4B3C2D1E0F00112233445566778899AABBCCDDEEFF001


def test_sm2_encryption_round_trips_across_gmssl_and_pysmx():
    key = SM.generate_private_key()
    message = bytes(range(48))
    c1, c3c2 = SM.encrypt(key.public, message)  # GmSSL
    assert len(c1) == 65 and len(c3c2) == 32 + 48
    assert pysm2.Decrypt(c1[1:] + c3c2, f"{key.d:064x}", 64) == message
    theirs = pysm2.Encrypt(message, key.public.xy, 64)  # x ‖ y ‖ C3 ‖ C2
    assert SM.decrypt(key, b"\x04" + theirs[:64], theirs[64:]) == message


def test_sm2_signature_edge_cases_are_refused_not_raised():
    key = SM.generate_private_key()
    good = SM.sign(key, b"m")
    r, s = S.parse_der_signature(good)
    for bad in (
        b"",
        b"garbage",
        b"\x30\x00",
        S.der_signature(0, s),
        S.der_signature(r, 0),
        S.der_signature(r + S.SM2_N, s),
        S.der_signature(r, s) + b"\x00",
        good[:-1],
    ):
        assert SM.verify(key.public, b"m", bad) is False
    assert SM.verify(SM.generate_private_key().public, b"m", good) is False


def test_openssl_and_the_sm_suite_interoperate(tmp_path):
    if shutil.which("openssl") is None:  # pragma: no cover
        pytest.skip("openssl not installed")
    gen = subprocess.run(
        ["openssl", "genpkey", "-algorithm", "SM2", "-out", "k.pem"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    if gen.returncode != 0:  # pragma: no cover - an OpenSSL built without SM2
        pytest.skip("openssl has no SM2")
    key = SM.load_private_key((tmp_path / "k.pem").read_bytes())
    subprocess.run(
        ["openssl", "pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"], cwd=tmp_path, check=True
    )
    assert SM.load_public_key((tmp_path / "pub.pem").read_bytes()) == key.public
    assert (tmp_path / "pub.pem").read_bytes() == SM.public_pem(key.public)

    # Our signature verifies in OpenSSL, OpenSSL's in ours (SM3 with Z_A over the default id).
    (tmp_path / "msg.bin").write_bytes(b"receipt body")
    (tmp_path / "sig.der").write_bytes(SM.sign(key, b"receipt body"))
    sm3_opts = ["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
    verify_io = ["-in", "msg.bin", "-sigfile", "sig.der"]
    verify = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", *sm3_opts, *verify_io],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    subprocess.run(
        ["openssl", "pkeyutl", "-sign", "-inkey", "k.pem", *sm3_opts, "-in", "msg.bin", "-out", "osig.der"],
        cwd=tmp_path,
        check=True,
    )
    assert SM.verify(key.public, b"receipt body", (tmp_path / "osig.der").read_bytes())

    # Our password-protected PKCS#8 opens in OpenSSL, and OpenSSL's in ours.
    (tmp_path / "ours.pem").write_bytes(SM.private_pem(key, b"secret"))
    out = subprocess.run(
        ["openssl", "pkey", "-in", "ours.pem", "-passin", "pass:secret", "-pubout"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    assert out.stdout == SM.public_pem(key.public)
    pw = ["-passout", "pass:pw", "-out", "enc.pem"]
    subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-in", "k.pem", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", *pw],
        cwd=tmp_path,
        check=True,
    )
    assert SM.load_private_key((tmp_path / "enc.pem").read_bytes(), b"pw") == key


# ----------------------------------------------------------------------------- keys


def test_sm2_pem_round_trips_and_key_ids():
    key = SM.generate_private_key()
    pem = SM.private_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert SM.load_private_key(pem) == key
    der = S.pem_decode(pem)[1]
    assert SM.load_private_key(der) == key
    encrypted = SM.private_pem(key, b"pw")
    assert b"ENCRYPTED PRIVATE KEY" in encrypted
    assert SM.load_private_key(encrypted, b"pw") == key
    assert S.load_any_private_key(encrypted, b"pw") == (SM, key)
    public_pem = SM.public_pem(key.public)
    assert S.load_any_public_key(public_pem) == (SM, key.public)
    assert SM.key_id(key.public) == S.sm3(key.public.spki_der()).hex() == envelope.key_id(key.public)
    assert S.SM2PrivateKey.from_scalar(key.d) == key
    assert "d=" not in repr(key)


def test_sm2_key_loading_refuses_bad_inputs():
    key = SM.generate_private_key()
    with pytest.raises(S.KeyPasswordError):
        SM.load_private_key(SM.private_pem(key, b"pw"))
    with pytest.raises(S.KeyPasswordError):
        SM.load_private_key(SM.private_pem(key, b"pw"), b"wrong")
    p256 = INTL.private_pem(INTL.generate_private_key())
    with pytest.raises(S.InvalidKey):
        SM.load_private_key(p256)
    for bad in (b"", b"garbage", b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n", bytes(200)):
        with pytest.raises(S.InvalidKey):
            SM.load_private_key(bad)
        with pytest.raises(S.InvalidKey):
            S.load_any_public_key(bad)
    with pytest.raises(S.InvalidKey):
        S.SM2PublicKey(1, 2)
    with pytest.raises(S.InvalidKey):
        S.SM2PublicKey.from_point(b"\x02" + bytes(32))
    with pytest.raises(S.InvalidKey):
        S.SM2PrivateKey.from_scalar(0)
    with pytest.raises(S.InvalidKey):
        S.SM2PrivateKey.from_scalar(S.SM2_N - 1)
    # A PKCS#8 whose embedded public key is not d·G is refused.
    other = SM.generate_private_key()
    forged = SM._pkcs8_der(S.SM2PrivateKey(key.d, other.public))
    with pytest.raises(S.InvalidKey):
        SM.load_private_key(forged)


def test_intl_keys_load_through_the_same_interface():
    key = INTL.generate_private_key()
    assert S.load_any_private_key(INTL.private_pem(key))[0] is INTL
    assert S.load_any_private_key(INTL.private_pem(key, b"pw"), b"pw")[0] is INTL
    suite, public = S.load_any_public_key(INTL.public_pem(key.public_key()))
    assert suite is INTL and INTL.key_id(public) == envelope.key_id(key.public_key())
    rsa_like = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(S.InvalidKey):
        INTL.load_private_key(INTL.private_pem(rsa_like))
    assert S.suite_of_key(key) is INTL and S.suite_of_key(SM.generate_private_key()) is SM
    with pytest.raises(S.InvalidKey):
        S.suite_of_key(rsa_like)


def test_suite_by_name():
    assert S.suite_by_name("intl") is INTL and S.suite_by_name("sm") is SM
    for bad in ("SM", "", "sm2", None):
        with pytest.raises(S.UnknownSuite):
            S.suite_by_name(bad)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- signatures, wrap


@pytest.mark.parametrize("suite", [INTL, SM], ids=["intl", "sm"])
def test_sign_verify_and_key_wrap_per_suite(suite):
    key = suite.generate_private_key()
    signature = suite.sign(key, b"message")
    assert suite.verify(suite.public_key(key), b"message", signature)
    assert not suite.verify(suite.public_key(key), b"messagE", signature)
    content_key = suite.generate_aead_key()
    wrap = suite.wrap_key(suite.public_key(key), content_key, salt=b"s" * 32, label=b"bidder\x00")
    assert len(wrap.ephemeral) == 65
    assert len(wrap.wrapped) == suite.wrapped_size(suite.aead_key_size)
    assert suite.unwrap_key(key, wrap, salt=b"s" * 32, label=b"bidder\x00") == content_key
    for salt, label in ((b"t" * 32, b"bidder\x00"), (b"s" * 32, b"escrow\x00")):
        with pytest.raises(S.DecryptionFailed):
            suite.unwrap_key(key, wrap, salt=salt, label=label)
    with pytest.raises(S.DecryptionFailed):
        suite.unwrap_key(suite.generate_private_key(), wrap, salt=b"s" * 32, label=b"bidder\x00")
    flipped = S.WrappedKey(wrap.ephemeral, bytes([wrap.wrapped[0] ^ 1]) + wrap.wrapped[1:])
    with pytest.raises(S.DecryptionFailed):
        suite.unwrap_key(key, flipped, salt=b"s" * 32, label=b"bidder\x00")


def test_intl_rejects_a_signer_id():
    key = INTL.generate_private_key()
    with pytest.raises(S.SuiteError):
        INTL.sign(key, b"m", signer_id=b"ALICE")
    assert not INTL.verify(key.public_key(), b"m", INTL.sign(key, b"m"), signer_id=b"ALICE")


def test_sm2_signer_id_is_part_of_the_signature():
    key = SM.generate_private_key()
    signature = SM.sign(key, b"m", signer_id=b"91640400MA0000001X")
    assert SM.verify(key.public, b"m", signature, signer_id=b"91640400MA0000001X")
    assert not SM.verify(key.public, b"m", signature)


def test_certificate_public_key_extraction_refuses_garbage():
    with pytest.raises(S.InvalidKey):
        S.spki_from_certificate(b"not a certificate")


# ----------------------------------------------------------------------------- field encryption


def test_field_tokens_for_both_suites():
    aes_key, sm4_key = bytes(range(32)), bytes(range(16))
    keys = {S.field_key_id(aes_key): aes_key, S.field_key_id(sm4_key): sm4_key}
    gf = S.field_encrypt("intl", aes_key, "640102199001011234", context=b"disclosure.request.id_number")
    gs = S.field_encrypt("sm", sm4_key, "640102199001011234", context=b"disclosure.request.id_number")
    assert gf.startswith("gf1.") and gs.startswith("gs1.")
    for token in (gf, gs):
        assert S.field_decrypt(keys, token, context=b"disclosure.request.id_number") == "640102199001011234"
        with pytest.raises(S.DecryptionFailed):
            S.field_decrypt(keys, token, context=b"other.field")
    # gf1 is today's fieldcrypt format: base64url(nonce ‖ AES-GCM ciphertext ‖ tag).
    raw = base64.urlsafe_b64decode(gf.split(".")[2] + "==")
    assert (
        INTL.aead_decrypt(aes_key, raw[:12], raw[12:], b"disclosure.request.id_number")
        == b"640102199001011234"
    )
    assert S.field_encrypt("sm", sm4_key, "", context=b"x") == ""
    with pytest.raises(S.InvalidKey):
        S.field_encrypt("sm", aes_key, "x", context=b"x")
    for bad in ("nope", "gs1.00000000.AAAA", "gx1.a.b", "gs1." + S.field_key_id(sm4_key) + ".!!"):
        with pytest.raises(S.SuiteError):
            S.field_decrypt(keys, bad, context=b"x")
    assert S.blind_index("sm", "张三", key=b"k" * 32) == S.hmac_sm3(b"k" * 32, "张三".encode()).hex()
    assert S.blind_index("intl", "张三", key=b"k" * 32) != S.blind_index("sm", "张三", key=b"k" * 32)


# ----------------------------------------------------------------------------- bench


def test_bench_suites_and_sm_envelope_bench_report_figures():
    from ggzy.sealing.bench import bench_envelope, bench_suites

    result = bench_suites(aead_mb=1, chunk_size=1 << 16, min_seconds=0.01)
    for suite in ("intl", "sm"):
        for name in (
            "sign_per_s",
            "verify_per_s",
            "wrap_per_s",
            "unwrap_per_s",
            "aead_decrypt_mb_s",
            "hash_mb_s",
        ):
            assert result[suite][name] > 0
    assert result["sm"]["aead"] == "SM4-GCM" and result["intl"]["aead"] == "AES-256-GCM"
    assert set(result["sm_vs_intl"]) >= {"sign_per_s", "aead_encrypt_mb_s"}
    envelope_sm = bench_envelope(2, chunk_size=1 << 16, measure_memory=False, suite="sm")
    assert envelope_sm["suite"] == "sm" and envelope_sm["raw_aead_mb_s"] > 0
    assert envelope_sm["raw_aes_256_gcm_mb_s"] is None


def test_sm2_sec1_private_key_files():
    key = SM.generate_private_key()
    public_bits = S.der(0xA1, S.der(0x03, b"\x00" + key.public.point()))
    with_params = S.der(
        0x30, S.der_int(1) + S.der(0x04, key.d_bytes) + S.der(0xA0, S.OID_SM2_CURVE) + public_bits
    )
    assert SM.load_private_key(S.pem_encode("EC PRIVATE KEY", with_params)) == key
    p256_params = S.der(0xA0, bytes.fromhex("06082a8648ce3d030107"))
    other_curve = S.der(0x30, S.der_int(1) + S.der(0x04, key.d_bytes) + p256_params + public_bits)
    no_params = S.der(0x30, S.der_int(1) + S.der(0x04, key.d_bytes) + public_bits)
    for bad in (other_curve, no_params):
        with pytest.raises(S.InvalidKey):
            SM.load_private_key(S.pem_encode("EC PRIVATE KEY", bad))
