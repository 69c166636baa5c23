"""The benchmark functions run and report what they promise (no timing assertions)."""

from __future__ import annotations

import pytest

from ggzy.experts.bench import bench_draw
from ggzy.experts.models import Expert


@pytest.mark.django_db
def test_bench_draw_small() -> None:
    result = bench_draw(pool=600, avoid=30, repeat=3)
    assert result["pure"]["p95_ms"] > 0
    assert result["db"]["p95_ms"] > 0 and result["db"]["avoided"] == 30
    assert not Expert.objects.filter(code__startswith="BENCH").exists()  # cleaned up
