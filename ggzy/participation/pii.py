"""The contact a commenter or asker leaves (phone or e-mail): encrypted with the configured field
keys (``GGZY_FIELD_KEYS``, the same ones and the same rotation as disclosure applications) and
masked for staff screens. Reading it in full is only done by ``services.participation_contact_view``,
which audits each view."""

from __future__ import annotations

from ggzy.disclosure import pii as disclosure_pii


def context(kind: str) -> bytes:
    """Binds a token to its column: a token copied into another table fails to decrypt."""
    return f"participation.{kind}.contact".encode("ascii")


def encrypt(kind: str, value: str) -> str:
    return disclosure_pii.cipher().encrypt(value, context=context(kind)) if value else ""


def decrypt(kind: str, token: str) -> str:
    return disclosure_pii.cipher().decrypt(token, context=context(kind)) if token else ""


def mask(value: str) -> str:
    value = value.strip()
    if "@" in value:
        return disclosure_pii.mask_email(value)
    return disclosure_pii.mask_phone(value)
