"""A small test PKI: CA roots, intermediates, organisation certificates and CRLs, with real keys.

For tests and demo data only (keys are unencrypted, CAs are throw-away). Usage::

    from ggzy.sealing import testing as pki
    ca_cert, ca_key = pki.make_ca("测试根CA")
    cert, key = pki.make_leaf(ca_cert, ca_key, org_name="某代理公司", credit_code=code, key_type="rsa")
    crl = pki.make_crl(ca_cert, ca_key, [cert.serial_number])
    pki.cert_pem(cert), pki.cert_der(cert), pki.key_pem(key), pki.crl_der(crl)

The organisation's credit code is put into the subject's serialNumber attribute (one of the places
:func:`ggzy.sealing.certs.subject_identifiers` looks) unless ``credit_code_attribute`` says otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
KeyType = Literal["ec", "rsa"]

# Wide defaults so certificates made without dates are valid for any clock a test uses (2020–2035).
DEFAULT_NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
DEFAULT_NOT_AFTER = dt.datetime(2035, 12, 31, tzinfo=dt.UTC)


def make_key(key_type: KeyType = "ec") -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key type {key_type!r}")


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def make_ca(
    name: str,
    *,
    key_type: KeyType = "ec",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    ca: bool = True,
) -> tuple[x509.Certificate, PrivateKey]:
    """A self-signed root. ``ca=False`` makes a self-signed certificate that is NOT a CA (for tests
    of the basicConstraints check)."""
    key = make_key(key_type)
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, name)]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or DEFAULT_NOT_BEFORE)
        .not_valid_after(not_after or DEFAULT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_ski(key), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(key, hashes.SHA256()), key


def make_intermediate(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    name: str,
    *,
    key_type: KeyType = "ec",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    ca: bool = True,
) -> tuple[x509.Certificate, PrivateKey]:
    """A CA certificate signed by ``ca_cert``."""
    key = make_key(key_type)
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, name)]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or DEFAULT_NOT_BEFORE)
        .not_valid_after(not_after or DEFAULT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_ski(key), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256()), key


def make_leaf(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    *,
    org_name: str,
    credit_code: str,
    key_type: KeyType = "ec",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    common_name: str | None = None,
    credit_code_attribute: x509.ObjectIdentifier = NameOID.SERIAL_NUMBER,
    signing: bool = True,
) -> tuple[x509.Certificate, PrivateKey]:
    """An organisation's signing certificate issued by ``ca_cert``. ``signing=False`` makes an
    encryption-only certificate (keyUsage keyEncipherment), which must be refused for signing."""
    key = make_key(key_type)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(credit_code_attribute, credit_code),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name or org_name),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or DEFAULT_NOT_BEFORE)
        .not_valid_after(not_after or DEFAULT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing,
                content_commitment=signing,
                key_encipherment=not signing,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(_ski(key), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256()), key


def make_crl(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    revoked_serials: Iterable[int],
    *,
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
    revoked_at: dt.datetime | None = None,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca_key`` listing ``revoked_serials`` (ints, e.g. ``cert.serial_number``)."""
    this_update = this_update or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(this_update)
        .next_update(next_update or DEFAULT_NOT_AFTER)
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at or this_update)
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256())


# --- encodings ---------------------------------------------------------------------------------


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def crl_pem(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)


def crl_der(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.DER)


def key_pem(key: PrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM (encrypted when ``password`` is given)."""
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def key_der(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER."""
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def key_traditional_pem(key: PrivateKey) -> bytes:
    """PKCS#1 (RSA) or SEC1 (EC) PEM — the "BEGIN RSA/EC PRIVATE KEY" forms."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def pkcs12_bytes(cert: x509.Certificate, key: PrivateKey, password: bytes | None = None) -> bytes:
    """A PKCS#12 (.p12/.pfx) file holding the key and certificate."""
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"ggzy-test", key, cert, None, enc)
