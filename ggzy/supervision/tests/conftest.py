"""Fixtures of the supervision tests: a patroller, an agency with its publisher, and agency notices
published at chosen times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.clock import SHANGHAI, FixedClock

PASSWORD = "pw-1234567890"


def sh(*args: int) -> dt.datetime:
    """An aware datetime given in Shanghai time (how the center speaks about patrol times)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture
def clock() -> FixedClock:
    # A Wednesday in 2026 (inside the working-day calendar), 10:00 in Shanghai.
    return FixedClock(sh(2026, 6, 10, 10, 0).astimezone(dt.UTC))


@pytest.fixture
def patroller(make_user: Callable[..., Any], center: Any) -> Any:
    return make_user("patroller", org=center, username="patroller-a", password=PASSWORD)


@pytest.fixture
def agency(make_org: Callable[..., Any]) -> Any:
    return make_org("agency", "示范招标代理有限公司")


@pytest.fixture
def agency_user(make_user: Callable[..., Any], agency: Any) -> Any:
    return make_user("agency_publisher", org=agency, username="agency-a", password=PASSWORD)


@pytest.fixture
def agency_notice(agency: Any, agency_user: Any) -> Callable[..., Any]:
    """A notice the agency published at ``at``. Built as rows: how an agency gets a notice
    published (signature, compliance gate) is the publishing app's business and tested there;
    patrol only reads what was published."""
    from ggzy.publishing.models import Notice

    def make(at: dt.datetime, title: str = "某道路工程施工招标公告", **fields: Any) -> Any:
        notice = Notice.objects.create(
            title=title,
            body_html="<p>正文</p>",
            status="published",
            author=agency_user,
            organisation=agency,
            published_at=at,
            kind=fields.pop("kind", "tender"),
            domain=fields.pop("domain", "construction"),
            project_code=fields.pop("project_code", "XM-2026-001"),
            bid_deadline=fields.pop("bid_deadline", at + dt.timedelta(days=25)),
            **fields,
        )
        notice.lineage_id = notice.pk
        notice.save(update_fields=["lineage_id"])
        return notice

    return make
