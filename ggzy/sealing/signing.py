"""Detached ECDSA P-256 / SHA-256 signatures over bytes, with PEM keys. Suite ``intl``.

Signatures are DER-encoded (what ``openssl dgst -sha256 -verify`` accepts) and carried as base64.
:func:`load_or_create_for_suite` gives the platform key of either suite (``sm``: an SM2
:class:`ggzy.sealing.suites.SMSigningKey` with the same interface).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.sealing import suites


@dataclass(frozen=True)
class SigningKey:
    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("platform key must be an EC P-256 private key")
        return cls(key)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_id(self) -> str:
        return public_key_id(self.public_pem())

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message, ec.ECDSA(hashes.SHA256()))).decode("ascii")


def public_key_id(public_pem: bytes) -> str:
    """First 16 hex digits of SHA-256 over the DER SubjectPublicKeyInfo."""
    key = serialization.load_pem_public_key(public_pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def verify(public_pem: bytes, message: bytes, signature_b64: str) -> bool:
    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def load_or_create(path: Path) -> SigningKey:
    """The platform key at ``path``, created (mode 0600) on first use."""
    if path.exists():
        return SigningKey.from_pem(path.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(key.private_pem())
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


# --- the platform key of a crypto suite ----------------------------------------------------------

# What a platform signature of each suite is, as recorded next to it (audit checkpoints).
ALGORITHM_OF_SUITE = {suites.INTL: "ecdsa-p256-sha256", suites.SM: "sm2-sm3"}
SUITE_OF_ALGORITHM = {algorithm: suite for suite, algorithm in ALGORITHM_OF_SUITE.items()}


def suite_key_path(path: Path, suite: str) -> Path:
    """Where the platform key of ``suite`` lives: ``path`` itself for ``intl``, its sibling with
    ``-sm2`` before the suffix for ``sm`` (``platform-key.pem`` → ``platform-key-sm2.pem``). Two
    files, because the intl key keeps signing what has not moved to ``sm`` yet."""
    suites.suite_by_name(suite)
    if suite == suites.INTL:
        return path
    return path.with_name(f"{path.stem}-sm2{path.suffix}")


def load_or_create_for_suite(path: Path, suite: str) -> SigningKey | suites.SMSigningKey:
    """The platform key of ``suite`` (:func:`suite_key_path` of ``path``), created (mode 0600) on
    first use: ECDSA P-256 (:class:`SigningKey`) or SM2 (:class:`suites.SMSigningKey`) — the same
    interface (``sign``, ``key_id``, ``public_pem``)."""
    if suite == suites.INTL:
        return load_or_create(path)
    target = suite_key_path(path, suite)
    if target.exists():
        return suites.SMSigningKey.from_pem(target.read_bytes())
    target.parent.mkdir(parents=True, exist_ok=True)
    key = suites.SMSigningKey.generate()
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(key.private_pem())
    tmp.chmod(0o600)
    tmp.replace(target)
    return key
