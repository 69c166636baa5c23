"""Benchmark of the OCDS export for ``ggzy bench``: a JSON-ready dict.

:func:`bench_ocds_export` streams the export of the notices already in the database (the demo
data: ``ggzy demo --scale N``) exactly as ``ggzy export ocds`` does — read in chunks, mapped,
serialised — into a byte counter instead of a file, and reports releases per second. Optionally
validates a sample of the package against the vendored OCDS 1.1.5 schema (not timed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from typing import Any

from ggzy.api import ocds, ocds_data
from ggzy.core.clock import system_clock


def bench_ocds_export(
    *, year: int | None = None, limit: int | None = None, validate_sample: int = 200
) -> dict[str, Any]:
    """Export (at most ``limit`` releases of) ``year`` or everything; releases/s and MB/s."""
    f = (
        ocds_data.ExportFilter(since=dt.date(year, 1, 1), until=dt.date(year, 12, 31))
        if year
        else ocds_data.ExportFilter()
    )
    base_url = ocds_data.site_base_url()
    header = ocds_data.package_header(uri=f"{base_url}/api/v1/ocds/releases", now=system_clock.now())
    releases = ocds_data.iter_releases(f, base_url=base_url)
    if limit is not None:
        releases = itertools.islice(releases, limit)
    sample: list[dict[str, Any]] = []

    def counted(items: Any) -> Any:
        for r in items:
            if len(sample) < validate_sample:
                sample.append(r)
            yield r

    started = time.perf_counter()
    size = 0
    n = 0
    for chunk in ocds.package_chunks(header, counted(releases)):
        size += len(chunk.encode("utf-8"))
        n += 1
    seconds = time.perf_counter() - started
    count = max(n - 2, 0)  # header and closing chunks
    result: dict[str, Any] = {
        "releases": count,
        "seconds": round(seconds, 3),
        "releases_per_s": round(count / seconds, 1) if seconds > 0 and count else 0.0,
        "megabytes": round(size / 1e6, 2),
    }
    if sample:
        from ggzy.api.ocds_schema import package_errors

        result["sample_valid"] = not package_errors(ocds.release_package(header, sample))
    return result
