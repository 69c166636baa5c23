"""Highlighted titles and snippets, built in Python from the stored plain text.

Every character of user-visible text goes through ``django.utils.html.escape``; the only markup
added is ``<mark>``. Matches are found in the *raw* text and each piece is escaped on its own,
rather than searching the already-escaped text: a token such as ``lt`` or ``amp`` would otherwise
match inside ``&lt;``/``&amp;`` and break the entity (harmless, but visible garbage).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 120
# How much text to show before the first match, so the reader sees what leads up to it.
SNIPPET_LEAD = 30
ELLIPSIS = "…"


def match_pattern(tokens: Sequence[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern for the tokens worth marking, longest first; None if none.

    Single characters are left out when the query also has longer tokens: a lone 一 or 3 occurs
    everywhere, and marking all of them hides the words the reader actually asked for.
    """
    words = {t for t in tokens if t}
    if any(len(t) > 1 for t in words):
        words = {t for t in words if len(t) > 1}
    if not words:
        return None
    alternatives = sorted(words, key=lambda t: (-len(t), t))
    return re.compile("|".join(re.escape(t) for t in alternatives), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str] | None) -> SafeString:
    """``text`` escaped, with each match wrapped in ``<mark>`` (adjacent matches merged)."""
    if pattern is None:
        return escape(text)
    out: list[str] = []
    pos = 0
    open_end = -1  # end of the <mark> currently open in ``out``, -1 when none
    for m in pattern.finditer(text):
        if m.start() == open_end:
            # 工程 directly followed by 监理 reads better as one mark: 工程监理.
            out[-1] = out[-1][: -len("</mark>")] + escape(m.group()) + "</mark>"
        else:
            out.append(escape(text[pos : m.start()]))
            out.append("<mark>" + escape(m.group()) + "</mark>")
        pos = open_end = m.end()
    out.append(escape(text[pos:]))
    # Safe: every piece of text above went through escape(); only our own <mark> tags are raw.
    return mark_safe("".join(out))  # noqa: S308


def snippet(text: str, pattern: re.Pattern[str] | None, size: int = SNIPPET_CHARS) -> SafeString:
    """About ``size`` characters of ``text`` around the first match (the start if none), highlighted."""
    text = " ".join(text.split())
    first = pattern.search(text) if pattern is not None else None
    start = 0
    if first is not None:
        start = max(0, min(first.start() - SNIPPET_LEAD, len(text) - size))
    end = min(len(text), start + size)
    body = highlight(text[start:end], pattern)
    return mark_safe((ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else ""))  # noqa: S308
