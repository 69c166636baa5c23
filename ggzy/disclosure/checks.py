"""System check: production must supply its own field-encryption keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def field_keys_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "GGZY_FIELD_KEYS_FROM_ENV", True):
        return []
    return [
        Warning(
            "GGZY_FIELD_KEYS is not set: personal data is encrypted with a key derived from SECRET_KEY.",
            hint="Set GGZY_FIELD_KEYS (base64 32-byte keys, newest first) and GGZY_FIELD_INDEX_KEY "
            "from a secret store; see docs/adr/0010-disclosure-clock.md.",
            id="disclosure.W001",
        )
    ]


@register(Tags.security)
def field_suite_valid(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """GGZY_FIELD_SUITE (or GGZY_CRYPTO_SUITE, which it follows when empty) names a suite."""
    from ggzy.core.fieldcrypt import FieldCryptError
    from ggzy.disclosure.pii import field_suite

    try:
        field_suite()
    except FieldCryptError as exc:
        return [Error(str(exc), hint="GGZY_FIELD_SUITE: intl or sm (ADR 0029).", id="disclosure.E001")]
    return []


@register(Tags.security, deploy=True)
def sm4_field_keys_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Under the sm suite, production must supply its own SM4 field keys."""
    from ggzy.core.fieldcrypt import FieldCryptError
    from ggzy.disclosure.pii import field_suite

    try:
        if field_suite() != "sm" or getattr(settings, "GGZY_FIELD_SM4_KEYS_FROM_ENV", True):
            return []
    except FieldCryptError:
        return []  # reported by field_suite_valid
    return [
        Warning(
            "GGZY_FIELD_SM4_KEYS is not set: personal data is encrypted (sm) with a key derived "
            "from SECRET_KEY.",
            hint="Set GGZY_FIELD_SM4_KEYS (base64 16-byte SM4 keys, newest first) from a secret store; "
            "see docs/operations.md.",
            id="disclosure.W002",
        )
    ]
