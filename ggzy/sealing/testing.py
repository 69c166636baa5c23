"""A small test PKI: CA roots, intermediates, organisation certificates and CRLs, with real keys.

For tests and demo data only (keys are unencrypted, CAs are throw-away). Usage::

    from ggzy.sealing import testing as pki
    ca_cert, ca_key = pki.make_ca("测试根CA")
    cert, key = pki.make_leaf(ca_cert, ca_key, org_name="某代理公司", credit_code=code, key_type="rsa")
    crl = pki.make_crl(ca_cert, ca_key, [cert.serial_number])
    pki.cert_pem(cert), pki.cert_der(cert), pki.key_pem(key), pki.crl_der(crl)

Key types: ``"ec"`` (P-256), ``"rsa"`` (2048) and ``"sm2"``. ``cryptography``'s builders cannot
sign with SM2 nor take an SM2 public key, so every certificate or CRL that involves an SM2 key —
as subject key or as issuer key, mixed chains included — is assembled here by a minimal DER writer
(:func:`build_certificate`, :func:`build_crl`) and signed with SM2-with-SM3 (default signer id
``1234567812345678``), RSA PKCS#1 v1.5 / SHA-256 or ECDSA / SHA-256 according to the issuer's key;
the result is loaded back with ``cryptography`` like any other certificate. Names and extension
values are DER from ``cryptography`` (``Name.public_bytes``, ``ExtensionType.public_bytes``).

The organisation's credit code is put into the subject's serialNumber attribute (one of the places
:func:`ggzy.sealing.certs.subject_identifiers` looks) unless ``credit_code_attribute`` says otherwise.

:class:`OpenSSLCA` makes SM2 certificates and CRLs with the ``openssl`` command instead (an
independent implementation for cross-checks).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ggzy.sealing import suites

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | suites.SM2PrivateKey
KeyType = Literal["ec", "rsa", "sm2"]
Extensions = Sequence[tuple[x509.ExtensionType, bool]]

# Wide defaults so certificates made without dates are valid for any clock a test uses (2020–2035).
DEFAULT_NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
DEFAULT_NOT_AFTER = dt.datetime(2035, 12, 31, tzinfo=dt.UTC)

# AlgorithmIdentifier DER of the signatures this module writes.
ALG_SM2_WITH_SM3 = suites.der(0x30, bytes.fromhex("06082a811ccf55018375"))  # 1.2.156.10197.1.501
ALG_ECDSA_SHA256 = suites.der(0x30, bytes.fromhex("06082a8648ce3d040302"))  # 1.2.840.10045.4.3.2
ALG_RSA_SHA256 = suites.der(0x30, bytes.fromhex("06092a864886f70d01010b") + suites.DER_NULL)


def make_key(key_type: KeyType = "ec") -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "sm2":
        return suites.SM_SUITE.generate_private_key()
    raise ValueError(f"unknown key type {key_type!r}")


def spki_der(key: PrivateKey) -> bytes:
    """The DER SubjectPublicKeyInfo of a private key's public half."""
    if isinstance(key, suites.SM2PrivateKey):
        return key.public.spki_der()
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    if isinstance(key, suites.SM2PrivateKey):
        # RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits (what OpenSSL writes).
        return x509.SubjectKeyIdentifier(hashlib.sha1(key.public.point(), usedforsecurity=False).digest())
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


