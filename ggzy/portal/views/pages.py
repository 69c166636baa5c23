"""首页, 交易信息 and 政务信息: the lists and the detail pages of notices and articles."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ggzy.core.errors import NotFound
from ggzy.portal import selectors
from ggzy.portal.views.common import (
    VISITS_MARK,
    BadFilter,
    bad_request,
    cached_page,
    content_version,
    counted,
    page_links,
    paginate,
    parse_choice,
    parse_date_range,
    parse_page,
    query_without_page,
    today,
)
from ggzy.publishing import selectors as publishing
from ggzy.publishing.choices import NoticeKind, ReleaseStatus, TradeDomain
from ggzy.publishing.models import Article, Notice, Release

NOTICE_FILTER_KEYS = ("domain", "kind", "date_from", "date_to")
ARTICLE_FILTER_KEYS = ("date_from", "date_to")


@require_safe
@counted()
@cached_page()
def home(request: HttpRequest) -> HttpResponse:
    day = today()

    # Callables: the template calls them only when its cached fragment has expired.
    def domains() -> list[dict[str, Any]]:
        return [
            {"code": code, "label": label, "notices": selectors.notice_latest(domain=code, limit=8)}
            for code, label in selectors.HOME_DOMAINS
        ]

    def kinds() -> list[dict[str, Any]]:
        return [
            {"code": code, "label": label, "notices": selectors.notice_latest(kind=code, limit=8)}
            for code, label in selectors.HOME_KINDS
        ]

    return render(
        request,
        "portal/home.html",
        {
            "content_version": content_version(request),
            "domains": domains,
            "kinds": kinds,
            "today": day,
            "openings": lambda: selectors.notices_opening_on(day=day, limit=20),
            "news": lambda: selectors.article_latest(category_code="news", limit=8),
            "key_documents": lambda: selectors.article_latest(category_code="key_document", limit=8),
            "domain_choices": TradeDomain.choices,
        },
    )


@require_safe
@counted()
@cached_page()
def notice_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    context: dict[str, Any] = {
        "domain_choices": TradeDomain.choices,
        "kind_choices": NoticeKind.choices,
        "params": {k: params.get(k, "") for k in NOTICE_FILTER_KEYS},
        "heading": "交易信息",
    }
    try:
        domain = parse_choice(params, "domain", "交易类别", TradeDomain.choices)
        kind = parse_choice(params, "kind", "公告类型", NoticeKind.choices)
        date_from, date_to = parse_date_range(params)
        number = parse_page(params)
        qs = publishing.notice_list_public(
            kind=kind or None, domain=domain or None, date_from=date_from, date_to=date_to
        ).only("pk", "title", "kind", "domain", "published_at", "project_code")
        page = paginate(qs, number)
    except BadFilter as exc:
        return bad_request(request, "portal/notice_list.html", context, exc)
    parts = [
        dict(TradeDomain.choices)[domain] if domain else "",
        dict(NoticeKind.choices)[kind] if kind else "",
    ]
    context.update(
        heading=" · ".join(p for p in parts if p) or "交易信息",
        page=page,
        links=page_links(page.number, page.paginator.num_pages),
        query=query_without_page(params, NOTICE_FILTER_KEYS),
    )
    return render(request, "portal/notice_list.html", context)


def _article_list(request: HttpRequest, category_code: str | None) -> HttpResponse:
    params = request.GET
    category = None
    if category_code is not None:
        try:
            category = publishing.category_get(category_code)
        except NotFound as exc:
            raise Http404(exc.message) from None
    context: dict[str, Any] = {
        "categories": publishing.category_list(),
        "category": category,
        "params": {k: params.get(k, "") for k in ARTICLE_FILTER_KEYS},
    }
    try:
        date_from, date_to = parse_date_range(params)
        number = parse_page(params)
        qs = publishing.article_list_public(category=category, date_from=date_from, date_to=date_to).only(
            "pk", "title", "published_at", "doc_number", "category__name", "category__code"
        )
        page = paginate(qs, number)
    except BadFilter as exc:
        return bad_request(request, "portal/article_list.html", context, exc)
    context.update(
        page=page,
        links=page_links(page.number, page.paginator.num_pages),
        query=query_without_page(params, ARTICLE_FILTER_KEYS),
    )
    return render(request, "portal/article_list.html", context)


@require_safe
@counted()
@cached_page()
def article_list(request: HttpRequest) -> HttpResponse:
    return _article_list(request, None)


@require_safe
@counted()
@cached_page()
def article_category(request: HttpRequest, code: str) -> HttpResponse:
    return _article_list(request, code)


def _release_context(item: Release) -> dict[str, Any]:
    versions = publishing.version_history(item)
    return {
        "item": item,
        "attachments": selectors.attachments_of(item),
        "versions": versions if len(versions) > 1 else [],
        "latest": publishing.latest_version(item),
        # Filled in by @cached_page on every response, so a cached page shows the current count.
        "visits": VISITS_MARK,
    }


def _tombstone(request: HttpRequest, item: Release, kind_label: str) -> HttpResponse:
    return render(request, "portal/tombstone.html", {"item": item, "kind_label": kind_label}, status=410)


@require_safe
@counted("article")
@cached_page(visits="article")
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article: Article = publishing.article_get_public(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if article.status == ReleaseStatus.WITHDRAWN:
        return _tombstone(request, article, "信息")
    context = _release_context(article)
    context["categories"] = publishing.category_list()
    return render(request, "portal/article_detail.html", context)


@require_safe
@counted("notice")
@cached_page(visits="notice")
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice: Notice | None = selectors.notice_get_page(pk=pk)
    if notice is None:
        raise Http404("公告不存在或尚未发布")
    if notice.status == ReleaseStatus.WITHDRAWN:
        return _tombstone(request, notice, "公告")
    context = _release_context(notice)
    context["related"] = publishing.notice_related(notice) if notice.project_code else []
    return render(request, "portal/notice_detail.html", context)
