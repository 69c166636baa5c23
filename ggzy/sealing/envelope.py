"""The sealed bid envelope ``ggzy-envelope/1``, suites ``intl`` and ``sm`` (docs/formats/sealed-envelope.md).

A bid file and its bid summary are encrypted with a fresh 256-bit content key in fixed-size
AES-256-GCM chunks (STREAM construction: nonce = prefix ‖ counter ‖ last flag, the header hash as
the AAD of every chunk). The content key is wrapped to the bidder's own P-256 key and, when the
section allows backup decryption, to the section's escrow key (ephemeral ECDH → HKDF-SHA256 →
AES-256-GCM). The bidder signs a hash chain over the header and every ciphertext chunk with
ECDSA P-256 / SHA-256 (DER signature).

Suite ``sm`` has the same structure with China's commercial cryptography: SM4-GCM chunks under a
128-bit content key, the content key wrapped with SM2 public-key encryption, SM3 for every hash and
an SM2 signature (:mod:`ggzy.sealing.suites`). The header's ``suite`` says which one an envelope uses;
the sealer picks it from its signing key (P-256 → ``intl``, SM2 → ``sm``) unless told.

Everything streams: sealing, verifying and opening hold one chunk at a time, so a 1 GB bid needs
constant memory. Every failure raises a distinct :class:`EnvelopeError` subclass with a ``code``
and a Chinese ``message`` that pages can show as-is.

Roles:
* bidder (browser or kit): :func:`seal`, :func:`unwrap_content_key` with its own private key;
* server, no keys: :func:`read_header`, :func:`verify_envelope` (structure + signature);
* server at opening: :func:`open_envelope` with the content key the bidder hands over (or that the
  escrow key recovered from k custodian shares unwraps).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ggzy.sealing import suites

MAGIC = b"GGZY-ENV"
VERSION = "ggzy-envelope/1"
SUITE = "intl"  # the default suite; ``SUITE_NAMES`` are all a reader accepts
SUITE_NAMES = (suites.INTL, suites.SM)

KEY_CHECK_LABEL = b"ggzy-envelope/1 key-check\x00"
WRAP_LABEL = b"ggzy-envelope/1 key-wrap\x00"
SIGNATURE_LABEL = b"ggzy-envelope/1 signature\x00"

MIN_CHUNK_SIZE = 1 << 8
MAX_CHUNK_SIZE = 1 << 24
DEFAULT_CHUNK_SIZE = 1 << 20
MAX_HEADER_SIZE = 1 << 16
MAX_PAYLOAD_SIZE = 1 << 40
MAX_META_SIZE = 1 << 20
META_ALIGN = 256
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
FILE_HASH_SIZE = 32
MAX_SIGNATURE_SIZE = 72
MIN_SIGNATURE_SIZE = 8
MAX_FIELD_LENGTH = 128

ROLE_BIDDER = "bidder"
ROLE_ESCROW = "escrow"

HEADER_KEYS = frozenset(
    {
        "bidder",
        "chunk_size",
        "created_at",
        "key_check",
        "nonce_prefix",
        "payload_size",
        "recipients",
        "section",
        "signer",
        "suite",
        "version",
    }
)
RECIPIENT_KEYS = frozenset({"ephemeral", "key_id", "role", "wrapped_key"})
META_KEYS = frozenset({"file_name", "file_size", "media_type", "summary"})

# Header strings are printable ASCII without space, quote or backslash, so canonical JSON needs no
# escaping and every implementation serialises the header to the same bytes.
SAFE_TEXT = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")
CREATED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
HEX64 = re.compile(r"[0-9a-f]{64}")


# ----------------------------------------------------------------------------- errors


class EnvelopeError(Exception):
    """Base of every envelope failure; ``message`` is Chinese and shown to users."""

    code = "envelope"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedVersion(EnvelopeError):
    code = "unsupported_version"


class MalformedEnvelope(EnvelopeError):
    code = "malformed"


class TruncatedEnvelope(EnvelopeError):
    code = "truncated"


class TamperedEnvelope(EnvelopeError):
    """A chunk's or a key wrap's GCM tag failed: bit flips, reordered or swapped chunks."""

    code = "tampered"


class HeaderMismatch(EnvelopeError):
    """The header names another section or bidder than the one submitting (a replaced header)."""

    code = "header_mismatch"


class WrongSigner(EnvelopeError):
    """The envelope was signed (or claims to be signed) by another key than the bidder's."""

    code = "wrong_signer"


class SignatureInvalid(EnvelopeError):
    code = "signature_invalid"


class WrongRecipient(EnvelopeError):
    code = "wrong_recipient"