_CA_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _leaf_usage(signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=not signing,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


# --- a minimal DER writer for certificates and CRLs ---------------------------------------------


def _oid_der(oid: x509.ObjectIdentifier) -> bytes:
    arcs = [int(part) for part in oid.dotted_string.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.insert(0, 0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(chunk)
    return suites.der(0x06, bytes(body))


def _time_der(moment: dt.datetime) -> bytes:
    """UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5)."""
    moment = moment.astimezone(dt.UTC)
    if 1950 <= moment.year < 2050:
        return suites.der(0x17, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return suites.der(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def signature_algorithm_der(key: PrivateKey) -> bytes:
    """The AlgorithmIdentifier of what ``key`` signs with."""
    if isinstance(key, suites.SM2PrivateKey):
        return ALG_SM2_WITH_SM3
    if isinstance(key, rsa.RSAPrivateKey):
        return ALG_RSA_SHA256
    return ALG_ECDSA_SHA256


def _sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, suites.SM2PrivateKey):
        return suites.SM_SUITE.sign(key, data)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _signed(tbs: bytes, key: PrivateKey, algorithm: bytes) -> bytes:
    return suites.der(0x30, tbs + algorithm + suites.der(0x03, b"\x00" + _sign(key, tbs)))


def build_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key_der: bytes,
    issuer_key: PrivateKey,
    serial: int | None = None,
    not_before: dt.datetime = DEFAULT_NOT_BEFORE,
    not_after: dt.datetime = DEFAULT_NOT_AFTER,
    extensions: Extensions = (),
    tbs_algorithm: bytes | None = None,
    outer_algorithm: bytes | None = None,
) -> x509.Certificate:
    """An X.509 v3 certificate written field by field and signed by ``issuer_key`` (SM2, RSA or
    P-256). ``tbs_algorithm`` / ``outer_algorithm`` override the signature AlgorithmIdentifier
    inside / outside the signed part — only to make certificates that must be refused."""
    algorithm = signature_algorithm_der(issuer_key)
    ext_der = b"".join(
        suites.der(
            0x30,
            _oid_der(ext.oid)
            + (suites.der(0x01, b"\xff") if critical else b"")
            + suites.der(0x04, ext.public_bytes()),
        )
        for ext, critical in extensions
    )
    tbs = suites.der(
        0x30,
        suites.der(0xA0, suites.der_int(2))
        + suites.der_int(serial if serial is not None else x509.random_serial_number())
        + (tbs_algorithm or algorithm)
        + issuer.public_bytes()
        + suites.der(0x30, _time_der(not_before) + _time_der(not_after))
        + subject.public_bytes()
        + public_key_der
        + (suites.der(0xA3, suites.der(0x30, ext_der)) if extensions else b""),
    )
    return x509.load_der_x509_certificate(_signed(tbs, issuer_key, outer_algorithm or algorithm))


def build_crl(
    *,
    issuer: x509.Name,
    issuer_key: PrivateKey,
    revoked: Iterable[tuple[int, dt.datetime]],
    this_update: dt.datetime,
    next_update: dt.datetime,
) -> x509.CertificateRevocationList:
    """A v2 CRL (no extensions) written field by field and signed by ``issuer_key``."""
    entries = b"".join(
        suites.der(0x30, suites.der_int(serial) + _time_der(moment)) for serial, moment in revoked
    )
    tbs = suites.der(
        0x30,
        suites.der_int(1)
        + signature_algorithm_der(issuer_key)
        + issuer.public_bytes()
        + _time_der(this_update)
        + _time_der(next_update)
        + (suites.der(0x30, entries) if entries else b""),
    )
    return x509.load_der_x509_crl(_signed(tbs, issuer_key, signature_algorithm_der(issuer_key)))


def tamper_signature(signed_der: bytes) -> bytes:
    """The same certificate or CRL with the last byte of its signature flipped (still valid DER)."""
    return signed_der[:-1] + bytes([signed_der[-1] ^ 0x01])


# --- issuing ------------------------------------------------------------------------------------


def _issue(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    key: PrivateKey,
    issuer_key: PrivateKey,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
    extensions: Extensions,
) -> x509.Certificate:
    if isinstance(key, suites.SM2PrivateKey) or isinstance(issuer_key, suites.SM2PrivateKey):
        return build_certificate(
            subject=subject,
            issuer=issuer,
            public_key_der=spki_der(key),
            issuer_key=issuer_key,
            not_before=not_before or DEFAULT_NOT_BEFORE,
            not_after=not_after or DEFAULT_NOT_AFTER,
            extensions=extensions,
        )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or DEFAULT_NOT_BEFORE)
        .not_valid_after(not_after or DEFAULT_NOT_AFTER)
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


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
    subject = _name((NameOID.COUNTRY_NAME, "CN"), (NameOID.COMMON_NAME, name))
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=ca, path_length=None), True),
        (_ski(key), False),
    ]
    if ca:
        extensions.append((_CA_USAGE, True))
    cert = _issue(
        subject=subject,
        issuer=subject,
        key=key,
        issuer_key=key,
        not_before=not_before,
        not_after=not_after,
        extensions=extensions,
    )
    return cert, key


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
    cert = _issue(
        subject=_name((NameOID.COUNTRY_NAME, "CN"), (NameOID.COMMON_NAME, name)),
        issuer=ca_cert.subject,
        key=key,
        issuer_key=ca_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[(x509.BasicConstraints(ca=ca, path_length=None), True), (_ski(key), False)],
    )
    return cert, key


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
    subject = _name(
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.ORGANIZATION_NAME, org_name),
        (credit_code_attribute, credit_code),
        (NameOID.COMMON_NAME, common_name or org_name),
    )
    cert = _issue(
        subject=subject,
        issuer=ca_cert.subject,
        key=key,
        issuer_key=ca_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_leaf_usage(signing), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            (_ski(key), False),
        ],
    )
    return cert, key


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
    if isinstance(ca_key, suites.SM2PrivateKey):
        return build_crl(
            issuer=ca_cert.subject,
            issuer_key=ca_key,
            revoked=[(serial, revoked_at or this_update) for serial in revoked_serials],
            this_update=this_update,
            next_update=next_update or DEFAULT_NOT_AFTER,
        )
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
    if isinstance(key, suites.SM2PrivateKey):
        return suites.SM_SUITE.private_pem(key, password)
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def key_der(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER."""
    if isinstance(key, suites.SM2PrivateKey):
        return suites.pem_decode(suites.SM_SUITE.private_pem(key))[1]
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def key_traditional_pem(key: PrivateKey) -> bytes:
    """PKCS#1 (RSA) or SEC1 (EC, SM2 with the curve named) PEM — the "BEGIN RSA/EC PRIVATE KEY"
    forms."""
    if isinstance(key, suites.SM2PrivateKey):
        sec1 = suites.der(
            0x30,
            suites.der_int(1)
            + suites.der(0x04, key.d_bytes)
            + suites.der(0xA0, suites.OID_SM2_CURVE)
            + suites.der(0xA1, suites.der(0x03, b"\x00" + key.public.point())),
        )
        return suites.pem_encode("EC PRIVATE KEY", sec1)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def public_pem(key: PrivateKey) -> bytes:
    if isinstance(key, suites.SM2PrivateKey):
        return suites.SM_SUITE.public_pem(key.public)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def pkcs12_bytes(cert: x509.Certificate, key: PrivateKey, password: bytes | None = None) -> bytes:
    """A PKCS#12 (.p12/.pfx) file holding the key and certificate (RSA and P-256 only)."""
    if isinstance(key, suites.SM2PrivateKey):
        raise ValueError("cryptography cannot write SM2 keys into PKCS#12")
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"ggzy-test", key, cert, None, enc)


