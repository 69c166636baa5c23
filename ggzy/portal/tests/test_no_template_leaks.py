"""No template syntax may leak into a rendered public page (an unclosed multi-line {# … #}
comment renders as text)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/notices/",
    "/articles/",
    "/search/?q=监理",
    "/gk/",
    "/gk/guide/",
    "/audit/checkpoints/",
    "/accounts/login/",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_template_syntax_in_page(path: str) -> None:
    body = Client(HTTP_USER_AGENT="Mozilla/5.0 Chrome/120").get(path).content.decode()
    for marker in ("{#", "#}", "{%", "%}", "{{", "}}"):
        assert marker not in body, f"{marker!r} leaked into {path}"
