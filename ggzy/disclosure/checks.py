"""System check: production must supply its own field-encryption keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


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
