"""Detached ECDSA P-256 / SHA-256 signatures over bytes, with PEM keys. Suite ``intl``.

Signatures are DER-encoded (what ``openssl dgst -sha256 -verify`` accepts) and carried as base64.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


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
