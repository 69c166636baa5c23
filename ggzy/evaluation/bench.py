"""Benchmark of issue #8 for ``ggzy bench``; JSON-ready dicts.

* :func:`bench_scoring` — :func:`ggzy.evaluation.scoring.evaluate` (evaluated prices with SME
  deductions, price scores, per-criterion means over every expert, deviation and abnormal-low
  flags, ranking) for one section of ``bids`` bids scored by ``experts`` experts on 6 subjective
  and 2 objective criteria, under 综合评分法 and 综合评估法, in ms. Pure: no database.
* :func:`bench_stats` — :func:`ggzy.evaluation.stats.trading_statistics` (the year's grouped
  aggregates) on the current database, in ms: run it against the demo data or a copy of
  production, an empty database times only the round trips.
"""

from __future__ import annotations

import random
import statistics
import time
from decimal import Decimal
from typing import Any

from ggzy.evaluation import methods, scoring
from ggzy.evaluation.sme import CONSORTIUM, NONE, SMALL_MICRO, SmeClaim

SUBJECTIVE = [("tech", 20), ("plan", 10), ("quality", 10), ("schedule", 5), ("service", 5), ("training", 5)]
OBJECTIVE = [("record", 10), ("credit", 5)]


def _config(method: str) -> methods.MethodConfig:
    criteria = [{"key": k, "name": k, "points": str(p)} for k, p in SUBJECTIVE] + [
        {"key": k, "name": k, "points": str(p), "kind": "objective"} for k, p in OBJECTIVE
    ]
    data: dict[str, Any] = {
        "method": method,
        "category": "goods" if method == methods.COMPREHENSIVE_SCORING else "works",
        "price_points": "30",
        "criteria": criteria,
        "deviation_check": {"points": "5", "percent": "30"},
        "abnormal_low": [{"reference": "mean", "percent": "70"}],
    }
    if method == methods.COMPREHENSIVE_SCORING:
        data["sme"] = {"small_micro_percent": "10", "consortium_percent": "4"}
        data["tie_break"] = ["lower_bid_price", "higher_technical"]
    else:
        data["sme"] = {"small_micro_percent": "3", "consortium_percent": "1"}
        data["base_price"] = {"trim_when_more_than": 5, "k": {"low": "0.95", "high": "1.00", "step": "0.01"}}
        data["slopes"] = {"above": "1", "below": "0.5"}
    return methods.parse(data)


def _section(
    bids: int, experts: int, rng: random.Random
) -> tuple[list[scoring.Bid], dict[str, dict[str, dict[str, Decimal]]]]:
    kinds = [NONE] * 6 + [SMALL_MICRO] * 3 + [CONSORTIUM]
    rows = []
    for i in range(bids):
        kind = rng.choice(kinds)
        rows.append(
            scoring.Bid(
                id=f"BID-{i:04d}",
                price=Decimal(rng.randint(800_000_00, 1_200_000_00)) / 100,
                compliant=rng.random() > 0.1 or i == 0,
                sme=SmeClaim(kind, Decimal(rng.randint(10, 60)) if kind == CONSORTIUM else None),
                objective={k: Decimal(rng.randint(0, p * 10)) / 10 for k, p in OBJECTIVE},
            )
        )
    # Experts agree roughly: each bid has a quality, each expert adds some noise (half points).
    quality = {b.id: rng.uniform(0.4, 1.0) for b in rows}
    scores = {
        f"EXP-{e}": {
            b.id: {
                k: Decimal(max(0, min(p * 2, round((quality[b.id] + rng.gauss(0, 0.08)) * p * 2)))) / 2
                for k, p in SUBJECTIVE
            }
            for b in rows
        }
        for e in range(experts)
    }
    return rows, scores


def bench_scoring(bids: int = 300, experts: int = 9, *, repeat: int = 5, seed: int = 8) -> dict[str, Any]:
    """ms to score and rank one section (median of ``repeat`` runs) under both scoring methods."""
    if bids < 1 or experts < 1 or repeat < 1:
        raise ValueError("bids, experts and repeat must be >= 1")
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    section_bids, scores = _section(bids, experts, rng)
    out: dict[str, Any] = {
        "benchmark": "evaluation_scoring",
        "bids": bids,
        "experts": experts,
        "repeat": repeat,
    }
    for name, method, k in (
        ("comprehensive_scoring", methods.COMPREHENSIVE_SCORING, None),
        ("comprehensive_assessment", methods.COMPREHENSIVE_ASSESSMENT, Decimal("0.97")),
    ):
        config = _config(method)
        result = scoring.evaluate(config, section_bids, scores, k=k)  # warm-up outside the timing
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            scoring.evaluate(config, section_bids, scores, k=k)
            timings.append(time.perf_counter() - started)
        out[f"{name}_ms"] = round(statistics.median(timings) * 1000, 2)
        out[f"{name}_deviation_flags"] = len(result.deviation_flags)
        out[f"{name}_ranked"] = len(result.results)
    return out


def bench_stats(year: int | None = None, *, repeat: int = 5) -> dict[str, Any]:
    """ms to compute one year's trading statistics on the current database (median of ``repeat``)."""
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    from ggzy.core.clock import local_date, system_clock
    from ggzy.evaluation.stats import trading_statistics

    year = year if year is not None else local_date(system_clock.now()).year
    figures = trading_statistics(year)  # warm-up outside the timing
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        trading_statistics(year)
        timings.append(time.perf_counter() - started)
    return {
        "benchmark": "evaluation_stats",
        "year": year,
        "repeat": repeat,
        "sections_opened": figures.sections_opened,
        "bids_received": figures.bids_received,
        "awards": figures.awards,
        "stats_ms": round(statistics.median(timings) * 1000, 2),
    }
