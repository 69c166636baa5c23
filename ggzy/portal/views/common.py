"""What every public page shares: reading filters from the query string (with Chinese messages for
bad values), pagination, visit counting, the public page cache and the clock."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.handlers.exception import response_for_exception
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.portal import selectors
from ggzy.portal.views.care import COOKIE as CARE_COOKIE
from ggzy.publishing import selectors as publishing_selectors
from ggzy.publishing import services as publishing_services
from ggzy.publishing.services.visits import is_bot

logger = logging.getLogger(__name__)

# Views read the time from here; tests replace it to move "today".
clock: Clock = system_clock

PER_PAGE = 20
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_QUERY_CHARS = 100


class BadFilter(Exception):
    """A query-string value a page cannot use. The message is shown to the reader (HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def today() -> dt.date:
    return local_date(clock.now())


def parse_choice(params: Mapping[str, str], name: str, label: str, choices: Iterable[tuple[str, str]]) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        return ""
    allowed = dict(choices)
    if value not in allowed:
        names = "、".join(allowed.values())
        raise BadFilter(f"“{label}”的取值“{value[:40]}”无效，可选：{names}")
    return value


def parse_date(params: Mapping[str, str], name: str, label: str) -> dt.date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"“{label}”应为“年-月-日”格式的日期，例如 2021-06-01（收到“{value[:40]}”）") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise BadFilter(f"“{label}”超出可查询范围（{MIN_YEAR}—{MAX_YEAR}年）")
    return day


def parse_date_range(params: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None]:
    date_from = parse_date(params, "date_from", "开始日期")
    date_to = parse_date(params, "date_to", "结束日期")
    if date_from and date_to and date_from > date_to:
        raise BadFilter("开始日期不能晚于结束日期")
    return date_from, date_to


def parse_page(params: Mapping[str, str]) -> int:
    value = (params.get("page") or "").strip()
    if not value:
        return 1
    if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 6:
        raise BadFilter(f"页码应为正整数（收到“{value[:20]}”）")
    return int(value)


class CountCachedPaginator(Paginator):
    """Counting every match is most of an uncached list page's cost at scale (a filtered COUNT over
    hundreds of thousands of notices). The count changes only when content does, so it is cached
    under the query and the content version."""

    @functools.cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return int(super().count)
        try:
            sql = str(qs.query)
        except EmptyResultSet:
            return 0
        digest = hashlib.sha256(f"{selectors.content_version()}|{sql}".encode()).hexdigest()
        key = f"ggzy:list-count:{digest}"
        value = cache.get(key)
        if value is None:
            value = qs.count()
            cache.set(key, value, PAGE_COUNT_SECONDS)
        return int(value)


PAGE_COUNT_SECONDS = 600


def paginate(object_list: Any, number: int, per_page: int = PER_PAGE) -> Page[Any]:
    paginator = CountCachedPaginator(object_list, per_page, allow_empty_first_page=True)
    if number > paginator.num_pages:
        raise BadFilter(f"页码超出范围：共 {paginator.num_pages} 页，请求的是第 {number} 页")
    return paginator.page(number)


