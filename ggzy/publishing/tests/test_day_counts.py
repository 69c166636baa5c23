"""The per-day publication counts the database keeps with triggers (ADR 0031): whatever path writes
article and notice rows — the release pipeline, a correction, a withdrawal, a bulk load, a plain
UPDATE, a DELETE — the counts equal the rows grouped afresh, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection, transaction

from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.publishing import selectors, services
from ggzy.publishing.models import Article, Category, Notice, PublicationDayCount

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _same(year: int) -> dict[tuple[str, str, str, int], int]:
    kept = selectors.publication_counts_kept(year=year)
    assert kept == selectors.publication_counts_live(year=year)
    return kept


def _bulk_notices(
    staff: dict[str, Any], *times: dt.datetime, kind: str = "tender", **kw: Any
) -> list[Notice]:
    editor = staff["editor"]
    rows = [
        Notice(
            title=f"批量公告{i}",
            kind=kind,
            domain=kw.get("domain", "construction"),
            status="published",
            published_at=at,
            author=editor,
            organisation=editor.organisation,
            version=kw.get("version", 1),
        )
        for i, at in enumerate(times)
    ]
    return Notice.objects.bulk_create(rows)


def test_pipeline_publication_correction_and_withdrawal(staff: dict[str, Any], publish: Any) -> None:
    clock = FixedClock(dt.datetime(2021, 3, 5, 10, 0, tzinfo=SHANGHAI))
    news = Category.objects.get(code="news")
    draft = services.article_create(actor=staff["editor"], category=news, title="草稿", body_html="<p>x</p>")
    assert _same(2021) == {}  # a draft is not counted
    article = publish(
        services.article_create(actor=staff["editor"], category=news, title="会议", body_html="<p>会议</p>"),
        clock,
    )
    assert article.status == "published"
    assert _same(2021) == {("article", "", "", news.pk): 1}
    day = PublicationDayCount.objects.get(model="article")
    assert (day.day, day.count) == (dt.date(2021, 3, 5), 1)

    # A correction is version 2 of the same item: published, but not a new item.
    correction = services.release_correction_start(
        actor=staff["editor"], item=article, correction_note="更正错字"
    )
    publish(correction, clock)
    assert _same(2021) == {("article", "", "", news.pk): 1}
    assert Article.objects.filter(status__in=["published", "corrected"]).count() == 2

    # Withdrawal keeps the item in the year's count (it was published); deleting a draft does nothing.
    services.release_withdraw(
        actor=staff["signer"], item=Article.objects.get(pk=correction.pk), reason="撤回测试"
    )
    draft.delete()
    assert _same(2021) == {("article", "", "", news.pk): 1}


def test_bulk_load_update_and_delete_keep_counts(staff: dict[str, Any]) -> None:
    a, b, c = _bulk_notices(
        staff,
        dt.datetime(2021, 6, 1, 2, 0, tzinfo=UTC),
        dt.datetime(2021, 6, 1, 3, 0, tzinfo=UTC),
        dt.datetime(2021, 6, 2, 3, 0, tzinfo=UTC),
    )
    _bulk_notices(staff, dt.datetime(2021, 6, 2, 4, 0, tzinfo=UTC), version=2)  # a correction row
    assert _same(2021) == {("notice", "tender", "construction", 0): 3}
    assert list(PublicationDayCount.objects.order_by("day").values_list("day", "count")) == [
        (dt.date(2021, 6, 1), 2),
        (dt.date(2021, 6, 2), 1),
    ]
    # A queryset UPDATE (no save(), no signal) of kind and domain moves the count.
    Notice.objects.filter(pk=a.pk).update(kind="award", domain="procurement")
    # Unpublishing (published_at cleared) subtracts; re-dating moves it to another day.
    Notice.objects.filter(pk=b.pk).update(published_at=None)
    Notice.objects.filter(pk=c.pk).update(published_at=dt.datetime(2021, 9, 9, 1, 0, tzinfo=UTC))
    assert _same(2021) == {
        ("notice", "award", "procurement", 0): 1,
        ("notice", "tender", "construction", 0): 1,
    }
    Notice.objects.filter(pk__in=[a.pk, c.pk]).delete()
    assert _same(2021) == {}


def test_day_is_the_beijing_calendar_day(staff: dict[str, Any]) -> None:
    """15:59:59.9996 UTC on 31 December is still 2021 in Beijing; 16:00 UTC is 2022. SQLite's
    date() would round the fraction up to the next day; the trigger truncates instead."""
    _bulk_notices(
        staff,
        dt.datetime(2021, 12, 31, 15, 59, 59, 999600, tzinfo=UTC),
        dt.datetime(2021, 12, 31, 16, 0, 0, tzinfo=UTC),
        dt.datetime(2020, 12, 31, 16, 0, 0, tzinfo=UTC),  # 2021-01-01 00:00 Beijing
    )
    assert _same(2021) == {("notice", "tender", "construction", 0): 2}
    assert _same(2022) == {("notice", "tender", "construction", 0): 1}
    assert set(PublicationDayCount.objects.values_list("day", flat=True)) == {
        dt.date(2021, 12, 31),
        dt.date(2022, 1, 1),
        dt.date(2021, 1, 1),
    }


def test_rolled_back_write_leaves_counts_unchanged(staff: dict[str, Any]) -> None:
    _bulk_notices(staff, dt.datetime(2021, 4, 1, 1, 0, tzinfo=UTC))

    def write_then_fail() -> None:
        with transaction.atomic():
            _bulk_notices(staff, dt.datetime(2021, 4, 1, 2, 0, tzinfo=UTC))
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert _same(2021) == {("notice", "tender", "construction", 0): 1}


def test_triggers_are_installed_on_this_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'publishing_%'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'publishing_%'"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert {n.split("_count_")[0] for n in names} == {"publishing_article", "publishing_notice"}


def test_report_month_series_come_from_the_counts(staff: dict[str, Any]) -> None:
    _bulk_notices(
        staff,
        dt.datetime(2021, 1, 31, 17, 0, tzinfo=UTC),  # 1 February in Beijing
        dt.datetime(2021, 2, 3, 1, 0, tzinfo=UTC),
        kind="award",
    )
    series = selectors.publication_counts_by_month(year=2021)
    assert series == {"award": [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}
    stats = selectors.publication_stats(year=2021)
    assert (stats.award_notices_total, stats.award_notices_by_domain["construction"], stats.total) == (
        2,
        2,
        2,
    )


def test_verify_counts_command_finds_and_repairs_drift(staff: dict[str, Any]) -> None:
    from django.core.management import CommandError, call_command

    from ggzy.audit.models import Event

    _bulk_notices(staff, dt.datetime(2021, 5, 1, 1, 0, tzinfo=UTC), dt.datetime(2021, 5, 2, 1, 0, tzinfo=UTC))
    out = io.StringIO()
    call_command("report", "verify-counts", "--year", "2021", stdout=out)
    assert "一致（2条）" in out.getvalue()
    # Rows copied in with the triggers bypassed: simulated by editing the counts directly.
    PublicationDayCount.objects.filter(day=dt.date(2021, 5, 1)).update(count=7)
    with pytest.raises(CommandError, match="1项不一致") as failed:
        call_command("report", "verify-counts", "--year", "2021", stdout=io.StringIO())
    assert failed.value.returncode == 1
    out = io.StringIO()
    call_command("report", "verify-counts", "--year", "2021", "--repair", stdout=out)
    assert "记录 2" in out.getvalue() and "已按记录重建" in out.getvalue()
    assert _same(2021) == {("notice", "tender", "construction", 0): 2}
    assert Event.objects.filter(action="publishing.counts_rebuild", target_id="2021").count() == 1
