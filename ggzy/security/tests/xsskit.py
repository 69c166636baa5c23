"""Helpers of the browser XSS tests of public-input and free-text fields: the payloads (a small
representative set for ``make test``, the whole corpus ggzy/security/data/xss.txt under
``-m fuzz``), and :func:`assert_inert`, which opens a page in the real Chromium, gives handlers a
chance to fire and checks that nothing ran (``window.__xss`` undefined, no dialog), that no payload
became markup in the live DOM, and that the submitted texts are shown as text."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss.txt"
PAYLOADS = [line for line in CORPUS.read_text().splitlines() if line.strip() and not line.startswith("#")]

# One of each family (all from the corpus): a script element, breaking out of a double- and a
# single-quoted attribute, an event handler, a javascript: link, breaking out of a textarea.
REPRESENTATIVE = [
    "<script>window.__xss=1</script>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "<svg onload=window.__xss=1>",
    '<a href="javascript:window.__xss=1" id="xss-link">点我</a>',
    "</textarea><script>window.__xss=1</script>",
]
assert set(REPRESENTATIVE) <= set(PAYLOADS)

CORPORA = [
    pytest.param(REPRESENTATIVE, id="representative"),
    pytest.param(PAYLOADS, id="full-corpus", marks=pytest.mark.fuzz),
]

# Live-DOM check: markup that a payload would have produced if it had not been escaped.
ACTIVE_MARKUP_JS = """
() => {
  const bad = [];
  const urlAttrs = new Set(["href", "src", "action", "formaction", "data", "srcdoc", "xlink:href",
                            "background", "poster", "content"]);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if ((tag === "script" || tag === "style") && el.textContent.includes("__xss")) {
      bad.push(tag + ": " + el.textContent.slice(0, 80));
    }
    if (tag === "script" && (el.getAttribute("src") || "").includes("__xss")) bad.push("script src");
    for (const a of el.attributes) {
      const value = a.value || "";
      const compact = value.replace(/\\s/g, "").toLowerCase();
      const handler = a.name.startsWith("on") && value.includes("__xss");
      const url = (urlAttrs.has(a.name) || a.name === "style")
        && (compact.includes("javascript:") || value.includes("__xss"));
      if (handler || url) bad.push(`${tag} ${a.name}=${value.slice(0, 60)}`);
    }
  }
  return bad;
}
"""


FIRE_EVENTS_JS = """
() => {
  for (const el of document.querySelectorAll("body *")) {
    for (const type of ["mouseover", "mouseenter", "focus", "toggle", "animationstart"]) {
      el.dispatchEvent(new Event(type));
    }
  }
}
"""


class Watch:
    """Dialogs opened on a page (an alert/confirm/prompt would mean a payload ran)."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))


def _visible_text(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def assert_inert(page: Any, url: str, *, shown: list[str] | None = None) -> str:
    """Open ``url``; nothing may run and no payload may be markup; every string of ``shown`` must
    be visible as text (escaped, not interpreted). Returns the page's visible text."""
    page.goto(url)
    return check_page(page, shown=shown)


def check_page(page: Any, *, shown: list[str] | None = None) -> str:
    """:func:`assert_inert` on the page as it is (e.g. the answer to a form post)."""
    url = page.url
    page.wait_for_load_state("load")
    # Give onerror/onload/autofocus handlers a chance, and fire what a person's mouse and keyboard
    # would (on every element at once: hovering them one by one costs seconds per page).
    page.evaluate(FIRE_EVENTS_JS)
    with contextlib.suppress(Exception):  # and one real hover, through the browser's input path
        page.locator("main a, main p, main li").first.hover(timeout=500)
    page.wait_for_timeout(150)
    assert page.evaluate("typeof window.__xss") == "undefined", url
    active = page.evaluate(ACTIVE_MARKUP_JS)
    assert not active, (url, active)
    text = _visible_text(page.locator("body").inner_text())
    for expected in shown or []:
        assert _visible_text(expected) in text, (url, expected)
    return text
