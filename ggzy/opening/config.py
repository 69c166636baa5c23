"""Tunable periods of the hall (settings, with the defaults the center uses)."""

from __future__ import annotations

from django.conf import settings


def confirm_minutes() -> int:
    """How long a bidder has to confirm its own readout (唱标确认)."""
    return int(getattr(settings, "GGZY_OPENING_CONFIRM_MINUTES", 10))


def objection_minutes() -> int:
    """How long the objection window (异议期) of the hall stays open."""
    return int(getattr(settings, "GGZY_OPENING_OBJECTION_MINUTES", 15))
