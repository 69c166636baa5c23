"""The public API, /api/v1 (django-ninja). The publishing part is anonymous and read-only:
everything it returns is already public on the portal. /api/v1/disclosure (``ggzy.api.disclosure``)
adds the public application form and tracking page and the staff workflow of 依申请公开. See
docs/adr/0005-api.md for the choices behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Query, Router
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from ggzy.annual_report.api import router as annual_report_router
from ggzy.api import schemas
from ggzy.api.cursors import (
    FeedPosition,
    Position,
    decode_cursor,
    decode_feed_cursor,
    encode_cursor,
    encode_feed_cursor,
)
from ggzy.api.disclosure import router as disclosure_router
from ggzy.api.errors import install_exception_handlers, json_response
from ggzy.api.ocds_api import router as ocds_router
from ggzy.api.selectors import after_desc, legacy_feed_position, notice_change_page
from ggzy.core.errors import NotFound, ValidationFailed
from ggzy.publishing import selectors as publishing
from ggzy.publishing.models import Attachment, Category, Release
from ggzy.search.selectors import search_query

NOTICE_SCOPE = "n"
ARTICLE_SCOPE = "a"
FEED_SCOPE = "f"


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese as it is, not as \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class GgzyAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__


# The docs page needs ninja's own static files (no CDN); they are served only when "ninja" is in
# INSTALLED_APPS, otherwise ninja would load Swagger UI from a CDN, so the page is off.
DOCS_URL = "/docs" if apps.is_installed("ninja") else None

api = GgzyAPI(
    title="ggzy 开放接口",
    version="1",
    description=(
        "公共资源交易中心公开数据接口：交易公告、政务信息、全文检索、发布统计，以及供镜像同步的公告变更流。"
        '所有错误均为 {"error": {"code", "message", "fields"}}。'
    ),
    urls_namespace="api-v1",
    docs_url=DOCS_URL,
    renderer=ChineseJSONRenderer(),
)
install_exception_handlers(api)

# Every operation documents the error body for the statuses it can answer with.
LIST_ERRORS: dict[int, Any] = {400: schemas.ErrorOut, 500: schemas.ErrorOut}
DETAIL_ERRORS: dict[int, Any] = {404: schemas.ErrorOut, 500: schemas.ErrorOut}


def _check_dates(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise ValidationFailed("结束日期不能早于开始日期", fields={"date_to": "不能早于 date_from"})


def _newest_first_page[R: Release](
    qs: QuerySet[R], position: Position | None, *, limit: int, scope: str
) -> tuple[list[R], str | None]:
    """One page of ``qs`` (ordered ``-published_at, -pk``) after ``position``, and the cursor of
    its last row when more rows follow (one row more than the page is read to know)."""
    rows = list(after_desc(qs, "published_at", position)[: limit + 1])
    page = rows[:limit]
    if len(rows) <= limit or page[-1].published_at is None:
        return page, None
    return page, encode_cursor(scope, page[-1].published_at, page[-1].pk)


# ---------------------------------------------------------------- notices

notices = Router(tags=["交易公告"])


@notices.get(
    "", response={200: schemas.NoticePage, **LIST_ERRORS}, summary="交易公告列表（按发布时间倒序，游标分页）"
)
def notice_list(request: HttpRequest, params: Query[schemas.NoticeListParams]) -> schemas.NoticePage:
    _check_dates(params.date_from, params.date_to)
    position = decode_cursor(NOTICE_SCOPE, params.cursor) if params.cursor else None
    qs = publishing.notice_list_public(
        kind=params.kind, domain=params.domain, date_from=params.date_from, date_to=params.date_to
    ).defer("body_html")
    page, next_cursor = _newest_first_page(qs, position, limit=params.limit, scope=NOTICE_SCOPE)
    return schemas.NoticePage(items=[schemas.notice_item(n) for n in page], next_cursor=next_cursor)


@notices.get(
    "/changes",
    response={200: schemas.ChangeFeedPage, **LIST_ERRORS},
    summary="公告变更流（发布、更正、撤回，按提交顺序）",
    description=(
        "镜像站从 since 为空开始，反复以返回的 next_cursor 作为 since 请求，即可得到每一次发布、更正和撤回。"
        "游标是审计链中的单调位置（按事务提交顺序），不会跳过任何变更；同一公告每变化一次就在游标之后再出现一次，"
        "以最后一次为准；has_more 为 false 时稍后再来。旧版（按更新时间）游标仍被接受。"
    ),
)
def notice_change_feed(
    request: HttpRequest, params: Query[schemas.ChangeFeedParams]
) -> schemas.ChangeFeedPage:
    position: FeedPosition | None = None
    if params.since:
        decoded = decode_feed_cursor(params.since, legacy_scope=FEED_SCOPE, field="since")
        position = decoded if isinstance(decoded, FeedPosition) else legacy_feed_position(decoded)
    page = notice_change_page(since=position, limit=params.limit)
    next_cursor = encode_feed_cursor(page.next_position) if page.next_position else None
    return schemas.ChangeFeedPage(
        items=[schemas.notice_change(n) for _, n in page.items],
        next_cursor=next_cursor,
        has_more=page.has_more,
    )


@notices.get(
    "/{int:notice_id}", response={200: schemas.NoticeDetail, **DETAIL_ERRORS}, summary="交易公告详情"
)
def notice_get(request: HttpRequest, notice_id: int) -> schemas.NoticeDetail:
    notice = publishing.notice_get_public(pk=notice_id)
    attachments = list(Attachment.objects.filter(notice=notice).select_related("file"))
    return schemas.notice_detail(notice, attachments=attachments, versions=publishing.version_history(notice))


# ---------------------------------------------------------------- articles

articles = Router(tags=["政务信息"])


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    try:
        return publishing.category_get(code)
    except NotFound:
        known = "、".join(c.code for c in publishing.category_list())
        raise ValidationFailed(
            f"栏目“{code}”不存在，可选：{known}", fields={"category": "栏目不存在"}
        ) from None


@articles.get(
    "", response={200: schemas.ArticlePage, **LIST_ERRORS}, summary="政务信息列表（按发布时间倒序，游标分页）"
)
def article_list(request: HttpRequest, params: Query[schemas.ArticleListParams]) -> schemas.ArticlePage:
    _check_dates(params.date_from, params.date_to)
    position = decode_cursor(ARTICLE_SCOPE, params.cursor) if params.cursor else None
    category = _category(params.category)
    qs = publishing.article_list_public(
        category=category, date_from=params.date_from, date_to=params.date_to
    ).defer("body_html")
    page, next_cursor = _newest_first_page(qs, position, limit=params.limit, scope=ARTICLE_SCOPE)
    return schemas.ArticlePage(items=[schemas.article_item(a) for a in page], next_cursor=next_cursor)


@articles.get(
    "/{int:article_id}", response={200: schemas.ArticleDetail, **DETAIL_ERRORS}, summary="政务信息详情"
)
def article_get(request: HttpRequest, article_id: int) -> schemas.ArticleDetail:
    article = publishing.article_get_public(pk=article_id)
    attachments = list(Attachment.objects.filter(article=article).select_related("file"))
    return schemas.article_detail(
        article, attachments=attachments, versions=publishing.version_history(article)
    )


# ---------------------------------------------------------------- search and statistics

misc = Router()


@misc.get(
    "/search",
    response={200: schemas.SearchPage, **LIST_ERRORS},
    tags=["检索"],
    summary="全文检索（交易公告与政务信息）",
)
def search(request: HttpRequest, params: Query[schemas.SearchParams]) -> schemas.SearchPage:
    if not params.q or not params.q.strip():
        raise ValidationFailed("请输入检索词", fields={"q": "必填"})
    _check_dates(params.date_from, params.date_to)
    results = search_query(
        q=params.q,
        kind=params.kind,
        domain=params.domain,
        category=params.category,
        date_from=params.date_from,
        date_to=params.date_to,
        offset=params.offset,
        limit=params.limit,
    )
    return schemas.SearchPage(total=results.total, hits=[schemas.search_hit(h) for h in results.hits])


@misc.get(
    "/stats/publications",
    response={200: schemas.PublicationStatsOut, **LIST_ERRORS},
    tags=["统计"],
    summary="年度发布统计（口径同政府信息公开工作年度报告）",
)
def publication_stats(request: HttpRequest, params: Query[schemas.StatsParams]) -> dict[str, Any]:
    return publishing.publication_stats(year=params.year).as_dict()


api.add_router("/notices", notices)
api.add_router("/articles", articles)
api.add_router("/disclosure", disclosure_router)
api.add_router("/ocds", ocds_router)
api.add_router("/reports", annual_report_router)
api.add_router("", misc)


def api_index(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """GET /api/v1/: where the description of the API is."""
    body = schemas.ApiIndex(
        title=api.title,
        version=api.version,
        openapi=reverse(f"{api.urls_namespace}:openapi-json"),
        docs=reverse(f"{api.urls_namespace}:openapi-view") if DOCS_URL else None,
    )
    return json_response(body.model_dump())
