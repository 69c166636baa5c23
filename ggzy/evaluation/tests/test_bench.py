"""The benchmark runs and reports its shape (no timing assertion)."""

from __future__ import annotations

import pytest

from ggzy.evaluation.bench import bench_scoring


def test_bench_scoring_shape() -> None:
    result = bench_scoring(bids=12, experts=3, repeat=1)
    assert result["benchmark"] == "evaluation_scoring"
    assert (result["bids"], result["experts"]) == (12, 3)
    for name in ("comprehensive_scoring", "comprehensive_assessment"):
        assert result[f"{name}_ms"] >= 0
        assert 1 <= result[f"{name}_ranked"] <= 12


def test_bench_scoring_refuses_empty_sections() -> None:
    with pytest.raises(ValueError):
        bench_scoring(bids=0)


@pytest.mark.django_db
def test_bench_stats_shape() -> None:
    from ggzy.evaluation.bench import bench_stats

    result = bench_stats(2025, repeat=1)
    assert (result["benchmark"], result["year"], result["sections_opened"]) == ("evaluation_stats", 2025, 0)
    assert result["stats_ms"] >= 0
    with pytest.raises(ValueError):
        bench_stats(repeat=0)
