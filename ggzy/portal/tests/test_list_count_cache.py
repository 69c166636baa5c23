"""List pages cache their match count per content version: a second uncached render of the same
list does not COUNT again, and a publication changes the count at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _counts(ctx: CaptureQueriesContext) -> int:
    return sum("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_count_is_cached_until_content_changes(pub: Any, browser: Any, no_visit_writes: None) -> None:
    cache.clear()
    pub.notice(title="示范市第一中学教学楼施工招标公告")
    with CaptureQueriesContext(connection) as first:
        page = browser.get("/notices/?domain=construction&x=1").content.decode()
    assert "共 1 条" in page
    assert _counts(first) == 1
    with CaptureQueriesContext(connection) as second:  # a new URL: rendered again, count reused
        page = browser.get("/notices/?domain=construction&x=2").content.decode()
    assert "共 1 条" in page
    assert _counts(second) == 0
    pub.notice(title="示范市第二中学教学楼施工招标公告")
    page = browser.get("/notices/?domain=construction&x=3").content.decode()
    assert "共 2 条" in page
