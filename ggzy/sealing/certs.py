"""X.509 certificates of agencies: parse, check a chain to a trusted root, verify and make signatures.

Pure (cryptography and ``ggzy.sealing.suites``; no Django, nothing else of ggzy) so it can be
audited and tested on its own.

Supported keys and signatures (:func:`key_type` names them):

* ``rsa``: RSA (≥ 2048 bits), RSASSA-PKCS1-v1_5 with SHA-256;
* ``ec-p256``: ECDSA on P-256 (secp256r1) with SHA-256, DER-encoded ``ECDSA-Sig-Value``;
* ``sm2``: SM2 (key id-ecPublicKey + sm2p256v1, OID 1.2.156.10197.1.301) with SM3 over
  Z_A ‖ M, signer id ``1234567812345678`` (GB/T 32918.2, GB/T 35276, GM/T 0015 certificates signed
  with SM2-with-SM3, OID 1.2.156.10197.1.501), DER-encoded ``SM2Signature``.

The first two are what ``openssl dgst -sha256 -verify pub.pem -signature sig.der data`` checks, the
third what ``openssl dgst -sm3 -sigopt distid:1234567812345678 -verify …`` checks.

``cryptography`` parses SM2 certificates and CRLs (names, extensions, serials, the signed bytes) but
can neither give their SM2 key nor verify an SM2 signature: for those this module reads the key from
the SubjectPublicKeyInfo and verifies with the ``sm`` suite (:mod:`ggzy.sealing.suites`, GmSSL).
Certificate objects stay ``cryptography``'s ``x509.Certificate`` for every key type.
Each signature in a chain is checked with the algorithm of the key that made it, so chains that mix
algorithms (an RSA root above an SM2 leaf, or the reverse) are accepted — the trust store decides
which CAs count (ADR 0028). An SM2 issuer's signature must say SM2-with-SM3, in the signed part and
outside it, and anything but an SM2 issuer key refuses an SM2-with-SM3 signature.

Chain rule (:func:`check_certificate`): the certificate is valid at ``at``; walking up by issuer name,
each certificate is signed by the next one, every issuer is valid at ``at`` and is a CA
(basicConstraints cA=TRUE, and keyCertSign when keyUsage is present), and the walk ends at one of
the trusted ``roots`` (intermediates may sit in between). A certificate whose serial number is on a
CRL issued (and correctly signed) by its issuer is revoked — whatever the revocation date, because
a key reported compromised may have been misused before the report. CRLs whose signature does not
verify with the issuer's key are ignored (they cannot revoke, they cannot be forged either).

The organisation a certificate belongs to is named in its subject: :func:`subject_identifiers`
lists the credit-code-shaped values (18 upper-case letters/digits) found in the subject attributes
serialNumber, organizationIdentifier, x500UniqueIdentifier, OU and CN; ``ggzy.accounts`` binds a
certificate to an organisation only when the organisation's credit code is among them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from ggzy.sealing import suites

MAX_CHAIN_LENGTH = 8
MIN_RSA_BITS = 2048

# SM2-with-SM3 (GM/T 0006 / GB/T 33560): the signature algorithm of SM2 certificates and CRLs.
OID_SM2_WITH_SM3 = x509.ObjectIdentifier("1.2.156.10197.1.501")
_DER_OID_SM2_WITH_SM3 = bytes.fromhex("06082a811ccf55018375")
# The AlgorithmIdentifier as OpenSSL and GmSSL write it (no parameters), and with NULL parameters
# (some CAs write them); nothing else is an SM2-with-SM3 identifier.
_SM2_SM3_ALGORITHM_IDS = (
    suites.der(0x30, _DER_OID_SM2_WITH_SM3),
    suites.der(0x30, _DER_OID_SM2_WITH_SM3 + suites.DER_NULL),
)
_SM2_SPKI_ALGORITHM = suites.OID_EC_PUBLIC_KEY + suites.OID_SM2_CURVE

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | suites.SM2PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | suites.SM2PrivateKey

# Key type → the signature algorithm a certificate of that type signs with, as shown to people.
SIGNATURE_ALGORITHMS = {
    "rsa": "RSA / SHA-256",
    "ec-p256": "ECDSA P-256 / SHA-256",
    "sm2": "SM2 / SM3",
}

# Subject attributes that may carry the holder's unified social credit code.
IDENTIFIER_OIDS = (
    NameOID.SERIAL_NUMBER,
    NameOID.ORGANIZATION_IDENTIFIER,
    NameOID.X500_UNIQUE_IDENTIFIER,
    NameOID.ORGANIZATIONAL_UNIT_NAME,
    NameOID.COMMON_NAME,
)
_CODE_RE = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")


class CertificateProblem(Exception):
    """A certificate (or key) cannot be used. ``code`` is stable, ``message`` is shown to users.

    codes: unreadable, expired, not_yet_valid, untrusted, revoked, unsupported_key, not_a_ca
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SignatureInvalid(Exception):
    """The signature does not match the data and the certificate's public key."""

    def __init__(self, message: str = "签名验证失败：签名与数据或证书不符") -> None:
        super().__init__(message)
        self.message = message


