"""GET /api/v1/search, /api/v1/stats/publications, /api/v1/openapi.json, /api/v1/docs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.api.api import DOCS_URL
from ggzy.api.tests.helpers import T0, assert_error, get_json, shanghai
from ggzy.publishing.models import Article, Notice
from ggzy.publishing.services.visits import add_visits

pytestmark = pytest.mark.django_db


def test_search(
    client: Client,
    make_notice: Callable[..., Notice],
    make_article: Callable[..., Article],
    withdraw: Callable[..., Any],
) -> None:
    school = make_notice(
        "tender", "construction", title="示范市第一中学教学楼建设工程招标公告", at=shanghai(2021, 6, 1, 9)
    )
    make_notice("tender", "procurement", title="示范市医院医疗设备采购公告", at=shanghai(2021, 6, 3, 9))
    article = make_article("news", title="示范市第一中学项目开工", at=shanghai(2021, 6, 2, 9))
    gone = make_notice("tender", "construction", title="第一中学食堂改造工程招标公告")
    withdraw(gone)

    body = get_json(client, "/api/v1/search", q="第一中学")
    assert body["total"] == 2
    assert {(h["kind"], h["id"]) for h in body["hits"]} == {("notice", school.pk), ("article", article.pk)}
    hit = next(h for h in body["hits"] if h["kind"] == "notice")
    assert set(hit) == {
        "kind",
        "id",
        "title",
        "url",
        "published_at",
        "domain",
        "category",
        "snippet_html",
        "title_html",
    }
    assert hit["url"] == f"/notices/{school.pk}/"
    assert hit["domain"] == "construction"
    assert hit["category"] == "tender"
    assert hit["published_at"] == "2021-06-01T09:00:00+08:00"
    assert "<mark>" in hit["title_html"]

    assert [h["id"] for h in get_json(client, "/api/v1/search", q="第一中学", kind="article")["hits"]] == [
        article.pk
    ]
    assert get_json(client, "/api/v1/search", q="第一中学", domain="procurement")["total"] == 0
    assert get_json(client, "/api/v1/search", q="第一中学", date_from="2021-06-02")["total"] == 1
    paged = get_json(client, "/api/v1/search", q="第一中学", offset=1, limit=1)
    assert paged["total"] == 2
    assert len(paged["hits"]) == 1


def test_search_query_count(
    client: Client, make_notice: Callable[..., Notice], django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        make_notice(title=f"道路改造工程{i}标段招标公告", at=T0 + dt.timedelta(minutes=i))
    with django_assert_max_num_queries(5):
        body = get_json(client, "/api/v1/search", q="道路改造", limit=10)
    assert body["total"] == 12
    assert len(body["hits"]) == 10


def test_publication_stats(
    client: Client,
    make_notice: Callable[..., Notice],
    make_article: Callable[..., Article],
    correct: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    t2021 = shanghai(2021, 3, 1, 9)
    tender = make_notice("tender", "construction", at=t2021)
    make_notice("change", "construction", changes=tender, at=t2021)
    make_notice("tender", "procurement", at=t2021)
    make_notice("award", "procurement", at=t2021)
    make_notice("award", "construction", at=shanghai(2020, 12, 31, 23, 59))  # another year
    correct(tender, at=shanghai(2021, 4, 1, 9))  # a correction is not a new item
    make_article("news", at=t2021)
    make_article("news", at=t2021)
    make_article("finance", at=t2021)
    add_visits(day=dt.date(2021, 1, 5), key="site", count=100)
    add_visits(day=dt.date(2021, 12, 31), key="site", count=23)
    add_visits(day=dt.date(2021, 12, 31), key=f"notice:{tender.pk}", count=7)  # not a site visit

    with django_assert_max_num_queries(5):
        body = get_json(client, "/api/v1/stats/publications", year=2021)
    assert body["year"] == 2021
    assert body["articles_total"] == 3
    assert body["articles_by_category"]["news"] == 2
    assert body["articles_by_category"]["finance"] == 1
    assert body["articles_by_category"]["exposure"] == 0
    assert body["notices_by_kind"] == {"tender": 2, "change": 1, "candidate": 0, "award": 1, "termination": 0}
    assert body["tender_notices_total"] == 3
    assert body["change_notices"] == 1
    assert body["tender_notices_by_domain"]["construction"] == 2
    assert body["tender_notices_by_domain"]["procurement"] == 1
    assert body["award_notices_total"] == 1
    assert body["award_notices_by_domain"]["procurement"] == 1
    assert body["award_notices_by_domain"]["construction"] == 0
    assert body["visits"] == 123
    assert body["visits_by_month"]["1"] == 100
    assert body["visits_by_month"]["12"] == 23
    assert body["total"] == 3 + 4

    assert get_json(client, "/api/v1/stats/publications", year=2020)["award_notices_total"] == 1
    assert_error(
        get_json(client, "/api/v1/stats/publications", status=400, year=1999), "validation_failed", "year"
    )


def test_openapi_json(client: Client) -> None:
    schema = get_json(client, "/api/v1/openapi.json")
    assert schema["info"] == {
        "title": "ggzy 开放接口",
        "version": "1",
        "description": schema["info"]["description"],
    }
    assert {p for p in schema["paths"] if not p.startswith("/api/v1/disclosure/")} == {
        "/api/v1/notices",
        "/api/v1/notices/changes",
        "/api/v1/notices/{notice_id}",
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/search",
        "/api/v1/stats/publications",
        "/api/v1/ocds/releases",
        "/api/v1/reports/annual/{year}",
        "/api/v1/reports/annual/{year}.docx",
        "/api/v1/reports/annual/{year}.html",
        "/api/v1/reports/annual/{year}.pdf",
    }
    notices = schema["paths"]["/api/v1/notices"]["get"]
    assert notices["operationId"] == "notice_list"
    params = {p["name"]: p for p in notices["parameters"]}
    assert {"kind", "domain", "date_from", "date_to", "cursor", "limit"} <= set(params)
    assert {"200", "400"} <= set(notices["responses"])
    error_schema = schema["components"]["schemas"]["ErrorOut"]
    assert error_schema["properties"]["error"]


def test_docs_page_needs_no_cdn(client: Client) -> None:
    response = client.get("/api/v1/docs")
    if DOCS_URL is None:  # ninja is not in INSTALLED_APPS: its static files are not served, so no page
        assert response.status_code == 404
        assert_error(response.json(), "not_found")
    else:
        assert response.status_code == 200
        html = response.content.decode()
        assert "cdn" not in html.lower()