@dataclass(frozen=True)
class PageLinks:
    """Page numbers to show around the current one; ``None`` marks a gap (…)."""

    number: int
    num_pages: int
    numbers: list[int | None]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def page_links(number: int, num_pages: int, around: int = 2) -> PageLinks:
    wanted = {1, num_pages, *range(number - around, number + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= num_pages)
    numbers: list[int | None] = []
    for n in shown:
        if numbers and numbers[-1] is not None and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return PageLinks(number=number, num_pages=max(num_pages, 1), numbers=numbers)


def query_without_page(params: Mapping[str, str], keys: Sequence[str]) -> str:
    """The current filters as a query string (without ``page``), for pagination links."""
    from urllib.parse import urlencode

    return urlencode([(k, params[k]) for k in keys if params.get(k)])


def bad_request(
    request: HttpRequest, template: str, context: dict[str, Any], error: BadFilter
) -> HttpResponse:
    return render(request, template, {**context, "error": error.message}, status=400)


# -- visits -----------------------------------------------------------------------------------


def count_visit(request: HttpRequest, response: HttpResponse, item_key: str | None) -> None:
    """Count a successful public page view by a person (not a bot). No address is stored."""
    if request.method != "GET" or response.status_code != 200:
        return
    if is_bot(request.headers.get("user-agent", "")):
        return
    keys = ["site"] if item_key is None else ["site", item_key]
    try:
        publishing_services.visit_record(keys=keys, day=today())
    except Exception:  # a counting failure must never break the page
        logger.exception("visit counting failed")


def counted(item: str | None = None) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a public page view so each view by a person is counted for the site and, when
    ``item`` is "article" or "notice", for the object whose ``pk`` is in the URL."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            key = f"{item}:{kwargs['pk']}" if item and "pk" in kwargs else None
            count_visit(request, response, key)
            return response

        return wrapper

    return decorate


# -- public page cache ------------------------------------------------------------------------
# See docs/adr/0009-public-page-cache.md. A rendered public page is stored in the default cache
# (Redis in production) under the request's full path, the reader's display mode, today's date in
# Shanghai and the content version; any publication, correction or withdrawal changes the version,
# so every process stops using every stored page at once. The TTL is only a safety net.

PAGE_CACHE_SECONDS = 300
# 200 pages, and the error pages a view answers itself (bad filter, not found, withdrawn).
CACHEABLE_STATUSES = frozenset({200, 400, 404, 410})
# A page holding a per-reader secret must never be shared between readers.
UNCACHEABLE_MARKERS = (b"csrfmiddlewaretoken", b"nonce=")
# Longer paths are rendered but not stored: nobody links to them, and they would only fill the cache.
MAX_CACHED_PATH_CHARS = 600
# Placeholder a detail page renders for its view count; filled in on every response, cached or not,
# so the count stays as fresh as without the cache.
VISITS_MARK = "__ggzy_visits__"
_VISITS_MARK_BYTES = VISITS_MARK.encode()
CACHE_HEADER = "X-Ggzy-Cache"


def page_cache_seconds() -> int:
    return int(getattr(settings, "GGZY_PAGE_CACHE_SECONDS", PAGE_CACHE_SECONDS))


def content_version(request: HttpRequest) -> str:
    """:func:`ggzy.portal.selectors.content_version`, read once per request."""
    version: str | None = getattr(request, "_ggzy_content_version", None)
    if version is None:
        version = selectors.content_version()
        setattr(request, "_ggzy_content_version", version)  # noqa: B010 - not a declared attribute
    return version


def _may_use_cache(request: HttpRequest) -> bool:
    """Anonymous readers only: no session (so no login and no messages kept in the session), no
    messages cookie, a safe method and a path of sensible length."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and len(request.get_full_path()) <= MAX_CACHED_PATH_CHARS
        and page_cache_seconds() > 0
    )


def page_cache_key(request: HttpRequest) -> str:
    care = "care" if request.COOKIES.get(CARE_COOKIE) == "1" else "std"
    where = hashlib.sha256(f"{request.get_full_path()}\n{care}".encode()).hexdigest()
    return f"ggzy:page:{content_version(request)}:{today().isoformat()}:{where}"


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code not in CACHEABLE_STATUSES or response.streaming or response.cookies:
        return False
    # Only Content-Type can be stored; a view that sets other headers is not cached.
    if any(name.lower() != "content-type" for name in response.headers):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page asked for a CSRF token
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    queued = getattr(request, "_messages", None)
    if queued is not None and len(queued):
        return False
    body = response.content
    return not any(marker in body for marker in UNCACHEABLE_MARKERS)


def _fill_visits(response: HttpResponse, key: str | None) -> HttpResponse:
    if key is not None and _VISITS_MARK_BYTES in response.content:
        count = publishing_selectors.visits_for(key=key)
        response.content = response.content.replace(_VISITS_MARK_BYTES, str(count).encode())
    return response


def cached_page(
    visits: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve a public page from the page cache when an anonymous reader asks for it again.

    Put it under ``@counted`` so cached views are counted like rendered ones. ``visits`` ("article"
    or "notice") names the object whose view count the page shows (the view renders
    ``VISITS_MARK`` in its place; the count is filled in on every response).
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            visits_key = f"{visits}:{kwargs['pk']}" if visits and "pk" in kwargs else None
            if not _may_use_cache(request):
                response = view(request, *args, **kwargs)
                response[CACHE_HEADER] = "bypass"
                return _fill_visits(response, visits_key)
            key = page_cache_key(request)
            stored = cache.get(key)
            if stored is not None:
                status, content_type, body = stored
                response = HttpResponse(body, status=status, content_type=content_type)
                # As the rendered page does (it reads the session to show the login link).
                patch_vary_headers(response, ("Cookie",))
                response[CACHE_HEADER] = "hit"
                return _fill_visits(response, visits_key)
            try:
                response = view(request, *args, **kwargs)
            except Http404 as exc:
                if settings.DEBUG:
                    raise
                # The same 404 page Django would render, made here so it can be stored too.
                response = response_for_exception(request, exc)
            if _storable(request, response):
                entry = (response.status_code, response["Content-Type"], response.content)
                cache.set(key, entry, page_cache_seconds())
                response[CACHE_HEADER] = "miss"
            else:
                response[CACHE_HEADER] = "bypass"
            return _fill_visits(response, visits_key)

        return wrapper

    return decorate
