"""Field encryption for personal data at rest, in either crypto suite. Pure: no Django.

A token names its algorithm and its key (docs/formats/crypto-suites.md, *Field tokens*)::

    gf1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>   AES-256-GCM, 32-byte key   (suite ``intl``)
    gs1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>   SM4-GCM, 16-byte key       (suite ``sm``)

The nonce is 12 random bytes, the tag 16 bytes; the key id is the first 8 hex digits of
SHA-256(key) — a label, looked up only among the keys of the token's own suite. The byte layout
is ``ggzy.sealing.suites.field_encrypt`` / ``field_decrypt``, which this module calls (SM4-GCM
through ``cryptography``'s ``Cipher`` API, checked there against RFC 8998 and GB/T 32907).

A :class:`FieldCipher` holds an ordered list of keys per suite and a *current* suite: the **first
key of the current suite encrypts, every key of either suite decrypts**. Rotation — to a new key
or to the other suite — is "make the new key current, re-encrypt at leisure
(:meth:`FieldCipher.rotate`), then drop the old key". ``gf1`` tokens stay readable for as long as
their AES key is configured.

``context`` (associated data, e.g. ``b"disclosure.request.id_number"``) binds a token to the field
it belongs to: a token copied into another field does not decrypt.

:func:`blind_index` is a keyed MAC for equality lookups ("same applicant") without decrypting:
HMAC-SHA256 in ``intl``, HMAC-SM3 in ``sm`` (docs/adr/0029-sm4-field-encryption.md). Its key does
not rotate; a value's digest changes when the suite does, so lookups during a switch try
:func:`blind_indexes` (every suite's digest, current first).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ggzy.sealing import suites

INTL = suites.INTL
SM = suites.SM
SUITE_NAMES = (INTL, SM)
PREFIXES: dict[str, str] = dict(suites.FIELD_PREFIXES)  # {"intl": "gf1", "sm": "gs1"}
PREFIX = PREFIXES[INTL]  # the original (AES-256-GCM) prefix
KEY_SIZES: dict[str, int] = {INTL: 32, SM: 16}
ALGORITHMS: dict[str, str] = {INTL: "AES-256-GCM", SM: "SM4-GCM"}
INDEX_ALGORITHMS: dict[str, str] = {INTL: "HMAC-SHA256", SM: "HMAC-SM3"}
NONCE_BYTES = 12
_SUITE_OF_PREFIX = {prefix: name for name, prefix in PREFIXES.items()}
_ALIASES = {
    "intl": INTL,
    "aes": INTL,
    "aes-256-gcm": INTL,
    "sm": SM,
    "sm4": SM,
    "sm4-gcm": SM,
}


class FieldCryptError(Exception):
    pass


def suite_name(text: str) -> str:
    """``intl`` or ``sm`` from a setting's value (also accepts ``aes``/``sm4`` and the AEAD names)."""
    name = _ALIASES.get(str(text).strip().lower())
    if name is None:
        raise FieldCryptError(f"unknown field encryption suite {str(text)[:40]!r} (use intl or sm)")
    return name


def resolve_suite(field_suite: str | None, crypto_suite: str | None = None) -> str:
    """The suite new writes use: ``field_suite`` when set, else the deployment's crypto suite
    (``sm`` → ``sm``), else ``intl``."""
    if field_suite and str(field_suite).strip():
        return suite_name(field_suite)
    if crypto_suite and str(crypto_suite).strip():
        return suite_name(crypto_suite)
    return INTL


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def decode_key(text: str, *, size: int = 32) -> bytes:
    """A key as written in settings: standard or URL-safe base64 of exactly ``size`` bytes
    (32 for AES-256, 16 for SM4)."""
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except ValueError as exc:
        raise FieldCryptError("field key is not base64") from exc
    if len(raw) != size:
        raise FieldCryptError(f"field key must be {size} bytes, got {len(raw)}")
    return raw


