"""The XSS corpus (ggzy/security/data/xss.txt) through every rich-text and comment field that the
public site renders — an article body and title (sanitised by nh3 in the release pipeline), a
consultation's body and the citizens' comments on it — then the public pages opened in a real
Chromium: nothing may run (``window.__xss`` stays undefined, no dialog opens), and the served HTML
holds no script, event handler or javascript: URL from the payloads. The second check holds even
without CSP; the first proves the two defences together."""

from __future__ import annotations

import contextlib
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.core.clock import system_clock
from ggzy.participation import services as participation
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss.txt"
PAYLOADS = [line for line in CORPUS.read_text().splitlines() if line.strip() and not line.startswith("#")]


class _Danger(HTMLParser):
    """Collects what a browser would treat as active content: real elements and attributes, not
    text that merely looks like them (escaped payloads are harmless)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if value and "javascript:" in value.replace(" ", "").lower():
                self.found.append(f"<{tag} {name}={value!r}>")


def danger(html: str) -> list[str]:
    parser = _Danger()
    parser.feed(html)
    return parser.found


def test_the_corpus_is_loaded() -> None:
    assert len(PAYLOADS) >= 30


def _publish(staff: dict[str, Any], item: Any) -> Any:
    item = publishing.release_submit(actor=staff["editor"], item=item)
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        item = publishing.release_approve(actor=staff[role], item=item)
    return item


def test_xss_corpus_never_executes(page: Any, live_server: Any, staff: dict[str, Any]) -> None:
    base = live_server.url
    body = "".join(f"<p>样本{i}</p>{payload}" for i, payload in enumerate(PAYLOADS))
    article = publishing.article_create(
        actor=staff["editor"],
        category=Category.objects.get(code="news"),
        title='通知<script>window.__xss=1</script>"><img src=x onerror=window.__xss=1>',
        body_html=body,
    )
    article = _publish(staff, article)
    now = system_clock.now()
    consultation = participation.consultation_create(
        actor=staff["editor"],
        title="意见征集<svg onload=window.__xss=1>",
        body_html=body,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=10),
    )
    _publish_rest(staff, consultation.article)
    for i, payload in enumerate(PAYLOADS):
        comment = participation.comment_submit(
            consultation_id=consultation.pk, text=f"意见{i}：{payload}", display_name=payload[:40]
        )
        participation.comment_moderate(actor=staff["first_reviewer"], comment=comment, decision="approve")

    pages = [f"/articles/{article.pk}/", f"/interaction/consultations/{consultation.pk}/", "/articles/", "/"]
    client = Client()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        found = danger(response.content.decode())
        assert not found, (path, found)
        main = response.content.decode().split("<main", 1)[-1].split("</main>", 1)[0]
        for tag in ("iframe", "object", "embed", "base ", "meta", "svg", "math"):
            assert f"<{tag}" not in main.lower(), (path, tag)
    consultation_html = client.get(pages[1]).content.decode()
    assert "意见0" in consultation_html  # the comments really are on the page (escaped)

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in pages:
        page.goto(base + path)
        page.wait_for_load_state("load")
        # Give onerror/onload/autofocus handlers a chance to fire, and hover/focus everything.
        for link in page.locator("a, div, details, input, select").all()[:200]:
            # Hidden or detached elements cannot be hovered: best effort.
            with contextlib.suppress(Exception):
                link.hover(timeout=200)
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__xss") == "undefined", path
    assert dialogs == []


def _publish_rest(staff: dict[str, Any], article: Any) -> Any:
    # consultation_create already submitted it: only the four review steps remain.
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = publishing.release_approve(actor=staff[role], item=article)
    return article