class WrongContentKey(EnvelopeError):
    code = "wrong_content_key"


class FileHashMismatch(EnvelopeError):
    code = "file_hash_mismatch"


class UnsupportedKey(EnvelopeError):
    code = "unsupported_key"


class SealingInputError(EnvelopeError):
    code = "seal_input"


# ----------------------------------------------------------------------------- small helpers


def canonical_json(obj: Any) -> bytes:
    """Keys sorted, no whitespace, UTF-8 without ``\\u`` escapes for non-ASCII."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, size: int, what: str) -> bytes:
    if not isinstance(text, str):
        raise MalformedEnvelope(f"信封头字段 {what} 应为 base64 字符串")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedEnvelope(f"信封头字段 {what} 不是有效的 base64") from None
    if len(raw) != size or b64(raw) != text:
        raise MalformedEnvelope(f"信封头字段 {what} 长度应为 {size} 字节")
    return raw


def _check_p256(key: object, what: str) -> None:
    if not isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) or not isinstance(
        key.curve, ec.SECP256R1
    ):
        raise UnsupportedKey(f"{what}必须是 P-256 椭圆曲线密钥")


def point_bytes(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The 65-byte uncompressed SEC1 point (0x04 ‖ X ‖ Y)."""
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def key_id(public_key: suites.PublicKey) -> str:
    """hex(H(DER SubjectPublicKeyInfo)), 64 digits: H = SHA-256 for P-256 keys, SM3 for SM2 keys."""
    if isinstance(public_key, suites.SM2PublicKey):
        return suites.SM_SUITE.key_id(public_key)
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def key_check(content_key: bytes, suite: str = SUITE) -> bytes:
    """Commitment to the content key (GCM alone is not key-committing)."""
    if suite == suites.SM:
        return suites.sm3(KEY_CHECK_LABEL + content_key)
    return hashlib.sha256(KEY_CHECK_LABEL + content_key).digest()


PublicKeyLike = ec.EllipticCurvePublicKey | suites.SM2PublicKey | x509.Certificate | bytes


def load_key_of_suite(key: PublicKeyLike, suite: str, what: str = "公钥") -> suites.PublicKey:
    """A public key of ``suite`` (``intl``: P-256, ``sm``: SM2) from a key object, a certificate or
    PEM/DER bytes of either."""
    if suite == suites.INTL:
        return load_public_key(key, what)
    loaded: object = key
    if isinstance(key, bytes):
        try:
            loaded = suites.load_any_public_key(key)[1]
        except suites.SuiteError:
            try:
                loaded = suites.load_any_public_key(suites.spki_from_certificate(key))[1]
            except suites.SuiteError:
                raise UnsupportedKey(f"无法读取{what}（应为 PEM/DER 的 SM2 公钥或证书）") from None
    elif isinstance(key, x509.Certificate):
        try:
            loaded = suites.load_any_public_key(
                suites.spki_from_certificate(key.public_bytes(serialization.Encoding.DER))
            )[1]
        except suites.SuiteError:
            raise UnsupportedKey(f"无法读取{what}（证书公钥不是 SM2 密钥）") from None
    if not isinstance(loaded, suites.SM2PublicKey):
        raise UnsupportedKey(f"{what}必须是 SM2 密钥（信封使用 sm 密码套件）")
    return loaded


def load_public_key(key: PublicKeyLike, what: str = "公钥") -> ec.EllipticCurvePublicKey:
    """A P-256 public key from a key object, a certificate, or PEM/DER bytes of either."""
    loaded: object = key
    if isinstance(key, x509.Certificate):
        loaded = key.public_key()
    elif isinstance(key, bytes):
        loaded = None
        loaders = (
            (lambda d: serialization.load_pem_public_key(d), lambda d: x509.load_pem_x509_certificate(d))
            if key.lstrip().startswith(b"-----")
            else (lambda d: serialization.load_der_public_key(d), lambda d: x509.load_der_x509_certificate(d))
        )
        for loader in loaders:
            try:
                obj = loader(key)
                loaded = obj.public_key() if isinstance(obj, x509.Certificate) else obj
            except (ValueError, UnsupportedAlgorithm):
                # UnsupportedAlgorithm: e.g. an SM2 key, which this P-256 loader does not take.
                continue
            break
        if loaded is None:
            raise UnsupportedKey(f"无法读取{what}（应为 PEM/DER 格式的 P-256 公钥或证书）")
    _check_p256(loaded, what)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    return loaded


