"""No inline script anywhere (issue 9 §4): a static scan of every template, then live pages checked
for the CSP header and a nonce on every <script>.

The policy (config/settings/base.py SECURE_CSP) is ``script-src 'self' 'nonce-…'`` and
``style-src 'self'``: inline scripts, inline event handlers, ``javascript:`` URLs, ``<style>``
blocks and ``style=`` attributes would all be blocked by the browser, so none may be written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]  # the ggzy package
TEMPLATES = sorted(p for p in ROOT.glob("**/templates/**/*.html"))

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)


def template_problems(name: str, text: str) -> list[str]:
    found = []
    for m in SCRIPT.finditer(text):
        attrs = m.group(1)
        if "src=" not in attrs:
            found.append(f"{name}: inline <script{attrs}>")
        elif "nonce=" not in attrs:
            found.append(f"{name}: <script{attrs}> without nonce")
    for pattern, what in (
        (HANDLER, "inline event handler"),
        (JS_URL, "javascript: URL"),
        (STYLE_ATTR, "style= attribute (style-src forbids inline styles)"),
        (STYLE_BLOCK, "<style> block (style-src forbids inline styles)"),
    ):
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{name}:{line}: {what}: {m.group(0)[:80]!r}")
    return found


def test_the_scan_sees_the_templates() -> None:
    assert len(TEMPLATES) > 50
    assert any(p.name == "base.html" for p in TEMPLATES)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<script src="/x.js"></script>',
        '<a href="#" onclick="x()">a</a>',
        '<button\n  type="button" onClick="x()">b</button>',
        '<a href="javascript:alert(1)">a</a>',
        '<div style="color:red">x</div>',
        "<style>p{}</style>",
    ],
)
def test_the_scan_catches_each_kind(text: str) -> None:
    assert template_problems("t.html", text)


def test_the_scan_passes_a_clean_tag() -> None:
    ok = '<script src="{% static \'a.js\' %}" nonce="{{ csp_nonce }}"></script><a href="/x" data-on="1">x</a>'
    assert template_problems("t.html", ok) == []


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    problems = [
        p for path in TEMPLATES for p in template_problems(str(path.relative_to(ROOT)), path.read_text())
    ]
    assert not problems, "\n".join(problems)


def test_policy_forbids_inline_script_and_style() -> None:
    policy = settings.SECURE_CSP
    assert "'unsafe-inline'" not in str(policy["script-src"])
    assert "'unsafe-inline'" not in str(policy["style-src"])
    assert "'none'" in str(policy["frame-ancestors"])
    assert "'none'" in str(policy["object-src"])


# ---------------------------------------------------------------- live pages

PUBLIC = [
    "/",
    "/notices/",
    "/articles/",
    "/search/?q=工程",
    "/gk/",
    "/gk/apply/",
    "/interaction/",
    "/credit/",
    "/service/",
    "/screen/",
    "/accounts/login/",
    "/accounts/agency/register/",
    "/no-such-page/",
]
STAFF = [
    "/manage/",
    "/manage/articles/new/",
    "/manage/notices/new/",
    "/manage/disclosure/",
    "/manage/compliance/",
]


def check_page(client: Client, path: str) -> list[str]:
    response = client.get(path)
    if response.status_code >= 500:
        return [f"{path}: {response.status_code}"]
    header = response.get("Content-Security-Policy", "")
    if "script-src 'self'" not in header or "frame-ancestors 'none'" not in header:
        return [f"{path}: no or weak CSP header {header!r}"]
    body = response.content.decode()
    found = []
    # Django adds the nonce to the header only when the page used it (a page without scripts).
    m = re.search(r"'nonce-([^']+)'", header)
    nonce = m.group(1) if m else "(none in header)"
    for tag in SCRIPT.findall(body):
        if f'nonce="{nonce}"' not in tag:
            found.append(f"{path}: <script{tag}> without this response's nonce")
        if "src=" not in tag:
            found.append(f"{path}: inline <script{tag}>")
    if HANDLER.search(body) or STYLE_ATTR.search(body) or JS_URL.search(body):
        found.append(f"{path}: inline handler, style or javascript: URL in the rendered page")
    return found


@pytest.mark.django_db
def test_live_pages_carry_the_nonce(make_user: Callable[..., Any], center: Any) -> None:
    problems: list[str] = []
    anonymous = Client()
    for path in PUBLIC:
        problems += check_page(anonymous, path)
    staff = Client()
    staff.force_login(make_user("editor", "disclosure_officer", "system_admin", org=center))
    for path in STAFF:
        problems += check_page(staff, path)
    assert not problems, "\n".join(problems)
    # A page with a script: the nonce is in the header, and two responses get two different nonces.
    a = anonymous.get("/screen/")["Content-Security-Policy"]
    b = anonymous.get("/screen/")["Content-Security-Policy"]
    assert "'nonce-" in a and a != b
