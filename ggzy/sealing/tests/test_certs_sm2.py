"""SM2 certificates (GM/T 0015: SM2 keys, SM2-with-SM3 signatures, signer id 1234567812345678):
chains, validity, CA flags, SM2-signed CRLs, tampering, wrong curves and labels, mixed chains —
with certificates from our DER writer (ggzy.sealing.testing) AND from the openssl command, each
side checking the other's."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggzy.sealing import certs, suites
from ggzy.sealing import testing as pki
from ggzy.sealing.certs import CertificateProblem, SignatureInvalid

CODE = "91350100M000100Y43"
AT = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)
OPENSSL_PROBLEM = pki.openssl_sm2_problem()
needs_openssl = pytest.mark.skipif(bool(OPENSSL_PROBLEM), reason=OPENSSL_PROBLEM or "")


@pytest.fixture(scope="module")
def root():
    return pki.make_ca("SM2测试根CA", key_type="sm2")


@pytest.fixture(scope="module")
def inter(root):
    return pki.make_intermediate(*root, "SM2测试二级CA", key_type="sm2")


@pytest.fixture(scope="module")
def leaf(inter):
    return pki.make_leaf(*inter, org_name="福州某招标代理有限公司", credit_code=CODE, key_type="sm2")


def problem(cert: x509.Certificate, **kwargs) -> CertificateProblem:
    kwargs.setdefault("at", AT)
    with pytest.raises(CertificateProblem) as err:
        certs.check_certificate(cert, **kwargs)
    assert err.value.message
    return err.value


def sm2_name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


# --- what cryptography alone cannot do --------------------------------------------------------


def test_cryptography_parses_but_cannot_verify_sm2(leaf) -> None:
    # Why this module exists: the library gives names and bytes but no SM2 key or verification.
    cert = leaf[0]
    assert cert.signature_algorithm_oid == certs.OID_SM2_WITH_SM3
    with pytest.raises(UnsupportedAlgorithm, match=r"1\.2\.156\.10197\.1\.301"):
        cert.public_key()


# --- chains -----------------------------------------------------------------------------------


def test_sm2_chain_to_trusted_sm2_root(root, inter, leaf) -> None:
    certs.check_certificate(leaf[0], roots=[root[0]], intermediates=[inter[0]], at=AT)
    certs.check_certificate(inter[0], roots=[root[0]], at=AT, purpose="ca")
    certs.check_certificate(root[0], roots=[root[0]], at=AT, purpose="ca")
    assert certs.is_self_signed(root[0])
    assert not certs.is_self_signed(inter[0])
    # Without the intermediate, or with another root, there is no chain.
    assert problem(leaf[0], roots=[root[0]]).code == "untrusted"
    other = pki.make_ca("其他SM2根CA", key_type="sm2")
    assert problem(leaf[0], roots=[other[0]], intermediates=[inter[0]]).code == "untrusted"


def test_facts_of_an_sm2_certificate(leaf) -> None:
    cert = leaf[0]
    assert certs.key_type(cert) == "sm2"
    assert certs.signature_algorithm(cert) == "SM2 / SM3"
    assert certs.subject_identifiers(cert) == [CODE]
    assert certs.subject_text(cert) == "福州某招标代理有限公司"
    assert isinstance(certs.public_key(cert), suites.SM2PublicKey)
    assert certs.public_key(cert) == leaf[1].public
    assert certs.load_certificate(pki.cert_pem(cert)) == certs.load_certificate(pki.cert_der(cert)) == cert
    assert certs.openssl_dgst_options("sm2") == "-sm3 -sigopt distid:1234567812345678"


def test_expired_and_not_yet_valid_sm2(root) -> None:
    cert, _ = pki.make_leaf(
        *root,
        org_name="某公司",
        credit_code=CODE,
        key_type="sm2",
        not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    assert problem(cert, roots=[root[0]]).code == "expired"
    assert problem(cert, roots=[root[0]], at=dt.datetime(2023, 6, 1, tzinfo=dt.UTC)).code == "not_yet_valid"
    certs.check_certificate(cert, roots=[root[0]], at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    old_root = pki.make_ca("过期SM2根", key_type="sm2", not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    cert2, _ = pki.make_leaf(*old_root, org_name="某公司", credit_code=CODE, key_type="sm2")
    assert problem(cert2, roots=[old_root[0]]).code == "expired"


def test_ca_flags_apply_to_sm2(root) -> None:
    not_ca = pki.make_intermediate(*root, "不是CA", key_type="sm2", ca=False)
    cert, _ = pki.make_leaf(*not_ca, org_name="某公司", credit_code=CODE, key_type="sm2")
    assert problem(cert, roots=[root[0]], intermediates=[not_ca[0]]).code == "not_a_ca"
    # A CA whose keyUsage lacks keyCertSign.
    key = pki.make_key("sm2")
    no_sign = pki.build_certificate(
        subject=sm2_name("无签发用途CA"),
        issuer=root[0].subject,
        public_key_der=pki.spki_der(key),
        issuer_key=root[1],
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                True,
            ),
        ],
    )
    cert2, _ = pki.make_leaf(no_sign, key, org_name="某公司", credit_code=CODE, key_type="sm2")
    assert problem(cert2, roots=[root[0]], intermediates=[no_sign]).code == "not_a_ca"
    # An encryption-only SM2 certificate cannot sign (SM2 CAs issue signing and encryption pairs).
    enc, _ = pki.make_leaf(*root, org_name="某公司", credit_code=CODE, key_type="sm2", signing=False)
    assert problem(enc, roots=[root[0]]).code == "unsupported_key"


# --- CRLs ---------------------------------------------------------------------------------------


def test_sm2_crl_revokes(root, inter, leaf) -> None:
    chain = {"roots": [root[0]], "intermediates": [inter[0]]}
    crl = pki.make_crl(*inter, [leaf[0].serial_number])
    assert crl.signature_algorithm_oid == certs.OID_SM2_WITH_SM3
    assert certs.crl_signed_by(crl, inter[0])
    assert not certs.crl_signed_by(crl, root[0])  # names another issuer
    assert problem(leaf[0], crls=[crl], **chain).code == "revoked"
    certs.check_certificate(leaf[0], crls=[pki.make_crl(*inter, [leaf[0].serial_number + 1])], at=AT, **chain)
    # The intermediate itself revoked by the root's SM2 CRL.
    assert problem(leaf[0], crls=[pki.make_crl(*root, [inter[0].serial_number])], **chain).code == "revoked"


def test_forged_or_tampered_sm2_crl_cannot_revoke(root, inter, leaf) -> None:
    chain = {"roots": [root[0]], "intermediates": [inter[0]]}
    impostor = pki.make_ca("SM2测试二级CA", key_type="sm2")  # same name, other key
    forged = pki.make_crl(impostor[0], impostor[1], [leaf[0].serial_number])
    assert forged.issuer == inter[0].subject and not certs.crl_signed_by(forged, inter[0])
    genuine = pki.make_crl(*inter, [leaf[0].serial_number])
    tampered = certs.load_crl(pki.tamper_signature(pki.crl_der(genuine)))
    assert not certs.crl_signed_by(tampered, inter[0])
    certs.check_certificate(leaf[0], crls=[forged, tampered], at=AT, **chain)
    # An ECDSA CA's CRL is checked with ECDSA as before, not confused by SM2.
    ec_root = pki.make_ca("ECDSA根", key_type="ec")
    assert certs.crl_signed_by(pki.make_crl(*ec_root, [1]), ec_root[0])


# --- tampering, wrong curves, wrong labels -----------------------------------------------------------


def test_tampered_sm2_signature_is_refused(root, inter, leaf) -> None:
    tampered = certs.load_certificate(pki.tamper_signature(pki.cert_der(leaf[0])))
    assert tampered.tbs_certificate_bytes == leaf[0].tbs_certificate_bytes
    err = problem(tampered, roots=[root[0]], intermediates=[inter[0]])
    assert err.code == "untrusted" and "伪造" in err.message
    bad_root = certs.load_certificate(pki.tamper_signature(pki.cert_der(root[0])))
    assert not certs.is_self_signed(bad_root)
    # A forged issuer: same name as the trusted intermediate, another SM2 key.
    impostor = pki.make_ca("SM2测试二级CA", key_type="sm2")
    forged, _ = pki.make_leaf(*impostor, org_name="某公司", credit_code=CODE, key_type="sm2")
    assert problem(forged, roots=[root[0]], intermediates=[inter[0]]).code == "untrusted"


def test_point_of_another_curve_under_the_sm2_oid_is_unreadable(root) -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = p256.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    spki = suites.der(
        0x30,
        suites.der(0x30, suites.OID_EC_PUBLIC_KEY + suites.OID_SM2_CURVE) + suites.der(0x03, b"\x00" + point),
    )
    cert = pki.build_certificate(
        subject=sm2_name("P-256点冒充SM2"), issuer=root[0].subject, public_key_der=spki, issuer_key=root[1]
    )
    with pytest.raises(CertificateProblem) as err:
        certs.load_certificate(pki.cert_der(cert))
    assert err.value.code == "unreadable"


def test_other_curves_are_unsupported_under_an_sm2_root(root) -> None:
    for curve in (ec.SECP256K1(), ec.SECP384R1()):
        key = ec.generate_private_key(curve)
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        cert = pki.build_certificate(
            subject=sm2_name(curve.name), issuer=root[0].subject, public_key_der=spki, issuer_key=root[1]
        )
        assert problem(cert, roots=[root[0]]).code == "unsupported_key"


def test_signature_labels_must_match_the_issuer_key(root) -> None:
    key = pki.make_key("sm2")
    common = {"subject": sm2_name("标签"), "issuer": root[0].subject, "public_key_der": pki.spki_der(key)}
    # An SM2 signature labelled ECDSA-SHA256 outside, or inside only.
    relabelled = pki.build_certificate(**common, issuer_key=root[1], outer_algorithm=pki.ALG_ECDSA_SHA256)
    assert problem(relabelled, roots=[root[0]]).code == "untrusted"
    inner_only = pki.build_certificate(**common, issuer_key=root[1], tbs_algorithm=pki.ALG_ECDSA_SHA256)
    assert problem(inner_only, roots=[root[0]]).code == "untrusted"
    # The NULL-parameter form of SM2-with-SM3, consistently inside and out, is accepted.
    with_null = suites.der(0x30, bytes.fromhex("06082a811ccf55018375") + suites.DER_NULL)
    nulled = pki.build_certificate(
        **common,
        issuer_key=root[1],
        tbs_algorithm=with_null,
        outer_algorithm=with_null,
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    below, _ = pki.make_leaf(nulled, key, org_name="某公司", credit_code=CODE, key_type="sm2")
    certs.check_certificate(below, roots=[root[0]], intermediates=[nulled], at=AT)
    # An ECDSA issuer cannot vouch for an SM2-with-SM3 label (and an ECDSA signature under that
    # label is not SM2): refused, not crashed.
    ec_root = pki.make_ca("ECDSA根", key_type="ec")
    mislabelled = pki.build_certificate(
        subject=sm2_name("错标"),
        issuer=ec_root[0].subject,
        public_key_der=pki.spki_der(key),
        issuer_key=ec_root[1],
        tbs_algorithm=pki.ALG_SM2_WITH_SM3,
        outer_algorithm=pki.ALG_SM2_WITH_SM3,
    )
    assert problem(mislabelled, roots=[ec_root[0]]).code == "untrusted"


# --- mixed chains (accepted: each signature is checked with its issuer's algorithm) --------------------


@pytest.mark.parametrize(
    ("root_type", "inter_type", "leaf_type"),
    [
        ("rsa", None, "sm2"),
        ("ec", None, "sm2"),
        ("sm2", None, "ec"),
        ("sm2", None, "rsa"),
        ("sm2", "rsa", "sm2"),
    ],
)
def test_mixed_chains_are_accepted(root_type: str, inter_type: str | None, leaf_type: str) -> None:
    top = pki.make_ca(f"{root_type}根", key_type=root_type)  # type: ignore[arg-type]
    issuer, intermediates = top, []
    if inter_type:
        issuer = pki.make_intermediate(*top, f"{inter_type}二级", key_type=inter_type)  # type: ignore[arg-type]
        intermediates = [issuer[0]]
    cert, key = pki.make_leaf(*issuer, org_name="某公司", credit_code=CODE, key_type=leaf_type)  # type: ignore[arg-type]
    certs.check_certificate(cert, roots=[top[0]], intermediates=intermediates, at=AT)
    assert certs.key_type(cert) == {"rsa": "rsa", "ec": "ec-p256", "sm2": "sm2"}[leaf_type]
    # ... and each link's signature is really checked.
    tampered = certs.load_certificate(pki.tamper_signature(pki.cert_der(cert)))
    assert problem(tampered, roots=[top[0]], intermediates=intermediates).code == "untrusted"
    signature = certs.sign_bytes(pki.key_pem(key), b"notice")
    certs.verify_signature(cert, b"notice", signature)


# --- signatures ---------------------------------------------------------------------------------------


def test_sm2_sign_and_verify_all_key_encodings(leaf) -> None:
    cert, key = leaf
    for encoded, password in [
        (pki.key_pem(key), None),
        (pki.key_der(key), None),
        (pki.key_traditional_pem(key), None),
        (pki.key_pem(key, b"secret"), b"secret"),
    ]:
        sig = certs.sign_bytes(encoded, "招标公告".encode(), password)
        certs.verify_signature(cert, "招标公告".encode(), sig)
        assert certs.public_key_matches(cert, encoded, password)
    for password in (b"wrong", None):
        with pytest.raises(CertificateProblem) as err:
            certs.sign_bytes(pki.key_pem(key, b"secret"), b"x", password)
        assert err.value.code == "unreadable" and "口令" in err.value.message


def test_sm2_bad_signatures(root, leaf) -> None:
    cert, key = leaf
    sig = certs.sign_bytes(pki.key_pem(key), b"hello")
    with pytest.raises(SignatureInvalid):
        certs.verify_signature(cert, b"hellO", sig)
    other, other_key = pki.make_leaf(*root, org_name="别人", credit_code=CODE, key_type="sm2")
    with pytest.raises(SignatureInvalid):
        certs.verify_signature(other, b"hello", sig)
    for garbage in (b"", b"\x30\x00", b"x" * 64, sig[:-1]):
        with pytest.raises(SignatureInvalid):
            certs.verify_signature(cert, b"hello", garbage)
    # Another signer id gives another Z_A: not the certificate's signature.
    other_id = suites.SM_SUITE.sign(key, b"hello", signer_id=b"ALICE123@YAHOO.COM")
    with pytest.raises(SignatureInvalid):
        certs.verify_signature(cert, b"hello", other_id)
    assert not certs.public_key_matches(cert, pki.key_pem(other_key))
    ec_key = pki.make_key("ec")
    assert not certs.public_key_matches(cert, pki.key_pem(ec_key))
    ec_cert, _ = pki.make_leaf(*pki.make_ca("EC根"), org_name="x", credit_code=CODE)
    assert not certs.public_key_matches(ec_cert, pki.key_pem(key))


# --- openssl: an independent SM2 implementation, both directions -------------------------------


@pytest.fixture(scope="module")
def openssl_ca(tmp_path_factory):
    if OPENSSL_PROBLEM:
        pytest.skip(OPENSSL_PROBLEM)
    return pki.OpenSSLCA(tmp_path_factory.mktemp("sm2ca"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@needs_openssl
def test_openssl_certificates_verify_with_our_code(openssl_ca) -> None:
    ca_cert = certs.load_certificate(openssl_ca.cert_path.read_bytes())
    assert certs.key_type(ca_cert) == "sm2" and certs.is_self_signed(ca_cert)
    certs.check_certificate(ca_cert, roots=[ca_cert], at=_now(), purpose="ca")
    cert, key = openssl_ca.issue("agency", f"/C=CN/O=某代理公司/serialNumber={CODE}/CN=某代理公司")
    cert = certs.load_certificate(pki.cert_pem(cert))
    certs.check_certificate(cert, roots=[ca_cert], at=_now())
    assert certs.subject_identifiers(cert) == [CODE]
    assert certs.public_key_matches(cert, key.read_bytes())
    # A tampered openssl certificate fails.
    tampered = certs.load_certificate(pki.tamper_signature(pki.cert_der(cert)))
    assert problem(tampered, roots=[ca_cert], at=_now()).code == "untrusted"


@needs_openssl
def test_openssl_crl_revokes_and_openssl_intermediate(openssl_ca) -> None:
    ca_cert = openssl_ca.cert
    sub, sub_key = openssl_ca.issue("subca", "/C=CN/CN=OpenSSL SM2 二级CA", ca=True)
    certs.check_certificate(sub, roots=[ca_cert], at=_now(), purpose="ca")
    victim, _ = openssl_ca.issue("victim", f"/C=CN/O=被吊销公司/serialNumber={CODE}")
    certs.check_certificate(victim, roots=[ca_cert], at=_now())
    openssl_ca.revoke(openssl_ca.dir / "victim.pem")
    crl = certs.load_crl(openssl_ca.crl())
    assert certs.crl_signed_by(crl, ca_cert)
    assert problem(victim, roots=[ca_cert], crls=[crl], at=_now()).code == "revoked"
    # Our CA's SM2 key may issue under the openssl root's intermediate: mixed implementations.
    sub_private = certs.load_private_key(sub_key.read_bytes())
    ours, _ = pki.make_leaf(sub, sub_private, org_name="某公司", credit_code=CODE, key_type="sm2")
    certs.check_certificate(ours, roots=[ca_cert], intermediates=[sub], at=_now())


@needs_openssl
def test_openssl_verifies_our_certificates_and_signatures(tmp_path: Path, root, inter, leaf) -> None:
    exe = "openssl"
    (tmp_path / "root.pem").write_bytes(pki.cert_pem(root[0]))
    (tmp_path / "inter.pem").write_bytes(pki.cert_pem(inter[0]))
    (tmp_path / "leaf.pem").write_bytes(pki.cert_pem(leaf[0]))
    # OpenSSL 3.0 applies `-vfyopt distid:…` to the target certificate only (a CA above it is
    # checked with an empty id), so each link is verified on its own, its issuer as trust anchor.
    verify = [exe, "verify", "-vfyopt", pki.SIGNER_ID_OPTION, "-attime", str(int(AT.timestamp()))]

    def openssl_verify(anchor: str, target: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*verify, "-partial_chain", "-CAfile", str(tmp_path / anchor), str(tmp_path / target)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    for anchor, target in (("root.pem", "inter.pem"), ("inter.pem", "leaf.pem")):
        ok = openssl_verify(anchor, target)
        assert ok.returncode == 0, ok.stderr
    (tmp_path / "bad.pem").write_bytes(
        pki.cert_pem(x509.load_der_x509_certificate(pki.tamper_signature(pki.cert_der(leaf[0]))))
    )
    assert openssl_verify("inter.pem", "bad.pem").returncode != 0
    assert openssl_verify("root.pem", "leaf.pem").returncode != 0  # not the leaf's issuer
    # Signatures: ours verify with `openssl dgst -sm3 -sigopt distid:…`, openssl's with ours.
    data = tmp_path / "notice.json"
    data.write_bytes('{"format":"ggzy-notice/1","title":"招标公告"}'.encode())
    (tmp_path / "sig").write_bytes(certs.sign_bytes(pki.key_pem(leaf[1]), data.read_bytes()))
    pub = subprocess.run(
        [exe, "x509", "-in", str(tmp_path / "leaf.pem"), "-pubkey", "-noout"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    (tmp_path / "pub.pem").write_bytes(pub)
    dgst = [exe, "dgst", *certs.openssl_dgst_options("sm2").split(), "-verify", str(tmp_path / "pub.pem")]
    out = subprocess.run(
        [*dgst, "-signature", str(tmp_path / "sig"), str(data)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "Verified OK" in out.stdout, out.stderr
    (tmp_path / "key.pem").write_bytes(pki.key_pem(leaf[1]))
    theirs = subprocess.run(
        [exe, "dgst", "-sm3", "-sigopt", pki.SIGNER_ID_OPTION, "-sign", str(tmp_path / "key.pem"), str(data)],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    certs.verify_signature(leaf[0], data.read_bytes(), theirs)
    with pytest.raises(SignatureInvalid):
        certs.verify_signature(leaf[0], data.read_bytes() + b" ", theirs)


@needs_openssl
def test_openssl_agrees_on_serial_fingerprint_and_reads_our_keys(tmp_path: Path, leaf) -> None:
    (tmp_path / "cert.pem").write_bytes(pki.cert_pem(leaf[0]))
    text = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "cert.pem"), "-noout", "-serial", "-fingerprint", "-sha256",
         "-text"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert f"serial={certs.serial_hex(leaf[0])}" in text
    assert certs.fingerprint(leaf[0]).upper() in text.replace(":", "")
    assert "SM2-with-SM3" in text and "ASN1 OID: SM2" in text
    # An openssl-encrypted SM2 key (PBES2, AES-256-CBC) signs through certs.sign_bytes.
    (tmp_path / "key.pem").write_bytes(pki.key_pem(leaf[1]))
    enc = subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", str(tmp_path / "key.pem"),
         "-passout", "pass:口令"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert b"ENCRYPTED PRIVATE KEY" in enc
    certs.verify_signature(leaf[0], b"x", certs.sign_bytes(enc, b"x", "口令".encode()))


@needs_openssl
def test_openssl_without_distid_is_refused_with_an_explanation(tmp_path: Path) -> None:
    # OpenSSL 3.0 signs SM2 certificates with an EMPTY signer id unless told otherwise: not GM/T 0015.
    ca = pki.OpenSSLCA(tmp_path, "无标识根CA", signer_id=False)
    ca_cert = ca.cert
    assert not certs.is_self_signed(ca_cert)
    assert certs.signer_id_problem(ca_cert, ca_cert) == certs.SM2_EMPTY_ID_HINT
    cert, _ = ca.issue("agency", f"/C=CN/O=某公司/serialNumber={CODE}")
    err = problem(cert, roots=[ca_cert], at=_now())
    assert err.code == "untrusted" and "distid:1234567812345678" in err.message


# --- damaged SM2 certificates and CRLs: only the documented exceptions -------------------------


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    def apply(edits: list[tuple[int, int]]) -> bytes:
        out = bytearray(data)
        for index, value in edits:
            out[index % len(out)] = value
        return bytes(out)

    flips = st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1, max_size=4)
    return st.one_of(flips.map(apply), st.integers(1, len(data) - 1).map(lambda n: data[:n]))


SM2_ROOT = pki.make_ca("模糊测试SM2根", key_type="sm2")
SM2_LEAF = pki.make_leaf(*SM2_ROOT, org_name="某公司", credit_code=CODE, key_type="sm2")
SM2_CRL = pki.make_crl(*SM2_ROOT, [SM2_LEAF[0].serial_number])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(pki.cert_der(SM2_LEAF[0])))
def test_damaged_sm2_certificate_raises_only_certificate_problems(data: bytes) -> None:
    try:
        cert = certs.load_certificate(data)
    except CertificateProblem:
        return
    with contextlib.suppress(CertificateProblem):
        certs.check_certificate(cert, roots=[SM2_ROOT[0]], at=AT)
    with contextlib.suppress(CertificateProblem, SignatureInvalid):
        certs.verify_signature(cert, b"x", certs.sign_bytes(pki.key_pem(SM2_LEAF[1]), b"x"))
    for read in (certs.subject_text, certs.subject_identifiers, certs.fingerprint, certs.serial_hex):
        read(cert)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(pki.crl_der(SM2_CRL)))
def test_damaged_sm2_crl_never_crashes_the_check(data: bytes) -> None:
    try:
        crl = certs.load_crl(data)
    except CertificateProblem:
        return
    signed = certs.crl_signed_by(crl, SM2_ROOT[0])
    if signed:  # a change outside the signed bytes (e.g. a non-minimal but equal encoding) at most
        assert crl.tbs_certlist_bytes == SM2_CRL.tbs_certlist_bytes
    for entry in crl:
        _ = entry.serial_number, entry.revocation_date_utc
    with contextlib.suppress(CertificateProblem):
        certs.check_certificate(SM2_LEAF[0], roots=[SM2_ROOT[0]], crls=[crl], at=AT)
