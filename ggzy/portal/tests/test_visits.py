"""Page views by people are counted per day for the site and per item; bots and errors are not."""

from __future__ import annotations

import datetime as dt

import pytest

from ggzy.core.clock import FixedClock
from ggzy.portal.views import common
from ggzy.publishing.models import VisitDay
from ggzy.publishing.services.visits import visit_flush

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2021, 6, 30, 17, 0, tzinfo=dt.UTC)  # already 1 July in Shanghai
DAY = dt.date(2021, 7, 1)


def counts() -> dict[str, int]:
    visit_flush()
    return {row.key: row.count for row in VisitDay.objects.filter(date=DAY)}


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    visit_flush()  # nothing buffered by earlier tests
    monkeypatch.setattr(common, "clock", FixedClock(NOW))


def test_item_views_are_counted_per_shanghai_day(pub, browser):
    notice = pub.notice()
    article = pub.article()
    before = counts()
    browser.get(notice.get_absolute_url())
    browser.get(notice.get_absolute_url())
    browser.get(article.get_absolute_url())
    browser.get("/")
    after = counts()
    assert after.get("site", 0) - before.get("site", 0) == 4
    assert after.get(f"notice:{notice.pk}", 0) == 2
    assert after.get(f"article:{article.pk}", 0) == 1
    assert "浏览次数：2" in browser.get(notice.get_absolute_url()).content.decode()


def test_bots_errors_and_non_pages_are_not_counted(pub, client, browser, pdf_upload):
    notice = pub.notice(uploads=[pdf_upload()])
    withdrawn = pub.notice()
    pub.withdraw(withdrawn, reason="撤回")
    before = counts()
    client.get(notice.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0 (compatible; Baiduspider/2.0)")
    client.get(notice.get_absolute_url())  # no user agent at all
    browser.get("/notices/999999/")  # 404
    browser.get(withdrawn.get_absolute_url())  # 410
    browser.get("/notices/?page=abc")  # 400
    browser.head(notice.get_absolute_url())
    browser.get("/feeds/notices.xml")
    attachment = notice.attachments.select_related("file").get()
    browser.get(f"/files/{attachment.file.sha256}/{attachment.name}")
    assert counts() == before


def test_no_address_is_stored(pub, browser):
    notice = pub.notice()
    browser.get(notice.get_absolute_url(), REMOTE_ADDR="203.0.113.9")
    fields = {f.name for f in VisitDay._meta.get_fields()}
    assert fields == {"id", "date", "key", "count"}