def derive_key(secret: str | bytes, *, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256: a key derived from a secret (used for development defaults)."""
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"ggzy-fieldcrypt", info=info).derive(material)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def token_suite(token: str) -> str | None:
    """The suite that made ``token`` (by its prefix), or ``None`` for anything else."""
    return _SUITE_OF_PREFIX.get(token.split(".", 1)[0]) if token.count(".") == 2 else None


def token_label(token: str) -> str:
    """``<prefix>.<key id>`` — which algorithm and key a token is under (for status counts)."""
    return ".".join(token.split(".")[:2])


class FieldCipher:
    """Keys per suite; the first key of ``suite`` encrypts, every key decrypts tokens of its suite.

    ``keys`` are AES-256 keys (32 bytes, ``gf1``), ``sm4_keys`` SM4 keys (16 bytes, ``gs1``)."""

    def __init__(
        self, keys: Sequence[bytes] = (), *, sm4_keys: Sequence[bytes] = (), suite: str = INTL
    ) -> None:
        self._suite = suite_name(suite)
        self._keys: dict[str, dict[str, bytes]] = {}
        for name, given in ((INTL, keys), (SM, sm4_keys)):
            size = KEY_SIZES[name]
            for key in given:
                if len(key) != size:
                    raise FieldCryptError(
                        f"{ALGORITHMS[name]} field keys must be {size} bytes, got {len(key)}"
                    )
            by_id = {key_id(k): bytes(k) for k in given}
            if len(by_id) != len(given):
                raise FieldCryptError(f"duplicate {ALGORITHMS[name]} field key")
            self._keys[name] = by_id
        current = keys if self._suite == INTL else sm4_keys
        if not current:
            raise FieldCryptError(
                f"at least one {ALGORITHMS[self._suite]} field key is required "
                f"to encrypt in suite {self._suite}"
            )
        self._current = key_id(current[0])

    @property
    def suite(self) -> str:
        return self._suite

    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def current_prefix(self) -> str:
        """What every token under the current key starts with, e.g. ``"gs1.3fa09c1e."``."""
        return f"{PREFIXES[self._suite]}.{self._current}."

    def key_ids(self, suite: str) -> list[str]:
        return list(self._keys[suite_name(suite)])

    def encrypt(self, plaintext: str, *, context: bytes) -> str:
        """The token for ``plaintext``; the empty string stays empty (nothing to protect)."""
        if plaintext == "":
            return ""
        key = self._keys[self._suite][self._current]
        return suites.field_encrypt(self._suite, key, plaintext, context=context)

    def decrypt(self, token: str, *, context: bytes) -> str:
        if token == "":
            return ""
        name = token_suite(token)
        if name is None:
            raise FieldCryptError("not a field token")
        kid = token.split(".")[1]
        key = self._keys[name].get(kid)
        if key is None:
            raise FieldCryptError(
                f"no key with id {kid} among the {ALGORITHMS[name]} field keys "
                "(was it removed before re-encryption?)"
            )
        try:
            return suites.field_decrypt({kid: key}, token, context=context)
        except suites.DecryptionFailed as exc:
            raise FieldCryptError("field token does not verify (wrong key, field or tampered)") from exc
        except (suites.SuiteError, UnicodeDecodeError) as exc:
            raise FieldCryptError("field token is damaged") from exc

    def needs_rotation(self, token: str) -> bool:
        """Whether ``token`` is under another key or another suite than the current one."""
        return token != "" and not token.startswith(self.current_prefix)

    def rotate(self, token: str, *, context: bytes) -> str:
        """Re-encrypt under the current suite and key (a no-op for tokens already under it)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)


def blind_index(value: str, *, key: bytes, suite: str = INTL) -> str:
    """Keyed MAC hex of ``value`` (HMAC-SHA256 for ``intl``, HMAC-SM3 for ``sm``): equal inputs
    give equal digests, nothing else is revealed."""
    name = suite_name(suite)
    data = value.encode("utf-8")
    if name == INTL:
        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return suites.hmac_sm3(key, data).hex()


def blind_indexes(value: str, *, key: bytes, suite: str = INTL) -> list[str]:
    """``value``'s digest in every suite, the current ``suite`` first: what a lookup must try while
    stored digests may still be under the other suite (between a switch and its re-encryption)."""
    current = suite_name(suite)
    order = [current, *(s for s in SUITE_NAMES if s != current)]
    return [blind_index(value, key=key, suite=s) for s in order]
