"""Benchmark of sitemap generation for ``ggzy bench``: a JSON-ready dict.

:func:`bench_sitemap` renders /sitemap.xml and every page it lists (50,000 URLs each) from the
database as it is (the demo data at scale 200 has ~870k items), bypassing the page cache, and
reports the time and URLs per second.
"""

from __future__ import annotations

import inspect
import re
import time
from typing import Any

from django.conf import settings
from django.test import RequestFactory

from ggzy.portal.views import opendata

_LOC = re.compile(rb"<loc>https?://[^/]+(/[^<]*)</loc>")


def bench_sitemap() -> dict[str, Any]:
    # A host the settings allow (outside tests "testserver" is not).
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    factory = RequestFactory(HTTP_HOST=hosts[0] if hosts else "localhost")
    index_view = inspect.unwrap(opendata.sitemap_index)
    page_view = inspect.unwrap(opendata.sitemap_page)
    index_view(factory.get("/sitemap.xml"))  # warm-up: URL conf, connection, template of lists
    started = time.perf_counter()
    index = index_view(factory.get("/sitemap.xml"))
    index_seconds = time.perf_counter() - started
    urls = 0
    pages = 0
    for path in _LOC.findall(index.content):
        match = re.match(rb"/sitemaps/([a-z]+)-(\d+)\.xml", path)
        if match is None:
            continue
        response = page_view(
            factory.get(path.decode()), section=match.group(1).decode(), number=int(match.group(2))
        )
        urls += response.content.count(b"<url>")
        pages += 1
    seconds = time.perf_counter() - started
    return {
        "pages": pages,
        "urls": urls,
        "index_seconds": round(index_seconds, 3),
        "seconds": round(seconds, 3),
        "urls_per_s": round(urls / seconds, 1) if seconds > 0 else 0.0,
    }