def _load_point(raw: bytes, what: str, suite: str = SUITE) -> Any:
    if suite == suites.SM:
        try:
            return suites.SM2PublicKey.from_point(raw)
        except suites.SuiteError:
            raise MalformedEnvelope(f"{what}不是 SM2 曲线上的有效点") from None
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise MalformedEnvelope(f"{what}不是 P-256 曲线上的有效点") from None


def _fmt_time(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise SealingInputError("封装时间必须带时区")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------- header


@dataclass(frozen=True)
class Recipient:
    role: str
    key_id: str
    ephemeral: bytes
    wrapped_key: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "ephemeral": b64(self.ephemeral),
            "key_id": self.key_id,
            "role": self.role,
            "wrapped_key": b64(self.wrapped_key),
        }


@dataclass(frozen=True)
class Header:
    """The parsed clear-text header; ``raw`` is its exact bytes as stored."""

    section: str
    bidder: str
    created_at: str
    chunk_size: int
    payload_size: int
    nonce_prefix: bytes
    key_check: bytes
    signer: str
    recipients: tuple[Recipient, ...]
    raw: bytes = field(repr=False)
    suite: str = SUITE

    @property
    def crypto(self) -> suites.Suite:
        """The suite's primitives (hash, AEAD, key wrap, signature)."""
        return suites.suite_by_name(self.suite)

    def core_json(self) -> dict[str, Any]:
        return {
            "bidder": self.bidder,
            "chunk_size": self.chunk_size,
            "created_at": self.created_at,
            "key_check": b64(self.key_check),
            "nonce_prefix": b64(self.nonce_prefix),
            "payload_size": self.payload_size,
            "section": self.section,
            "signer": self.signer,
            "suite": self.suite,
            "version": VERSION,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.core_json(), "recipients": [r.to_json() for r in self.recipients]}

    @property
    def core_hash(self) -> bytes:
        return self.crypto.hash(canonical_json(self.core_json()))

    @property
    def hash(self) -> bytes:
        return self.crypto.hash(self.raw)

    @property
    def chunk_count(self) -> int:
        return -(-self.payload_size // self.chunk_size)

    @property
    def last_chunk_size(self) -> int:
        return self.payload_size - (self.chunk_count - 1) * self.chunk_size

    @property
    def envelope_size(self) -> int:
        """Offset of the signature trailer: magic, header length, header and every chunk."""
        return len(MAGIC) + 4 + len(self.raw) + self.payload_size + TAG_SIZE * self.chunk_count

    @property
    def backup_decryption(self) -> bool:
        return any(r.role == ROLE_ESCROW for r in self.recipients)

    def recipient(self, kid: str) -> Recipient | None:
        return next((r for r in self.recipients if r.key_id == kid), None)


def _safe_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not SAFE_TEXT.fullmatch(value):
        raise MalformedEnvelope(f"信封头字段 {what} 只能是 1–128 个可见 ASCII 字符（不含空格、引号、反斜杠）")
    return value


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedEnvelope(f"信封头字段 {what} 应为非负整数")
    return value


def parse_header(raw: bytes) -> Header:
    """Validate header bytes (exact key set, types, limits, canonical form) and parse them."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedEnvelope("信封头不是有效的 JSON") from None
    if not isinstance(obj, dict):
        raise MalformedEnvelope("信封头应为 JSON 对象")
    version = obj.get("version")
    if version != VERSION:
        raise UnsupportedVersion(f"不支持的信封版本 {str(version)[:40]!r}，本系统支持 {VERSION}")
    suite = obj.get("suite")
    if not isinstance(suite, str) or suite not in SUITE_NAMES:
        raise UnsupportedVersion(f"不支持的密码套件 {str(suite)[:40]!r}，本系统支持 intl、sm")
    crypto = suites.suite_by_name(suite)
    if suite == suites.SM and not suites.sm_available():  # pragma: no cover - GmSSL is pinned
        raise UnsupportedVersion("本系统未安装 GmSSL（gmssl-pyx），不能处理 sm 密码套件的信封")
    if set(obj) != HEADER_KEYS:
        raise MalformedEnvelope("信封头字段不符合格式：" + "、".join(sorted(set(obj) ^ HEADER_KEYS)))
    chunk_size = _int(obj["chunk_size"], "chunk_size")
    if not (MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE) or chunk_size & (chunk_size - 1):
        raise MalformedEnvelope("分块大小应为 256 字节到 16 MiB 之间的 2 的幂")
    payload_size = _int(obj["payload_size"], "payload_size")
    if not (META_ALIGN + FILE_HASH_SIZE <= payload_size <= MAX_PAYLOAD_SIZE):
        raise MalformedEnvelope("明文长度超出允许范围")
    created_at = obj["created_at"]
    if not isinstance(created_at, str) or not CREATED_AT.fullmatch(created_at):
        raise MalformedEnvelope("封装时间格式应为 YYYY-MM-DDTHH:MM:SSZ")
    signer = obj["signer"]
    if not isinstance(signer, str) or not HEX64.fullmatch(signer):
        raise MalformedEnvelope("签名者密钥标识应为 64 位小写十六进制")
    recipients_json = obj["recipients"]
    if not isinstance(recipients_json, list) or not 1 <= len(recipients_json) <= 2:
        raise MalformedEnvelope("接收方应为 1 或 2 个")
    recipients = []
    for i, item in enumerate(recipients_json):
        if not isinstance(item, dict) or set(item) != RECIPIENT_KEYS:
            raise MalformedEnvelope(f"第 {i + 1} 个接收方字段不符合格式")
        expected_role = ROLE_BIDDER if i == 0 else ROLE_ESCROW
        if item["role"] != expected_role:
            raise MalformedEnvelope("接收方应依次为 bidder（投标人）和可选的 escrow（备用解密）")
        if not isinstance(item["key_id"], str) or not HEX64.fullmatch(item["key_id"]):
            raise MalformedEnvelope("接收方密钥标识应为 64 位小写十六进制")
        ephemeral = _unb64(item["ephemeral"], 65, "ephemeral")
        _load_point(ephemeral, "临时公钥", suite)
        recipients.append(
            Recipient(
                role=item["role"],
                key_id=item["key_id"],
                ephemeral=ephemeral,
                wrapped_key=_unb64(
                    item["wrapped_key"], crypto.wrapped_size(crypto.aead_key_size), "wrapped_key"
                ),
            )
        )
    header = Header(
        section=_safe_text(obj["section"], "section"),
        bidder=_safe_text(obj["bidder"], "bidder"),
        created_at=created_at,
        chunk_size=chunk_size,
        payload_size=payload_size,
        nonce_prefix=_unb64(obj["nonce_prefix"], NONCE_PREFIX_SIZE, "nonce_prefix"),
        key_check=_unb64(obj["key_check"], 32, "key_check"),
        signer=signer,
        recipients=tuple(recipients),
        raw=raw,
        suite=suite,
    )
    if header.chunk_count > 1 << 32:
        raise MalformedEnvelope("分块数量超过 2^32")
    if canonical_json(obj) != raw:
        raise MalformedEnvelope("信封头不是规范 JSON（键须排序、无空白）")
    return header


# ----------------------------------------------------------------------------- crypto pieces


def chunk_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def _wrap_key(
    *,
    core_hash: bytes,
    role: str,
    ephemeral: ec.EllipticCurvePrivateKey,
    recipient: ec.EllipticCurvePublicKey,
) -> bytes:
    """The key-wrapping key for one recipient (KWK)."""
    shared = ephemeral.exchange(ec.ECDH(), recipient)
    info = (
        WRAP_LABEL
        + role.encode("ascii")
        + b"\x00"
        + point_bytes(ephemeral.public_key())
        + point_bytes(recipient)
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=core_hash, info=info).derive(shared)


def _unwrap_kwk(
    *,
    core_hash: bytes,
    role: str,
    ephemeral: ec.EllipticCurvePublicKey,
    private_key: ec.EllipticCurvePrivateKey,
) -> bytes:
    shared = private_key.exchange(ec.ECDH(), ephemeral)
    info = (
        WRAP_LABEL
        + role.encode("ascii")
        + b"\x00"
        + point_bytes(ephemeral)
        + point_bytes(private_key.public_key())
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=core_hash, info=info).derive(shared)


WRAP_NONCE = bytes(12)


def signature_message(chain_digest: bytes) -> bytes:
    return SIGNATURE_LABEL + chain_digest


# ----------------------------------------------------------------------------- sealing


@dataclass(frozen=True)
class Randomness:
    """Fixed randomness, for test vectors only: production sealing draws from ``os.urandom``."""

    content_key: bytes
    nonce_prefix: bytes
    ephemeral_scalars: Sequence[int]
    # Suite ``sm`` only: the SM2 signature nonce k (``intl`` signs with RFC 6979 nonces anyway).
    signature_k: int | None = None


@dataclass(frozen=True)
class SealResult:
    header: Header
    envelope_sha256: str
    size: int


def _meta_block(*, file_name: str, file_size: int, media_type: str, summary: Mapping[str, Any]) -> bytes:
    meta = canonical_json(
        {"file_name": file_name, "file_size": file_size, "media_type": media_type, "summary": dict(summary)}
    )
    if len(meta) > MAX_META_SIZE:
        raise SealingInputError("投标摘要过大（不超过 1 MiB）")
    block = struct.pack(">I", len(meta)) + meta
    return block + bytes(-len(block) % META_ALIGN)


def _source_size(src: BinaryIO) -> int:
    try:
        return os.fstat(src.fileno()).st_size - src.tell()
    except (AttributeError, OSError, ValueError):
        pos = src.tell()
        end = src.seek(0, os.SEEK_END)
        src.seek(pos)
        return end - pos


class _HashingWriter:
    def __init__(self, dst: BinaryIO) -> None:
        self.dst = dst
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.dst.write(data)
        self.sha.update(data)
        self.size += len(data)


def seal(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    section: str,
    bidder: str,
    summary: Mapping[str, Any],
    file_name: str,
    bidder_public_key: PublicKeyLike,
    signing_key: suites.PrivateKey,
    created_at: dt.datetime,
    escrow_public_key: PublicKeyLike | None = None,
    media_type: str = "application/octet-stream",
    file_size: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    randomness: Randomness | None = None,
    suite: str | None = None,
) -> SealResult:
    """Encrypt the bid file read from ``src`` (from its current position to EOF, or ``file_size``
    bytes) and write the envelope to ``dst``, one chunk in memory at a time.

    ``suite`` is ``"intl"`` or ``"sm"``; by default the signing key's (P-256 → intl, SM2 → sm). Every
    key must belong to that suite."""
    if suite is None:
        suite = suites.SM if isinstance(signing_key, suites.SM2PrivateKey) else SUITE
    if suite not in SUITE_NAMES:
        raise SealingInputError(f"不支持的密码套件 {str(suite)[:40]!r}（支持 intl、sm）")
    crypto = suites.suite_by_name(suite)
    if suite == suites.SM:
        if not isinstance(signing_key, suites.SM2PrivateKey):
            raise UnsupportedKey("签名私钥必须是 SM2 密钥（sm 密码套件）")
    else:
        _check_p256(signing_key, "签名私钥")
    bidder_key = load_key_of_suite(bidder_public_key, suite, "投标人加密公钥")
    escrow_key = (
        load_key_of_suite(escrow_public_key, suite, "备用解密公钥") if escrow_public_key is not None else None
    )
    size = _source_size(src) if file_size is None else file_size
    if size < 0:
        raise SealingInputError("文件大小无效")
    meta = _meta_block(file_name=file_name, file_size=size, media_type=media_type, summary=summary)
    payload_size = len(meta) + size + FILE_HASH_SIZE
    if payload_size > MAX_PAYLOAD_SIZE:
        raise SealingInputError("投标文件过大")
    if randomness is None:
        content_key = os.urandom(crypto.aead_key_size)
        nonce_prefix = os.urandom(NONCE_PREFIX_SIZE)
        ephemeral_scalars: Sequence[int | None] = [None, None]
    else:
        content_key, nonce_prefix = randomness.content_key, randomness.nonce_prefix
        ephemeral_scalars = list(randomness.ephemeral_scalars)
        if len(content_key) != crypto.aead_key_size:
            raise SealingInputError(f"内容密钥应为 {crypto.aead_key_size} 字节")
    core = {
        "bidder": bidder,
        "chunk_size": chunk_size,
        "created_at": _fmt_time(created_at),
        "key_check": b64(key_check(content_key, suite)),
        "nonce_prefix": b64(nonce_prefix),
        "payload_size": payload_size,
        "section": section,
        "signer": key_id(signing_key.public_key()),
        "suite": suite,
        "version": VERSION,
    }
    core_hash = crypto.hash(canonical_json(core))
    recipients = []
    targets = [(ROLE_BIDDER, bidder_key)] + ([(ROLE_ESCROW, escrow_key)] if escrow_key is not None else [])
    for (role, public), scalar in zip(targets, ephemeral_scalars, strict=False):
        wrap = crypto.wrap_key(
            public,
            content_key,
            salt=core_hash,
            label=WRAP_LABEL + role.encode("ascii") + b"\x00",
            ephemeral_scalar=scalar,
        )
        recipients.append(
            Recipient(
                role=role, key_id=key_id(public), ephemeral=wrap.ephemeral, wrapped_key=wrap.wrapped
            ).to_json()
        )
    raw = canonical_json({**core, "recipients": recipients})
    try:
        header = parse_header(raw)  # the sealer's own inputs are checked by the reader's rules
    except EnvelopeError as exc:
        raise SealingInputError(exc.message) from None
    if len(raw) > MAX_HEADER_SIZE:
        raise SealingInputError("信封头过大")

    out = _HashingWriter(dst)
    out.write(MAGIC + struct.pack(">I", len(raw)) + raw)
    aad = header.hash
    chain = header.hash
    file_sha = crypto.hasher()
    buf = bytearray(chunk_size)
    view = memoryview(buf)
    pending = memoryview(meta)  # bytes of the meta block not yet placed in a chunk
    file_left = size
    tail_taken = False
    n = header.chunk_count
    for counter in range(n):
        want = chunk_size if counter < n - 1 else header.last_chunk_size
        filled = 0
        while filled < want:
            if pending:
                take = min(len(pending), want - filled)
                view[filled : filled + take] = pending[:take]
                pending = pending[take:]
                filled += take
            elif file_left:
                got = src.readinto(view[filled : filled + min(file_left, want - filled)])  # type: ignore[attr-defined]
                if not got:
                    raise SealingInputError("读取投标文件时提前结束（文件在封装时被修改？）")
                file_sha.update(view[filled : filled + got])
                filled += got
                file_left -= got
            elif not tail_taken:
                tail_taken = True
                pending = memoryview(file_sha.digest())
            else:  # pragma: no cover - payload_size arithmetic guarantees enough bytes
                raise SealingInputError("明文长度计算错误")
        chunk = crypto.aead_encrypt(
            content_key, chunk_nonce(nonce_prefix, counter, counter == n - 1), view[:want], aad
        )
        link = crypto.hasher(chain)
        link.update(chunk)
        chain = link.digest()
        out.write(chunk)
    if pending or file_left or not tail_taken:
        raise SealingInputError("明文长度计算错误")
    if isinstance(signing_key, suites.SM2PrivateKey) and randomness is not None and randomness.signature_k:
        signature = suites.SM_SUITE.sign_with_k(signing_key, signature_message(chain), randomness.signature_k)
    else:
        signature = crypto.sign(signing_key, signature_message(chain))
    out.write(struct.pack(">H", len(signature)) + signature)
    return SealResult(header=header, envelope_sha256=out.sha.hexdigest(), size=out.size)


# ----------------------------------------------------------------------------- reading


class _Reader:
    """Reads exactly what is asked for (else :class:`TruncatedEnvelope`), hashing every byte."""

    def __init__(self, src: BinaryIO) -> None:
        self.src = src
        self.sha = hashlib.sha256()
        self.size = 0

    def read_into(self, view: memoryview, what: str) -> None:
        filled = 0
        while filled < len(view):
            got = self.src.readinto(view[filled:])  # type: ignore[attr-defined]
            if not got:
                raise TruncatedEnvelope(f"信封不完整：{what}被截断")
            filled += got
        self.sha.update(view)
        self.size += len(view)

    def read(self, n: int, what: str) -> bytes:
        buf = bytearray(n)
        self.read_into(memoryview(buf), what)
        return bytes(buf)

    def at_eof(self) -> bool:
        return not self.src.read(1)


def _read_header(reader: _Reader) -> Header:
    magic = reader.read(len(MAGIC), "文件头")
    if magic != MAGIC:
        raise MalformedEnvelope("不是 ggzy 投标信封（文件头标识不符）")
    (length,) = struct.unpack(">I", reader.read(4, "信封头长度"))
    if not 2 <= length <= MAX_HEADER_SIZE:
        raise MalformedEnvelope("信封头长度超出允许范围")
    return parse_header(reader.read(length, "信封头"))


def read_header(src: BinaryIO) -> Header:
    """The clear-text header, without any key (reads only the first bytes of ``src``)."""
    return _read_header(_Reader(src))


def _check_expectations(header: Header, section: str | None, bidder: str | None) -> None:
    if section is not None and header.section != section:
        raise HeaderMismatch(f"信封属于标段 {header.section}，不是本标段 {section}（信封头被替换？）")
    if bidder is not None and header.bidder != bidder:
        raise HeaderMismatch(f"信封属于投标人 {header.bidder}，不是 {bidder}（信封头被替换？）")


@dataclass(frozen=True)
class VerifiedEnvelope:
    header: Header
    envelope_sha256: str
    size: int


@dataclass(frozen=True)
class OpenedBid:
    header: Header
    envelope_sha256: str
    file_name: str
    file_size: int
    media_type: str
    file_sha256: str
    summary: dict[str, Any]


class _PayloadSink:
    """Splits the decrypted payload into meta block, file bytes (to ``dst``) and file hash."""

    def __init__(self, dst: BinaryIO, payload_size: int, suite: str = SUITE) -> None:
        self.dst = dst
        self.payload_size = payload_size
        self.head = bytearray()  # length prefix + meta + padding, until parsed
        self.head_size = 4  # grows to the whole meta block once the length prefix is known
        self.meta: dict[str, Any] | None = None
        self.file_left = 0
        self.file_sha = hashlib.sha256()
        # The payload's file hash is the suite's (SM3 in ``sm``); SHA-256 is kept for storage records.
        self.file_digest: suites.Hasher = (
            self.file_sha if suite == SUITE else suites.suite_by_name(suite).hasher()
        )
        self.tail = bytearray()

    def _parse_meta(self) -> None:
        (length,) = struct.unpack(">I", self.head[:4])
        try:
            meta = json.loads(bytes(self.head[4 : 4 + length]).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise MalformedEnvelope("投标摘要不是有效的 JSON") from None
        if any(self.head[4 + length :]):
            raise MalformedEnvelope("投标摘要的填充字节应全为 0")
        if (
            not isinstance(meta, dict)
            or set(meta) != META_KEYS
            or not isinstance(meta["file_name"], str)
            or not isinstance(meta["media_type"], str)
            or not isinstance(meta["summary"], dict)
            or not isinstance(meta["file_size"], int)
            or isinstance(meta["file_size"], bool)
        ):
            raise MalformedEnvelope("投标摘要字段不符合格式")
        if self.head_size + meta["file_size"] + FILE_HASH_SIZE != self.payload_size:
            raise MalformedEnvelope("投标摘要中的文件大小与明文长度不一致")
        self.meta = meta
        self.file_left = meta["file_size"]

    def feed(self, data: memoryview) -> None:
        while data:
            if self.meta is None:
                need = self.head_size - len(self.head)
                self.head += data[:need]
                data = data[need:]
                if len(self.head) < self.head_size:
                    continue
                if self.head_size == 4:
                    (length,) = struct.unpack(">I", self.head)
                    if length > MAX_META_SIZE:
                        raise MalformedEnvelope("投标摘要长度超出允许范围")
                    self.head_size = 4 + length + (-(4 + length) % META_ALIGN)
                    if self.head_size + FILE_HASH_SIZE > self.payload_size:
                        raise MalformedEnvelope("投标摘要长度与明文长度不一致")
                else:
                    self._parse_meta()
            elif self.file_left:
                part = data[: self.file_left]
                self.dst.write(part)
                self.file_sha.update(part)
                if self.file_digest is not self.file_sha:
                    self.file_digest.update(part)
                self.file_left -= len(part)
                data = data[len(part) :]
            else:
                if len(self.tail) + len(data) > FILE_HASH_SIZE:
                    raise MalformedEnvelope("明文结构不符合格式")
                self.tail += data
                data = data[len(data) :]

    def finish(self) -> dict[str, Any]:
        if self.meta is None or self.file_left or len(self.tail) != FILE_HASH_SIZE:
            raise MalformedEnvelope("明文结构不完整")
        if bytes(self.tail) != self.file_digest.digest():
            raise FileHashMismatch("解密后的文件与信封中记录的文件哈希不一致")
        return self.meta


def _process(
    src: BinaryIO,
    *,
    signer: PublicKeyLike | None,
    content_key: bytes | None,
    dst: BinaryIO | None,
    expect_section: str | None,
    expect_bidder: str | None,
    max_payload_size: int | None,
) -> tuple[Header, _Reader, dict[str, Any] | None, str | None]:
    reader = _Reader(src)
    header = _read_header(reader)
    _check_expectations(header, expect_section, expect_bidder)
    if max_payload_size is not None and header.payload_size > max_payload_size:
        raise MalformedEnvelope("投标文件超过本标段允许的大小")
    crypto = header.crypto
    signer_key = None
    if signer is not None:
        signer_key = load_key_of_suite(signer, header.suite, "投标人签名证书公钥")
        if key_id(signer_key) != header.signer:
            raise WrongSigner("信封不是由该投标人绑定证书的密钥签名的")
    sink = None
    if content_key is not None:
        if (
            len(content_key) != crypto.aead_key_size
            or key_check(content_key, header.suite) != header.key_check
        ):
            raise WrongContentKey("内容密钥不正确（与信封的密钥承诺不符）")
        assert dst is not None
        sink = _PayloadSink(dst, header.payload_size, header.suite)
    aad = header.hash
    chain = header.hash
    n = header.chunk_count
    buf = bytearray(header.chunk_size + TAG_SIZE)
    plain = bytearray(header.chunk_size)
    view, plain_view = memoryview(buf), memoryview(plain)
    for counter in range(n):
        size = (header.chunk_size if counter < n - 1 else header.last_chunk_size) + TAG_SIZE
        chunk = view[:size]
        reader.read_into(chunk, f"第 {counter + 1}/{n} 块密文")
        link = crypto.hasher(chain)
        link.update(chunk)
        chain = link.digest()
        if content_key is not None and sink is not None:
            out = plain_view[: size - TAG_SIZE]
            try:
                crypto.aead_decrypt_into(
                    content_key, chunk_nonce(header.nonce_prefix, counter, counter == n - 1), chunk, aad, out
                )
            except suites.DecryptionFailed:
                raise TamperedEnvelope(
                    f"第 {counter + 1}/{n} 块密文认证失败（被篡改、截断、调换顺序或信封头被替换）"
                ) from None
            sink.feed(out)
    (sig_len,) = struct.unpack(">H", reader.read(2, "签名长度"))
    if not MIN_SIGNATURE_SIZE <= sig_len <= MAX_SIGNATURE_SIZE:
        raise MalformedEnvelope("签名长度超出允许范围")
    signature = reader.read(sig_len, "签名")
    if not reader.at_eof():
        raise MalformedEnvelope("信封在签名之后还有多余数据")
    if signer_key is not None and not crypto.verify(signer_key, signature_message(chain), signature):
        raise SignatureInvalid("投标人签名验证失败：信封头或密文在签名后被修改")
    meta = sink.finish() if sink is not None else None
    file_sha = sink.file_sha.hexdigest() if sink is not None else None
    return header, reader, meta, file_sha


def verify_envelope(
    src: BinaryIO,
    *,
    signer: PublicKeyLike,
    expect_section: str | None = None,
    expect_bidder: str | None = None,
    max_payload_size: int | None = None,
) -> VerifiedEnvelope:
    """Server side without keys: framing, header rules, every chunk present, no trailing data, and
    the bidder's signature under ``signer`` (its bound certificate or public key)."""
    header, reader, _, _ = _process(
        src,
        signer=signer,
        content_key=None,
        dst=None,
        expect_section=expect_section,
        expect_bidder=expect_bidder,
        max_payload_size=max_payload_size,
    )
    return VerifiedEnvelope(header=header, envelope_sha256=reader.sha.hexdigest(), size=reader.size)


def open_envelope(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    content_key: bytes,
    signer: PublicKeyLike | None = None,
    expect_section: str | None = None,
    expect_bidder: str | None = None,
) -> OpenedBid:
    """Decrypt the bid file to ``dst`` while verifying every chunk tag, the file hash and (with
    ``signer``) the signature, in one pass. Only authenticated plaintext is written, but on an
    exception ``dst`` may hold a prefix of the file: write to a temporary file and discard it."""
    header, reader, meta, file_sha = _process(
        src,
        signer=signer,
        content_key=content_key,
        dst=dst,
        expect_section=expect_section,
        expect_bidder=expect_bidder,
        max_payload_size=None,
    )
    if meta is None or file_sha is None:  # pragma: no cover - a content key always yields both
        raise MalformedEnvelope("明文结构不完整")
    return OpenedBid(
        header=header,
        envelope_sha256=reader.sha.hexdigest(),
        file_name=meta["file_name"],
        file_size=meta["file_size"],
        media_type=meta["media_type"],
        file_sha256=file_sha,
        summary=meta["summary"],
    )


def unwrap_content_key(header: Header, private_key: suites.PrivateKey) -> bytes:
    """The content key, unwrapped with the bidder's own key or the (reassembled) escrow key."""
    crypto = header.crypto
    if header.suite == suites.SM:
        if not isinstance(private_key, suites.SM2PrivateKey):
            raise UnsupportedKey("此信封使用 sm 密码套件，解密私钥必须是 SM2 密钥")
    else:
        _check_p256(private_key, "解密私钥")
    recipient = header.recipient(key_id(private_key.public_key()))
    if recipient is None:
        raise WrongRecipient("此私钥不是该信封的接收方（不是本投标人的加密密钥，也不是本标段的备用解密密钥）")
    try:
        content_key = crypto.unwrap_key(
            private_key,
            suites.WrappedKey(recipient.ephemeral, recipient.wrapped_key),
            salt=header.core_hash,
            label=WRAP_LABEL + recipient.role.encode("ascii") + b"\x00",
        )
    except suites.DecryptionFailed:
        raise TamperedEnvelope("内容密钥封装认证失败（信封头被修改或封装损坏）") from None
    if key_check(content_key, header.suite) != header.key_check:
        raise WrongContentKey("解出的内容密钥与信封的密钥承诺不符（封装时出错）")
    return content_key
