"""The public page cache (ADR 0009): anonymous readers get a stored copy of a page until any content
changes; logged-in readers never do; visits are counted for every view, cached or not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from ggzy.core.clock import FixedClock
from ggzy.portal.views import common
from ggzy.publishing.models import VisitDay
from ggzy.publishing.services.visits import visit_flush

from .conftest import BROWSER_UA

pytestmark = pytest.mark.django_db

# What a cached hit may run: the content version (one statement, two MAX(updated_at) subqueries).
VERSION_QUERIES = 1


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def state(response) -> str:
    return response.headers.get(common.CACHE_HEADER, "")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/notices/",
        "/notices/?domain=construction&kind=tender",
        "/articles/",
        "/articles/c/news/",
        "/search/?q=测试",
        "/gk/",
        "/gk/catalogue/",
        "/service/",
    ],
)
def test_second_hit_is_served_from_the_cache(pub, browser, django_assert_num_queries, no_visit_writes, url):
    pub.notice(title="示范市第一中学教学楼测试施工招标公告")
    pub.article(category="news", title="测试要闻")
    first = browser.get(url)
    assert first.status_code == 200
    assert state(first) == "miss"
    with django_assert_num_queries(VERSION_QUERIES):
        second = browser.get(url)
    assert state(second) == "hit"
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def headers(response) -> dict[str, object]:
    out: dict[str, object] = {k.lower(): v for k, v in response.headers.items()}
    out.pop(common.CACHE_HEADER.lower())
    # Every response has its own request id (ggzy.platform.monitoring), cached or not.
    out.pop("x-request-id", None)
    out["vary"] = {v.strip() for v in str(out.get("vary", "")).split(",")}
    return out


def test_hit_has_the_same_headers_as_the_rendered_page(pub, browser):
    first = browser.get("/notices/")
    second = browser.get("/notices/")
    assert (state(first), state(second)) == ("miss", "hit")
    assert headers(first) == headers(second)


def test_detail_page_hit_reads_only_the_version_and_the_live_visit_count(
    pub, browser, django_assert_num_queries, no_visit_writes
):
    notice = pub.notice()
    url = notice.get_absolute_url()
    assert state(browser.get(url)) == "miss"
    VisitDay.objects.create(date=dt.date(2021, 6, 1), key=f"notice:{notice.pk}", count=41)
    with django_assert_num_queries(VERSION_QUERIES + 1):
        again = browser.get(url)
    assert state(again) == "hit"
    page = again.content.decode()
    assert "浏览次数：41" in page
    assert common.VISITS_MARK not in page


def test_publishing_a_notice_invalidates_every_page(pub, browser):
    pub.notice(title="第一个测试项目施工招标公告")
    assert "第二个测试项目" not in browser.get("/notices/").content.decode()
    assert "第二个测试项目" not in browser.get("/").content.decode()
    pub.notice(title="第二个测试项目施工招标公告")
    listing = browser.get("/notices/")
    assert state(listing) == "miss"
    assert "第二个测试项目施工招标公告" in listing.content.decode()
    assert "第二个测试项目施工招标公告" in browser.get("/").content.decode()


def test_correction_shows_the_new_title(pub, browser):
    notice = pub.notice(title="原标题测试项目施工招标公告")
    assert "原标题测试项目" in browser.get("/notices/").content.decode()
    pub.correct(notice, note="更正标题", title="新标题测试项目施工招标公告")
    page = browser.get("/notices/").content.decode()
    assert "新标题测试项目施工招标公告" in page
    assert "原标题测试项目" not in page


def test_withdrawal_replaces_the_cached_page_with_the_tombstone(pub, browser, django_assert_num_queries):
    notice = pub.notice(title="将被撤回的测试项目施工招标公告")
    url = notice.get_absolute_url()
    assert browser.get(url).status_code == 200
    assert state(browser.get(url)) == "hit"
    pub.withdraw(notice, reason="项目终止")
    gone = browser.get(url)
    assert gone.status_code == 410
    assert state(gone) == "miss"
    assert "项目终止" in gone.content.decode() or "撤回" in gone.content.decode()
    with django_assert_num_queries(VERSION_QUERIES):
        again = browser.get(url)
    assert (again.status_code, state(again)) == (410, "hit")
    assert "将被撤回的测试项目" not in browser.get("/notices/").content.decode()


@pytest.mark.parametrize(("url", "status"), [("/notices/999999/", 404), ("/notices/?page=abc", 400)])
def test_error_pages_of_the_views_are_cached_too(pub, browser, django_assert_num_queries, url, status):
    assert browser.get(url).status_code == status
    with django_assert_num_queries(VERSION_QUERIES):
        again = browser.get(url)
    assert (again.status_code, state(again)) == (status, "hit")


def test_a_new_notice_replaces_a_cached_404(pub, browser):
    notice = pub.notice()
    url = f"/notices/{notice.pk + 1}/"
    assert browser.get(url).status_code == 404
    assert pub.notice().pk == notice.pk + 1
    assert browser.get(url).status_code == 200


def test_logged_in_readers_are_never_served_or_stored(pub, browser):
    anonymous = browser.get("/notices/")
    assert state(anonymous) == "miss"
    staff = Client(HTTP_USER_AGENT=BROWSER_UA)
    staff.force_login(pub.editor)
    page = staff.get("/notices/")
    assert state(page) == "bypass"
    assert "工作台" in page.content.decode()
    assert "工作台" not in browser.get("/notices/").content.decode()
    # A fresh page for another path, seen first by the editor, is not stored for anyone.
    assert state(staff.get("/articles/")) == "bypass"
    assert state(browser.get("/articles/")) == "miss"


def test_session_or_messages_cookie_bypasses_the_cache(pub, browser):
    browser.get("/notices/")
    with_session = Client(HTTP_USER_AGENT=BROWSER_UA)
    with_session.cookies["sessionid"] = "not-a-session"
    assert state(with_session.get("/notices/")) == "bypass"
    with_messages = Client(HTTP_USER_AGENT=BROWSER_UA)
    with_messages.cookies["messages"] = "x"
    assert state(with_messages.get("/notices/")) == "bypass"


def test_care_mode_has_its_own_entry(pub, browser):
    standard = browser.get("/")
    care = Client(HTTP_USER_AGENT=BROWSER_UA)
    care.cookies[common.CARE_COOKIE] = "1"
    first_care = care.get("/")
    assert state(first_care) == "miss"
    assert 'class="care' in first_care.content.decode()
    assert 'class="care' not in standard.content.decode()
    second_care = care.get("/")
    assert state(second_care) == "hit"
    assert 'class="care' in second_care.content.decode()
    assert 'class="care' not in browser.get("/").content.decode()


def test_the_shanghai_day_is_part_of_the_key(pub, browser, monkeypatch):
    monkeypatch.setattr(common, "clock", FixedClock(dt.datetime(2021, 6, 24, 15, 0, tzinfo=dt.UTC)))
    assert state(browser.get("/")) == "miss"
    assert state(browser.get("/")) == "hit"
    # 16:00 UTC is already the next day in Shanghai: 今日开标 must be recomputed.
    monkeypatch.setattr(common, "clock", FixedClock(dt.datetime(2021, 6, 24, 16, 0, tzinfo=dt.UTC)))
    assert state(browser.get("/")) == "miss"


def test_pages_with_a_token_or_nonce_are_never_stored(pub, browser):
    notice = pub.notice(body_html='<p>示例：&lt;script nonce="abc"&gt; nonce=abc</p>')
    url = notice.get_absolute_url()
    assert state(browser.get(url)) == "bypass"
    assert state(browser.get(url)) == "bypass"
    other = pub.notice(body_html="<p>csrfmiddlewaretoken</p>")
    assert state(browser.get(other.get_absolute_url())) == "bypass"


def test_disabled_by_setting(pub, browser, settings):
    settings.GGZY_PAGE_CACHE_SECONDS = 0
    browser.get("/notices/")
    assert state(browser.get("/notices/")) == "bypass"


def test_cached_hits_are_counted_like_rendered_views(pub, browser, monkeypatch):
    monkeypatch.setattr(common, "clock", FixedClock(dt.datetime(2021, 7, 1, 2, 0, tzinfo=dt.UTC)))
    day = dt.date(2021, 7, 1)
    notice = pub.notice()
    url = notice.get_absolute_url()
    visit_flush()
    before = {v.key: v.count for v in VisitDay.objects.filter(date=day)}
    states = [state(browser.get(url)) for _ in range(3)]
    states += [state(browser.get("/")) for _ in range(2)]
    browser.head(url)  # not a view
    Client(HTTP_USER_AGENT="Baiduspider").get(url)  # a bot, served from the cache, not counted
    visit_flush()
    after = {v.key: v.count for v in VisitDay.objects.filter(date=day)}
    assert states == ["miss", "hit", "hit", "miss", "hit"]
    assert after.get(f"notice:{notice.pk}", 0) - before.get(f"notice:{notice.pk}", 0) == 3
    assert after.get("site", 0) - before.get("site", 0) == 5
    # The count shown on a cached page moves with the views.
    assert "浏览次数：3" in browser.get(url).content.decode()
