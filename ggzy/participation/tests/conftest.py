"""Fixtures of the participation tests: a fixed clock in 2026, a published consultation open for
comments, a published document to interpret."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.clock import FixedClock

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at=NOW)


@pytest.fixture
def open_consultation(staff: dict[str, Any], publish: Callable[..., Any], clock: FixedClock) -> Any:
    from ggzy.participation import services

    consultation = services.consultation_create(
        actor=staff["editor"],
        title="关于优化开标大厅预约服务的意见征集",
        body_html="<p>拟实行网上预约开标场地，欢迎提出意见。</p>",
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=10),
        clock=clock,
    )
    publish_rest(staff, consultation.article, clock)
    consultation.refresh_from_db()
    return consultation


def publish_rest(staff: dict[str, Any], article: Any, clock: FixedClock) -> Any:
    """Approve an article already submitted through the four default review steps."""
    from ggzy.publishing import services

    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = services.release_approve(actor=staff[role], item=article, clock=clock)
    return article


@pytest.fixture
def document(staff: dict[str, Any], publish: Callable[..., Any], clock: FixedClock) -> Any:
    """A published key document (重要文件) that an interpretation may explain."""
    from ggzy.publishing import services
    from ggzy.publishing.models import Category

    article = services.article_create(
        actor=staff["editor"],
        category=Category.objects.get(code="key_document"),
        title="示范市公共资源交易目录管理办法",
        body_html="<p>第一条 为规范公共资源交易目录管理……</p>",
        doc_number="示公管〔2026〕1号",
    )
    return publish(article, clock)
