"""Pure certificate functions: chain, validity, revocation, signatures — and openssl agrees."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography.x509.oid import NameOID

from ggzy.sealing import certs
from ggzy.sealing import testing as pki
from ggzy.sealing.certs import CertificateProblem, SignatureInvalid

CODE = "91350100M000100Y43"  # any 18-char value; validity of the check char is the app's concern
AT = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def root():
    return pki.make_ca("测试根CA")


@pytest.fixture(scope="module", params=["ec", "rsa"])
def leaf(request, root):
    return pki.make_leaf(*root, org_name="福州某招标代理有限公司", credit_code=CODE, key_type=request.param)


def problem_code(cert, **kwargs) -> str:
    kwargs.setdefault("at", AT)
    with pytest.raises(CertificateProblem) as err:
        certs.check_certificate(cert, **kwargs)
    assert err.value.message  # a Chinese reason for the user
    return err.value.code


def test_leaf_chained_to_trusted_root_is_accepted(root, leaf):
    certs.check_certificate(leaf[0], roots=[root[0]], at=AT)


def test_intermediate_chain_is_followed(root):
    inter = pki.make_intermediate(*root, "测试二级CA")
    cert, _ = pki.make_leaf(*inter, org_name="某公司", credit_code=CODE)
    certs.check_certificate(cert, roots=[root[0]], intermediates=[inter[0]], at=AT)
    # Without the intermediate the chain cannot be built.
    assert problem_code(cert, roots=[root[0]]) == "untrusted"


def test_issuer_that_is_not_a_ca_is_refused(root):
    not_ca = pki.make_intermediate(*root, "普通证书", ca=False)
    cert, _ = pki.make_leaf(*not_ca, org_name="某公司", credit_code=CODE)
    assert problem_code(cert, roots=[root[0]], intermediates=[not_ca[0]]) == "not_a_ca"


def test_expired_and_not_yet_valid(root):
    cert, _ = pki.make_leaf(
        *root,
        org_name="某公司",
        credit_code=CODE,
        not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    assert problem_code(cert, roots=[root[0]]) == "expired"
    assert problem_code(cert, roots=[root[0]], at=dt.datetime(2023, 6, 1, tzinfo=dt.UTC)) == "not_yet_valid"
    certs.check_certificate(cert, roots=[root[0]], at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))


def test_expired_root_is_refused():
    old_root = pki.make_ca("过期根CA", not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    cert, _ = pki.make_leaf(*old_root, org_name="某公司", credit_code=CODE)
    assert problem_code(cert, roots=[old_root[0]]) == "expired"


def test_untrusted_root_and_forged_issuer(root):
    other = pki.make_ca("其他CA")
    cert, _ = pki.make_leaf(*other, org_name="某公司", credit_code=CODE)
    assert problem_code(cert, roots=[root[0]]) == "untrusted"
    # Same issuer name as the trusted root, but signed by another key: a forgery.
    impostor = pki.make_ca("测试根CA")
    forged, _ = pki.make_leaf(*impostor, org_name="某公司", credit_code=CODE)
    with pytest.raises(CertificateProblem) as err:
        certs.check_certificate(forged, roots=[root[0]], at=AT)
    assert err.value.code == "untrusted"
    assert "伪造" in err.value.message


def test_revoked_by_crl_of_the_issuer(root, leaf):
    cert = leaf[0]
    crl = pki.make_crl(*root, [cert.serial_number])
    assert problem_code(cert, roots=[root[0]], crls=[crl]) == "revoked"
    other_crl = pki.make_crl(*root, [cert.serial_number + 1])
    certs.check_certificate(cert, roots=[root[0]], crls=[other_crl], at=AT)


def test_crl_with_bad_signature_is_ignored(root, leaf):
    # A CRL naming the root as issuer but signed by someone else cannot revoke anything.
    impostor = pki.make_ca("测试根CA")
    fake_crl = pki.make_crl(impostor[0], impostor[1], [leaf[0].serial_number])
    certs.check_certificate(leaf[0], roots=[root[0]], crls=[fake_crl], at=AT)


def test_revoked_intermediate(root):
    inter = pki.make_intermediate(*root, "二级CA")
    cert, _ = pki.make_leaf(*inter, org_name="某公司", credit_code=CODE)
    crl = pki.make_crl(*root, [inter[0].serial_number])
    assert problem_code(cert, roots=[root[0]], intermediates=[inter[0]], crls=[crl]) == "revoked"


def test_encryption_only_certificate_is_refused(root):
    cert, _ = pki.make_leaf(*root, org_name="某公司", credit_code=CODE, signing=False)
    assert problem_code(cert, roots=[root[0]]) == "unsupported_key"


def test_unsupported_key_types(root):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "p384")]))
        .issuer_name(root[0].subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(pki.DEFAULT_NOT_BEFORE)
        .not_valid_after(pki.DEFAULT_NOT_AFTER)
        .sign(root[1], hashes.SHA256())
    )
    assert problem_code(cert, roots=[root[0]]) == "unsupported_key"
    with pytest.raises(CertificateProblem) as err:
        certs.sign_bytes(pki.key_pem(key), b"x")
    assert err.value.code == "unsupported_key"


def test_naive_datetime_is_a_programming_error(root, leaf):
    with pytest.raises(ValueError):
        certs.check_certificate(leaf[0], roots=[root[0]], at=dt.datetime(2026, 6, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    "data", [b"", b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_garbage_is_unreadable(data):
    with pytest.raises(CertificateProblem) as err:
        certs.load_certificate(data)
    assert err.value.code == "unreadable"
    with pytest.raises(CertificateProblem) as err:
        certs.load_crl(data)
    assert err.value.code == "unreadable"
    with pytest.raises(CertificateProblem) as err:
        certs.sign_bytes(data, b"x")
    assert err.value.code == "unreadable"


def test_pem_and_der_load_the_same(root, leaf):
    cert = leaf[0]
    assert certs.load_certificate(pki.cert_pem(cert)) == certs.load_certificate(pki.cert_der(cert)) == cert
    crl = pki.make_crl(*root, [1, 2])
    assert certs.load_crl(pki.crl_pem(crl)) == certs.load_crl(pki.crl_der(crl))
    bundle = pki.cert_pem(cert) + pki.cert_pem(root[0])
    assert certs.load_certificates(bundle) == [cert, root[0]]


def test_facts(leaf):
    cert = leaf[0]
    assert certs.subject_identifiers(cert) == [CODE]
    assert certs.subject_text(cert) == "福州某招标代理有限公司"
    assert certs.subject_organisation(cert) == "福州某招标代理有限公司"
    assert len(certs.fingerprint(cert)) == 64
    serial = certs.serial_hex(cert)
    assert serial == serial.upper() and int(serial, 16) == cert.serial_number and len(serial) % 2 == 0
    assert certs.key_type(cert) in {"rsa", "ec-p256"}


def test_credit_code_found_in_other_attributes(root):
    cert, _ = pki.make_leaf(
        *root,
        org_name="某公司",
        credit_code=f"某公司@{CODE}",
        credit_code_attribute=NameOID.ORGANIZATIONAL_UNIT_NAME,
    )
    assert certs.subject_identifiers(cert) == [CODE]


def test_sign_and_verify_all_key_encodings(leaf):
    cert, key = leaf
    for encoded, password in [
        (pki.key_pem(key), None),
        (pki.key_der(key), None),
        (pki.key_traditional_pem(key), None),
        (pki.key_pem(key, b"secret"), b"secret"),
    ]:
        sig = certs.sign_bytes(encoded, b"hello", password)
        certs.verify_signature(cert, b"hello", sig)
        assert certs.public_key_matches(cert, encoded, password)
    with pytest.raises(CertificateProblem):
        certs.sign_bytes(pki.key_pem(key, b"secret"), b"x", b"wrong")


def test_wrong_data_wrong_key_garbage_signature(root, leaf):
    cert, key = leaf
    sig = certs.sign_bytes(pki.key_pem(key), b"hello")
    with pytest.raises(SignatureInvalid):
        certs.verify_signature(cert, b"hellO", sig)
    other, other_key = pki.make_leaf(*root, org_name="别人", credit_code=CODE)
    with pytest.raises(SignatureInvalid):
        certs.verify_signature(other, b"hello", sig)
    for garbage in (b"", b"\x30\x00", b"x" * 64, sig[:-1]):
        with pytest.raises(SignatureInvalid):
            certs.verify_signature(cert, b"hello", garbage)
    assert not certs.public_key_matches(cert, pki.key_pem(other_key))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_openssl_verifies_sign_bytes(tmp_path, leaf):
    cert, key = leaf
    data = "招标公告 canonical bytes\n".encode()
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(certs.sign_bytes(pki.key_pem(key), data))
    (tmp_path / "cert.pem").write_bytes(pki.cert_pem(cert))
    pub = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "cert.pem"), "-pubkey", "-noout"],
        check=True,
        capture_output=True,
    ).stdout
    (tmp_path / "pub.pem").write_bytes(pub)
    ok = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.pem"),
            "-signature",
            str(tmp_path / "sig"),
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Verified OK" in ok.stdout
    (tmp_path / "data").write_bytes(data + b"!")
    bad = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "pub.pem"),
            "-signature",
            str(tmp_path / "sig"),
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_openssl_agrees_on_serial_and_fingerprint(tmp_path, leaf):
    cert = leaf[0]
    (tmp_path / "cert.pem").write_bytes(pki.cert_pem(cert))
    out = subprocess.run(
        [
            "openssl",
            "x509",
            "-in",
            str(tmp_path / "cert.pem"),
            "-noout",
            "-serial",
            "-fingerprint",
            "-sha256",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert f"serial={certs.serial_hex(cert)}" in out
    assert certs.fingerprint(cert).upper() in out.replace(":", "")
