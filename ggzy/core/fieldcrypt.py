"""Field encryption for personal data at rest (AES-256-GCM). Pure: no Django.

A token is ``gf1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The key id is the first 8 hex
digits of SHA-256(key), so a token says which key made it. A :class:`FieldCipher` holds an ordered
list of 32-byte keys: the **first encrypts, every key decrypts** — rotation is "put the new key
first, re-encrypt at leisure (:meth:`FieldCipher.rotate`), then drop the old key".

``context`` (associated data, e.g. ``b"disclosure.request.id_number"``) binds a token to the field
it belongs to: a token copied into another field does not decrypt.

:func:`blind_index` is a keyed HMAC-SHA256 for equality lookups ("same applicant") without
decrypting; it uses its own key, which must not rotate (rotating it means recomputing the index).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "gf1"
NONCE_BYTES = 12


class FieldCryptError(Exception):
    pass


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def decode_key(text: str) -> bytes:
    """A key as written in settings: standard or URL-safe base64 of exactly 32 bytes."""
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except ValueError as exc:
        raise FieldCryptError("field key is not base64") from exc
    if len(raw) != 32:
        raise FieldCryptError(f"field key must be 32 bytes, got {len(raw)}")
    return raw


def derive_key(secret: str | bytes, *, info: bytes) -> bytes:
    """HKDF-SHA256: a 32-byte key derived from a secret (used for development defaults)."""
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ggzy-fieldcrypt", info=info).derive(material)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


class FieldCipher:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise FieldCryptError("at least one field key is required")
        for key in keys:
            if len(key) != 32:
                raise FieldCryptError("field keys must be 32 bytes (AES-256)")
        self._keys = {key_id(k): k for k in keys}
        if len(self._keys) != len(keys):
            raise FieldCryptError("duplicate field key")
        self._current = key_id(keys[0])

    @property
    def current_key_id(self) -> str:
        return self._current

    def encrypt(self, plaintext: str, *, context: bytes) -> str:
        """The token for ``plaintext``; the empty string stays empty (nothing to protect)."""
        if plaintext == "":
            return ""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[self._current]).encrypt(nonce, plaintext.encode("utf-8"), context)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{PREFIX}.{self._current}.{body}"

    def decrypt(self, token: str, *, context: bytes) -> str:
        if token == "":
            return ""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise FieldCryptError("not a field token")
        key = self._keys.get(parts[1])
        if key is None:
            raise FieldCryptError(f"no key with id {parts[1]} (was it removed before re-encryption?)")
        raw = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context)
        except InvalidTag as exc:
            raise FieldCryptError("field token does not verify (wrong key, field or tampered)") from exc
        return plain.decode("utf-8")

    def needs_rotation(self, token: str) -> bool:
        return token != "" and token.split(".")[1:2] != [self._current]

    def rotate(self, token: str, *, context: bytes) -> str:
        """Re-encrypt under the current key (a no-op for tokens already under it)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)


def blind_index(value: str, *, key: bytes) -> str:
    """HMAC-SHA256 hex of ``value``: equal inputs give equal digests, nothing else is revealed."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
