"""Benchmark of issue #5 for ``ggzy bench``: generate the full annual report for a year of the
database at hand (the seed-2021 demo at any ``--scale``) and time each part, in seconds.

* ``tables`` — ``selectors.report_data(year)``: every figure of section 一, tables 二/三/四, the
  fees and the monthly chart, all aggregated in the database (the issue's budget: well under a
  second at scale 200);
* ``checks`` — ``selectors.report_checks`` (勾稽关系, text against tables, format, 雷同);
* ``docx`` and ``pdf`` — the two renderings of the same view (``documents``);
* ``live_grouping`` — the baseline: the same publication counts grouped from the notice and article
  rows themselves (``publishing.selectors.publication_counts_live``, what ``tables`` did before the
  per-day counts of ADR 0031), measured once in the same run.

Read-only: nothing is saved (an unsaved report object carries the generated texts).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection

from ggzy.annual_report import documents, selectors, text
from ggzy.annual_report.models import AnnualReport
from ggzy.core.clock import system_clock
from ggzy.publishing import selectors as publishing


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def bench_annual_report(year: int = 2021, *, repeat: int = 3) -> dict[str, Any]:
    """Seconds (median of ``repeat``) per part of generating the ``year`` report, plus the query
    count of the tables part and the sizes of the outputs."""
    # Count with an execute wrapper, not CaptureQueriesContext: under DEBUG the connection's
    # queries_log is a deque capped at 9,000 entries, and once earlier benchmarks in the same
    # ``ggzy bench`` process have filled it, a before/after length difference reads 0.
    executed = 0

    def count(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        nonlocal executed
        executed += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        data, tables_s = _timed(lambda: selectors.report_data(year), 1)
    query_count = executed
    if repeat > 1:
        data, tables_s = _timed(lambda: selectors.report_data(year), repeat)
    center = str(settings.GGZY_SITE["center_name"])
    report = AnnualReport(
        year=year,
        data=data,
        computed_at=system_clock.now(),
        text_intro=text.default_intro(center),
        text_general=text.default_general(data["figures"], year=year),
        text_problems="（基准测试）",
        text_other=text.default_other(data["figures"], year=year),
    )
    _, live_s = _timed(lambda: publishing.publication_counts_live(year=year), 1)
    result, checks_s = _timed(lambda: selectors.report_checks(report, data), repeat)
    view = documents.report_view(report)
    docx, docx_s = _timed(lambda: documents.render_docx(view), repeat)
    pdf, pdf_s = _timed(lambda: documents.render_pdf(view), repeat)
    return {
        "year": year,
        "items": data["figures"]["items.total"],
        "tables_s": round(tables_s, 4),
        "tables_queries": query_count,
        "live_grouping_s": round(live_s, 4),
        "tables_vs_live_grouping": round(tables_s / live_s, 4) if live_s else None,
        "checks_s": round(checks_s, 4),
        "checks": len(result.checks),
        "checks_failed": len(result.failures),
        "docx_s": round(docx_s, 4),
        "docx_bytes": len(docx),
        "pdf_s": round(pdf_s, 4),
        "pdf_bytes": len(pdf),
        "total_s": round(tables_s + checks_s + docx_s + pdf_s, 4),
        "database": connection.vendor,
    }
