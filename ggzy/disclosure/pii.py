"""Applicants' personal data: encryption with the configured field keys, the blind index that
recognises the same applicant, and the masked forms shown on screen.

Reading the plaintext is only done by ``services.disclosure_pii_view``, which audits each view.
"""

from __future__ import annotations

import base64

from django.conf import settings

from ggzy.core.fieldcrypt import FieldCipher, blind_index, blind_indexes, decode_key, resolve_suite

FIELDS = ("id_number", "phone", "email", "address")


def context(field: str) -> bytes:
    """The associated data binding a token to its field (a token moved to another column fails)."""
    return f"disclosure.request.{field}".encode("ascii")


def field_suite() -> str:
    """The suite new tokens and digests use: GGZY_FIELD_SUITE, else GGZY_CRYPTO_SUITE, else intl."""
    return resolve_suite(settings.GGZY_FIELD_SUITE, getattr(settings, "GGZY_CRYPTO_SUITE", ""))


def cipher() -> FieldCipher:
    # Built per call (cheap): settings overridden in tests and rotated keys apply at once.
    return FieldCipher(
        [decode_key(k) for k in settings.GGZY_FIELD_KEYS],
        sm4_keys=[decode_key(k, size=16) for k in getattr(settings, "GGZY_FIELD_SM4_KEYS", [])],
        suite=field_suite(),
    )


def encrypt(field: str, value: str) -> str:
    return cipher().encrypt(value, context=context(field))


def decrypt(field: str, token: str) -> str:
    return cipher().decrypt(token, context=context(field))


def _index_key() -> bytes:
    text = settings.GGZY_FIELD_INDEX_KEY
    try:
        return decode_key(text)
    except ValueError:
        return base64.b64decode(text)


def normalise_id_number(value: str) -> str:
    return "".join(value.split()).upper()


def identity_digest(doc_type: str, id_number: str) -> str:
    """The same applicant (document type + number) always gets the same digest (HMAC-SHA256, or
    HMAC-SM3 when the field suite is sm)."""
    return blind_index(f"{doc_type}:{normalise_id_number(id_number)}", key=_index_key(), suite=field_suite())


def identity_digests(doc_type: str, id_number: str) -> list[str]:
    """Every digest the applicant may be stored under (the current suite's first): a lookup by
    plaintext matches rows not yet moved by ``ggzy fieldcrypt reencrypt`` after a suite switch."""
    return blind_indexes(
        f"{doc_type}:{normalise_id_number(id_number)}", key=_index_key(), suite=field_suite()
    )


def mask_id_number(value: str) -> str:
    value = normalise_id_number(value)
    if len(value) <= 6:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 6) + value[-4:]


def mask_phone(value: str) -> str:
    digits = "".join(value.split())
    if not digits:
        return ""
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_email(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_address(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"
