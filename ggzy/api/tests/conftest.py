"""Published notices and articles made through the real services (draft → submit → four review
steps by four different people), at a chosen publication moment, for the API tests.

Builds on the shared fixtures of ``ggzy/conftest.py`` (``staff``, ``publish``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.api.tests.helpers import T0
from ggzy.core.clock import FixedClock
from ggzy.publishing import services
from ggzy.publishing.models import Article, Category, Notice
from ggzy.publishing.services.notices import FIELDS as NOTICE_FIELDS

NOTICE_DEFAULTS: dict[str, dict[str, Any]] = {
    "tender": {"bid_deadline": T0 + dt.timedelta(days=30), "opening_at": T0 + dt.timedelta(days=30)},
    "candidate": {"publicity_start": dt.date(2021, 6, 2), "publicity_end": dt.date(2021, 6, 5)},
}


@pytest.fixture
def make_notice(staff: dict[str, Any], publish: Callable[..., Any]) -> Callable[..., Notice]:
    """``make_notice(kind="tender", domain="construction", at=<moment>, publish=True, **fields)``."""
    counter = iter(range(1, 10**6))

    def make(
        kind: str = "tender",
        domain: str = "construction",
        *,
        at: dt.datetime = T0,
        title: str | None = None,
        body_html: str = "<p>公告正文</p>",
        published: bool = True,
        **fields: Any,
    ) -> Notice:
        n = next(counter)
        data: dict[str, Any] = {
            "project_code": f"JG2021-{n:04d}",
            "project_name": f"示范项目{n}",
            "tenderer_name": "示范市教育局",
            "agency_name": "示范招标代理有限公司",
            **NOTICE_DEFAULTS.get(kind, {}),
            **fields,
        }
        if kind == "change" and "changes" not in data:
            data["changes"] = make(at=at - dt.timedelta(minutes=1))
        notice = services.notice_create(
            actor=staff["editor"],
            title=title or f"示范项目{n}{kind}公告",
            body_html=body_html,
            kind=kind,
            domain=domain,
            **data,
        )
        if published:
            notice = publish(notice, clock=FixedClock(at))
        return notice

    return make


@pytest.fixture
def make_article(staff: dict[str, Any], publish: Callable[..., Any]) -> Callable[..., Article]:
    counter = iter(range(1, 10**6))

    def make(
        category: str = "news",
        *,
        at: dt.datetime = T0,
        title: str | None = None,
        body_html: str = "<p>正文</p>",
        published: bool = True,
    ) -> Article:
        n = next(counter)
        article = services.article_create(
            actor=staff["editor"],
            category=Category.objects.get(code=category),
            title=title or f"政务信息{n}",
            body_html=body_html,
            summary=f"摘要{n}",
        )
        if published:
            article = publish(article, clock=FixedClock(at))
        return article

    return make


@pytest.fixture
def withdraw(staff: dict[str, Any]) -> Callable[..., Any]:
    def run(item: Any, reason: str = "项目暂停，公告撤回") -> Any:
        return services.release_withdraw(actor=staff["signer"], item=item, reason=reason)

    return run


@pytest.fixture
def correct(staff: dict[str, Any], publish: Callable[..., Any]) -> Callable[..., Any]:
    """Correct a published item: a new version through the same review chain."""

    def run(item: Any, *, at: dt.datetime, note: str = "更正预算金额", **changes: Any) -> Any:
        new = services.release_correction_start(actor=staff["editor"], item=item, correction_note=note)
        if isinstance(new, Notice):
            data = {name: getattr(new, name) for name in NOTICE_FIELDS} | changes
            title = data.pop("title", new.title)
            new = services.notice_update(
                actor=staff["editor"], notice=new, title=title, body_html=new.body_html, **data
            )
        return publish(new, clock=FixedClock(at))

    return run
