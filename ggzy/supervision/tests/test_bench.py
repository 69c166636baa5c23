"""The benchmarks run and report what they measured (no timing assertions)."""

from __future__ import annotations

import pytest

from ggzy.supervision.bench import bench_link_crawl, bench_patrol_fill
from ggzy.supervision.models import PatrolRound


def test_bench_link_crawl_on_synthetic_pages() -> None:
    result = bench_link_crawl(pages=30, links_per_page=5)
    assert result["pages"] == 30 and result["links"] > 30
    assert result["pages_per_s"] > 0


@pytest.mark.django_db
def test_bench_patrol_fill_leaves_nothing_behind() -> None:
    result = bench_patrol_fill(n=50)
    assert result["items"] == 50 and result["items_per_s"] > 0
    assert PatrolRound.objects.count() == 0
