"""Hot-path benchmarks for ``ggzy bench``: query latency and tokenizer throughput. JSON-ready dicts."""

from __future__ import annotations

import math
import time
from typing import Any

from . import tokenize
from .backends import get_backend
from .models import SearchDocument
from .selectors import search_query


def _percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (no interpolation: a reported time was measured)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def bench_search(queries: list[str], repeat: int) -> dict[str, Any]:
    """Run ``search_query`` for every query ``repeat`` times (after one untimed warm-up pass that
    loads the dictionary and warms the database cache) and report latency in milliseconds."""
    if not queries or repeat < 1:
        raise ValueError("bench_search needs at least one query and repeat >= 1")
    totals = {q: search_query(q=q).total for q in queries}
    timings: list[float] = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            search_query(q=q)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    elapsed_s = sum(timings) / 1000
    return {
        "benchmark": "search_query",
        "backend": get_backend().name,
        "documents": SearchDocument.objects.count(),
        "queries": len(queries),
        "repeat": repeat,
        "runs": len(timings),
        "p50_ms": round(_percentile(timings, 50), 3),
        "p95_ms": round(_percentile(timings, 95), 3),
        "max_ms": round(timings[-1], 3),
        "mean_ms": round(sum(timings) / len(timings), 3),
        "queries_per_s": round(len(timings) / elapsed_s, 1) if elapsed_s > 0 else None,
        "hits": totals,
    }


def bench_tokenize(text: str, repeat: int) -> dict[str, Any]:
    """Index-side tokenizer throughput on ``text`` (what bulk indexing spends most of its time on)."""
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    tokenize.tokens(text[:100])  # load the dictionary outside the timing
    started = time.perf_counter()
    count = 0
    for _ in range(repeat):
        count = len(tokenize.tokens(text))
    elapsed = time.perf_counter() - started
    return {
        "benchmark": "tokenize",
        "chars": len(text) * repeat,
        "tokens_per_pass": count,
        "seconds": round(elapsed, 4),
        "chars_per_s": round(len(text) * repeat / elapsed) if elapsed > 0 else None,
    }
