"""搜索: full-text search over published notices and articles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ggzy.portal.views.common import (
    MAX_QUERY_CHARS,
    PER_PAGE,
    BadFilter,
    bad_request,
    cached_page,
    counted,
    page_links,
    parse_choice,
    parse_date_range,
    parse_page,
    query_without_page,
)
from ggzy.publishing import selectors as publishing
from ggzy.publishing.choices import NoticeKind, TradeDomain
from ggzy.search.selectors import MAX_OFFSET, Hit, search_query

SEARCH_KINDS = [("notice", "交易公告"), ("article", "政务信息")]
SEARCH_KEYS = ("q", "kind", "domain", "date_from", "date_to")
MAX_PAGE = MAX_OFFSET // PER_PAGE + 1


def _rows(hits: list[Hit]) -> list[dict[str, Any]]:
    """Each hit with the Chinese labels of its type, domain and column."""
    domains, kinds = dict(TradeDomain.choices), dict(NoticeKind.choices)
    categories = (
        {c.code: c.name for c in publishing.category_list()} if any(h.kind == "article" for h in hits) else {}
    )
    rows = []
    for hit in hits:
        if hit.kind == "notice":
            labels = ["交易公告", domains.get(hit.domain, ""), kinds.get(hit.category, "")]
        else:
            labels = ["政务信息", categories.get(hit.category, "")]
        rows.append({"hit": hit, "labels": [label for label in labels if label]})
    return rows


@require_safe
@counted()
@cached_page()
def search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    q = (params.get("q") or "").strip()
    context: dict[str, Any] = {
        "q": q,
        "params": {k: params.get(k, "") for k in SEARCH_KEYS},
        "kind_choices": SEARCH_KINDS,
        "domain_choices": TradeDomain.choices,
    }
    try:
        if len(q) > MAX_QUERY_CHARS:
            raise BadFilter(f"搜索词过长（最多 {MAX_QUERY_CHARS} 个字），请精简后再搜索")
        kind = parse_choice(params, "kind", "信息类型", SEARCH_KINDS)
        domain = parse_choice(params, "domain", "交易类别", TradeDomain.choices)
        date_from, date_to = parse_date_range(params)
        number = parse_page(params)
        if number > MAX_PAGE:
            raise BadFilter(f"最多可翻到第 {MAX_PAGE} 页，请增加搜索词或筛选条件缩小范围")
    except BadFilter as exc:
        return bad_request(request, "portal/search.html", context, exc)
    if not q:
        return render(request, "portal/search.html", context)
    results = search_query(
        q=q,
        kind=kind or None,
        domain=domain or None,
        date_from=date_from,
        date_to=date_to,
        offset=(number - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    num_pages = min(max(1, -(-results.total // PER_PAGE)), MAX_PAGE)
    if results.total and number > num_pages:
        return bad_request(
            request,
            "portal/search.html",
            context,
            BadFilter(f"页码超出范围：共 {num_pages} 页，请求的是第 {number} 页"),
        )
    context.update(
        results=results,
        rows=_rows(results.hits),
        searched=True,
        links=page_links(number, num_pages),
        query=query_without_page(params, SEARCH_KEYS),
    )
    return render(request, "portal/search.html", context)
