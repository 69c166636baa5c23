"""Crypto suites: ``intl`` and ``sm`` behind one interface (see docs/formats/crypto-suites.md).

=========  ============================  ==========================================================
purpose    ``intl``                      ``sm`` (China's commercial cryptography, for 密评)
=========  ============================  ==========================================================
hash       SHA-256                       SM3 (GB/T 32905), from ``cryptography``
MAC        HMAC-SHA256                   HMAC-SM3
signature  ECDSA P-256 / SHA-256, DER    SM2 (GB/T 32918.2) with Z_A over the signer id
                                         ``1234567812345678`` (GB/T 35276 / GM/T 0009 default), DER
key wrap   ECDH P-256 → HKDF-SHA256 →    SM2 public-key encryption (GB/T 32918.4, C1‖C3‖C2) of
           AES-256-GCM                   ``key ‖ SM3(label ‖ salt ‖ point(R))``
AEAD       AES-256-GCM (32-byte key)     SM4-GCM (GB/T 32907 + RFC 8998; 16-byte key), from
                                         ``cryptography``
keys       PKCS#8 / SPKI, curve          PKCS#8 / SPKI with id-ecPublicKey + sm2p256v1
           secp256r1                     (1.2.156.10197.1.301) — what ``openssl genpkey
                                         -algorithm SM2`` writes
=========  ============================  ==========================================================

SM2 signing, verification, encryption, decryption and key generation run in GmSSL 3.2 through the
C extension ``gmssl_pyx``. ``cryptography`` has no SM2, so this module carries the small pieces
GmSSL does not expose: DER/PEM encoding of SM2 keys, and a pure-Python point multiplication used
only to derive a public key from a scalar (a PKCS#8 file without public key, k-of-n escrow
recovery) and to reproduce the test vectors with a fixed nonce ``k`` (:meth:`SMSuite.sign_with_k`,
:meth:`SMSuite.encrypt_with_k`). Python integers are not constant-time, so production signing and
encryption never take that path.

Everything here is pure: no Django, no other ggzy module.
"""

from __future__ import annotations

import abc
import base64
import binascii
import hashlib
import hmac as std_hmac
import os
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.padding import PKCS7

INTL = "intl"
SM = "sm"

# GM/T 0009-2012 §10 / GB/T 35276-2017: the signer id used when the parties agreed on none.
DEFAULT_SIGNER_ID = b"1234567812345678"

TAG_SIZE = 16

# The SM2 recommended curve (GB/T 32918.5-2017).
SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
SM2_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

# DER of the object identifiers we write and accept.
OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
OID_SM2_CURVE = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301
OID_PBES2 = bytes.fromhex("06092a864886f70d01050d")  # 1.2.840.113549.1.5.13
OID_PBKDF2 = bytes.fromhex("06092a864886f70d01050c")  # 1.2.840.113549.1.5.12
OID_HMAC_SHA256 = bytes.fromhex("06082a864886f70d0209")  # 1.2.840.113549.2.9
OID_SM4_CBC = bytes.fromhex("06082a811ccf55016802")  # 1.2.156.10197.1.104.2
OID_AES256_CBC = bytes.fromhex("060960864801650304012a")  # 2.16.840.1.101.3.4.1.42
DER_NULL = b"\x05\x00"
PBKDF2_ITERATIONS = 200_000


class SuiteError(Exception):
    """Base of the suite failures; ``message`` is Chinese and may be shown to users."""

    code = "suite"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownSuite(SuiteError):
    code = "unknown_suite"


class InvalidKey(SuiteError):
    """Bytes that are not a key of this suite (wrong curve, not on the curve, bad encoding)."""

    code = "invalid_key"


class KeyPasswordError(InvalidKey):
    """An encrypted private key without password, or with the wrong one."""

    code = "key_password"


class DecryptionFailed(SuiteError):
    """An AEAD tag, an SM2 ciphertext check or a key-wrap binding did not verify."""

    code = "decryption_failed"


# ----------------------------------------------------------------------------- hashing


class Hasher(Protocol):
    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


class _SM3Hasher:
    """hashlib-style incremental SM3 on top of ``cryptography`` (digest() may be called twice)."""

    def __init__(self, data: bytes = b"") -> None:
        self._ctx = hashes.Hash(hashes.SM3())
        if data:
            self._ctx.update(data)

    def update(self, data: bytes | bytearray | memoryview, /) -> None:
        self._ctx.update(bytes(data) if isinstance(data, memoryview) and not data.contiguous else data)

    def digest(self) -> bytes:
        return self._ctx.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def sm3_kdf(z: bytes, length: int) -> bytes:
    """The key derivation function of GB/T 32918.4 §5.4.3: SM3(Z ‖ ct) for ct = 1, 2, …"""
    out = bytearray()
    counter = 1
    while len(out) < length:
        out += sm3(z + counter.to_bytes(4, "big"))
        counter += 1
    return bytes(out[:length])


# ----------------------------------------------------------------------------- SM4-GCM


def sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes) -> bytes:
    """SM4-GCM (RFC 8998): ciphertext ‖ 16-byte tag. ``cryptography`` runs GCM over SM4 in OpenSSL."""
    if len(key) != 16:
        raise InvalidKey("SM4 密钥应为 16 字节")
    if len(nonce) != 12:
        raise SuiteError("SM4-GCM 的 nonce 应为 12 字节")
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def sm4_gcm_decrypt_into(
    key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes, out: bytearray | memoryview
) -> int:
    """Decrypt ``data`` (ciphertext ‖ tag) into ``out``; raises :class:`DecryptionFailed` before the
    caller may use ``out`` when the tag does not verify. Returns the plaintext length."""
    if len(key) != 16:
        raise InvalidKey("SM4 密钥应为 16 字节")
    if len(data) < TAG_SIZE or len(nonce) != 12:
        raise DecryptionFailed("SM4-GCM 密文过短")
    size = len(data) - TAG_SIZE
    view = memoryview(data)
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, bytes(view[size:]))).decryptor()
    dec.authenticate_additional_data(aad)
    target = memoryview(out)[:size]
    # update_into needs room for one extra block in some OpenSSL versions: decrypt via update().
    target[:] = dec.update(view[:size])
    try:
        dec.finalize()
    except InvalidTag:
        target[:] = bytes(size)
        raise DecryptionFailed("SM4-GCM 认证失败") from None
    return size


def sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    out = bytearray(max(0, len(data) - TAG_SIZE))
    sm4_gcm_decrypt_into(key, nonce, data, aad, out)
    return bytes(out)


# ----------------------------------------------------------------------------- minimal DER


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_len(len(content)) + content


def der_int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")  # leading 0x00 when the top bit is set
    if len(raw) > 1 and raw[0] == 0 and raw[1] < 0x80:
        raw = raw[1:]
    return der(0x02, raw)


def _der_read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """One TLV at ``pos``: (tag, content, next position). Definite, minimal lengths only."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        if length < 0x80 or data[pos] == 0:
            raise ValueError("non-minimal DER length")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos : pos + length], pos + length


def der_items(content: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(content):
        tag, value, pos = _der_read(content, pos)
        items.append((tag, value))
    return items


def der_single(data: bytes, tag: int) -> bytes:
    got, content, end = _der_read(data)
    if got != tag or end != len(data):
        raise ValueError("unexpected DER")
    return content


def _der_uint(content: bytes) -> int:
    if not content or content[0] & 0x80 or (len(content) > 1 and content[0] == 0 and content[1] < 0x80):
        raise ValueError("bad DER INTEGER")
    return int.from_bytes(content, "big")


def der_signature(r: int, s: int) -> bytes:
    return der(0x30, der_int(r) + der_int(s))


def parse_der_signature(sig: bytes) -> tuple[int, int]:
    items = der_items(der_single(sig, 0x30))
    if len(items) != 2 or items[0][0] != 0x02 or items[1][0] != 0x02:
        raise ValueError("bad signature")
    return _der_uint(items[0][1]), _der_uint(items[1][1])


def pem_encode(label: str, data: bytes) -> bytes:
    body = base64.b64encode(data).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n").encode("ascii")


PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----")


def pem_decode(data: bytes) -> tuple[str, bytes]:
    m = PEM_BLOCK.search(data)
    if m is None:
        raise ValueError("no PEM block")
    try:
        raw = base64.b64decode(b"".join(m.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("bad PEM base64") from None
    return m.group(1).decode("ascii"), raw


# ----------------------------------------------------------------------------- SM2 arithmetic


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < SM2_P and 0 <= y < SM2_P and (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P == 0


def _jac_double(pt: tuple[int, int, int]) -> tuple[int, int, int]:
    x, y, z = pt
    if y == 0 or z == 0:
        return (1, 1, 0)
    p = SM2_P
    ysq = y * y % p
    s = 4 * x * ysq % p
    zz = z * z % p
    m = (3 * (x - zz) * (x + zz)) % p  # a = -3
    nx = (m * m - 2 * s) % p
    ny = (m * (s - nx) - 8 * ysq * ysq) % p
    nz = 2 * y * z % p
    return (nx, ny, nz)


def _jac_add(p1: tuple[int, int, int], p2: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    p = SM2_P
    z1z1, z2z2 = z1 * z1 % p, z2 * z2 % p
    u1, u2 = x1 * z2z2 % p, x2 * z1z1 % p
    s1, s2 = y1 * z2 * z2z2 % p, y2 * z1 * z1z1 % p
    if u1 == u2:
        return _jac_double(p1) if s1 == s2 else (1, 1, 0)
    h, r = (u2 - u1) % p, (s2 - s1) % p
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    nx = (r * r - hhh - 2 * v) % p
    ny = (r * (v - nx) - s1 * hhh) % p
    nz = h * z1 * z2 % p
    return (nx, ny, nz)


def sm2_point_mul(k: int, x: int, y: int) -> tuple[int, int]:
    """k·(x, y) on the SM2 curve (Montgomery ladder; pure Python, see the module docstring)."""
    if not 0 < k < SM2_N:
        raise InvalidKey("SM2 标量超出范围")
    r0, r1 = (1, 1, 0), (x, y, 1)
    for bit in bin(k)[2:]:
        if bit == "1":
            r0, r1 = _jac_add(r0, r1), _jac_double(r1)
        else:
            r1, r0 = _jac_add(r0, r1), _jac_double(r0)
    xx, yy, zz = r0
    if zz == 0:
        raise InvalidKey("SM2 点乘结果为无穷远点")
    zi = pow(zz, -1, SM2_P)
    zi2 = zi * zi % SM2_P
    return xx * zi2 % SM2_P, yy * zi2 * zi % SM2_P


# ----------------------------------------------------------------------------- SM2 keys


@dataclass(frozen=True)
class SM2PublicKey:
    """A point of the SM2 curve, validated on construction."""

    x: int
    y: int

    def __post_init__(self) -> None:
        if not _on_curve(self.x, self.y):
            raise InvalidKey("SM2 公钥不是曲线上的有效点")

    @classmethod
    def from_point(cls, raw: bytes) -> SM2PublicKey:
        """From the 65-byte uncompressed point 04 ‖ X ‖ Y (or the 64 bytes X ‖ Y GmSSL uses)."""
        if len(raw) == 65 and raw[0] == 4:
            raw = raw[1:]
        if len(raw) != 64:
            raise InvalidKey("SM2 公钥应为 65 字节的非压缩点")
        return cls(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))

    @property
    def xy(self) -> bytes:
        return self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")

    def point(self) -> bytes:
        return b"\x04" + self.xy

    def spki_der(self) -> bytes:
        return der(0x30, der(0x30, OID_EC_PUBLIC_KEY + OID_SM2_CURVE) + der(0x03, b"\x00" + self.point()))


@dataclass(frozen=True)
class SM2PrivateKey:
    """An SM2 private scalar with its public key (never printed)."""

    d: int = field(repr=False)
    public: SM2PublicKey

    def __post_init__(self) -> None:
        # GB/T 32918.1 §6.1: d ∈ [1, n−2] (d = n−1 would make (1+d)⁻¹ undefined in signing).
        if not 0 < self.d < SM2_N - 1:
            raise InvalidKey("SM2 私钥超出范围")

    @classmethod
    def from_scalar(cls, d: int) -> SM2PrivateKey:
        if not 0 < d < SM2_N - 1:
            raise InvalidKey("SM2 私钥超出范围")
        return cls(d, SM2PublicKey(*sm2_point_mul(d, SM2_GX, SM2_GY)))

    def public_key(self) -> SM2PublicKey:
        return self.public

    @property
    def d_bytes(self) -> bytes:
        return self.d.to_bytes(32, "big")


PrivateKey = ec.EllipticCurvePrivateKey | SM2PrivateKey
PublicKey = ec.EllipticCurvePublicKey | SM2PublicKey


@dataclass(frozen=True)
class WrappedKey:
    """A key wrapped to one recipient: ``ephemeral`` (65-byte point) and ``wrapped`` bytes."""

    ephemeral: bytes
    wrapped: bytes


# ----------------------------------------------------------------------------- the interface


class Suite(abc.ABC):
    """One crypto suite. Keys are the suite's key objects; bytes in, bytes out."""

    name: str
    hash_name: str
    aead_name: str
    signature_name: str
    aead_key_size: int
    digest_size = 32
    order: int

    # --- hash / MAC
    @abc.abstractmethod
    def hasher(self, data: bytes = b"") -> Hasher: ...

    def hash(self, data: bytes) -> bytes:
        return self.hasher(data).digest()

    @abc.abstractmethod
    def hmac(self, key: bytes, data: bytes) -> bytes: ...

    # --- keys
    @abc.abstractmethod
    def generate_private_key(self) -> Any: ...

    @abc.abstractmethod
    def private_key_from_scalar(self, d: int) -> Any: ...

    @abc.abstractmethod
    def private_scalar(self, key: Any) -> int: ...

    @abc.abstractmethod
    def is_private_key(self, key: object) -> bool: ...

    @abc.abstractmethod
    def is_public_key(self, key: object) -> bool: ...

    @abc.abstractmethod
    def public_der(self, key: Any) -> bytes:
        """DER SubjectPublicKeyInfo."""

    @abc.abstractmethod
    def point_bytes(self, key: Any) -> bytes:
        """The 65-byte uncompressed point 04 ‖ X ‖ Y."""

    @abc.abstractmethod
    def public_key_from_point(self, raw: bytes) -> Any: ...

    @abc.abstractmethod
    def private_pem(self, key: Any, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM (PBES2-encrypted with ``password`` if given)."""

    @abc.abstractmethod
    def load_private_key(self, data: bytes, password: bytes | None = None) -> Any:
        """PEM or DER: PKCS#8 (plain or encrypted) or SEC1. Raises :class:`InvalidKey`."""

    def public_pem(self, key: Any) -> bytes:
        return pem_encode("PUBLIC KEY", self.public_der(key))

    def public_key(self, key: Any) -> Any:
        return key.public_key()

    def load_public_key(self, data: bytes) -> Any:
        """A public key from PEM or DER SubjectPublicKeyInfo of this suite."""
        suite, key = load_any_public_key(data)
        if suite is not self:
            raise InvalidKey(f"公钥不属于密码套件 {self.name}")
        return key

    def key_id(self, key: Any) -> str:
        """hex(H(SubjectPublicKeyInfo DER)) with the suite's hash (64 hex digits)."""
        return self.hash(self.public_der(key)).hex()

    # --- signatures
    @abc.abstractmethod
    def sign(self, key: Any, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
        """DER signature. ``signer_id`` is SM2's user id (in Z_A); ``intl`` accepts only the default."""

    @abc.abstractmethod
    def verify(
        self, key: Any, message: bytes, signature: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID
    ) -> bool: ...

    # --- key wrapping
    @abc.abstractmethod
    def wrap_key(
        self, recipient: Any, key: bytes, *, salt: bytes, label: bytes, ephemeral_scalar: int | None = None
    ) -> WrappedKey:
        """Wrap ``key`` to ``recipient``, bound to ``salt`` and ``label``. ``ephemeral_scalar`` is for
        test vectors only."""

    @abc.abstractmethod
    def unwrap_key(self, private_key: Any, wrapped: WrappedKey, *, salt: bytes, label: bytes) -> bytes:
        """Raises :class:`DecryptionFailed` when the wrap does not verify under ``salt``/``label``."""

    @abc.abstractmethod
    def wrapped_size(self, key_size: int) -> int: ...

    # --- AEAD
    @abc.abstractmethod
    def aead_encrypt(self, key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes) -> bytes: ...

    @abc.abstractmethod
    def aead_decrypt_into(
        self, key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes, out: bytearray | memoryview
    ) -> int: ...

    def aead_decrypt(self, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        out = bytearray(max(0, len(data) - TAG_SIZE))
        self.aead_decrypt_into(key, nonce, data, aad, out)
        return bytes(out)

    def generate_aead_key(self) -> bytes:
        return os.urandom(self.aead_key_size)

    def __repr__(self) -> str:
        return f"<Suite {self.name}>"


# ----------------------------------------------------------------------------- intl


class IntlSuite(Suite):
    """ECDSA/ECDH P-256, AES-256-GCM, SHA-256: what every browser's WebCrypto has."""

    name = INTL
    hash_name = "SHA-256"
    aead_name = "AES-256-GCM"
    signature_name = "ECDSA P-256 / SHA-256"
    aead_key_size = 32
    order = P256_N

    def hasher(self, data: bytes = b"") -> Hasher:
        return hashlib.sha256(data)

    def hmac(self, key: bytes, data: bytes) -> bytes:
        return std_hmac.new(key, data, hashlib.sha256).digest()

    def generate_private_key(self) -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())

    def private_key_from_scalar(self, d: int) -> ec.EllipticCurvePrivateKey:
        return ec.derive_private_key(d, ec.SECP256R1())

    def private_scalar(self, key: Any) -> int:
        return int(key.private_numbers().private_value)

    def is_private_key(self, key: object) -> bool:
        return isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)

    def is_public_key(self, key: object) -> bool:
        return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)

    def public_der(self, key: Any) -> bytes:
        return bytes(
            key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )

    def point_bytes(self, key: Any) -> bytes:
        return bytes(
            key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )

    def public_key_from_point(self, raw: bytes) -> ec.EllipticCurvePublicKey:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise InvalidKey("不是 P-256 曲线上的有效点") from None

    def private_pem(self, key: Any, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        )

    def load_private_key(self, data: bytes, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
        try:
            if data.lstrip().startswith(b"-----"):
                key = serialization.load_pem_private_key(data, password=password)
            else:
                key = serialization.load_der_private_key(data, password=password)
        except TypeError:
            raise KeyPasswordError("私钥文件有密码保护，请提供密码") from None
        except (ValueError, UnsupportedAlgorithm):
            raise InvalidKey("无法读取私钥（密码错误或不是 PKCS#8/SEC1 格式的 P-256 私钥）") from None
        if not self.is_private_key(key):
            raise InvalidKey("私钥必须是 P-256 椭圆曲线密钥")
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def sign(self, key: Any, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
        if signer_id != DEFAULT_SIGNER_ID:
            raise SuiteError("ECDSA 签名没有签名者标识参数")
        return bytes(key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True)))

    def verify(
        self, key: Any, message: bytes, signature: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID
    ) -> bool:
        if signer_id != DEFAULT_SIGNER_ID:
            return False
        try:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True

    def _kwk(self, shared: bytes, *, salt: bytes, label: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
        info = label + ephemeral + recipient
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(shared)

    def wrap_key(
        self, recipient: Any, key: bytes, *, salt: bytes, label: bytes, ephemeral_scalar: int | None = None
    ) -> WrappedKey:
        eph = (
            ec.generate_private_key(ec.SECP256R1())
            if ephemeral_scalar is None
            else ec.derive_private_key(ephemeral_scalar, ec.SECP256R1())
        )
        point = self.point_bytes(eph.public_key())
        kwk = self._kwk(
            eph.exchange(ec.ECDH(), recipient),
            salt=salt,
            label=label,
            ephemeral=point,
            recipient=self.point_bytes(recipient),
        )
        return WrappedKey(point, AESGCM(kwk).encrypt(bytes(12), key, salt))

    def unwrap_key(self, private_key: Any, wrapped: WrappedKey, *, salt: bytes, label: bytes) -> bytes:
        eph = self.public_key_from_point(wrapped.ephemeral)
        kwk = self._kwk(
            private_key.exchange(ec.ECDH(), eph),
            salt=salt,
            label=label,
            ephemeral=wrapped.ephemeral,
            recipient=self.point_bytes(private_key.public_key()),
        )
        try:
            return AESGCM(kwk).decrypt(bytes(12), wrapped.wrapped, salt)
        except InvalidTag:
            raise DecryptionFailed("密钥封装认证失败") from None

    def wrapped_size(self, key_size: int) -> int:
        return key_size + TAG_SIZE

    def aead_encrypt(self, key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes) -> bytes:
        return AESGCM(key).encrypt(nonce, bytes(data), aad)

    def aead_decrypt_into(
        self, key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes, out: bytearray | memoryview
    ) -> int:
        size = len(data) - TAG_SIZE
        try:
            AESGCM(key).decrypt_into(nonce, data, aad, memoryview(out)[:size])
        except InvalidTag:
            raise DecryptionFailed("AES-GCM 认证失败") from None
        return size


# ----------------------------------------------------------------------------- sm


def _gm() -> ModuleType:
    """GmSSL, imported on first SM2 use so that ``intl`` works on an installation without it."""
    try:
        import gmssl_pyx
    except ImportError:  # pragma: no cover - the package is a pinned dependency
        raise SuiteError("未安装 gmssl-pyx（GmSSL），无法使用 sm 密码套件的 SM2 运算") from None
    return gmssl_pyx


def sm_available() -> bool:
    """Whether SM2 can run here (GmSSL importable); SM3/SM4 need only ``cryptography``."""
    try:
        _gm()
    except SuiteError:  # pragma: no cover - the package is a pinned dependency
        return False
    return True


def _gmssl_call(name: str, *args: Any) -> Any:
    gm = _gm()
    try:
        return getattr(gm, name)(*args)
    except gm.GmsslInnerError as exc:
        raise SuiteError(f"GmSSL 运算失败：{exc}") from None


class SMSuite(Suite):
    """SM2 / SM3 / SM4-GCM (GB/T 32918, GB/T 32905, GB/T 32907, RFC 8998)."""

    name = SM
    hash_name = "SM3"
    aead_name = "SM4-GCM"
    signature_name = "SM2 / SM3 (Z_A, signer id 1234567812345678)"
    aead_key_size = 16
    order = SM2_N

    def hasher(self, data: bytes = b"") -> Hasher:
        return _SM3Hasher(data)

    def hash(self, data: bytes) -> bytes:
        return sm3(data)

    def hmac(self, key: bytes, data: bytes) -> bytes:
        return hmac_sm3(key, data)

    # --- keys
    def generate_private_key(self) -> SM2PrivateKey:
        public, private = _gmssl_call("sm2_key_generate")
        return SM2PrivateKey(int.from_bytes(private, "big"), SM2PublicKey.from_point(public))

    def private_key_from_scalar(self, d: int) -> SM2PrivateKey:
        return SM2PrivateKey.from_scalar(d)

    def private_scalar(self, key: Any) -> int:
        return int(key.d)

    def is_private_key(self, key: object) -> bool:
        return isinstance(key, SM2PrivateKey)

    def is_public_key(self, key: object) -> bool:
        return isinstance(key, SM2PublicKey)

    def public_der(self, key: Any) -> bytes:
        return bytes(key.spki_der())

    def point_bytes(self, key: Any) -> bytes:
        return bytes(key.point())

    def public_key_from_point(self, raw: bytes) -> SM2PublicKey:
        return SM2PublicKey.from_point(raw)

    def _pkcs8_der(self, key: SM2PrivateKey) -> bytes:
        ec_private = der(
            0x30,
            der_int(1) + der(0x04, key.d_bytes) + der(0xA1, der(0x03, b"\x00" + key.public.point())),
        )
        return der(0x30, der_int(0) + der(0x30, OID_EC_PUBLIC_KEY + OID_SM2_CURVE) + der(0x04, ec_private))

    def private_pem(self, key: Any, password: bytes | None = None) -> bytes:
        plain = self._pkcs8_der(key)
        if not password:
            return pem_encode("PRIVATE KEY", plain)
        return pem_encode("ENCRYPTED PRIVATE KEY", _pbes2_encrypt(plain, password))

    def load_private_key(self, data: bytes, password: bytes | None = None) -> SM2PrivateKey:
        try:
            if data.lstrip().startswith(b"-----"):
                label, raw = pem_decode(data)
            else:
                label, raw = "", data
            if label == "ENCRYPTED PRIVATE KEY" or (not label and _looks_encrypted(raw)):
                if not password:
                    raise KeyPasswordError("私钥文件有密码保护，请提供密码")
                raw = _pbes2_decrypt(raw, password)
                label = "PRIVATE KEY"
            if label == "EC PRIVATE KEY":
                return _parse_sec1(raw, require_params=True)
            return _parse_pkcs8(raw)
        except SuiteError:
            raise
        except (ValueError, IndexError):
            raise InvalidKey("无法读取私钥（不是 PKCS#8/SEC1 格式的 SM2 私钥）") from None

    # --- signatures
    def sign(self, key: Any, message: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
        # e = SM3(Z_A ‖ M) here, the signature over e in GmSSL: ``sm2_sign`` of gmssl_pyx computes the
        # same e but re-derives the key on every call (10× slower). Verification stays GmSSL's own
        # (``sm2_verify`` computes Z_A itself), so every signature cross-checks this Z_A code.
        digest = sm3(self.za(key.public, signer_id) + message)
        return bytes(_gmssl_call("sm2_sign_sm3_digest", key.d_bytes, digest))

    def verify(
        self, key: Any, message: bytes, signature: bytes, *, signer_id: bytes = DEFAULT_SIGNER_ID
    ) -> bool:
        try:
            r, s = parse_der_signature(signature)
        except ValueError:
            return False
        if not (0 < r < SM2_N and 0 < s < SM2_N):
            return False
        gm = _gm()
        try:
            return bool(gm.sm2_verify(key.xy, message, signature, signer_id))
        except gm.GmsslInnerError:
            return False

    def za(self, public: SM2PublicKey, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
        """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5)."""
        if len(signer_id) >= 1 << 13:
            raise SuiteError("签名者标识过长")
        parts = [SM2_A, SM2_B, SM2_GX, SM2_GY, public.x, public.y]
        return sm3(
            (len(signer_id) * 8).to_bytes(2, "big")
            + signer_id
            + b"".join(v.to_bytes(32, "big") for v in parts)
        )

    def sign_with_k(
        self, key: SM2PrivateKey, message: bytes, k: int, *, signer_id: bytes = DEFAULT_SIGNER_ID
    ) -> bytes:
        """SM2 signature with a given nonce ``k`` — test vectors only (pure Python, not constant-time)."""
        e = int.from_bytes(sm3(self.za(key.public, signer_id) + message), "big")
        x1, _ = sm2_point_mul(k, SM2_GX, SM2_GY)
        r = (e + x1) % SM2_N
        if r == 0 or r + k == SM2_N:
            raise SuiteError("该 k 不能用于签名")
        s = pow(1 + key.d, -1, SM2_N) * (k - r * key.d) % SM2_N
        if s == 0:
            raise SuiteError("该 k 不能用于签名")
        return der_signature(r, s)

    # --- SM2 public-key encryption (GB/T 32918.4), raw C1 ‖ C3 ‖ C2
    def encrypt(self, recipient: SM2PublicKey, plaintext: bytes) -> tuple[bytes, bytes]:
        """(C1 as a 65-byte point, C3 ‖ C2), with GmSSL's random k."""
        if not 1 <= len(plaintext) <= 255:
            raise SuiteError("SM2 加密的明文应为 1–255 字节")
        items = der_items(der_single(_gmssl_call("sm2_encrypt", recipient.xy, plaintext), 0x30))
        x, y = _der_uint(items[0][1]), _der_uint(items[1][1])
        c1 = SM2PublicKey(x, y).point()
        return c1, items[2][1] + items[3][1]

    def encrypt_with_k(self, recipient: SM2PublicKey, plaintext: bytes, k: int) -> tuple[bytes, bytes]:
        """SM2 encryption with a given ``k`` — test vectors only (pure Python, not constant-time)."""
        c1 = SM2PublicKey(*sm2_point_mul(k, SM2_GX, SM2_GY)).point()
        x2, y2 = sm2_point_mul(k, recipient.x, recipient.y)
        xb, yb = x2.to_bytes(32, "big"), y2.to_bytes(32, "big")
        t = sm3_kdf(xb + yb, len(plaintext))
        if not any(t):
            raise SuiteError("该 k 不能用于加密")
        c2 = bytes(a ^ b for a, b in zip(plaintext, t, strict=True))
        return c1, sm3(xb + plaintext + yb) + c2

    def decrypt(self, private_key: SM2PrivateKey, c1: bytes, c3c2: bytes) -> bytes:
        point = SM2PublicKey.from_point(c1)
        if len(c3c2) <= 32:
            raise DecryptionFailed("SM2 密文过短")
        ciphertext = der(
            0x30, der_int(point.x) + der_int(point.y) + der(0x04, c3c2[:32]) + der(0x04, c3c2[32:])
        )
        gm = _gm()
        try:
            return bytes(gm.sm2_decrypt(private_key.d_bytes, ciphertext))
        except gm.GmsslInnerError:
            raise DecryptionFailed("SM2 解密失败（密文被修改或不是发给此私钥的）") from None

    # --- key wrapping
    def _binding(self, *, salt: bytes, label: bytes, recipient: SM2PublicKey) -> bytes:
        return sm3(label + salt + recipient.point())

    def wrap_key(
        self, recipient: Any, key: bytes, *, salt: bytes, label: bytes, ephemeral_scalar: int | None = None
    ) -> WrappedKey:
        plaintext = key + self._binding(salt=salt, label=label, recipient=recipient)
        if ephemeral_scalar is None:
            c1, c3c2 = self.encrypt(recipient, plaintext)
        else:
            c1, c3c2 = self.encrypt_with_k(recipient, plaintext, ephemeral_scalar)
        return WrappedKey(c1, c3c2)

    def unwrap_key(self, private_key: Any, wrapped: WrappedKey, *, salt: bytes, label: bytes) -> bytes:
        plaintext = self.decrypt(private_key, wrapped.ephemeral, wrapped.wrapped)
        binding = self._binding(salt=salt, label=label, recipient=private_key.public)
        if len(plaintext) <= 32 or not std_hmac.compare_digest(plaintext[-32:], binding):
            raise DecryptionFailed("密钥封装与信封头不符（被复制到其他信封或信封头被修改）")
        return plaintext[:-32]

    def wrapped_size(self, key_size: int) -> int:
        return 32 + key_size + 32  # C3 ‖ C2, C2 = key ‖ binding

    # --- AEAD
    def aead_encrypt(self, key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes) -> bytes:
        return sm4_gcm_encrypt(key, nonce, data, aad)

    def aead_decrypt_into(
        self, key: bytes, nonce: bytes, data: bytes | memoryview, aad: bytes, out: bytearray | memoryview
    ) -> int:
        return sm4_gcm_decrypt_into(key, nonce, data, aad, out)


# ----------------------------------------------------------------------------- SM2 key parsing


def _check_sm2_algorithm(content: bytes) -> None:
    items = der_items(content)
    if (
        len(items) != 2
        or bytes([items[0][0]]) + _der_len(len(items[0][1])) + items[0][1] != OID_EC_PUBLIC_KEY
    ):
        raise ValueError("not an EC key")
    if bytes([items[1][0]]) + _der_len(len(items[1][1])) + items[1][1] != OID_SM2_CURVE:
        raise InvalidKey("不是 SM2 曲线的密钥")


def _parse_sec1(raw: bytes, *, require_params: bool) -> SM2PrivateKey:
    items = der_items(der_single(raw, 0x30))
    if len(items) < 2 or items[0] != (0x02, b"\x01") or items[1][0] != 0x04 or len(items[1][1]) != 32:
        raise ValueError("bad ECPrivateKey")
    d = int.from_bytes(items[1][1], "big")
    params_seen = False
    public = None
    for tag, value in items[2:]:
        if tag == 0xA0:
            if value != OID_SM2_CURVE:
                raise InvalidKey("不是 SM2 曲线的密钥")
            params_seen = True
        elif tag == 0xA1:
            bits = der_single(value, 0x03)
            if not bits or bits[0] != 0:
                raise ValueError("bad public key bits")
            public = SM2PublicKey.from_point(bits[1:])
    if require_params and not params_seen:
        raise InvalidKey("EC 私钥未标明 SM2 曲线")
    key = SM2PrivateKey.from_scalar(d)
    if public is not None and public != key.public:
        raise InvalidKey("私钥文件中的公钥与私钥不匹配")
    return key


def _parse_pkcs8(raw: bytes) -> SM2PrivateKey:
    items = der_items(der_single(raw, 0x30))
    if len(items) < 3 or items[0] != (0x02, b"\x00") or items[1][0] != 0x30 or items[2][0] != 0x04:
        raise ValueError("bad PKCS#8")
    _check_sm2_algorithm(items[1][1])
    return _parse_sec1(items[2][1], require_params=False)


def _looks_encrypted(raw: bytes) -> bool:
    try:
        items = der_items(der_single(raw, 0x30))
        return len(items) == 2 and items[0][0] == 0x30 and items[0][1].startswith(OID_PBES2)
    except ValueError:
        return False


def _pbkdf2(password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=length, salt=salt, iterations=iterations).derive(
        password
    )


def _pbes2_encrypt(plain: bytes, password: bytes) -> bytes:
    """EncryptedPrivateKeyInfo: PBES2, PBKDF2-HMAC-SHA256 (200 000 rounds), SM4-CBC — readable by
    ``openssl pkey`` (OpenSSL has no hmacWithSM3 PRF identifier)."""
    salt, iv = os.urandom(16), os.urandom(16)
    key = _pbkdf2(password, salt, PBKDF2_ITERATIONS, 16)
    padder = PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    body = enc.update(padded) + enc.finalize()
    kdf = der(
        0x30,
        OID_PBKDF2
        + der(0x30, der(0x04, salt) + der_int(PBKDF2_ITERATIONS) + der(0x30, OID_HMAC_SHA256 + DER_NULL)),
    )
    scheme = der(0x30, OID_SM4_CBC + der(0x04, iv))
    return der(0x30, der(0x30, OID_PBES2 + der(0x30, kdf + scheme)) + der(0x04, body))


def _pbes2_decrypt(raw: bytes, password: bytes) -> bytes:
    items = der_items(der_single(raw, 0x30))
    if len(items) != 2 or items[0][0] != 0x30 or items[1][0] != 0x04:
        raise ValueError("bad EncryptedPrivateKeyInfo")
    alg = items[0][1]
    if not alg.startswith(OID_PBES2):
        raise InvalidKey("不支持的私钥加密方式（应为 PBES2）")
    params = der_items(der_single(alg[len(OID_PBES2) :], 0x30))
    kdf, scheme = params[0][1], params[1][1]
    if not kdf.startswith(OID_PBKDF2):
        raise InvalidKey("不支持的口令派生算法（应为 PBKDF2）")
    kdf_items = der_items(der_single(kdf[len(OID_PBKDF2) :], 0x30))
    salt, iterations = kdf_items[0][1], _der_uint(kdf_items[1][1])
    rest = kdf_items[2:]
    if rest and rest[0][0] == 0x02:  # optional keyLength
        rest = rest[1:]
    if not rest or rest[0] not in ((0x30, OID_HMAC_SHA256 + DER_NULL), (0x30, OID_HMAC_SHA256)):
        raise InvalidKey("不支持的口令派生伪随机函数（应为 hmacWithSHA256）")
    if not 1 <= iterations <= 10_000_000:
        raise InvalidKey("口令派生迭代次数超出范围")
    cipher: algorithms.SM4 | algorithms.AES
    if scheme.startswith(OID_SM4_CBC):
        iv = der_single(scheme[len(OID_SM4_CBC) :], 0x04)
        cipher = algorithms.SM4(_pbkdf2(password, salt, iterations, 16))
    elif scheme.startswith(OID_AES256_CBC):
        iv = der_single(scheme[len(OID_AES256_CBC) :], 0x04)
        cipher = algorithms.AES(_pbkdf2(password, salt, iterations, 32))
    else:
        raise InvalidKey("不支持的私钥加密算法（应为 SM4-CBC 或 AES-256-CBC）")
    if len(iv) != 16:
        raise ValueError("bad IV")
    dec = Cipher(cipher, modes.CBC(iv)).decryptor()
    try:
        padded = dec.update(items[1][1]) + dec.finalize()
        unpadder = PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        der_single(plain, 0x30)
    except ValueError:
        raise KeyPasswordError("私钥密码错误") from None
    return plain


# ----------------------------------------------------------------------------- registry


INTL_SUITE = IntlSuite()
SM_SUITE = SMSuite()
SUITES: dict[str, Suite] = {INTL: INTL_SUITE, SM: SM_SUITE}
# Short aliases for callers: ``suites.INTL_SUITE`` is the object, ``suites.INTL`` its name.


def suite_by_name(name: str) -> Suite:
    try:
        return SUITES[name]
    except (KeyError, TypeError):
        raise UnknownSuite(f"不支持的密码套件 {str(name)[:40]!r}（支持 intl、sm）") from None


def suite_of_key(key: object) -> Suite:
    """The suite a key object belongs to (P-256 → intl, SM2 → sm)."""
    for suite in SUITES.values():
        if suite.is_private_key(key) or suite.is_public_key(key):
            return suite
    raise InvalidKey("不支持的密钥类型（应为 P-256 或 SM2 椭圆曲线密钥）")


def load_any_public_key(data: bytes) -> tuple[Suite, Any]:
    """A P-256 or SM2 public key from PEM or DER SubjectPublicKeyInfo, with its suite."""
    try:
        raw = pem_decode(data)[1] if data.lstrip().startswith(b"-----") else data
        items = der_items(der_single(raw, 0x30))
        if len(items) != 2 or items[0][0] != 0x30 or items[1][0] != 0x03:
            raise ValueError("bad SPKI")
        alg = items[0][1]
        if alg == OID_EC_PUBLIC_KEY + OID_SM2_CURVE:
            bits = items[1][1]
            if not bits or bits[0] != 0:
                raise ValueError("bad bits")
            return SM_SUITE, SM2PublicKey.from_point(bits[1:])
        key = serialization.load_der_public_key(raw)
    except SuiteError:
        raise
    except Exception:  # noqa: BLE001 - cryptography raises several types for foreign keys
        raise InvalidKey("无法读取公钥（应为 P-256 或 SM2 的 PEM/DER 公钥）") from None
    if not INTL_SUITE.is_public_key(key):
        raise InvalidKey("公钥必须是 P-256 或 SM2 椭圆曲线密钥")
    return INTL_SUITE, key


def load_any_private_key(data: bytes, password: bytes | None = None) -> tuple[Suite, Any]:
    """A P-256 or SM2 private key (PKCS#8 PEM/DER, encrypted or not, or SEC1) with its suite.

    An encrypted PKCS#8 file does not name its curve before decryption, so "needs a password" and
    "wrong password" come from the SM2 reader for either kind of key."""
    try:
        return SM_SUITE, SM_SUITE.load_private_key(data, password)
    except KeyPasswordError:
        raise
    except InvalidKey:
        pass
    return INTL_SUITE, INTL_SUITE.load_private_key(data, password)


# ----------------------------------------------------------------------------- field encryption


FIELD_PREFIXES = {INTL: "gf1", SM: "gs1"}


def field_key_id(key: bytes) -> str:
    """First 8 hex digits of SHA-256(key), as ``ggzy.core.fieldcrypt.key_id`` does."""
    return hashlib.sha256(key).hexdigest()[:8]


def field_encrypt(suite_name: str, key: bytes, plaintext: str, *, context: bytes) -> str:
    """A field token ``<prefix>.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`` — ``gf1`` =
    AES-256-GCM with a 32-byte key (today's ``FieldCipher`` format, byte for byte), ``gs1`` =
    SM4-GCM with a 16-byte key. ``context`` is the AEAD associated data (the field's name)."""
    suite = suite_by_name(suite_name)
    if len(key) != suite.aead_key_size:
        raise InvalidKey(f"{suite.aead_name} 的字段密钥应为 {suite.aead_key_size} 字节")
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = suite.aead_encrypt(key, nonce, plaintext.encode("utf-8"), context)
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{FIELD_PREFIXES[suite.name]}.{field_key_id(key)}.{body}"


def field_decrypt(keys: dict[str, bytes], token: str, *, context: bytes) -> str:
    """Decrypt a ``gf1``/``gs1`` token with the key whose id it names (``keys``: id → key)."""
    if token == "":
        return ""
    parts = token.split(".")
    suite_name = {v: k for k, v in FIELD_PREFIXES.items()}.get(parts[0]) if len(parts) == 3 else None
    if suite_name is None:
        raise SuiteError("不是字段密文")
    suite = suite_by_name(suite_name)
    key = keys.get(parts[1])
    if key is None or len(key) != suite.aead_key_size:
        raise SuiteError(f"没有编号为 {parts[1]} 的 {suite.aead_name} 字段密钥")
    try:
        raw = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, ValueError):
        raise SuiteError("字段密文不是有效的 base64") from None
    if len(raw) < 12 + TAG_SIZE:
        raise SuiteError("字段密文过短")
    return suite.aead_decrypt(key, raw[:12], raw[12:], context).decode("utf-8")


def blind_index(suite_name: str, value: str, *, key: bytes) -> str:
    """Keyed equality index: HMAC-SHA256 (intl, today's ``fieldcrypt.blind_index``) or HMAC-SM3."""
    return suite_by_name(suite_name).hmac(key, value.encode("utf-8")).hex()


def spki_from_certificate(data: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo inside an X.509 certificate (PEM or DER), without interpreting
    the key — ``cryptography`` cannot load SM2 public keys from certificates."""
    try:
        raw = pem_decode(data)[1] if data.lstrip().startswith(b"-----") else data
        cert = der_items(der_single(raw, 0x30))
        tbs = der_items(cert[0][1])
        if tbs and tbs[0][0] == 0xA0:  # [0] version
            tbs = tbs[1:]
        # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
        tag, value = tbs[5]
        if tag != 0x30:
            raise ValueError("bad SPKI")
        return der(tag, value)
    except (ValueError, IndexError):
        raise InvalidKey("无法读取证书中的公钥") from None


# ----------------------------------------------------------------------------- platform key (sm)


@dataclass(frozen=True)
class SMSigningKey:
    """The platform's SM2 key with the interface of :class:`ggzy.sealing.signing.SigningKey`
    (receipts, notice signatures): PEM in/out, a 16-hex key id, base64 DER signatures."""

    private_key: SM2PrivateKey
    suite = SM

    @classmethod
    def generate(cls) -> SMSigningKey:
        return cls(SM_SUITE.generate_private_key())

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> SMSigningKey:
        return cls(SM_SUITE.load_private_key(pem, password))

    def private_pem(self, password: bytes | None = None) -> bytes:
        return SM_SUITE.private_pem(self.private_key, password)

    def public_pem(self) -> bytes:
        return SM_SUITE.public_pem(self.private_key.public)

    @property
    def key_id(self) -> str:
        return SM_SUITE.key_id(self.private_key.public)[:16]

    def sign(self, message: bytes) -> str:
        return base64.b64encode(SM_SUITE.sign(self.private_key, message)).decode("ascii")


def public_key_id16(public_pem: bytes) -> tuple[Suite, str]:
    """(suite, first 16 hex digits of H(SPKI DER)) with the suite's hash — the platform key id."""
    suite, key = load_any_public_key(public_pem)
    return suite, suite.key_id(key)[:16]


def verify_b64(public_pem: bytes, message: bytes, signature_b64: str) -> bool:
    """Verify a base64 DER signature with a P-256 or SM2 public key (PEM); False on any failure."""
    try:
        suite, key = load_any_public_key(public_pem)
        signature = base64.b64decode(signature_b64, validate=True)
    except (SuiteError, binascii.Error, ValueError):
        return False
    return suite.verify(key, message, signature)
