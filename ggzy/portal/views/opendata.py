"""sitemap.xml (a sitemap index) and robots.txt.

The sitemaps protocol allows at most 50,000 URLs per file, so /sitemap.xml is an index of pages:
``lists-1`` (every public list page: columns, domain and kind filters, article categories) and
``notices-N`` / ``articles-N`` — published notices and articles in id order, ``SITEMAP_PAGE_SIZE``
per page, so a new publication only ever changes the last page. Every entry has a lastmod. The
index and pages go through the public page cache (a new publication changes the content version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from ggzy.portal.views.common import cached_page
from ggzy.publishing import selectors as publishing
from ggzy.publishing.choices import NoticeKind, TradeDomain
from ggzy.publishing.models import Article, Notice

SITEMAP_PAGE_SIZE = 50_000
XML = "application/xml; charset=utf-8"
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

LIST_PAGES = (
    "portal:home",
    "portal:notice_list",
    "portal:article_list",
    "portal:gk_index",
    "portal:gk_guide",
    "portal:gk_catalogue",
    "portal:gk_rules",
    "portal:gk_statutory",
    "portal:gk_apply",
    "portal:gk_reports",
    "portal:gk_interpretations",
    "portal:interaction",
    "portal:credit",
    "portal:service_guide",
    "portal:checkpoints",
)
# Public lists of other apps, listed when those apps route them (they evolve independently).
OPTIONAL_LIST_PAGES = (
    "participation:consultations",
    "participation:qa",
    "supervision:exposure_board",
    "disclosure:apply",
)


def page_size() -> int:
    return int(getattr(settings, "GGZY_SITEMAP_PAGE_SIZE", SITEMAP_PAGE_SIZE))


def _items(section: str) -> QuerySet[Notice] | QuerySet[Article]:
    if section == "notices":
        return publishing.notice_list_public().order_by("pk")
    if section == "articles":
        return publishing.article_list_public().order_by("pk")
    raise Http404("站点地图不存在")


def _lastmod(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _url(loc: str, lastmod: str) -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>"


def _document(root: str, entries: Iterable[str]) -> HttpResponse:
    body = "".join(
        ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<{root} xmlns="{NS}">\n', *entries, f"</{root}>\n"]
    )
    return HttpResponse(body, content_type=XML)


def page_bounds(section: str) -> list[tuple[int, int, dt.datetime | None]]:
    """(first pk, last pk, newest updated_at) of each page of ``section``."""
    qs = _items(section)
    size = page_size()
    bounds: list[tuple[int, int, dt.datetime | None]] = []
    start = 0
    while True:
        ids = qs.filter(pk__gt=start).values_list("pk", flat=True)
        first = ids.first()
        if first is None:
            return bounds
        last = ids[size - 1 : size].first() or ids.order_by("-pk").first()
        assert last is not None
        newest = qs.filter(pk__gte=first, pk__lte=last).aggregate(m=Max("updated_at"))["m"]
        bounds.append((first, last, newest))
        start = last


@require_safe
@cached_page()
def sitemap_index(request: HttpRequest) -> HttpResponse:
    newest_list = max(
        (m for m in (_items(s).aggregate(m=Max("published_at"))["m"] for s in ("notices", "articles")) if m),
        default=None,
    )
    lists_url = escape(request.build_absolute_uri(reverse("portal:sitemap_page", args=["lists", 1])))
    lists_lastmod = f"<lastmod>{_lastmod(newest_list)}</lastmod>" if newest_list else ""
    entries = [f"<sitemap><loc>{lists_url}</loc>{lists_lastmod}</sitemap>\n"]
    for section in ("notices", "articles"):
        for number, (_first, _last, newest) in enumerate(page_bounds(section), start=1):
            loc = request.build_absolute_uri(reverse("portal:sitemap_page", args=[section, number]))
            mod = f"<lastmod>{_lastmod(newest)}</lastmod>" if newest else ""
            entries.append(f"<sitemap><loc>{escape(loc)}</loc>{mod}</sitemap>\n")
    return _document("sitemapindex", entries)


def _list_entries(request: HttpRequest) -> list[str]:
    newest = {s: _items(s).aggregate(m=Max("published_at"))["m"] for s in ("notices", "articles")}
    overall = _lastmod(max((m for m in newest.values() if m), default=None))
    locs = [reverse(name) for name in LIST_PAGES]
    for name in OPTIONAL_LIST_PAGES:
        try:
            locs.append(reverse(name))
        except NoReverseMatch:
            continue
    notice_list = reverse("portal:notice_list")
    locs += [f"{notice_list}?domain={code}" for code in TradeDomain.values]
    locs += [f"{notice_list}?kind={code}" for code in NoticeKind.values]
    locs += [reverse("portal:article_category", args=[c.code]) for c in publishing.category_list()]
    return [_url(request.build_absolute_uri(loc), overall) + "\n" for loc in locs]


@require_safe
@cached_page()
def sitemap_page(request: HttpRequest, section: str, number: int) -> HttpResponse:
    if section == "lists":
        if number != 1:
            raise Http404("站点地图不存在")
        return _document("urlset", _list_entries(request))
    bounds = page_bounds(section)
    if not 1 <= number <= len(bounds):
        raise Http404("站点地图不存在")
    first, last, _newest = bounds[number - 1]
    detail = "portal:notice_detail" if section == "notices" else "portal:article_detail"
    # One reverse() for the whole page: the detail URL with a marker where the id goes.
    template = request.build_absolute_uri(reverse(detail, args=[987654321])).replace("987654321", "{}")
    rows = _items(section).filter(pk__gte=first, pk__lte=last).values_list("pk", "updated_at")
    entries = (_url(template.format(pk), _lastmod(updated)) + "\n" for pk, updated in rows.iterator(2000))
    return _document("urlset", entries)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /manage/",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        "Disallow: /screen/",
        f"Sitemap: {request.build_absolute_uri(reverse('portal:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
