"""Template helpers for showing findings (also used by pages of other apps that include
``compliance/_findings.html``)."""

from __future__ import annotations

from django import template

from ggzy.compliance.rules import FIELD_LABELS

register = template.Library()


@register.filter
def field_label(name: str) -> str:
    """The Chinese label of a notice field name ("bid_deadline" → "投标截止时间")."""
    return FIELD_LABELS.get(name, name) if name else "—"