# --- parsing -----------------------------------------------------------------------------------


def _is_pem(data: bytes) -> bool:
    return b"-----BEGIN" in data[:4096]


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes; :class:`CertificateProblem` ("unreadable") otherwise.
    (``x509.InvalidVersion``, for a version field other than v1/v3, is no ValueError: listed.)"""
    try:
        cert = x509.load_pem_x509_certificate(data) if _is_pem(data) else x509.load_der_x509_certificate(data)
        _parse_fully(cert)
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise CertificateProblem("unreadable", "无法读取证书：不是有效的 PEM 或 DER 格式 X.509 证书") from exc
    return cert


def _parse_fully(cert: x509.Certificate) -> None:
    # The library parses the subject, issuer and key only when first used: a damaged certificate
    # would load here and fail later, far from this check, with an exception nobody expects.
    _ = cert.subject, cert.issuer, cert.extensions
    public_key(cert)


@functools.lru_cache(maxsize=1024)
def _sm2_key_of_der(cert_der: bytes) -> suites.SM2PublicKey | None:
    """The SM2 key of a DER certificate, None when its key is not an SM2 key. Decided by the
    SubjectPublicKeyInfo's algorithm (id-ecPublicKey with the sm2p256v1 curve), never by what
    ``cryptography`` happens to support."""
    if _SM2_SPKI_ALGORITHM not in cert_der:
        return None  # not SM2: left to cryptography alone, as before SM2 support
    items = suites.der_items(suites.der_single(suites.spki_from_certificate(cert_der), 0x30))
    if len(items) != 2 or items[0] != (0x30, _SM2_SPKI_ALGORITHM):
        return None
    tag, bits = items[1]
    if tag != 0x03 or not bits or bits[0] != 0:
        raise ValueError("bad SM2 public key bits")
    return suites.SM2PublicKey.from_point(bits[1:])


def _sm2_key(cert: x509.Certificate) -> suites.SM2PublicKey | None:
    try:
        return _sm2_key_of_der(der(cert))
    except (suites.SuiteError, ValueError, IndexError) as exc:
        raise CertificateProblem("unreadable", "无法读取证书中的公钥：SM2 公钥编码无效或不在曲线上") from exc


def public_key(cert: x509.Certificate) -> PublicKey | CertificatePublicKeyTypes:
    """The certificate's public key: ``cryptography``'s key object, or :class:`suites.SM2PublicKey`
    for an SM2 certificate (``cert.public_key()`` cannot load those)."""
    sm2 = _sm2_key(cert)
    if sm2 is not None:
        return sm2
    return cert.public_key()


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """All certificates of a PEM bundle (or the single certificate of DER bytes)."""
    if _is_pem(data):
        try:
            certs = x509.load_pem_x509_certificates(data)
            for cert in certs:
                _parse_fully(cert)
        except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion) as exc:
            raise CertificateProblem("unreadable", "无法读取证书：PEM 内容无效") from exc
        if not certs:
            raise CertificateProblem("unreadable", "文件中没有证书")
        return certs
    return [load_certificate(data)]


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER bytes; :class:`CertificateProblem` ("unreadable") otherwise."""
    try:
        crl = x509.load_pem_x509_crl(data) if _is_pem(data) else x509.load_der_x509_crl(data)
        # Parsed lazily by the library, like certificates: damage must show here, not later.
        _ = crl.issuer, crl.extensions, crl.last_update_utc, crl.next_update_utc
        for entry in crl:
            _ = entry.serial_number, entry.revocation_date_utc, entry.extensions
        return crl
    except (ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise CertificateProblem(
            "unreadable", "无法读取证书吊销列表：不是有效的 PEM 或 DER 格式 CRL"
        ) from exc


def _load_sm2_private_key(data: bytes, password: bytes | None) -> suites.SM2PrivateKey | None:
    """An SM2 private key (PKCS#8 plain or PBES2-encrypted, or SEC1 naming the SM2 curve), or None
    when ``data`` is not one — ``cryptography`` cannot load SM2 keys."""
    try:
        return suites.SM_SUITE.load_private_key(data, password)
    except suites.KeyPasswordError:
        raise CertificateProblem("unreadable", "私钥口令不正确或缺失") from None
    except suites.SuiteError:
        return None


def load_private_key(data: bytes, password: bytes | None = None) -> PrivateKey:
    """A private key from PEM or DER (PKCS#8, PKCS#1 RSA or SEC1 EC): RSA, EC P-256 or SM2."""
    try:
        if _is_pem(data):
            key = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_der_private_key(data, password=password)
    except TypeError as exc:  # password missing, or given for an unencrypted key (SM2 keys too)
        raise CertificateProblem("unreadable", "私钥口令不正确或缺失") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        sm2 = _load_sm2_private_key(data, password)
        if sm2 is not None:
            return sm2
        raise CertificateProblem(
            "unreadable", "无法读取私钥：不是有效的 PKCS#8/PKCS#1/SEC1 私钥或口令错误"
        ) from exc
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise CertificateProblem("unsupported_key", f"RSA 密钥长度不足 {MIN_RSA_BITS} 位")
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise CertificateProblem("unsupported_key", "仅支持 RSA（≥2048位）、ECDSA P-256 或 SM2 密钥")


# --- facts about a certificate -----------------------------------------------------------------


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 hex (lower case) of the DER certificate — what `openssl x509 -fingerprint -sha256`
    prints, without colons."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def serial_hex(cert: x509.Certificate) -> str:
    """Serial number as upper-case hex without separators, padded to whole bytes (as
    `openssl x509 -serial` prints it)."""
    text = format(cert.serial_number, "X")
    return text if len(text) % 2 == 0 else "0" + text


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = [a.value for a in name.get_attributes_for_oid(oid)]
    return " ".join(v if isinstance(v, str) else v.hex() for v in values)


def name_text(name: x509.Name) -> str:
    """A readable name: "O / CN" when present, the RFC 4514 string otherwise."""
    parts = [p for p in (_attr(name, NameOID.ORGANIZATION_NAME), _attr(name, NameOID.COMMON_NAME)) if p]
    if parts:
        # The same text twice (CN = O, common for organisation certificates) is shown once.
        return " / ".join(dict.fromkeys(parts))
    return name.rfc4514_string()


def subject_text(cert: x509.Certificate) -> str:
    return name_text(cert.subject)


def issuer_text(cert: x509.Certificate) -> str:
    return name_text(cert.issuer)


def subject_organisation(cert: x509.Certificate) -> str:
    """The subject's O (organisation name), or ""."""
    return _attr(cert.subject, NameOID.ORGANIZATION_NAME)


def subject_identifiers(cert: x509.Certificate) -> list[str]:
    """Credit-code-shaped values (18 upper-case letters/digits) in the identifying subject
    attributes, in the order of :data:`IDENTIFIER_OIDS`. The caller checks the check character."""
    found: list[str] = []
    for oid in IDENTIFIER_OIDS:
        for attr in cert.subject.get_attributes_for_oid(oid):
            value = attr.value
            text = value if isinstance(value, str) else value.decode("ascii", "replace")
            for token in _CODE_RE.findall(text.upper()):
                if token not in found:
                    found.append(token)
    return found


def key_type(cert: x509.Certificate) -> str:
    """ "rsa", "ec-p256" or "sm2"; :class:`CertificateProblem` ("unsupported_key") for anything else."""
    key = public_key(cert)
    if isinstance(key, suites.SM2PublicKey):
        return "sm2"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CertificateProblem("unsupported_key", f"证书的 RSA 密钥长度不足 {MIN_RSA_BITS} 位")
        return "rsa"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ec-p256"
    raise CertificateProblem(
        "unsupported_key", "证书密钥类型不受支持：仅支持 RSA（≥2048位）、ECDSA P-256 或 SM2"
    )


def signature_algorithm(cert: x509.Certificate) -> str:
    """How the holder of ``cert`` signs, as shown to people: "RSA / SHA-256", "ECDSA P-256 /
    SHA-256" or "SM2 / SM3"."""
    return SIGNATURE_ALGORITHMS[key_type(cert)]


def openssl_dgst_options(kind: str) -> str:
    """The ``openssl dgst`` options that sign or verify like :func:`sign_bytes` for a key type."""
    if kind == "sm2":
        return f"-sm3 -sigopt distid:{suites.DEFAULT_SIGNER_ID.decode('ascii')}"
    return "-sha256"


def validity(cert: x509.Certificate) -> tuple[dt.datetime, dt.datetime]:
    return cert.not_valid_before_utc, cert.not_valid_after_utc


# --- chain check -------------------------------------------------------------------------------


def _fmt(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


def _check_time(cert: x509.Certificate, at: dt.datetime, who: str) -> None:
    start, end = validity(cert)
    if at < start:
        raise CertificateProblem("not_yet_valid", f"{who}尚未生效（生效时间 {_fmt(start)}）")
    if at > end:
        raise CertificateProblem("expired", f"{who}已过期（有效期至 {_fmt(end)}）")


def _check_is_ca(cert: x509.Certificate) -> None:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        bc = None
    if bc is None or not bc.ca:
        raise CertificateProblem("not_a_ca", f"颁发者证书“{subject_text(cert)}”不是 CA 证书，不能签发证书")
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not ku.key_cert_sign:
        raise CertificateProblem("not_a_ca", f"颁发者证书“{subject_text(cert)}”无证书签发用途")


def _check_signing_usage(cert: x509.Certificate) -> None:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (ku.digital_signature or ku.content_commitment):
        raise CertificateProblem(
            "unsupported_key", "该证书不是签名证书（密钥用途不含数字签名），请使用签名证书"
        )


def _issuer_key(issuer: x509.Certificate) -> PublicKey | CertificatePublicKeyTypes | None:
    try:
        return public_key(issuer)
    except (CertificateProblem, ValueError, UnsupportedAlgorithm):
        return None


def _sm2_signed_parts(signed_der: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(tbs, signature, algorithm) of a certificate or CRL signed with SM2-with-SM3, or None when
    its signature algorithm is anything else, or when the algorithm inside the signed part (the
    first SEQUENCE of tbsCertificate / tbsCertList) differs from the one outside (RFC 5280 §4.1.1.2,
    §5.1.1.2) — a signature cannot be re-labelled."""
    try:
        outer = suites.der_items(suites.der_single(signed_der, 0x30))
        if len(outer) != 3 or outer[0][0] != 0x30 or outer[2][0] != 0x03:
            return None
        algorithm = suites.der(*outer[1])
        if algorithm not in _SM2_SM3_ALGORITHM_IDS:
            return None
        inner = next((item for item in suites.der_items(outer[0][1]) if item[0] == 0x30), None)
        bits = outer[2][1]
        if inner is None or suites.der(*inner) != algorithm or not bits or bits[0] != 0:
            return None
        return suites.der(*outer[0]), bits[1:], algorithm
    except (ValueError, IndexError):
        return None


def _sm2_signature_ok(signed_der: bytes, key: suites.SM2PublicKey) -> bool:
    parts = _sm2_signed_parts(signed_der)
    return parts is not None and suites.SM_SUITE.verify(key, parts[0], parts[1])


def _sm2_signed_with_empty_id(signed_der: bytes, key: suites.SM2PublicKey) -> bool:
    """Whether an SM2 signature verifies with an EMPTY signer id — what ``openssl req -x509`` and
    ``openssl ca`` of OpenSSL 3.0 make when not given ``-sigopt distid:1234567812345678``. Such
    signatures are refused (GM/T 0015 certificates use the default id); this only explains why."""
    parts = _sm2_signed_parts(signed_der)
    if parts is None:
        return False
    digest = suites.sm3(suites.SM_SUITE.za(key, b"") + parts[0])
    gm = suites._gm()  # GmSSL's digest-level verify, only for this explanation
    try:
        return bool(gm.sm2_verify_sm3_digest(key.xy, digest, parts[1]))
    except gm.GmsslInnerError:
        return False


SM2_EMPTY_ID_HINT = (
    "SM2 签名使用了空的签名者标识（OpenSSL 3.0 签发时未加 -sigopt distid:1234567812345678 所致），"
    "不符合 GM/T 0015 的默认标识 1234567812345678，请 CA 按默认标识重新签发"
)


def _signed_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    if child.issuer != issuer.subject:
        return False
    key = _issuer_key(issuer)
    if isinstance(key, suites.SM2PublicKey):
        return _sm2_signature_ok(der(child), key)
    if key is None or child.signature_algorithm_oid == OID_SM2_WITH_SM3:
        return False  # an SM2-with-SM3 label on a signature that no SM2 key made
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def signer_id_problem(child: x509.Certificate, issuer: x509.Certificate) -> str:
    """A Chinese explanation when ``issuer``'s SM2 key signed ``child`` with an empty signer id
    (OpenSSL 3.0 without ``distid``), else ""."""
    key = _issuer_key(issuer)
    if isinstance(key, suites.SM2PublicKey) and _sm2_signed_with_empty_id(der(child), key):
        return SM2_EMPTY_ID_HINT
    return ""


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer = subject and the certificate's own key verifies its signature (a root)."""
    return cert.issuer == cert.subject and _signed_by(cert, cert)


def crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """The CRL names ``issuer`` and its signature verifies with the issuer's key."""
    if crl.issuer != issuer.subject:
        return False
    key = _issuer_key(issuer)
    if isinstance(key, suites.SM2PublicKey):
        return _sm2_signature_ok(crl.public_bytes(serialization.Encoding.DER), key)
    if key is None or crl.signature_algorithm_oid == OID_SM2_WITH_SM3:
        return False
    try:
        return bool(crl.is_signature_valid(key))  # type: ignore[arg-type]
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return False


def _check_revocation(
    cert: x509.Certificate, issuer: x509.Certificate, crls: Sequence[x509.CertificateRevocationList]
) -> None:
    for crl in crls:
        if not crl_signed_by(crl, issuer):
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            raise CertificateProblem(
                "revoked",
                f"证书（序列号 {serial_hex(cert)}）已被“{issuer_text(cert)}”吊销"
                f"（吊销时间 {_fmt(entry.revocation_date_utc)}）",
            )


def check_certificate(
    cert: x509.Certificate,
    *,
    roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: dt.datetime,
    purpose: str = "signing",
) -> None:
    """Raise :class:`CertificateProblem` unless ``cert`` is usable at ``at``: for signing (an
    RSA/P-256 key with the digital-signature usage), or — ``purpose="ca"`` — as an issuing CA
    (used when the center imports an intermediate CA into its trust store)."""
    if at.tzinfo is None:
        raise ValueError("check_certificate needs an aware datetime")
    if purpose == "ca":
        _check_is_ca(cert)
    else:
        key_type(cert)
        _check_signing_usage(cert)
    _check_time(cert, at, "证书")
    root_fps = {fingerprint(r) for r in roots}
    current = cert
    used: set[str] = {fingerprint(cert)}
    for _depth in range(MAX_CHAIN_LENGTH):
        if fingerprint(current) in root_fps:
            return  # the certificate itself is a trusted anchor
        named = [c for c in (*roots, *intermediates) if c.subject == current.issuer]
        issuer = next((c for c in named if _signed_by(current, c)), None)
        if issuer is None:
            hint = next((h for h in (signer_id_problem(current, c) for c in named) if h), "")
            if hint:
                raise CertificateProblem(
                    "untrusted", f"证书签名无法用颁发者“{issuer_text(current)}”的证书验证：{hint}"
                )
            if named:
                raise CertificateProblem(
                    "untrusted", f"证书签名无法用颁发者“{issuer_text(current)}”的证书验证，可能是伪造的证书"
                )
            raise CertificateProblem(
                "untrusted", f"证书未链接到受信任的根证书（颁发者“{issuer_text(current)}”不在信任列表中）"
            )
        _check_is_ca(issuer)
        _check_time(issuer, at, f"颁发者证书“{subject_text(issuer)}”")
        _check_revocation(current, issuer, crls)
        issuer_fp = fingerprint(issuer)
        if issuer_fp in root_fps:
            return
        if issuer_fp in used:
            break  # a loop of cross-signed intermediates
        used.add(issuer_fp)
        current = issuer
    raise CertificateProblem("untrusted", "证书链过长或成环，未能链接到受信任的根证书")


# --- signatures --------------------------------------------------------------------------------


def verify_signature(cert: x509.Certificate, data: bytes, signature: bytes) -> None:
    """Raise :class:`SignatureInvalid` unless ``signature`` (DER for ECDSA and SM2) signs ``data``
    (SHA-256; SM3 with Z_A for SM2, default signer id) with the key of ``cert``. Does not check the
    certificate itself: see :func:`check_certificate`."""
    key_type(cert)
    key = public_key(cert)
    if isinstance(key, suites.SM2PublicKey):
        if not suites.SM_SUITE.verify(key, data, signature):
            raise SignatureInvalid()
        return
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise SignatureInvalid() from exc


def sign_bytes(private_key: bytes, data: bytes, password: bytes | None = None) -> bytes:
    """A DER signature over ``data`` with a PEM/DER private key (PKCS#8, PKCS#1 or SEC1): SHA-256
    for RSA and P-256, SM2 with SM3 and the default signer id for SM2."""
    key = load_private_key(private_key, password)
    if isinstance(key, suites.SM2PrivateKey):
        return suites.SM_SUITE.sign(key, data)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def public_key_matches(cert: x509.Certificate, private_key: bytes, password: bytes | None = None) -> bool:
    """True when the private key belongs to the certificate."""
    key = load_private_key(private_key, password)
    cert_key = public_key(cert)
    if isinstance(key, suites.SM2PrivateKey) or isinstance(cert_key, suites.SM2PublicKey):
        return isinstance(key, suites.SM2PrivateKey) and cert_key == key.public
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    return bool(
        key.public_key().public_bytes(serialization.Encoding.DER, pub)
        == cert_key.public_bytes(serialization.Encoding.DER, pub)
    )
