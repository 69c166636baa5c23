"""Open data on the public site: RSS/Atom feeds per domain and per category, the sitemap index
and its pages (≤ page size, lastmod), robots.txt, and the feed links on list pages."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from ggzy.portal.tests.conftest import Publisher

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _xml(client: Client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "xml" in response["Content-Type"]
    return ET.fromstring(response.content)  # noqa: S314 - our own response


def test_notice_feeds_per_domain_rss_and_atom(client: Client, pub: Publisher) -> None:
    works = pub.notice(title="示范路改造工程施工招标公告", domain="construction")
    goods = pub.notice(title="示范中学课桌椅采购公告", domain="procurement")
    draft = pub.notice(title="未发布的草稿公告", publish=False)

    rss = _xml(client, "/feeds/notices/construction.xml")
    titles = [i.findtext("title") for i in rss.iter("item")]
    assert titles == [works.title]
    assert "工程建设" in (rss.findtext("channel/title") or "")
    assert rss.findtext("channel/item/link", "").endswith(f"/notices/{works.pk}/")

    atom = _xml(client, "/feeds/notices/procurement.atom")
    assert atom.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == [goods.title]

    everything = _xml(client, "/feeds/notices.atom")
    entries = [e.findtext(f"{ATOM}title") for e in everything.iter(f"{ATOM}entry")]
    assert set(entries) == {works.title, goods.title} and draft.title not in entries


def test_article_feeds_per_category(client: Client, pub: Publisher) -> None:
    news = pub.article(category="news", title="中心召开年度工作会议")
    doc = pub.article(category="key_document", title="关于进一步规范招标投标活动的通知")
    rss = _xml(client, "/feeds/articles/news.xml")
    assert [i.findtext("title") for i in rss.iter("item")] == [news.title]
    atom = _xml(client, "/feeds/articles/key_document.atom")
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == [doc.title]
    assert len(list(_xml(client, "/feeds/articles.xml").iter("item"))) == 2


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/notices/space.xml",
        "/feeds/notices/space.atom",
        "/feeds/articles/no_such_column.xml",
        "/feeds/articles/no_such_column.atom",
    ],
)
def test_unknown_feed_codes_are_404_pages(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_list_pages_link_their_feeds(client: Client, pub: Publisher) -> None:
    page = client.get("/notices/", {"domain": "procurement"}).content.decode()
    rss = 'type="application/rss+xml" title="政府采购交易公告 RSS" href="/feeds/notices/procurement.xml"'
    assert f'rel="alternate" {rss}' in page
    assert 'href="/feeds/notices/procurement.atom"' in page
    # A bad filter value is refused politely and links no feed for it (and never a 500).
    bad = client.get("/notices/", {"domain": "<script>"})
    assert bad.status_code == 400
    assert "/feeds/notices/%3Cscript" not in bad.content.decode()
    column = client.get("/articles/c/news/").content.decode()
    assert 'href="/feeds/articles/news.xml"' in column and 'href="/feeds/articles/news.atom"' in column


def test_sitemap_index_pages_and_lastmod(client: Client, pub: Publisher, settings: Any) -> None:
    settings.GGZY_SITEMAP_PAGE_SIZE = 2
    notices = [pub.notice(at=dt.datetime(2021, 6, d, 2, 0, tzinfo=dt.UTC)) for d in (1, 2, 3)]
    withdrawn = pub.notice()
    pub.withdraw(withdrawn, reason="项目取消")
    article = pub.article()
    pub.notice(publish=False)

    index = _xml(client, "/sitemap.xml")
    assert index.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in index.iter(f"{SM}sitemap")]
    assert locs == [
        "http://testserver/sitemaps/lists-1.xml",
        "http://testserver/sitemaps/notices-1.xml",
        "http://testserver/sitemaps/notices-2.xml",
        "http://testserver/sitemaps/articles-1.xml",
    ]
    assert all(s.findtext(f"{SM}lastmod") for s in index.iter(f"{SM}sitemap"))

    urls: list[str] = []
    for loc in locs[1:3]:
        page = _xml(client, loc.removeprefix("http://testserver"))
        entries = list(page.iter(f"{SM}url"))
        assert 1 <= len(entries) <= 2
        assert all(e.findtext(f"{SM}lastmod") for e in entries)
        urls += [e.findtext(f"{SM}loc") or "" for e in entries]
    # Every published notice once; the withdrawn one (a tombstone) and the draft not at all.
    assert urls == [f"http://testserver/notices/{n.pk}/" for n in notices]
    articles = _xml(client, "/sitemaps/articles-1.xml")
    assert [e.findtext(f"{SM}loc") for e in articles.iter(f"{SM}url")] == [
        f"http://testserver/articles/{article.pk}/"
    ]
    lists = [e.findtext(f"{SM}loc") for e in _xml(client, "/sitemaps/lists-1.xml").iter(f"{SM}url")]
    assert "http://testserver/notices/?domain=procurement" in lists
    assert "http://testserver/articles/c/news/" in lists
    assert "http://testserver/gk/guide/" in lists
    assert "http://testserver/credit/exposure/" in lists  # another app's public list


@pytest.mark.parametrize(
    "url",
    ["/sitemaps/notices-3.xml", "/sitemaps/notices-0.xml", "/sitemaps/lists-2.xml", "/sitemaps/bogus-1.xml"],
)
def test_sitemap_pages_that_do_not_exist_are_404(client: Client, pub: Publisher, url: str) -> None:
    pub.notice()
    assert client.get(url).status_code == 404


def test_robots_txt_points_at_the_sitemap(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /manage/" in text


def test_bench_sitemap_counts_every_url(pub: Publisher, settings: Any) -> None:
    from ggzy.portal.bench_opendata import bench_sitemap

    settings.GGZY_SITEMAP_PAGE_SIZE = 2
    for _ in range(3):
        pub.notice()
    pub.article()
    result = bench_sitemap()
    assert result["pages"] == 4  # lists, notices ×2, articles
    assert result["urls"] > 4
