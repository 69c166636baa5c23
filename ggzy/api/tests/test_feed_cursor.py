"""The change feed's cursor is a monotonic position (the audit chain's sequence): a notice whose
transaction saved early but committed late is not skipped, a changed notice comes again after
the cursor, batch-loaded notices page through, old cursors still work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ggzy.api.cursors import encode_cursor
from ggzy.api.tests.helpers import T0, get_json
from ggzy.audit.models import Event
from ggzy.audit.services import audit_record
from ggzy.publishing.models import Notice

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/changes"


def _follow(client: Client, since: str | None, limit: int = 2) -> tuple[list[dict[str, Any]], str | None]:
    items: list[dict[str, Any]] = []
    for _ in range(200):
        body = get_json(client, URL, limit=limit, **({"since": since} if since else {}))
        items.extend(body["items"])
        since = body["next_cursor"]
        if not body["has_more"]:
            return items, since
    raise AssertionError("feed did not end")


def test_changes_are_visible_at_once_no_settle_window(
    client: Client, make_notice: Callable[..., Notice]
) -> None:
    a = make_notice()
    body = get_json(client, URL)
    assert [i["id"] for i in body["items"]] == [a.pk]


def test_a_late_committing_notice_is_not_skipped(client: Client, make_notice: Callable[..., Notice]) -> None:
    """The flaw of an updated_at cursor: a transaction that saved its row at 10:00 but committed
    after a reader passed 10:01 lands behind the cursor. On the audit sequence it cannot."""
    make_notice(at=T0)
    b = make_notice(at=T0 + dt.timedelta(hours=1))
    _, cursor = _follow(client, None)
    late = make_notice(at=T0 + dt.timedelta(hours=2))
    # Its row says it changed long before b (what a slow transaction's updated_at looks like).
    Notice.objects.filter(pk=late.pk).update(updated_at=b.updated_at - dt.timedelta(hours=1))
    items, _ = _follow(client, cursor)
    assert [i["id"] for i in items] == [late.pk]


def test_a_changed_notice_reappears_after_the_cursor(
    client: Client, make_notice: Callable[..., Notice], withdraw: Callable[..., Any]
) -> None:
    a = make_notice(at=T0)
    b = make_notice(at=T0 + dt.timedelta(minutes=1))
    items, cursor = _follow(client, None)
    assert [i["id"] for i in items] == [a.pk, b.pk]
    withdraw(a, reason="项目终止")
    items, cursor = _follow(client, cursor)
    assert [(i["id"], i["status"]) for i in items] == [(a.pk, "withdrawn")]
    # Review steps and edits of drafts are not public changes: nothing new.
    make_notice(published=False)
    assert get_json(client, URL, since=cursor)["items"] == []


def test_batch_loaded_notices_page_through_and_nothing_repeats(
    client: Client, make_notice: Callable[..., Notice]
) -> None:
    """The demo loader writes one ``demo.load`` event per batch of rows: the position is then
    the event plus the notice id inside it."""
    template = make_notice(at=T0)
    _, cursor = _follow(client, None)
    with transaction.atomic():
        rows = []
        for i in range(7):
            n = Notice.objects.get(pk=template.pk)
            n.pk = None
            n._state.adding = True
            n.lineage_id = None
            n.title = f"批量公告{i}"
            rows.append(n)
        created = Notice.objects.bulk_create(rows)
        pks = sorted(n.pk for n in created)
        audit_record(
            actor=None,
            action="demo.load",
            data={"model": "publishing.notice", "first_id": pks[0], "last_id": pks[-1], "count": 7},
        )
    later = make_notice(at=T0 + dt.timedelta(days=1))
    items, _ = _follow(client, cursor, limit=3)
    assert [i["id"] for i in items] == [*pks, later.pk]


def test_a_cursor_of_the_former_feed_still_works(client: Client, make_notice: Callable[..., Notice]) -> None:
    a = make_notice(at=T0)
    old = encode_cursor("f", a.updated_at - dt.timedelta(minutes=5), a.pk)
    body = get_json(client, URL, since=old)
    assert a.pk in [i["id"] for i in body["items"]]  # may repeat, never skip
    assert body["next_cursor"] != old  # the answer moves the mirror onto the new positions
    assert get_json(client, URL, since=body["next_cursor"])["items"] == []


def test_events_of_other_targets_do_not_show(client: Client, make_notice: Callable[..., Notice]) -> None:
    a = make_notice(at=T0)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="article.publish",
            target=("publishing.article", str(a.pk)),
            data={"after": "published"},
        )
    assert Event.objects.filter(action="article.publish").exists()
    items, _ = _follow(client, None)
    assert [i["id"] for i in items] == [a.pk]