# --- SM2 certificates made by the openssl command (a second, independent implementation) -------

SIGNER_ID_OPTION = f"distid:{suites.DEFAULT_SIGNER_ID.decode('ascii')}"


def openssl_sm2_problem() -> str:
    """Why :class:`OpenSSLCA` cannot run here ("" when it can): no ``openssl`` on PATH, or one
    without SM2 (OpenSSL < 1.1.1, or built without SM2/SM3)."""
    exe = shutil.which("openssl")
    if exe is None:
        return "openssl is not installed"
    probe = subprocess.run(  # noqa: S603 - the openssl found on PATH, fixed arguments
        [exe, "genpkey", "-algorithm", "SM2"], capture_output=True, timeout=30, check=False
    )
    if probe.returncode != 0 or b"PRIVATE KEY" not in probe.stdout:
        return "this openssl cannot generate SM2 keys"
    return ""


class OpenSSLCA:
    """An SM2 CA run by the ``openssl`` command (``openssl ca``) in ``directory``: a self-signed
    SM2-with-SM3 root, then certificates and CRLs it signs, valid from 2020 to 2035 like this
    module's certificates (so a test clock in any of those years accepts them). Every signature
    passes ``-sigopt distid:1234567812345678``: OpenSSL 3.0 otherwise signs with an EMPTY signer id
    (``signer_id=False`` reproduces that)."""

    def __init__(self, directory: Path, name: str = "OpenSSL SM2 根CA", *, signer_id: bool = True) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.exe = shutil.which("openssl") or "openssl"
        self.sigopt = ["-sigopt", SIGNER_ID_OPTION, "-vfyopt", SIGNER_ID_OPTION] if signer_id else []
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        (self.dir / "crlnumber").write_text("01\n")
        (self.dir / "ca.cnf").write_text(
            "[ ca ]\ndefault_ca = d\n[ d ]\n"
            f"database = {self.dir / 'index.txt'}\nserial = {self.dir / 'serial'}\n"
            f"crlnumber = {self.dir / 'crlnumber'}\nnew_certs_dir = {self.dir}\n"
            "default_md = sm3\ndefault_crl_days = 3650\nunique_subject = no\npreserve = yes\n"
            "policy = anything\n[ anything ]\ncountryName = optional\norganizationName = optional\n"
            "organizationalUnitName = optional\nserialNumber = optional\ncommonName = optional\n"
        )
        self.key_path = self.new_key("ca")
        self.cert_path = self._sign_request(
            "ca", self.key_path, f"/C=CN/CN={name}", "critical,keyCertSign,cRLSign", ca=True, self_signed=True
        )

    def _sign_request(
        self, label: str, key: Path, subject: str, usage: str, *, ca: bool, self_signed: bool = False
    ) -> Path:
        csr = self.dir / f"{label}.csr"
        request = ["req", "-new", "-utf8", "-key", str(key), "-sm3", *self.sigopt[:2]]
        self._run(*request, "-subj", subject, "-out", str(csr))
        ext = self.dir / f"{label}.ext"
        ext.write_text(
            f"basicConstraints=critical,CA:{'TRUE' if ca else 'FALSE'}\nkeyUsage={usage}\n"
            "subjectKeyIdentifier=hash\n"
        )
        out = self.dir / f"{label}.pem"
        issuer = ["-selfsign"] if self_signed else ["-cert", str(self.cert_path)]
        self._run(
            "ca", "-batch", "-utf8", "-notext", "-config", str(self.dir / "ca.cnf"), *issuer,
            "-keyfile", str(self.key_path), "-in", str(csr), "-startdate", "20200101000000Z",
            "-enddate", "20351231235959Z", "-extfile", str(ext), *self.sigopt, "-out", str(out),
        )  # fmt: skip
        return out

    def _run(self, *args: str) -> bytes:
        result = subprocess.run(  # noqa: S603 - openssl with arguments of our own tests
            [self.exe, *args], capture_output=True, timeout=60, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.decode(errors='replace')}")
        return result.stdout

    @property
    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def new_key(self, label: str) -> Path:
        path = self.dir / f"{label}.key"
        self._run("genpkey", "-algorithm", "SM2", "-out", str(path))
        return path

    def issue(
        self,
        label: str,
        subject: str,
        *,
        ca: bool = False,
        key_usage: str = "critical,digitalSignature,nonRepudiation",
    ) -> tuple[x509.Certificate, Path]:
        """A certificate for a new SM2 key: ``subject`` in openssl's ``/C=CN/O=…/CN=…`` form.
        Returns the certificate and the path of its private key (PKCS#8 PEM); the certificate is
        at ``<directory>/<label>.pem``."""
        key = self.new_key(label)
        usage = "critical,keyCertSign,cRLSign" if ca else key_usage
        out = self._sign_request(label, key, subject, usage, ca=ca)
        return x509.load_pem_x509_certificate(out.read_bytes()), key

    def revoke(self, cert_path: Path) -> None:
        self._run(
            "ca", "-config", str(self.dir / "ca.cnf"), "-revoke", str(cert_path),
            "-keyfile", str(self.key_path), "-cert", str(self.cert_path),
        )  # fmt: skip

    def crl(self) -> bytes:
        """A CRL (PEM) of everything revoked so far, signed with SM2-with-SM3."""
        out = self.dir / "crl.pem"
        self._run(
            "ca", "-config", str(self.dir / "ca.cnf"), "-gencrl", "-keyfile", str(self.key_path),
            "-cert", str(self.cert_path), *self.sigopt[:2], "-out", str(out),
        )  # fmt: skip
        return out.read_bytes()

    def sign(self, key_path: Path, data_path: Path) -> bytes:
        """``openssl dgst -sm3 -sigopt distid:… -sign``: a DER SM2 signature of a file."""
        return self._run("dgst", "-sm3", "-sign", str(key_path), *self.sigopt[:2], str(data_path))
