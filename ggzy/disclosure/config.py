"""The disclosure rules in force: the statutory defaults in ``deadlines.Rules`` overlaid by the
optional ``settings.GGZY_DISCLOSURE`` dict. The workflow, the reminders and the public 指南 all read
this one place, so the guide never contradicts the software."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings

from ggzy.disclosure.deadlines import Rules

REMEDY_DEFAULTS = {
    "administrative_review": "申请人如对本答复不服，可以自收到本答复之日起六十日内依法申请行政复议。",
    "lawsuit": "申请人也可以自收到本答复之日起六个月内依法向人民法院提起行政诉讼。",
}


def _overrides() -> dict[str, Any]:
    value = getattr(settings, "GGZY_DISCLOSURE", None) or {}
    return dict(value)


def disclosure_rules() -> Rules:
    names = {f.name for f in dataclasses.fields(Rules)}
    values = {k: v for k, v in _overrides().items() if k in names}
    if "reminder_days" in values:
        values["reminder_days"] = tuple(sorted(int(n) for n in values["reminder_days"]))
    return Rules(**values)


def remedy_texts() -> dict[str, str]:
    """The remedy paragraphs printed on every reply letter (行政复议 60 days, 行政诉讼 6 months)."""
    configured = _overrides().get("remedy_texts", {})
    return {key: configured.get(key, text) for key, text in REMEDY_DEFAULTS.items()}
