"""GET /api/v1/articles, /api/v1/articles/{id}."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.api.tests.helpers import T0, assert_error, get_json, shanghai
from ggzy.publishing.models import Article

pytestmark = pytest.mark.django_db

URL = "/api/v1/articles"


def _ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_list_fields_and_filters(client: Client, make_article: Callable[..., Article]) -> None:
    news = make_article("news", at=shanghai(2021, 3, 1, 9))
    guide = make_article("service_guide", at=shanghai(2021, 3, 2, 9))
    make_article("news", published=False)
    body = get_json(client, URL)
    assert _ids(body) == [guide.pk, news.pk]
    assert body["next_cursor"] is None
    item = body["items"][1]
    assert item == {
        "id": news.pk,
        "category": "news",
        "category_name": "要闻速递",
        "title": news.title,
        "url": f"/articles/{news.pk}/",
        "published_at": "2021-03-01T09:00:00+08:00",
        "summary": news.summary,
        "source": "",
        "doc_number": "",
        "version": 1,
        "status": "published",
    }
    assert _ids(get_json(client, URL, category="news")) == [news.pk]
    assert _ids(get_json(client, URL, date_from="2021-03-02")) == [guide.pk]
    assert _ids(get_json(client, URL, date_to="2021-03-01")) == [news.pk]


def test_unknown_category_is_400(client: Client) -> None:
    body = get_json(client, URL, status=400, category="no_such_column")
    assert_error(body, "validation_failed", "category")


def test_paging(client: Client, make_article: Callable[..., Article]) -> None:
    articles = [make_article(at=T0 + dt.timedelta(hours=i // 2)) for i in range(9)]
    expected = [a.pk for a in sorted(articles, key=lambda a: (a.published_at, a.pk), reverse=True)]
    seen: list[int] = []
    cursor = None
    while True:
        body = get_json(client, URL, limit=4, **({"cursor": cursor} if cursor else {}))
        seen.extend(_ids(body))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_notice_cursor_is_refused_on_articles(client: Client, make_notice: Callable[..., Any]) -> None:
    for i in range(3):
        make_notice(at=T0 + dt.timedelta(minutes=i))
    cursor = get_json(client, "/api/v1/notices", limit=1)["next_cursor"]
    assert_error(get_json(client, URL, status=400, cursor=cursor), "validation_failed", "cursor")


def test_detail_and_withdrawn(
    client: Client, make_article: Callable[..., Article], withdraw: Callable[..., Any]
) -> None:
    article = make_article("key_document", body_html="<p>文件全文</p>")
    body = get_json(client, f"{URL}/{article.pk}")
    assert body["body_html"] == "<p>文件全文</p>"
    assert body["category"] == "key_document"
    withdraw(article, reason="文件已废止")
    body = get_json(client, f"{URL}/{article.pk}")
    assert body["status"] == "withdrawn"
    assert body["withdrawal_reason"] == "文件已废止"
    assert body["body_html"] is None
    assert _ids(get_json(client, URL)) == []
    draft = make_article(published=False)
    assert_error(get_json(client, f"{URL}/{draft.pk}", status=404), "not_found")


def test_list_query_count(
    client: Client, make_article: Callable[..., Article], django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        make_article("news" if i % 2 else "finance", at=T0 + dt.timedelta(minutes=i))
    with django_assert_max_num_queries(5):
        body = get_json(client, URL, limit=10)
    assert len(body["items"]) == 10
    with django_assert_max_num_queries(5):
        get_json(client, URL, limit=10, category="news", cursor=body["next_cursor"])
