"""GET /api/v1/notices/changes: a mirror that follows the feed sees every publication,
correction and withdrawal, each once per change, in commit order (the audit chain's sequence,
docs/adr/0013-open-data.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.api.tests.helpers import T0, assert_error, get_json
from ggzy.publishing.models import Notice

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/changes"


def _follow(client: Client, since: str | None, limit: int = 2) -> tuple[list[dict[str, Any]], str | None]:
    """Read the feed until has_more is false; the items read and the cursor to come back with."""
    items: list[dict[str, Any]] = []
    for _ in range(100):
        body = get_json(client, URL, limit=limit, **({"since": since} if since else {}))
        items.extend(body["items"])
        since = body["next_cursor"]
        if not body["has_more"]:
            return items, since
    raise AssertionError("feed did not end")


def test_mirror_follows_publications_corrections_and_withdrawals(
    client: Client,
    make_notice: Callable[..., Notice],
    withdraw: Callable[..., Any],
    correct: Callable[..., Any],
) -> None:
    a = make_notice(at=T0)
    b = make_notice(at=T0 + dt.timedelta(hours=1))
    c = make_notice(at=T0 + dt.timedelta(hours=2))
    make_notice(published=False)  # drafts never appear

    items, cursor = _follow(client, None)
    assert [(i["id"], i["status"]) for i in items] == [
        (a.pk, "published"),
        (b.pk, "published"),
        (c.pk, "published"),
    ]
    assert cursor is not None

    # Nothing new: the same cursor comes back, so the mirror can poll with it.
    body = get_json(client, URL, since=cursor)
    assert body == {"items": [], "next_cursor": cursor, "has_more": False}

    withdraw(b, reason="项目取消")
    items, cursor = _follow(client, cursor)
    assert [(i["id"], i["status"], i["withdrawal_reason"]) for i in items] == [
        (b.pk, "withdrawn", "项目取消")
    ]
    assert items[0]["withdrawn_at"] is not None
    assert "body_html" not in items[0]

    new = correct(a, at=T0 + dt.timedelta(days=1))
    items, cursor = _follow(client, cursor)
    # The new version is saved (published) first, then the old one is marked corrected.
    assert [(i["id"], i["status"]) for i in items] == [(new.pk, "published"), (a.pk, "corrected")]
    assert items[0]["previous_id"] == a.pk
    assert items[0]["lineage_id"] == a.pk
    assert items[0]["version"] == 2

    # A mirror replaying everything from the start ends with the current state of each notice.
    everything, _ = _follow(client, None, limit=3)
    latest = {i["id"]: i["status"] for i in everything}
    assert latest == {a.pk: "corrected", b.pk: "withdrawn", c.pk: "published", new.pk: "published"}
    # Each notice once, at its latest change (earlier occurrences are superseded).
    assert len(everything) == len(latest)


def test_bad_since(client: Client, make_notice: Callable[..., Notice]) -> None:
    for i in range(3):
        make_notice(at=T0 + dt.timedelta(minutes=i))
    list_cursor = get_json(client, "/api/v1/notices", limit=1)["next_cursor"]
    for bad in ("garbage!", "Zm9v", list_cursor, "x" * 500):
        assert_error(get_json(client, URL, status=400, since=bad), "validation_failed", "since")
    assert_error(get_json(client, URL, status=400, limit=101), "validation_failed", "limit")


def test_feed_query_count(
    client: Client, make_notice: Callable[..., Notice], django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        make_notice(at=T0 + dt.timedelta(minutes=i))
    with django_assert_max_num_queries(5):
        body = get_json(client, URL, limit=10)
    assert len(body["items"]) == 10
    assert body["has_more"] is True
